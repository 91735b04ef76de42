//! Photos: add (raw bytes), list, thumbnails and full images as data URLs.

use super::{invoke, invoke_raw, ApiError};
use cosabi_core::photo::Photo;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PhotoView {
    pub photo: Photo,
    /// Whether the image is on this device (else it is fetched on demand).
    pub local: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Owner {
    owner_table: u16,
    owner: Uuid,
}

pub async fn list_photos(owner_table: u16, owner: Uuid) -> Result<Vec<PhotoView>, ApiError> {
    invoke("list_photos", &Owner { owner_table, owner }).await
}

pub async fn attach_photo(
    owner_table: u16,
    owner: Uuid,
    kind: &str,
    taken_at: &str,
    bytes: &[u8],
) -> Result<Photo, ApiError> {
    invoke_raw(
        "attach_photo",
        bytes,
        &[
            ("x-owner-table", owner_table.to_string()),
            ("x-owner", owner.to_string()),
            ("x-kind", kind.to_owned()),
            ("x-taken-at", taken_at.to_owned()),
        ],
    )
    .await
}

#[derive(Serialize)]
struct Sha<'a> {
    sha: &'a str,
}

pub async fn thumbnail(sha: &str) -> Result<Option<String>, ApiError> {
    invoke("photo_thumbnail", &Sha { sha }).await
}

pub async fn full(sha: &str) -> Result<String, ApiError> {
    invoke("photo_full", &Sha { sha }).await
}
