//! Photos: added as raw bytes (no JSON number arrays for megabytes), resized and
//! compressed by the replica before storing; shown as data URLs; fetched from the
//! sync server on demand when this device does not hold them yet.

use super::sync::server_and_token;
use super::{with_replica, with_write};
use crate::error::{ApiError, ApiResult};
use crate::AppState;
use base64::Engine as _;
use cosabi_core::access::Write;
use cosabi_core::photo::{Photo, PhotoKind};
use serde::Serialize;
use tauri::ipc::{InvokeBody, Request};
use tauri::State;
use uuid::Uuid;

/// A photo record and whether its image is on this device.
#[derive(Debug, Serialize)]
pub struct PhotoView {
    pub photo: Photo,
    pub local: bool,
}

#[tauri::command]
pub fn list_photos(
    state: State<'_, AppState>,
    owner_table: u16,
    owner: Uuid,
) -> ApiResult<Vec<PhotoView>> {
    with_replica(&state, |r| {
        r.photos(owner_table, owner)?
            .into_iter()
            .map(|photo| {
                let local = r.has_blob(&photo.sha256);
                Ok(PhotoView { photo, local })
            })
            .collect()
    })
}

fn header<'a>(request: &'a Request<'_>, name: &str) -> ApiResult<&'a str> {
    request
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| ApiError::code("invalid"))
}

/// The image bytes are the raw request body; the owner, kind and time come as headers
/// (`x-owner-table`, `x-owner`, `x-kind`, `x-taken-at`).
#[tauri::command]
pub fn attach_photo(state: State<'_, AppState>, request: Request<'_>) -> ApiResult<Photo> {
    let InvokeBody::Raw(bytes) = request.body() else {
        return Err(ApiError::code("invalid"));
    };
    let owner_table: u16 = header(&request, "x-owner-table")?
        .parse()
        .map_err(|_| ApiError::code("invalid"))?;
    let owner: Uuid = header(&request, "x-owner")?
        .parse()
        .map_err(|_| ApiError::code("invalid"))?;
    let kind_code = header(&request, "x-kind")?;
    let kind = PhotoKind::from_code(kind_code).ok_or_else(|| ApiError::code("invalid"))?;
    let taken_at = header(&request, "x-taken-at")?;
    with_write(&state, Write::AttachPhoto { kind }, |r| {
        r.attach_photo(owner_table, owner, kind_code, bytes, taken_at)
    })
}

/// Keeps the photo taken for form `x-form`'s draft (raw bytes), so it survives the
/// app being closed before the form is saved. Device-local, like the text draft.
#[tauri::command]
pub fn keep_draft_photo(state: State<'_, AppState>, request: Request<'_>) -> ApiResult<()> {
    let InvokeBody::Raw(bytes) = request.body() else {
        return Err(ApiError::code("invalid"));
    };
    let form = header(&request, "x-form")?;
    with_replica(&state, |r| r.set_draft_photo(form, bytes))
}

/// The photo kept for form `form`'s draft, as a data URL, if any.
#[tauri::command]
pub fn draft_photo(state: State<'_, AppState>, form: String) -> ApiResult<Option<String>> {
    with_replica(&state, |r| {
        Ok(r.draft_photo(&form)?.map(|b| data_url(&b, "image/jpeg")))
    })
}

/// Forgets the photo kept for form `form`'s draft (saved, or emptied).
#[tauri::command]
pub fn forget_draft_photo(state: State<'_, AppState>, form: String) -> ApiResult<()> {
    with_replica(&state, |r| r.forget_draft_photo(&form))
}

pub(crate) fn data_url(bytes: &[u8], mime: &str) -> String {
    format!(
        "data:{mime};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

/// A small JPEG for lists, or `None` when the photo is not on this device yet.
#[tauri::command]
pub fn photo_thumbnail(state: State<'_, AppState>, sha: String) -> ApiResult<Option<String>> {
    with_replica(&state, |r| {
        Ok(r.photo_thumbnail(&sha)?.map(|b| data_url(&b, "image/jpeg")))
    })
}

/// The whole photo; fetched from the sync server first when this device lacks it.
#[tauri::command]
pub async fn photo_full(state: State<'_, AppState>, sha: String) -> ApiResult<String> {
    let local = with_replica(&state, |r| r.photo_bytes(&sha))?;
    let bytes = match local {
        Some(b) => b,
        None => {
            let (server, token) = server_and_token(&state)?;
            cosabi_replica::blob_client::BlobClient::new(&server, &token)
                .fetch(&state.replica, &sha)
                .await
                .map_err(|e| ApiError::code(&e.code()))?
        }
    };
    Ok(data_url(&bytes, "image/jpeg"))
}
