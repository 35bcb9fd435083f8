//! Fee items (收费项目) per community, configured by finance or the manager.
use super::{require_staff_in, FEE_ADMINS};
use crate::domain::Fen;
use crate::error::{AppError, AppResult};
use crate::service::events::{self, NewEvent};
use crate::service::page::OneRow;
use crate::service::page::{paginate, Page, PageArgs};
use crate::service::{estate, Cx};
use entity::enums::{BillingCycle, FeeFormula, FeeKind};
use entity::fee_item;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set, TransactionTrait};

pub struct NewFeeItem {
    pub community_id: i64,
    pub name: String,
    pub kind: FeeKind,
    pub formula: FeeFormula,
    pub cycle: BillingCycle,
    pub unit_price: Fen,
    pub late_fee_bps_per_day: Option<i32>,
    pub late_fee_grace_days: i32,
    pub late_fee_cap_bps: Option<i32>,
    pub vacant_discount_bps: Option<i32>,
}

fn bps(field: &str, v: Option<i32>, max: i32) -> AppResult<()> {
    match v {
        Some(b) if !(0..=max).contains(&b) => Err(AppError::bad_input(
            field,
            format!("基点值应在 0 到 {max} 之间"),
            format!("Basis points must be between 0 and {max}"),
        )),
        _ => Ok(()),
    }
}

pub async fn create(cx: &Cx, input: NewFeeItem) -> AppResult<fee_item::Model> {
    estate::community(cx, input.community_id).await?;
    require_staff_in(cx, input.community_id, FEE_ADMINS)?;
    let name = input.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 40 {
        return Err(AppError::bad_input(
            "name",
            "名称须为 1–40 字",
            "Name must be 1–40 characters",
        ));
    }
    Fen::positive("unitPriceFen", input.unit_price)?;
    bps("lateFeeBpsPerDay", input.late_fee_bps_per_day, 100)?;
    bps("lateFeeCapBps", input.late_fee_cap_bps, 10_000)?;
    bps("vacantDiscountBps", input.vacant_discount_bps, 10_000)?;
    if !(0..=365).contains(&input.late_fee_grace_days) {
        return Err(AppError::bad_input(
            "lateFeeGraceDays",
            "宽限天数应在 0 到 365 之间",
            "Grace days must be between 0 and 365",
        ));
    }
    if input.formula == FeeFormula::ByMeter && input.cycle != BillingCycle::Monthly {
        return Err(AppError::bad_input(
            "cycle",
            "抄表类收费须按月计费",
            "Metered items are billed monthly",
        ));
    }
    if input.cycle == BillingCycle::OneOff && input.formula != FeeFormula::Fixed {
        return Err(AppError::bad_input(
            "formula",
            "一次性收费须为固定金额",
            "One-off items have a fixed amount",
        ));
    }
    let txn = cx.db().begin().await?;
    let row = fee_item::ActiveModel {
        community_id: Set(input.community_id),
        name: Set(name),
        kind: Set(input.kind),
        formula: Set(input.formula),
        cycle: Set(input.cycle),
        unit_price_fen: Set(input.unit_price.0),
        late_fee_bps_per_day: Set(input.late_fee_bps_per_day),
        late_fee_grace_days: Set(input.late_fee_grace_days),
        late_fee_cap_bps: Set(input.late_fee_cap_bps),
        vacant_discount_bps: Set(input.vacant_discount_bps),
        active: Set(true),
        created_at: Set(crate::service::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let ev = events::record(
        &txn,
        &cx.actor,
        NewEvent {
            community_id: Some(row.community_id),
            house_id: None,
            building_id: None,
            action: "fee_item.created",
            subject_type: "FeeItem",
            subject_id: row.id,
            from_state: None,
            to_state: Some(Fen(row.unit_price_fen).to_string()),
            reason: None,
        },
    )
    .await?;
    txn.commit().await?;
    cx.core.bus.publish([ev]);
    Ok(row)
}

/// Retire or bring back an item; bills already issued keep their lines.
pub async fn set_active(cx: &Cx, id: i64, active: bool) -> AppResult<fee_item::Model> {
    let item = get(cx, id).await?;
    require_staff_in(cx, item.community_id, FEE_ADMINS)?;
    let mut am: fee_item::ActiveModel = item.into();
    am.active = Set(active);
    Ok(am.update(cx.db()).await?)
}

/// Any signed-in person of the community may read its price list.
pub async fn get(cx: &Cx, id: i64) -> AppResult<fee_item::Model> {
    cx.actor.require_signed_in()?;
    let item = fee_item::Entity::find_by_id(id)
        .one_row(cx.db())
        .await?
        .ok_or(AppError::NotFound)?;
    estate::community(cx, item.community_id).await?;
    Ok(item)
}

pub async fn of_community(
    cx: &Cx,
    community_id: i64,
    args: &PageArgs,
) -> AppResult<Page<fee_item::Model>> {
    estate::community(cx, community_id).await?;
    let q = fee_item::Entity::find().filter(fee_item::Column::CommunityId.eq(community_id));
    paginate(cx.db(), q, fee_item::Column::Id, args).await
}
