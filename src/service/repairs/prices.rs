//! The paid-service price list (有偿服务项目收费标准), managed by the manager.
use crate::domain::Fen;
use crate::error::{AppError, AppResult};
use crate::service::fees::require_staff_in;
use crate::service::page::{paginate, Page, PageArgs};
use crate::service::{estate, Cx};
use entity::enums::StaffRole;
use entity::service_price;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

pub async fn create(
    cx: &Cx,
    community_id: i64,
    name: String,
    unit: String,
    price: Fen,
) -> AppResult<service_price::Model> {
    estate::community(cx, community_id).await?;
    require_staff_in(cx, community_id, &[StaffRole::Manager])?;
    let name = name.trim().to_owned();
    let unit = unit.trim().to_owned();
    if name.is_empty() || name.chars().count() > 40 {
        return Err(AppError::bad_input(
            "name",
            "名称须为 1–40 字",
            "Name must be 1–40 characters",
        ));
    }
    if unit.is_empty() || unit.chars().count() > 8 {
        return Err(AppError::bad_input(
            "unit",
            "单位须为 1–8 字（次、个、米 …）",
            "Unit must be 1–8 characters",
        ));
    }
    Fen::positive("priceFen", price)?;
    Ok(service_price::ActiveModel {
        community_id: Set(community_id),
        name: Set(name),
        unit: Set(unit),
        price_fen: Set(price.0),
        active: Set(true),
        created_at: Set(crate::service::now()),
        ..Default::default()
    }
    .insert(cx.db())
    .await?)
}

/// Anyone who sees the community may read its price list (owners check prices before booking).
pub async fn of_community(
    cx: &Cx,
    community_id: i64,
    args: &PageArgs,
) -> AppResult<Page<service_price::Model>> {
    estate::community(cx, community_id).await?;
    let q = service_price::Entity::find()
        .filter(service_price::Column::CommunityId.eq(community_id))
        .filter(service_price::Column::Active.eq(true));
    paginate(cx.db(), q, service_price::Column::Id, args).await
}
