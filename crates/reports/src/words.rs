//! Numbers and amounts in Spanish words, as Mexican receipts and actas write them:
//! "Mil doscientos noventa y tres pesos 10/100 M.N.".
//!
//! Written here rather than taken from a crate: the Rust crates that spell numbers
//! (`num2words` and the like) either lack Spanish or lack its agreement rules (un /
//! una / uno, veintiún, doscientas) and none writes the es-MX currency form ("de
//! pesos" after exact millions, centavos as `NN/100 M.N.`). The rules are few and
//! fully covered by the tests below.

use crate::texts::t;
use cosabi_core::Centavos;

/// How a number agrees with what it counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gender {
    /// Counting on its own: "uno", "veintiuno", "ciento uno".
    Standalone,
    /// Before a masculine noun: "un peso", "veintiún pesos", "doscientos pesos".
    Masculine,
    /// Before a feminine noun: "una", "veintiuna", "doscientas".
    Feminine,
}

const UNITS: [&str; 30] = [
    "cero",
    "uno",
    "dos",
    "tres",
    "cuatro",
    "cinco",
    "seis",
    "siete",
    "ocho",
    "nueve",
    "diez",
    "once",
    "doce",
    "trece",
    "catorce",
    "quince",
    "dieciséis",
    "diecisiete",
    "dieciocho",
    "diecinueve",
    "veinte",
    "veintiuno",
    "veintidós",
    "veintitrés",
    "veinticuatro",
    "veinticinco",
    "veintiséis",
    "veintisiete",
    "veintiocho",
    "veintinueve",
];

const TENS: [&str; 10] = [
    "",
    "",
    "",
    "treinta",
    "cuarenta",
    "cincuenta",
    "sesenta",
    "setenta",
    "ochenta",
    "noventa",
];

/// 200..900 (index = hundreds digit), masculine; the feminine replaces `os` by `as`.
const HUNDREDS: [&str; 10] = [
    "",
    "ciento",
    "doscientos",
    "trescientos",
    "cuatrocientos",
    "quinientos",
    "seiscientos",
    "setecientos",
    "ochocientos",
    "novecientos",
];

/// 1..=99 with the ones agreeing: uno / un / una, veintiuno / veintiún / veintiuna.
fn below_hundred(n: u64, gender: Gender) -> String {
    debug_assert!((1..100).contains(&n));
    let one =
        |standalone: &'static str, masculine: &'static str, feminine: &'static str| match gender {
            Gender::Standalone => standalone,
            Gender::Masculine => masculine,
            Gender::Feminine => feminine,
        };
    match n {
        1 => one("uno", "un", "una").to_owned(),
        21 => one("veintiuno", "veintiún", "veintiuna").to_owned(),
        2..=29 => UNITS[n as usize].to_owned(),
        _ => {
            let (tens, ones) = (n / 10, n % 10);
            match ones {
                0 => TENS[tens as usize].to_owned(),
                1 => format!("{} y {}", TENS[tens as usize], one("uno", "un", "una")),
                _ => format!("{} y {}", TENS[tens as usize], UNITS[ones as usize]),
            }
        }
    }
}

/// 1..=999. `feminine_hundreds` gives "doscientas"; the ones follow `gender`.
fn below_thousand(n: u64, gender: Gender, feminine_hundreds: bool) -> String {
    debug_assert!((1..1000).contains(&n));
    let (hundreds, rest) = (n / 100, n % 100);
    let head = match hundreds {
        0 => None,
        // "cien" alone, "ciento" before more.
        1 if rest == 0 => Some("cien".to_owned()),
        1 => Some("ciento".to_owned()),
        h if feminine_hundreds => {
            let masculine = HUNDREDS[h as usize];
            Some(format!("{}as", &masculine[..masculine.len() - 2]))
        }
        h => Some(HUNDREDS[h as usize].to_owned()),
    };
    match (head, rest) {
        (Some(h), 0) => h,
        (Some(h), r) => format!("{h} {}", below_hundred(r, gender)),
        (None, r) => below_hundred(r, gender),
    }
}

/// 1..=999,999: "mil", never "un mil".
fn below_million(n: u64, gender: Gender) -> String {
    debug_assert!((1..1_000_000).contains(&n));
    let (thousands, rest) = (n / 1000, n % 1000);
    let feminine = gender == Gender::Feminine;
    let head = match thousands {
        0 => None,
        1 => Some("mil".to_owned()),
        // Before "mil" the ones are apocopated whatever the noun ("veintiún mil
        // personas", "doscientas un mil"), while hundreds agree with the noun.
        k => Some(format!(
            "{} mil",
            below_thousand(k, Gender::Masculine, feminine)
        )),
    };
    match (head, rest) {
        (Some(h), 0) => h,
        (Some(h), r) => format!("{h} {}", below_thousand(r, gender, feminine)),
        (None, r) => below_thousand(r, gender, feminine),
    }
}

const MILLION: u64 = 1_000_000;
const BILLION: u64 = 1_000_000_000_000;

/// A whole number in Spanish words (long scale: a billón is 10¹²), lower case.
pub fn number_in_words(n: u64, gender: Gender) -> String {
    if n == 0 {
        return UNITS[0].to_owned();
    }
    // "millón" and "billón" are nouns: what counts them is masculine and apocopated.
    let scaled = |count: u64, one: &str, many: &str| {
        if count == 1 {
            format!("un {one}")
        } else {
            format!("{} {many}", number_in_words(count, Gender::Masculine))
        }
    };
    let (head, rest) = if n >= BILLION {
        (Some(scaled(n / BILLION, "billón", "billones")), n % BILLION)
    } else if n >= MILLION {
        (Some(scaled(n / MILLION, "millón", "millones")), n % MILLION)
    } else {
        (None, n)
    };
    match (head, rest) {
        (Some(h), 0) => h,
        (Some(h), r) => format!("{h} {}", number_in_words(r, gender)),
        (None, r) => below_million(r, gender),
    }
}

/// An amount as Mexican documents write it: "Mil doscientos noventa y tres pesos
/// 10/100 M.N.", "Un millón de pesos 00/100 M.N.", "Un peso 00/100 M.N.".
pub fn amount_in_words(amount: Centavos) -> String {
    let magnitude = amount.get().unsigned_abs();
    let (pesos, centavos) = (magnitude / 100, magnitude % 100);
    let mut words = number_in_words(pesos, Gender::Masculine);
    // "un millón de pesos", "dos millones de pesos", but "un millón cien pesos".
    if pesos >= MILLION && pesos % MILLION == 0 {
        words.push(' ');
        words.push_str(t::CURRENCY_OF);
    }
    let currency = if pesos == 1 {
        t::CURRENCY_ONE
    } else {
        t::CURRENCY_MANY
    };
    let sentence = format!("{words} {currency} {centavos:02}/100 {}", t::CURRENCY_TAIL);
    let sentence = if amount.get() < 0 {
        format!("{} {sentence}", t::MINUS)
    } else {
        sentence
    };
    capitalise(&sentence)
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(n: u64) -> String {
        number_in_words(n, Gender::Masculine)
    }
    fn s(n: u64) -> String {
        number_in_words(n, Gender::Standalone)
    }
    fn f(n: u64) -> String {
        number_in_words(n, Gender::Feminine)
    }
    fn pesos(centavos: i64) -> String {
        amount_in_words(Centavos(centavos))
    }

    #[test]
    fn ones_agree_with_what_they_count() {
        assert_eq!(s(0), "cero");
        assert_eq!(s(1), "uno");
        assert_eq!(m(1), "un");
        assert_eq!(f(1), "una");
        assert_eq!(s(21), "veintiuno");
        assert_eq!(m(21), "veintiún");
        assert_eq!(f(21), "veintiuna");
        assert_eq!(s(31), "treinta y uno");
        assert_eq!(m(31), "treinta y un");
        assert_eq!(f(91), "noventa y una");
        assert_eq!(s(101), "ciento uno");
        assert_eq!(m(101), "ciento un");
        assert_eq!(f(201), "doscientas una");
    }

    #[test]
    fn teens_and_twenties_are_one_word() {
        let expected = [
            (10, "diez"),
            (11, "once"),
            (15, "quince"),
            (16, "dieciséis"),
            (19, "diecinueve"),
            (20, "veinte"),
            (22, "veintidós"),
            (23, "veintitrés"),
            (26, "veintiséis"),
            (29, "veintinueve"),
            (30, "treinta"),
            (32, "treinta y dos"),
            (99, "noventa y nueve"),
        ];
        for (n, words) in expected {
            assert_eq!(s(n), words, "{n}");
        }
    }

    #[test]
    fn hundreds_have_their_own_forms() {
        let expected = [
            (100, "cien"),
            (101, "ciento uno"),
            (110, "ciento diez"),
            (199, "ciento noventa y nueve"),
            (200, "doscientos"),
            (300, "trescientos"),
            (400, "cuatrocientos"),
            (500, "quinientos"),
            (555, "quinientos cincuenta y cinco"),
            (600, "seiscientos"),
            (700, "setecientos"),
            (777, "setecientos setenta y siete"),
            (800, "ochocientos"),
            (900, "novecientos"),
            (999, "novecientos noventa y nueve"),
        ];
        for (n, words) in expected {
            assert_eq!(s(n), words, "{n}");
        }
        assert_eq!(f(500), "quinientas");
        assert_eq!(f(700), "setecientas");
        assert_eq!(f(900), "novecientas");
        assert_eq!(f(100), "cien");
        assert_eq!(f(120), "ciento veinte");
    }

    #[test]
    fn thousands_say_mil_not_un_mil() {
        let expected = [
            (1_000, "mil"),
            (1_001, "mil uno"),
            (1_100, "mil cien"),
            (1_293, "mil doscientos noventa y tres"),
            (2_000, "dos mil"),
            (21_000, "veintiún mil"),
            (31_000, "treinta y un mil"),
            (100_000, "cien mil"),
            (101_000, "ciento un mil"),
            (200_500, "doscientos mil quinientos"),
            (400_000, "cuatrocientos mil"),
            (
                999_999,
                "novecientos noventa y nueve mil novecientos noventa y nueve",
            ),
        ];
        for (n, words) in expected {
            assert_eq!(s(n), words, "{n}");
        }
        assert_eq!(f(21_000), "veintiún mil");
        assert_eq!(f(200_000), "doscientas mil");
        assert_eq!(f(201_201), "doscientas un mil doscientas una");
    }

    #[test]
    fn millions_and_billions() {
        let expected = [
            (1_000_000, "un millón"),
            (1_000_001, "un millón uno"),
            (1_200_000, "un millón doscientos mil"),
            (2_000_000, "dos millones"),
            (21_000_000, "veintiún millones"),
            (100_000_000, "cien millones"),
            (413_200_000, "cuatrocientos trece millones doscientos mil"),
            (1_000_000_000, "mil millones"),
            (2_500_000_000, "dos mil quinientos millones"),
            (1_000_000_000_000, "un billón"),
            (3_000_000_000_005, "tres billones cinco"),
        ];
        for (n, words) in expected {
            assert_eq!(s(n), words, "{n}");
        }
        // Millions are counted in the masculine whatever the noun.
        assert_eq!(f(201_000_000), "doscientos un millones");
        assert!(s(u64::MAX).starts_with("dieciocho millones"));
    }

    #[test]
    fn amounts_as_mexican_documents_write_them() {
        let expected = [
            (129_310, "Mil doscientos noventa y tres pesos 10/100 M.N."),
            (800_000, "Ocho mil pesos 00/100 M.N."),
            (100, "Un peso 00/100 M.N."),
            (0, "Cero pesos 00/100 M.N."),
            (50, "Cero pesos 50/100 M.N."),
            (2_100, "Veintiún pesos 00/100 M.N."),
            (10_000, "Cien pesos 00/100 M.N."),
            (10_199, "Ciento un pesos 99/100 M.N."),
            (50_000, "Quinientos pesos 00/100 M.N."),
            (
                375_150,
                "Tres mil setecientos cincuenta y un pesos 50/100 M.N.",
            ),
            (40_000_000, "Cuatrocientos mil pesos 00/100 M.N."),
            (100_000_000, "Un millón de pesos 00/100 M.N."),
            (120_000_000, "Un millón doscientos mil pesos 00/100 M.N."),
            (200_000_000, "Dos millones de pesos 00/100 M.N."),
            (200_000_001, "Dos millones de pesos 01/100 M.N."),
            (200_000_100, "Dos millones un pesos 00/100 M.N."),
            (
                41_320_000_000,
                "Cuatrocientos trece millones doscientos mil pesos 00/100 M.N.",
            ),
            (100_000_000_000_000, "Un billón de pesos 00/100 M.N."),
            (
                -129_310,
                "Menos mil doscientos noventa y tres pesos 10/100 M.N.",
            ),
        ];
        for (centavos, words) in expected {
            assert_eq!(pesos(centavos), words, "{centavos}");
        }
        // The extremes do not overflow.
        assert!(pesos(i64::MIN).starts_with("Menos noventa y dos mil"));
        assert!(pesos(i64::MAX).ends_with(" pesos 07/100 M.N."));
    }
}
