//! The public verification page, against a real server process: a document a device
//! made and synced verifies by its code (typed or from the QR code); after one of its
//! records changes and syncs, it does not, and the page says what changed; a forged
//! file with the same code is told apart from the original; unknown codes get one
//! answer whether or not their clinic exists; the documents of an expediente the
//! server makes verify too.

mod support;

use cosabi_core::ledger::PurchaseAmounts;
use cosabi_reports::model::Block;
use cosabi_reports::seal::{seal, Issuer};
use std::io::Read;
use support::*;

/// The demo clinic (`assets/demo/clinic.json`), in Veracruz.
const CLUES: &str = "VZIMB000417";
const YEAR: i32 = 2025;

async fn get(server: &Server, path: &str) -> (u16, String, reqwest::header::HeaderMap) {
    let resp = browser()
        .get(format!("{}{path}", server.url))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    (status, resp.text().await.unwrap(), headers)
}

async fn post_file(server: &Server, bytes: Vec<u8>) -> (u16, String) {
    let form = reqwest::multipart::Form::new().part(
        "archivo",
        reqwest::multipart::Part::bytes(bytes)
            .file_name("documento.pdf")
            .mime_str("application/pdf")
            .unwrap(),
    );
    let resp = browser()
        .post(format!("{}/verificar/archivo", server.url))
        .multipart(form)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_synced_document_verifies_until_a_record_changes_and_forged_files_are_told_apart() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), "127.0.0.1:0");
    let code = add_clinic(&server.db, CLUES);
    let device = Device::enroll(dir.path(), "phone", &server.url, &code).await;
    let issuer = Issuer::now(Some(server.url.clone()));

    // The treasurer records a purchase and prints the cuadernillo; the seal syncs.
    let (pdf, forged, seal_code, purchase_id) = device.with(|r| {
        r.load_demo().unwrap();
        let p = r.record_purchase(&purchase("Cemento gris 50 kg")).unwrap();
        let sealing = seal(
            r,
            cosabi_core::seal::DocKind::Cuadernillo,
            &YEAR.to_string(),
            &issuer,
        )
        .unwrap();
        let mut doc = cosabi_reports::cuadernillo_document(r, YEAR).unwrap();
        let pdf = cosabi_reports::render_pdf_sealed(&doc, Some(&sealing.mark)).unwrap();
        let mut new_seal = sealing.seal.clone();
        new_seal.file_sha256 = Some(
            sha2::Digest::finalize(sha2::Digest::chain_update(
                <sha2::Sha256 as sha2::Digest>::new(),
                &pdf,
            ))
            .into(),
        );
        r.record_seal(&new_seal).unwrap();
        // The same document with one amount changed, printed with the same seal.
        'forge: for block in &mut doc.blocks {
            if let Block::Table(t) = block {
                for row in &mut t.rows {
                    for cell in row.iter_mut() {
                        if cell.starts_with('$') {
                            *cell = "$9,800.00".into();
                            break 'forge;
                        }
                    }
                }
            }
        }
        let forged = cosabi_reports::render_pdf_sealed(&doc, Some(&sealing.mark)).unwrap();
        (pdf, forged, sealing.seal.code, p.id)
    });
    device.sync(&server.url).await;

    // The code's page, as the QR code opens it.
    let (status, page, headers) = get(&server, &format!("/verificar/{seal_code}")).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("El documento coincide con los registros"),
        "{page}"
    );
    assert!(
        page.contains("Cuadernillo de control de gastos 2025"),
        "{page}"
    );
    assert!(page.contains(CLUES));
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'none'"), "{csp}");
    // No personal data on a public page: the member who made it shows as a role.
    for name in ["Juana", "Rogelio", "Cuaquehua"] {
        assert!(!page.contains(name), "{name} on the public page");
    }

    // Typed from paper: lower case, spaces, O for 0.
    let typed = seal_code.to_lowercase().replace('-', " ").replace('0', "o");
    let resp = browser()
        .get(format!(
            "{}/verificar?codigo={}",
            server.url,
            typed.replace(' ', "+")
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(
        resp.headers()["location"].to_str().unwrap(),
        format!("/verificar/{seal_code}")
    );

    // The file itself: the original, and the forged one.
    let (status, page) = post_file(&server, pdf.clone()).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Es el archivo original"), "{page}");
    let (status, page) = post_file(&server, forged).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Este archivo fue modificado"), "{page}");
    assert!(!page.contains("Es el archivo original"), "{page}");

    // One purchase corrected on the device and synced: the page says what changed.
    device.with(|r| {
        r.update_purchase_amounts(
            purchase_id,
            &PurchaseAmounts {
                quantity: "5".into(),
                unit_cost: "245".into(),
            },
        )
        .unwrap();
    });
    device.sync(&server.url).await;
    let (status, page, _) = get(&server, &format!("/verificar/{seal_code}")).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("Los registros cambiaron después de generar el documento"),
        "{page}"
    );
    assert!(page.contains("Compra: cantidad, importe"), "{page}");
    assert!(!page.contains("El documento coincide"), "{page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_codes_get_one_answer_whether_or_not_their_clinic_exists() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), "127.0.0.1:0");
    let code = add_clinic(&server.db, CLUES);
    let device = Device::enroll(dir.path(), "phone", &server.url, &code).await;
    device.with(|r| {
        r.load_demo().unwrap();
    });
    device.sync(&server.url).await;

    let mut answers = Vec::new();
    for path in [
        // A clinic that syncs, a code it never printed.
        format!("/verificar/{CLUES}-0000-0000"),
        // A CLUES no server knows.
        "/verificar/CSIMB999999-0000-0000".to_owned(),
        // Not a code at all.
        "/verificar/hola".to_owned(),
        format!("/verificar/{}", "9".repeat(2_000)),
    ] {
        let (status, page, _) = get(&server, &path).await;
        assert_eq!(status, 404, "{path:.60}");
        answers.push(page);
    }
    assert!(answers.windows(2).all(|w| w[0] == w[1]), "{answers:#?}");
    assert!(answers[0].contains("No encontramos un documento con ese código"));

    // The form, and a file that is no Cosabi document.
    let (status, page, _) = get(&server, "/verificar").await;
    assert_eq!(status, 200);
    assert!(page.contains("Código de verificación"), "{page}");
    let (status, page) = post_file(&server, b"%PDF-1.7 not ours".to_vec()).await;
    assert_eq!(status, 200);
    assert!(page.contains("no es un documento de Cosabi"), "{page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_documents_of_an_expediente_the_server_makes_verify_there() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), "127.0.0.1:0");
    let code = add_clinic(&server.db, CLUES);
    let device = Device::enroll(dir.path(), "phone", &server.url, &code).await;
    device.with(|r| {
        r.load_demo().unwrap();
        r.record_purchase(&purchase("Pintura vinílica 19 L"))
            .unwrap();
    });
    device.sync(&server.url).await;

    // The IT person's command writes it; its index names its code.
    let zip_path = dir.path().join("expediente.zip");
    admin(
        &server.db,
        &[
            "expediente",
            "--clues",
            CLUES,
            "--year",
            &YEAR.to_string(),
            "--out",
            zip_path.to_str().unwrap(),
        ],
    );
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&zip_path).unwrap()).unwrap();
    let mut html = String::new();
    archive
        .by_name("indice.html")
        .unwrap()
        .read_to_string(&mut html)
        .unwrap();
    let at = html
        .find("Código de verificación ")
        .expect("the index names its code");
    let index_code: String = html[at + "Código de verificación ".len()..]
        .chars()
        .take(21)
        .collect();
    let (status, page, _) = get(&server, &format!("/verificar/{index_code}")).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Expediente 2025"), "{page}");
    assert!(
        page.contains("El documento coincide con los registros"),
        "{page}"
    );
}
