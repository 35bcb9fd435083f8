//! Deny by default: what an actor may see, computed once per request and applied to every query.
//!
//! | who | communities | buildings | houses | people of a house |
//! |---|---|---|---|---|
//! | ADMIN | all | all | all | all |
//! | MANAGER, RECEPTION, FINANCE | own | own community | own community | own community |
//! | BUTLER | own | assigned | assigned buildings | assigned buildings |
//! | TECHNICIAN, SECURITY | own | own community | — (only via their work orders) | — |
//! | OWNER / RESIDENT | of their houses | of their houses | their houses | their houses |
//! | integrator `estate:read` | own | own community | own community | — |
use crate::auth::{Actor, ApiScope};
use crate::error::AppResult;
use entity::enums::{HouseRelation, StaffRole};
use entity::{building, community, house, house_member};
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter};

/// A live binding of the caller to a house.
#[derive(Clone, Debug)]
pub struct OwnHouse {
    pub member_id: i64,
    pub house_id: i64,
    pub building_id: i64,
    pub community_id: i64,
    pub relation: HouseRelation,
    pub tenant_may_see_bills: bool,
    /// The rows themselves: the owner's home screen lists exactly these, so it need not read
    /// them a second time.
    pub binding: house_member::Model,
    pub house: house::Model,
}

#[derive(Clone, Debug, Default)]
pub struct Reach {
    pub all: bool,
    communities: Vec<i64>,
    building_communities: Vec<i64>,
    buildings: Vec<i64>,
    house_communities: Vec<i64>,
    house_buildings: Vec<i64>,
    people_communities: Vec<i64>,
    people_buildings: Vec<i64>,
    pub own: Vec<OwnHouse>,
}

impl Reach {
    pub async fn load(db: &DatabaseConnection, actor: &Actor) -> AppResult<Reach> {
        let mut r = Reach::default();
        match actor {
            Actor::Anonymous(_) => {}
            Actor::Integrator(i) => {
                r.communities.push(i.community_id);
                if i.scopes.contains(&ApiScope::EstateRead) {
                    r.building_communities.push(i.community_id);
                    r.house_communities.push(i.community_id);
                }
            }
            Actor::User(u) => {
                if let Some(s) = &u.staff {
                    match (s.role, s.community_id) {
                        (StaffRole::Admin, _) => r.all = true,
                        (_, None) => {}
                        (role, Some(c)) => {
                            r.communities.push(c);
                            match role {
                                StaffRole::Butler => {
                                    r.buildings.extend(&s.building_ids);
                                    r.house_buildings.extend(&s.building_ids);
                                    r.people_buildings.extend(&s.building_ids);
                                }
                                StaffRole::Manager | StaffRole::Reception | StaffRole::Finance => {
                                    r.building_communities.push(c);
                                    r.house_communities.push(c);
                                    r.people_communities.push(c);
                                }
                                StaffRole::Technician | StaffRole::Security | StaffRole::Admin => {
                                    r.building_communities.push(c);
                                }
                            }
                        }
                    }
                }
                r.own = own_houses(db, u.user_id).await?;
                for o in &r.own {
                    r.communities.push(o.community_id);
                    r.buildings.push(o.building_id);
                }
            }
        }
        Ok(r)
    }

    pub fn sees_community(&self, id: i64) -> bool {
        self.all || self.communities.contains(&id)
    }
    pub fn sees_building(&self, b: &building::Model) -> bool {
        self.all
            || self.building_communities.contains(&b.community_id)
            || self.buildings.contains(&b.id)
    }
    pub fn sees_house(&self, h: &house::Model) -> bool {
        self.all
            || self.house_communities.contains(&h.community_id)
            || self.house_buildings.contains(&h.building_id)
            || self.own.iter().any(|o| o.house_id == h.id)
    }
    /// Whether any house of `community_id` is visible (a butler's buildings lie in their community).
    pub fn sees_houses_in(&self, community_id: i64) -> bool {
        self.all
            || self.house_communities.contains(&community_id)
            || (!self.house_buildings.is_empty() && self.communities.contains(&community_id))
            || self.own.iter().any(|o| o.community_id == community_id)
    }
    /// Whether the members (names, phones) of house `h` may be listed.
    pub fn sees_people_of(&self, h: &house::Model) -> bool {
        self.all
            || self.people_communities.contains(&h.community_id)
            || self.people_buildings.contains(&h.building_id)
            || self.own.iter().any(|o| o.house_id == h.id)
    }
    /// Staff (not a housemate) view of house `h`: full phone numbers.
    pub fn staff_sees_people_of(&self, h: &house::Model) -> bool {
        self.all
            || self.people_communities.contains(&h.community_id)
            || self.people_buildings.contains(&h.building_id)
    }
    pub fn binding(&self, house_id: i64) -> Option<&OwnHouse> {
        self.own.iter().find(|o| o.house_id == house_id)
    }
    pub fn owns(&self, house_id: i64) -> bool {
        self.binding(house_id)
            .is_some_and(|o| o.relation == HouseRelation::Owner)
    }

    pub fn community_condition(&self) -> Condition {
        if self.all {
            return Condition::all();
        }
        Condition::all().add(community::Column::Id.is_in(self.communities.clone()))
    }
    pub fn building_condition(&self) -> Condition {
        if self.all {
            return Condition::all();
        }
        Condition::any()
            .add(building::Column::CommunityId.is_in(self.building_communities.clone()))
            .add(building::Column::Id.is_in(self.buildings.clone()))
    }
    pub fn house_condition(&self) -> Condition {
        if self.all {
            return Condition::all();
        }
        Condition::any()
            .add(house::Column::CommunityId.is_in(self.house_communities.clone()))
            .add(house::Column::BuildingId.is_in(self.house_buildings.clone()))
            .add(house::Column::Id.is_in(self.own.iter().map(|o| o.house_id).collect::<Vec<_>>()))
    }
}

/// The caller's live bindings; a tenancy past its end date no longer counts.
async fn own_houses(db: &DatabaseConnection, user_id: i64) -> AppResult<Vec<OwnHouse>> {
    let today = super::today_in_community();
    let bindings = house_member::Entity::find()
        .filter(house_member::Column::UserId.eq(user_id))
        .filter(house_member::Column::EndedAt.is_null())
        .all(db)
        .await?;
    let bindings: Vec<_> = bindings
        .into_iter()
        .filter(|b| b.tenancy_ends_on.is_none_or(|end| end >= today))
        .collect();
    if bindings.is_empty() {
        return Ok(vec![]);
    }
    let houses = house::Entity::find()
        .filter(house::Column::Id.is_in(bindings.iter().map(|b| b.house_id).collect::<Vec<_>>()))
        .all(db)
        .await?;
    Ok(bindings
        .into_iter()
        .filter_map(|b| {
            let h = houses.iter().find(|h| h.id == b.house_id)?;
            Some(OwnHouse {
                member_id: b.id,
                house_id: h.id,
                building_id: h.building_id,
                community_id: h.community_id,
                relation: b.relation,
                tenant_may_see_bills: b.tenant_may_see_bills,
                house: h.clone(),
                binding: b,
            })
        })
        .collect())
}

/// Whether a committed event belongs in a caller's live feed.
pub fn may_see_event(
    reach: &Reach,
    user_id: Option<i64>,
    staff: Option<&crate::auth::StaffGrant>,
    p: &super::events::Published,
) -> bool {
    if reach.all || user_id.is_some_and(|u| p.audience.contains(&u)) {
        return true;
    }
    let e = &p.event;
    if let Some(h) = e.house_id {
        if reach.own.iter().any(|o| o.house_id == h) {
            return true;
        }
    }
    match (staff, e.community_id) {
        (Some(s), Some(c)) if s.community_id == Some(c) => match s.role {
            StaffRole::Butler => p.building_id.is_some_and(|b| s.building_ids.contains(&b)),
            StaffRole::Manager | StaffRole::Reception => true,
            _ => false,
        },
        _ => false,
    }
}

/// Whether staff grant `s` serves a record of `community_id` / `building_id` in one of `roles`:
/// ADMIN anywhere, others in their community, a butler only in their buildings.
pub fn staff_serves(
    s: &crate::auth::StaffGrant,
    community_id: i64,
    building_id: i64,
    roles: &[StaffRole],
) -> bool {
    s.role == StaffRole::Admin
        || (s.community_id == Some(community_id)
            && roles.contains(&s.role)
            && (s.role != StaffRole::Butler || s.building_ids.contains(&building_id)))
}
