//! Staff memberships and integrator API keys: who works where, and who else may call the API.
use super::estate::{Building, Community};
use super::guard::{StaffGuard, ADMINS, MANAGERS};
use super::loaders::{children_of, load_one};
use super::{cx, loaders};
use crate::auth::ApiScope;
use crate::domain::{GlobalId, NodeKind};
use crate::service::{api_keys, staff};
use async_graphql::{Context, InputObject, Object, Result, SimpleObject, ID};
use chrono::{DateTime, Utc};
use entity::enums::StaffRole;
use entity::{api_key, staff_member};

pub struct StaffMember(pub staff_member::Model);

/// A staff member's role in a community (ADMIN spans communities).
#[Object]
impl StaffMember {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        GlobalId::encode(NodeKind::StaffMember, self.0.id)
    }
    /// The role held.
    async fn role(&self) -> StaffRole {
        self.0.role
    }
    /// The person's name.
    async fn display_name(&self, ctx: &Context<'_>) -> Result<String> {
        Ok(load_one(loaders(ctx).user(), self.0.user_id)
            .await?
            .display_name)
    }
    /// The person's work mobile number.
    async fn phone(&self, ctx: &Context<'_>) -> Result<String> {
        Ok(load_one(loaders(ctx).user(), self.0.user_id).await?.phone)
    }
    /// The community; null for ADMIN.
    async fn community(&self, ctx: &Context<'_>) -> Result<Option<Community>> {
        match self.0.community_id {
            Some(id) => Ok(Some(Community(
                load_one(loaders(ctx).community(), id).await?,
            ))),
            None => Ok(None),
        }
    }
    /// A butler's assigned buildings (a handful at most, so a plain list).
    async fn buildings(&self, ctx: &Context<'_>) -> Result<Vec<Building>> {
        let ids: Vec<i64> = children_of(loaders(ctx).butler_buildings(), self.0.id)
            .await?
            .iter()
            .map(|b| b.building_id)
            .collect();
        let map = loaders(ctx)
            .building()
            .load_many(ids.iter().copied())
            .await
            .map_err(|_| crate::error::AppError::Internal)?;
        Ok(ids
            .iter()
            .filter_map(|id| map.get(id).cloned())
            .map(Building)
            .collect())
    }
    /// When the membership started.
    async fn since(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it ended; null while the person is on staff.
    async fn ended_at(&self) -> Option<DateTime<Utc>> {
        self.0.ended_at
    }
}

pub struct ApiKey(pub api_key::Model);

/// An integrator API key (the secret itself is shown once, at creation).
#[Object]
impl ApiKey {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        GlobalId::encode(NodeKind::ApiKey, self.0.id)
    }
    /// What the key is for, e.g. "WeChat Pay gateway".
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The public prefix of the key, to tell keys apart in logs.
    async fn prefix(&self) -> String {
        format!("gj_{}", self.0.key_prefix)
    }
    /// What the key may do.
    async fn scopes(&self) -> Vec<ApiScope> {
        ApiScope::split(&self.0.scopes)
    }
    /// The one community the key works in.
    async fn community(&self, ctx: &Context<'_>) -> Result<Community> {
        Ok(Community(
            load_one(loaders(ctx).community(), self.0.community_id).await?,
        ))
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it was revoked; null while usable.
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.0.revoked_at
    }
}

/// A newly created key and its secret. Store the secret now: it cannot be shown again.
#[derive(SimpleObject)]
pub struct CreateApiKeyPayload {
    /// The key's record.
    pub api_key: ApiKey,
    /// The full key to send as the `X-Api-Key` header.
    pub secret: String,
}

/// Put a person on a community's staff.
#[derive(InputObject)]
pub struct AddStaffMemberInput {
    /// The community; omit only for ADMIN.
    pub community_id: Option<ID>,
    /// Mobile number; an existing user keeps their account.
    pub phone: String,
    /// Name; required when the phone is new to Guanjia.
    pub display_name: Option<String>,
    /// The role. Managers may add any role but MANAGER and ADMIN.
    pub role: StaffRole,
    /// First password (at least 8 characters), used only if the person has none yet.
    pub initial_password: Option<String>,
}

#[derive(Default)]
pub struct StaffMutation;

#[Object]
impl StaffMutation {
    /// Add a staff member (managers: their community; admins: any).
    #[graphql(guard = "StaffGuard(MANAGERS)")]
    async fn add_staff_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Who, where and in which role.")] input: AddStaffMemberInput,
    ) -> Result<StaffMember> {
        let community_id = input
            .community_id
            .map(|c| GlobalId::decode_as("communityId", &c, NodeKind::Community))
            .transpose()?;
        let m = staff::add(
            cx(ctx),
            staff::NewStaff {
                community_id,
                phone: input.phone,
                display_name: input.display_name,
                role: input.role,
                initial_password: input.initial_password,
            },
        )
        .await?;
        Ok(StaffMember(m))
    }
    /// Change a staff member's role.
    #[graphql(guard = "StaffGuard(MANAGERS)")]
    async fn change_staff_role(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The membership to change.")] staff_id: ID,
        #[graphql(desc = "The new role.")] role: StaffRole,
    ) -> Result<StaffMember> {
        let id = GlobalId::decode_as("staffId", &staff_id, NodeKind::StaffMember)?;
        Ok(StaffMember(staff::change_role(cx(ctx), id, role).await?))
    }
    /// Set the buildings a butler looks after (replaces the previous set).
    #[graphql(guard = "StaffGuard(MANAGERS)")]
    async fn assign_butler_buildings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The butler's membership.")] staff_id: ID,
        #[graphql(desc = "Buildings of the butler's community.")] building_ids: Vec<ID>,
    ) -> Result<StaffMember> {
        let id = GlobalId::decode_as("staffId", &staff_id, NodeKind::StaffMember)?;
        let buildings = building_ids
            .iter()
            .map(|b| GlobalId::decode_as("buildingIds", b, NodeKind::Building))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(StaffMember(
            staff::assign_buildings(cx(ctx), id, buildings).await?,
        ))
    }
    /// End a staff membership; the person's staff access stops at once.
    #[graphql(guard = "StaffGuard(MANAGERS)")]
    async fn remove_staff_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The membership to end.")] staff_id: ID,
        #[graphql(desc = "Why, for the record.")] reason: Option<String>,
    ) -> Result<StaffMember> {
        let id = GlobalId::decode_as("staffId", &staff_id, NodeKind::StaffMember)?;
        Ok(StaffMember(staff::remove(cx(ctx), id, reason).await?))
    }
    /// Issue an integrator API key for one community (admins only).
    #[graphql(guard = "StaffGuard(ADMINS)")]
    async fn create_api_key(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The community the key works in.")] community_id: ID,
        #[graphql(desc = "What the key is for.")] name: String,
        #[graphql(desc = "What the key may do.")] scopes: Vec<ApiScope>,
    ) -> Result<CreateApiKeyPayload> {
        let community_id = GlobalId::decode_as("communityId", &community_id, NodeKind::Community)?;
        let (row, secret) = api_keys::create(cx(ctx), community_id, name, scopes).await?;
        Ok(CreateApiKeyPayload {
            api_key: ApiKey(row),
            secret,
        })
    }
    /// Revoke an API key; calls with it fail from now on (admins only).
    #[graphql(guard = "StaffGuard(ADMINS)")]
    async fn revoke_api_key(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The key to revoke.")] id: ID,
    ) -> Result<ApiKey> {
        let id = GlobalId::decode_as("id", &id, NodeKind::ApiKey)?;
        Ok(ApiKey(api_keys::revoke(cx(ctx), id).await?))
    }
}

crate::connection_type!(
    StaffMemberConnection,
    StaffMemberEdge,
    StaffMember,
    "staff members"
);
crate::connection_type!(ApiKeyConnection, ApiKeyEdge, ApiKey, "API keys");
