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
    let a = r.assembly(f.assembly).unwrap().unwrap().assembly;
    let mut text = doc.to_text();
    // Opened and closed a moment ago: the golden text says "[día] a las [hora]".
    for at in [&a.opened_at, &a.closed_at] {
        text = text.replace(&local(at.as_deref().unwrap()), "[día] a las [hora]");
    }
    insta::assert_snapshot!("acta", without_today(&text));
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
        "Presidenta",
        "Secretario",
        "Tesorera",
        "Rosa Tepole Xocua",
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

/// An RFC 3339 time as the acta prints it: local time, "`dd/mm/aaaa` a las `HH:MM`".
fn local(at: &str) -> String {
    format!(
        "{} a las {}",
        local_as(at, "%d/%m/%Y"),
        local_as(at, "%H:%M")
    )
}

fn local_as(at: &str, format: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(at)
        .unwrap()
        .with_timezone(&chrono::Local)
        .format(format)
        .to_string()
}

#[test]
fn a_closed_acta_says_when_and_by_whom_and_is_signed_only_with_a_photo() {
    let dir = tempfile::tempdir().unwrap();
    let (mut r, f) = fixture(&dir);
    let a = r.assembly(f.assembly).unwrap().unwrap().assembly;
    let text = acta_document(&r, f.assembly).unwrap().to_text();
    let opened = format!(
        "Abierta el {} por Juana Tzompaxtle Xocua",
        local(a.opened_at.as_deref().unwrap())
    );
    // When (date and time apart, as people say it) and by whom, with their office.
    let closed = format!(
        "Cerrada el {} por Rogelio Tepole Colohua, Secretario",
        local(a.closed_at.as_deref().unwrap())
    );
    assert!(text.contains(&opened), "{opened:?} not in\n{text}");
    assert!(text.contains(&closed), "{closed:?} not in\n{text}");
    // The fixture's acta has a photo of the signed paper.
    assert!(text.contains("firmada"), "{text}");

    // Closed without a photo: closed, not signed.
    let members = r.members().unwrap();
    let b = r
        .create_assembly(&cosabi_core::assembly::NewAssembly {
            kind: "ordinaria".into(),
            date: "10/07/2025".into(),
            place: "Escuela primaria".into(),
            ..Default::default()
        })
        .unwrap();
    let text = acta_document(&r, b.id).unwrap().to_text();
    assert!(
        text.contains("Estado del acta: Borrador (sin validez)"),
        "{text}"
    );
    let opened = r.open_assembly(b.id, members[0].id).unwrap();
    let text = acta_document(&r, b.id).unwrap().to_text();
    let line = format!(
        "Abierta el {} por {}",
        local(opened.opened_at.as_deref().unwrap()),
        members[0].name
    );
    assert!(text.contains(&line), "{line:?} not in\n{text}");
    assert!(text.contains("sin validez"), "{text}");
    let closed = r.close_assembly(b.id, members[1].id).unwrap();
    assert_eq!(closed.closed_by, Some(members[1].id));
    let text = acta_document(&r, b.id).unwrap().to_text();
    let line = format!(
        "Cerrada el {} por {}, ",
        local(closed.closed_at.as_deref().unwrap()),
        members[1].name
    );
    assert!(text.contains(&line), "{line:?} not in\n{text}");
    assert!(!text.contains("firmada"), "{text}");
    assert!(!text.contains("sin validez"), "{text}");
}

#[test]
fn every_member_present_signs_under_a_role_named_by_gender() {
    let dir = tempfile::tempdir().unwrap();
    let (r, f) = fixture(&dir);
    let text = acta_document(&r, f.assembly).unwrap().to_text();
    let signatures: Vec<&str> = text.lines().filter(|l| l.starts_with("________")).collect();
    assert_eq!(
        signatures,
        vec![
            "________ Juana Tzompaxtle Xocua · Presidenta",
            "________ Rogelio Tepole Colohua · Secretario",
            "________ Maria Cuaquehua T. · Tesorera",
            "________ Pedro Temoxtle Sánchez · Vocal de saneamiento",
            "________ Lucía Panzo Itehua · Vocal de nutrición",
            "________ Tomás Coyotl Macuixtle · Vocal de educación para la salud",
            "________ Ernesto Zepahua Tlacotempa · Contraloría social",
        ],
        "{text}"
    );
    assert!(!text.contains("(a)"), "no «Presidente(a)»:\n{text}");
}

#[test]
fn community_attendees_are_listed_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let (r, f) = fixture(&dir);
    let text = acta_document(&r, f.assembly).unwrap().to_text();
    assert!(
        text.contains("Asistentes de la comunidad: 23 (3 con nombre)"),
        "{text}"
    );
    for name in ["| 1 | Rosa Tepole Xocua |", "| 3 | Jacinto Tlaxcala |"] {
        assert!(text.contains(name), "{name:?} not in\n{text}");
    }
}
