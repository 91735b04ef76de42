//! The committee's paperwork: acta, cuadernillo, expediente.

use super::{invoke, ApiError};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Serialize)]
struct Assembly {
    assembly: Uuid,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Year {
    fiscal_year: i32,
}

/// Writes the acta PDF; returns where.
pub async fn export_acta(assembly: Uuid) -> Result<String, ApiError> {
    invoke("export_acta", &Assembly { assembly }).await
}

/// Writes the cuadernillo PDF and XLSX; returns both paths.
pub async fn export_cuadernillo(fiscal_year: i32) -> Result<Vec<String>, ApiError> {
    invoke("export_cuadernillo", &Year { fiscal_year }).await
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ExpedienteDone {
    pub path: String,
    pub files: usize,
    pub gaps: Vec<String>,
}

/// Writes the expediente ZIP; returns where, how many files, and what it lacks.
pub async fn export_expediente(fiscal_year: i32) -> Result<ExpedienteDone, ApiError> {
    invoke("export_expediente", &Year { fiscal_year }).await
}

pub use cosabi_core::seal::{FileCheck, Verdict, Verification};

#[derive(Serialize)]
struct Code<'a> {
    code: &'a str,
}

/// Checks a document by its printed code against this device's records; `None`: no
/// document with that code is known here.
pub async fn verify_document(code: &str) -> Result<Option<Verification>, ApiError> {
    invoke("verify_document", &Code { code }).await
}

/// What a photo of a document's QR code said, and its verification.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ScannedDocument {
    pub code: String,
    pub verification: Option<Verification>,
}

/// Checks a document by a photo of its QR code.
pub async fn verify_document_photo(image: &[u8]) -> Result<ScannedDocument, ApiError> {
    super::invoke_raw("verify_document_photo", image, &[]).await
}

/// Checks a document's file: is it the very file Cosabi made, and do its records
/// still match?
pub async fn verify_document_file(bytes: &[u8]) -> Result<FileCheck, ApiError> {
    super::invoke_raw("verify_document_file", bytes, &[]).await
}

#[derive(Serialize)]
struct DocumentPath<'a> {
    path: &'a str,
}

/// Opens a document the app wrote with the system's program for it.
pub async fn open_document(path: &str) -> Result<(), ApiError> {
    invoke("open_document", &DocumentPath { path }).await
}

#[derive(Serialize)]
struct SaveAs<'a> {
    path: &'a str,
    title: &'a str,
}

/// Saves a copy of a document the app wrote where the person chooses, through the
/// system's save dialog titled `title`: where the copy went, or `None` if cancelled.
pub async fn save_document_as(path: &str, title: &str) -> Result<Option<String>, ApiError> {
    invoke("save_document_as", &SaveAs { path, title }).await
}
