//! Photos: add (raw bytes), list, thumbnails and full images as data URLs.

use super::{call, call_raw, ApiError};
use cosabi_api as c;
use cosabi_core::photo::Photo;
use uuid::Uuid;

/// A photo record and whether its image is on this device.
pub use cosabi_api::PhotoView;

pub async fn list_photos(owner_table: u16, owner: Uuid) -> Result<Vec<PhotoView>, ApiError> {
    call(&c::ListPhotos { owner_table, owner }).await
}

pub async fn attach_photo(
    owner_table: u16,
    owner: Uuid,
    kind: &str,
    taken_at: &str,
    bytes: &[u8],
) -> Result<Photo, ApiError> {
    let command = c::AttachPhoto {
        owner_table,
        owner,
        kind: kind.to_owned(),
        taken_at: taken_at.to_owned(),
    };
    call_raw(&command, bytes).await
}

pub async fn thumbnail(sha: &str) -> Result<Option<String>, ApiError> {
    call(&c::PhotoThumbnail {
        sha: sha.to_owned(),
    })
    .await
}

pub async fn full(sha: &str) -> Result<String, ApiError> {
    call(&c::PhotoFull {
        sha: sha.to_owned(),
    })
    .await
}

/// Keeps the photo taken for form `form`'s draft on this device.
pub async fn keep_draft_photo(form: &str, bytes: &[u8]) -> Result<(), ApiError> {
    call_raw(
        &c::KeepDraftPhoto {
            form: form.to_owned(),
        },
        bytes,
    )
    .await
}

/// The photo kept for form `form`'s draft, if any: its bytes.
pub async fn draft_photo(form: &str) -> Result<Option<Vec<u8>>, ApiError> {
    use base64::Engine as _;
    let url: Option<String> = call(&c::GetDraftPhoto {
        form: form.to_owned(),
    })
    .await?;
    Ok(url.and_then(|u| {
        let (_, data) = u.split_once(";base64,")?;
        base64::engine::general_purpose::STANDARD.decode(data).ok()
    }))
}

/// Forgets the photo kept for form `form`'s draft.
pub async fn forget_draft_photo(form: &str) -> Result<(), ApiError> {
    call(&c::ForgetDraftPhoto {
        form: form.to_owned(),
    })
    .await
}
