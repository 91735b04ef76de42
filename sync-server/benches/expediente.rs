//! `expediente_peak_rss_mb` (BENCHMARKS.md): the peak resident memory of the real
//! server process while one account downloads the expediente of a clinic-year with
//! 1,600 receipt photos of about 150 KiB (real JPEGs, made deterministically).
//!
//! The clinic-year is recorded on a device, synced and its photos uploaded; the
//! server is then restarted on the same database and photos, so the figure is the
//! download's alone (`VmHWM` of the fresh process, read once the ZIP has arrived).
//! Prints one `name value unit` line per figure.

#[path = "../tests/support/mod.rs"]
mod support;

use sha2::{Digest, Sha256};
use std::io::Write;
use std::time::Instant;
use support::clinic_year::{peak_rss_mib, photos, record_clinic_year};
use support::*;

const CLUES: &str = "VZIMB000417";
const YEAR: i32 = 2025;
const PHOTOS: usize = 1_600;
const PHOTO_BYTES: usize = 150 * 1024;

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path(), "127.0.0.1:0");
    let code = add_clinic(&server.db, CLUES);
    let device_dir = dir.path().join("phone");
    std::fs::create_dir_all(&device_dir).unwrap();
    let device = Device::enroll(&device_dir, "phone", &server.url, &code).await;
    let started = Instant::now();
    let jpegs = photos(PHOTOS, PHOTO_BYTES);
    let total: usize = jpegs.iter().map(Vec::len).sum();
    eprintln!(
        "{PHOTOS} photos, {:.1} MiB, made in {:.1} s",
        total as f64 / 1048576.0,
        started.elapsed().as_secs_f64()
    );
    let shas = record_clinic_year(&device, &jpegs);
    drop(jpegs);
    device.sync(&server.url).await;
    let uploaded = cosabi_replica::blob_client::BlobClient::new(&server.url, &device.token)
        .upload_pending(&device.replica, |_, _, _| {})
        .await
        .unwrap();
    assert_eq!(uploaded, PHOTOS as u64);
    add_account(&server.db, "veracruz", "estado:VZ");

    // A fresh process: its peak is the download's. Like every server the tests
    // start, it runs with the deployment unit's allocator settings.
    eprintln!(
        "server allocator settings (from the systemd unit): {:?}",
        deployed_allocator_env()
    );
    server.kill();
    let server = Server::start_with(
        &dir.path().join("server.sqlite3"),
        dir.path().join("blobs").to_str().unwrap(),
        "127.0.0.1:0",
        &[],
    );
    let resp = browser()
        .post(format!("{}/programa/entrar", server.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("usuario=veracruz&contrasena={PASSWORD}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let cookie = resp.headers()["set-cookie"].to_str().unwrap();
    let cookie = cookie.split(';').next().unwrap().to_owned();

    let started = Instant::now();
    let resp = browser()
        .get(format!(
            "{}/programa/clinica/{CLUES}/expediente.zip?ejercicio={YEAR}",
            server.url
        ))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let first_byte = started.elapsed();
    let zip_path = dir.path().join("expediente.zip");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&zip_path).unwrap());
    let mut hasher = Sha256::new();
    let mut bytes = 0usize;
    let mut resp = resp;
    while let Some(chunk) = resp.chunk().await.unwrap() {
        hasher.update(&chunk);
        bytes += chunk.len();
        file.write_all(&chunk).unwrap();
    }
    file.flush().unwrap();
    drop(file);
    let elapsed = started.elapsed();
    let peak = peak_rss_mib(server.pid());

    // The ZIP is whole: every photo in it.
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&zip_path).unwrap()).unwrap();
    let photos_in = (0..archive.len())
        .filter(|i| {
            archive
                .by_index(*i)
                .unwrap()
                .name()
                .unwrap()
                .starts_with("fotos/")
        })
        .count();
    assert_eq!(photos_in, shas.len(), "every photo in the ZIP");
    eprintln!(
        "expediente: {:.1} MiB (sha256 {}) in {:.1} s, first byte after {:.1} s",
        bytes as f64 / 1048576.0,
        hex::encode(hasher.finalize()),
        elapsed.as_secs_f64(),
        first_byte.as_secs_f64()
    );
    println!("expediente_peak_rss_mb {peak:.1} MB");
}
