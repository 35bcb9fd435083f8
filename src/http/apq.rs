//! Automatic persisted queries (Apollo's APQ protocol): a client sends only the SHA-256 of its
//! query; an unknown hash answers PERSISTED_QUERY_NOT_FOUND and the client sends hash and query
//! once. Hashes live in the database, so every app server knows what any one of them learned.
//!
//! The store is not free storage for anyone: a document is kept only once it parsed and
//! validated (its response was no request error), each client address may register only so
//! many new documents in the throttle's window, and documents expire `KEPT_FOR` after they were
//! registered, the oldest going first past `ApqLimits::kept`. A client whose document expired
//! is told PERSISTED_QUERY_NOT_FOUND and registers it again, as the protocol expects; nothing
//! is written on the hot path of a hash that is found.
use crate::config::ApqLimits;
use crate::error::{AppError, AppResult};
use crate::service::page::OneRow;
use entity::persisted_query::{self, Column};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set, Statement,
};
use sha2::{Digest, Sha256};

fn hash_of(req: &async_graphql::Request) -> AppResult<Option<String>> {
    let Some(pq) = req.extensions.get("persistedQuery") else {
        return Ok(None);
    };
    let bad = || {
        AppError::bad_input(
            "extensions.persistedQuery",
            "persistedQuery 须含 version 1 与 64 位十六进制 sha256Hash",
            "persistedQuery needs version 1 and a 64-digit hex sha256Hash",
        )
    };
    let async_graphql::Value::Object(o) = pq else {
        return Err(bad());
    };
    let version_ok =
        matches!(o.get("version"), Some(async_graphql::Value::Number(n)) if n.as_i64() == Some(1));
    let Some(async_graphql::Value::String(h)) = o.get("sha256Hash") else {
        return Err(bad());
    };
    if !version_ok || h.len() != 64 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad());
    }
    Ok(Some(h.to_ascii_lowercase()))
}

/// A document sent with its hash and not yet kept: stored by `store` once it has run without a
/// request error.
pub struct Registration {
    hash: String,
    query: String,
}

/// Fills in the query of a hash-only request, or checks the query a client sends with its hash
/// and answers the registration to store after it ran. Requests without `persistedQuery` pass
/// through untouched.
pub async fn resolve(
    db: &DatabaseConnection,
    limits: &ApqLimits,
    client: &str,
    req: &mut async_graphql::Request,
) -> AppResult<Option<Registration>> {
    let Some(hash) = hash_of(req)? else {
        return Ok(None);
    };
    let fresh_since = crate::service::now() - limits.kept_for;
    let kept = |hash: String| {
        persisted_query::Entity::find_by_id(hash)
            .filter(Column::CreatedAt.gt(fresh_since))
            .one_row(db)
    };
    if req.query.is_empty() {
        let row = kept(hash).await?;
        req.query = row.ok_or(AppError::PersistedQueryNotFound)?.query;
        return Ok(None);
    }
    crate::graphql::text::check("query", &req.query)?;
    if hex::encode(Sha256::digest(req.query.as_bytes())) != hash {
        return Err(AppError::bad_input(
            "extensions.persistedQuery",
            "sha256Hash 与查询文本不符",
            "provided sha does not match query",
        ));
    }
    if kept(hash.clone()).await?.is_some() {
        return Ok(None);
    }
    crate::service::throttle::limit_rate(
        db,
        &format!("apq:{client}"),
        limits.new_per_address,
        limits.window,
        crate::service::now(),
    )
    .await?;
    Ok(Some(Registration {
        hash,
        query: req.query.clone(),
    }))
}

impl Registration {
    /// Keeps the document (again, if it had expired), then drops what is past its age or
    /// beyond the number kept, oldest first.
    pub async fn store(self, db: &DatabaseConnection, limits: &ApqLimits) -> AppResult<()> {
        let now = crate::service::now();
        persisted_query::Entity::insert(persisted_query::ActiveModel {
            hash: Set(self.hash),
            query: Set(self.query),
            created_at: Set(now),
        })
        .on_conflict(
            OnConflict::column(Column::Hash)
                .update_column(Column::CreatedAt)
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
        persisted_query::Entity::delete_many()
            .filter(Column::CreatedAt.lte(now - limits.kept_for))
            .exec(db)
            .await?;
        // No bound parameters: the same text on both databases.
        let beyond = format!(
            "DELETE FROM persisted_queries WHERE created_at < (SELECT created_at FROM \
             persisted_queries ORDER BY created_at DESC LIMIT 1 OFFSET {})",
            limits.kept.saturating_sub(1)
        );
        db.execute_raw(Statement::from_string(db.get_database_backend(), beyond))
            .await?;
        Ok(())
    }
}
