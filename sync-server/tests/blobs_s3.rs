//! Receipt photos in an S3 bucket: real server processes on 127.0.0.1 with
//! `--blobs s3://…`, a real S3-compatible server (s3s-fs), devices and raw tus calls.
//! Uploads survive a server restart and move between instances, because every piece
//! of an upload is an object in the bucket.

mod support;

use cosabi_core::ids::clinic_id_for_clues;
use cosabi_core::schema::PURCHASE;
use cosabi_replica::blob_client::BlobClient;
use cosabi_replica::blob_name;
use cosabi_sync_server::blob_store::BlobStore;
use futures::TryStreamExt;
use object_store::path::Path as Key;
use std::path::Path;
use support::s3::S3Server;
use support::*;

const CLUES: &str = "VZIMB000417";
const BUCKET: &str = "cosabi";
/// A chunk as small as a device on a bad link might send.
const CHUNK_BYTES: usize = 16 * 1024;

/// An S3 server with the bucket, and the `--blobs` URL of `prefix` in it.
async fn s3(dir: &Path, prefix: &str) -> (S3Server, String) {
    let s3 = S3Server::start(&dir.join("s3"), BUCKET);
    s3.wait_ready(BUCKET).await;
    let url = s3.blobs_url(BUCKET, prefix);
    (s3, url)
}

fn serve(s3: &S3Server, db: &Path, blobs_url: &str) -> Server {
    Server::start_with(db, blobs_url, "127.0.0.1:0", &s3.env())
}

/// Enrolls a device in a directory of its own.
async fn enroll(dir: &Path, name: &str, server: &Server, code: &str) -> Device {
    let own = dir.join(name);
    std::fs::create_dir_all(&own).unwrap();
    Device::enroll(&own, name, &server.url, code).await
}

/// Every key in `store` under `prefix`, sorted.
async fn keys(store: &BlobStore, prefix: &str) -> Vec<String> {
    let prefix = Key::parse(prefix).unwrap();
    let mut keys: Vec<String> = store
        .object_store()
        .list(Some(&prefix))
        .map_ok(|m| m.location.to_string())
        .try_collect()
        .await
        .unwrap();
    keys.sort();
    keys
}

fn staging(sha: &str) -> String {
    format!("{}/partial/{sha}", clinic_id_for_clues(CLUES))
}

fn blob_key(sha: &str) -> String {
    format!("{}/{sha}", clinic_id_for_clues(CLUES))
}

fn blob_url(server: &Server, sha: &str) -> String {
    format!("{}/v1/blobs/{sha}", server.url)
}

fn header_u64(resp: &reqwest::Response, name: &str) -> Option<u64> {
    resp.headers().get(name)?.to_str().ok()?.parse().ok()
}

/// `HEAD`: status, Upload-Offset, Upload-Length.
async fn head(server: &Server, token: &str, sha: &str) -> (u16, Option<u64>, Option<u64>) {
    let resp = reqwest::Client::new()
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

/// `PATCH` of `bytes[offset..end]`: status and the Upload-Offset answered.
async fn patch(
    server: &Server,
    token: &str,
    sha: &str,
    bytes: &[u8],
    offset: usize,
    end: usize,
) -> (u16, Option<u64>) {
    let resp = reqwest::Client::new()
        .patch(blob_url(server, sha))
        .bearer_auth(token)
        .header("upload-offset", offset)
        .header("upload-length", bytes.len())
        .body(bytes[offset..end].to_vec())
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), header_u64(&resp, "upload-offset"))
}

/// Sends `bytes[from..]` in chunks to `server`, checking each answer.
async fn patch_rest(server: &Server, token: &str, sha: &str, bytes: &[u8], from: usize) {
    let mut offset = from;
    while offset < bytes.len() {
        let end = (offset + CHUNK_BYTES).min(bytes.len());
        let answer = patch(server, token, sha, bytes, offset, end).await;
        assert_eq!(answer, (204, Some(end as u64)), "chunk at {offset}");
        offset = end;
    }
}

async fn get(server: &Server, token: &str, sha: &str, range: Option<&str>) -> reqwest::Response {
    let mut req = reqwest::Client::new()
        .get(blob_url(server, sha))
        .bearer_auth(token);
    if let Some(r) = range {
        req = req.header("range", r);
    }
    req.send().await.unwrap()
}

/// A device uploads a receipt photo through a server whose blobs are in a bucket;
/// another device of the clinic downloads it, whole and by ranges.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receipt_photo_goes_through_the_bucket_to_another_device() {
    let dir = tempfile::tempdir().unwrap();
    let (s3, url) = s3(dir.path(), "").await;
    let server = serve(&s3, &dir.path().join("server.sqlite3"), &url);
    let a = enroll(dir.path(), "a", &server, &add_clinic(&server.db, CLUES)).await;
    let b = enroll(dir.path(), "b", &server, &new_code(&server.db, CLUES)).await;
    let photo = jpeg_like(1, 150_000);
    let len = photo.len();
    let sha = a.with(|r| r.store_blob(&photo).unwrap());
    let purchase = add_receipt_photo(&a, &sha, len);
    a.sync(&server.url).await;
    let uploaded = BlobClient::new(&server.url, &a.token)
        .upload_pending(&a.replica, |_, _, _| {})
        .await
        .unwrap();
    assert_eq!(uploaded, 1);

    // In the bucket under its name, and nothing in progress.
    let store = s3.store(BUCKET, "");
    let clinic = clinic_id_for_clues(CLUES).to_string();
    assert_eq!(keys(&store, &clinic).await, vec![blob_key(&sha)]);
    let stored = store
        .read_blob(clinic_id_for_clues(CLUES), &sha)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored, photo);

    b.sync(&server.url).await;
    let rows = b.with(|r| r.photos(PURCHASE.id, purchase).unwrap());
    assert_eq!(rows[0].sha256, sha);
    let fetched = BlobClient::new(&server.url, &b.token)
        .fetch(&b.replica, &sha)
        .await
        .unwrap();
    assert_eq!(fetched, photo);
    assert!(b.with(|r| r.has_blob(&sha)));

    let part = get(&server, &b.token, &sha, Some("bytes=1000-1999")).await;
    assert_eq!(part.status().as_u16(), 206);
    assert_eq!(
        part.headers()["content-range"].to_str().unwrap(),
        format!("bytes 1000-1999/{len}")
    );
    assert_eq!(part.bytes().await.unwrap().as_ref(), &photo[1000..2000]);
    let suffix = get(&server, &b.token, &sha, Some("bytes=-500")).await;
    assert_eq!(suffix.status().as_u16(), 206);
    assert_eq!(suffix.bytes().await.unwrap().as_ref(), &photo[len - 500..]);
    let beyond = get(&server, &b.token, &sha, Some(&format!("bytes={len}-"))).await;
    assert_eq!(beyond.status().as_u16(), 416);
}

/// An upload begun on a server that is then killed goes on, on a new server process
/// with the same database and bucket, from the offset the bucket holds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_survives_a_server_restart() {
    let dir = tempfile::tempdir().unwrap();
    // Under a prefix, as a bucket shared with other data would be used.
    let (s3, url) = s3(dir.path(), "receipts/v1").await;
    let db = dir.path().join("server.sqlite3");
    let mut first = serve(&s3, &db, &url);
    let a = enroll(dir.path(), "a", &first, &add_clinic(&db, CLUES)).await;
    let photo = jpeg_like(2, 150_000);
    let sha = blob_name(&photo);
    let total = photo.len() as u64;

    let held = 5 * CHUNK_BYTES;
    let mut offset = 0;
    while offset < held {
        let end = offset + CHUNK_BYTES;
        assert_eq!(
            patch(&first, &a.token, &sha, &photo, offset, end).await,
            (204, Some(end as u64))
        );
        offset = end;
    }
    assert_eq!(
        head(&first, &a.token, &sha).await,
        (200, Some(held as u64), Some(total))
    );
    first.kill();

    let second = serve(&s3, &db, &url);
    assert_ne!(second.url, first.url);
    assert_eq!(
        head(&second, &a.token, &sha).await,
        (200, Some(held as u64), Some(total))
    );
    // A chunk from before the held offset is refused with where to go on from.
    assert_eq!(
        patch(&second, &a.token, &sha, &photo, 0, CHUNK_BYTES).await,
        (409, Some(held as u64))
    );
    patch_rest(&second, &a.token, &sha, &photo, held).await;
    assert_eq!(
        head(&second, &a.token, &sha).await,
        (200, Some(total), Some(total))
    );
    let whole = get(&second, &a.token, &sha, None).await;
    assert_eq!(whole.status().as_u16(), 200);
    assert_eq!(whole.bytes().await.unwrap().as_ref(), &photo[..]);

    let store = s3.store(BUCKET, "receipts/v1");
    assert_eq!(keys(&store, &staging(&sha)).await, Vec::<String>::new());
    let clinic = clinic_id_for_clues(CLUES).to_string();
    assert_eq!(keys(&store, &clinic).await, vec![blob_key(&sha)]);
    // The prefix holds it all: nothing at the bucket's top level but the prefix.
    let top = keys(&s3.store(BUCKET, ""), "").await;
    assert!(top.iter().all(|k| k.starts_with("receipts/v1/")), "{top:?}");
}

/// Two instances running at once on one database and bucket: an upload begun on one
/// goes on and finishes on the other, and each sees what the other stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_moves_between_two_running_instances() {
    let dir = tempfile::tempdir().unwrap();
    let (s3, url) = s3(dir.path(), "").await;
    let db = dir.path().join("server.sqlite3");
    let one = serve(&s3, &db, &url);
    let two = serve(&s3, &db, &url);
    let a = enroll(dir.path(), "a", &one, &add_clinic(&db, CLUES)).await;
    let photo = jpeg_like(3, 150_000);
    let sha = blob_name(&photo);
    let total = photo.len() as u64;

    // Chunks alternate between the instances.
    let mut offset = 0;
    for server in [&one, &two, &one] {
        let end = offset + CHUNK_BYTES;
        assert_eq!(
            patch(server, &a.token, &sha, &photo, offset, end).await,
            (204, Some(end as u64))
        );
        offset = end;
    }
    // A chunk resent to the other instance (its answer was lost) is seen as held.
    let resent = patch(&two, &a.token, &sha, &photo, offset - CHUNK_BYTES, offset).await;
    assert_eq!(resent, (409, Some(offset as u64)));
    assert_eq!(
        head(&two, &a.token, &sha).await,
        (200, Some(offset as u64), Some(total))
    );
    patch_rest(&two, &a.token, &sha, &photo, offset).await;

    for server in [&one, &two] {
        assert_eq!(
            head(server, &a.token, &sha).await,
            (200, Some(total), Some(total))
        );
        let whole = get(server, &a.token, &sha, None).await;
        assert_eq!(whole.bytes().await.unwrap().as_ref(), &photo[..]);
    }
    let store = s3.store(BUCKET, "");
    assert_eq!(keys(&store, &staging(&sha)).await, Vec::<String>::new());
}

/// Bytes that do not hash to the name are refused once complete, and the bucket
/// keeps nothing of them: neither a blob nor staged chunks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hash_mismatch_leaves_nothing_in_the_bucket() {
    let dir = tempfile::tempdir().unwrap();
    let (s3, url) = s3(dir.path(), "").await;
    let server = serve(&s3, &dir.path().join("server.sqlite3"), &url);
    let a = enroll(dir.path(), "a", &server, &add_clinic(&server.db, CLUES)).await;
    let photo = jpeg_like(4, 100_000);
    let sha = blob_name(&photo);
    let mut forged = photo.clone();
    forged[70_000] ^= 0x01;
    let total = forged.len();

    let half = total / 2;
    assert_eq!(
        patch(&server, &a.token, &sha, &forged, 0, half).await,
        (204, Some(half as u64))
    );
    let store = s3.store(BUCKET, "");
    assert_eq!(
        keys(&store, &staging(&sha)).await.len(),
        2,
        "length and chunk"
    );
    let last = reqwest::Client::new()
        .patch(blob_url(&server, &sha))
        .bearer_auth(&a.token)
        .header("upload-offset", half)
        .header("upload-length", total)
        .body(forged[half..].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(last.status().as_u16(), 422);
    let body: serde_json::Value = last.json().await.unwrap();
    assert_eq!(body["code"], "hash_mismatch");

    assert_eq!(head(&server, &a.token, &sha).await.0, 404);
    assert_eq!(
        get(&server, &a.token, &sha, None).await.status().as_u16(),
        404
    );
    let clinic = clinic_id_for_clues(CLUES).to_string();
    assert_eq!(keys(&store, &clinic).await, Vec::<String>::new());

    // The true bytes are accepted afterwards.
    patch_rest(&server, &a.token, &sha, &photo, 0).await;
    assert_eq!(keys(&store, &clinic).await, vec![blob_key(&sha)]);
}

/// The `expediente` admin command reads the clinic's photos from the bucket and puts
/// them in the ZIP; it writes nothing into the bucket.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_expediente_reads_its_photos_from_the_bucket() {
    use std::io::Read;
    let dir = tempfile::tempdir().unwrap();
    let (s3, url) = s3(dir.path(), "").await;
    let server = serve(&s3, &dir.path().join("server.sqlite3"), &url);
    let a = enroll(dir.path(), "a", &server, &add_clinic(&server.db, CLUES)).await;
    let photo = jpeg_like(5, 150_000);
    let sha = a.with(|r| r.store_blob(&photo).unwrap());
    add_receipt_photo(&a, &sha, photo.len());
    a.sync(&server.url).await;
    BlobClient::new(&server.url, &a.token)
        .upload_pending(&a.replica, |_, _, _| {})
        .await
        .unwrap();
    let store = s3.store(BUCKET, "");
    let before = keys(&store, "").await;

    let out = dir.path().join("expediente.zip");
    let run = std::process::Command::new(BIN)
        .arg("--db")
        .arg(&server.db)
        .args([
            "--blobs",
            &url,
            "expediente",
            "--clues",
            CLUES,
            "--year",
            "2025",
        ])
        .arg("--out")
        .arg(&out)
        .envs(s3.env())
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "expediente failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let zip = std::fs::read(&out).unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    let mut photos_in_zip = 0;
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        photos_in_zip += usize::from(data == photo);
    }
    assert_eq!(photos_in_zip, 1, "the receipt photo is in the expediente");
    assert_eq!(keys(&store, "").await, before);
}
