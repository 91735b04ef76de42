//! What the UI receives when a command fails: a stable code and, for invalid input,
//! the field problems. Never a rusqlite message: the detail goes to the log only.

use cosabi_core::ValidationError;
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct ApiError {
    /// Translated by the UI as `error.<code>`.
    pub code: String,
    /// For `invalid`: each field's problem.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ValidationError>,
}

impl ApiError {
    /// An error with only a code (translated by the UI as `error.<code>`).
    pub fn code(code: &str) -> Self {
        ApiError {
            code: code.to_owned(),
            errors: Vec::new(),
        }
    }
}

impl From<cosabi_replica::Error> for ApiError {
    fn from(e: cosabi_replica::Error) -> Self {
        let code = e.code().to_owned();
        match e {
            cosabi_replica::Error::Invalid(v) => ApiError { code, errors: v.0 },
            other => {
                eprintln!("cosabi: {other}");
                ApiError {
                    code,
                    errors: Vec::new(),
                }
            }
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
