//! One clinic's expediente (the ZIP a committee hands in for a fiscal year), made on
//! the server from what its devices synced and the photos they uploaded, with the
//! same code the app uses ([`cosabi_reports::expediente_zip`]).
//!
//! The reports read a [`Replica`] on disk, whose photos live in `blobs/` next to its
//! database file. The clinic's changes are folded into a replica in a work folder of
//! its own (in the system's temporary directory, removed afterwards), and each
//! complete photo of the clinic that one of its photo rows names is fetched from the
//! server's [`BlobStore`] (a directory or an S3 bucket) and written into the work
//! replica's `blobs/` folder, a few at a time. Making the cuadernillo writes
//! thumbnails into that folder (`blobs/thumbs/`); nothing is ever written into the
//! server's store.

use super::fold::clinic_pages;
use crate::blob_store::{BlobStore, BlobStoreError, READS_PARALLEL_MAX};
use crate::blobs::is_blob_name;
use crate::store::StoreError;
use crate::AppState;
use cosabi_core::ids::ClinicId;
use cosabi_core::wire::Page;
use cosabi_replica::Replica;
use cosabi_reports::ExpedienteReport;
use futures::{StreamExt, TryStreamExt};
use std::io::{Cursor, Seek, Write};
use std::path::{Path, PathBuf};

/// Why no expediente was made.
#[derive(Debug, thiserror::Error)]
pub enum ExpedienteError {
    /// The clinic's devices have not synced the clinic record yet.
    #[error("the clinic has not synced its records yet: nothing to put in an expediente")]
    NothingSynced,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("folding the clinic's changes: {0}")]
    Replica(#[from] cosabi_replica::Error),
    #[error("reading the clinic's photo rows: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("making the expediente: {0}")]
    Reports(cosabi_reports::Error),
    #[error("the expediente's work folder: {0}")]
    Io(#[from] std::io::Error),
    #[error("reading the clinic's photos: {0}")]
    Blobs(#[from] BlobStoreError),
    #[error("the expediente task stopped: {0}")]
    Task(String),
}

impl From<cosabi_reports::Error> for ExpedienteError {
    fn from(e: cosabi_reports::Error) -> Self {
        match e {
            cosabi_reports::Error::NoClinic => ExpedienteError::NothingSynced,
            e => ExpedienteError::Reports(e),
        }
    }
}

/// Where the expediente reads a clinic's photos from: the server's store, through
/// the runtime the server runs on (the expediente is written on a blocking thread).
#[derive(Clone)]
pub struct ClinicPhotos {
    pub blobs: BlobStore,
    pub clinic: ClinicId,
    pub runtime: tokio::runtime::Handle,
}

impl ClinicPhotos {
    fn new(state: &AppState, clinic: ClinicId) -> ClinicPhotos {
        ClinicPhotos {
            blobs: state.blobs.clone(),
            clinic,
            runtime: tokio::runtime::Handle::current(),
        }
    }
}

/// The file name a download of the expediente gets.
pub fn file_name(clues: &str, fiscal_year: i32) -> String {
    format!("expediente-{clues}-{fiscal_year}.zip")
}

/// Makes `clinic`'s expediente of `fiscal_year` into memory: folds its changes and
/// writes the ZIP on a blocking thread. Returns the ZIP's bytes and what it holds.
pub async fn expediente_bytes(
    state: &AppState,
    clinic: ClinicId,
    fiscal_year: i32,
) -> Result<(Vec<u8>, ExpedienteReport), ExpedienteError> {
    let pages = clinic_pages(state, clinic).await?;
    let photos = ClinicPhotos::new(state, clinic);
    let issuer = state.issuer();
    let (zip, report) = tokio::task::spawn_blocking(move || {
        let mut out = Cursor::new(Vec::new());
        let report = write_expediente(&pages, &photos, fiscal_year, &issuer, &mut out)?;
        Ok::<_, ExpedienteError>((out.into_inner(), report))
    })
    .await
    .map_err(|e| ExpedienteError::Task(e.to_string()))??;
    keep_seals(state, clinic, &report).await?;
    Ok((zip, report))
}

/// Keeps the seals of the documents the server just made, so their codes verify.
async fn keep_seals(
    state: &AppState,
    clinic: ClinicId,
    report: &ExpedienteReport,
) -> Result<(), ExpedienteError> {
    for seal in &report.seals {
        state
            .store
            .record_issued_seal(crate::store::IssuedSeal::new(clinic, seal))
            .await?;
    }
    Ok(())
}

/// Makes `clinic`'s expediente of `fiscal_year` into the file `out` (the admin
/// command): written under a temporary name next to it and renamed when complete.
pub async fn expediente_file(
    state: &AppState,
    clinic: ClinicId,
    fiscal_year: i32,
    out: &Path,
) -> Result<ExpedienteReport, ExpedienteError> {
    let pages = clinic_pages(state, clinic).await?;
    let photos = ClinicPhotos::new(state, clinic);
    let out = out.to_owned();
    let issuer = state.issuer();
    let report = tokio::task::spawn_blocking(move || {
        let mut part = out.clone().into_os_string();
        part.push(".part");
        let part = PathBuf::from(part);
        let written = (|| -> Result<ExpedienteReport, ExpedienteError> {
            let mut file = std::fs::File::create(&part)?;
            let report = write_expediente(&pages, &photos, fiscal_year, &issuer, &mut file)?;
            file.sync_all()?;
            std::fs::rename(&part, &out)?;
            Ok(report)
        })();
        if written.is_err() {
            let _ = std::fs::remove_file(&part);
        }
        written
    })
    .await
    .map_err(|e| ExpedienteError::Task(e.to_string()))??;
    keep_seals(state, clinic, &report).await?;
    Ok(report)
}

/// A folder of its own in the system's temporary directory (only this user may
/// read it: it holds a clinic's records), removed with everything in it when
/// dropped.
struct WorkDir(PathBuf);

impl WorkDir {
    fn new() -> std::io::Result<WorkDir> {
        let path = std::env::temp_dir().join(format!(
            "cosabi-expediente-{}",
            uuid::Uuid::new_v4().simple()
        ));
        let mut builder = std::fs::DirBuilder::new();
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(&path)?;
        Ok(WorkDir(path))
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_dir_all(&self.0) {
            tracing::warn!(dir = %self.0.display(), "cannot remove the expediente's work folder: {e}");
        }
    }
}

/// Blocking (not on a runtime's thread): folds `pages` into a replica in a work
/// folder, fetches the clinic's photos from `photos` into it, and writes the
/// expediente of `fiscal_year` to `out`. The work folder is gone when this returns,
/// whatever happened.
pub fn write_expediente(
    pages: &[Page],
    photos: &ClinicPhotos,
    fiscal_year: i32,
    issuer: &cosabi_reports::Issuer,
    out: impl Write + Seek,
) -> Result<ExpedienteReport, ExpedienteError> {
    // Declared first, so dropped (removed) after the replica is closed.
    let work = WorkDir::new()?;
    let mut replica = Replica::open(&work.0.join("expediente.sqlite3"))?;
    for page in pages {
        replica.apply_page(page)?;
    }
    if replica.clinic()?.is_none() {
        return Err(ExpedienteError::NothingSynced);
    }
    let fetched = fetch_photos(&replica, photos)?;
    let report = cosabi_reports::expediente_zip_sealed(&replica, fiscal_year, out, issuer)?;
    tracing::debug!(
        fetched,
        files = report.files.len(),
        gaps = report.completeness.gaps.len(),
        "expediente made"
    );
    drop(replica);
    Ok(report)
}

/// Writes each complete blob of the clinic that a photo row of `replica` names into
/// the replica's blob directory; returns how many. Photos the server does not hold
/// (not uploaded yet) are left out, and the expediente's completeness report names
/// them.
fn fetch_photos(replica: &Replica, photos: &ClinicPhotos) -> Result<usize, ExpedienteError> {
    let names: Vec<String> = {
        let mut stmt = replica.connection().prepare(
            "SELECT DISTINCT sha256 FROM photo WHERE deleted = 0 AND sha256 IS NOT NULL",
        )?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let dir = replica.blob_dir()?;
    std::fs::create_dir_all(&dir)?;
    // Only well-formed names: one cannot point outside the clinic's blobs.
    let names = names.into_iter().filter(|s| is_blob_name(s));
    let fetches = names.map(|sha| {
        let dir = dir.clone();
        async move {
            let Some(bytes) = photos.blobs.read_blob(photos.clinic, &sha).await? else {
                return Ok::<_, ExpedienteError>(0usize);
            };
            tokio::fs::write(dir.join(&sha), &bytes).await?;
            Ok(1)
        }
    });
    photos.runtime.block_on(
        futures::stream::iter(fetches)
            .buffer_unordered(READS_PARALLEL_MAX)
            .try_fold(0, |n, one| async move { Ok(n + one) }),
    )
}
