//! The expediente ZIP: its index against its contents, file names, and the
//! completeness report against the gaps the fixture was built with.

use crate::support::*;
use cosabi_reports::{completeness, expediente_zip, FileKind};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{Cursor, Read};

fn unzip(bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut out = BTreeMap::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap();
        assert!(
            out.insert(f.name().unwrap().into_owned(), data).is_none(),
            "a name twice"
        );
    }
    out
}

#[test]
fn the_index_lists_every_file_and_every_listed_file_exists() {
    let dir = tempfile::tempdir().unwrap();
    let (r, f) = fixture(&dir);
    let mut out = Cursor::new(Vec::new());
    let report = expediente_zip(&r, YEAR, &mut out).unwrap();
    let files = unzip(out.get_ref());
    let in_zip: BTreeSet<&str> = files.keys().map(String::as_str).collect();

    let csv = String::from_utf8(files["indice.csv"].clone()).unwrap();
    let csv = csv.strip_prefix('\u{feff}').expect("a byte-order mark");
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("Archivo,Tipo,Registro,Descripción"));
    let listed: BTreeSet<&str> = lines.map(|l| l.split(',').next().unwrap()).collect();
    assert_eq!(listed, in_zip);
    let reported: BTreeSet<&str> = report.files.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(reported, in_zip);
    let html = String::from_utf8(files["indice.html"].clone()).unwrap();
    for path in &in_zip {
        assert!(html.contains(&format!("<a href=\"{path}\">")), "{path}");
    }

    // Every record file points at its record.
    for e in &report.files {
        match e.kind {
            FileKind::Index | FileKind::Completeness => assert!(e.record.is_none()),
            _ => assert!(e.record.is_some() && e.table.is_some(), "{e:?}"),
        }
    }

    for expected in [
        "actas/2025-03-20_acta-ordinaria.pdf",
        "actas/2025-03-20_acta-ordinaria_firmada_1.jpg",
        "actas/2025-06-05_acta-extraordinaria.pdf",
        "cuadernillo/cuadernillo-de-control-de-gastos-2025.pdf",
        "cuadernillo/cuadernillo-de-control-de-gastos-2025.xlsx",
        "fotos/2025-03-20_baumanometro-digital_1.jpg",
        "fotos/2025-04-02_banca-de-espera-de-3-plazas_1.jpg",
        "fotos/2025-03-18_baumanometro-digital-y-estetoscopio_antes_1.jpg",
        "fotos/2025-04-02_baumanometro-digital-y-estetoscopio_despues_1.jpg",
        "fotos/sin-fecha_bancas-para-la-sala-de-espera_antes_1.jpg",
        "completitud.html",
        "completitud.csv",
    ] {
        assert!(in_zip.contains(expected), "{expected} not in {in_zip:#?}");
    }
    let photos = report
        .files
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                FileKind::ReceiptPhoto
                    | FileKind::BeforePhoto
                    | FileKind::AfterPhoto
                    | FileKind::ActaPhoto
            )
        })
        .count();
    assert_eq!(photos, f.photos_on_device);
    for (name, data) in &files {
        if name.ends_with(".pdf") {
            assert!(data.starts_with(b"%PDF-"), "{name}");
        }
        if name.ends_with(".jpg") {
            assert!(data.starts_with(&[0xFF, 0xD8]), "{name}");
            let sha = cosabi_replica::blob_name(data);
            assert_eq!(r.photo_bytes(&sha).unwrap().as_ref(), Some(data), "{name}");
        }
        assert!(name.is_ascii() && !name.contains(' '), "{name}");
    }
}

#[test]
fn completeness_finds_exactly_the_gaps_the_fixture_was_built_with() {
    let dir = tempfile::tempdir().unwrap();
    let (r, f) = fixture(&dir);
    let c = completeness(&r, YEAR).unwrap();
    let found: BTreeSet<_> = c.gaps.iter().map(|g| (g.kind, g.record)).collect();
    assert_eq!(found, f.gaps, "{:#?}", c.gaps);
    assert_eq!(c.gaps.len(), f.gaps.len(), "each gap once: {:#?}", c.gaps);

    let mut out = Cursor::new(Vec::new());
    let report = expediente_zip(&r, YEAR, &mut out).unwrap();
    assert_eq!(report.completeness, c);
    let files = unzip(out.get_ref());
    let csv = String::from_utf8(files["completitud.csv"].clone()).unwrap();
    assert_eq!(csv.lines().count(), 1 + c.gaps.len());
    let html = String::from_utf8(files["completitud.html"].clone()).unwrap();
    assert!(html.contains(&format!("Se encontraron {} faltantes.", c.gaps.len())));
    assert!(html.contains("Compra sin comprobante"));
    for g in &c.gaps {
        assert!(csv.contains(&g.description), "{g:?}");
    }
    let index = String::from_utf8(files["indice.csv"].clone()).unwrap();
    let index_html = String::from_utf8(files["indice.html"].clone()).unwrap();
    for (name, text) in [
        ("completitud.csv", &csv),
        ("completitud.html", &html),
        ("indice.csv", &index),
        ("indice.html", &index_html),
    ] {
        speaks_spanish_only(name, text, &c);
    }
}

/// No internal code, table or column name, and no id, in what people read.
fn speaks_spanish_only(name: &str, text: &str, c: &cosabi_reports::Completeness) {
    for g in &c.gaps {
        assert!(!text.contains(g.kind.code()), "{name}: {:?}", g.kind.code());
        assert!(
            !text.contains(&g.record.to_string()),
            "{name}: {}",
            g.record
        );
    }
    // File names are slugs; anything else must not read like a code.
    let people: String = text
        .split(['\n', ',', '<', '>', '"'])
        .filter(|cell| !cell.contains('/') && !cell.contains(".csv") && !cell.contains(".html"))
        .collect::<Vec<_>>()
        .join("\n");
    for code in [
        "_",
        "action",
        "purchase",
        "receipt",
        "assembly",
        "member",
        "clinic",
        "photo",
        "Id del registro",
        "Código",
        ".name",
    ] {
        assert!(!people.contains(code), "{name} says {code:?}:\n{people}");
    }
    let uuid = regex_lite_uuid(&people);
    assert!(uuid.is_none(), "{name} holds an id: {uuid:?}");
}

/// The first thing shaped like a UUID (8-4-4-4-12 hex digits) in `s`.
fn regex_lite_uuid(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let shape = [8, 4, 4, 4, 12];
    (0..b.len()).find_map(|i| {
        let mut j = i;
        for (k, n) in shape.iter().enumerate() {
            let hex = b.get(j..j + n)?;
            if !hex.iter().all(u8::is_ascii_hexdigit) {
                return None;
            }
            j += n;
            if k < 4 {
                if b.get(j) != Some(&b'-') {
                    return None;
                }
                j += 1;
            }
        }
        Some(s[i..j].to_owned())
    })
}

#[test]
fn one_gap_is_singular() {
    let dir = tempfile::tempdir().unwrap();
    let mut r = open(&dir, "one");
    r.load_demo().unwrap();
    r.create_assembly(&cosabi_core::assembly::NewAssembly {
        kind: "ordinaria".into(),
        date: "10/07/2025".into(),
        place: "Escuela primaria".into(),
        ..Default::default()
    })
    .unwrap();
    let mut out = Cursor::new(Vec::new());
    let report = expediente_zip(&r, YEAR, &mut out).unwrap();
    assert_eq!(report.completeness.gaps.len(), 1);
    let files = unzip(out.get_ref());
    let html = String::from_utf8(files["completitud.html"].clone()).unwrap();
    assert!(html.contains("Se encontró 1 faltante."), "{html}");
    speaks_spanish_only("completitud.html", &html, &report.completeness);
}

#[test]
fn a_complete_year_has_no_gaps() {
    let dir = tempfile::tempdir().unwrap();
    let mut r = open(&dir, "empty");
    r.load_demo().unwrap();
    let c = completeness(&r, YEAR).unwrap();
    assert!(c.is_complete(), "{c:?}");
    let mut out = Cursor::new(Vec::new());
    let report = expediente_zip(&r, YEAR, &mut out).unwrap();
    let files = unzip(out.get_ref());
    assert_eq!(files.len(), report.files.len());
    let html = String::from_utf8(files["completitud.html"].clone()).unwrap();
    assert!(html.contains("No se encontraron faltantes."));
}

/// A concept typed as a spreadsheet formula reaches the index (a photo's
/// description) and the completeness report (a purchase without receipt) as text:
/// each such cell starts with `'`, never with `=`.
#[test]
fn formula_like_cells_are_neutralised_in_the_index_and_the_completeness_csv() {
    use cosabi_core::ledger::NewPurchase;
    use cosabi_core::schema::PURCHASE;
    let dir = tempfile::tempdir().unwrap();
    let (mut r, _) = fixture(&dir);
    let concept = "=HYPERLINK(\"http://example.invalid\",\"ver\")";
    let p = r
        .record_purchase(&NewPurchase {
            date: "21/03/2025".into(),
            concept: concept.into(),
            quantity: "1".into(),
            unit_cost: "10".into(),
            supplier: "@proveedor".into(),
            category: "equipamiento".into(),
            paid_from: "efectivo".into(),
            ..Default::default()
        })
        .unwrap();
    r.attach_photo(PURCHASE.id, p.id, "receipt", &jpeg(9, 64, 48), "")
        .unwrap();
    let mut out = Cursor::new(Vec::new());
    expediente_zip(&r, YEAR, &mut out).unwrap();
    let files = unzip(out.get_ref());
    for name in ["indice.csv", "completitud.csv"] {
        let text = String::from_utf8(files[name].clone()).unwrap();
        assert!(
            text.contains("\"'=HYPERLINK(\"\"http://example.invalid\"\",\"\"ver\"\")"),
            "{name} neutralises the concept: {text}"
        );
        for line in text.lines() {
            for bad in [",=", ",\"=", ",+", ",@", ",\"@"] {
                assert!(!line.contains(bad), "{name}: a formula cell in {line:?}");
            }
            assert!(!line.starts_with('='), "{name}: {line:?}");
        }
    }
}

/// The streamed form (a writer that cannot seek, as a download's body) holds the
/// same files, each readable whole, as the seekable one.
#[test]
fn the_streamed_expediente_holds_the_same_files() {
    let dir = tempfile::tempdir().unwrap();
    let (r, _) = fixture(&dir);
    let issuer = cosabi_reports::Issuer::at(
        chrono::DateTime::parse_from_rfc3339("2025-07-01T12:00:00Z")
            .unwrap()
            .to_utc(),
        None,
    );
    let mut seekable = Cursor::new(Vec::new());
    let a = cosabi_reports::expediente_zip_sealed(&r, YEAR, &mut seekable, &issuer).unwrap();
    let mut streamed = Vec::new();
    let b =
        cosabi_reports::expediente_zip_sealed_streamed(&r, YEAR, &mut streamed, &issuer).unwrap();
    assert_eq!(a.files, b.files);
    let (a_files, b_files) = (unzip(seekable.get_ref()), unzip(&streamed));
    assert_eq!(
        a_files.keys().collect::<Vec<_>>(),
        b_files.keys().collect::<Vec<_>>()
    );
    for (name, bytes) in &a_files {
        if name.ends_with(".jpg") || name.ends_with(".csv") {
            assert_eq!(bytes, &b_files[name], "{name}");
        }
    }
}

/// The expediente's cuadernillo points to the receipt photos in its own ZIP instead
/// of carrying a second copy of each as a thumbnail (a clinic-year's 1,600 would
/// hold the server's memory); the cuadernillo printed alone keeps its thumbnails.
#[test]
fn the_expediente_cuadernillo_points_to_its_photos_instead_of_embedding_them() {
    let dir = tempfile::tempdir().unwrap();
    let (r, _) = fixture(&dir);
    let issuer = cosabi_reports::Issuer::at(
        chrono::DateTime::parse_from_rfc3339("2025-07-01T12:00:00Z")
            .unwrap()
            .to_utc(),
        None,
    );
    let mut zip = Vec::new();
    cosabi_reports::expediente_zip_sealed_streamed(&r, YEAR, &mut zip, &issuer).unwrap();
    let files = unzip(&zip);
    let (name, pdf) = files
        .iter()
        .find(|(n, _)| n.starts_with("cuadernillo/") && n.ends_with(".pdf"))
        .expect("a cuadernillo PDF in the expediente");
    let photos = files.keys().filter(|n| n.starts_with("fotos/")).count();
    assert!(photos > 0, "the fixture has receipt photos");
    let text = |pdf: &[u8]| {
        let path = dir.path().join("c.pdf");
        std::fs::write(&path, pdf).unwrap();
        let out = std::process::Command::new("pdftotext")
            .arg(&path)
            .arg("-")
            .output()
            .expect("pdftotext (poppler-utils)");
        String::from_utf8(out.stdout).unwrap()
    };
    let inside = text(pdf);
    assert!(inside.contains("Foto en la carpeta"), "{name}: {inside}");
    assert!(
        !contains(pdf, b"/DCTDecode"),
        "no thumbnail embedded in {name}"
    );
    let alone = cosabi_reports::cuadernillo_pdf(&r, YEAR).unwrap();
    assert!(
        contains(&alone, b"/DCTDecode"),
        "the cuadernillo alone has thumbnails"
    );
    assert!(pdf.len() < alone.len());
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}
