//! The expediente from the server: a device records a purchase with a photographed
//! receipt, syncs and uploads the photo to a real server process; an account of the
//! clinic's state downloads the clinic's expediente (ZIP) from the programme view,
//! and an IT person writes the same with the admin command.

mod support;

use cosabi_core::ledger::{NewPurchase, NewReceipt};
use cosabi_core::schema::RECEIPT;
use cosabi_replica::blob_client::BlobClient;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::Path;
use std::process::Command;
use std::time::Instant;
use support::*;

/// The demo clinic (`assets/demo/clinic.json`), in Veracruz.
const CLUES: &str = "VZIMB000417";
const YEAR: i32 = 2025;

/// A real JPEG of `w`×`h` pixels, as a phone's camera would hand over.
fn camera_jpeg(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([
            (x * 255 / w) as u8,
            (y * 255 / h) as u8,
            ((x ^ y) & 0xff) as u8,
        ])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .unwrap();
    out.into_inner()
}

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

/// Every entry of a ZIP: path → bytes.
fn unzip(bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = BTreeMap::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        out.insert(entry.name().unwrap().to_string(), data);
    }
    out
}

/// The paths `indice.csv` lists (its first column, under the header).
fn index_paths(files: &BTreeMap<String, Vec<u8>>) -> BTreeSet<String> {
    let text = std::str::from_utf8(&files["indice.csv"]).unwrap();
    let text = text.trim_start_matches('\u{feff}');
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    reader.records().map(|r| r.unwrap()[0].to_owned()).collect()
}

/// Every file under `dir`, relative, with its length.
fn tree(dir: &Path) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let meta = std::fs::symlink_metadata(e.path()).unwrap();
            if meta.is_dir() {
                stack.push(e.path());
            } else {
                let rel = e.path().strip_prefix(dir).unwrap().display().to_string();
                out.insert(rel, meta.len());
            }
        }
    }
    out
}

/// A purchase with a photographed receipt, synced and uploaded, comes back in the
/// expediente a state account downloads: the index lists every file, the receipt
/// photo has the device's bytes; another state's account gets 403, no session goes
/// to the login form; the admin command writes the same files; the server's photo
/// folder is left as it was and no work folder stays behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_state_account_downloads_the_clinics_expediente_with_its_receipt_photo() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), "127.0.0.1:0");
    let code = add_clinic(&server.db, CLUES);
    let device_dir = dir.path().join("phone");
    std::fs::create_dir_all(&device_dir).unwrap();
    let device = Device::enroll(&device_dir, "phone", &server.url, &code).await;

    // The committee's records: the clinic and members, a purchase, its receipt and
    // the receipt's photo, prepared on the device as the app does.
    let raw = camera_jpeg(1600, 1200);
    let (sha, prepared) = device.with(|r| {
        r.load_demo().unwrap();
        let purchase = r
            .record_purchase(&NewPurchase {
                date: "10/03/2025".into(),
                concept: "Cemento gris 50 kg".into(),
                quantity: "4".into(),
                unit_cost: "245".into(),
                supplier: "Materiales El Puente".into(),
                category: "infraestructura".into(),
                paid_from: "efectivo".into(),
                ..Default::default()
            })
            .unwrap();
        let receipt = r
            .add_receipt(
                purchase.id,
                &NewReceipt {
                    kind: "nota".into(),
                    folio_fiscal: String::new(),
                    total: "980".into(),
                    issued_on: "10/03/2025".into(),
                },
            )
            .unwrap();
        let photo = r
            .attach_photo(RECEIPT.id, receipt.id, "receipt", &raw, "")
            .unwrap();
        let prepared = r.photo_bytes(&photo.sha256).unwrap().unwrap();
        (photo.sha256, prepared)
    });
    assert_ne!(prepared, raw, "the photo is prepared before it is kept");
    device.sync(&server.url).await;
    let uploaded = BlobClient::new(&server.url, &device.token)
        .upload_pending(&device.replica, |_, _, _| {})
        .await
        .unwrap();
    assert_eq!(uploaded, 1);
    let server_blobs_before = tree(&server.blobs);
    assert_eq!(server_blobs_before.len(), 1, "{server_blobs_before:?}");
    assert!(server_blobs_before.keys().all(|p| p.ends_with(&sha)));

    add_account(&server.db, "veracruz", "estado:VZ");
    add_account(&server.db, "oaxaca", "estado:OC");
    let path = format!("/programa/clinica/{CLUES}/expediente.zip?ejercicio={YEAR}");

    // No session: to the login form.
    let resp = browser()
        .get(format!("{}{path}", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], "/programa/entrar");

    // The clinic's page links to the download.
    let veracruz = sign_in(&server, "veracruz").await;
    let page = browser()
        .get(format!(
            "{}/programa/clinica/{CLUES}?ejercicio={YEAR}",
            server.url
        ))
        .header("cookie", &veracruz)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Descargar expediente (ZIP)"), "{page}");
    assert!(page.contains(&format!(
        "/programa/clinica/{CLUES}/expediente.zip?ejercicio={YEAR}"
    )));

    let started = Instant::now();
    let resp = browser()
        .get(format!("{}{path}", server.url))
        .header("cookie", &veracruz)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/zip");
    assert_eq!(
        resp.headers()["content-disposition"],
        format!("attachment; filename=\"expediente-{CLUES}-{YEAR}.zip\"").as_str()
    );
    let zip = resp.bytes().await.unwrap();
    eprintln!(
        "expediente over HTTP: {} bytes in {} ms",
        zip.len(),
        started.elapsed().as_millis()
    );
    let files = unzip(&zip);
    let listed = index_paths(&files);
    let held: BTreeSet<String> = files.keys().cloned().collect();
    assert_eq!(listed, held, "indice.csv lists exactly the ZIP's files");
    for expected in ["indice.html", "completitud.csv", "completitud.html"] {
        assert!(held.contains(expected), "{expected} missing from {held:?}");
    }
    assert!(
        held.iter()
            .any(|p| p.starts_with("cuadernillo/") && p.ends_with(".pdf")),
        "{held:?}"
    );
    let photos: Vec<&String> = held.iter().filter(|p| p.starts_with("fotos/")).collect();
    assert_eq!(photos.len(), 1, "{held:?}");
    assert_eq!(
        files[photos[0]], prepared,
        "the receipt photo has the device's bytes"
    );

    // Another state's account: 403, and no ZIP.
    let oaxaca = sign_in(&server, "oaxaca").await;
    let resp = browser()
        .get(format!("{}{path}", server.url))
        .header("cookie", &oaxaca)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    assert_ne!(resp.headers()["content-type"], "application/zip");

    // The admin command writes the same files from the same data, and cleans up its
    // work folder (kept under a temporary directory of the test's own).
    let tmp = dir.path().join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let out = dir.path().join("expediente.zip");
    let started = Instant::now();
    let run = Command::new(BIN)
        .arg("--db")
        .arg(&server.db)
        .arg("--blobs")
        .arg(&server.blobs)
        .args(["expediente", "--clues", CLUES, "--year", &YEAR.to_string()])
        .arg("--out")
        .arg(&out)
        .env("RUST_LOG", "warn")
        .env("TMPDIR", &tmp)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "expediente failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    eprintln!(
        "expediente from the CLI: {} ms ({})",
        started.elapsed().as_millis(),
        String::from_utf8_lossy(&run.stdout).trim()
    );
    let from_cli = unzip(&std::fs::read(&out).unwrap());
    assert_eq!(
        from_cli.keys().collect::<Vec<_>>(),
        files.keys().collect::<Vec<_>>()
    );
    assert_eq!(from_cli[photos[0]], prepared);
    assert!(
        tree(&tmp).is_empty() && std::fs::read_dir(&tmp).unwrap().next().is_none(),
        "the work folder stayed: {:?}",
        tree(&tmp)
    );
    assert!(!dir.path().join("expediente.zip.part").exists());

    // Nothing was written into the server's photo folder (no thumbnails there).
    assert_eq!(tree(&server.blobs), server_blobs_before);
}
