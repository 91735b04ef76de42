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
        ("Total gastado", b.spent_total),
        ("Saldo en la tarjeta", b.card),
        ("Efectivo en caja", b.cash),
        ("Infraestructura", b.spent_by_category[0].1),
        ("Equipamiento", b.spent_by_category[1].1),
        ("Mobiliario", b.spent_by_category[2].1),
    ] {
        assert_eq!(total(&totals, label), expected, "{label}");
    }
    let words = totals
        .rows()
        .find(|row| row[0].get_string() == Some("Saldo en la tarjeta"))
        .map(|row| row[2].to_string())
        .unwrap();
    assert_eq!(words, amount_in_words(b.card));

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
        "Totales por categoría",
        "Saldo en la tarjeta",
        "Efectivo en caja",
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
