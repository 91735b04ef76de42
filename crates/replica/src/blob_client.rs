//! Moving photos between the device and the server, apart from the metadata sync.
//!
//! A photo is uploaded in small chunks with a tus-like protocol: `HEAD` tells how
//! many bytes the server holds, each `PATCH` appends the next chunk at an explicit
//! offset. A dropped link costs at most the chunk in flight: the device asks again
//! where the server is and goes on from there. Downloads resume the same way with
//! `Range`. Both ends check the bytes against the name (their SHA-256), so a photo is
//! never kept damaged.
//!
//! Metadata sync never waits for any of this: a photo row syncs at once, its bytes
//! follow when the link allows.

use crate::client::{
    http_client, refused, sleep_ms, SyncError, REQUEST_TIMEOUT, RETRY_DELAY_MS_FIRST,
    RETRY_DELAY_MS_MAX, ROUND_ATTEMPTS_MAX,
};
use crate::{Error, Replica};
use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use std::sync::Mutex;

/// Bytes per `PATCH`: a 2G link moves ~5 KB/s, so a chunk takes ~13 s and a drop
/// loses little.
pub const BLOB_CHUNK_BYTES: usize = 64 * 1024;
/// tus header: bytes the server holds, or that precede the chunk sent.
pub const UPLOAD_OFFSET: &str = "upload-offset";
/// tus header: the blob's total length.
pub const UPLOAD_LENGTH: &str = "upload-length";

fn lock(replica: &Mutex<Replica>) -> Result<std::sync::MutexGuard<'_, Replica>, SyncError> {
    replica
        .lock()
        .map_err(|_| SyncError::Replica(Error::Corrupt("replica lock poisoned".into())))
}

fn network(e: impl std::fmt::Display) -> SyncError {
    SyncError::Network(e.to_string())
}

#[cfg(not(target_arch = "wasm32"))]
fn local_io(e: std::io::Error) -> SyncError {
    SyncError::Replica(Error::Io(e))
}

fn u64_header(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

/// Bounded retries with exponential backoff, as the metadata sync does them. The
/// count starts again whenever an attempt makes progress, so a long upload over a
/// bad link goes on as long as it advances.
struct Backoff {
    failures: u32,
    delay_ms: u64,
}

impl Backoff {
    fn new() -> Backoff {
        Backoff {
            failures: 0,
            delay_ms: RETRY_DELAY_MS_FIRST,
        }
    }

    fn progressed(&mut self) {
        *self = Backoff::new();
    }

    /// Waits before the next attempt, or hands back `e` when it is not worth one.
    async fn after(&mut self, e: SyncError) -> Result<(), SyncError> {
        self.failures += 1;
        if !e.retryable() || self.failures >= ROUND_ATTEMPTS_MAX {
            return Err(e);
        }
        sleep_ms(self.delay_ms).await;
        self.delay_ms = (self.delay_ms * 2).min(RETRY_DELAY_MS_MAX);
        Ok(())
    }
}

/// What one `PATCH` achieved.
enum Patched {
    /// The server now holds this many bytes.
    Offset(u64),
    /// The server holds a different amount than the chunk assumed (a lost answer,
    /// another device uploading the same photo): go on from the offset it says, or
    /// ask it when it did not say.
    Moved(Option<u64>),
}

/// A device's connection to the server's blob store.
pub struct BlobClient {
    http: reqwest::Client,
    blobs_url: String,
    token: String,
}

impl BlobClient {
    pub fn new(server_url: &str, token: &str) -> BlobClient {
        BlobClient {
            http: http_client(),
            blobs_url: format!("{}/v1/blobs", server_url.trim_end_matches('/')),
            token: token.to_owned(),
        }
    }

    fn url(&self, sha: &str) -> String {
        format!("{}/{sha}", self.blobs_url)
    }

    /// How many bytes of `sha`, a photo of `total` bytes, the server holds (0 when it
    /// has none). Sending the length lets the server check a photo it holds in full by
    /// its size instead of reading it.
    async fn server_offset(&self, sha: &str, total: u64) -> Result<u64, SyncError> {
        let resp = self
            .http
            .head(self.url(sha))
            .bearer_auth(&self.token)
            .header(UPLOAD_LENGTH, total)
            .timeout(REQUEST_TIMEOUT)
            .send()
            .await
            .map_err(network)?;
        match resp.status() {
            StatusCode::OK => u64_header(resp.headers(), UPLOAD_OFFSET).ok_or_else(|| {
                SyncError::BadResponse("HEAD answered without Upload-Offset".into())
            }),
            StatusCode::NOT_FOUND => Ok(0),
            // A HEAD answer has no body to explain itself.
            status => Err(SyncError::Refused {
                status: status.as_u16(),
                code: "http".into(),
                message: format!("HTTP {status}"),
                group: None,
            }),
        }
    }

    async fn patch(
        &self,
        sha: &str,
        offset: u64,
        total: u64,
        chunk: &[u8],
    ) -> Result<Patched, SyncError> {
        let resp = self
            .http
            .patch(self.url(sha))
            .bearer_auth(&self.token)
            .header(UPLOAD_OFFSET, offset)
            .header(UPLOAD_LENGTH, total)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/offset+octet-stream",
            )
            .body(chunk.to_vec())
            .timeout(REQUEST_TIMEOUT)
            .send()
            .await
            .map_err(network)?;
        match resp.status() {
            s if s.is_success() => u64_header(resp.headers(), UPLOAD_OFFSET)
                .map(Patched::Offset)
                .ok_or_else(|| {
                    SyncError::BadResponse("PATCH answered without Upload-Offset".into())
                }),
            StatusCode::CONFLICT => Ok(Patched::Moved(u64_header(resp.headers(), UPLOAD_OFFSET))),
            _ => Err(refused(resp).await),
        }
    }

    /// Uploads the blob `sha` held by this device, going on from what the server
    /// already holds, and records it as uploaded. Reports `(bytes the server holds,
    /// total)` after every chunk. The replica is locked only to read the photo and to
    /// record the upload, never while the link is in use.
    pub async fn upload(
        &self,
        replica: &Mutex<Replica>,
        sha: &str,
        mut on_progress: impl FnMut(u64, u64),
    ) -> Result<(), SyncError> {
        let bytes = lock(replica)?.blob(sha)?.ok_or_else(|| {
            SyncError::Replica(Error::Corrupt(format!("photo {sha} is not on this device")))
        })?;
        let total = bytes.len() as u64;
        let mut backoff = Backoff::new();
        // None: ask the server.
        let mut offset: Option<u64> = None;
        loop {
            let at = match offset {
                Some(at) => at,
                None => match self.server_offset(sha, total).await {
                    Ok(at) => at,
                    Err(e) => {
                        backoff.after(e).await?;
                        continue;
                    }
                },
            };
            if at > total {
                return Err(SyncError::BadResponse(format!(
                    "the server holds {at} bytes of a {total}-byte photo"
                )));
            }
            // At the end the chunk is empty: the server then confirms it holds the
            // whole photo (or completes one whose last answer was lost).
            let end = (at as usize)
                .saturating_add(BLOB_CHUNK_BYTES)
                .min(bytes.len());
            match self.patch(sha, at, total, &bytes[at as usize..end]).await {
                Ok(Patched::Offset(now)) if now > total => {
                    return Err(SyncError::BadResponse(format!(
                        "the server claims {now} bytes of a {total}-byte photo"
                    )));
                }
                Ok(Patched::Offset(now)) => {
                    on_progress(now, total);
                    if now == total {
                        break;
                    }
                    if now > at {
                        backoff.progressed();
                    } else {
                        // No progress although accepted: count it, so a server
                        // that never advances cannot keep the device busy forever.
                        backoff
                            .after(SyncError::Network("the upload does not advance".into()))
                            .await?;
                    }
                    offset = Some(now);
                }
                Ok(Patched::Moved(server_at)) => {
                    // Not a failure of the link, but bounded all the same.
                    backoff
                        .after(SyncError::Network("the upload offset moved".into()))
                        .await?;
                    offset = server_at;
                }
                Err(e) => {
                    backoff.after(e).await?;
                    offset = None;
                }
            }
        }
        lock(replica)?.mark_blob_uploaded(sha)?;
        Ok(())
    }

    /// Uploads every photo the server still lacks ([`Replica::blobs_to_upload`]);
    /// returns how many were uploaded. Reports `(photo, bytes the server holds,
    /// total)`. A dead link stops it at once (the rest wait for the next call); a
    /// photo the server refuses does not stop the others, and the first refusal is
    /// returned at the end.
    pub async fn upload_pending(
        &self,
        replica: &Mutex<Replica>,
        mut on_progress: impl FnMut(&str, u64, u64),
    ) -> Result<u64, SyncError> {
        let pending = lock(replica)?.blobs_to_upload()?;
        let mut uploaded = 0;
        let mut refusal = None;
        for sha in &pending {
            match self
                .upload(replica, sha, |sent, total| on_progress(sha, sent, total))
                .await
            {
                Ok(()) => uploaded += 1,
                Err(e @ SyncError::Refused { .. }) if !e.retryable() => {
                    refusal.get_or_insert(e);
                }
                Err(e) => return Err(e),
            }
        }
        match refusal {
            Some(e) => Err(e),
            None => Ok(uploaded),
        }
    }
}

/// Downloads keep a partial file next to the database so a cut resumes where it
/// stopped: native only (the browser's fetch is below).
#[cfg(not(target_arch = "wasm32"))]
impl BlobClient {
    /// The bytes of the blob `sha`: from this device if it holds them, else from the
    /// server, resuming an earlier download that was cut. The bytes are checked
    /// against the name before they are kept; a mismatch keeps nothing and is an
    /// error.
    pub async fn fetch(&self, replica: &Mutex<Replica>, sha: &str) -> Result<Vec<u8>, SyncError> {
        let partial = {
            let r = lock(replica)?;
            if let Some(bytes) = r.blob(sha)? {
                return Ok(bytes);
            }
            r.blob_partial_path(sha)?
        };
        if let Some(dir) = partial.parent() {
            tokio::fs::create_dir_all(dir).await.map_err(local_io)?;
        }
        let mut backoff = Backoff::new();
        loop {
            let before = file_len(&partial).await?;
            match self.download_into(sha, &partial, before).await {
                Ok(()) => break,
                Err(e) => {
                    if file_len(&partial).await? > before {
                        backoff.progressed();
                    }
                    backoff.after(e).await?;
                }
            }
        }
        let bytes = tokio::fs::read(&partial).await.map_err(local_io)?;
        // Whatever happens next, this partial has served its purpose.
        let _ = tokio::fs::remove_file(&partial).await;
        let actual = crate::blobs::blob_name(&bytes);
        if actual != sha {
            return Err(SyncError::BadResponse(format!(
                "photo {sha} arrived as bytes that hash to {actual}: not kept"
            )));
        }
        let mut r = lock(replica)?;
        r.store_blob(&bytes)?;
        // The server holds it, by definition: nothing for this device to upload.
        r.mark_blob_uploaded(sha)?;
        Ok(bytes)
    }

    /// One `GET`, appending to the partial file as the bytes arrive so a cut keeps
    /// what came. Returns once the partial holds the whole blob.
    async fn download_into(
        &self,
        sha: &str,
        partial: &std::path::Path,
        held: u64,
    ) -> Result<(), SyncError> {
        use tokio::io::AsyncWriteExt;
        let mut req = self.http.get(self.url(sha)).bearer_auth(&self.token);
        if held > 0 {
            req = req.header(reqwest::header::RANGE, format!("bytes={held}-"));
        }
        let mut resp = req.timeout(REQUEST_TIMEOUT).send().await.map_err(network)?;
        let append = match resp.status() {
            StatusCode::PARTIAL_CONTENT => {
                let start = resp
                    .headers()
                    .get(reqwest::header::CONTENT_RANGE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.strip_prefix("bytes "))
                    .and_then(|v| v.split_once('-'))
                    .and_then(|(first, _)| first.parse::<u64>().ok());
                if start != Some(held) {
                    return Err(SyncError::BadResponse(
                        "the server sent another range than asked".into(),
                    ));
                }
                true
            }
            // The whole blob: the server ignored the range.
            StatusCode::OK => false,
            // The partial is as long as the blob or longer: it holds everything
            // there is, or garbage the hash check will reject.
            StatusCode::RANGE_NOT_SATISFIABLE if held > 0 => return Ok(()),
            _ => return Err(refused(resp).await),
        };
        let mut file = tokio::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .append(append)
            .truncate(!append)
            .open(partial)
            .await
            .map_err(local_io)?;
        let streamed = loop {
            match resp.chunk().await {
                Ok(Some(piece)) => {
                    if let Err(e) = file.write_all(&piece).await {
                        break Err(local_io(e));
                    }
                }
                Ok(None) => break Ok(()),
                Err(e) => break Err(network(e)),
            }
        };
        // Even after a cut: what arrived must be in the file before its length is
        // read as the offset to resume from.
        file.flush().await.map_err(local_io)?;
        streamed
    }
}

/// In the browser a photo (at most [`cosabi_core::photo::PHOTO_BYTES_MAX`], about
/// 150 KiB as the devices keep them) is fetched whole, with the same retries: its
/// bytes stay in memory until they are checked and kept, as there is no partial
/// file to resume from in OPFS.
#[cfg(target_arch = "wasm32")]
impl BlobClient {
    /// The bytes of the blob `sha`: from this device if it holds them, else from the
    /// server. Checked against the name before they are kept; a mismatch, or more
    /// bytes than a photo may have, keeps nothing and is an error.
    pub async fn fetch(&self, replica: &Mutex<Replica>, sha: &str) -> Result<Vec<u8>, SyncError> {
        if let Some(bytes) = lock(replica)?.blob(sha)? {
            return Ok(bytes);
        }
        let mut backoff = Backoff::new();
        let bytes = loop {
            match self.download_whole(sha).await {
                Ok(bytes) => break bytes,
                Err(e) => backoff.after(e).await?,
            }
        };
        let actual = crate::blobs::blob_name(&bytes);
        if actual != sha {
            return Err(SyncError::BadResponse(format!(
                "photo {sha} arrived as bytes that hash to {actual}: not kept"
            )));
        }
        let mut r = lock(replica)?;
        r.store_blob(&bytes)?;
        r.mark_blob_uploaded(sha)?;
        Ok(bytes)
    }

    /// One `GET` of the whole blob, refused past a photo's size.
    async fn download_whole(&self, sha: &str) -> Result<Vec<u8>, SyncError> {
        let max = cosabi_core::photo::PHOTO_BYTES_MAX as u64;
        let resp = self
            .http
            .get(self.url(sha))
            .bearer_auth(&self.token)
            .timeout(REQUEST_TIMEOUT)
            .send()
            .await
            .map_err(network)?;
        if resp.status() != StatusCode::OK {
            return Err(refused(resp).await);
        }
        let too_large =
            || SyncError::BadResponse(format!("photo {sha} is larger than a photo may be"));
        // The browser's fetch has no streaming body in reqwest: the announced length
        // is checked before reading, what arrived after.
        if resp.content_length().is_some_and(|n| n > max) {
            return Err(too_large());
        }
        let bytes = resp.bytes().await.map_err(network)?;
        if bytes.len() as u64 > max {
            return Err(too_large());
        }
        let bytes = bytes.to_vec();
        Ok(bytes)
    }
}

#[cfg(not(target_arch = "wasm32"))]
async fn file_len(path: &std::path::Path) -> Result<u64, SyncError> {
    match tokio::fs::metadata(path).await {
        Ok(m) => Ok(m.len()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
        Err(e) => Err(local_io(e)),
    }
}
