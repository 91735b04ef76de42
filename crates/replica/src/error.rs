//! The replica's errors. The shell turns them into a stable code for the UI; nothing
//! of rusqlite crosses into the UI.

use cosabi_core::ValidationErrors;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// User input that breaks a rule: nothing was saved.
    #[error("invalid input: {0:?}")]
    Invalid(ValidationErrors),
    /// An operation that needs the clinic, before it exists.
    #[error("no clinic yet: create the clinic first")]
    NoClinic,
    /// A second clinic in a replica that holds one.
    #[error("this replica already holds clinic {0}: one replica holds one clinic")]
    ClinicExists(String),
    /// The database file is from a newer app version.
    #[error("database schema {found} is newer than this app ({known}): update the app")]
    SchemaTooNew { found: i64, known: i64 },
    /// Stored data that cannot be decoded.
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// Photos need a directory next to the database file; a replica in memory has none.
    #[error("this replica lives in memory and has no directory for photos")]
    NoBlobStore,
    /// A photo file could not be read or written.
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
    /// Nobody is signed in on this device and the action needs someone who is.
    #[error("nobody is signed in: sign in with your PIN first")]
    SignInRequired,
    /// The member signed in holds a role that may not do this.
    #[error("your role may not do this ({0:?}): ask a member who may")]
    Forbidden(cosabi_core::committee::Permission),
}

impl Error {
    /// A stable code the UI translates (`error.<code>`).
    pub fn code(&self) -> &'static str {
        match self {
            Error::Invalid(_) => "invalid",
            Error::NoClinic => "no_clinic",
            Error::ClinicExists(_) => "clinic_exists",
            Error::SchemaTooNew { .. } => "schema_too_new",
            Error::Corrupt(_) => "corrupt",
            Error::Sqlite(_) | Error::Io(_) => "storage",
            Error::NoBlobStore => "no_blob_store",
            Error::SignInRequired => "sign_in_required",
            Error::Forbidden(_) => "forbidden",
        }
    }
}

impl From<ValidationErrors> for Error {
    fn from(e: ValidationErrors) -> Self {
        Error::Invalid(e)
    }
}

impl From<cosabi_core::ValidationError> for Error {
    fn from(e: cosabi_core::ValidationError) -> Self {
        Error::Invalid(e.into())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
