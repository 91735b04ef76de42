//! The committee's paperwork: acta, cuadernillo, expediente.

use super::{call, call_raw, ApiError};
use cosabi_api as c;
use uuid::Uuid;

pub use cosabi_api::{ExpedienteDone, ScannedDocument};
pub use cosabi_core::seal::{FileCheck, Verdict, Verification};

/// Writes the acta PDF; returns where.
pub async fn export_acta(assembly: Uuid) -> Result<String, ApiError> {
    call(&c::ExportActa { assembly }).await
}

/// Writes the cuadernillo PDF and XLSX; returns both paths.
pub async fn export_cuadernillo(fiscal_year: i32) -> Result<Vec<String>, ApiError> {
    call(&c::ExportCuadernillo { fiscal_year }).await
}

/// Writes the expediente ZIP; returns where, how many files, and what it lacks.
pub async fn export_expediente(fiscal_year: i32) -> Result<ExpedienteDone, ApiError> {
    call(&c::ExportExpediente { fiscal_year }).await
}

/// Checks a document by its printed code against this device's records; `None`: no
/// document with that code is known here.
pub async fn verify_document(code: &str) -> Result<Option<Verification>, ApiError> {
    call(&c::VerifyDocument {
        code: code.to_owned(),
    })
    .await
}

/// Checks a document by a photo of its QR code.
pub async fn verify_document_photo(image: &[u8]) -> Result<ScannedDocument, ApiError> {
    call_raw(&c::VerifyDocumentPhoto, image).await
}

/// Checks a document's file: is it the very file Cosabi made, and do its records
/// still match?
pub async fn verify_document_file(bytes: &[u8]) -> Result<FileCheck, ApiError> {
    call_raw(&c::VerifyDocumentFile, bytes).await
}

/// Opens a document the app wrote with the system's program for it.
pub async fn open_document(path: &str) -> Result<(), ApiError> {
    call(&c::OpenDocument {
        path: path.to_owned(),
    })
    .await
}

/// Saves a copy of a document the app wrote where the person chooses, through the
/// system's save dialog titled `title`: where the copy went, or `None` if cancelled.
pub async fn save_document_as(path: &str, title: &str) -> Result<Option<String>, ApiError> {
    call(&c::SaveDocumentAs {
        path: path.to_owned(),
        title: title.to_owned(),
    })
    .await
}
