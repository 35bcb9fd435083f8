//! Relay global object identification: `node(id:)` for every type, scoped like everything else.
use super::cx;
use super::estate::{Building, Community, House, PublicArea, Unit};
use super::fees::{Bill, FeeItem, Payment};
use super::loaders::load_one;
use super::members::{HouseMember, User};
use super::staff::{ApiKey, StaffMember};
use crate::domain::{GlobalId, NodeKind};
use crate::error::AppError;
use crate::service::{api_keys, estate, fees, members, staff};
use async_graphql::{Context, Interface, Object, Result, ID};

/// Anything with a global id that `node(id:)` can fetch again.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "Opaque global id."))]
pub enum Node {
    Community(Community),
    Building(Building),
    Unit(Unit),
    House(House),
    PublicArea(PublicArea),
    User(User),
    HouseMember(HouseMember),
    StaffMember(StaffMember),
    ApiKey(ApiKey),
    FeeItem(FeeItem),
    Bill(Bill),
    Payment(Payment),
    RepairOrder(super::repairs::RepairOrder),
    Renovation(super::renovation::Renovation),
    Card(super::cards::Card),
    Handover(super::moves::Handover),
    MoveBooking(super::moves::MoveBooking),
    CustodyKey(super::keys::CustodyKey),
    KeyOpening(super::keys::KeyOpening),
    Complaint(super::complaints::Complaint),
    Notice(super::notices::Notice),
    PatrolCheckpoint(super::patrols::PatrolCheckpoint),
    PatrolRoute(super::patrols::PatrolRoute),
    PatrolTask(super::patrols::PatrolTask),
}

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Fetch any object by its global id. An id the caller may not see is NOT_FOUND,
    /// exactly like one that does not exist.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A global id from any `id` field.")] id: ID,
    ) -> Result<Option<Node>> {
        let cx = cx(ctx);
        let gid = GlobalId::decode("id", &id)?;
        let node = match gid.kind {
            NodeKind::Community => Node::Community(Community(estate::community(cx, gid.id).await?)),
            NodeKind::Building => Node::Building(Building(estate::building(cx, gid.id).await?)),
            NodeKind::Unit => Node::Unit(Unit(estate::unit(cx, gid.id).await?)),
            NodeKind::House => Node::House(House(estate::house(cx, gid.id).await?)),
            NodeKind::PublicArea => {
                Node::PublicArea(PublicArea(estate::public_area(cx, gid.id).await?))
            }
            NodeKind::HouseMember => {
                Node::HouseMember(HouseMember(members::member(cx, gid.id).await?))
            }
            NodeKind::StaffMember => {
                Node::StaffMember(StaffMember(staff::member(cx, gid.id).await?))
            }
            NodeKind::ApiKey => Node::ApiKey(ApiKey(api_keys::key(cx, gid.id).await?)),
            NodeKind::FeeItem => Node::FeeItem(FeeItem(fees::items::get(cx, gid.id).await?)),
            NodeKind::Bill => Node::Bill(Bill(fees::billing::get(cx, gid.id).await?)),
            NodeKind::Payment => Node::Payment(Payment(fees::payments::get(cx, gid.id).await?)),
            NodeKind::RepairOrder => Node::RepairOrder(super::repairs::RepairOrder(
                crate::service::repairs::get(cx, gid.id).await?,
            )),
            NodeKind::Renovation => Node::Renovation(super::renovation::Renovation(
                crate::service::renovation::get(cx, gid.id).await?,
            )),
            NodeKind::Card => Node::Card(super::cards::Card(
                crate::service::cards::get(cx, gid.id).await?,
            )),
            NodeKind::Handover => Node::Handover(super::moves::Handover(
                crate::service::handover::get(cx, gid.id).await?,
            )),
            NodeKind::MoveBooking => Node::MoveBooking(super::moves::MoveBooking(
                crate::service::moves::get(cx, gid.id).await?,
            )),
            NodeKind::CustodyKey => Node::CustodyKey(super::keys::CustodyKey(
                crate::service::keys::get(cx, gid.id).await?,
            )),
            NodeKind::KeyOpening => Node::KeyOpening(super::keys::KeyOpening(
                crate::service::keys::opening(cx, gid.id).await?,
            )),
            NodeKind::Complaint => Node::Complaint(super::complaints::Complaint(
                crate::service::complaints::get(cx, gid.id).await?,
            )),
            NodeKind::Notice => Node::Notice(super::notices::Notice(
                crate::service::notices::get(cx, gid.id).await?,
            )),
            NodeKind::PatrolCheckpoint => Node::PatrolCheckpoint(super::patrols::PatrolCheckpoint(
                crate::service::patrols::checkpoint(cx, gid.id).await?,
            )),
            NodeKind::PatrolRoute => Node::PatrolRoute(super::patrols::PatrolRoute(
                crate::service::patrols::route(cx, gid.id).await?,
            )),
            NodeKind::PatrolTask => Node::PatrolTask(super::patrols::PatrolTask::new(
                crate::service::patrols::task(cx, gid.id).await?,
            )),
            NodeKind::User => {
                // People are visible as themselves only; others appear through memberships.
                let me = cx.actor.user()?;
                if me.user_id != gid.id && !cx.actor.is_admin() {
                    return Err(AppError::NotFound.into());
                }
                Node::User(User(
                    load_one(&super::loaders(ctx).user(), gid.id)
                        .await
                        .map_err(|_| AppError::NotFound)?,
                ))
            }
        };
        Ok(Some(node))
    }
}
