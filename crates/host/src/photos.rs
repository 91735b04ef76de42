//! Photos: added as raw bytes (no JSON number arrays for megabytes), resized and
//! compressed by the replica before storing; shown as data URLs; fetched from the
//! sync server on demand when this device does not hold them yet.

use crate::{data_url, ApiError, ApiResult, Host, Out, RawOut};
use cosabi_api::{self as api, Handle, HandleRaw, PhotoView};
use cosabi_core::access::Write;
use cosabi_core::photo::PhotoKind;

impl Handle<api::ListPhotos> for Host {
    async fn handle(&self, c: api::ListPhotos) -> ApiResult<Out<api::ListPhotos>> {
        self.with_replica(|r| {
            r.photos(c.owner_table, c.owner)?
                .into_iter()
                .map(|photo| {
                    let local = r.has_blob(&photo.sha256);
                    Ok(PhotoView { photo, local })
                })
                .collect()
        })
    }
}

/// The image is the body; the owner, kind and time come as headers.
impl HandleRaw<api::AttachPhoto> for Host {
    async fn handle_raw(
        &self,
        c: api::AttachPhoto,
        body: Vec<u8>,
    ) -> ApiResult<RawOut<api::AttachPhoto>> {
        let kind = PhotoKind::from_code(&c.kind).ok_or_else(|| ApiError::code("invalid"))?;
        self.with_write(Write::AttachPhoto { kind }, |r| {
            r.attach_photo(c.owner_table, c.owner, &c.kind, &body, &c.taken_at)
        })
    }
}

/// Keeps the photo taken for a form's draft, so it survives the app being closed
/// before the form is saved. Device-local, like the text draft.
impl HandleRaw<api::KeepDraftPhoto> for Host {
    async fn handle_raw(
        &self,
        c: api::KeepDraftPhoto,
        body: Vec<u8>,
    ) -> ApiResult<RawOut<api::KeepDraftPhoto>> {
        self.with_replica(|r| r.set_draft_photo(&c.form, &body))
    }
}

/// The photo kept for a form's draft, as a data URL, if any.
impl Handle<api::GetDraftPhoto> for Host {
    async fn handle(&self, c: api::GetDraftPhoto) -> ApiResult<Out<api::GetDraftPhoto>> {
        self.with_replica(|r| Ok(r.draft_photo(&c.form)?.map(|b| data_url(&b, "image/jpeg"))))
    }
}

/// Forgets the photo kept for a form's draft (saved, or emptied).
impl Handle<api::ForgetDraftPhoto> for Host {
    async fn handle(&self, c: api::ForgetDraftPhoto) -> ApiResult<Out<api::ForgetDraftPhoto>> {
        self.with_replica(|r| r.forget_draft_photo(&c.form))
    }
}

/// A small JPEG for lists, or `None` when the photo is not on this device yet.
impl Handle<api::PhotoThumbnail> for Host {
    async fn handle(&self, c: api::PhotoThumbnail) -> ApiResult<Out<api::PhotoThumbnail>> {
        self.with_replica(|r| {
            Ok(r.photo_thumbnail(&c.sha)?
                .map(|b| data_url(&b, "image/jpeg")))
        })
    }
}

/// The whole photo; fetched from the sync server first when this device lacks it.
impl Handle<api::PhotoFull> for Host {
    async fn handle(&self, c: api::PhotoFull) -> ApiResult<Out<api::PhotoFull>> {
        let bytes = match self.with_replica(|r| r.photo_bytes(&c.sha))? {
            Some(b) => b,
            None => self.fetch_photo(&c.sha).await?,
        };
        Ok(data_url(&bytes, "image/jpeg"))
    }
}

impl Host {
    /// A photo this device lacks, from the sync server (on the desktop resuming a
    /// cut download).
    async fn fetch_photo(&self, sha: &str) -> ApiResult<Vec<u8>> {
        let (server, token) = self.server_and_token()?;
        cosabi_replica::blob_client::BlobClient::new(&server, &token)
            .fetch(&self.replica, sha)
            .await
            .map_err(|e| ApiError::code(&e.code()))
    }
}
