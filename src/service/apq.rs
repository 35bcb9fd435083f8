//! Automatic persisted queries (Apollo's APQ protocol): a client sends only the SHA-256 of its
//! query; an unknown hash answers PERSISTED_QUERY_NOT_FOUND and the client sends hash and query
//! once. Hashes live in the database, so every app server knows what any one of them learned.
use crate::error::{AppError, AppResult};
use crate::service::page::OneRow;
use entity::persisted_query;
use sea_orm::sea_query::OnConflict;
use sea_orm::{DatabaseConnection, EntityTrait, Set};
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

/// Fills in the query of a hash-only request, or registers the query a client sends with its
/// hash. Requests without `persistedQuery` pass through untouched.
pub async fn resolve(db: &DatabaseConnection, req: &mut async_graphql::Request) -> AppResult<()> {
    let Some(hash) = hash_of(req)? else {
        return Ok(());
    };
    if req.query.is_empty() {
        let row = persisted_query::Entity::find_by_id(hash)
            .one_row(db)
            .await?;
        req.query = row.ok_or(AppError::PersistedQueryNotFound)?.query;
        return Ok(());
    }
    if hex::encode(Sha256::digest(req.query.as_bytes())) != hash {
        return Err(AppError::bad_input(
            "extensions.persistedQuery",
            "sha256Hash 与查询文本不符",
            "provided sha does not match query",
        ));
    }
    persisted_query::Entity::insert(persisted_query::ActiveModel {
        hash: Set(hash),
        query: Set(req.query.clone()),
        created_at: Set(super::now()),
    })
    .on_conflict(
        OnConflict::column(persisted_query::Column::Hash)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}
