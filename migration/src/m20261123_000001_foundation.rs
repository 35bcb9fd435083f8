//! The estate, its people, sign-in and the event log: everything later capabilities build on.
use crate::util::{at, at_null, fk, id_col, index};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Communities {
    Table,
    Id,
    Name,
    Code,
    Timezone,
    CreatedAt,
}
#[derive(DeriveIden, Clone, Copy)]
enum Buildings {
    Table,
    Id,
    CommunityId,
    Name,
    CreatedAt,
}
#[derive(DeriveIden, Clone, Copy)]
enum Units {
    Table,
    Id,
    CommunityId,
    BuildingId,
    Name,
}
#[derive(DeriveIden, Clone, Copy)]
enum Houses {
    Table,
    Id,
    CommunityId,
    BuildingId,
    UnitId,
    Number,
    Floor,
    AreaCentiM2,
    Status,
    CreatedAt,
}
#[derive(DeriveIden, Clone, Copy)]
enum PublicAreas {
    Table,
    Id,
    CommunityId,
    BuildingId,
    Name,
    Kind,
}
#[derive(DeriveIden, Clone, Copy)]
enum Users {
    Table,
    Id,
    Phone,
    PasswordHash,
    DisplayName,
    Locale,
    CreatedAt,
}
#[derive(DeriveIden, Clone, Copy)]
enum HouseMembers {
    Table,
    Id,
    CommunityId,
    HouseId,
    UserId,
    Relation,
    TenancyEndsOn,
    TenantMaySeeBills,
    InvitedBy,
    CreatedAt,
    EndedAt,
}
#[derive(DeriveIden, Clone, Copy)]
enum StaffMembers {
    Table,
    Id,
    UserId,
    CommunityId,
    Role,
    CreatedAt,
    EndedAt,
}
#[derive(DeriveIden, Clone, Copy)]
enum ButlerBuildings {
    Table,
    Id,
    CommunityId,
    StaffMemberId,
    BuildingId,
}
#[derive(DeriveIden, Clone, Copy)]
enum ApiKeys {
    Table,
    Id,
    CommunityId,
    Name,
    KeyPrefix,
    KeyHash,
    Scopes,
    CreatedBy,
    CreatedAt,
    RevokedAt,
}
#[derive(DeriveIden, Clone, Copy)]
enum AuthSessions {
    Table,
    Id,
    UserId,
    CreatedAt,
    RevokedAt,
    RevokedReason,
}
#[derive(DeriveIden, Clone, Copy)]
enum RefreshTokens {
    Table,
    Id,
    SessionId,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}
#[derive(DeriveIden, Clone, Copy)]
enum LoginThrottles {
    Table,
    Key,
    Failures,
    WindowStart,
    LockedUntil,
}
#[derive(DeriveIden, Clone, Copy)]
enum Events {
    Table,
    Id,
    CommunityId,
    HouseId,
    Actor,
    Action,
    SubjectType,
    SubjectId,
    FromState,
    ToState,
    Reason,
    At,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Communities::Table)
                .col(id_col(Communities::Id))
                .col(string(Communities::Name))
                .col(string_uniq(Communities::Code))
                .col(string(Communities::Timezone).default("Asia/Shanghai"))
                .col(at(Communities::CreatedAt))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Buildings::Table)
                .col(id_col(Buildings::Id))
                .col(big_integer(Buildings::CommunityId))
                .col(string(Buildings::Name))
                .col(at(Buildings::CreatedAt))
                .foreign_key(&mut fk(
                    Buildings::Table,
                    Buildings::CommunityId,
                    Communities::Table,
                ))
                .take(),
        )
        .await?;
        m.create_index(index(Buildings::Table, &["community_id"], false))
            .await?;
        m.create_table(
            Table::create()
                .table(Units::Table)
                .col(id_col(Units::Id))
                .col(big_integer(Units::CommunityId))
                .col(big_integer(Units::BuildingId))
                .col(string(Units::Name))
                .foreign_key(&mut fk(
                    Units::Table,
                    Units::CommunityId,
                    Communities::Table,
                ))
                .foreign_key(&mut fk(Units::Table, Units::BuildingId, Buildings::Table))
                .take(),
        )
        .await?;
        m.create_index(index(Units::Table, &["building_id"], false))
            .await?;
        m.create_table(
            Table::create()
                .table(Houses::Table)
                .col(id_col(Houses::Id))
                .col(big_integer(Houses::CommunityId))
                .col(big_integer(Houses::BuildingId))
                .col(big_integer(Houses::UnitId))
                .col(string(Houses::Number))
                .col(integer(Houses::Floor))
                .col(big_integer(Houses::AreaCentiM2))
                .col(string_len(Houses::Status, 16))
                .col(at(Houses::CreatedAt))
                .foreign_key(&mut fk(
                    Houses::Table,
                    Houses::CommunityId,
                    Communities::Table,
                ))
                .foreign_key(&mut fk(Houses::Table, Houses::BuildingId, Buildings::Table))
                .foreign_key(&mut fk(Houses::Table, Houses::UnitId, Units::Table))
                .take(),
        )
        .await?;
        m.create_index(index(Houses::Table, &["unit_id", "number"], true))
            .await?;
        m.create_index(index(
            Houses::Table,
            &["community_id", "building_id"],
            false,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(PublicAreas::Table)
                .col(id_col(PublicAreas::Id))
                .col(big_integer(PublicAreas::CommunityId))
                .col(big_integer_null(PublicAreas::BuildingId))
                .col(string(PublicAreas::Name))
                .col(string_len(PublicAreas::Kind, 16))
                .foreign_key(&mut fk(
                    PublicAreas::Table,
                    PublicAreas::CommunityId,
                    Communities::Table,
                ))
                .foreign_key(&mut fk(
                    PublicAreas::Table,
                    PublicAreas::BuildingId,
                    Buildings::Table,
                ))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Users::Table)
                .col(id_col(Users::Id))
                .col(string_len_uniq(Users::Phone, 20))
                .col(string_null(Users::PasswordHash))
                .col(string(Users::DisplayName))
                .col(string_len(Users::Locale, 16).default("zh-CN"))
                .col(at(Users::CreatedAt))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(HouseMembers::Table)
                .col(id_col(HouseMembers::Id))
                .col(big_integer(HouseMembers::CommunityId))
                .col(big_integer(HouseMembers::HouseId))
                .col(big_integer(HouseMembers::UserId))
                .col(string_len(HouseMembers::Relation, 16))
                .col(date_null(HouseMembers::TenancyEndsOn))
                .col(boolean(HouseMembers::TenantMaySeeBills).default(false))
                .col(big_integer_null(HouseMembers::InvitedBy))
                .col(at(HouseMembers::CreatedAt))
                .col(at_null(HouseMembers::EndedAt))
                .foreign_key(&mut fk(
                    HouseMembers::Table,
                    HouseMembers::CommunityId,
                    Communities::Table,
                ))
                .foreign_key(&mut fk(
                    HouseMembers::Table,
                    HouseMembers::HouseId,
                    Houses::Table,
                ))
                .foreign_key(&mut fk(
                    HouseMembers::Table,
                    HouseMembers::UserId,
                    Users::Table,
                ))
                .take(),
        )
        .await?;
        m.create_index(index(HouseMembers::Table, &["user_id"], false))
            .await?;
        m.create_index(index(HouseMembers::Table, &["house_id"], false))
            .await?;
        m.create_table(
            Table::create()
                .table(StaffMembers::Table)
                .col(id_col(StaffMembers::Id))
                .col(big_integer(StaffMembers::UserId))
                .col(big_integer_null(StaffMembers::CommunityId))
                .col(string_len(StaffMembers::Role, 16))
                .col(at(StaffMembers::CreatedAt))
                .col(at_null(StaffMembers::EndedAt))
                .foreign_key(&mut fk(
                    StaffMembers::Table,
                    StaffMembers::UserId,
                    Users::Table,
                ))
                .foreign_key(&mut fk(
                    StaffMembers::Table,
                    StaffMembers::CommunityId,
                    Communities::Table,
                ))
                .take(),
        )
        .await?;
        m.create_index(index(StaffMembers::Table, &["community_id"], false))
            .await?;
        m.create_table(
            Table::create()
                .table(ButlerBuildings::Table)
                .col(id_col(ButlerBuildings::Id))
                .col(big_integer(ButlerBuildings::CommunityId))
                .col(big_integer(ButlerBuildings::StaffMemberId))
                .col(big_integer(ButlerBuildings::BuildingId))
                .foreign_key(&mut fk(
                    ButlerBuildings::Table,
                    ButlerBuildings::CommunityId,
                    Communities::Table,
                ))
                .foreign_key(&mut fk(
                    ButlerBuildings::Table,
                    ButlerBuildings::StaffMemberId,
                    StaffMembers::Table,
                ))
                .foreign_key(&mut fk(
                    ButlerBuildings::Table,
                    ButlerBuildings::BuildingId,
                    Buildings::Table,
                ))
                .take(),
        )
        .await?;
        m.create_index(index(
            ButlerBuildings::Table,
            &["staff_member_id", "building_id"],
            true,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(ApiKeys::Table)
                .col(id_col(ApiKeys::Id))
                .col(big_integer(ApiKeys::CommunityId))
                .col(string(ApiKeys::Name))
                .col(string_len_uniq(ApiKeys::KeyPrefix, 32))
                .col(string_len(ApiKeys::KeyHash, 64))
                .col(string(ApiKeys::Scopes))
                .col(big_integer(ApiKeys::CreatedBy))
                .col(at(ApiKeys::CreatedAt))
                .col(at_null(ApiKeys::RevokedAt))
                .foreign_key(&mut fk(
                    ApiKeys::Table,
                    ApiKeys::CommunityId,
                    Communities::Table,
                ))
                .foreign_key(&mut fk(ApiKeys::Table, ApiKeys::CreatedBy, Users::Table))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(AuthSessions::Table)
                .col(string_len(AuthSessions::Id, 36).primary_key())
                .col(big_integer(AuthSessions::UserId))
                .col(at(AuthSessions::CreatedAt))
                .col(at_null(AuthSessions::RevokedAt))
                .col(string_null(AuthSessions::RevokedReason))
                .foreign_key(&mut fk(
                    AuthSessions::Table,
                    AuthSessions::UserId,
                    Users::Table,
                ))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(RefreshTokens::Table)
                .col(id_col(RefreshTokens::Id))
                .col(string_len(RefreshTokens::SessionId, 36))
                .col(string_len_uniq(RefreshTokens::TokenHash, 64))
                .col(at(RefreshTokens::CreatedAt))
                .col(at(RefreshTokens::ExpiresAt))
                .col(at_null(RefreshTokens::UsedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_refresh_tokens_session_id")
                        .from(RefreshTokens::Table, RefreshTokens::SessionId)
                        .to(AuthSessions::Table, AuthSessions::Id),
                )
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(LoginThrottles::Table)
                .col(string_len(LoginThrottles::Key, 80).primary_key())
                .col(integer(LoginThrottles::Failures))
                .col(at(LoginThrottles::WindowStart))
                .col(at_null(LoginThrottles::LockedUntil))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Events::Table)
                .col(id_col(Events::Id))
                .col(big_integer_null(Events::CommunityId))
                .col(big_integer_null(Events::HouseId))
                .col(string(Events::Actor))
                .col(string(Events::Action))
                .col(string_len(Events::SubjectType, 32))
                .col(big_integer(Events::SubjectId))
                .col(string_null(Events::FromState))
                .col(string_null(Events::ToState))
                .col(text_null(Events::Reason))
                .col(at(Events::At))
                .take(),
        )
        .await?;
        m.create_index(index(Events::Table, &["subject_type", "subject_id"], false))
            .await?;

        // Partial unique indexes: one live binding per person and house, one live staff role per
        // person. Same syntax on SQLite and PostgreSQL.
        let db = m.get_connection();
        db.execute_unprepared(
            "CREATE UNIQUE INDEX uq_house_members_live ON house_members (house_id, user_id) WHERE ended_at IS NULL",
        ).await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX uq_staff_members_live ON staff_members (user_id) WHERE ended_at IS NULL",
        ).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "events",
            "login_throttles",
            "refresh_tokens",
            "auth_sessions",
            "api_keys",
            "butler_buildings",
            "staff_members",
            "house_members",
            "users",
            "public_areas",
            "houses",
            "units",
            "buildings",
            "communities",
        ] {
            m.drop_table(Table::drop().table(Alias::new(t)).take())
                .await?;
        }
        Ok(())
    }
}
