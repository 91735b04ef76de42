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
    let s = input.trim();
    // ISO only with a four-digit year first: "12-4-24" is day-month-year.
    if s.len() == 10 && s.as_bytes()[4] == b'-' {
        return chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    }
    let parts: Vec<&str> = s.split(['/', '-', '.']).map(str::trim).collect();
    let [d, m, y] = parts.as_slice() else {
        return None;
    };
    let (d, m, y): (u32, u32, i32) = (d.parse().ok()?, m.parse().ok()?, y.parse().ok()?);
    let year = match y {
        0..=99 => 2000 + y,
        1900..=2999 => y,
        _ => return None,
    };
    chrono::NaiveDate::from_ymd_opt(year, m, d)
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
    fn dates_are_day_first() {
        assert_eq!(super::display_date("2024-04-12"), "12/04/2024");
        assert_eq!(super::display_date("no"), "no");
    }
}
