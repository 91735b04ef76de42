//! Sealed documents: a document verifies; after any one record it was made from
//! changes it does not; a forged file with the same code does not; a rewrite by the
//! device that made it does not; the QR code printed on it reads back as its code.

use crate::support::*;
use chrono::{TimeZone, Utc};
use cosabi_core::ledger::PurchaseAmounts;
use cosabi_reports::seal::{seal, Issuer};
use cosabi_reports::{
    cuadernillo_document, expediente_zip_sealed, issue_acta, issue_cuadernillo, render_pdf_sealed,
    verify_code, verify_file, FileCheck, Verdict,
};
use std::process::Command;

const YEAR: i32 = 2025;
const SERVER: &str = "https://cosabi.example.gob.mx";

fn issuer() -> Issuer {
    Issuer::at(
        Utc.with_ymd_and_hms(2026, 12, 3, 16, 32, 5).unwrap(),
        Some(SERVER.into()),
    )
}

/// The code printed in a sealed PDF's text (every page's footer names it).
fn printed_code(pdf: &[u8]) -> String {
    let text = pdf_pages_text(pdf).join("\n");
    let at = text
        .find("Código de verificación ")
        .expect("the footer names the code");
    text[at + "Código de verificación ".len()..]
        .chars()
        .take(21)
        .collect()
}

#[test]
fn a_sealed_acta_verifies_and_every_page_says_when_and_how() {
    let dir = tempfile::tempdir().unwrap();
    let (mut r, f) = fixture(&dir);
    let pdf = issue_acta(&mut r, f.assembly, &issuer()).unwrap();
    let pages = pdf_pages_text(&pdf);
    let code = printed_code(&pdf);
    for (i, page) in pages.iter().enumerate() {
        assert!(
            page.contains("Generado el 03/12/2026 10:32 con Cosabi "),
            "page {} lacks the generated line:\n{page}",
            i + 1
        );
        assert!(page.contains(&code), "page {} lacks the code", i + 1);
    }
    let last = pages.last().unwrap();
    assert!(last.contains("Verificación de este documento"), "{last}");
    assert!(
        last.contains("https://cosabi.example.gob.mx/verificar"),
        "{last}"
    );

    let v = verify_code(&r, &code)
        .unwrap()
        .expect("the seal was recorded");
    assert_eq!(v.verdict, Verdict::Matches, "{v:?}");
    assert!(v
        .document
        .starts_with("Acta de asamblea ordinaria del 20/03/2025"));
    assert!(v.records > 10, "{v:?}");
    assert!(v.changes.is_empty());
    assert_eq!(v.devices_behind, 0);
    // As a person types it from paper.
    let typed = code.to_lowercase().replace('-', " ");
    assert_eq!(verify_code(&r, &typed).unwrap().unwrap().code, code);

    // The PDF's own dates are when it was made, not 1970.
    let doc = lopdf::Document::load_mem(&pdf).unwrap();
    let info = doc.trailer.get(b"Info").unwrap().as_reference().unwrap();
    let info = doc.get_dictionary(info).unwrap();
    let created = info.get(b"CreationDate").unwrap().as_str().unwrap();
    assert!(
        String::from_utf8_lossy(created).contains("20261203"),
        "{:?}",
        String::from_utf8_lossy(created)
    );
}

#[test]
fn the_printed_qr_code_reads_back_as_the_verification_address() {
    let dir = tempfile::tempdir().unwrap();
    let (mut r, f) = fixture(&dir);
    let pdf = issue_acta(&mut r, f.assembly, &issuer()).unwrap();
    let code = printed_code(&pdf);
    let pdf_path = dir.path().join("acta.pdf");
    std::fs::write(&pdf_path, &pdf).unwrap();
    let pages = pdf_pages_text(&pdf).len();
    // What an auditor's pdftotext reads: the code and when it was made, on every page.
    let out = Command::new("pdftotext")
        .args(["-layout"])
        .arg(&pdf_path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils, installed by scripts/setup.sh)");
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.matches(&code).count(), pages + 1, "{text}");
    assert_eq!(text.matches("Generado el ").count(), pages, "{text}");
    let png = dir.path().join("last");
    // The last page, at 150 dpi: a phone's photo of the printed page, more or less.
    let out = Command::new("pdftoppm")
        .args(["-png", "-r", "150", "-singlefile", "-f"])
        .arg(pages.to_string())
        .arg(&pdf_path)
        .arg(&png)
        .output()
        .expect("pdftoppm (poppler-utils, installed by scripts/setup.sh)");
    assert!(out.status.success(), "{out:?}");
    let bytes = std::fs::read(png.with_extension("png")).unwrap();
    let read = cosabi_replica::decode_qr(&bytes)
        .unwrap()
        .expect("a QR code on the last page");
    assert_eq!(read, format!("{SERVER}/verificar/{code}"));
    // What a scanner reads verifies like the typed code.
    assert_eq!(
        verify_code(&r, &read).unwrap().unwrap().verdict,
        Verdict::Matches
    );
}

#[test]
fn a_cuadernillo_stops_verifying_when_any_purchase_changes_and_says_what_changed() {
    let dir = tempfile::tempdir().unwrap();
    let (mut r, _) = fixture(&dir);
    let pdf = issue_cuadernillo(&mut r, YEAR, &issuer()).unwrap();
    let code = printed_code(&pdf);
    assert_eq!(
        verify_code(&r, &code).unwrap().unwrap().verdict,
        Verdict::Matches
    );

    let purchase = r
        .purchases(YEAR, &Default::default())
        .unwrap()
        .into_iter()
        .next()
        .unwrap();
    r.update_purchase_amounts(
        purchase.id,
        &PurchaseAmounts {
            quantity: "3".into(),
            unit_cost: "1000.00".into(),
        },
    )
    .unwrap();
    let v = verify_code(&r, &code).unwrap().unwrap();
    assert_eq!(v.verdict, Verdict::ChangedSince, "{v:?}");
    assert_eq!(v.changes.len(), 1, "{:?}", v.changes);
    assert!(
        v.changes[0].starts_with("Compra: cantidad, costo unitario, importe"),
        "{:?}",
        v.changes
    );
    assert!(v.changes[0].contains("hora del centro de México"));

    // A cuadernillo made now verifies again.
    let later = Issuer::at(
        Utc.with_ymd_and_hms(2026, 12, 3, 17, 0, 0).unwrap(),
        Some(SERVER.into()),
    );
    let again = printed_code(&issue_cuadernillo(&mut r, YEAR, &later).unwrap());
    assert_ne!(again, code);
    assert_eq!(
        verify_code(&r, &again).unwrap().unwrap().verdict,
        Verdict::Matches
    );
}

#[test]
fn a_record_added_to_what_a_document_covers_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let (mut r, f) = fixture(&dir);
    let code = printed_code(&issue_acta(&mut r, f.assembly, &issuer()).unwrap());
    r.add_agreement(
        f.assembly,
        &cosabi_core::assembly::NewAgreement {
            text: "Un acuerdo añadido después".into(),
            responsible_id: None,
            due_date: String::new(),
        },
    )
    .ok();
    // A closed acta takes no new agreement; a correction does change what it covers.
    r.add_amendment(f.assembly, "Se corrige la hora de cierre")
        .unwrap();
    let v = verify_code(&r, &code).unwrap().unwrap();
    assert_eq!(v.verdict, Verdict::ChangedSince, "{v:?}");
    assert!(
        v.changes
            .iter()
            .any(|c| c.starts_with("Enmienda: registro nuevo")),
        "{:?}",
        v.changes
    );
}

#[test]
fn a_forged_file_with_the_same_code_does_not_verify() {
    let dir = tempfile::tempdir().unwrap();
    let (r, _) = fixture(&dir);
    let sealing = seal(
        &r,
        cosabi_core::seal::DocKind::Cuadernillo,
        &YEAR.to_string(),
        &issuer(),
    )
    .unwrap();
    let mut doc = cuadernillo_document(&r, YEAR).unwrap();
    let genuine = render_pdf_sealed(&doc, Some(&sealing.mark)).unwrap();
    let mut r = r;
    let mut seal_to_record = sealing.seal.clone();
    seal_to_record.file_sha256 = Some(sha2_of(&genuine));
    r.record_seal(&seal_to_record).unwrap();

    // The same document with one amount changed, printed with the same seal.
    let mut changed = false;
    for block in &mut doc.blocks {
        if let cosabi_reports::model::Block::Table(t) = block {
            for row in &mut t.rows {
                for cell in row.iter_mut() {
                    if !changed && cell.starts_with('$') {
                        *cell = "$99,999.00".into();
                        changed = true;
                    }
                }
            }
        }
    }
    assert!(changed, "the cuadernillo prints amounts");
    let forged = render_pdf_sealed(&doc, Some(&sealing.mark)).unwrap();
    assert_eq!(printed_code(&forged), sealing.seal.code);

    match verify_file(&r, &genuine).unwrap() {
        FileCheck::Original { verification } => {
            assert_eq!(verification.verdict, Verdict::Matches)
        }
        other => panic!("the genuine file: {other:?}"),
    }
    match verify_file(&r, &forged).unwrap() {
        FileCheck::Altered { code, verification } => {
            assert_eq!(code.as_deref(), Some(sealing.seal.code.as_str()));
            // The code itself is genuine: its records are there to compare with.
            assert!(verification.is_some());
        }
        other => panic!("the forged file must not pass: {other:?}"),
    }
    assert_eq!(
        verify_file(&r, b"%PDF-1.7 nothing").unwrap(),
        FileCheck::Unknown
    );
}

fn sha2_of(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).into()
}

#[test]
fn a_document_stops_verifying_once_the_device_that_made_it_rewrites_its_records() {
    let dir = tempfile::tempdir().unwrap();
    let (mut r, f) = fixture(&dir);
    let code = printed_code(&issue_acta(&mut r, f.assembly, &issuer()).unwrap());
    // The device re-records its own writes under a fresh site (what a copied data
    // folder does once the copy is found out): every version changes.
    r.move_to_fresh_site(1).unwrap();
    let v = verify_code(&r, &code).unwrap().unwrap();
    assert_ne!(v.verdict, Verdict::Matches, "{v:?}");
}

#[test]
fn another_device_verifies_what_it_synced_and_says_when_it_lacks_changes() {
    let dir = tempfile::tempdir().unwrap();
    let (mut a, f) = fixture(&dir);
    let code = printed_code(&issue_acta(&mut a, f.assembly, &issuer()).unwrap());
    let mut b = open(&dir, "b");
    for page in a.pages_since(&Default::default()).unwrap() {
        b.apply_page(&page).unwrap();
    }
    let v = verify_code(&b, &code).unwrap().unwrap();
    assert_eq!(v.verdict, Verdict::Matches, "{v:?}");

    // A replica holding the seal but missing a change the acta was made from: the
    // tesorero's name as the fixture's second device wrote it, relayed by nobody yet.
    let mut c = open(&dir, "c");
    let own = a.site_id();
    for page in a.pages_since(&Default::default()).unwrap() {
        let mut kept = page.clone();
        kept.groups.retain(|g| g.site == own);
        kept.tags.clear();
        c.apply_page(&kept).unwrap();
    }
    let v = verify_code(&c, &code).unwrap().unwrap();
    assert_eq!(v.verdict, Verdict::DoesNotMatch, "{v:?}");
    assert!(v.devices_behind >= 1, "{v:?}");
}

#[test]
fn unknown_and_malformed_codes_are_answered_alike() {
    let dir = tempfile::tempdir().unwrap();
    let (r, _) = fixture(&dir);
    for input in [
        "VZIMB000417-0000-0000",
        "VZIMB000417-AAAA-AAAA",
        "nada",
        "",
        &"9".repeat(100_000),
    ] {
        assert_eq!(verify_code(&r, input).unwrap(), None, "{input:.40}");
    }
}

#[test]
fn a_sealed_expediente_seals_each_document_and_its_index() {
    let dir = tempfile::tempdir().unwrap();
    let (mut r, _) = fixture(&dir);
    let mut zip = std::io::Cursor::new(Vec::new());
    let report = expediente_zip_sealed(&r, YEAR, &mut zip, &issuer()).unwrap();
    let actas = report
        .files
        .iter()
        .filter(|f| f.kind == cosabi_reports::FileKind::Acta)
        .count();
    // Every acta, the cuadernillo and the index.
    assert_eq!(report.seals.len(), actas + 2, "{:?}", report.seals);
    let index_code = report.seals.last().unwrap().code.clone();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip.into_inner())).unwrap();
    let mut html = String::new();
    std::io::Read::read_to_string(&mut archive.by_name("indice.html").unwrap(), &mut html).unwrap();
    assert!(html.contains(&index_code), "{html}");
    for s in &report.seals {
        r.record_seal(s).unwrap();
    }
    for s in &report.seals {
        let v = verify_code(&r, &s.code).unwrap().unwrap();
        assert_eq!(v.verdict, Verdict::Matches, "{} {v:?}", s.code);
    }
}
