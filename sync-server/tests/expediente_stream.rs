//! The expediente streamed from a real server process: a clinic-year with receipt
//! photos of about 150 KiB, uploaded; the ZIP is written as the client reads it, a
//! second build while one runs is refused with 503 and `Retry-After`, and the ZIP
//! that arrives is whole (every entry readable, CRCs checked, every photo's bytes
//! the device's), its index verifies on the server, and the seal the server keeps
//! names the SHA-256 of exactly the bytes sent.

mod support;

use cosabi_replica::blob_client::BlobClient;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Read;
use support::clinic_year::{photos, record_clinic_year};
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The demo clinic (`assets/demo/clinic.json`), in Veracruz.
const CLUES: &str = "VZIMB000417";
const YEAR: i32 = 2025;
const PHOTO_BYTES: usize = 150 * 1024;
/// Photos in the clinic-year: their bytes must be more than the kernel lets the
/// server queue on a socket, so a build whose client does not read stays running.
const PHOTOS: usize = 48;

/// Signs in through the form; returns the `Cookie` header to send.
async fn sign_in(server: &Server, user: &str) -> String {
    let resp = browser()
        .post(format!("{}/programa/entrar", server.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("usuario={user}&contrasena={PASSWORD}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303, "sign-in of {user}");
    let cookie = resp.headers()["set-cookie"].to_str().unwrap();
    cookie.split(';').next().unwrap().to_owned()
}

/// The largest send buffer the kernel gives a TCP socket (`tcp_wmem`'s maximum).
fn socket_send_buffer_max() -> usize {
    std::fs::read_to_string("/proc/sys/net/ipv4/tcp_wmem")
        .ok()
        .and_then(|s| s.split_whitespace().nth(2)?.parse().ok())
        .unwrap_or(4 * 1024 * 1024)
}

/// An HTTP/1.1 chunked body decoded.
fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = body
            .windows(2)
            .position(|w| w == b"\r\n")
            .expect("a chunk size line");
        let size = std::str::from_utf8(&body[..line_end]).unwrap();
        let size = usize::from_str_radix(size.split(';').next().unwrap().trim(), 16).unwrap();
        body = &body[line_end + 2..];
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&body[..size]);
        assert_eq!(&body[size..size + 2], b"\r\n", "a chunk ends with CRLF");
        body = &body[size + 2..];
    }
}

/// Every entry of a ZIP, read to its end (which checks its CRC): path → bytes.
fn unzip(bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = BTreeMap::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let mut data = Vec::new();
        entry
            .read_to_end(&mut data)
            .unwrap_or_else(|e| panic!("entry {i} cannot be read whole: {e}"));
        out.insert(entry.name().unwrap().to_string(), data);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_expediente_streams_whole_and_builds_over_the_limit_get_503() {
    assert!(
        PHOTOS * PHOTO_BYTES > socket_send_buffer_max() + 2 * 1024 * 1024,
        "the photos must outweigh the socket buffers for the build to wait on its client"
    );
    let dir = tempfile::tempdir().unwrap();
    let blobs = dir.path().join("blobs");
    let server = Server::start_with(
        &dir.path().join("server.sqlite3"),
        blobs.to_str().unwrap(),
        "127.0.0.1:0",
        &[("COSABI_EXPEDIENTE_BUILDS_MAX", "1")],
    );
    let code = add_clinic(&server.db, CLUES);
    let device_dir = dir.path().join("phone");
    std::fs::create_dir_all(&device_dir).unwrap();
    let device = Device::enroll(&device_dir, "phone", &server.url, &code).await;
    let jpegs = photos(PHOTOS, PHOTO_BYTES);
    for j in &jpegs {
        assert!(j.starts_with(&[0xFF, 0xD8]), "a JPEG");
        assert!(
            j.len().abs_diff(PHOTO_BYTES) < PHOTO_BYTES / 5,
            "{}",
            j.len()
        );
    }
    let shas = record_clinic_year(&device, &jpegs);
    device.sync(&server.url).await;
    let uploaded = BlobClient::new(&server.url, &device.token)
        .upload_pending(&device.replica, |_, _, _| {})
        .await
        .unwrap();
    assert_eq!(uploaded, PHOTOS as u64);
    add_account(&server.db, "veracruz", "estado:VZ");
    let cookie = sign_in(&server, "veracruz").await;
    let path = format!("/programa/clinica/{CLUES}/expediente.zip?ejercicio={YEAR}");

    // A client that reads the headers and then nothing: a tiny receive window, so
    // the build waits on it with the ZIP half written.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut slow = socket.connect(server.addr).await.unwrap();
    slow.write_all(
        format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n",
            server.addr
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let mut received = Vec::new();
    let head_end = loop {
        let mut buf = [0u8; 1024];
        let n = slow.read(&mut buf).await.unwrap();
        assert!(n > 0, "the server closed before its headers");
        received.extend_from_slice(&buf[..n]);
        if let Some(at) = received.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
    };
    let head = String::from_utf8_lossy(&received[..head_end]).to_lowercase();
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(head.contains("content-type: application/zip"), "{head}");
    assert!(
        head.contains("transfer-encoding: chunked"),
        "streamed: {head}"
    );

    // The one build allowed is running: another is refused, to try again later.
    let busy = browser()
        .get(format!("{}{path}", server.url))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(busy.status(), 503);
    assert_eq!(busy.headers()["retry-after"], "60");

    // The slow client reads on to the end: the whole ZIP.
    slow.read_to_end(&mut received).await.unwrap();
    let zip = dechunk(&received[head_end..]);
    let files = unzip(&zip);
    let by_content: BTreeMap<String, &Vec<u8>> = files
        .iter()
        .filter(|(p, _)| p.starts_with("fotos/"))
        .map(|(_, b)| (hex::encode(Sha256::digest(b)), b))
        .collect();
    assert_eq!(by_content.len(), PHOTOS, "every photo, once");
    for sha in &shas {
        assert!(by_content.contains_key(sha), "photo {sha} in the ZIP");
    }
    let index = String::from_utf8(files["indice.csv"].clone()).unwrap();
    let listed: Vec<String> =
        csv::Reader::from_reader(index.trim_start_matches('\u{feff}').as_bytes())
            .records()
            .map(|r| r.unwrap()[0].to_owned())
            .collect();
    assert_eq!(
        listed
            .iter()
            .cloned()
            .collect::<std::collections::BTreeSet<_>>(),
        files.keys().cloned().collect(),
        "the index lists every entry"
    );
    for name in [
        "cuadernillo/cuadernillo-de-control-de-gastos-2025.pdf",
        "completitud.csv",
        "indice.html",
    ] {
        assert!(files.contains_key(name), "{name} in {:?}", files.keys());
    }

    // The index's code verifies on the server, and the seal kept names these bytes.
    let html = String::from_utf8(files["indice.html"].clone()).unwrap();
    let at = html
        .find("Código de verificación ")
        .expect("the index names its code");
    let code: String = html[at + "Código de verificación ".len()..]
        .chars()
        .take(21)
        .collect();
    let page = browser()
        .get(format!("{}/verificar/{code}", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(
        page.contains("El documento coincide con los registros"),
        "{page}"
    );
    let zip_sha = hex::encode(Sha256::digest(&zip));
    let db = rusqlite::Connection::open(&server.db).unwrap();
    let body: String = db
        .query_row(
            "SELECT body FROM issued_seal WHERE code = ?1",
            [&code],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        body.contains(&zip_sha),
        "the seal names the ZIP's SHA-256: {body}"
    );

    // The build is over: the next download is served, whole.
    let again = browser()
        .get(format!("{}{path}", server.url))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 200);
    let again = unzip(&again.bytes().await.unwrap());
    assert_eq!(again.len(), files.len());
}
