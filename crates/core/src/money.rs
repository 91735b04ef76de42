//! Money as integer centavos. There is no floating point anywhere on a money path.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An amount of Mexican pesos in centavos (1 peso = 100 centavos).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Centavos(pub i64);

impl Centavos {
    pub const ZERO: Centavos = Centavos(0);

    pub const fn from_pesos(pesos: i64) -> Self {
        Centavos(pesos * 100)
    }

    pub const fn get(self) -> i64 {
        self.0
    }

    pub fn checked_add(self, other: Centavos) -> Option<Centavos> {
        self.0.checked_add(other.0).map(Centavos)
    }

    /// The amount as a person types it back into a form: `1234.50`, `-5.00`; no
    /// sign of currency or separators ([`Centavos::parse`] reads it).
    pub fn input_text(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }

    /// Parses what a person types: `1234`, `1,234.5`, `$1,234.56`. At most two
    /// decimals; thousands separators must be commas. Returns `None` on anything else.
    pub fn parse(input: &str) -> Option<Centavos> {
        let s = input.trim();
        // Both `-$5` (how we print) and `$-5` are accepted.
        let (neg, s) = match s.strip_prefix('-') {
            Some(rest) => (true, rest.trim()),
            None => (false, s),
        };
        let s = s.strip_prefix('$').unwrap_or(s).trim();
        let (neg, s) = match s.strip_prefix('-') {
            Some(rest) if !neg => (true, rest.trim()),
            Some(_) => return None,
            None => (neg, s),
        };
        if s.is_empty() {
            return None;
        }
        let (int_part, frac_part) = match s.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (s, None),
        };
        if int_part.is_empty() || !int_part.chars().all(|c| c.is_ascii_digit() || c == ',') {
            return None;
        }
        if int_part.contains(',') {
            // Commas only as thousands separators: groups of three after the first.
            let groups: Vec<&str> = int_part.split(',').collect();
            if groups[0].is_empty() || groups[0].len() > 3 {
                return None;
            }
            if groups[1..].iter().any(|g| g.len() != 3) {
                return None;
            }
        }
        let digits: String = int_part.chars().filter(|c| *c != ',').collect();
        let pesos: i64 = digits.parse().ok()?;
        let centavos = match frac_part {
            None => 0,
            Some(f) if f.is_empty() || f.len() > 2 || !f.chars().all(|c| c.is_ascii_digit()) => {
                return None
            }
            Some(f) if f.len() == 1 => f.parse::<i64>().ok()? * 10,
            Some(f) => f.parse::<i64>().ok()?,
        };
        let total = pesos.checked_mul(100)?.checked_add(centavos)?;
        Some(Centavos(if neg { -total } else { total }))
    }
}

/// es-MX format: `$1,234.56`, negative as `-$1,234.56`.
impl fmt::Display for Centavos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let neg = self.0 < 0;
        let abs = self.0.unsigned_abs();
        let pesos = abs / 100;
        let cents = abs % 100;
        let digits = pesos.to_string();
        let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(ch);
        }
        if neg {
            f.write_str("-")?;
        }
        write!(f, "${grouped}.{cents:02}")
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn input_text_is_read_back_as_typed() {
        for c in [0, 5, 123_450, 123_456_789, -500, -7] {
            let text = Centavos(c).input_text();
            assert_eq!(Centavos::parse(&text), Some(Centavos(c)), "{text}");
        }
        assert_eq!(Centavos(125_050).input_text(), "1250.50");
        assert_eq!(Centavos(-7).input_text(), "-0.07");
    }

    use super::*;
    use proptest::prelude::*;

    #[test]
    fn formats_es_mx() {
        assert_eq!(Centavos::from_pesos(400_000).to_string(), "$400,000.00");
        assert_eq!(Centavos(123_456).to_string(), "$1,234.56");
        assert_eq!(Centavos(5).to_string(), "$0.05");
        assert_eq!(Centavos(-100_050).to_string(), "-$1,000.50");
        assert_eq!(Centavos(99_999_999).to_string(), "$999,999.99");
    }

    #[test]
    fn parses_what_people_type() {
        assert_eq!(Centavos::parse("1234"), Some(Centavos(123_400)));
        assert_eq!(Centavos::parse("$1,234.5"), Some(Centavos(123_450)));
        assert_eq!(Centavos::parse(" 0.05 "), Some(Centavos(5)));
        assert_eq!(Centavos::parse("1,23"), None);
        assert_eq!(Centavos::parse("12.345"), None);
        assert_eq!(Centavos::parse("abc"), None);
        assert_eq!(Centavos::parse(""), None);
    }

    proptest! {
        #[test]
        fn display_parse_round_trip(c in -10_000_000_000i64..10_000_000_000i64) {
            prop_assert_eq!(Centavos::parse(&Centavos(c).to_string()), Some(Centavos(c)));
        }
    }
}
