//! What a failed command answers, whichever host ran it: a stable code the UI
//! translates (`error.<code>`), and for invalid input each field's problem. Never a
//! storage or network message: hosts log the detail and send only the code.

use cosabi_core::ValidationError;
use serde::{Deserialize, Serialize};

/// A failed command: `{ "code": …, "errors": [...] }` on the wire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiError {
    /// Translated by the UI as `error.<code>`.
    pub code: String,
    /// For `invalid`: each field's problem.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ValidationError>,
}

/// What a host answers for a command.
pub type ApiResult<T> = Result<T, ApiError>;

/// No command of the contract has this name.
pub const UNKNOWN_COMMAND: &str = "unknown_command";
/// The arguments are not the command's (a missing or mistyped field, JSON for a
/// raw command, bytes for a JSON one, a header missing or malformed).
pub const BAD_ARGUMENTS: &str = "bad_arguments";

impl ApiError {
    /// An error with only a code (translated by the UI as `error.<code>`).
    pub fn code(code: &str) -> Self {
        ApiError {
            code: code.to_owned(),
            errors: Vec::new(),
        }
    }

    /// The arguments of command `name` are not the contract's; `detail` says how, for
    /// whoever reads the log (the UI shows only that the app made a mistake).
    pub fn bad_arguments(name: &str, detail: impl Into<String>) -> Self {
        ApiError {
            code: BAD_ARGUMENTS.to_owned(),
            errors: vec![ValidationError::new(name, BAD_ARGUMENTS).with("detail", detail)],
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.code)?;
        for e in &self.errors {
            write!(f, "; {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// Replica errors as the UI sees them: the code, the field problems of `invalid`;
/// anything else is logged here and only its code goes on.
#[cfg(feature = "replica")]
impl From<cosabi_replica::Error> for ApiError {
    fn from(e: cosabi_replica::Error) -> Self {
        let code = e.code().to_owned();
        match e {
            cosabi_replica::Error::Invalid(v) => ApiError { code, errors: v.0 },
            other => {
                eprintln!("cosabi: {other}");
                ApiError::code(&code)
            }
        }
    }
}
