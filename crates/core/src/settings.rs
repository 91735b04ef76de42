//! What the person using the device may set, by name. The shell exposes these and
//! nothing else: the sync token, PIN data and lockouts are not settings anyone can
//! read or change from the screen.

use crate::ValidationError;
use serde::{Deserialize, Serialize};

/// A device preference.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Preference {
    /// `es-MX` or `en`.
    Language,
    /// The privacy notice was accepted on this device (`1`).
    PrivacyAccepted,
    /// The sync server's address typed last, offered again at enrollment.
    ServerHint,
}

/// Languages the app speaks.
pub const LANGUAGES: &[&str] = &["es-MX", "en"];
/// Longest server address kept.
pub const SERVER_HINT_MAX: usize = 200;
/// Largest draft kept for one form.
pub const DRAFT_BYTES_MAX: usize = 64 * 1024;
/// Longest form name.
pub const DRAFT_FORM_MAX: usize = 64;

impl Preference {
    /// The storage key.
    pub fn key(self) -> &'static str {
        match self {
            Preference::Language => "pref.language",
            Preference::PrivacyAccepted => "pref.privacy_accepted",
            Preference::ServerHint => "pref.server_hint",
        }
    }

    /// Whether it is kept outside the encrypted replica, readable before anyone signs
    /// in (the lock screen speaks the chosen language).
    pub fn before_sign_in(self) -> bool {
        matches!(self, Preference::Language | Preference::PrivacyAccepted)
    }

    /// Checks a value for this preference; the value to keep.
    pub fn check(self, value: &str) -> Result<String, ValidationError> {
        let bad = |code: &str| Err(ValidationError::new("preference", code));
        match self {
            Preference::Language if LANGUAGES.contains(&value) => Ok(value.to_string()),
            Preference::Language => bad("language_unknown"),
            Preference::PrivacyAccepted if value == "1" => Ok(value.to_string()),
            Preference::PrivacyAccepted => bad("value_invalid"),
            Preference::ServerHint => {
                let v = value.trim();
                if v.len() > SERVER_HINT_MAX || v.chars().any(char::is_control) {
                    bad("value_invalid")
                } else {
                    Ok(v.to_string())
                }
            }
        }
    }
}

/// The storage key of a form's draft: `draft.<form>`, the form's name being lower
/// case ASCII letters, digits, `_`, `-` or `.`.
pub fn draft_key(form: &str) -> Result<String, ValidationError> {
    let ok = !form.is_empty()
        && form.len() <= DRAFT_FORM_MAX
        && form
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_-.".contains(&b));
    if ok {
        Ok(format!("draft.{form}"))
    } else {
        Err(ValidationError::new("draft", "value_invalid"))
    }
}

/// Checks a draft's text before it is kept.
pub fn check_draft(text: &str) -> Result<(), ValidationError> {
    if text.len() > DRAFT_BYTES_MAX {
        return Err(
            ValidationError::new("draft", "too_long").with("max", DRAFT_BYTES_MAX.to_string())
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preferences_are_checked() {
        assert!(Preference::Language.check("en").is_ok());
        assert!(Preference::Language.check("fr").is_err());
        assert!(Preference::PrivacyAccepted.check("0").is_err());
        assert!(Preference::ServerHint.check("http://10.0.0.1:8080").is_ok());
        assert!(Preference::ServerHint.check("a\u{1b}[2J").is_err());
        assert!(Preference::ServerHint.check(&"a".repeat(201)).is_err());
    }

    #[test]
    fn preferences_live_apart_from_every_secret() {
        for p in [
            Preference::Language,
            Preference::PrivacyAccepted,
            Preference::ServerHint,
        ] {
            assert!(p.key().starts_with("pref."), "{p:?}");
        }
    }

    #[test]
    fn draft_names_cannot_reach_other_settings() {
        assert_eq!(draft_key("purchase").unwrap(), "draft.purchase");
        assert_eq!(
            draft_key("assembly.minutes-1").unwrap(),
            "draft.assembly.minutes-1"
        );
        for bad in ["", "sync.token\0", "../x", "Pin", "a b", &"x".repeat(65)] {
            assert!(draft_key(bad).is_err(), "{bad:?}");
        }
        assert!(check_draft(&"x".repeat(DRAFT_BYTES_MAX + 1)).is_err());
    }
}
