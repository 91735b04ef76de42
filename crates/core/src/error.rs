//! Validation errors: a stable machine code per problem plus the field it concerns.
//!
//! The UI chooses the user-facing (translated) text from `code`; `detail` carries the
//! few values a message needs (for example the state a CLUES prefix belongs to).

use serde::{Deserialize, Serialize};

/// One problem with user input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{field}: {code}")]
pub struct ValidationError {
    /// The form field the problem belongs to (`clues`, `name`, `role`, …).
    pub field: String,
    /// Stable code, also the translation key suffix (`error.<code>`).
    pub code: String,
    /// Optional values interpolated into the message.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub detail: Vec<(String, String)>,
}

impl ValidationError {
    pub fn new(field: &str, code: &str) -> Self {
        Self {
            field: field.to_owned(),
            code: code.to_owned(),
            detail: Vec::new(),
        }
    }

    pub fn with(mut self, key: &str, value: impl Into<String>) -> Self {
        self.detail.push((key.to_owned(), value.into()));
        self
    }
}

/// All problems found in one form, so the user can fix them in one pass.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("invalid input: {0:?}")]
pub struct ValidationErrors(pub Vec<ValidationError>);

impl ValidationErrors {
    pub fn push(&mut self, e: ValidationError) {
        self.0.push(e);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` when nothing was found, else all the problems.
    pub fn into_result(self) -> Result<(), ValidationErrors> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }
}

impl From<ValidationError> for ValidationErrors {
    fn from(e: ValidationError) -> Self {
        Self(vec![e])
    }
}
