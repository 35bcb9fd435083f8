//! Meter readings (抄表) entered from the handheld; a reading never goes backwards unless the
//! meter was replaced.
use super::require_staff_in;
use crate::error::{AppError, AppResult};
use crate::service::page::OneRow;
use crate::service::{estate, Cx};
use entity::enums::{FeeFormula, StaffRole};
use entity::{fee_item, meter_reading};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait,
};

/// Staff who read meters: butlers (their buildings), reception, finance, manager.
const READERS: &[StaffRole] = &[
    StaffRole::Butler,
    StaffRole::Reception,
    StaffRole::Finance,
    StaffRole::Manager,
];

pub struct NewReading {
    pub house_id: i64,
    pub fee_item_id: i64,
    /// Hundredths of a unit.
    pub reading: i64,
    pub read_on: chrono::NaiveDate,
    pub is_replacement: bool,
}

pub async fn record(cx: &Cx, input: NewReading) -> AppResult<meter_reading::Model> {
    let h = estate::house(cx, input.house_id).await?;
    require_staff_in(cx, h.community_id, READERS)?;
    if cx.actor.staff_role() == Some(StaffRole::Butler) && !cx.reach().await?.sees_people_of(&h) {
        return Err(AppError::NotFound);
    }
    let item = fee_item::Entity::find_by_id(input.fee_item_id)
        .one_row(cx.db())
        .await?
        .ok_or(AppError::NotFound)?;
    if item.community_id != h.community_id {
        return Err(AppError::NotFound);
    }
    if item.formula != FeeFormula::ByMeter {
        return Err(AppError::bad_input(
            "feeItemId",
            "该收费项目不是抄表计费",
            "This fee item is not metered",
        ));
    }
    if input.reading < 0 {
        return Err(AppError::bad_input(
            "reading",
            "读数不能为负",
            "A reading cannot be negative",
        ));
    }
    if input.read_on > super::today() {
        return Err(AppError::bad_input(
            "readOn",
            "抄表日期不能晚于今天",
            "The reading date is in the future",
        ));
    }
    let txn = cx.db().begin().await?;
    let last = meter_reading::Entity::find()
        .filter(meter_reading::Column::HouseId.eq(h.id))
        .filter(meter_reading::Column::FeeItemId.eq(item.id))
        .order_by_desc(meter_reading::Column::ReadOn)
        .order_by_desc(meter_reading::Column::Id)
        .one_row(&txn)
        .await?;
    if let Some(last) = &last {
        if input.read_on < last.read_on {
            return Err(AppError::bad_input(
                "readOn",
                "抄表日期早于上次读数",
                "The date is before the last reading",
            ));
        }
        if input.reading < last.reading && !input.is_replacement {
            return Err(AppError::bad_input(
                "reading",
                format!("读数 {} 小于上次读数 {}；如已换表请标记为换表", crate::domain::money::centi(input.reading), crate::domain::money::centi(last.reading)),
                format!("The reading {} is below the last one ({}); flag it as a meter replacement if the meter was changed", crate::domain::money::centi(input.reading), crate::domain::money::centi(last.reading)),
            ));
        }
    }
    let row = meter_reading::ActiveModel {
        community_id: Set(h.community_id),
        house_id: Set(h.id),
        fee_item_id: Set(item.id),
        reading: Set(input.reading),
        read_on: Set(input.read_on),
        is_replacement: Set(input.is_replacement),
        entered_by: Set(cx.actor.label()),
        created_at: Set(crate::service::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(row)
}
