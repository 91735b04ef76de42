//! One name per concept, everywhere: the app's screens, the acta and the cuadernillo
//! (PDF and XLSX), the expediente and the programme's view all take their words for
//! roles, categories, statuses, kinds of receipt and the money terms ("Rubro",
//! "Saldo en tarjeta", "Efectivo en caja", "Gastado") from the app's glossary file,
//! `assets/i18n/es-MX/glossary.json`, so a word changed there changes everywhere.
//! The documents are in Spanish (es-MX), as the programme files them.

use std::collections::HashMap;
use std::sync::OnceLock;

const GLOSSARY_ES_MX: &str = include_str!("../../../assets/i18n/es-MX/glossary.json");

fn table() -> &'static HashMap<String, String> {
    static TABLE: OnceLock<HashMap<String, String>> = OnceLock::new();
    // Built into the binary and checked by the tests below: parsed once.
    TABLE.get_or_init(|| serde_json::from_str(GLOSSARY_ES_MX).unwrap_or_default())
}

/// The glossary's word for `key` (e.g. `term.category`, `role.tesorero.f`).
pub fn es(key: &str) -> Option<&'static str> {
    table().get(key).map(String::as_str)
}

/// A fixed term (`term.<name>`, one of [`TERMS`]); the name itself if missing,
/// which the tests rule out.
pub fn term(name: &'static str) -> &'static str {
    es(&format!("term.{name}")).unwrap_or(name)
}

/// A coded value in words (`<prefix>.<code>`: `category.mobiliario`), or `None`
/// for a code this version does not know (from a newer app).
pub fn code(prefix: &str, code: &str) -> Option<&'static str> {
    es(&format!("{prefix}.{code}"))
}

/// A member's role as it is said of them: by their gender (`f`, `m`), or the
/// office ("Presidencia") when not said; roles that do not change by gender
/// (vocales) have one word.
pub fn role(code: &str, gender: &str) -> Option<&'static str> {
    let g = match gender {
        "f" | "m" => gender,
        _ => "none",
    };
    es(&format!("role.{code}.{g}")).or_else(|| es(&format!("role.{code}")))
}

/// The terms every document uses.
pub const TERMS: &[&str] = &[
    "category",
    "categories_total",
    "assigned",
    "spent",
    "total_spent",
    "left_to_spend",
    "card_balance",
    "cash",
    "device",
    "sync",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::committee::Role;

    #[test]
    fn the_glossary_parses_and_has_every_term() {
        assert!(table().len() > 50, "glossary did not load");
        for t in TERMS {
            assert!(es(&format!("term.{t}")).is_some(), "no term.{t}");
        }
        assert_eq!(term("category"), "Rubro");
    }

    #[test]
    fn every_role_category_and_status_has_its_words() {
        for r in Role::ALL {
            for g in ["f", "m", ""] {
                assert!(role(r.code(), g).is_some(), "{} {g}", r.code());
            }
        }
        assert_eq!(role("tesorero", "f"), Some("Tesorera"));
        assert_eq!(role("tesorero", ""), Some("Tesorería"));
        assert_eq!(role("vocal_salud", "m"), Some("Vocal de salud"));
        for c in crate::actions::Category::ALL {
            assert!(code("category", c.code()).is_some(), "{}", c.code());
        }
        assert_eq!(code("category", "nueva"), None);
    }
}
