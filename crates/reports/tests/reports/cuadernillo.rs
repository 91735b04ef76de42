//! The cuadernillo: its model (golden), the PDF's text and pictures, the workbook's
//! totals read back, and a realistic clinic-year.

use crate::support::*;
use calamine::{Data, DataType, Reader};
use cosabi_core::ledger::PurchaseFilter;
use cosabi_core::Centavos;
use cosabi_replica::Replica;
use cosabi_reports::{amount_in_words, cuadernillo_document, cuadernillo_pdf, cuadernillo_xlsx};
use std::io::Cursor;

fn sheet(book: &[u8], name: &str) -> calamine::Range<Data> {
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(book)).unwrap();
    wb.worksheet_range(name).unwrap()
}

fn centavos(cell: &Data) -> Centavos {
    match cell {
        Data::Float(f) => Centavos((f * 100.0).round() as i64),
        Data::Int(i) => Centavos(i * 100),
        other => panic!("not money: {other:?}"),
    }
}

/// The amount on the row of the "Totales" sheet whose first cell is `label`.
fn total(range: &calamine::Range<Data>, label: &str) -> Centavos {
    let row = range
        .rows()
        .find(|r| r.first().and_then(|c| c.get_string()) == Some(label))
        .unwrap_or_else(|| panic!("no row {label:?}"));
    centavos(&row[1])
}

/// The workbook agrees with the replica's balance and purchases.
fn check_workbook(r: &Replica, book: &[u8]) {
    let b = r.balance(YEAR).unwrap();
    let totals = sheet(book, "Totales");
    for (label, expected) in [
        ("Monto asignado", b.assigned),
        ("Depósitos recibidos", b.deposits),
        ("Reintegros", b.reintegros),
        (cosabi_core::glossary::term("total_spent"), b.spent_total),
        (cosabi_core::glossary::term("card_balance"), b.card),
        (cosabi_core::glossary::term("cash"), b.cash),
        ("Infraestructura", b.spent_by_category[0].1),
        ("Equipamiento", b.spent_by_category[1].1),
        ("Mobiliario", b.spent_by_category[2].1),
    ] {
        assert_eq!(total(&totals, label), expected, "{label}");
    }
    let words = totals
        .rows()
        .find(|row| row[0].get_string() == Some(cosabi_core::glossary::term("card_balance")))
        .map(|row| row[2].to_string())
        .unwrap();
    assert_eq!(words, amount_in_words(b.card));

    // The card statement ends at the card's balance, and each balance is the one
    // before it plus the line's signed amount.
    let movements = sheet(book, "Movimientos");
    let mut running = Centavos::ZERO;
    for row in movements.rows().skip(1) {
        running = running.checked_add(centavos(&row[3])).unwrap();
        assert_eq!(centavos(&row[4]), running);
    }
    assert_eq!(running, b.card);

    let purchases = r.purchases(YEAR, &PurchaseFilter::default()).unwrap();
    let sheet = sheet(book, "Compras");
    let rows: Vec<&[Data]> = sheet.rows().collect();
    assert_eq!(rows[0][5].get_string(), Some("Importe"));
    // Header, one row per purchase, the total.
    assert_eq!(rows.len(), purchases.len() + 2);
    let mut sum = 0;
    for (row, p) in rows[1..=purchases.len()].iter().zip(&purchases) {
        assert_eq!(row[2].get_string(), Some(p.concept.as_str()));
        assert_eq!(centavos(&row[4]), p.unit_cost);
        assert_eq!(centavos(&row[5]), p.total);
        assert!(matches!(row[1], Data::DateTime(_)), "{:?}", row[1]);
        sum += centavos(&row[5]).get();
    }
    assert_eq!(Centavos(sum), b.spent_total);
    assert_eq!(centavos(&rows[purchases.len() + 1][5]), b.spent_total);
}

#[test]
fn cuadernillo_model_is_golden() {
    let dir = tempfile::tempdir().unwrap();
    let (r, _) = fixture(&dir);
    let doc = cuadernillo_document(&r, YEAR).unwrap();
    insta::assert_snapshot!("cuadernillo", doc.to_text());
    let b = r.balance(YEAR).unwrap();
    let text = doc.to_text();
    assert!(text.contains(&amount_in_words(b.card)));
    assert!(text.contains(&amount_in_words(b.spent_total)));
}

#[test]
fn cuadernillo_pdf_text_and_thumbnails() {
    let dir = tempfile::tempdir().unwrap();
    let (r, _) = fixture(&dir);
    let pdf = cuadernillo_pdf(&r, YEAR).unwrap();
    let pages = pdf_pages_text(&pdf);
    let m = pages.len();
    for (i, text) in pages.iter().enumerate() {
        assert!(text.contains(&format!("Página {} de {m}", i + 1)), "{text}");
    }
    let all = pages.join("\n");
    for expected in [
        "Cuadernillo de control de gastos",
        "Ejercicio fiscal 2025",
        "VZIMB000417",
        "Movimientos de la tarjeta",
        "Baumanómetro digital",
        "Pintura vinílica",
        "$1,293.10",
        "EMO1106223H7",
        cosabi_core::glossary::term("categories_total"),
        cosabi_core::glossary::term("card_balance"),
        cosabi_core::glossary::term("cash"),
        "Índice de comprobantes",
        "Comprobante 4",
        "Sin foto registrada",
        "Foto no disponible",
    ] {
        assert!(all.contains(expected), "{expected:?} not in:\n{all}");
    }
    // The folio fiscal is printed, maybe broken over two lines of its cell.
    assert!(all.replace('\n', "").contains("6F1A2B3C-0D4E"), "{all}");
    // One picture per receipt photo held on the device (two), none for the others.
    let doc = lopdf::Document::load_mem(&pdf).unwrap();
    let images = doc
        .objects
        .values()
        .filter(|o| {
            o.as_stream().is_ok_and(|s| {
                s.dict.get(b"Subtype").ok().and_then(|n| n.as_name().ok()) == Some(b"Image")
            })
        })
        .count();
    assert_eq!(images, 2);
    // Each is its thumbnail's JPEG as it is (not kept decoded), which decodes to the
    // size its dictionary says.
    for s in doc.objects.values().filter_map(|o| o.as_stream().ok()) {
        if s.dict.get(b"Subtype").ok().and_then(|n| n.as_name().ok()) != Some(b"Image") {
            continue;
        }
        assert_eq!(
            s.dict.get(b"Filter").unwrap().as_name().unwrap(),
            b"DCTDecode"
        );
        let img = image::load_from_memory_with_format(&s.content, image::ImageFormat::Jpeg)
            .expect("a JPEG");
        assert_eq!(
            i64::from(img.width()),
            s.dict.get(b"Width").unwrap().as_i64().unwrap()
        );
        assert_eq!(
            i64::from(img.height()),
            s.dict.get(b"Height").unwrap().as_i64().unwrap()
        );
    }
}

#[test]
fn workbook_totals_equal_the_balance() {
    let dir = tempfile::tempdir().unwrap();
    let (r, _) = fixture(&dir);
    check_workbook(&r, &cuadernillo_xlsx(&r, YEAR).unwrap());
}

#[test]
fn a_clinic_year_makes_its_cuadernillo() {
    let dir = tempfile::tempdir().unwrap();
    let mut r = open(&dir, "year");
    let summary = cosabi_replica::workload::clinic_year(&mut r, 7).unwrap();
    let book = cuadernillo_xlsx(&r, YEAR).unwrap();
    check_workbook(&r, &book);
    let pdf = cuadernillo_pdf(&r, YEAR).unwrap();
    let pages = pdf_pages_text(&pdf);
    let all = pages.join("\n");
    assert!(pages.len() > 10, "{} pages", pages.len());
    assert!(all.contains(&format!("Comprobante {}", summary.receipts)));
    // The workload records photos whose bytes never reach this device.
    assert!(all.contains("Foto no disponible"));
    assert!(pdf.len() < 2_000_000, "{} bytes", pdf.len());
}

#[test]
fn cuadernillo_is_signed_by_tesoreria_contraloria_and_presidencia() {
    let dir = tempfile::tempdir().unwrap();
    let (r, _) = fixture(&dir);
    let text = cuadernillo_document(&r, YEAR).unwrap().to_text();
    let signatures: Vec<&str> = text.lines().filter(|l| l.starts_with("________")).collect();
    assert_eq!(
        signatures,
        vec![
            "________ Maria Cuaquehua T. · Elaboró · Tesorera",
            "________ Ernesto Zepahua Tlacotempa · Revisó · Contraloría social",
            "________ Juana Tzompaxtle Xocua · Vo. Bo. · Presidenta",
        ],
        "{text}"
    );
}

/// The cells of the card statement's rows: (kind, signed amount, balance).
fn statement(text: &str) -> Vec<(String, String, String)> {
    let start = text.find("## Movimientos de la tarjeta").unwrap();
    let table = &text[start..];
    let end = table[3..].find("## ").map_or(table.len(), |i| i + 3);
    table[..end]
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| Fecha"))
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split(" | ").map(str::trim).collect();
            let n = cells.len();
            (
                cells[1].to_owned(),
                cells[n - 2].to_owned(),
                cells[n - 1].to_owned(),
            )
        })
        .collect()
}

#[test]
fn the_card_statement_has_signs_and_a_running_balance_that_ends_at_the_card_balance() {
    let dir = tempfile::tempdir().unwrap();
    let (r, _) = fixture(&dir);
    let text = cuadernillo_document(&r, YEAR).unwrap().to_text();
    let rows = statement(&text);
    // Three movements and the three purchases paid by card.
    assert_eq!(rows.len(), 6, "{text}");
    let mut balance = Centavos::ZERO;
    for (kind, signed, printed) in &rows {
        let amount =
            Centavos::parse(signed.trim_start_matches('+')).unwrap_or_else(|| panic!("{signed:?}"));
        let expected_sign = if kind.starts_with("Depósito") || kind.starts_with("Cambio") {
            1
        } else {
            -1
        };
        assert_eq!(amount.get().signum(), expected_sign, "{kind}: {signed}");
        assert!(signed.starts_with(if expected_sign > 0 { '+' } else { '-' }));
        balance = balance.checked_add(amount).unwrap();
        assert_eq!(printed, &balance.to_string(), "{kind}");
    }
    assert_eq!(balance, r.balance(YEAR).unwrap().card);
    assert!(
        text.contains(&format!(
            "{}: {balance}",
            cosabi_core::glossary::term("card_balance")
        )),
        "{text}"
    );
}

#[test]
fn a_clinic_year_statement_reconciles_with_the_card() {
    let dir = tempfile::tempdir().unwrap();
    let mut r = open(&dir, "year");
    cosabi_replica::workload::clinic_year(&mut r, 11).unwrap();
    let text = cuadernillo_document(&r, YEAR).unwrap().to_text();
    let rows = statement(&text);
    assert!(rows.len() > 10, "{}", rows.len());
    let last = &rows.last().unwrap().2;
    assert_eq!(last, &r.balance(YEAR).unwrap().card.to_string());
}

#[test]
fn table_headers_are_whole_words() {
    let dir = tempfile::tempdir().unwrap();
    let (r, _) = fixture(&dir);
    let pdf = cuadernillo_pdf(&r, YEAR).unwrap();
    let all = pdf_pages_text(&pdf).join("\n");
    assert!(
        !all.contains("Comp\n"),
        "a header cut inside a word:\n{all}"
    );
    assert!(all.contains("Comprobantes"), "{all}");
}
