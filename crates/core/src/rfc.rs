//! The RFC (Registro Federal de Contribuyentes), Mexico's tax id, as printed on
//! receipts and typed by people.
//!
//! [`check_rfc`] tells everything about one RFC at once: its normalised form, its
//! [`RfcKind`], whether its `YYMMDD` part is a real date and whether its check digit
//! matches. A wrong format or an impossible date is an error (the text is not an RFC);
//! a check digit that does not match is only a warning, because many RFCs in real use
//! carry one (about 1.5 % of the RFCs python-stdnum collected, each confirmed on SAT's
//! own lookup), and the committee must still record the receipt.
//!
//! The check digit is SAT's: each of the first 12 characters (a company's 11 are
//! padded with a leading space) gets its value in the 39-character alphabet
//! [`CHECK_ALPHABET`], is multiplied by its weight (13 for the first down to 2 for
//! the twelfth), and the digit is `11 - sum mod 11`, where 11 is written `0` and 10
//! is written `A`.

use serde::{Deserialize, Serialize};

/// SAT's table of values for the check digit (annex 3 of the RFC procedure): a
/// character's value is its position here. The space pads a company's RFC.
pub const CHECK_ALPHABET: &str = "0123456789ABCDEFGHIJKLMN&OPQRSTUVWXYZ Ñ";

/// The generic RFC for sales to the general public (público en general).
pub const RFC_GENERIC_PUBLIC: &str = "XAXX010101000";
/// The generic RFC for foreign residents (residentes en el extranjero).
pub const RFC_GENERIC_FOREIGN: &str = "XEXX010101000";

/// What an RFC belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RfcKind {
    /// A company or other legal person (persona moral): 12 characters.
    Moral,
    /// A natural person (persona física): 13 characters.
    Fisica,
    /// `XAXX010101000`, público en general: the shop did not identify the buyer.
    GenericPublic,
    /// `XEXX010101000`, a foreign resident without a Mexican RFC.
    GenericForeign,
}

/// One thing wrong with an RFC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RfcProblem {
    /// Not 12 or 13 characters, or a character where it cannot be. An error.
    Format,
    /// The `YYMMDD` part is digits but no real date. An error.
    Date,
    /// The last character is not the one SAT's rule gives. Only a warning.
    CheckDigit,
}

impl RfcProblem {
    /// Stable code, also the translation key suffix (`error.<code>`).
    pub const fn code(self) -> &'static str {
        match self {
            RfcProblem::Format => "rfc_format",
            RfcProblem::Date => "rfc_date",
            RfcProblem::CheckDigit => "rfc_check_digit",
        }
    }

    /// Whether the RFC must be refused. A check digit mismatch must not be: real
    /// RFCs with one exist.
    pub const fn is_error(self) -> bool {
        !matches!(self, RfcProblem::CheckDigit)
    }
}

/// Everything [`check_rfc`] found out about one RFC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RfcCheck {
    /// Upper case, without spaces or dashes; `&` and `Ñ` kept.
    pub normalized: String,
    /// `None` when the length is neither 12 nor 13.
    pub kind: Option<RfcKind>,
    /// The `YYMMDD` part is a real date (in the 1900s or the 2000s).
    pub date_ok: bool,
    /// The last character matches SAT's rule. Always true for the two generic RFCs,
    /// which SAT defines as they are; false when the format is wrong.
    pub check_digit_ok: bool,
    /// Errors first, then the warning, in the order of [`RfcProblem`].
    pub problems: Vec<RfcProblem>,
}

impl RfcCheck {
    /// No error: the RFC can be recorded (perhaps with a warning).
    pub fn is_acceptable(&self) -> bool {
        !self.problems.iter().any(|p| p.is_error())
    }

    /// The first error, if any.
    pub fn error(&self) -> Option<RfcProblem> {
        self.problems.iter().copied().find(|p| p.is_error())
    }

    /// The warning worth showing, if the RFC is otherwise acceptable.
    pub fn warning(&self) -> Option<RfcProblem> {
        if self.is_acceptable() {
            self.problems.iter().copied().find(|p| !p.is_error())
        } else {
            None
        }
    }
}

/// Normalises an RFC as typed or printed: trimmed, upper case (`ñ` becomes `Ñ`),
/// without the spaces and dashes people put between its parts.
pub fn normalize_rfc(input: &str) -> String {
    input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_uppercase)
        .collect()
}

/// Checks an RFC. The input is normalised first ([`normalize_rfc`]); an empty input
/// is a [`RfcProblem::Format`] error (callers for which empty is allowed test for it
/// first, as [`crate::ledger::validate_rfc`] does).
pub fn check_rfc(input: &str) -> RfcCheck {
    let normalized = normalize_rfc(input);
    let chars: Vec<char> = normalized.chars().collect();
    let letters = match chars.len() {
        12 => Some(3),
        13 => Some(4),
        _ => None,
    };
    let Some(letters) = letters else {
        return RfcCheck {
            normalized,
            kind: None,
            date_ok: false,
            check_digit_ok: false,
            problems: vec![RfcProblem::Format],
        };
    };
    let kind = if normalized == RFC_GENERIC_PUBLIC {
        RfcKind::GenericPublic
    } else if normalized == RFC_GENERIC_FOREIGN {
        RfcKind::GenericForeign
    } else if letters == 3 {
        RfcKind::Moral
    } else {
        RfcKind::Fisica
    };
    let (name, rest) = chars.split_at(letters);
    let (date, tail) = rest.split_at(6);
    let name_ok = name
        .iter()
        .all(|c| c.is_ascii_uppercase() || *c == '&' || *c == 'Ñ');
    let date_digits = date.iter().all(char::is_ascii_digit);
    let tail_ok = tail
        .iter()
        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    let format_ok = name_ok && date_digits && tail_ok;
    let date_ok = date_digits && yymmdd_is_real_date(date);
    let check_digit_ok = format_ok
        && (matches!(kind, RfcKind::GenericPublic | RfcKind::GenericForeign)
            || expected_check_digit(&chars) == Some(chars[chars.len() - 1]));

    let mut problems = Vec::new();
    if !format_ok {
        problems.push(RfcProblem::Format);
    }
    if date_digits && !date_ok {
        problems.push(RfcProblem::Date);
    }
    if format_ok && !check_digit_ok {
        problems.push(RfcProblem::CheckDigit);
    }
    RfcCheck {
        normalized,
        kind: Some(kind),
        date_ok,
        check_digit_ok,
        problems,
    }
}

/// The warning the UI shows beside an RFC that is otherwise fine:
/// `Some("rfc_check_digit")` when its check digit does not match. `None` for an empty
/// input, an acceptable RFC, and an RFC with an error (the error is shown instead).
pub fn rfc_warning(input: &str) -> Option<&'static str> {
    if normalize_rfc(input).is_empty() {
        return None;
    }
    check_rfc(input).warning().map(RfcProblem::code)
}

/// The check digit SAT's rule gives for a 12- or 13-character RFC (its last
/// character is ignored), or `None` if a character is outside [`CHECK_ALPHABET`] or
/// the length is wrong.
pub fn expected_check_digit(rfc: &[char]) -> Option<char> {
    let body = match rfc.len() {
        // A company's 11 characters are padded to 12 with a leading space.
        12 => std::iter::once(' ')
            .chain(rfc[..11].iter().copied())
            .collect::<Vec<char>>(),
        13 => rfc[..12].to_vec(),
        _ => return None,
    };
    let mut sum: u32 = 0;
    for (i, c) in body.iter().enumerate() {
        let value = CHECK_ALPHABET.chars().position(|a| a == *c)? as u32;
        let weight = 13 - i as u32;
        sum += value * weight;
    }
    Some(match 11 - sum % 11 {
        11 => '0',
        10 => 'A',
        d => char::from_digit(d, 10)?,
    })
}

/// `YYMMDD` is a real date in the 1900s or the 2000s (29 February needs a leap year
/// in one of them: `000229` is fine thanks to 2000).
fn yymmdd_is_real_date(yymmdd: &[char]) -> bool {
    let number = |r: std::ops::Range<usize>| -> Option<u32> {
        yymmdd
            .get(r)?
            .iter()
            .try_fold(0u32, |n, c| Some(n * 10 + c.to_digit(10)?))
    };
    let (Some(yy), Some(mm), Some(dd)) = (number(0..2), number(2..4), number(4..6)) else {
        return false;
    };
    [1900, 2000]
        .iter()
        .any(|century| chrono::NaiveDate::from_ymd_opt(century + yy as i32, mm, dd).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SAT's worked example in its procedure for the check digit (answer to INFOMEX
    /// request 0610100135506, reproduced by Solución Factible's CFDI manual,
    /// "RFC Homonymy Key"): GODE561231GR adds up to 1026, 1026 mod 11 = 3, 11 - 3 = 8.
    #[test]
    fn sat_worked_example() {
        let chars: Vec<char> = "GODE561231GR8".chars().collect();
        assert_eq!(expected_check_digit(&chars), Some('8'));
        let c = check_rfc("GODE561231GR8");
        assert_eq!(c.kind, Some(RfcKind::Fisica));
        assert!(c.date_ok && c.check_digit_ok && c.problems.is_empty());
    }

    #[test]
    fn both_digit_spellings() {
        // 11 is written 0 (CFE370814QI0: sum mod 11 = 0) and 10 is written A
        // (COSC8001137NA, the example of phpcfdi/rfc's README: sum mod 11 = 1).
        assert!(check_rfc("CFE370814QI0").check_digit_ok);
        assert!(check_rfc("COSC8001137NA").check_digit_ok);
        // A remainder of 10 gives 1, not A (XIA190128J61, one of SAT's test RFCs
        // for CFDI 4.0).
        assert!(check_rfc("XIA190128J61").check_digit_ok);
        assert!(!check_rfc("XIA190128J6A").check_digit_ok);
    }

    /// RFCs in real use, collected by python-stdnum (tests/test_mx_rfc.doctest,
    /// "These have been found online and should all be valid numbers"), chosen to
    /// cover `&` and `Ñ` in the name, the digit `A`, 29 February 2000, and both
    /// lengths.
    const REAL_RFCS: &[&str] = &[
        "&&&030828PX7",
        "&JE040614N51",
        "AA&0607148I0",
        "AP&0305026J9",
        "B&D9605298Y3",
        "MUÑ110218LJ6",
        "AAA390128530",
        "AAAA791128D63",
        "AEL7407151YA",
        "AHO120203E8A",
        "AQU920317P4A",
        "CCS8512024CA",
        "COML8103203QA",
        "CTE870318ANA",
        "GOAJ7101257MA",
        "NOCJ750806BJA",
        "RUAJ8104018GA",
        "SOTG740115G1A",
        "CGB000229SW0",
        "EDI000229CA3",
        "YAT000229588",
        "ZZE040708QJ9",
        "MME120612IJ5",
        "EITM9103155L7",
        // SAT's RFCs for testing CFDI 4.0 (its published test certificates).
        "EKU9003173C9",
        "URE180429TM6",
        "IIA040805DZ4",
        "CACX7605101P8",
        "KIJ0906199R1",
        // SAT's own RFC, as printed on its CFDIs.
        "SAT970701NN3",
    ];

    #[test]
    fn real_rfcs_check() {
        for rfc in REAL_RFCS {
            let c = check_rfc(rfc);
            assert_eq!(c.normalized, *rfc);
            assert!(c.problems.is_empty(), "{rfc}: {:?}", c.problems);
            let kind = if rfc.chars().count() == 12 {
                RfcKind::Moral
            } else {
                RfcKind::Fisica
            };
            assert_eq!(c.kind, Some(kind), "{rfc}");
            assert_eq!(rfc_warning(rfc), None, "{rfc}");
        }
    }

    /// Real RFCs whose check digit does not match, each confirmed in use on SAT's
    /// RFC lookup (python-stdnum's list of such numbers). They must be accepted, with
    /// a warning only.
    #[test]
    fn real_rfcs_with_a_wrong_check_digit_are_only_warned() {
        for rfc in [
            "SIN9311169P8",
            "AAC0903183F6",
            "TPM06111759A",
            "TME940420LV5",
        ] {
            let c = check_rfc(rfc);
            assert!(c.is_acceptable(), "{rfc}");
            assert!(c.date_ok && !c.check_digit_ok, "{rfc}");
            assert_eq!(c.problems, vec![RfcProblem::CheckDigit]);
            assert_eq!(c.warning(), Some(RfcProblem::CheckDigit));
            assert_eq!(rfc_warning(rfc), Some("rfc_check_digit"));
            assert_eq!(
                crate::ledger::validate_rfc(rfc).unwrap().as_deref(),
                Some(rfc)
            );
        }
    }

    #[test]
    fn generic_rfcs() {
        // SAT's rule would give 4 for XAXX010101000, but SAT defines both generic RFCs
        // as they are: no warning.
        let public = check_rfc(" xaxx-010101-000 ");
        assert_eq!(public.normalized, RFC_GENERIC_PUBLIC);
        assert_eq!(public.kind, Some(RfcKind::GenericPublic));
        assert!(public.check_digit_ok && public.problems.is_empty());
        let foreign = check_rfc("XEXX010101000");
        assert_eq!(foreign.kind, Some(RfcKind::GenericForeign));
        assert!(foreign.problems.is_empty());
        assert_eq!(rfc_warning(RFC_GENERIC_PUBLIC), None);
    }

    #[test]
    fn normalization_keeps_ampersand_and_enye() {
        assert_eq!(check_rfc("  muñ-110218-lj6\t").normalized, "MUÑ110218LJ6");
        assert_eq!(check_rfc("b&d 960529 8y3").normalized, "B&D9605298Y3");
        assert!(check_rfc("b&d 960529 8y3").problems.is_empty());
    }

    #[test]
    fn errors_and_warnings() {
        let cases: &[(&str, &[RfcProblem])] = &[
            ("", &[RfcProblem::Format]),
            ("ABC01020XY9", &[RfcProblem::Format]),
            ("XIML850412HV3X", &[RfcProblem::Format]),
            ("AB1010203XY9", &[RfcProblem::Format]),
            ("ABC0102O3XY9", &[RfcProblem::Format]),
            ("ABC010203XÑ9", &[RfcProblem::Format]),
            ("ABC010203XY_", &[RfcProblem::Format]),
            // A wrong name and an impossible date: both errors, no warning.
            ("AB1011303XY9", &[RfcProblem::Format, RfcProblem::Date]),
            // 29 February 1901 and 2001 do not exist.
            ("ABC010229XY9", &[RfcProblem::Date]),
            ("ABC011303XY9", &[RfcProblem::Date, RfcProblem::CheckDigit]),
            ("GODE561331GR8", &[RfcProblem::Date, RfcProblem::CheckDigit]),
            ("GODE561231GR9", &[RfcProblem::CheckDigit]),
            // A check digit can only be 0-9 or A: B can never match.
            ("GODE561231GRB", &[RfcProblem::CheckDigit]),
        ];
        for (input, problems) in cases {
            let c = check_rfc(input);
            assert_eq!(c.problems, *problems, "{input:?}");
            assert_eq!(c.is_acceptable(), !problems.iter().any(|p| p.is_error()));
        }
        assert_eq!(check_rfc("GODE561331GR8").error(), Some(RfcProblem::Date));
        assert_eq!(check_rfc("GODE561331GR8").warning(), None);
        assert_eq!(rfc_warning("GODE561331GR8"), None);
        assert_eq!(rfc_warning(""), None);
        assert_eq!(rfc_warning("gode561231gr9"), Some("rfc_check_digit"));
    }

    #[test]
    fn validate_rfc_keeps_its_contract() {
        use crate::ledger::validate_rfc;
        assert_eq!(validate_rfc("  ").unwrap(), None);
        assert_eq!(
            validate_rfc("gode-561231-gr9").unwrap().as_deref(),
            Some("GODE561231GR9")
        );
        let e = validate_rfc("GODE561331GR8").unwrap_err();
        assert_eq!((e.field.as_str(), e.code.as_str()), ("rfc", "rfc_date"));
        let e = validate_rfc("GODE56123").unwrap_err();
        assert_eq!((e.field.as_str(), e.code.as_str()), ("rfc", "rfc_format"));
    }

    use proptest::prelude::*;

    fn name_char() -> impl Strategy<Value = char> {
        prop::sample::select("ABCDEFGHIJKLMNOPQRSTUVWXYZ&Ñ".chars().collect::<Vec<_>>())
    }

    fn tail_char() -> impl Strategy<Value = char> {
        prop::sample::select(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                .chars()
                .collect::<Vec<_>>(),
        )
    }

    proptest! {
        /// Any well-formed RFC ending in the digit the rule computes passes without
        /// a problem, and any other last character is a warning, never an error.
        #[test]
        fn computed_digit_always_checks(
            moral in any::<bool>(),
            name in prop::collection::vec(name_char(), 4),
            date in (0u32..100, 1u32..13, 1u32..29),
            homoclave in prop::collection::vec(tail_char(), 2),
            other in tail_char(),
        ) {
            let letters = if moral { 3 } else { 4 };
            let (yy, mm, dd) = date;
            let mut rfc: String = name[..letters].iter().collect();
            rfc.push_str(&format!("{yy:02}{mm:02}{dd:02}"));
            rfc.extend(homoclave.iter());
            rfc.push('0');
            let mut chars: Vec<char> = rfc.chars().collect();
            let digit = expected_check_digit(&chars).unwrap();
            prop_assert!(digit.is_ascii_digit() || digit == 'A');
            *chars.last_mut().unwrap() = digit;
            let good: String = chars.iter().collect();
            let c = check_rfc(&good);
            prop_assert!(c.problems.is_empty(), "{} {:?}", good, c.problems);
            *chars.last_mut().unwrap() = other;
            let other_rfc: String = chars.iter().collect();
            let c = check_rfc(&other_rfc);
            prop_assert!(c.is_acceptable());
            prop_assert_eq!(c.check_digit_ok, other == digit);
        }

        #[test]
        fn never_panics(input in "\\PC{0,20}") {
            let c = check_rfc(&input);
            prop_assert!(c.is_acceptable() || c.error().is_some());
            let _ = rfc_warning(&input);
        }
    }
}
