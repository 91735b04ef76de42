//! Helpers that read form fields as people type them, pushing one error per problem.
//! Shared by the validators of every record so the same mistake gets the same code.

use crate::error::{ValidationError, ValidationErrors};
use crate::money::Centavos;
use chrono::Datelike;

/// Declares a closed set of stable codes as an enum with `ALL`, `code()` and
/// `from_code()`, the way [`crate::committee::Role`] does, without repeating the
/// boilerplate for each set.
macro_rules! code_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $code:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize,
        )]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// Stable code stored in the database and used as a translation key.
            pub const fn code(self) -> &'static str {
                match self {
                    $($name::$variant => $code),+
                }
            }

            pub fn from_code(code: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|v| v.code() == code.trim())
            }
        }
    };
}
pub(crate) use code_enum;

/// A required date: empty is `required`, unreadable is `date_format`.
pub(crate) fn required_date(
    field: &str,
    s: &str,
    errors: &mut ValidationErrors,
) -> Option<chrono::NaiveDate> {
    if s.trim().is_empty() {
        errors.push(ValidationError::new(field, "required"));
        return None;
    }
    optional_date(field, s, errors)
}

/// An optional date: empty is `None` without error, unreadable is `date_format`,
/// a day that does not exist (31/02) `date_impossible`.
pub(crate) fn optional_date(
    field: &str,
    s: &str,
    errors: &mut ValidationErrors,
) -> Option<chrono::NaiveDate> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    match crate::format::read_date_input(s) {
        Ok(d) => Some(d),
        Err(e) => {
            errors.push(ValidationError::new(field, e.code()));
            None
        }
    }
}

/// Free text that may span lines (minutes, descriptions): trimmed at both ends,
/// inner line breaks kept. Empty is `required` when `required` is set.
pub(crate) fn long_text(
    field: &str,
    value: &str,
    max_chars: usize,
    required: bool,
    errors: &mut ValidationErrors,
) -> Option<String> {
    let v = value.trim();
    if v.is_empty() && required {
        errors.push(ValidationError::new(field, "required"));
        None
    } else if v.chars().count() > max_chars {
        errors.push(ValidationError::new(field, "too_long").with("max", max_chars.to_string()));
        None
    } else {
        Some(v.to_owned())
    }
}

/// A code from a closed set: empty or unknown is `code` (e.g. `kind_required`).
pub(crate) fn required_code<T>(
    field: &str,
    value: &str,
    code: &str,
    parse: impl Fn(&str) -> Option<T>,
    errors: &mut ValidationErrors,
) -> Option<T> {
    let v = parse(value.trim());
    if v.is_none() {
        errors.push(ValidationError::new(field, code));
    }
    v
}

/// An amount of money greater than zero: unreadable is `amount_invalid`, zero or
/// negative is `amount_not_positive`, empty is `required`.
pub(crate) fn positive_amount(
    field: &str,
    s: &str,
    errors: &mut ValidationErrors,
) -> Option<Centavos> {
    if s.trim().is_empty() {
        errors.push(ValidationError::new(field, "required"));
        return None;
    }
    match Centavos::parse(s) {
        None => {
            errors.push(ValidationError::new(field, "amount_invalid"));
            None
        }
        Some(c) if c.get() <= 0 => {
            errors.push(ValidationError::new(field, "amount_not_positive"));
            None
        }
        Some(c) => Some(c),
    }
}

/// A whole number of at least `min` (digits only, thousands commas allowed): anything
/// else is `code`. Empty is `default` when one is given, else `required`.
pub(crate) fn whole_number(
    field: &str,
    s: &str,
    min: i64,
    max: i64,
    default: Option<i64>,
    code: &str,
    errors: &mut ValidationErrors,
) -> Option<i64> {
    let t = s.trim();
    if t.is_empty() {
        if default.is_none() {
            errors.push(ValidationError::new(field, "required"));
        }
        return default;
    }
    let digits: String = t.chars().filter(|c| *c != ',').collect();
    match digits.parse::<i64>() {
        Ok(n) if !digits.starts_with('+') && (min..=max).contains(&n) => Some(n),
        _ => {
            errors.push(ValidationError::new(field, code));
            None
        }
    }
}

/// Earliest and latest fiscal years we accept; outside is a typing mistake.
pub(crate) const FISCAL_YEAR_MIN: i32 = 2000;
pub(crate) const FISCAL_YEAR_MAX: i32 = 2100;

/// The fiscal year (ejercicio) money belongs to: as typed, or the calendar year of
/// `date` when left empty (Mexico's fiscal year is the calendar year; a reintegro made
/// in January for the year before is typed explicitly).
pub(crate) fn fiscal_year(
    s: &str,
    date: Option<chrono::NaiveDate>,
    errors: &mut ValidationErrors,
) -> Option<i32> {
    if s.trim().is_empty() {
        return date.map(|d| d.year());
    }
    whole_number(
        "fiscal_year",
        s,
        FISCAL_YEAR_MIN.into(),
        FISCAL_YEAR_MAX.into(),
        None,
        "fiscal_year_invalid",
        errors,
    )
    .map(|y| y as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers() {
        let mut e = ValidationErrors::default();
        assert_eq!(
            whole_number("q", "1,500", 1, 10_000, None, "x", &mut e),
            Some(1500)
        );
        assert_eq!(whole_number("q", "", 1, 10, Some(5), "x", &mut e), Some(5));
        assert!(e.is_empty());
        assert_eq!(whole_number("q", "0", 1, 10, None, "x", &mut e), None);
        assert_eq!(whole_number("q", "1.5", 1, 10, None, "x", &mut e), None);
        assert_eq!(whole_number("q", "+3", 1, 10, None, "x", &mut e), None);
        assert_eq!(whole_number("q", "", 1, 10, None, "x", &mut e), None);
        let codes: Vec<_> = e.0.iter().map(|e| e.code.as_str()).collect();
        assert_eq!(codes, vec!["x", "x", "x", "required"]);
    }

    #[test]
    fn fiscal_year_defaults_to_the_date() {
        let mut e = ValidationErrors::default();
        let d = chrono::NaiveDate::from_ymd_opt(2025, 3, 1);
        assert_eq!(fiscal_year("", d, &mut e), Some(2025));
        assert_eq!(fiscal_year("2024", d, &mut e), Some(2024));
        assert_eq!(fiscal_year("24", d, &mut e), None);
        assert_eq!(e.0[0].code, "fiscal_year_invalid");
    }
}
