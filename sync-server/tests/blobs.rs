//! Receipt photos across real processes: the server binary on 127.0.0.1, replicas on
//! disk. Uploads resume where a cut left them, bytes are checked against their name,
//! and a clinic never sees another's photos.

mod support;

use cosabi_core::ids::clinic_id_for_clues;
use cosabi_core::schema::PURCHASE;
use cosabi_replica::blob_client::{BlobClient, BLOB_CHUNK_BYTES};
use cosabi_replica::blob_name;
use cosabi_replica::client::SyncError;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use support::*;

const CLUES_A: &str = "VZIMB000417";
const CLUES_B: &str = "OCIMB000777";
/// Calls of an upload or fetch through a link that keeps dropping before the test
/// gives up: each call already retries a few times with backoff.
const CALLS_THROUGH_BAD_LINK_MAX: usize = 30;

fn http() -> reqwest::Client {
    reqwest::Client::new()
}

fn blob_url(server: &Server, sha: &str) -> String {
    format!("{}/v1/blobs/{sha}", server.url)
}

/// Where the server keeps a clinic's complete blob.
fn on_server(server: &Server, clues: &str, sha: &str) -> PathBuf {
    server
        .blobs
        .join(clinic_id_for_clues(clues).to_string())
        .join(sha)
}

/// No upload of the clinic is staged on the server: its staging folder holds no file
/// (the store removes the folders it empties).
fn assert_nothing_in_progress(server: &Server, clues: &str) {
    let partial = on_server(server, clues, "partial");
    let mut folders = vec![partial];
    while let Some(folder) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            assert!(path.is_dir(), "{} is still staged", path.display());
            folders.push(path);
        }
    }
}

fn header_u64(resp: &reqwest::Response, name: &str) -> Option<u64> {
    resp.headers().get(name)?.to_str().ok()?.parse().ok()
}

/// `HEAD`: status, Upload-Offset, Upload-Length.
async fn head(server: &Server, token: &str, sha: &str) -> (u16, Option<u64>, Option<u64>) {
    let resp = http()
        .head(blob_url(server, sha))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (
        resp.status().as_u16(),
        header_u64(&resp, "upload-offset"),
        header_u64(&resp, "upload-length"),
    )
}

async fn patch(
    server: &Server,
    token: &str,
    sha: &str,
    offset: u64,
    total: u64,
    chunk: &[u8],
) -> reqwest::Response {
    http()
        .patch(blob_url(server, sha))
        .bearer_auth(token)
        .header("upload-offset", offset)
        .header("upload-length", total)
        .body(chunk.to_vec())
        .send()
        .await
        .unwrap()
}

async fn get(server: &Server, token: &str, sha: &str, range: Option<&str>) -> reqwest::Response {
    let mut req = http().get(blob_url(server, sha)).bearer_auth(token);
    if let Some(r) = range {
        req = req.header("range", r);
    }
    req.send().await.unwrap()
}

async fn error_code(resp: reqwest::Response) -> String {
    let body: serde_json::Value = resp.json().await.unwrap();
    body["code"].as_str().unwrap_or_default().to_owned()
}

/// Enrolls a device in a directory of its own: its photos live next to its database,
/// and two phones never share a disk.
async fn enroll(dir: &std::path::Path, name: &str, server: &Server, code: &str) -> Device {
    let own = dir.join(name);
    std::fs::create_dir_all(&own).unwrap();
    Device::enroll(&own, name, &server.url, code).await
}

/// A server with clinic A and one device enrolled in it.
async fn server_and_device(dir: &std::path::Path) -> (Server, Device) {
    let server = Server::start(dir, "127.0.0.1:0");
    let code = add_clinic(&server.db, CLUES_A);
    let a = enroll(dir, "a", &server, &code).await;
    (server, a)
}

/// An upload cut half-way goes on from what the server holds, through a link that
/// keeps dropping, and the server keeps exactly the photo's bytes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_cut_half_way_resumes_from_the_server_offset() {
    let dir = tempfile::tempdir().unwrap();
    let (server, a) = server_and_device(dir.path()).await;
    let photo = jpeg_like(1, 300_000);
    let total = photo.len() as u64;
    let sha = a.with(|r| r.store_blob(&photo).unwrap());
    assert_eq!(head(&server, &a.token, &sha).await.0, 404);

    // The first two chunks arrive, then the link dies.
    let chunk = BLOB_CHUNK_BYTES as u64;
    for k in 0..2u64 {
        let at = k * chunk;
        let resp = patch(
            &server,
            &a.token,
            &sha,
            at,
            total,
            &photo[at as usize..(at + chunk) as usize],
        )
        .await;
        assert_eq!(resp.status().as_u16(), 204);
        assert_eq!(header_u64(&resp, "upload-offset"), Some(at + chunk));
    }
    let (status, held, length) = head(&server, &a.token, &sha).await;
    assert_eq!(status, 200);
    let held = held.unwrap();
    assert!(held > 0 && held < total, "held {held} of {total}");
    assert_eq!(length, Some(total));

    // A chunk at the wrong offset is refused with the offset to go on from.
    let wrong = patch(&server, &a.token, &sha, 0, total, &photo[..1000]).await;
    assert_eq!(wrong.status().as_u16(), 409);
    assert_eq!(header_u64(&wrong, "upload-offset"), Some(held));
    assert_eq!(error_code(wrong).await, "offset_mismatch");

    // The rest, through a link that cuts connections at random byte counts.
    let proxy = FaultProxy::start(server.addr, 11, 150_000).await;
    let client = BlobClient::new(&proxy.url, &a.token);
    let mut reported = Vec::new();
    let mut done = false;
    for _ in 0..CALLS_THROUGH_BAD_LINK_MAX {
        let result = client
            .upload(&a.replica, &sha, |sent, of| reported.push((sent, of)))
            .await;
        match result {
            Ok(()) => {
                done = true;
                break;
            }
            Err(SyncError::Network(_)) => continue,
            Err(e) => panic!("upload failed: {e}"),
        }
    }
    assert!(done, "the upload never finished");
    // Every connection is cut before this many bytes have passed, so the rest of the
    // photo cannot have crossed in one piece.
    assert!(
        proxy.cuts.load(Ordering::SeqCst) > 0,
        "the link was never cut"
    );
    assert!(
        reported
            .iter()
            .all(|&(sent, of)| sent > held && of == total),
        "the upload started again from the beginning: {reported:?}"
    );
    assert_eq!(reported.last(), Some(&(total, total)));
    assert!(a.with(|r| r.blob_uploaded(&sha).unwrap()));

    // The server holds the whole photo, under its name, and nothing in progress.
    assert_eq!(
        head(&server, &a.token, &sha).await,
        (200, Some(total), Some(total))
    );
    let stored = std::fs::read(on_server(&server, CLUES_A, &sha)).unwrap();
    assert_eq!(blob_name(&stored), sha);
    assert_eq!(stored, photo);
    assert_nothing_in_progress(&server, CLUES_A);

    // Uploading it again changes nothing.
    let again = patch(&server, &a.token, &sha, 0, total, &photo[..1000]).await;
    assert_eq!(again.status().as_u16(), 204);
    assert_eq!(header_u64(&again, "upload-offset"), Some(total));
    BlobClient::new(&server.url, &a.token)
        .upload(&a.replica, &sha, |_, _| {})
        .await
        .unwrap();
}

/// Bytes that do not hash to the blob's name are refused once complete, and nothing
/// of them is kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bytes_that_do_not_match_the_name_are_refused_and_not_kept() {
    let dir = tempfile::tempdir().unwrap();
    let (server, a) = server_and_device(dir.path()).await;
    let photo = jpeg_like(2, 200_000);
    let sha = blob_name(&photo);
    let mut forged = photo.clone();
    forged[150_000] ^= 0x01;
    let total = forged.len() as u64;

    // In one piece.
    let resp = patch(&server, &a.token, &sha, 0, total, &forged).await;
    assert_eq!(resp.status().as_u16(), 422);
    assert_eq!(error_code(resp).await, "hash_mismatch");
    assert_eq!(head(&server, &a.token, &sha).await.0, 404);

    // In two: the first is accepted (nothing to check yet), the last is refused.
    let half = forged.len() / 2;
    let first = patch(&server, &a.token, &sha, 0, total, &forged[..half]).await;
    assert_eq!(first.status().as_u16(), 204);
    let last = patch(&server, &a.token, &sha, half as u64, total, &forged[half..]).await;
    assert_eq!(last.status().as_u16(), 422);
    assert_eq!(head(&server, &a.token, &sha).await.0, 404);
    assert_eq!(
        get(&server, &a.token, &sha, None).await.status().as_u16(),
        404
    );
    assert!(!on_server(&server, CLUES_A, &sha).exists());
    assert_nothing_in_progress(&server, CLUES_A);

    // The true bytes are accepted afterwards.
    let good = patch(&server, &a.token, &sha, 0, total, &photo).await;
    assert_eq!(good.status().as_u16(), 204);
    assert_eq!(
        head(&server, &a.token, &sha).await,
        (200, Some(total), Some(total))
    );
}

/// Malformed names and headers are 400, oversized uploads 413, a bogus token 401.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_names_headers_sizes_and_tokens_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (server, a) = server_and_device(dir.path()).await;
    let good = "ab".repeat(32);
    for name in [
        "abc".to_owned(),
        "AB".repeat(32),
        "a".repeat(65),
        format!("{}g", "a".repeat(63)),
        // Not a path: a client collapses `..` before sending.
        format!("{}.jpg", "a".repeat(60)),
    ] {
        assert_eq!(head(&server, &a.token, &name).await.0, 400, "HEAD {name}");
        let resp = get(&server, &a.token, &name, None).await;
        assert_eq!(resp.status().as_u16(), 400, "GET {name}");
        assert_eq!(error_code(resp).await, "malformed");
        let resp = patch(&server, &a.token, &name, 0, 3, b"abc").await;
        assert_eq!(resp.status().as_u16(), 400, "PATCH {name}");
    }

    // Headers missing or not numbers.
    let no_headers = http()
        .patch(blob_url(&server, &good))
        .bearer_auth(&a.token)
        .body(vec![1, 2, 3])
        .send()
        .await
        .unwrap();
    assert_eq!(no_headers.status().as_u16(), 400);
    let not_a_number = http()
        .patch(blob_url(&server, &good))
        .bearer_auth(&a.token)
        .header("upload-offset", "zero")
        .header("upload-length", "3")
        .body(vec![1, 2, 3])
        .send()
        .await
        .unwrap();
    assert_eq!(not_a_number.status().as_u16(), 400);
    // A chunk that runs past the declared length.
    let past = patch(&server, &a.token, &good, 0, 2, b"abc").await;
    assert_eq!(past.status().as_u16(), 400);

    // Too large: the whole blob, or one chunk.
    let huge = patch(&server, &a.token, &good, 0, 20 * 1024 * 1024 + 1, b"abc").await;
    assert_eq!(huge.status().as_u16(), 413);
    assert_eq!(error_code(huge).await, "too_large");
    let big_chunk = vec![0u8; 1024 * 1024 + 1];
    let resp = patch(&server, &a.token, &good, 0, 2 * 1024 * 1024, &big_chunk).await;
    assert_eq!(resp.status().as_u16(), 413);

    // A bogus token, whatever the name.
    for name in [good.as_str(), "abc"] {
        assert_eq!(head(&server, "not-a-token", name).await.0, 401);
        let resp = get(&server, "not-a-token", name, None).await;
        assert_eq!(resp.status().as_u16(), 401);
        assert_eq!(error_code(resp).await, "unauthorized");
        let resp = patch(&server, "not-a-token", name, 0, 3, b"abc").await;
        assert_eq!(resp.status().as_u16(), 401);
    }
    let no_token = http().head(blob_url(&server, &good)).send().await.unwrap();
    assert_eq!(no_token.status().as_u16(), 401);
}

/// A device of another clinic sees nothing of this clinic's photos.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_clinic_sees_404_for_this_clinics_photos() {
    let dir = tempfile::tempdir().unwrap();
    let (server, a) = server_and_device(dir.path()).await;
    let code_b = add_clinic(&server.db, CLUES_B);
    let b = enroll(dir.path(), "b", &server, &code_b).await;
    let photo = jpeg_like(4, 250_000);
    let sha = a.with(|r| r.store_blob(&photo).unwrap());
    BlobClient::new(&server.url, &a.token)
        .upload(&a.replica, &sha, |_, _| {})
        .await
        .unwrap();
    // Half of another photo, in progress.
    let other = jpeg_like(5, 250_000);
    let other_sha = blob_name(&other);
    let resp = patch(&server, &a.token, &other_sha, 0, 250_000, &other[..1000]).await;
    assert_eq!(resp.status().as_u16(), 204);

    for name in [&sha, &other_sha] {
        assert_eq!(head(&server, &a.token, name).await.0, 200);
        assert_eq!(head(&server, &b.token, name).await.0, 404);
        assert_eq!(get(&server, &b.token, name, None).await.status(), 404);
        let ranged = get(&server, &b.token, name, Some("bytes=0-")).await;
        assert_eq!(ranged.status().as_u16(), 404);
    }
    let fetched = BlobClient::new(&server.url, &b.token)
        .fetch(&b.replica, &sha)
        .await;
    assert!(
        matches!(fetched, Err(SyncError::Refused { status: 404, .. })),
        "{fetched:?}"
    );
    assert!(!b.with(|r| r.has_blob(&sha)));
}

/// `Range` answers the bytes asked for; a device fetches a photo another uploaded,
/// resuming a cut download, after the photo's row came with the metadata sync.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ranges_work_and_another_device_fetches_the_photo() {
    let dir = tempfile::tempdir().unwrap();
    let (server, a) = server_and_device(dir.path()).await;
    let b = enroll(dir.path(), "b", &server, &new_code(&server.db, CLUES_A)).await;
    let photo = jpeg_like(6, 350_000);
    let len = photo.len();
    let sha = a.with(|r| r.store_blob(&photo).unwrap());
    let purchase = add_receipt_photo(&a, &sha, len);
    // The metadata travels without waiting for the photo.
    a.sync(&server.url).await;
    b.sync(&server.url).await;
    let rows = b.with(|r| r.photos(PURCHASE.id, purchase).unwrap());
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].sha256, sha);
    assert!(!b.with(|r| r.has_blob(&sha)));
    assert!(b.with(|r| r.blobs_to_upload().unwrap()).is_empty());
    // Not on the server yet.
    let early = BlobClient::new(&server.url, &b.token)
        .fetch(&b.replica, &sha)
        .await;
    assert!(
        matches!(early, Err(SyncError::Refused { status: 404, .. })),
        "{early:?}"
    );

    assert_eq!(
        BlobClient::new(&server.url, &a.token)
            .upload_pending(&a.replica, |_, _, _| {})
            .await
            .unwrap(),
        1
    );

    // Ranges.
    let whole = get(&server, &b.token, &sha, None).await;
    assert_eq!(whole.status().as_u16(), 200);
    assert_eq!(
        whole.headers()["content-type"].to_str().unwrap(),
        "application/octet-stream"
    );
    assert_eq!(whole.bytes().await.unwrap().as_ref(), &photo[..]);
    let part = get(&server, &b.token, &sha, Some("bytes=1000-1999")).await;
    assert_eq!(part.status().as_u16(), 206);
    assert_eq!(
        part.headers()["content-range"].to_str().unwrap(),
        format!("bytes 1000-1999/{len}")
    );
    assert_eq!(part.bytes().await.unwrap().as_ref(), &photo[1000..2000]);
    let tail = get(&server, &b.token, &sha, Some("bytes=300000-")).await;
    assert_eq!(tail.status().as_u16(), 206);
    assert_eq!(
        tail.headers()["content-range"].to_str().unwrap(),
        format!("bytes 300000-{}/{len}", len - 1)
    );
    assert_eq!(tail.bytes().await.unwrap().as_ref(), &photo[300_000..]);
    let suffix = get(&server, &b.token, &sha, Some("bytes=-500")).await;
    assert_eq!(suffix.status().as_u16(), 206);
    assert_eq!(suffix.bytes().await.unwrap().as_ref(), &photo[len - 500..]);
    let beyond = get(&server, &b.token, &sha, Some(&format!("bytes={len}-"))).await;
    assert_eq!(beyond.status().as_u16(), 416);
    assert_eq!(
        beyond.headers()["content-range"].to_str().unwrap(),
        format!("bytes */{len}")
    );

    // A download that left damaged bytes behind resumes after them: the result does
    // not hash to the name, is refused, and nothing is kept.
    let partial = b.with(|r| r.blob_dir().unwrap()).join("partial").join(&sha);
    std::fs::create_dir_all(partial.parent().unwrap()).unwrap();
    std::fs::write(&partial, vec![0u8; 100_000]).unwrap();
    let damaged = BlobClient::new(&server.url, &b.token)
        .fetch(&b.replica, &sha)
        .await;
    assert!(
        matches!(damaged, Err(SyncError::BadResponse(_))),
        "{damaged:?}"
    );
    assert!(!b.with(|r| r.has_blob(&sha)));
    assert!(!partial.exists());

    // A good partial download resumes from where it stopped, through a bad link.
    std::fs::write(&partial, &photo[..120_000]).unwrap();
    let proxy = FaultProxy::start(server.addr, 23, 100_000).await;
    let client = BlobClient::new(&proxy.url, &b.token);
    let mut fetched = None;
    for _ in 0..CALLS_THROUGH_BAD_LINK_MAX {
        match client.fetch(&b.replica, &sha).await {
            Ok(bytes) => {
                fetched = Some(bytes);
                break;
            }
            Err(SyncError::Network(_)) => continue,
            Err(e) => panic!("fetch failed: {e}"),
        }
    }
    // Every connection is cut before this many bytes have passed, so the rest of the
    // photo cannot have crossed in one piece.
    assert!(
        proxy.cuts.load(Ordering::SeqCst) > 0,
        "the link was never cut"
    );
    assert_eq!(fetched.as_deref(), Some(&photo[..]));
    assert_eq!(b.with(|r| r.blob(&sha).unwrap()), Some(photo.clone()));
    assert!(!partial.exists());
    // B holds it because the server does: nothing for B to upload.
    assert!(b.with(|r| r.blobs_to_upload().unwrap()).is_empty());
}

/// Every photo waiting is uploaded once; a second pass has nothing to do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_pending_uploads_every_pending_photo_once() {
    let dir = tempfile::tempdir().unwrap();
    let (server, a) = server_and_device(dir.path()).await;
    let mut shas = Vec::new();
    for seed in 0..3 {
        let photo = jpeg_like(100 + seed, 200_000 + 50_000 * seed as usize);
        let sha = a.with(|r| r.store_blob(&photo).unwrap());
        add_receipt_photo(&a, &sha, photo.len());
        shas.push((sha, photo.len() as u64));
    }
    // A photo whose bytes are on another phone: not this device's to upload.
    let elsewhere = blob_name(b"bytes on another phone");
    add_receipt_photo(&a, &elsewhere, 22);
    // Bytes without a photo row: nothing to upload either.
    let loose = a.with(|r| r.store_blob(&jpeg_like(9, 10_000)).unwrap());
    let mut pending = a.with(|r| r.blobs_to_upload().unwrap());
    pending.sort();
    let mut want: Vec<_> = shas.iter().map(|(s, _)| s.clone()).collect();
    want.sort();
    assert_eq!(pending, want);

    let client = BlobClient::new(&server.url, &a.token);
    let mut finished = Vec::new();
    let n = client
        .upload_pending(&a.replica, |sha, sent, total| {
            if sent == total {
                finished.push(sha.to_owned());
            }
        })
        .await
        .unwrap();
    assert_eq!(n, 3);
    finished.sort();
    assert_eq!(finished, want);
    for (sha, len) in &shas {
        assert_eq!(
            head(&server, &a.token, sha).await,
            (200, Some(*len), Some(*len))
        );
        let stored = std::fs::read(on_server(&server, CLUES_A, sha)).unwrap();
        assert_eq!(&blob_name(&stored), sha);
    }
    assert_eq!(head(&server, &a.token, &elsewhere).await.0, 404);
    assert_eq!(head(&server, &a.token, &loose).await.0, 404);

    let mut calls = 0;
    let again = client
        .upload_pending(&a.replica, |_, _, _| calls += 1)
        .await
        .unwrap();
    assert_eq!((again, calls), (0, 0));
}

/// `HEAD` declaring the photo's length, as devices ask: status, Upload-Offset.
async fn head_declaring(
    server: &Server,
    token: &str,
    sha: &str,
    length: u64,
) -> (u16, Option<u64>) {
    let resp = http()
        .head(blob_url(server, sha))
        .bearer_auth(token)
        .header("upload-length", length)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), header_u64(&resp, "upload-offset"))
}

/// A complete photo whose file on the server's disk was cut short (as a crash left
/// the files of a release that wrote without fsync) is not reported complete: the
/// device sends it again, from byte 0, and the server ends with the whole photo.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_photo_cut_short_on_the_servers_disk_is_sent_again() {
    let dir = tempfile::tempdir().unwrap();
    let (server, a) = server_and_device(dir.path()).await;
    let photo = jpeg_like(8, 200_000);
    let total = photo.len() as u64;
    let sha = a.with(|r| r.store_blob(&photo).unwrap());
    let client = BlobClient::new(&server.url, &a.token);
    client.upload(&a.replica, &sha, |_, _| {}).await.unwrap();
    let stored = on_server(&server, CLUES_A, &sha);
    assert_eq!(std::fs::read(&stored).unwrap(), photo);

    // The name survived the crash, and only part of the bytes (not a whole number of
    // chunks, so a device that went on from there would say so in its progress).
    let kept = 100_000;
    std::fs::File::options()
        .write(true)
        .open(&stored)
        .unwrap()
        .set_len(kept)
        .unwrap();

    // Not complete, whether the HEAD declares the length (a device) or not (the
    // hash decides), nor for a PATCH that would go on from the short end.
    assert_eq!(head(&server, &a.token, &sha).await.0, 404);
    assert_eq!(head_declaring(&server, &a.token, &sha, total).await.0, 404);
    let resp = patch(
        &server,
        &a.token,
        &sha,
        kept,
        total,
        &photo[kept as usize..],
    )
    .await;
    assert_eq!(resp.status().as_u16(), 409);
    assert_eq!(header_u64(&resp, "upload-offset"), Some(0));

    // The device, which recorded the photo as uploaded, sends it again in full.
    assert!(a.with(|r| r.blob_uploaded(&sha).unwrap()));
    let mut reported = Vec::new();
    client
        .upload(&a.replica, &sha, |sent, of| reported.push((sent, of)))
        .await
        .unwrap();
    let first_chunk = BLOB_CHUNK_BYTES as u64;
    assert_eq!(
        reported.first(),
        Some(&(first_chunk, total)),
        "{reported:?}"
    );
    assert_eq!(reported.last(), Some(&(total, total)), "{reported:?}");
    assert_eq!(std::fs::read(&stored).unwrap(), photo);
    assert_eq!(
        head(&server, &a.token, &sha).await,
        (200, Some(total), Some(total))
    );
    assert_nothing_in_progress(&server, CLUES_A);

    // A device that declares a wrong length does not make a whole photo incomplete.
    assert_eq!(
        head_declaring(&server, &a.token, &sha, total + 1).await,
        (200, Some(total))
    );
    assert_eq!(std::fs::read(&stored).unwrap(), photo);
}
