//! Results made for the UI by the host (not stored as such by the replica): declared
//! once here, returned by the host and read by the UI.

/// An agreement as offered when choosing the one that approved an action (made by
/// `cosabi_core::assembly::agreement_choices`).
pub use cosabi_core::assembly::AgreementChoice;
use cosabi_core::cfdi::Hint;
use cosabi_core::photo::Photo;
use cosabi_core::seal::Verification;
use serde::{Deserialize, Serialize};

/// A photo record and whether its image is on this device (else it is fetched on
/// demand).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhotoView {
    pub photo: Photo,
    pub local: bool,
}

/// What the expediente export wrote and what it lacks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExpedienteDone {
    pub path: String,
    pub files: usize,
    /// Each gap in words (Spanish), e.g. a purchase without a receipt.
    pub gaps: Vec<String>,
}

/// What a photo of a document's QR code said, and its verification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScannedDocument {
    /// The code read from the QR code.
    pub code: String,
    pub verification: Option<Verification>,
}

/// What an enrollment QR image says: the code, and the server when printed with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScannedCode {
    pub code: String,
    pub server: Option<String>,
}

/// The clinic's sync-file key as people see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileKey {
    /// Grouped by four with dashes, for reading out and typing.
    pub text: String,
    /// The QR code, a PNG data URL, for another device to read from a photo.
    pub qr: String,
}

/// What a CFDI read from a receipt says, with warnings for the purchase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CfdiRead<T> {
    pub cfdi: T,
    pub hints: Vec<Hint>,
}
