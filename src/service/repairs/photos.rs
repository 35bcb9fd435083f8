//! Photos attached to repair orders (the upload endpoint is still to come: see issue 4's note).
use crate::error::AppResult;
use entity::repair_photo;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::HashMap;

/// Photos of many orders in one statement.
pub async fn of_orders(conn: &impl ConnectionTrait, order_ids: &[i64]) -> AppResult<HashMap<i64, Vec<repair_photo::Model>>> {
    let mut out: HashMap<i64, Vec<repair_photo::Model>> = HashMap::new();
    for p in repair_photo::Entity::find()
        .filter(repair_photo::Column::OrderId.is_in(order_ids.iter().copied()))
        .order_by_asc(repair_photo::Column::Id)
        .all(conn)
        .await?
    {
        out.entry(p.order_id).or_default().push(p);
    }
    Ok(out)
}
