//! es-MX display formats that are not money.

/// `2024-04-12` → `12/04/2024` (dd/mm/aaaa). Anything else is returned unchanged.
pub fn display_date(iso: &str) -> String {
    match chrono::NaiveDate::parse_from_str(iso.trim(), "%Y-%m-%d") {
        Ok(d) => d.format("%d/%m/%Y").to_string(),
        Err(_) => iso.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_are_day_first() {
        assert_eq!(super::display_date("2024-04-12"), "12/04/2024");
        assert_eq!(super::display_date("no"), "no");
    }
}
