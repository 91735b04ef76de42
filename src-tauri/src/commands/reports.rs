//! The paperwork that falls out of what the committee recorded: the acta PDF, the
//! cuadernillo de control de gastos (PDF and XLSX) and the whole expediente (ZIP),
//! written to the Downloads folder (or `COSABI_EXPORT_DIR`). Async commands: they run
//! off the window's thread, so the screen stays responsive while a ZIP is written.
//!
//! Every document is sealed ([`cosabi_reports::seal`]): its seal is recorded in the
//! replica (and syncs), and its QR code opens the sync server's verification page
//! when the device is enrolled. The `verify_document*` commands check a document
//! offline against this replica: by its code, by a photo of its QR code, or by the
//! file itself.

use super::sync::export_dir;
use super::{Out, RawOut};
use crate::error::{ApiError, ApiResult};
use crate::AppState;
use cosabi_api as api;
use cosabi_api::{ExpedienteDone, ScannedDocument};
use std::path::{Path, PathBuf};
use tauri::ipc::{InvokeBody, Request};
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

/// The issuer of this device's documents: now, with the sync server's address.
fn issuer(r: &cosabi_replica::Replica) -> ApiResult<cosabi_reports::Issuer> {
    let server = r.setting(super::sync::SETTING_SERVER)?;
    Ok(cosabi_reports::Issuer::now(
        server.filter(|s| !s.trim().is_empty()),
    ))
}

fn lock<'a>(
    state: &'a State<'_, AppState>,
) -> ApiResult<std::sync::MutexGuard<'a, cosabi_replica::Replica>> {
    if state.is_locked() {
        return Err(ApiError::code("locked"));
    }
    state.replica.lock().map_err(|_| ApiError::code("storage"))
}

/// The replica for an export, which records the document's seal: through the gate.
fn lock_to_export<'a>(
    state: &'a State<'_, AppState>,
) -> ApiResult<std::sync::MutexGuard<'a, cosabi_replica::Replica>> {
    let r = lock(state)?;
    r.gate(cosabi_core::access::Write::ExportDocument)?;
    Ok(r)
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
) -> ApiResult<Out<api::ExportActa>> {
    let (pdf, date) = {
        let mut r = lock_to_export(&state)?;
        let date = r
            .assembly(assembly)?
            .map(|d| d.assembly.date)
            .ok_or_else(|| ApiError::code("not_found"))?;
        let issuer = issuer(&r)?;
        (
            cosabi_reports::issue_acta(&mut r, assembly, &issuer).map_err(report_error)?,
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
) -> ApiResult<Out<api::ExportCuadernillo>> {
    let (pdf, xlsx) = {
        let mut r = lock_to_export(&state)?;
        let issuer = issuer(&r)?;
        (
            cosabi_reports::issue_cuadernillo(&mut r, fiscal_year, &issuer)
                .map_err(report_error)?,
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

/// The kinds of file this app writes for people, and only those, may be opened.
const OPENABLE: &[&str] = &["pdf", "xlsx", "zip"];

/// A document this app wrote, as a caller names it: only a file in the export
/// folder, of a kind the app writes, so the window cannot reach any other file.
/// Returns its canonical path and its kind (lowercase extension).
fn exported_document<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    path: &str,
) -> ApiResult<(PathBuf, &'static str)> {
    let refused = || ApiError::code("open_refused");
    let dir = export_dir(app).canonicalize().map_err(|_| refused())?;
    let file = Path::new(path).canonicalize().map_err(|_| refused())?;
    let kind = file
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .and_then(|k| OPENABLE.iter().find(|o| **o == k).copied())
        .ok_or_else(refused)?;
    if file.parent() != Some(dir.as_path()) || !file.is_file() {
        return Err(refused());
    }
    Ok((file, kind))
}

/// Opens a document this app wrote with the system's program for it (the PDF
/// viewer, the spreadsheet).
#[tauri::command]
pub fn open_document<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    path: String,
) -> ApiResult<Out<api::OpenDocument>> {
    let (file, _) = exported_document(&app, &path)?;
    tauri_plugin_opener::open_path(file.display().to_string(), None::<&str>).map_err(|e| {
        eprintln!("cosabi: open {}: {e}", file.display());
        ApiError::code("open_failed")
    })
}

/// Where a copy goes: the chosen path, with the document's extension added when the
/// person typed a name without it ("acta marzo" → "acta marzo.pdf").
fn copy_target(chosen: PathBuf, kind: &str) -> PathBuf {
    let has_kind = chosen
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case(kind));
    if has_kind {
        chosen
    } else {
        let mut name = chosen.clone().into_os_string();
        name.push(format!(".{kind}"));
        PathBuf::from(name)
    }
}

/// Copies `from` to `to` whole or not at all: written beside the target under a
/// temporary name, flushed, then renamed over it, so a stick pulled out mid-copy
/// leaves no half document under the real name.
fn copy_whole(from: &Path, to: &Path) -> std::io::Result<()> {
    let mut part = to.as_os_str().to_owned();
    part.push(".part");
    let part = PathBuf::from(part);
    let result = (|| {
        let mut src = std::fs::File::open(from)?;
        let mut dst = std::fs::File::create(&part)?;
        std::io::copy(&mut src, &mut dst)?;
        dst.sync_all()?;
        std::fs::rename(&part, to)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&part);
    }
    result
}

/// Saves a copy of a document this app wrote where the person chooses, through the
/// system's save dialog (a USB stick, a shared folder, Documentos): returns where
/// the copy went, or nothing when the dialog was cancelled. `title` is the dialog's
/// title in the window's language.
#[tauri::command]
pub async fn save_document_as<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    path: String,
    title: String,
) -> ApiResult<Out<api::SaveDocumentAs>> {
    use tauri_plugin_dialog::DialogExt;
    let (file, kind) = exported_document(&app, &path)?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut dialog = app
        .dialog()
        .file()
        .set_title(title.chars().take(120).collect::<String>())
        .set_file_name(name)
        .add_filter(kind.to_ascii_uppercase(), &[kind]);
    if let Some(dir) = file.parent() {
        dialog = dialog.set_directory(dir);
    }
    let Some(chosen) = dialog.blocking_save_file() else {
        return Ok(None);
    };
    let chosen = chosen
        .into_path()
        .map_err(|_| ApiError::code("save_failed"))?;
    let target = copy_target(chosen, kind);
    if target.canonicalize().ok().as_deref() == Some(file.as_path()) {
        // Saved over itself: the document is already there.
        return Ok(Some(file.display().to_string()));
    }
    copy_whole(&file, &target).map_err(|e| {
        eprintln!("cosabi: save a copy to {}: {e}", target.display());
        ApiError::code("save_failed")
    })?;
    Ok(Some(target.display().to_string()))
}

/// The whole expediente of a fiscal year as one ZIP, with its completeness report.
#[tauri::command]
pub async fn export_expediente<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
    fiscal_year: i32,
) -> ApiResult<Out<api::ExportExpediente>> {
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
    let mut r = lock_to_export(&state)?;
    let issuer = issuer(&r)?;
    let mut report = cosabi_reports::expediente_zip_sealed(
        &r,
        fiscal_year,
        std::io::BufWriter::new(file),
        &issuer,
    )
    .map_err(report_error)?;
    std::fs::rename(&partial, &path).map_err(|_| ApiError::code("export_failed"))?;
    // The index's seal names the ZIP it is in, so the file itself can be checked.
    // Streamed: an expediente with its photos can be hundreds of megabytes.
    let zip_sha = {
        use sha2::Digest;
        let mut hasher = sha2::Sha256::new();
        std::fs::File::open(&path)
            .and_then(|mut f| std::io::copy(&mut f, &mut hasher))
            .map_err(|_| ApiError::code("export_failed"))?;
        <[u8; 32]>::from(hasher.finalize())
    };
    for seal in &mut report.seals {
        if seal.kind == cosabi_core::seal::DocKind::Expediente {
            seal.file_sha256 = Some(zip_sha);
        }
        r.record_seal(seal)?;
    }
    drop(r);
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

/// Largest image or file the verification commands read.
const VERIFY_INPUT_BYTES_MAX: usize = 64 * 1024 * 1024;

fn raw_body<'a>(request: &'a Request<'_>) -> ApiResult<&'a [u8]> {
    let InvokeBody::Raw(bytes) = request.body() else {
        return Err(ApiError::code("invalid"));
    };
    if bytes.len() > VERIFY_INPUT_BYTES_MAX {
        return Err(ApiError::code("file_too_large"));
    }
    Ok(bytes)
}

/// Checks a document by the code printed on it, against this replica. `None`: no
/// document with that code is known here (not made here, or not synced yet).
#[tauri::command]
pub fn verify_document(
    state: State<'_, AppState>,
    code: String,
) -> ApiResult<Out<api::VerifyDocument>> {
    let r = lock(&state)?;
    cosabi_reports::verify_code(&r, &code).map_err(report_error)
}

/// Checks a document by a photo of its QR code (raw request body).
#[tauri::command]
pub fn verify_document_photo(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> ApiResult<RawOut<api::VerifyDocumentPhoto>> {
    let bytes = raw_body(&request)?;
    let text =
        cosabi_replica::imaging::decode_qr(bytes)?.ok_or_else(|| ApiError::code("qr_not_found"))?;
    let code = cosabi_core::seal::normalise_code(&text)
        .ok_or_else(|| ApiError::code("qr_not_document"))?;
    let r = lock(&state)?;
    Ok(ScannedDocument {
        verification: cosabi_reports::verify_code(&r, &code).map_err(report_error)?,
        code,
    })
}

/// Checks a document's file (raw request body): is it the very file Cosabi made?
#[tauri::command]
pub fn verify_document_file(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> ApiResult<RawOut<api::VerifyDocumentFile>> {
    let bytes = raw_body(&request)?;
    let r = lock(&state)?;
    cosabi_reports::verify_file(&r, bytes).map_err(report_error)
}

#[cfg(test)]
mod copy_tests {
    use super::*;

    #[test]
    fn a_name_typed_without_its_extension_gets_it() {
        let pdf = |p: &str| copy_target(PathBuf::from(p), "pdf");
        assert_eq!(
            pdf("/media/usb/acta marzo"),
            PathBuf::from("/media/usb/acta marzo.pdf")
        );
        assert_eq!(
            pdf("/media/usb/acta.PDF"),
            PathBuf::from("/media/usb/acta.PDF")
        );
        assert_eq!(
            pdf("/media/usb/acta.2026"),
            PathBuf::from("/media/usb/acta.2026.pdf")
        );
    }

    #[test]
    fn a_copy_is_whole_or_absent() {
        let dir = tempfile::tempdir().unwrap();
        let from = dir.path().join("acta.pdf");
        std::fs::write(&from, b"%PDF-1.7 acta").unwrap();
        let to = dir.path().join("copia.pdf");
        copy_whole(&from, &to).unwrap();
        assert_eq!(std::fs::read(&to).unwrap(), b"%PDF-1.7 acta");
        // A folder that does not exist (a stick pulled out): an error, and nothing
        // left behind under either name.
        let gone = dir.path().join("usb").join("copia.pdf");
        assert!(copy_whole(&from, &gone).is_err());
        assert!(!gone.exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }
}
