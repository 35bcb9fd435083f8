//! The estate as the apps browse it: community → building → unit → house, and public areas.
use super::connection::{connection, page_args};
use super::fees::{BillConnection, FeeItemConnection, Owed, PaymentConnection};
use super::loaders::load_one;
use super::members::{HouseMember, HouseMemberConnection};
use super::staff::{ApiKey, ApiKeyConnection, StaffMember, StaffMemberConnection};
use super::{cx, loaders};
use crate::domain::{AreaM2, GlobalId, NodeKind};
use crate::error::AppError;
use crate::service::{api_keys, estate, fees, members, staff};
use async_graphql::{Context, Object, Result, ID};
use entity::enums::{HouseRelation, HouseStatus, PublicAreaKind, StaffRole};
use entity::{building, community, house, public_area, unit};

fn opt_id(field: &str, raw: Option<ID>, kind: NodeKind) -> Result<Option<i64>> {
    Ok(raw
        .map(|r| GlobalId::decode_as(field, &r, kind))
        .transpose()?)
}

#[derive(Default)]
pub struct EstateQuery;

#[Object]
impl EstateQuery {
    /// Communities (小区) the caller may see: staff their own, owners those of their houses,
    /// admins all.
    #[graphql(complexity = "super::connection::cost(first, last, child_complexity)")]
    async fn communities(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "Page size from the start (0–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Page size from the end (0–100).")] last: Option<i32>,
    ) -> Result<CommunityConnection> {
        let page =
            estate::communities(cx(ctx), &page_args(ctx, after, before, first, last)?).await?;
        Ok(connection(page, |m| m.id, Community))
    }
}

pub struct Community(pub community::Model);

/// A community (小区/项目), the unit of management: each staff member works in one.
#[Object]
impl Community {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        GlobalId::encode(NodeKind::Community, self.0.id)
    }
    /// Name, e.g. 翠湖花园.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Short code used on receipts and reports.
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// IANA time zone for business rules such as working hours and "same day".
    async fn timezone(&self) -> &str {
        &self.0.timezone
    }
    /// Buildings (楼栋) the caller may see; a butler sees their assigned buildings.
    #[graphql(complexity = "super::connection::cost(first, last, child_complexity)")]
    async fn buildings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "Page size from the start (0–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Page size from the end (0–100).")] last: Option<i32>,
    ) -> Result<BuildingConnection> {
        let page = estate::buildings(
            cx(ctx),
            self.0.id,
            &page_args(ctx, after, before, first, last)?,
        )
        .await?;
        Ok(connection(page, |m| m.id, Building))
    }
    /// Houses the caller may see, optionally narrowed to a building, a unit or a status.
    /// Technicians and security guards are refused: they reach houses through their work.
    #[graphql(complexity = "super::connection::cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn houses(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only houses of this building.")] building_id: Option<ID>,
        #[graphql(desc = "Only houses of this unit.")] unit_id: Option<ID>,
        #[graphql(desc = "Only houses in this status.")] status: Option<HouseStatus>,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "Page size from the start (0–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Page size from the end (0–100).")] last: Option<i32>,
    ) -> Result<HouseConnection> {
        let filter = estate::HouseFilter {
            community_id: self.0.id,
            building_id: opt_id("buildingId", building_id, NodeKind::Building)?,
            unit_id: opt_id("unitId", unit_id, NodeKind::Unit)?,
            status,
        };
        let page = estate::houses(
            cx(ctx),
            &filter,
            &page_args(ctx, after, before, first, last)?,
        )
        .await?;
        Ok(connection(page, |m| m.id, House))
    }
    /// The price list (收费标准).
    #[graphql(complexity = "super::connection::cost(first, last, child_complexity)")]
    async fn fee_items(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "Page size from the start (0–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Page size from the end (0–100).")] last: Option<i32>,
    ) -> Result<FeeItemConnection> {
        super::fees::community_fee_items(
            ctx,
            self.0.id,
            page_args(ctx, after, before, first, last)?,
        )
        .await
    }
    /// Bills of the community for staff (a butler: their buildings), optionally one period or building.
    #[graphql(complexity = "super::connection::cost(first, last, child_complexity)")]
    async fn bills(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this period, YYYY-MM.")] period: Option<String>,
        #[graphql(desc = "Only this building.")] building_id: Option<ID>,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "Page size from the start (0–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Page size from the end (0–100).")] last: Option<i32>,
    ) -> Result<BillConnection> {
        let b = opt_id("buildingId", building_id, NodeKind::Building)?;
        super::fees::community_bills(
            ctx,
            self.0.id,
            period,
            b,
            page_args(ctx, after, before, first, last)?,
        )
        .await
    }
    /// Public areas (公共区域): lobbies, lifts, car parks, gardens.
    #[graphql(complexity = "super::connection::cost(first, last, child_complexity)")]
    async fn public_areas(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "Page size from the start (0–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Page size from the end (0–100).")] last: Option<i32>,
    ) -> Result<PublicAreaConnection> {
        let page = estate::public_areas(
            cx(ctx),
            self.0.id,
            &page_args(ctx, after, before, first, last)?,
        )
        .await?;
        Ok(connection(page, |m| m.id, PublicArea))
    }
    /// The community's staff (managers and admins only), optionally one role.
    #[graphql(complexity = "super::connection::cost(first, last, child_complexity)")]
    async fn staff(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only staff with this role.")] role: Option<StaffRole>,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "Page size from the start (0–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Page size from the end (0–100).")] last: Option<i32>,
    ) -> Result<StaffMemberConnection> {
        let page = staff::of_community(
            cx(ctx),
            self.0.id,
            role,
            &page_args(ctx, after, before, first, last)?,
        )
        .await?;
        Ok(connection(page, |m| m.id, StaffMember))
    }
    /// Integrator API keys issued for this community (admins only).
    #[graphql(complexity = "super::connection::cost(first, last, child_complexity)")]
    async fn api_keys(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "Page size from the start (0–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Page size from the end (0–100).")] last: Option<i32>,
    ) -> Result<ApiKeyConnection> {
        let page = api_keys::of_community(
            cx(ctx),
            self.0.id,
            &page_args(ctx, after, before, first, last)?,
        )
        .await?;
        Ok(connection(page, |m| m.id, ApiKey))
    }
}

pub struct Building(pub building::Model);

/// A building (楼栋) of a community.
#[Object]
impl Building {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        GlobalId::encode(NodeKind::Building, self.0.id)
    }
    /// Name, e.g. 1栋.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The community the building belongs to.
    async fn community(&self, ctx: &Context<'_>) -> Result<Community> {
        Ok(Community(
            load_one(loaders(ctx).community(), self.0.community_id).await?,
        ))
    }
    /// Units (单元) of the building.
    #[graphql(complexity = "super::connection::cost(first, last, child_complexity)")]
    async fn units(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "Page size from the start (0–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Page size from the end (0–100).")] last: Option<i32>,
    ) -> Result<UnitConnection> {
        let page = estate::units(
            cx(ctx),
            self.0.id,
            &page_args(ctx, after, before, first, last)?,
        )
        .await?;
        Ok(connection(page, |m| m.id, Unit))
    }
}

pub struct Unit(pub unit::Model);

/// A unit (单元, a stairwell entrance) of a building.
#[Object]
impl Unit {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        GlobalId::encode(NodeKind::Unit, self.0.id)
    }
    /// Name, e.g. 1单元.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The building the unit belongs to.
    async fn building(&self, ctx: &Context<'_>) -> Result<Building> {
        Ok(Building(
            load_one(loaders(ctx).building(), self.0.building_id).await?,
        ))
    }
    /// Houses of this unit the caller may see.
    #[graphql(complexity = "super::connection::cost(first, last, child_complexity)")]
    async fn houses(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only houses in this status.")] status: Option<HouseStatus>,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "Page size from the start (0–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Page size from the end (0–100).")] last: Option<i32>,
    ) -> Result<HouseConnection> {
        let filter = estate::HouseFilter {
            community_id: self.0.community_id,
            building_id: None,
            unit_id: Some(self.0.id),
            status,
        };
        let page = estate::houses(
            cx(ctx),
            &filter,
            &page_args(ctx, after, before, first, last)?,
        )
        .await?;
        Ok(connection(page, |m| m.id, House))
    }
}

pub struct House(pub house::Model);

/// A house (房屋): a flat in a unit, with its area and whether it is lived in.
#[Object]
impl House {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        GlobalId::encode(NodeKind::House, self.0.id)
    }
    /// Door number, e.g. 1201.
    async fn number(&self) -> &str {
        &self.0.number
    }
    /// Floor number.
    async fn floor(&self) -> i32 {
        self.0.floor
    }
    /// Gross floor area in m², exact to two decimals, as a string (e.g. "89.50").
    async fn area_m2(&self) -> String {
        AreaM2(self.0.area_centi_m2).to_string()
    }
    /// Gross floor area in hundredths of a m² (8950 = 89.50 m²), for exact arithmetic.
    async fn area_centi_m2(&self) -> i64 {
        self.0.area_centi_m2
    }
    /// Vacant, occupied or renovating.
    async fn status(&self) -> HouseStatus {
        self.0.status
    }
    /// Full address for display: 小区 楼栋 单元 门牌.
    async fn address(&self, ctx: &Context<'_>) -> Result<String> {
        let l = loaders(ctx);
        let (c, b, u) = futures_util::try_join!(
            load_one(l.community(), self.0.community_id),
            load_one(l.building(), self.0.building_id),
            load_one(l.unit(), self.0.unit_id)
        )?;
        Ok(format!(
            "{} {} {} {}",
            c.name, b.name, u.name, self.0.number
        ))
    }
    /// The community of the house.
    async fn community(&self, ctx: &Context<'_>) -> Result<Community> {
        Ok(Community(
            load_one(loaders(ctx).community(), self.0.community_id).await?,
        ))
    }
    /// The building of the house.
    async fn building(&self, ctx: &Context<'_>) -> Result<Building> {
        Ok(Building(
            load_one(loaders(ctx).building(), self.0.building_id).await?,
        ))
    }
    /// The unit of the house.
    async fn unit(&self, ctx: &Context<'_>) -> Result<Unit> {
        Ok(Unit(load_one(loaders(ctx).unit(), self.0.unit_id).await?))
    }
    /// How the caller is bound to this house (OWNER, FAMILY, TENANT), or null.
    async fn my_relation(&self, ctx: &Context<'_>) -> Result<Option<HouseRelation>> {
        Ok(cx(ctx)
            .reach()
            .await?
            .binding(self.0.id)
            .map(|b| b.relation))
    }
    /// The house's cards, newest first, in every state (the card desk: reception, manager; and the owner).
    async fn cards(&self, ctx: &Context<'_>) -> Result<Vec<super::cards::Card>> {
        crate::service::cards::require_cards_of(super::cx(ctx), &self.0).await?;
        let mut rows =
            super::loaders::children_of(&super::loaders(ctx).house_cards(), self.0.id).await?;
        rows.sort_by_key(|c| std::cmp::Reverse(c.id));
        Ok(rows.into_iter().map(super::cards::Card).collect())
    }
    /// What the house owes today: due, overdue and late fees. Tenants only with the owner's leave.
    async fn owed(&self, ctx: &Context<'_>) -> Result<Owed> {
        if !fees::sees_bills_of(cx(ctx), &self.0).await? {
            return Err(AppError::Forbidden.into());
        }
        let owed = loaders(ctx)
            .owed()
            .load_one(self.0.id)
            .await
            .map_err(|e| AppError::internal("owed", format!("{e:?}")))?;
        Ok(Owed(owed.unwrap_or_default()))
    }
    /// The house's bills, newest last; `openOnly` for what is still to pay.
    #[graphql(complexity = "super::connection::cost(first, last, child_complexity)")]
    async fn bills(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only bills still to pay.", default = false)] open_only: bool,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "Page size from the start (0–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Page size from the end (0–100).")] last: Option<i32>,
    ) -> Result<BillConnection> {
        // Boxed, as is `payments`: these two 2 KB futures set the size of every House field's
        // future (async-graphql sizes an object's field futures by its largest resolver), and
        // the owner's home screen resolves House fields on every request.
        Box::pin(super::fees::house_bills(
            ctx,
            self.0.id,
            open_only,
            page_args(ctx, after, before, first, last)?,
        ))
        .await
    }
    /// Payments and reversals on the house's bills, with receipts.
    #[graphql(complexity = "super::connection::cost(first, last, child_complexity)")]
    async fn payments(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "Page size from the start (0–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Page size from the end (0–100).")] last: Option<i32>,
    ) -> Result<PaymentConnection> {
        Box::pin(super::fees::house_payments(
            ctx,
            self.0.id,
            page_args(ctx, after, before, first, last)?,
        ))
        .await
    }
    /// Renovation deposits refunded to the house, newest first, with how each was paid out
    /// (seen by whoever sees its payments).
    async fn deposit_refunds(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<super::renovation::DepositRefund>> {
        super::renovation::house_refunds(ctx, self.0.id).await
    }
    /// People bound to the house (owner, family, tenants). Housemates see each other's phone
    /// masked; the owner and serving staff see it in full.
    #[graphql(complexity = "super::connection::cost(first, last, child_complexity)")]
    async fn members(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "Page size from the start (0–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Page size from the end (0–100).")] last: Option<i32>,
    ) -> Result<HouseMemberConnection> {
        let args = page_args(ctx, after, before, first, last)?;
        members::require_people_of(cx(ctx), &self.0).await?;
        let rows = loaders(ctx)
            .members()
            .load_one(self.0.id)
            .await
            .map_err(|e| AppError::internal("members", format!("{e:?}")))?
            .unwrap_or_default();
        Ok(connection(
            crate::service::page::paginate_vec(rows, |m| m.id, &args),
            |m| m.id,
            HouseMember,
        ))
    }
}

pub struct PublicArea(pub public_area::Model);

/// A public area (公共区域) maintained by the property company.
#[Object]
impl PublicArea {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        GlobalId::encode(NodeKind::PublicArea, self.0.id)
    }
    /// Name, e.g. 1栋大堂.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// What kind of area it is.
    async fn kind(&self) -> PublicAreaKind {
        self.0.kind
    }
    /// The building it belongs to; null for community-wide areas such as the garden.
    async fn building(&self, ctx: &Context<'_>) -> Result<Option<Building>> {
        match self.0.building_id {
            Some(id) => Ok(Some(Building(load_one(loaders(ctx).building(), id).await?))),
            None => Ok(None),
        }
    }
    /// The community of the area.
    async fn community(&self, ctx: &Context<'_>) -> Result<Community> {
        Ok(Community(
            load_one(loaders(ctx).community(), self.0.community_id).await?,
        ))
    }
}

crate::connection_type!(CommunityConnection, CommunityEdge, Community, "communities");
crate::connection_type!(BuildingConnection, BuildingEdge, Building, "buildings");
crate::connection_type!(UnitConnection, UnitEdge, Unit, "units");
crate::connection_type!(HouseConnection, HouseEdge, House, "houses");
crate::connection_type!(
    PublicAreaConnection,
    PublicAreaEdge,
    PublicArea,
    "public areas"
);
