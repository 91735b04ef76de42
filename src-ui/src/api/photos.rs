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
