//! es-MX display formats that are not money.

/// `2024-04-12` → `12/04/2024` (dd/mm/aaaa). Anything else is returned unchanged.
pub fn display_date(iso: &str) -> String {
    match chrono::NaiveDate::parse_from_str(iso.trim(), "%Y-%m-%d") {
        Ok(d) => d.format("%d/%m/%Y").to_string(),
        Err(_) => iso.to_owned(),
    }
}

/// Reads a date as people in Mexico write it: `12/04/2024`, `12-04-2024`,
/// `12/4/24` (two-digit years are 20xx), or ISO `2024-04-12`.
pub fn parse_date_input(input: &str) -> Option<chrono::NaiveDate> {
    read_date_input(input).ok()
}

/// Why a typed date was not read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateInputError {
    /// Not written as a date (`date_format`).
    Format,
    /// Written as a date, but no such day exists, e.g. 31/02/2026 (`date_impossible`).
    NoSuchDay,
}

impl DateInputError {
    /// The validation code the UI explains.
    pub fn code(self) -> &'static str {
        match self {
            DateInputError::Format => "date_format",
            DateInputError::NoSuchDay => "date_impossible",
        }
    }
}

/// [`parse_date_input`], saying why a date was not read: a well-written day that
/// does not exist in that month is told apart from a format error.
pub fn read_date_input(input: &str) -> Result<chrono::NaiveDate, DateInputError> {
    use DateInputError::{Format, NoSuchDay};
    let s = input.trim();
    let (y, m, d): (i32, u32, u32) = if s.len() == 10 && s.as_bytes()[4] == b'-' {
        // ISO only with a four-digit year first: "12-4-24" is day-month-year.
        let mut it = s.split('-');
        let y = it.next().and_then(|p| p.parse().ok()).ok_or(Format)?;
        let m = it.next().and_then(|p| p.parse().ok()).ok_or(Format)?;
        let d = it.next().and_then(|p| p.parse().ok()).ok_or(Format)?;
        (y, m, d)
    } else {
        let parts: Vec<&str> = s.split(['/', '-', '.']).map(str::trim).collect();
        let [d, m, y] = parts.as_slice() else {
            return Err(Format);
        };
        let (d, m, y): (u32, u32, i32) = (
            d.parse().map_err(|_| Format)?,
            m.parse().map_err(|_| Format)?,
            y.parse().map_err(|_| Format)?,
        );
        let year = match y {
            0..=99 => 2000 + y,
            1900..=2999 => y,
            _ => return Err(Format),
        };
        (year, m, d)
    };
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return Err(Format);
    }
    chrono::NaiveDate::from_ymd_opt(y, m, d).ok_or(NoSuchDay)
}

#[cfg(test)]
mod tests {
    use super::parse_date_input;
    use chrono::NaiveDate;

    #[test]
    fn reads_dates_day_first() {
        let d = NaiveDate::from_ymd_opt(2024, 4, 12);
        assert_eq!(parse_date_input("12/04/2024"), d);
        assert_eq!(parse_date_input(" 12-4-24 "), d);
        assert_eq!(parse_date_input("2024-04-12"), d);
        assert_eq!(parse_date_input("31/02/2024"), None);
        assert_eq!(parse_date_input("12/04"), None);
        assert_eq!(parse_date_input("abc"), None);
    }

    #[test]
    fn a_day_that_does_not_exist_is_told_apart_from_a_format_error() {
        use super::{read_date_input, DateInputError};
        assert_eq!(
            read_date_input("31/02/2026"),
            Err(DateInputError::NoSuchDay)
        );
        assert_eq!(
            read_date_input("29/02/2025"),
            Err(DateInputError::NoSuchDay)
        );
        assert_eq!(
            read_date_input("2026-04-31"),
            Err(DateInputError::NoSuchDay)
        );
        assert!(read_date_input("29/02/2024").is_ok());
        assert_eq!(read_date_input("32/01/2026"), Err(DateInputError::Format));
        assert_eq!(read_date_input("12/13/2026"), Err(DateInputError::Format));
        assert_eq!(read_date_input("12/04"), Err(DateInputError::Format));
        assert_eq!(read_date_input("2024-4-1x"), Err(DateInputError::Format));
        assert_eq!(DateInputError::NoSuchDay.code(), "date_impossible");
    }

    #[test]
    fn dates_are_day_first() {
        assert_eq!(super::display_date("2024-04-12"), "12/04/2024");
        assert_eq!(super::display_date("no"), "no");
    }
}
