//! The paperwork that falls out of what the committee recorded: the acta PDF, the
//! cuadernillo de control de gastos (PDF and XLSX) and the whole expediente (ZIP),
//! written to the Downloads folder (or `COSABI_EXPORT_DIR`). Async commands: they run
//! off the window's thread, so the screen stays responsive while a ZIP is written.

use super::sync::export_dir;
use crate::error::{ApiError, ApiResult};
use crate::AppState;
use serde::Serialize;
use std::path::{Path, PathBuf};
use tauri::State;
use uuid::Uuid;

fn report_error(e: cosabi_reports::Error) -> ApiError {
    match e {
        cosabi_reports::Error::Replica(e) => e.into(),
        cosabi_reports::Error::NoClinic => ApiError::code("no_clinic"),
        cosabi_reports::Error::NotFound { .. } => ApiError::code("not_found"),
        other => {
            eprintln!("cosabi: report: {other}");
            ApiError::code("report_failed")
        }
    }
}

fn lock<'a>(
    state: &'a State<'_, AppState>,
) -> ApiResult<std::sync::MutexGuard<'a, cosabi_replica::Replica>> {
    state.replica.lock().map_err(|_| ApiError::code("storage"))
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> ApiResult<String> {
    std::fs::create_dir_all(dir).map_err(|_| ApiError::code("export_failed"))?;
    let path = dir.join(name);
    std::fs::write(&path, bytes).map_err(|_| ApiError::code("export_failed"))?;
    Ok(path.display().to_string())
}

/// `<what>-<CLUES>-<suffix>`: a file name a municipal office can sort.
fn file_name(state: &State<'_, AppState>, what: &str, suffix: &str) -> ApiResult<String> {
    let clues = lock(state)?.clinic()?.map(|c| c.clues).unwrap_or_default();
    Ok(format!("{what}-{clues}-{suffix}"))
}

/// The acta of one assembly as a PDF; returns where it was written.
#[tauri::command]
pub async fn export_acta<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
    assembly: Uuid,
) -> ApiResult<String> {
    let (pdf, date) = {
        let r = lock(&state)?;
        let date = r
            .assembly(assembly)?
            .map(|d| d.assembly.date)
            .ok_or_else(|| ApiError::code("not_found"))?;
        (
            cosabi_reports::acta_pdf(&r, assembly).map_err(report_error)?,
            date,
        )
    };
    let name = file_name(&state, "acta", &format!("{date}.pdf"))?;
    write(&export_dir(&app), &name, &pdf)
}

/// The cuadernillo of a fiscal year, PDF and XLSX; returns both paths.
#[tauri::command]
pub async fn export_cuadernillo<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
    fiscal_year: i32,
) -> ApiResult<Vec<String>> {
    let (pdf, xlsx) = {
        let r = lock(&state)?;
        (
            cosabi_reports::cuadernillo_pdf(&r, fiscal_year).map_err(report_error)?,
            cosabi_reports::cuadernillo_xlsx(&r, fiscal_year).map_err(report_error)?,
        )
    };
    let dir = export_dir(&app);
    Ok(vec![
        write(
            &dir,
            &file_name(&state, "cuadernillo", &format!("{fiscal_year}.pdf"))?,
            &pdf,
        )?,
        write(
            &dir,
            &file_name(&state, "cuadernillo", &format!("{fiscal_year}.xlsx"))?,
            &xlsx,
        )?,
    ])
}

/// What the expediente export wrote and what it lacks.
#[derive(Debug, Serialize)]
pub struct ExpedienteDone {
    pub path: String,
    pub files: usize,
    /// Each gap in words (Spanish), e.g. a purchase without a receipt.
    pub gaps: Vec<String>,
}

/// The whole expediente of a fiscal year as one ZIP, with its completeness report.
#[tauri::command]
pub async fn export_expediente<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
    fiscal_year: i32,
) -> ApiResult<ExpedienteDone> {
    let dir = export_dir(&app);
    std::fs::create_dir_all(&dir).map_err(|_| ApiError::code("export_failed"))?;
    let path: PathBuf = dir.join(file_name(
        &state,
        "expediente",
        &format!("{fiscal_year}.zip"),
    )?);
    // Written next to its final name and renamed, so a cut never leaves half a ZIP.
    let partial = path.with_extension("zip.partial");
    let file = std::fs::File::create(&partial).map_err(|_| ApiError::code("export_failed"))?;
    let report = {
        let r = lock(&state)?;
        cosabi_reports::expediente_zip(&r, fiscal_year, std::io::BufWriter::new(file))
            .map_err(report_error)?
    };
    std::fs::rename(&partial, &path).map_err(|_| ApiError::code("export_failed"))?;
    Ok(ExpedienteDone {
        path: path.display().to_string(),
        files: report.files.len(),
        gaps: report
            .completeness
            .gaps
            .iter()
            .map(|g| g.description.clone())
            .collect(),
    })
}
