//! The caller's own profile and houses, and the people bound to a house.
use super::connection::{connection, page_args};
use super::estate::House;
use super::loaders::load_one;
use super::staff::StaffMember;
use super::{cx, loaders};
use crate::domain::{GlobalId, NodeKind, Phone};
use crate::service::{members, staff};
use async_graphql::{Context, Enum, InputObject, Object, Result, ID};
use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{HouseRelation, StaffRole};
use entity::{house_member, user};

/// What a person may do, from their house bindings and staff membership.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum Role {
    /// Owns at least one house (业主).
    Owner,
    /// Family member or tenant of at least one house (住户).
    Resident,
    /// 客服管家.
    Butler,
    /// 前台接待.
    Reception,
    /// 维修工.
    Technician,
    /// 保安.
    Security,
    /// 管理处主任 / 客服部经理.
    Manager,
    /// 财务.
    Finance,
    /// System administrator.
    Admin,
}

impl From<StaffRole> for Role {
    fn from(r: StaffRole) -> Self {
        match r {
            StaffRole::Butler => Role::Butler,
            StaffRole::Reception => Role::Reception,
            StaffRole::Technician => Role::Technician,
            StaffRole::Security => Role::Security,
            StaffRole::Manager => Role::Manager,
            StaffRole::Finance => Role::Finance,
            StaffRole::Admin => Role::Admin,
        }
    }
}

#[derive(Default)]
pub struct MeQuery;

#[Object]
impl MeQuery {
    /// The signed-in person: profile, roles and houses. UNAUTHENTICATED without a valid token.
    async fn me(&self, ctx: &Context<'_>) -> Result<User> {
        let cx = cx(ctx);
        let u = cx.actor.user()?;
        let row = load_one(loaders(ctx).user(), u.user_id).await?;
        Ok(User(row))
    }
}

pub struct User(pub user::Model);

/// A person who signs in: owner, resident or staff. Only visible to themselves (and admins).
#[Object]
impl User {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        GlobalId::encode(NodeKind::User, self.0.id)
    }
    /// Mobile number used to sign in.
    async fn phone(&self) -> &str {
        &self.0.phone
    }
    /// Name shown to staff and housemates.
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }
    /// Preferred language, e.g. zh-CN or en.
    async fn locale(&self) -> &str {
        &self.0.locale
    }
    /// Everything this person may act as right now.
    async fn roles(&self, ctx: &Context<'_>) -> Result<Vec<Role>> {
        let cx = cx(ctx);
        let mut roles = vec![];
        let reach = cx.reach().await?;
        if reach.own.iter().any(|o| o.relation == HouseRelation::Owner) {
            roles.push(Role::Owner);
        }
        if reach.own.iter().any(|o| o.relation != HouseRelation::Owner) {
            roles.push(Role::Resident);
        }
        if let Some(r) = cx.actor.staff_role() {
            roles.push(r.into());
        }
        Ok(roles)
    }
    /// The staff membership, if this person works for the property company.
    async fn staff_membership(&self, ctx: &Context<'_>) -> Result<Option<StaffMember>> {
        let cx = cx(ctx);
        match cx.actor.staff() {
            Some(g) => Ok(Some(StaffMember(staff::member(cx, g.member_id).await?))),
            None => Ok(None),
        }
    }
    /// The houses this person is bound to, as bindings (relation, tenancy, house).
    #[graphql(complexity = "super::connection::cost(first, last, child_complexity)")]
    async fn houses(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "Page size from the start (0–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Page size from the end (0–100).")] last: Option<i32>,
    ) -> Result<HouseMemberConnection> {
        let page = members::mine(cx(ctx), &page_args(ctx, after, before, first, last)?).await?;
        Ok(connection(page, |m| m.id, HouseMember))
    }
}

pub struct HouseMember(pub house_member::Model);

/// A person's binding to a house (业主 / 家属 / 租户).
#[Object]
impl HouseMember {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        GlobalId::encode(NodeKind::HouseMember, self.0.id)
    }
    /// OWNER, FAMILY or TENANT.
    async fn relation(&self) -> HouseRelation {
        self.0.relation
    }
    /// The person's name.
    async fn display_name(&self, ctx: &Context<'_>) -> Result<String> {
        Ok(load_one(loaders(ctx).user(), self.0.user_id)
            .await?
            .display_name)
    }
    /// The person's mobile number: in full for the owner, serving staff and the person
    /// themselves; masked (138****0003) for other housemates.
    async fn phone(&self, ctx: &Context<'_>) -> Result<String> {
        let cx = cx(ctx);
        let person = load_one(loaders(ctx).user(), self.0.user_id).await?;
        let is_self = cx
            .actor
            .user()
            .ok()
            .is_some_and(|u| u.user_id == self.0.user_id);
        let reach = cx.reach().await?;
        let full = is_self || reach.owns(self.0.house_id) || {
            let h = load_one(loaders(ctx).house(), self.0.house_id).await?;
            reach.staff_sees_people_of(&h)
        };
        Ok(if full {
            person.phone
        } else {
            Phone::masked(&person.phone)
        })
    }
    /// Whether this binding is the caller's own.
    async fn is_me(&self, ctx: &Context<'_>) -> bool {
        cx(ctx)
            .actor
            .user()
            .ok()
            .is_some_and(|u| u.user_id == self.0.user_id)
    }
    /// Last day of a tenancy (tenants only).
    async fn tenancy_ends_on(&self) -> Option<NaiveDate> {
        self.0.tenancy_ends_on
    }
    /// Whether the owner lets this tenant see the house's bills.
    async fn tenant_may_see_bills(&self) -> bool {
        self.0.tenant_may_see_bills
    }
    /// When the binding started.
    async fn since(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the binding ended (moved out or removed); null while live.
    async fn ended_at(&self) -> Option<DateTime<Utc>> {
        self.0.ended_at
    }
    /// The house.
    async fn house(&self, ctx: &Context<'_>) -> Result<House> {
        // The caller's own houses came with the access check; other houses are batched.
        let own = cx(ctx)
            .reach_if_loaded()
            .and_then(|r| r.binding(self.0.house_id))
            .filter(|o| o.member_id == self.0.id);
        if let Some(o) = own {
            return Ok(House(o.house.clone()));
        }
        Ok(House(
            load_one(loaders(ctx).house(), self.0.house_id).await?,
        ))
    }
}

/// Invite a family member or tenant to a house.
#[derive(InputObject)]
pub struct InviteHouseMemberInput {
    /// The house (its owner, or staff serving it, may invite).
    pub house_id: ID,
    /// The person's mobile number; they sign in with it.
    pub phone: String,
    /// Their name; required when the phone is new to Guanjia.
    pub display_name: Option<String>,
    /// FAMILY or TENANT (owners are bound at handover).
    pub relation: HouseRelation,
    /// Last day of the tenancy; required for TENANT.
    pub tenancy_ends_on: Option<NaiveDate>,
    /// Whether a tenant may see the house's bills (default no).
    #[graphql(default = false)]
    pub tenant_may_see_bills: bool,
}

#[derive(Default)]
pub struct MemberMutation;

#[Object]
impl MemberMutation {
    /// Bind a family member or tenant to a house. CONFLICT if the phone is already bound to it.
    async fn invite_house_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Who to invite, to which house, as what.")] input: InviteHouseMemberInput,
    ) -> Result<HouseMember> {
        let m = members::invite(
            cx(ctx),
            members::Invite {
                house_id: GlobalId::decode_as("houseId", &input.house_id, NodeKind::House)?,
                phone: input.phone,
                display_name: input.display_name,
                relation: input.relation,
                tenancy_ends_on: input.tenancy_ends_on,
                tenant_may_see_bills: input.tenant_may_see_bills,
            },
        )
        .await?;
        Ok(HouseMember(m))
    }
    /// End a family member's or tenant's binding; they lose access to the house at once.
    async fn remove_house_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The binding to end.")] member_id: ID,
        #[graphql(desc = "Why, for the record.")] reason: Option<String>,
    ) -> Result<HouseMember> {
        let id = GlobalId::decode_as("memberId", &member_id, NodeKind::HouseMember)?;
        Ok(HouseMember(members::remove(cx(ctx), id, reason).await?))
    }
    /// The owner allows or stops a tenant seeing the house's bills.
    async fn set_tenant_bill_access(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The tenant's binding.")] member_id: ID,
        #[graphql(desc = "true to let the tenant see bills.")] allowed: bool,
    ) -> Result<HouseMember> {
        let id = GlobalId::decode_as("memberId", &member_id, NodeKind::HouseMember)?;
        Ok(HouseMember(
            members::set_tenant_bill_access(cx(ctx), id, allowed).await?,
        ))
    }
}

crate::connection_type!(
    HouseMemberConnection,
    HouseMemberEdge,
    HouseMember,
    "house members"
);
