//! CSV cells safe to open in a spreadsheet: the one rule every CSV Cosabi writes
//! follows (the expediente's index and completeness report here, the server's
//! programme and transparency downloads).
//!
//! A cell whose text starts with `=`, `+`, `-` or `@`, or with a tab or a carriage
//! return, is what Excel, LibreOffice and Google Sheets take for a formula (CSV
//! injection: `=HYPERLINK(…)`, `=cmd|…`). Such a cell is written with a leading `'`,
//! which the spreadsheet shows as text and does not run. Names, concepts and
//! descriptions come from what committees typed on their devices, so every text cell
//! goes through [`neutralise_cell`].
//!
//! Negative amounts: a cell that is exactly a negative decimal number (`-3`,
//! `-12.50`) is left as it is, whoever typed it, so numeric columns stay numeric
//! (sums work); such a cell holds nothing but digits and cannot run anything.
//! Anything else that starts with `-` (`-1+2`, `-cmd`, `-`, `-.5`) is neutralised.

use std::borrow::Cow;

/// `cell` as it may be written into a CSV: with a leading `'` if a spreadsheet would
/// take it for a formula, else unchanged (see the module's documentation).
pub fn neutralise_cell(cell: &str) -> Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && !is_negative_number(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// `-` then digits, optionally `.` and more digits: `-3`, `-12.50`.
fn is_negative_number(cell: &str) -> bool {
    cell.strip_prefix('-').is_some_and(|rest| {
        let (int, frac) = rest.split_once('.').unwrap_or((rest, "0"));
        !int.is_empty()
            && !frac.is_empty()
            && int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
    })
}

#[cfg(test)]
mod tests {
    use super::neutralise_cell;

    #[test]
    fn formulas_are_neutralised_and_numbers_kept() {
        for (cell, out) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("=1+1", "'=1+1"),
            ("+52 55", "'+52 55"),
            ("-cmd", "'-cmd"),
            ("-1+2", "'-1+2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("-", "'-"),
            ("-.5", "'-.5"),
            ("-5.", "'-5."),
            ("-1.2.3", "'-1.2.3"),
            ("-12.50", "-12.50"),
            ("-3", "-3"),
            ("12.50", "12.50"),
            ("Centro de Salud", "Centro de Salud"),
            ("a=b", "a=b"),
            ("", ""),
        ] {
            assert_eq!(neutralise_cell(cell), out, "{cell:?}");
        }
    }
}
