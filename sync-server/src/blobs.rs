//! Receipt photos: content-addressed blobs with a resumable, tus-like upload.
//!
//! A blob is named by the hex SHA-256 of its bytes, so a name can only ever hold one
//! content and uploading twice is harmless. A 2G link drops often, so an upload is a
//! series of small `PATCH`es at an explicit offset; after a drop the device asks
//! `HEAD` how much arrived and goes on from there.
//!
//! The bytes live in the server's [`BlobStore`] (a directory or an S3 bucket), per
//! clinic (a device never sees another clinic's blobs): complete blobs as
//! `<clinic>/<sha256>`, uploads in progress as one object per chunk, so that any
//! instance of the server can go on with an upload another began, and a restart
//! loses nothing. [`crate::blob_store`] describes the layout and why it is safe
//! without locks between instances.
//!
//! Endpoints:
//! - `HEAD /v1/blobs/{sha256}` → 200 with `Upload-Offset` (bytes held) and
//!   `Upload-Length` (total, when known), 404 if nothing is held. The device may send
//!   its `Upload-Length`: a complete blob of that size is whole without being read
//!   (see [`BlobStore::complete_size`]); otherwise the server hashes it. A complete
//!   blob that is not whole (a crash cut it short) counts as not held.
//! - `PATCH /v1/blobs/{sha256}` with `Upload-Offset`, `Upload-Length` and the next
//!   chunk → 204 with the new `Upload-Offset`; 409 `offset_mismatch` (with the
//!   server's `Upload-Offset`) if the offset is not what is held; 422 `hash_mismatch`
//!   if the completed bytes do not hash to the name (nothing is kept).
//! - `GET /v1/blobs/{sha256}` → the complete blob, with single `Range` support.

use crate::auth::Device;
use crate::blob_store::{Appended, BlobStore, BlobStoreError, Held, STAGED_CHUNKS_MAX};
use crate::error::AppError;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

/// Largest blob accepted: the largest photo a device may attach
/// (`cosabi_core::photo::PHOTO_BYTES_MAX`).
pub const BLOB_BYTES_MAX: u64 = 20 * 1024 * 1024;
/// Largest body of one `PATCH`: devices send much smaller chunks on slow links; this
/// only bounds what one request can make the server buffer.
pub const BLOB_CHUNK_BYTES_MAX: usize = 1024 * 1024;

/// tus header: bytes of the blob the server holds (or that precede the chunk sent).
pub const UPLOAD_OFFSET: HeaderName = HeaderName::from_static("upload-offset");
/// tus header: the blob's total length.
pub const UPLOAD_LENGTH: HeaderName = HeaderName::from_static("upload-length");

/// The blob endpoints under `/v1/blobs`.
pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/v1/blobs/{sha256}",
        get(get_blob).head(head_blob).patch(patch_blob).layer(
            // Only PATCH has a body worth bounding; HEAD and GET have none.
            DefaultBodyLimit::max(BLOB_CHUNK_BYTES_MAX),
        ),
    )
}

/// Whether `s` is a blob name: exactly 64 lower-case hex digits. Being strict keeps
/// names usable as keys and file names as they are (no `..`, no separators, one
/// spelling).
pub fn is_blob_name(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn checked_name(sha: &str) -> Result<(), AppError> {
    if is_blob_name(sha) {
        Ok(())
    } else {
        Err(AppError::malformed(
            "a blob name is the SHA-256 of its bytes: 64 lower-case hex digits",
        ))
    }
}

fn store_error(e: BlobStoreError) -> AppError {
    AppError::internal(e.to_string())
}

fn number(n: u64) -> HeaderValue {
    HeaderValue::from(n)
}

/// A required non-negative integer header, or 400.
fn u64_header(headers: &HeaderMap, name: &HeaderName) -> Result<u64, AppError> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .ok_or_else(|| AppError::malformed(format!("header {name} must be a byte count")))
}

/// An optional non-negative integer header: None when absent, 400 when not a number.
fn optional_u64_header(headers: &HeaderMap, name: &HeaderName) -> Result<Option<u64>, AppError> {
    if headers.contains_key(name) {
        u64_header(headers, name).map(Some)
    } else {
        Ok(None)
    }
}

/// In one instance, PATCHes of one blob take turns: each would list and maybe
/// complete the same staged chunks, and taking turns saves the duplicate work.
/// Instances do not need one another's turns (see [`crate::blob_store`]).
static UPLOAD_LOCKS: LazyLock<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>> =
    LazyLock::new(Mutex::default);

fn upload_lock(key: &str) -> Arc<tokio::sync::Mutex<()>> {
    // A poisoned map only means a panic elsewhere while inserting; its content is
    // still a valid map of locks.
    let mut locks = UPLOAD_LOCKS.lock().unwrap_or_else(|p| p.into_inner());
    locks.entry(key.to_owned()).or_default().clone()
}

/// Forgets the lock of `key` once nobody holds or waits for it, so the map does not
/// grow with every blob ever uploaded.
fn release_upload_lock(key: &str, lock: Arc<tokio::sync::Mutex<()>>) {
    let mut locks = UPLOAD_LOCKS.lock().unwrap_or_else(|p| p.into_inner());
    drop(lock);
    if locks.get(key).is_some_and(|l| Arc::strong_count(l) == 1) {
        locks.remove(key);
    }
}

async fn head_blob(
    State(state): State<AppState>,
    device: Device,
    Path(sha): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    checked_name(&sha)?;
    let declared = optional_u64_header(&headers, &UPLOAD_LENGTH)?;
    let held = state
        .blobs
        .held(device.0.clinic_id, &sha, declared)
        .await
        .map_err(store_error)?;
    let (offset, length) = match held {
        Some(Held::Complete(size)) => (size, Some(size)),
        Some(Held::Partial { offset, length }) => (offset, length),
        None => return Err(AppError::not_found("no such blob")),
    };
    let mut headers = HeaderMap::new();
    headers.insert(UPLOAD_OFFSET, number(offset));
    if let Some(length) = length {
        headers.insert(UPLOAD_LENGTH, number(length));
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok((StatusCode::OK, headers).into_response())
}

/// 204 with the offset now held.
fn accepted(offset: u64) -> Response {
    (
        StatusCode::NO_CONTENT,
        [
            (UPLOAD_OFFSET, number(offset)),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
    )
        .into_response()
}

/// 409 telling the device where to go on from.
fn conflict(code: &'static str, held: u64, message: String) -> Response {
    let mut resp = AppError::with_status(StatusCode::CONFLICT, code, message).into_response();
    resp.headers_mut().insert(UPLOAD_OFFSET, number(held));
    resp
}

async fn patch_blob(
    State(state): State<AppState>,
    device: Device,
    Path(sha): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    checked_name(&sha)?;
    let offset = u64_header(&headers, &UPLOAD_OFFSET)?;
    let length = u64_header(&headers, &UPLOAD_LENGTH)?;
    if length > BLOB_BYTES_MAX {
        return Err(AppError::with_status(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("a blob holds at most {BLOB_BYTES_MAX} bytes"),
        ));
    }
    let clinic = device.0.clinic_id;
    let key = BlobStore::staging_prefix(clinic, &sha).to_string();
    let lock = upload_lock(&key);
    let appended = {
        let _turn = lock.lock().await;
        state.blobs.append(clinic, &sha, offset, length, body).await
    };
    release_upload_lock(&key, lock);
    match appended.map_err(store_error)? {
        Appended::Held(held) | Appended::Complete(held) => Ok(accepted(held)),
        Appended::OffsetMismatch(held) => Ok(conflict(
            "offset_mismatch",
            held,
            format!("the server holds {held} bytes of this blob, not {offset}"),
        )),
        Appended::LengthMismatch(declared) => Ok(conflict(
            "length_mismatch",
            0,
            format!("an earlier upload declared {declared} bytes: start again"),
        )),
        Appended::PastLength(end) => Err(AppError::malformed(format!(
            "the chunk ends at byte {end}, past Upload-Length {length}"
        ))),
        Appended::TooManyChunks => Err(AppError::with_status(
            StatusCode::PAYLOAD_TOO_LARGE,
            // The code devices already know for "this upload is too big".
            "too_large",
            format!("an upload holds at most {STAGED_CHUNKS_MAX} chunks: send larger ones"),
        )),
        Appended::HashMismatch(actual) => Err(AppError::with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            "hash_mismatch",
            format!("the bytes hash to {actual}, not to the blob's name: nothing was kept"),
        )),
    }
}

/// What a `Range` header asks of a blob of `len` bytes.
#[derive(Debug, PartialEq, Eq)]
enum RangeAsk {
    /// No range, or one this server ignores (several ranges, other units, bad syntax):
    /// the whole blob, as HTTP allows.
    Whole,
    /// Inclusive byte positions.
    Part(u64, u64),
    Unsatisfiable,
}

fn range_ask(header: Option<&str>, len: u64) -> RangeAsk {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return RangeAsk::Whole;
    };
    if spec.contains(',') {
        return RangeAsk::Whole;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return RangeAsk::Whole;
    };
    let (first, last) = (first.trim(), last.trim());
    if first.is_empty() {
        // `bytes=-n`: the last n bytes.
        return match last.parse::<u64>() {
            Ok(0) => RangeAsk::Unsatisfiable,
            Ok(_) if len == 0 => RangeAsk::Unsatisfiable,
            Ok(n) => RangeAsk::Part(len.saturating_sub(n), len - 1),
            Err(_) => RangeAsk::Whole,
        };
    }
    let Ok(first) = first.parse::<u64>() else {
        return RangeAsk::Whole;
    };
    let last = if last.is_empty() {
        None
    } else {
        match last.parse::<u64>() {
            Ok(l) if l >= first => Some(l),
            _ => return RangeAsk::Whole,
        }
    };
    if first >= len {
        return RangeAsk::Unsatisfiable;
    }
    RangeAsk::Part(first, last.map_or(len - 1, |l| l.min(len - 1)))
}

async fn get_blob(
    State(state): State<AppState>,
    device: Device,
    Path(sha): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    checked_name(&sha)?;
    let clinic = device.0.clinic_id;
    let blobs = &state.blobs;
    let range = headers.get(header::RANGE).and_then(|v| v.to_str().ok());
    // Without a Range, one read; with one, the size first (a suffix range and an
    // unsatisfiable one need it), then only the bytes asked for. Blobs are at most
    // BLOB_BYTES_MAX, so holding one in memory is fine.
    let (len, whole) = if range.is_none() {
        match blobs.read_blob(clinic, &sha).await.map_err(store_error)? {
            Some(bytes) => (bytes.len() as u64, Some(bytes)),
            None => return Err(AppError::not_found("no such blob")),
        }
    } else {
        match blobs.blob_size(clinic, &sha).await.map_err(store_error)? {
            Some(len) => (len, None),
            None => return Err(AppError::not_found("no such blob")),
        }
    };
    let common = [
        (
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/octet-stream"),
        ),
        (header::ACCEPT_RANGES, HeaderValue::from_static("bytes")),
        // The name fixes the content: a cached copy never goes stale.
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, max-age=31536000, immutable"),
        ),
    ];
    let ask = range_ask(range, len);
    let whole = match (&ask, whole) {
        (RangeAsk::Whole, None) => blobs.read_blob(clinic, &sha).await.map_err(store_error)?,
        (_, whole) => whole,
    };
    match ask {
        RangeAsk::Whole => match whole {
            Some(bytes) => Ok((StatusCode::OK, common, bytes).into_response()),
            None => Err(AppError::not_found("no such blob")),
        },
        RangeAsk::Part(first, last) => {
            let content_range = HeaderValue::from_str(&format!("bytes {first}-{last}/{len}"))
                .map_err(|e| AppError::internal(e.to_string()))?;
            // first <= last < len, so the range is within the blob.
            let part = blobs
                .read_blob_range(clinic, &sha, first..last + 1)
                .await
                .map_err(store_error)?
                .ok_or_else(|| AppError::not_found("no such blob"))?;
            Ok((
                StatusCode::PARTIAL_CONTENT,
                common,
                [(header::CONTENT_RANGE, content_range)],
                part,
            )
                .into_response())
        }
        RangeAsk::Unsatisfiable => {
            let mut resp = AppError::with_status(
                StatusCode::RANGE_NOT_SATISFIABLE,
                "range_not_satisfiable",
                format!("the blob has {len} bytes"),
            )
            .into_response();
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{len}")) {
                resp.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            Ok(resp)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_64_lower_case_hex_digits() {
        assert!(is_blob_name(&"0a".repeat(32)));
        assert!(!is_blob_name(&"0A".repeat(32)));
        assert!(!is_blob_name(&"0a".repeat(31)));
        assert!(!is_blob_name(&format!("{}g", "0".repeat(63))));
        assert!(!is_blob_name(&format!("../{}", "0".repeat(61))));
    }

    #[test]
    fn ranges_are_read_like_http_says() {
        use RangeAsk::*;
        assert_eq!(range_ask(None, 10), Whole);
        assert_eq!(range_ask(Some("bytes=2-5"), 10), Part(2, 5));
        assert_eq!(range_ask(Some("bytes=2-"), 10), Part(2, 9));
        assert_eq!(range_ask(Some("bytes=2-99"), 10), Part(2, 9));
        assert_eq!(range_ask(Some("bytes=-3"), 10), Part(7, 9));
        assert_eq!(range_ask(Some("bytes=-30"), 10), Part(0, 9));
        assert_eq!(range_ask(Some("bytes=10-"), 10), Unsatisfiable);
        assert_eq!(range_ask(Some("bytes=0-"), 0), Unsatisfiable);
        assert_eq!(range_ask(Some("bytes=5-2"), 10), Whole);
        assert_eq!(range_ask(Some("bytes=0-1,4-5"), 10), Whole);
        assert_eq!(range_ask(Some("items=0-1"), 10), Whole);
    }
}
