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
