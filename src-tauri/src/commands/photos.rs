//! Photos: added as raw bytes (no JSON number arrays for megabytes), resized and
//! compressed by the replica before storing; shown as data URLs; fetched from the
//! sync server on demand when this device does not hold them yet.

use super::sync::server_and_token;
use super::{with_replica, with_write};
use super::{Out, RawOut};
use crate::error::{ApiError, ApiResult};
use crate::AppState;
use base64::Engine as _;
use cosabi_api as api;
use cosabi_api::PhotoView;
use cosabi_core::access::Write;
use cosabi_core::photo::PhotoKind;
use tauri::ipc::{InvokeBody, Request};
use tauri::State;
use uuid::Uuid;

#[tauri::command]
pub fn list_photos(
    state: State<'_, AppState>,
    owner_table: u16,
    owner: Uuid,
) -> ApiResult<Out<api::ListPhotos>> {
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

/// The raw command `C`'s fields, read from the request's headers as the contract
/// says; `invalid` when one is missing or malformed.
pub(crate) fn raw_args<C: cosabi_api::RawCommand>(request: &Request<'_>) -> ApiResult<C> {
    C::from_headers(|name| request.headers().get(name).and_then(|v| v.to_str().ok()))
        .ok_or_else(|| ApiError::code("invalid"))
}

/// The image bytes are the raw request body; the owner, kind and time come as headers
/// (`x-owner-table`, `x-owner`, `x-kind`, `x-taken-at`).
#[tauri::command]
pub fn attach_photo(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> ApiResult<RawOut<api::AttachPhoto>> {
    let InvokeBody::Raw(bytes) = request.body() else {
        return Err(ApiError::code("invalid"));
    };
    let api::AttachPhoto {
        owner_table,
        owner,
        kind: kind_code,
        taken_at,
    } = raw_args(&request)?;
    let kind = PhotoKind::from_code(&kind_code).ok_or_else(|| ApiError::code("invalid"))?;
    with_write(&state, Write::AttachPhoto { kind }, |r| {
        r.attach_photo(owner_table, owner, &kind_code, bytes, &taken_at)
    })
}

/// Keeps the photo taken for form `x-form`'s draft (raw bytes), so it survives the
/// app being closed before the form is saved. Device-local, like the text draft.
#[tauri::command]
pub fn keep_draft_photo(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> ApiResult<RawOut<api::KeepDraftPhoto>> {
    let InvokeBody::Raw(bytes) = request.body() else {
        return Err(ApiError::code("invalid"));
    };
    let api::KeepDraftPhoto { form } = raw_args(&request)?;
    with_replica(&state, |r| r.set_draft_photo(&form, bytes))
}

/// The photo kept for form `form`'s draft, as a data URL, if any.
#[tauri::command]
pub fn draft_photo(state: State<'_, AppState>, form: String) -> ApiResult<Out<api::GetDraftPhoto>> {
    with_replica(&state, |r| {
        Ok(r.draft_photo(&form)?.map(|b| data_url(&b, "image/jpeg")))
    })
}

/// Forgets the photo kept for form `form`'s draft (saved, or emptied).
#[tauri::command]
pub fn forget_draft_photo(
    state: State<'_, AppState>,
    form: String,
) -> ApiResult<Out<api::ForgetDraftPhoto>> {
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
pub fn photo_thumbnail(
    state: State<'_, AppState>,
    sha: String,
) -> ApiResult<Out<api::PhotoThumbnail>> {
    with_replica(&state, |r| {
        Ok(r.photo_thumbnail(&sha)?.map(|b| data_url(&b, "image/jpeg")))
    })
}

/// The whole photo; fetched from the sync server first when this device lacks it.
#[tauri::command]
pub async fn photo_full(state: State<'_, AppState>, sha: String) -> ApiResult<Out<api::PhotoFull>> {
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
