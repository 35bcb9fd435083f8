//! Closed sets of values stored as short strings; each is also a GraphQL enum.
use async_graphql::Enum;
use sea_orm::entity::prelude::*;

/// Whether a house is lived in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Enum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum HouseStatus {
    /// Nobody lives there (空置).
    #[sea_orm(string_value = "VACANT")]
    Vacant,
    /// Lived in (入住).
    #[sea_orm(string_value = "OCCUPIED")]
    Occupied,
    /// Under renovation with a permit (装修中).
    #[sea_orm(string_value = "RENOVATING")]
    Renovating,
}

/// How a person is bound to a house.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Enum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum HouseRelation {
    /// The owner (业主): manages the house's members.
    #[sea_orm(string_value = "OWNER")]
    Owner,
    /// A family member living with the owner (家属).
    #[sea_orm(string_value = "FAMILY")]
    Family,
    /// A tenant (租户); the tenancy has an end date.
    #[sea_orm(string_value = "TENANT")]
    Tenant,
}

/// A staff member's role in a community.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Enum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum StaffRole {
    /// Butler (客服管家): looks after the households of assigned buildings.
    #[sea_orm(string_value = "BUTLER")]
    Butler,
    /// Reception (接待): registers requests, takes payments, issues cards.
    #[sea_orm(string_value = "RECEPTION")]
    Reception,
    /// Technician (维修工): works the repair orders assigned to them.
    #[sea_orm(string_value = "TECHNICIAN")]
    Technician,
    /// Security guard (保安): checks passes at the gate.
    #[sea_orm(string_value = "SECURITY")]
    Security,
    /// Manager (管理处主任 / 客服部经理): the whole community.
    #[sea_orm(string_value = "MANAGER")]
    Manager,
    /// Finance (财务): fees, bills and payments of the community.
    #[sea_orm(string_value = "FINANCE")]
    Finance,
    /// Administrator: every community, staff and API keys.
    #[sea_orm(string_value = "ADMIN")]
    Admin,
}

/// A kind of public area (公共区域).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Enum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum PublicAreaKind {
    /// Entrance lobby (大堂).
    #[sea_orm(string_value = "LOBBY")]
    Lobby,
    /// Lift (电梯).
    #[sea_orm(string_value = "LIFT")]
    Lift,
    /// Car park (停车场).
    #[sea_orm(string_value = "CAR_PARK")]
    CarPark,
    /// Garden (园林绿化).
    #[sea_orm(string_value = "GARDEN")]
    Garden,
    /// Anything else.
    #[sea_orm(string_value = "OTHER")]
    Other,
}
