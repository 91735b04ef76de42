//! Receipt photos: content-addressed blobs with a resumable, tus-like upload.
//!
//! A blob is named by the hex SHA-256 of its bytes, so a name can only ever hold one
//! content and uploading twice is harmless. A 2G link drops often, so an upload is a
//! series of small `PATCH`es at an explicit offset; after a drop the device asks
//! `HEAD` how much arrived and goes on from there.
//!
//! On disk, per clinic (a device never sees another clinic's blobs):
//! - `<blob_dir>/<clinic>/<sha256>`: a complete blob, verified against its name;
//! - `<blob_dir>/<clinic>/partial/<sha256>`: the bytes received so far; its length is
//!   the upload offset, so a crash mid-append never loses track of it;
//! - `<blob_dir>/<clinic>/partial/<sha256>.len`: the total length the upload declared.
//!
//! Endpoints:
//! - `HEAD /v1/blobs/{sha256}` → 200 with `Upload-Offset` (bytes held) and
//!   `Upload-Length` (total, when known), 404 if nothing is held.
//! - `PATCH /v1/blobs/{sha256}` with `Upload-Offset`, `Upload-Length` and the next
//!   chunk → 204 with the new `Upload-Offset`; 409 `offset_mismatch` (with the
//!   server's `Upload-Offset`) if the offset is not what is held; 422 `hash_mismatch`
//!   if the completed bytes do not hash to the name (nothing is kept).
//! - `GET /v1/blobs/{sha256}` → the complete blob, with single `Range` support.

use crate::auth::Device;
use crate::error::AppError;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path as FsPath, PathBuf};
use std::sync::{Arc, LazyLock, Mutex};
use tokio::io::AsyncWriteExt;

/// Largest blob accepted: the largest photo a device may attach
/// (`cosabi_core::photo::PHOTO_BYTES_MAX`).
pub const BLOB_BYTES_MAX: u64 = 20 * 1024 * 1024;
/// Largest body of one `PATCH`: devices send much smaller chunks on slow links; this
/// only bounds what one request can make the server buffer.
pub const BLOB_CHUNK_BYTES_MAX: usize = 1024 * 1024;
/// Bytes read at a time when hashing a completed upload.
const HASH_BUFFER_BYTES: usize = 64 * 1024;

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

/// Where one clinic's blob lives, complete or in progress.
struct BlobPaths {
    complete: PathBuf,
    partial_dir: PathBuf,
    partial: PathBuf,
    length: PathBuf,
}

impl BlobPaths {
    fn new(state: &AppState, device: &Device, sha: &str) -> BlobPaths {
        let clinic = state.blob_dir.join(device.0.clinic_id.to_string());
        let partial_dir = clinic.join("partial");
        BlobPaths {
            complete: clinic.join(sha),
            partial: partial_dir.join(sha),
            length: partial_dir.join(format!("{sha}.len")),
            partial_dir,
        }
    }
}

/// Whether `s` is a blob name: exactly 64 lower-case hex digits. Being strict keeps
/// names usable as file names as they are (no `..`, no separators, one spelling).
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

fn io_error(what: &str, e: std::io::Error) -> AppError {
    AppError::internal(format!("{what}: {e}"))
}

/// The length of a file, or None if it does not exist.
async fn file_len(path: &FsPath) -> Result<Option<u64>, AppError> {
    match tokio::fs::metadata(path).await {
        Ok(m) => Ok(Some(m.len())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_error("blob metadata", e)),
    }
}

/// The total length an upload declared, if its sidecar is there and readable. A
/// damaged sidecar counts as absent: the next PATCH writes it again.
async fn declared_len(path: &FsPath) -> Option<u64> {
    let text = tokio::fs::read_to_string(path).await.ok()?;
    text.trim().parse().ok()
}

async fn remove_if_present(path: &FsPath) -> Result<(), AppError> {
    match tokio::fs::remove_file(path).await {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io_error("remove blob file", e)),
    }
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

/// PATCHes of one blob take turns: two interleaved appends would corrupt the partial
/// file, and the offset check must see the file as the append leaves it.
static UPLOAD_LOCKS: LazyLock<Mutex<HashMap<PathBuf, Arc<tokio::sync::Mutex<()>>>>> =
    LazyLock::new(Mutex::default);

fn upload_lock(key: &FsPath) -> Arc<tokio::sync::Mutex<()>> {
    // A poisoned map only means a panic elsewhere while inserting; its content is
    // still a valid map of locks.
    let mut locks = UPLOAD_LOCKS.lock().unwrap_or_else(|p| p.into_inner());
    locks.entry(key.to_path_buf()).or_default().clone()
}

/// Forgets the lock of `key` once nobody holds or waits for it, so the map does not
/// grow with every blob ever uploaded.
fn release_upload_lock(key: &FsPath, lock: Arc<tokio::sync::Mutex<()>>) {
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
) -> Result<Response, AppError> {
    checked_name(&sha)?;
    let paths = BlobPaths::new(&state, &device, &sha);
    let (offset, length) = if let Some(size) = file_len(&paths.complete).await? {
        (size, Some(size))
    } else if let Some(held) = file_len(&paths.partial).await? {
        (held, declared_len(&paths.length).await)
    } else {
        return Err(AppError::not_found("no such blob"));
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
    let paths = BlobPaths::new(&state, &device, &sha);
    let lock = upload_lock(&paths.partial);
    let result = {
        let _turn = lock.lock().await;
        patch_locked(&paths, &sha, offset, length, &body).await
    };
    release_upload_lock(&paths.partial, lock);
    result
}

async fn patch_locked(
    paths: &BlobPaths,
    sha: &str,
    offset: u64,
    length: u64,
    body: &[u8],
) -> Result<Response, AppError> {
    // Already complete: the content is fixed by the name, so a repeated upload (say,
    // its last answer was lost) has nothing left to do.
    if let Some(size) = file_len(&paths.complete).await? {
        return Ok(accepted(size));
    }
    let held = match file_len(&paths.partial).await? {
        Some(held) => {
            match declared_len(&paths.length).await {
                // Two honest uploads of one name cannot disagree on its length: the
                // partial is from a bogus upload, and starting over frees the name.
                Some(declared) if declared != length => {
                    remove_if_present(&paths.partial).await?;
                    remove_if_present(&paths.length).await?;
                    return Ok(conflict(
                        "length_mismatch",
                        0,
                        format!("an earlier upload declared {declared} bytes: start again"),
                    ));
                }
                Some(_) => {}
                None => write_declared_len(paths, length).await?,
            }
            held
        }
        None => 0,
    };
    if offset != held {
        return Ok(conflict(
            "offset_mismatch",
            held,
            format!("the server holds {held} bytes of this blob, not {offset}"),
        ));
    }
    let end = offset + body.len() as u64;
    if end > length {
        return Err(AppError::malformed(format!(
            "the chunk ends at byte {end}, past Upload-Length {length}"
        )));
    }
    if held == 0 && file_len(&paths.partial).await?.is_none() {
        tokio::fs::create_dir_all(&paths.partial_dir)
            .await
            .map_err(|e| io_error("create blob directory", e))?;
        // The declared length first: a partial file never lacks it but for a crash
        // right here, which the next PATCH repairs.
        write_declared_len(paths, length).await?;
    }
    let mut file = tokio::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&paths.partial)
        .await
        .map_err(|e| io_error("open partial blob", e))?;
    file.write_all(body)
        .await
        .map_err(|e| io_error("append to partial blob", e))?;
    file.flush()
        .await
        .map_err(|e| io_error("append to partial blob", e))?;
    drop(file);
    if end < length {
        return Ok(accepted(end));
    }
    let partial = paths.partial.clone();
    let actual = tokio::task::spawn_blocking(move || hash_file(&partial))
        .await
        .map_err(|e| AppError::internal(format!("hash task: {e}")))?
        .map_err(|e| io_error("hash partial blob", e))?;
    if actual != sha {
        remove_if_present(&paths.partial).await?;
        remove_if_present(&paths.length).await?;
        return Err(AppError::with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            "hash_mismatch",
            format!("the bytes hash to {actual}, not to the blob's name: nothing was kept"),
        ));
    }
    // A rename within one directory tree is atomic: readers see the whole blob or none.
    tokio::fs::rename(&paths.partial, &paths.complete)
        .await
        .map_err(|e| io_error("complete blob", e))?;
    remove_if_present(&paths.length).await?;
    Ok(accepted(length))
}

async fn write_declared_len(paths: &BlobPaths, length: u64) -> Result<(), AppError> {
    tokio::fs::write(&paths.length, length.to_string())
        .await
        .map_err(|e| io_error("write blob length", e))
}

/// Hex SHA-256 of a file, read in pieces.
fn hash_file(path: &FsPath) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; HASH_BUFFER_BYTES];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
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
    let paths = BlobPaths::new(&state, &device, &sha);
    // Blobs are at most BLOB_BYTES_MAX, so holding one in memory is fine.
    let bytes = match tokio::fs::read(&paths.complete).await {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(AppError::not_found("no such blob"))
        }
        Err(e) => return Err(io_error("read blob", e)),
    };
    let len = bytes.len() as u64;
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
    let range = headers.get(header::RANGE).and_then(|v| v.to_str().ok());
    match range_ask(range, len) {
        RangeAsk::Whole => Ok((StatusCode::OK, common, bytes).into_response()),
        RangeAsk::Part(first, last) => {
            let content_range = HeaderValue::from_str(&format!("bytes {first}-{last}/{len}"))
                .map_err(|e| AppError::internal(e.to_string()))?;
            // first <= last < len = bytes.len(), so the slice is in bounds.
            let part = bytes[first as usize..=last as usize].to_vec();
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
