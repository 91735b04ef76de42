//! The acta: its model (golden) and the PDF's extractable text.

use crate::support::*;
use cosabi_reports::{acta_document, acta_pdf, Error};

/// Amendments are dated the day they are written: the golden text says "[hoy]".
fn without_today(text: &str) -> String {
    let today = chrono::Local::now()
        .date_naive()
        .format("%d/%m/%Y")
        .to_string();
    text.replace(&today, "[hoy]")
}

#[test]
fn acta_model_is_golden() {
    let dir = tempfile::tempdir().unwrap();
    let (r, f) = fixture(&dir);
    let doc = acta_document(&r, f.assembly).unwrap();
    insta::assert_snapshot!("acta", without_today(&doc.to_text()));
    let draft = acta_document(&r, f.draft_assembly).unwrap();
    insta::assert_snapshot!("acta_draft", draft.to_text());
}

#[test]
fn acta_pdf_text_can_be_extracted() {
    let dir = tempfile::tempdir().unwrap();
    let (r, f) = fixture(&dir);
    let pdf = acta_pdf(&r, f.assembly).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let pages = pdf_pages_text(&pdf);
    let m = pages.len();
    assert!(m >= 3, "long minutes flow onto more pages, got {m}");
    for (i, text) in pages.iter().enumerate() {
        let footer = format!("Página {} de {m}", i + 1);
        assert!(
            text.contains(&footer),
            "page {} lacks {footer:?}:\n{text}",
            i + 1
        );
    }
    let all = pages.join("\n");
    for expected in [
        "Acta de asamblea ordinaria",
        "VZIMB000417",
        "Centro de Salud Rural Tlaquilpa (demostración)",
        "Tlaquilpa",
        "Veracruz",
        "20/03/2025",
        "Sala de espera del Centro de Salud",
        "Firma o huella",
        "Juana Tzompaxtle Xocua",
        "Comprar un baumanómetro digital para el consultorio",
        "30/04/2025",
        "Cumplido",
        "Asistentes de la comunidad",
        "23",
        "Sí hay quórum",
        "Enmiendas posteriores al cierre",
        "debe decir «veinticuatro».",
        "Presidente(a)",
        "Secretario(a)",
        "Tesorero(a)",
    ] {
        assert!(
            all.contains(expected),
            "{expected:?} not in the PDF text:\n{all}"
        );
    }
    // The last words of the minutes made it to a later page.
    let last = pages
        .iter()
        .position(|p| p.contains("FIN DEL ACTA"))
        .unwrap();
    assert!(last >= 1, "the minutes end on page {}", last + 1);
}

#[test]
fn a_missing_assembly_is_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let (r, _) = fixture(&dir);
    let err = acta_pdf(&r, uuid::Uuid::now_v7()).unwrap_err();
    assert!(
        matches!(
            err,
            Error::NotFound {
                what: "assembly",
                ..
            }
        ),
        "{err}"
    );
    let empty = cosabi_replica::Replica::open_in_memory().unwrap();
    assert_eq!(
        acta_pdf(&empty, uuid::Uuid::now_v7()).unwrap_err().code(),
        "no_clinic"
    );
}
