//! Integrator API keys: created and revoked by admins; the secret is shown once, stored hashed.
use super::events::{self, NewEvent};
use super::page::{paginate, Page, PageArgs};
use super::Cx;
use crate::auth::{api_key, ApiScope};
use crate::error::{AppError, AppResult};
use crate::service::page::OneRow;
use entity::api_key as api_key_entity;
use entity::enums::StaffRole;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set, TransactionTrait};

pub async fn of_community(
    cx: &Cx,
    community_id: i64,
    args: &PageArgs,
) -> AppResult<Page<api_key_entity::Model>> {
    cx.actor.require_staff(&[])?;
    let q =
        api_key_entity::Entity::find().filter(api_key_entity::Column::CommunityId.eq(community_id));
    paginate(cx.db(), q, api_key_entity::Column::Id, args).await
}

pub async fn key(cx: &Cx, id: i64) -> AppResult<api_key_entity::Model> {
    cx.actor.require_signed_in()?;
    if !cx.actor.is_admin() {
        return Err(AppError::NotFound);
    }
    api_key_entity::Entity::find_by_id(id)
        .one_row(cx.db())
        .await?
        .ok_or(AppError::NotFound)
}

/// Returns the stored row and the full key, which is never shown again.
pub async fn create(
    cx: &Cx,
    community_id: i64,
    name: String,
    scopes: Vec<ApiScope>,
) -> AppResult<(api_key_entity::Model, String)> {
    // Admins only: an empty role list admits ADMIN and nobody else.
    cx.actor.require_staff(&[])?;
    super::estate::community(cx, community_id).await?;
    let name = name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 60 {
        return Err(AppError::bad_input(
            "name",
            "请填写 1–60 字的名称",
            "Name must be 1–60 characters",
        ));
    }
    if scopes.is_empty() {
        return Err(AppError::bad_input(
            "scopes",
            "至少选择一个权限范围",
            "Choose at least one scope",
        ));
    }
    let mut scopes = scopes;
    scopes.sort_by_key(|s| s.as_str());
    scopes.dedup();
    let new_key = api_key::generate();
    let creator = cx.actor.user()?.user_id;
    let txn = cx.db().begin().await?;
    let row = api_key_entity::ActiveModel {
        community_id: Set(community_id),
        name: Set(name),
        key_prefix: Set(new_key.prefix),
        key_hash: Set(new_key.hash),
        scopes: Set(ApiScope::join(&scopes)),
        created_by: Set(creator),
        created_at: Set(super::now()),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let ev = events::record(
        &txn,
        &cx.actor,
        NewEvent {
            community_id: Some(community_id),
            house_id: None,
            building_id: None,
            action: "api_key.created",
            subject_type: "ApiKey",
            subject_id: row.id,
            from_state: None,
            to_state: Some(row.scopes.clone()),
            reason: None,
        },
    )
    .await?;
    txn.commit().await?;
    cx.core.bus.publish([ev]);
    Ok((row, new_key.full))
}

pub async fn revoke(cx: &Cx, id: i64) -> AppResult<api_key_entity::Model> {
    cx.actor.require_staff(&[StaffRole::Admin])?;
    let k = key(cx, id).await?;
    if k.revoked_at.is_some() {
        return Err(AppError::InvalidStateTransition {
            current: "REVOKED".into(),
            action: "revokeApiKey".into(),
        });
    }
    let txn = cx.db().begin().await?;
    let mut am: api_key_entity::ActiveModel = k.into();
    am.revoked_at = Set(Some(super::now()));
    let k = am.update(&txn).await?;
    let ev = events::record(
        &txn,
        &cx.actor,
        NewEvent {
            community_id: Some(k.community_id),
            house_id: None,
            building_id: None,
            action: "api_key.revoked",
            subject_type: "ApiKey",
            subject_id: k.id,
            from_state: Some("ACTIVE".into()),
            to_state: Some("REVOKED".into()),
            reason: None,
        },
    )
    .await?;
    txn.commit().await?;
    cx.core.bus.publish([ev]);
    Ok(k)
}
