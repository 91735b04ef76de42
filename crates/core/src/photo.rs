//! Photo records: the metadata of an image that travels separately, addressed by its
//! SHA-256, and the record it documents.

use crate::error::{ValidationError, ValidationErrors};
use crate::input::{code_enum, required_code};
use crate::schema::{ACTION, ASSEMBLY, PURCHASE, RECEIPT};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

code_enum!(
    /// What a photo shows: a receipt, an action before or after the work, or the
    /// wet-signed printout of an acta.
    PhotoKind {
        Receipt => "receipt",
        Before => "before",
        After => "after",
        Acta => "acta",
    }
);

impl PhotoKind {
    /// The tables whose rows a photo of this kind may document.
    pub fn owner_tables(self) -> &'static [u16] {
        match self {
            PhotoKind::Receipt => &[RECEIPT.id, PURCHASE.id],
            PhotoKind::Before | PhotoKind::After => &[ACTION.id],
            PhotoKind::Acta => &[ASSEMBLY.id],
        }
    }
}

/// Largest photo or scan accepted, after the device has resized it.
pub const PHOTO_BYTES_MAX: i64 = 20 * 1024 * 1024;

/// A photo taken or picked on the device, described for its record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewPhoto {
    /// The [`crate::schema::TableDef::id`] of the row it documents.
    pub owner_table: u16,
    pub owner_id: Uuid,
    /// A [`PhotoKind::code`].
    pub kind: String,
    /// Hex SHA-256 of the file's bytes.
    pub sha256: String,
    pub size_bytes: i64,
    pub mime: String,
    /// RFC 3339, or empty when the camera did not say.
    #[serde(default)]
    pub taken_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidPhoto {
    pub owner_table: u16,
    pub owner_id: Uuid,
    pub kind: PhotoKind,
    /// Lower-case.
    pub sha256: String,
    pub size_bytes: i64,
    pub mime: String,
    pub taken_at: String,
}

/// Checks a hex SHA-256 (64 digits) and returns it lower-case.
pub fn validate_sha256(input: &str) -> Result<String, ValidationError> {
    let h = input.trim().to_ascii_lowercase();
    if h.len() == 64 && h.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(h)
    } else {
        Err(ValidationError::new("sha256", "sha256_format"))
    }
}

impl NewPhoto {
    pub fn validate(&self) -> Result<ValidPhoto, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let kind = required_code(
            "kind",
            &self.kind,
            "kind_required",
            PhotoKind::from_code,
            &mut errors,
        );
        if let Some(k) = kind {
            if !k.owner_tables().contains(&self.owner_table) {
                errors.push(ValidationError::new("owner_table", "owner_invalid"));
            }
        }
        let sha256 = validate_sha256(&self.sha256)
            .map_err(|e| errors.push(e))
            .ok();
        if !(1..=PHOTO_BYTES_MAX).contains(&self.size_bytes) {
            errors.push(
                ValidationError::new("size_bytes", "size_invalid")
                    .with("max", PHOTO_BYTES_MAX.to_string()),
            );
        }
        let mime = self.mime.trim().to_ascii_lowercase();
        if !(mime.starts_with("image/") || mime == "application/pdf") {
            errors.push(ValidationError::new("mime", "mime_invalid"));
        }
        let taken_at = self.taken_at.trim().to_owned();
        if !taken_at.is_empty() && chrono::DateTime::parse_from_rfc3339(&taken_at).is_err() {
            errors.push(ValidationError::new("taken_at", "datetime_format"));
        }
        errors.into_result()?;
        match (kind, sha256) {
            (Some(kind), Some(sha256)) => Ok(ValidPhoto {
                owner_table: self.owner_table,
                owner_id: self.owner_id,
                kind,
                sha256,
                size_bytes: self.size_bytes,
                mime,
                taken_at,
            }),
            _ => unreachable!("a missing field always records an error"),
        }
    }
}

/// A photo record as the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Photo {
    pub id: Uuid,
    pub owner_table: u16,
    pub owner_id: Uuid,
    /// A [`PhotoKind::code`].
    pub kind: String,
    pub sha256: String,
    pub size_bytes: i64,
    pub mime: String,
    pub taken_at: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> NewPhoto {
        NewPhoto {
            owner_table: RECEIPT.id,
            owner_id: Uuid::nil(),
            kind: "receipt".into(),
            sha256: "AB".repeat(32),
            size_bytes: 80_000,
            mime: "image/jpeg".into(),
            taken_at: "2025-05-02T10:31:00-06:00".into(),
        }
    }

    #[test]
    fn valid_photo_is_normalised() {
        let p = good().validate().unwrap();
        assert_eq!(p.sha256, "ab".repeat(32));
        assert_eq!(p.kind, PhotoKind::Receipt);
    }

    #[test]
    fn photo_reports_every_problem() {
        let bad = NewPhoto {
            owner_table: ASSEMBLY.id,
            sha256: "abc".into(),
            size_bytes: 0,
            mime: "text/plain".into(),
            taken_at: "ayer".into(),
            ..good()
        };
        let codes: Vec<_> = bad
            .validate()
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect();
        let want = [
            ("owner_table", "owner_invalid"),
            ("sha256", "sha256_format"),
            ("size_bytes", "size_invalid"),
            ("mime", "mime_invalid"),
            ("taken_at", "datetime_format"),
        ];
        assert_eq!(
            codes,
            want.map(|(f, c)| (f.to_owned(), c.to_owned())).to_vec()
        );
        let no_kind = NewPhoto {
            kind: "selfie".into(),
            ..good()
        };
        assert_eq!(no_kind.validate().unwrap_err().0[0].code, "kind_required");
        assert_eq!(
            validate_sha256(&"g".repeat(64)).unwrap_err().code,
            "sha256_format"
        );
    }
}
