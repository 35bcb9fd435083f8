//! Photos attached to repair orders: checked by content (JPEG, PNG, HEIC, WebP), capped in size
//! and number, stored under the upload directory, served only to people who may see the order.
use super::{get, Cx};
use crate::error::{AppError, AppResult};
use crate::service::page::OneRow;
use entity::repair_photo;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};
use std::collections::HashMap;
use std::path::PathBuf;

/// At most this many photos per order.
pub const MAX_PHOTOS: usize = 9;

/// An uploaded file that passed the checks.
pub struct CheckedPhoto {
    pub content_type: &'static str,
    pub extension: &'static str,
    pub bytes: Vec<u8>,
}

/// What the bytes are, by their signature; the file name and declared type are ignored.
pub fn sniff(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some(("image/jpeg", "jpg"));
    }
    if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        return Some(("image/png", "png"));
    }
    if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return Some(("image/webp", "webp"));
    }
    if bytes.len() >= 12
        && &bytes[4..8] == b"ftyp"
        && matches!(
            &bytes[8..12],
            b"heic" | b"heix" | b"hevc" | b"heim" | b"heis" | b"mif1" | b"msf1"
        )
    {
        return Some(("image/heic", "heic"));
    }
    None
}

/// Images, or a PDF (drawings).
pub fn sniff_document(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    if bytes.starts_with(b"%PDF-") {
        return Some(("application/pdf", "pdf"));
    }
    sniff(bytes)
}

/// Checks a batch of uploads before anything is written.
pub fn check(
    files: Vec<(String, Vec<u8>)>,
    existing: usize,
    max_file_bytes: usize,
) -> AppResult<Vec<CheckedPhoto>> {
    check_with(files, existing, max_file_bytes, sniff)
}

/// Like `check`, with the content rule given.
pub fn check_with(
    files: Vec<(String, Vec<u8>)>,
    existing: usize,
    max_file_bytes: usize,
    kind_of: fn(&[u8]) -> Option<(&'static str, &'static str)>,
) -> AppResult<Vec<CheckedPhoto>> {
    if existing + files.len() > MAX_PHOTOS {
        return Err(AppError::bad_input(
            "photos",
            format!("每张工单最多 {MAX_PHOTOS} 张照片"),
            format!("At most {MAX_PHOTOS} photos per order"),
        ));
    }
    files
        .into_iter()
        .map(|(name, bytes)| {
            if bytes.len() > max_file_bytes {
                return Err(AppError::bad_input(
                    "photos",
                    format!("照片 {name} 超过 {} MB", max_file_bytes / (1024 * 1024)),
                    format!(
                        "Photo {name} is larger than {} MB",
                        max_file_bytes / (1024 * 1024)
                    ),
                ));
            }
            let (content_type, extension) = kind_of(&bytes).ok_or_else(|| {
                AppError::bad_input(
                    "photos",
                    format!("{name} 不是允许的文件类型（图片或 PDF 图纸）"),
                    format!("{name} is not an allowed file (an image, or a PDF for drawings)"),
                )
            })?;
            Ok(CheckedPhoto {
                content_type,
                extension,
                bytes,
            })
        })
        .collect()
}

/// Writes checked files under the upload directory; returns their stored names (the caller
/// inserts its rows and removes the files if that fails).
pub async fn write_files(dir: &std::path::Path, files: &[CheckedPhoto]) -> AppResult<Vec<String>> {
    tokio::fs::create_dir_all(dir)
        .await
        .map_err(|e| AppError::internal("upload dir", e))?;
    let mut names = vec![];
    for p in files {
        let name = format!("{}.{}", uuid::Uuid::new_v4().simple(), p.extension);
        if let Err(e) = tokio::fs::write(dir.join(&name), &p.bytes).await {
            remove_files(dir, &names).await;
            return Err(AppError::internal("write upload", e));
        }
        names.push(name);
    }
    Ok(names)
}

pub async fn remove_files(dir: &std::path::Path, names: &[String]) {
    for n in names {
        let _ = tokio::fs::remove_file(dir.join(n)).await;
    }
}

/// Stores checked photos for an order (files first, then rows; a failed insert removes the files).
pub async fn store(
    conn: &impl ConnectionTrait,
    dir: &std::path::Path,
    order: &entity::repair_order::Model,
    by: i64,
    photos: Vec<CheckedPhoto>,
) -> AppResult<Vec<repair_photo::Model>> {
    let names = write_files(dir, &photos).await?;
    let mut rows = vec![];
    for (p, name) in photos.iter().zip(&names) {
        let row = repair_photo::ActiveModel {
            community_id: Set(order.community_id),
            order_id: Set(order.id),
            stored_name: Set(name.clone()),
            content_type: Set(p.content_type.to_owned()),
            size_bytes: Set(p.bytes.len() as i64),
            uploaded_by: Set(by),
            created_at: Set(crate::service::now()),
            ..Default::default()
        }
        .insert(conn)
        .await;
        match row {
            Ok(r) => rows.push(r),
            Err(e) => {
                remove_files(dir, &names).await;
                return Err(e.into());
            }
        }
    }
    Ok(rows)
}

/// Adds photos to an order the caller may see (its household, dispatchers, the technician).
pub async fn add(
    cx: &Cx,
    order_id: i64,
    files: Vec<(String, Vec<u8>)>,
) -> AppResult<Vec<repair_photo::Model>> {
    let order = get(cx, order_id).await?;
    let user = cx.actor.user()?.user_id;
    let existing = repair_photo::Entity::find()
        .filter(repair_photo::Column::OrderId.eq(order.id))
        .count(cx.db())
        .await? as usize;
    let checked = check(files, existing, cx.core.config.limits.max_upload_file_bytes)?;
    store(cx.db(), &cx.core.config.upload_dir, &order, user, checked).await
}

/// A photo's file, if the caller may see its order.
pub async fn open(cx: &Cx, photo_id: i64) -> AppResult<(PathBuf, String)> {
    let p = repair_photo::Entity::find_by_id(photo_id)
        .one_row(cx.db())
        .await?
        .ok_or(AppError::NotFound)?;
    get(cx, p.order_id).await?;
    Ok((
        cx.core.config.upload_dir.join(&p.stored_name),
        p.content_type,
    ))
}

/// Photos of many orders in one statement.
pub async fn of_orders(
    conn: &impl ConnectionTrait,
    order_ids: &[i64],
) -> AppResult<HashMap<i64, Vec<repair_photo::Model>>> {
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

#[cfg(test)]
mod tests {
    #[test]
    fn sniffs_images_and_refuses_executables() {
        assert_eq!(
            super::sniff(&[0xFF, 0xD8, 0xFF, 0xE0]).unwrap().0,
            "image/jpeg"
        );
        assert_eq!(
            super::sniff(b"RIFF\0\0\0\0WEBPVP8 ").unwrap().0,
            "image/webp"
        );
        assert_eq!(super::sniff(b"\0\0\0\x18ftypheic").unwrap().0, "image/heic");
        assert!(super::sniff(b"\x7fELF\x02\x01\x01").is_none());
        assert!(super::sniff(b"MZ\x90\0").is_none());
    }
}
