//! Sign-in: phone + password for a short-lived access token and a rotating refresh token; reuse
//! of a rotated refresh token revokes the whole family. Also turns presented credentials into
//! the request's `Actor`.
use super::{throttle, Core, Cx};
use crate::auth::{api_key, password, Actor, ApiScope, IntegratorActor, StaffGrant, UserActor};
use crate::domain::Phone;
use crate::error::{AppError, AppResult, AuthProblem};
use crate::service::page::OneRow;
use chrono::{DateTime, Utc};
use entity::{
    api_key as api_key_entity, auth_session, butler_building, refresh_token, staff_member, user,
};
use rand::RngCore;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set, TransactionTrait};

pub struct Tokens {
    pub access_token: String,
    pub access_expires_at: DateTime<Utc>,
    pub refresh_token: String,
    pub refresh_expires_at: DateTime<Utc>,
    pub user: user::Model,
}

pub async fn login(core: &Core, phone: &str, pass: String, client_addr: &str) -> AppResult<Tokens> {
    let phone = Phone::parse("phone", phone)?;
    let now = super::now();
    let cfg = &core.config.throttle;
    let phone_key = throttle::phone_key(phone.as_str());
    let keys = [
        (phone_key.clone(), cfg.max_failures_per_phone),
        (
            throttle::address_key(client_addr),
            cfg.max_failures_per_address,
        ),
    ];
    let attempt = throttle::attempt(&core.db, cfg, &keys, now).await?;
    let found = user::Entity::find()
        .filter(user::Column::Phone.eq(phone.as_str()))
        .one_row(&core.db)
        .await?;
    let ok = password::verify(found.as_ref().and_then(|u| u.password_hash.clone()), pass).await?;
    let Some(user) = found.filter(|_| ok) else {
        throttle::failed(&core.db, cfg, &attempt, now).await?;
        return Err(AppError::Unauthenticated(AuthProblem::BadCredentials));
    };
    throttle::succeeded(&core.db, &attempt, &phone_key).await?;
    let session_id = uuid::Uuid::new_v4().to_string();
    let txn = core.db.begin().await?;
    auth_session::ActiveModel {
        id: Set(session_id.clone()),
        user_id: Set(user.id),
        created_at: Set(now),
        revoked_at: Set(None),
        revoked_reason: Set(None),
    }
    .insert(&txn)
    .await?;
    let (refresh, refresh_expires_at) = new_refresh_token(&txn, core, &session_id, now).await?;
    txn.commit().await?;
    let (access_token, access_expires_at) =
        core.jwt
            .issue(user.id, &session_id, core.config.access_token_ttl)?;
    tracing::info!(user_id = user.id, "signed in");
    Ok(Tokens {
        access_token,
        access_expires_at,
        refresh_token: refresh,
        refresh_expires_at,
        user,
    })
}

async fn new_refresh_token(
    txn: &sea_orm::DatabaseTransaction,
    core: &Core,
    session_id: &str,
    now: DateTime<Utc>,
) -> AppResult<(String, DateTime<Utc>)> {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let token = format!("gjr_{}", hex::encode(bytes));
    let expires = now
        + chrono::Duration::from_std(core.config.refresh_token_ttl)
            .map_err(|e| AppError::internal("ttl", e))?;
    refresh_token::ActiveModel {
        session_id: Set(session_id.to_owned()),
        token_hash: Set(api_key::sha256_hex(&token)),
        created_at: Set(now),
        expires_at: Set(expires),
        used_at: Set(None),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok((token, expires))
}

/// Exchanges a refresh token for a new pair. A token is good once: presenting it again means it
/// was stolen or replayed, so the whole session is revoked.
pub async fn refresh(core: &Core, presented: &str) -> AppResult<Tokens> {
    let now = super::now();
    let hash = api_key::sha256_hex(presented);
    let row = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(hash))
        .one_row(&core.db)
        .await?
        .ok_or(AppError::Unauthenticated(AuthProblem::Invalid))?;
    let session = auth_session::Entity::find_by_id(row.session_id.clone())
        .one_row(&core.db)
        .await?
        .ok_or(AppError::Unauthenticated(AuthProblem::Invalid))?;
    if session.revoked_at.is_some() {
        return Err(AppError::Unauthenticated(AuthProblem::Revoked));
    }
    if row.used_at.is_some() {
        revoke_session(core, &session.id, "refresh token reused").await?;
        return Err(AppError::Unauthenticated(AuthProblem::Revoked));
    }
    if row.expires_at <= now {
        return Err(AppError::Unauthenticated(AuthProblem::Expired));
    }
    let txn = core.db.begin().await?;
    // Only one of two racing refreshes can mark the token used; the loser is treated as reuse.
    let marked = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::UsedAt, Expr::value(now))
        .filter(refresh_token::Column::Id.eq(row.id))
        .filter(refresh_token::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    if marked.rows_affected == 0 {
        drop(txn);
        revoke_session(core, &session.id, "refresh token reused").await?;
        return Err(AppError::Unauthenticated(AuthProblem::Revoked));
    }
    let (refresh, refresh_expires_at) = new_refresh_token(&txn, core, &session.id, now).await?;
    txn.commit().await?;
    let user = user::Entity::find_by_id(session.user_id)
        .one_row(&core.db)
        .await?
        .ok_or(AppError::Unauthenticated(AuthProblem::Invalid))?;
    let (access_token, access_expires_at) =
        core.jwt
            .issue(user.id, &session.id, core.config.access_token_ttl)?;
    Ok(Tokens {
        access_token,
        access_expires_at,
        refresh_token: refresh,
        refresh_expires_at,
        user,
    })
}

/// Ends the caller's session: its access tokens stop working at once, its refresh tokens too.
pub async fn logout(cx: &Cx) -> AppResult<bool> {
    let u = cx.actor.user()?;
    revoke_session(&cx.core, &u.session_id, "logout").await?;
    Ok(true)
}

/// Revokes a session, and closes the websockets opened with its tokens, on every server.
async fn revoke_session(core: &Core, session_id: &str, reason: &str) -> AppResult<()> {
    auth_session::Entity::update_many()
        .col_expr(auth_session::Column::RevokedAt, Expr::value(super::now()))
        .col_expr(auth_session::Column::RevokedReason, Expr::value(reason))
        .filter(auth_session::Column::Id.eq(session_id))
        .filter(auth_session::Column::RevokedAt.is_null())
        .exec(&core.db)
        .await?;
    core.bus
        .end(super::events::Ended::Session(session_id.to_owned()));
    tracing::info!(%session_id, %reason, "session revoked");
    Ok(())
}

/// The actor behind `Authorization: Bearer <access token>`.
pub async fn actor_from_bearer(core: &Core, token: &str) -> AppResult<Actor> {
    let (user_id, session_id) = match core.jwt.verify(token) {
        Ok(v) => v,
        Err(problem) => return Ok(Actor::Anonymous(problem)),
    };
    let session = auth_session::Entity::find_by_id(session_id.clone())
        .one_row(&core.db)
        .await?;
    match session {
        Some(s) if s.revoked_at.is_none() && s.user_id == user_id => {}
        Some(_) => return Ok(Actor::Anonymous(AuthProblem::Revoked)),
        None => return Ok(Actor::Anonymous(AuthProblem::Invalid)),
    }
    let staff = staff_member::Entity::find()
        .filter(staff_member::Column::UserId.eq(user_id))
        .filter(staff_member::Column::EndedAt.is_null())
        .one_row(&core.db)
        .await?;
    let staff = match staff {
        Some(m) => {
            let building_ids = if m.role == entity::enums::StaffRole::Butler {
                butler_building::Entity::find()
                    .filter(butler_building::Column::StaffMemberId.eq(m.id))
                    .all(&core.db)
                    .await?
                    .into_iter()
                    .map(|b| b.building_id)
                    .collect()
            } else {
                vec![]
            };
            Some(StaffGrant {
                member_id: m.id,
                role: m.role,
                community_id: m.community_id,
                building_ids,
            })
        }
        None => None,
    };
    Ok(Actor::User(UserActor {
        user_id,
        session_id,
        staff,
    }))
}

/// The actor behind `X-Api-Key: gj_<prefix>_<secret>`.
pub async fn actor_from_api_key(core: &Core, presented: &str) -> AppResult<Actor> {
    let Some(prefix) = api_key::prefix_of(presented) else {
        return Ok(Actor::Anonymous(AuthProblem::Invalid));
    };
    let row = api_key_entity::Entity::find()
        .filter(api_key_entity::Column::KeyPrefix.eq(prefix))
        .one_row(&core.db)
        .await?;
    match row {
        Some(k) if api_key::digests_match(&k.key_hash, &api_key::sha256_hex(presented)) => {
            if k.revoked_at.is_some() {
                return Ok(Actor::Anonymous(AuthProblem::Revoked));
            }
            Ok(Actor::Integrator(IntegratorActor {
                key_id: k.id,
                community_id: k.community_id,
                scopes: ApiScope::split(&k.scopes),
            }))
        }
        _ => Ok(Actor::Anonymous(AuthProblem::Invalid)),
    }
}
