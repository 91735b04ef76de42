//! Translations: one folder per language in `assets/i18n`, each with one JSON file
//! per screen, embedded at build time (see build.rs). Keys missing in a language fall back to es-MX, then to the key.
//!
//! A plain key → text map with `{name}` placeholders is all the screens need; a
//! Fluent bundle would add ~100 KB of wasm for plural rules no string uses yet.

use cosabi_core::ValidationError;
use leptos::prelude::*;
use std::collections::HashMap;
use std::sync::OnceLock;

include!(concat!(env!("OUT_DIR"), "/translations.rs"));

pub const DEFAULT_LANG: &str = "es-MX";

type Table = HashMap<String, String>;

fn tables() -> &'static HashMap<&'static str, Table> {
    static TABLES: OnceLock<HashMap<&'static str, Table>> = OnceLock::new();
    TABLES.get_or_init(|| {
        TRANSLATIONS
            .iter()
            .map(|(code, files)| {
                let mut table = Table::new();
                for json in *files {
                    // A broken translation file must not take the app down: its
                    // keys fall back to es-MX.
                    let part: Table = serde_json::from_str(json).unwrap_or_default();
                    table.extend(part);
                }
                (*code, table)
            })
            .collect()
    })
}

/// The languages available: (code, name in that language).
pub fn languages() -> Vec<(&'static str, String)> {
    let mut out: Vec<_> = TRANSLATIONS
        .iter()
        .map(|(code, _)| {
            (
                *code,
                lookup(code, "_language").unwrap_or_else(|| code.to_string()),
            )
        })
        .collect();
    out.sort_by_key(|(code, _)| (*code != DEFAULT_LANG, *code));
    out
}

fn lookup(lang: &str, key: &str) -> Option<String> {
    tables().get(lang).and_then(|t| t.get(key)).cloned()
}

/// Fills `{name}` placeholders.
pub fn interpolate(text: &str, args: &[(&str, String)]) -> String {
    let mut out = text.to_owned();
    for (k, v) in args {
        out = out.replace(&format!("{{{k}}}"), v);
    }
    out
}

/// The current language, shared through context.
#[derive(Clone, Copy)]
pub struct I18n {
    lang: RwSignal<String>,
}

impl I18n {
    pub fn new() -> Self {
        Self {
            lang: RwSignal::new(DEFAULT_LANG.to_owned()),
        }
    }

    pub fn lang(&self) -> String {
        self.lang.get()
    }

    pub fn set_lang(&self, code: &str) {
        if tables().contains_key(code) {
            self.lang.set(code.to_owned());
        }
    }

    /// The text for `key` in the current language (reactive).
    pub fn t(&self, key: &str) -> String {
        let lang = self.lang.get();
        lookup(&lang, key)
            .or_else(|| lookup(DEFAULT_LANG, key))
            .unwrap_or_else(|| key.to_owned())
    }

    pub fn t_with(&self, key: &str, args: &[(&str, String)]) -> String {
        interpolate(&self.t(key), args)
    }

    /// A count in words: `<key>.one` for 1, `<key>.other` otherwise, with `{count}`
    /// (Spanish and English plurals need no more forms).
    pub fn plural(&self, key: &str, count: usize) -> String {
        let form = if count == 1 { "one" } else { "other" };
        self.t_with(&format!("{key}.{form}"), &[("count", count.to_string())])
    }

    /// A member's role as it is said of them: by their gender (`f`, `m`), or the
    /// office when not said; roles that do not change (vocales) use `role.<code>`.
    pub fn role(&self, code: &str, gender: &str) -> String {
        let g = match gender {
            "f" | "m" => gender,
            _ => "none",
        };
        let key = format!("role.{code}.{g}");
        let said = self.t(&key);
        if said == key {
            self.t(&format!("role.{code}"))
        } else {
            said
        }
    }

    /// A failed command as one sentence: its first field problem, else its code.
    pub fn api_error_text(&self, e: &crate::api::ApiError) -> String {
        e.errors
            .first()
            .map(|v| self.error_text(v))
            .unwrap_or_else(|| {
                self.t_with(&format!("error.{}", e.code), &[("code", e.code.clone())])
            })
    }

    /// A validation problem as a sentence; a `role` detail is shown translated.
    pub fn error_text(&self, e: &ValidationError) -> String {
        let args: Vec<(&str, String)> = e
            .detail
            .iter()
            .map(|(k, v)| {
                let v = if k == "role" {
                    self.t(&format!("role.{v}"))
                } else {
                    v.clone()
                };
                (k.as_str(), v)
            })
            .collect();
        self.t_with(&format!("error.{}", e.code), &args)
    }
}

pub fn use_i18n() -> I18n {
    use_context::<I18n>().expect("I18n is provided by App")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A record's history names each field in words: every synced column of the
    /// catalog has a label (no "term_end" shown to a committee).
    #[test]
    fn every_synced_column_has_a_label() {
        let base = &tables()[DEFAULT_LANG];
        let missing: Vec<String> = cosabi_core::schema::TABLES
            .iter()
            .filter(|t| t.id < 100)
            .flat_map(|t| t.columns.iter().map(|c| format!("column.{}", c.name)))
            .filter(|k| !base.contains_key(k))
            .collect();
        assert!(missing.is_empty(), "no label for {missing:?}");
    }

    /// One name per concept: each screen's word for a glossary term is the term
    /// (the PDFs, the XLSX and the programme's view read the same glossary through
    /// `cosabi_core::glossary`), and no plural is written "comprobante(s)".
    #[test]
    fn one_name_per_concept() {
        let concepts: [(&str, &[&str]); 6] = [
            (
                "category",
                &[
                    "act.category",
                    "act.filter_category",
                    "money.filter_category",
                    "money.category",
                    "column.category",
                ],
            ),
            (
                "card_balance",
                &["money.card_balance", "home.card", "money.left_card"],
            ),
            ("cash", &["money.cash", "home.cash", "money.left_cash"]),
            ("spent", &["money.spent", "home.spent"]),
            ("assigned", &["home.assigned"]),
            ("left_to_spend", &["money.left"]),
        ];
        for (code, _) in TRANSLATIONS {
            let t = &tables()[code];
            for (term, keys) in concepts {
                let word = &t[&format!("term.{term}")];
                for k in keys {
                    assert_eq!(&t[*k], word, "{code}: {k} is not the glossary's {term}");
                }
            }
        }
        let es = &tables()[DEFAULT_LANG];
        for t in cosabi_core::glossary::TERMS {
            let key = format!("term.{t}");
            assert_eq!(
                es.get(&key).map(String::as_str),
                cosabi_core::glossary::es(&key),
                "{key}"
            );
        }
        let device: Vec<_> = es
            .iter()
            .filter(|(_, v)| v.contains("dispositivo"))
            .collect();
        assert!(device.is_empty(), "say equipo: {device:?}");
        // The health centre is a "centro de salud" (as the programme's releases say):
        // not a "clínica" (but for the programme's name) nor a "unidad de salud".
        let clinic: Vec<_> = es
            .iter()
            .filter(|(_, v)| {
                let v = v.replace("La Clínica es Nuestra", "");
                let lower = v.to_lowercase();
                lower.contains("clínica") || lower.contains("unidad de salud")
            })
            .collect();
        assert!(clinic.is_empty(), "say centro de salud: {clinic:?}");
    }

    #[test]
    fn every_language_has_every_key_of_es_mx() {
        let base = &tables()[DEFAULT_LANG];
        assert!(base.len() > 20, "es-MX table did not load");
        for (code, _) in TRANSLATIONS {
            let t = &tables()[code];
            let missing: Vec<_> = base.keys().filter(|k| !t.contains_key(*k)).collect();
            assert!(missing.is_empty(), "{code} lacks {missing:?}");
        }
    }

    #[test]
    fn every_error_code_has_a_message() {
        let base = &tables()[DEFAULT_LANG];
        for code in [
            "required",
            "too_long",
            "clues_required",
            "clues_format",
            "clues_state_unknown",
            "clues_state_mismatch",
            "state_required",
            "consultorios_range",
            "role_required",
            "role_taken",
            "date_format",
            "date_impossible",
            "device_name_invalid",
            "replacement_before_start",
            "term_end_before_start",
            "invalid",
            "no_clinic",
            "clinic_exists",
            "schema_too_new",
            "corrupt",
            "storage",
            "no_shell",
            "storage_busy",
            "no_worker",
            "unknown",
            // Who is using the device.
            "pin_format",
            "pin_wrong",
            "pin_locked",
            "pin_exists",
            "pin_not_set",
            "pin_needs_approval",
            "approver_role",
            "recovery_not_set",
            "locked",
            "not_locked",
            "server_invalid",
            "language_unknown",
            "value_invalid",
            "member_unknown",
            "too_many_attempts",
            "sign_in_required",
            "forbidden",
            // Money and photos.
            "amount_invalid",
            "quantity_invalid",
            "category_required",
            "kind_required",
            "paid_from_required",
            "rfc_format",
            "folio_format",
            "folio_duplicate",
            "photo_unreadable",
            "photo_too_large",
            // Sync.
            "network",
            "bad_response",
            "too_many_rounds",
            "own_changes_pending",
            "invalid_change",
            "divergent",
            "site_taken",
            "not_enrolled",
            "sync_running",
            "server_required",
            "qr_not_found",
            "qr_not_enrollment",
            "export_failed",
            "conflict_gone",
            "sync_file_other_clinic",
            "sync_file_altered",
            "sync_file_malformed",
            "sync_file_too_large",
            "sync_file_no_key",
            "sync_file_unknown_key",
            "sync_file_version",
            "sync_file_key_invalid",
            "qr_not_file_key",
            // Receipts that read themselves.
            "rfc_date",
            "rfc_check_digit",
            "cfdi_qr_not_verification_url",
            "cfdi_qr_not_sat",
            "cfdi_qr_missing_folio",
            "cfdi_qr_missing_rfc_emisor",
            "cfdi_qr_missing_rfc_receptor",
            "cfdi_qr_missing_total",
            "cfdi_qr_missing_sello",
            "cfdi_qr_repeated",
            "cfdi_qr_sello_format",
            "cfdi_amount_format",
            "cfdi_too_large",
            "cfdi_xml_malformed",
            "cfdi_xml_not_cfdi",
            "cfdi_xml_version",
            "cfdi_xml_missing",
            "cfdi_xml_date",
            "cfdi_xml_not_stamped",
            "cfdi_folio_already_used",
            "cfdi_total_differs",
            "cfdi_currency_not_mxn",
            "cfdi_not_income",
        ] {
            assert!(base.contains_key(&format!("error.{code}")), "error.{code}");
        }
        for code in [
            "purchase_total_mismatch",
            "seat_held_twice",
            "folio_used_twice",
            "acta_edited_while_closing",
            "change_set_aside",
        ] {
            assert!(
                base.contains_key(&format!("review.{code}")),
                "review.{code}"
            );
        }
        for role in cosabi_core::committee::Role::ALL {
            assert!(base.contains_key(&format!("role.{}", role.code())));
        }
    }

    #[test]
    fn no_key_is_defined_twice_and_every_file_parses() {
        for (code, files) in TRANSLATIONS {
            let mut seen = std::collections::HashSet::new();
            for json in *files {
                let part: Table = serde_json::from_str(json)
                    .unwrap_or_else(|e| panic!("{code}: a translation file does not parse: {e}"));
                for k in part.keys() {
                    assert!(seen.insert(k.clone()), "{code}: {k} is defined twice");
                }
            }
        }
    }

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(
            interpolate("{a} de {b}", &[("a", "5".into()), ("b", "7".into())]),
            "5 de 7"
        );
    }
}
