//! The paperwork that falls out of what the committee recorded: the acta PDF, the
//! cuadernillo de control de gastos (PDF and XLSX) and the whole expediente (ZIP),
//! written to the platform's export folder ([`crate::Platform::export_dir`]); opening
//! one, or saving a copy where the person chooses.
//!
//! Every document is sealed ([`cosabi_reports::seal`]): its seal is recorded in the
//! replica (and syncs), and its QR code opens the sync server's verification page
//! when the device is enrolled. The `verify_document*` commands check a document
//! offline against this replica: by its code, by a photo of its QR code, or by the
//! file itself.

use crate::sync::SETTING_SERVER;
use crate::{ApiError, ApiResult, Host, Out, RawOut};
use cosabi_api::{self as api, ExpedienteDone, Handle, HandleRaw, ScannedDocument};
use cosabi_replica::Replica;
use std::path::{Path, PathBuf};
use std::sync::MutexGuard;

/// The kinds of file this app writes for people, and only those, may be opened.
const OPENABLE: &[&str] = &["pdf", "xlsx", "zip"];
/// Largest image or file the verification commands read.
const VERIFY_INPUT_BYTES_MAX: usize = 64 * 1024 * 1024;
/// Longest title a save dialog is given.
const DIALOG_TITLE_CHARS_MAX: usize = 120;

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
fn issuer(r: &Replica) -> ApiResult<cosabi_reports::Issuer> {
    let server = r.setting(SETTING_SERVER)?;
    Ok(cosabi_reports::Issuer::now(
        server.filter(|s| !s.trim().is_empty()),
    ))
}

impl Host {
    /// The replica for an export, which records the document's seal: through the gate.
    fn lock_to_export(&self) -> ApiResult<MutexGuard<'_, Replica>> {
        let r = self.replica()?;
        r.gate(cosabi_core::access::Write::ExportDocument)?;
        Ok(r)
    }

    /// `<what>-<CLUES>-<suffix>`: a file name a municipal office can sort.
    fn file_name(&self, what: &str, suffix: &str) -> ApiResult<String> {
        let clues = self.with_replica(|r| Ok(r.clinic()?.map(|c| c.clues)))?;
        Ok(format!("{what}-{}-{suffix}", clues.unwrap_or_default()))
    }

    /// The export folder, made if missing.
    fn export_dir(&self) -> ApiResult<PathBuf> {
        let dir = self.platform.export_dir();
        std::fs::create_dir_all(&dir).map_err(|e| {
            eprintln!("cosabi: export folder {}: {e}", dir.display());
            ApiError::code("export_failed")
        })?;
        Ok(dir)
    }

    /// Writes `bytes` as `name` in the export folder; returns the file's path.
    pub(crate) fn write_export(&self, name: &str, bytes: &[u8]) -> ApiResult<String> {
        if self.platform.keeps_documents() {
            return self.platform.keep_document(name, bytes.to_vec());
        }
        let path = self.export_dir()?.join(name);
        std::fs::write(&path, bytes).map_err(|e| {
            eprintln!("cosabi: write {}: {e}", path.display());
            ApiError::code("export_failed")
        })?;
        Ok(path.display().to_string())
    }

    /// A document this app wrote, as a caller names it: only a file in the export
    /// folder, of a kind the app writes, so the window cannot reach any other file.
    /// Returns its canonical path and its kind (lowercase extension).
    fn exported_document(&self, path: &str) -> ApiResult<(PathBuf, &'static str)> {
        let refused = || ApiError::code("open_refused");
        let dir = self
            .platform
            .export_dir()
            .canonicalize()
            .map_err(|_| refused())?;
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
}

/// The acta of one assembly as a PDF; returns where it was written.
impl Handle<api::ExportActa> for Host {
    async fn handle(&self, c: api::ExportActa) -> ApiResult<Out<api::ExportActa>> {
        let (pdf, date) = {
            let mut r = self.lock_to_export()?;
            let date = r
                .assembly(c.assembly)?
                .map(|d| d.assembly.date)
                .ok_or_else(|| ApiError::code("not_found"))?;
            let issuer = issuer(&r)?;
            let pdf =
                cosabi_reports::issue_acta(&mut r, c.assembly, &issuer).map_err(report_error)?;
            (pdf, date)
        };
        let name = self.file_name("acta", &format!("{date}.pdf"))?;
        self.write_export(&name, &pdf)
    }
}

/// The cuadernillo of a fiscal year, PDF and XLSX; returns both paths.
impl Handle<api::ExportCuadernillo> for Host {
    async fn handle(&self, c: api::ExportCuadernillo) -> ApiResult<Out<api::ExportCuadernillo>> {
        let year = c.fiscal_year;
        let (pdf, xlsx) = {
            let mut r = self.lock_to_export()?;
            let issuer = issuer(&r)?;
            (
                cosabi_reports::issue_cuadernillo(&mut r, year, &issuer).map_err(report_error)?,
                cosabi_reports::cuadernillo_xlsx(&r, year).map_err(report_error)?,
            )
        };
        Ok(vec![
            self.write_export(
                &self.file_name("cuadernillo", &format!("{year}.pdf"))?,
                &pdf,
            )?,
            self.write_export(
                &self.file_name("cuadernillo", &format!("{year}.xlsx"))?,
                &xlsx,
            )?,
        ])
    }
}

/// The whole expediente of a fiscal year as one ZIP, with its completeness report.
impl Handle<api::ExportExpediente> for Host {
    async fn handle(&self, c: api::ExportExpediente) -> ApiResult<Out<api::ExportExpediente>> {
        let year = c.fiscal_year;
        if self.platform.keeps_documents() {
            return self.expediente_kept(year);
        }
        let failed = |_| ApiError::code("export_failed");
        let path = self
            .export_dir()?
            .join(self.file_name("expediente", &format!("{year}.zip"))?);
        // Written next to its final name and renamed, so a cut never leaves half a ZIP.
        let partial = path.with_extension("zip.partial");
        let file = std::fs::File::create(&partial).map_err(failed)?;
        let mut r = self.lock_to_export()?;
        let issuer = issuer(&r)?;
        let mut report =
            cosabi_reports::expediente_zip_sealed(&r, year, std::io::BufWriter::new(file), &issuer)
                .map_err(report_error)?;
        std::fs::rename(&partial, &path).map_err(failed)?;
        // The index's seal names the ZIP it is in, so the file itself can be checked.
        // Streamed: an expediente with its photos can be hundreds of megabytes.
        let zip_sha = {
            use sha2::Digest;
            let mut hasher = sha2::Sha256::new();
            std::fs::File::open(&path)
                .and_then(|mut f| std::io::copy(&mut f, &mut hasher))
                .map_err(failed)?;
            <[u8; 32]>::from(hasher.finalize())
        };
        done_expediente(&mut r, &mut report, zip_sha, path.display().to_string())
    }
}

/// Records an expediente's seals, the index's naming the ZIP's SHA-256, and says
/// what was written.
fn done_expediente(
    r: &mut Replica,
    report: &mut cosabi_reports::ExpedienteReport,
    zip_sha: [u8; 32],
    path: String,
) -> ApiResult<ExpedienteDone> {
    for seal in &mut report.seals {
        if seal.kind == cosabi_core::seal::DocKind::Expediente {
            seal.file_sha256 = Some(zip_sha);
        }
        r.record_seal(seal)?;
    }
    Ok(ExpedienteDone {
        path,
        files: report.files.len(),
        gaps: report
            .completeness
            .gaps
            .iter()
            .map(|g| g.description.clone())
            .collect(),
    })
}

impl Host {
    /// The expediente for a platform that keeps documents itself: the ZIP made in
    /// memory (a browser has no file to stream it to), its seal naming its bytes.
    fn expediente_kept(&self, year: i32) -> ApiResult<ExpedienteDone> {
        let name = self.file_name("expediente", &format!("{year}.zip"))?;
        let mut r = self.lock_to_export()?;
        let issuer = issuer(&r)?;
        let mut zip = std::io::Cursor::new(Vec::new());
        let mut report = cosabi_reports::expediente_zip_sealed(&r, year, &mut zip, &issuer)
            .map_err(report_error)?;
        let bytes = zip.into_inner();
        let zip_sha = {
            use sha2::Digest;
            <[u8; 32]>::from(sha2::Sha256::digest(&bytes))
        };
        let path = self.platform.keep_document(&name, bytes)?;
        done_expediente(&mut r, &mut report, zip_sha, path)
    }
}

/// Opens a document this app wrote with the system's program for it (the PDF
/// viewer, the spreadsheet).
impl Handle<api::OpenDocument> for Host {
    async fn handle(&self, c: api::OpenDocument) -> ApiResult<Out<api::OpenDocument>> {
        let (file, _) = self.exported_document(&c.path)?;
        self.platform.open_document(&file)
    }
}

/// Saves a copy of a document this app wrote where the person chooses, through the
/// platform's save dialog (a USB stick, a shared folder, Documentos): returns where
/// the copy went, or nothing when the dialog was cancelled. `title` is the dialog's
/// title in the window's language.
impl Handle<api::SaveDocumentAs> for Host {
    async fn handle(&self, c: api::SaveDocumentAs) -> ApiResult<Out<api::SaveDocumentAs>> {
        let (file, kind) = self.exported_document(&c.path)?;
        let title: String = c.title.chars().take(DIALOG_TITLE_CHARS_MAX).collect();
        let Some(chosen) = self.platform.choose_copy_path(&file, kind, &title).await else {
            return Ok(None);
        };
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
        let mut name = chosen.into_os_string();
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

/// An image or file to verify, refused when larger than any document.
fn checked_input(body: &[u8]) -> ApiResult<&[u8]> {
    if body.len() > VERIFY_INPUT_BYTES_MAX {
        return Err(ApiError::code("file_too_large"));
    }
    Ok(body)
}

/// Checks a document by the code printed on it, against this replica. `None`: no
/// document with that code is known here (not made here, or not synced yet).
impl Handle<api::VerifyDocument> for Host {
    async fn handle(&self, c: api::VerifyDocument) -> ApiResult<Out<api::VerifyDocument>> {
        let r = self.replica()?;
        cosabi_reports::verify_code(&r, &c.code).map_err(report_error)
    }
}

/// Checks a document by a photo of its QR code.
impl HandleRaw<api::VerifyDocumentPhoto> for Host {
    async fn handle_raw(
        &self,
        _: api::VerifyDocumentPhoto,
        body: Vec<u8>,
    ) -> ApiResult<RawOut<api::VerifyDocumentPhoto>> {
        let text = cosabi_replica::imaging::decode_qr(checked_input(&body)?)?
            .ok_or_else(|| ApiError::code("qr_not_found"))?;
        let code = cosabi_core::seal::normalise_code(&text)
            .ok_or_else(|| ApiError::code("qr_not_document"))?;
        let r = self.replica()?;
        Ok(ScannedDocument {
            verification: cosabi_reports::verify_code(&r, &code).map_err(report_error)?,
            code,
        })
    }
}

/// Checks a document's file: is it the very file Cosabi made?
impl HandleRaw<api::VerifyDocumentFile> for Host {
    async fn handle_raw(
        &self,
        _: api::VerifyDocumentFile,
        body: Vec<u8>,
    ) -> ApiResult<RawOut<api::VerifyDocumentFile>> {
        let bytes = checked_input(&body)?;
        let r = self.replica()?;
        cosabi_reports::verify_file(&r, bytes).map_err(report_error)
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
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
