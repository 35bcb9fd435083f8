//! The estate: communities → buildings → units → houses, and public areas; read-only here
//! (created by migrations' operators or the demo loader), always scoped by `Reach`.
use super::page::{paginate, Page, PageArgs};
use super::Cx;
use crate::error::{AppError, AppResult};
use crate::service::page::OneRow;
use entity::enums::HouseStatus;
use entity::{building, community, house, public_area, unit};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

pub async fn communities(cx: &Cx, args: &PageArgs) -> AppResult<Page<community::Model>> {
    cx.actor.require_signed_in()?;
    let reach = cx.reach().await?;
    let q = community::Entity::find().filter(reach.community_condition());
    paginate(cx.db(), q, community::Column::Id, args).await
}

/// A community the caller may see; NOT_FOUND otherwise, so existence does not leak.
pub async fn community(cx: &Cx, id: i64) -> AppResult<community::Model> {
    cx.actor.require_signed_in()?;
    let reach = cx.reach().await?;
    if !reach.sees_community(id) {
        return Err(AppError::NotFound);
    }
    community::Entity::find_by_id(id)
        .one_row(cx.db())
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn buildings(
    cx: &Cx,
    community_id: i64,
    args: &PageArgs,
) -> AppResult<Page<building::Model>> {
    community(cx, community_id).await?;
    let reach = cx.reach().await?;
    let q = building::Entity::find()
        .filter(building::Column::CommunityId.eq(community_id))
        .filter(reach.building_condition());
    paginate(cx.db(), q, building::Column::Id, args).await
}

pub async fn building(cx: &Cx, id: i64) -> AppResult<building::Model> {
    cx.actor.require_signed_in()?;
    let b = building::Entity::find_by_id(id)
        .one_row(cx.db())
        .await?
        .ok_or(AppError::NotFound)?;
    if !cx.reach().await?.sees_building(&b) {
        return Err(AppError::NotFound);
    }
    Ok(b)
}

pub async fn units(cx: &Cx, building_id: i64, args: &PageArgs) -> AppResult<Page<unit::Model>> {
    building(cx, building_id).await?;
    let q = unit::Entity::find().filter(unit::Column::BuildingId.eq(building_id));
    paginate(cx.db(), q, unit::Column::Id, args).await
}

pub async fn unit(cx: &Cx, id: i64) -> AppResult<unit::Model> {
    cx.actor.require_signed_in()?;
    let u = unit::Entity::find_by_id(id)
        .one_row(cx.db())
        .await?
        .ok_or(AppError::NotFound)?;
    building(cx, u.building_id).await?;
    Ok(u)
}

/// Where to look for houses; at least the community is known.
#[derive(Clone, Debug, Default)]
pub struct HouseFilter {
    pub community_id: i64,
    pub building_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub status: Option<HouseStatus>,
}

pub async fn houses(cx: &Cx, f: &HouseFilter, args: &PageArgs) -> AppResult<Page<house::Model>> {
    community(cx, f.community_id).await?;
    let reach = cx.reach().await?;
    // Staff who may see the community but no house in it (technician, security) are refused
    // rather than shown an empty list.
    if !reach.sees_houses_in(f.community_id) {
        return Err(AppError::Forbidden);
    }
    let mut q = house::Entity::find()
        .filter(house::Column::CommunityId.eq(f.community_id))
        .filter(reach.house_condition());
    if let Some(b) = f.building_id {
        q = q.filter(house::Column::BuildingId.eq(b));
    }
    if let Some(u) = f.unit_id {
        q = q.filter(house::Column::UnitId.eq(u));
    }
    if let Some(s) = f.status {
        q = q.filter(house::Column::Status.eq(s));
    }
    paginate(cx.db(), q, house::Column::Id, args).await
}

pub async fn house(cx: &Cx, id: i64) -> AppResult<house::Model> {
    cx.actor.require_signed_in()?;
    let h = house::Entity::find_by_id(id)
        .one_row(cx.db())
        .await?
        .ok_or(AppError::NotFound)?;
    if !cx.reach().await?.sees_house(&h) {
        return Err(AppError::NotFound);
    }
    Ok(h)
}

pub async fn public_areas(
    cx: &Cx,
    community_id: i64,
    args: &PageArgs,
) -> AppResult<Page<public_area::Model>> {
    community(cx, community_id).await?;
    let q = public_area::Entity::find().filter(public_area::Column::CommunityId.eq(community_id));
    paginate(cx.db(), q, public_area::Column::Id, args).await
}

pub async fn public_area(cx: &Cx, id: i64) -> AppResult<public_area::Model> {
    cx.actor.require_signed_in()?;
    let a = public_area::Entity::find_by_id(id)
        .one_row(cx.db())
        .await?
        .ok_or(AppError::NotFound)?;
    community(cx, a.community_id).await?;
    Ok(a)
}
