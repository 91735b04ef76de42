//! The cuadernillo as a workbook: the purchases, the card movements and the totals,
//! with money as numbers formatted as currency so they can be added up again.

use crate::cuadernillo::Ledger;
use crate::texts::{self, fill, t};
use crate::words::amount_in_words;
use crate::Result;
use cosabi_core::Centavos;
use cosabi_replica::Replica;
use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, Workbook, Worksheet};

const CURRENCY_FORMAT: &str = "\"$\"#,##0.00;-\"$\"#,##0.00";
const DATE_FORMAT: &str = "dd/mm/yyyy";

/// A spreadsheet cell holds an IEEE double, so money becomes one only here, at the
/// edge of the program. Centavos are whole numbers far below 2⁵³, so the value is
/// the double nearest to the exact amount and `round(value × 100)` gives the
/// centavos back.
fn money(amount: Centavos) -> f64 {
    amount.get() as f64 / 100.0
}

struct Formats {
    bold: Format,
    header: Format,
    currency: Format,
    currency_bold: Format,
    date: Format,
    wrap: Format,
}

impl Formats {
    fn new() -> Formats {
        Formats {
            bold: Format::new().set_bold(),
            header: Format::new()
                .set_bold()
                .set_background_color("#DDDDDD")
                .set_text_wrap()
                .set_align(FormatAlign::Top),
            currency: Format::new().set_num_format(CURRENCY_FORMAT),
            currency_bold: Format::new().set_num_format(CURRENCY_FORMAT).set_bold(),
            date: Format::new().set_num_format(DATE_FORMAT),
            wrap: Format::new().set_text_wrap().set_align(FormatAlign::Top),
        }
    }
}

/// Writes an ISO date as a real date cell; anything else as text.
fn write_date(sheet: &mut Worksheet, row: u32, col: u16, iso: &str, f: &Formats) -> Result<()> {
    let parsed = chrono::NaiveDate::parse_from_str(iso, "%Y-%m-%d").ok();
    let excel = parsed.and_then(|d| {
        use chrono::Datelike;
        let (y, m, day) = (
            u16::try_from(d.year()).ok()?,
            d.month() as u8,
            d.day() as u8,
        );
        ExcelDateTime::from_ymd(y, m, day).ok()
    });
    match excel {
        Some(d) => sheet.write_datetime_with_format(row, col, &d, &f.date)?,
        None => sheet.write_string(row, col, iso)?,
    };
    Ok(())
}

fn header_row(sheet: &mut Worksheet, row: u32, titles: &[&str], f: &Formats) -> Result<()> {
    for (col, title) in titles.iter().enumerate() {
        sheet.write_string_with_format(row, col as u16, *title, &f.header)?;
    }
    Ok(())
}

fn purchases_sheet(sheet: &mut Worksheet, ledger: &Ledger, f: &Formats) -> Result<()> {
    sheet.set_name(t::SHEET_PURCHASES)?;
    let titles = [
        t::COL_NUMBER,
        t::column("date"),
        t::column("concept"),
        t::column("quantity"),
        t::column("unit_cost"),
        t::column("total"),
        t::column("supplier"),
        t::column("rfc"),
        t::column("folio_fiscal"),
        t::col_category(),
        t::column("action_id"),
        t::column("paid_from"),
        t::COL_RECEIPTS,
    ];
    header_row(sheet, 0, &titles, f)?;
    let widths = [
        5.0, 11.0, 36.0, 9.0, 14.0, 14.0, 30.0, 15.0, 38.0, 15.0, 36.0, 12.0, 12.0,
    ];
    for (col, w) in widths.iter().enumerate() {
        sheet.set_column_width(col as u16, *w)?;
    }
    let mut row = 1u32;
    for (i, line) in ledger.purchases.iter().enumerate() {
        let p = &line.purchase;
        sheet.write_number(row, 0, (i + 1) as f64)?;
        write_date(sheet, row, 1, &p.date, f)?;
        sheet.write_string_with_format(row, 2, &p.concept, &f.wrap)?;
        sheet.write_number(row, 3, p.quantity as f64)?;
        sheet.write_number_with_format(row, 4, money(p.unit_cost), &f.currency)?;
        sheet.write_number_with_format(row, 5, money(p.total), &f.currency)?;
        sheet.write_string_with_format(row, 6, &p.supplier, &f.wrap)?;
        sheet.write_string(row, 7, p.rfc.as_deref().unwrap_or(""))?;
        sheet.write_string_with_format(row, 8, line.folios(), &f.wrap)?;
        sheet.write_string(row, 9, texts::category(&p.category))?;
        sheet.write_string_with_format(row, 10, line.action.as_deref().unwrap_or(""), &f.wrap)?;
        sheet.write_string(row, 11, texts::paid_from(&p.paid_from))?;
        sheet.write_number(row, 12, line.receipts.len() as f64)?;
        row += 1;
    }
    if row > 1 {
        sheet.autofilter(0, 0, row - 1, (titles.len() - 1) as u16)?;
    }
    sheet.write_string_with_format(row, 2, t::TOTAL, &f.bold)?;
    sheet.write_number_with_format(row, 5, money(ledger.balance.spent_total), &f.currency_bold)?;
    let receipts: usize = ledger.purchases.iter().map(|p| p.receipts.len()).sum();
    sheet.write_number_with_format(row, 12, receipts as f64, &f.bold)?;
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

/// The card statement, as the PDF prints it: signed amounts and the balance after
/// each line, ending at the card's balance.
fn movements_sheet(sheet: &mut Worksheet, ledger: &Ledger, f: &Formats) -> Result<()> {
    sheet.set_name(t::SHEET_MOVEMENTS)?;
    header_row(
        sheet,
        0,
        &[
            t::column("date"),
            t::COL_MOVEMENT,
            t::column("note"),
            t::COL_SIGNED_AMOUNT,
            t::COL_RUNNING_BALANCE,
        ],
        f,
    )?;
    for (col, w) in [11.0, 28.0, 40.0, 18.0, 16.0].iter().enumerate() {
        sheet.set_column_width(col as u16, *w)?;
    }
    for (i, line) in ledger.card_statement().iter().enumerate() {
        let row = i as u32 + 1;
        write_date(sheet, row, 0, &line.date, f)?;
        sheet.write_string(row, 1, &line.what)?;
        sheet.write_string(row, 2, &line.note)?;
        sheet.write_number_with_format(row, 3, money(line.amount), &f.currency)?;
        sheet.write_number_with_format(row, 4, money(line.balance), &f.currency)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

fn totals_sheet(sheet: &mut Worksheet, ledger: &Ledger, f: &Formats) -> Result<()> {
    sheet.set_name(t::SHEET_TOTALS)?;
    for (col, w) in [30.0, 16.0, 70.0].iter().enumerate() {
        sheet.set_column_width(col as u16, *w)?;
    }
    let c = &ledger.clinic;
    let year = ledger.fiscal_year.to_string();
    sheet.write_string_with_format(0, 0, t::CUADERNILLO_TITLE, &f.bold)?;
    sheet.write_string(1, 0, fill(t::FISCAL_YEAR, &[("year", &year)]))?;
    sheet.write_string(2, 0, t::CLUES)?;
    sheet.write_string(2, 1, &c.clues)?;
    sheet.write_string(3, 0, t::CLINIC)?;
    sheet.write_string(3, 1, &c.name)?;
    header_row(
        sheet,
        5,
        &[t::COL_CONCEPT_TOTAL, t::column("total"), t::COL_IN_WORDS],
        f,
    )?;
    let mut row = 6u32;
    let mut line =
        |sheet: &mut Worksheet, label: &str, amount: Centavos, bold: bool| -> Result<()> {
            let (text_format, money_format) = if bold {
                (&f.bold, &f.currency_bold)
            } else {
                (&f.wrap, &f.currency)
            };
            sheet.write_string_with_format(row, 0, label, text_format)?;
            sheet.write_number_with_format(row, 1, money(amount), money_format)?;
            sheet.write_string(row, 2, amount_in_words(amount))?;
            row += 1;
            Ok(())
        };
    for (category, amount) in &ledger.balance.spent_by_category {
        line(sheet, &texts::category(category), *amount, false)?;
    }
    for (label, amount) in ledger.balance_lines() {
        line(sheet, label, amount, label == t::total_spent())?;
    }
    Ok(())
}

/// The cuadernillo of `fiscal_year` as an XLSX workbook: sheets "Compras",
/// "Movimientos" and "Totales".
pub fn cuadernillo_xlsx(replica: &Replica, fiscal_year: i32) -> Result<Vec<u8>> {
    let ledger = Ledger::read(replica, fiscal_year)?;
    let f = Formats::new();
    let mut book = Workbook::new();
    purchases_sheet(book.add_worksheet(), &ledger, &f)?;
    movements_sheet(book.add_worksheet(), &ledger, &f)?;
    totals_sheet(book.add_worksheet(), &ledger, &f)?;
    Ok(book.save_to_buffer()?)
}
