//! One clinic's expediente (the ZIP a committee hands in for a fiscal year), made on
//! the server from what its devices synced and the photos they uploaded, with the
//! same code the app uses ([`cosabi_reports::expediente_zip_sealed_streamed`]).
//!
//! The reports read a [`Replica`] on disk, whose photos live in `blobs/` next to its
//! database file. The clinic's changes are folded into a replica in a work folder of
//! its own (in the system's temporary directory, removed afterwards), and each
//! complete photo of the clinic that one of its photo rows names is fetched from the
//! server's [`BlobStore`] (a directory or an S3 bucket) and written into the work
//! replica's `blobs/` folder, a few at a time. Making the cuadernillo writes
//! thumbnails into that folder (`blobs/thumbs/`); nothing is ever written into the
//! server's store.
//!
//! A download is streamed ([`expediente_stream`]): the ZIP is written front to back
//! on a blocking thread into chunks handed to the connection through a bounded
//! channel, so the server holds one photo and a few chunks of it at a time, whatever
//! the clinic-year's size, and waits while the client is slower. At most
//! [`builds_max`] are built at once (`AppState::expedientes`); the bytes are hashed as
//! they are written, and the seals are recorded before the last chunk leaves.

use super::fold::clinic_pages;
use crate::blob_store::{BlobStore, BlobStoreError, READS_PARALLEL_MAX};
use crate::blobs::is_blob_name;
use crate::store::StoreError;
use crate::AppState;
use bytes::Bytes;
use cosabi_core::ids::ClinicId;
use cosabi_core::seal::DocKind;
use cosabi_core::wire::Page;
use cosabi_replica::Replica;
use cosabi_reports::ExpedienteReport;
use futures::{StreamExt, TryStreamExt};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
use tokio::sync::mpsc;

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

/// Expediente builds running at once unless [`BUILDS_MAX_ENV`] says otherwise. Each
/// holds a work folder with the clinic's photos on disk and, while its cuadernillo is
/// rendered, the thumbnails in memory (see `expediente_peak_rss_mb` in BENCHMARKS.md);
/// one more is answered 503 with `Retry-After`.
pub const BUILDS_MAX_DEFAULT: usize = 2;
/// The environment variable that sets how many expedientes may be built at once.
pub const BUILDS_MAX_ENV: &str = "COSABI_EXPEDIENTE_BUILDS_MAX";
/// Bytes of the ZIP handed to the connection at a time.
const CHUNK_BYTES: usize = 64 * 1024;
/// Chunks made and not yet taken by the connection, at most: the build waits (its
/// memory bounded) while the client is slower than it.
const CHUNKS_QUEUED_MAX: usize = 4;

/// How many expedientes may be built at once: [`BUILDS_MAX_ENV`] if it is a positive
/// number, else [`BUILDS_MAX_DEFAULT`].
pub fn builds_max() -> usize {
    std::env::var(BUILDS_MAX_ENV)
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(BUILDS_MAX_DEFAULT)
}

/// What the server says about a ZIP it made, once the last byte is written.
#[derive(Debug, Clone)]
pub struct Made {
    pub report: ExpedienteReport,
    pub bytes: u64,
    /// The ZIP's SHA-256, as the expediente's seal records it.
    pub sha256: [u8; 32],
}

/// A writer that passes bytes through to `inner` and hashes them.
struct Hashing<W> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> Hashing<W> {
    fn new(inner: W) -> Hashing<W> {
        Hashing {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// One chunk of a download's body, or why it stopped (the connection is then cut,
/// so the client never takes a truncated ZIP for a whole one).
type Chunk = Result<Bytes, std::io::Error>;

/// The body of a download, written from a blocking thread: bytes are gathered into
/// chunks of [`CHUNK_BYTES`] and handed to the connection through a channel of
/// [`CHUNKS_QUEUED_MAX`]; writing waits while the channel is full. The last chunk is
/// held back until [`BodyWriter::finish`], so the client has the whole ZIP only once
/// its seals are recorded.
struct BodyWriter {
    tx: mpsc::Sender<Chunk>,
    buf: Vec<u8>,
}

impl BodyWriter {
    fn new(tx: mpsc::Sender<Chunk>) -> BodyWriter {
        BodyWriter {
            tx,
            buf: Vec::with_capacity(CHUNK_BYTES),
        }
    }

    fn send(&mut self, chunk: Chunk) -> std::io::Result<()> {
        self.tx.blocking_send(chunk).map_err(|_| {
            std::io::Error::new(
                std::io::ErrorKind::BrokenPipe,
                "the client went away before the expediente was complete",
            )
        })
    }

    /// Sends what is held back: the ZIP's last bytes.
    fn finish(&mut self) -> std::io::Result<()> {
        let tail = Bytes::from(std::mem::take(&mut self.buf));
        self.send(Ok(tail))
    }

    /// Cuts the download: the connection ends with an error instead of the rest.
    fn fail(&mut self, why: String) {
        let _ = self.send(Err(std::io::Error::other(why)));
    }
}

impl Write for BodyWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.buf.len() >= CHUNK_BYTES {
            let full = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK_BYTES));
            self.send(Ok(Bytes::from(full)))?;
        }
        let n = buf.len().min(CHUNK_BYTES - self.buf.len());
        self.buf.extend_from_slice(&buf[..n]);
        Ok(n)
    }

    /// Nothing to do: chunks leave when full, the last one at [`BodyWriter::finish`].
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Streams `clinic`'s expediente of `fiscal_year`: folds its changes and fetches its
/// photos into a work folder, then returns the body of the download, which a blocking
/// thread writes as the client takes it (the ZIP is never whole in memory). `permit`
/// (one of [`AppState::expedientes`]) is held until the build ends. Once the ZIP is
/// written, its seals are recorded (the expediente's with the SHA-256 of the bytes
/// sent) before the last chunk leaves; `done` is called then with what was made.
/// A build the client abandons stops at its next chunk, and records no seal.
pub async fn expediente_stream(
    state: &AppState,
    clinic: ClinicId,
    fiscal_year: i32,
    permit: tokio::sync::OwnedSemaphorePermit,
    done: impl FnOnce(&Made) + Send + 'static,
) -> Result<axum::body::Body, ExpedienteError> {
    let pages = clinic_pages(state, clinic).await?;
    let photos = ClinicPhotos::new(state, clinic);
    let issuer = state.issuer();
    let store = state.store.clone();
    let (tx, rx) = mpsc::channel::<Chunk>(CHUNKS_QUEUED_MAX);
    let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
    tokio::task::spawn_blocking(move || {
        let prepared = match Prepared::new(&pages, &photos) {
            Ok(p) => p,
            Err(e) => {
                let _ = ready_tx.send(Err(e));
                return;
            }
        };
        drop(pages);
        if ready_tx.send(Ok(())).is_err() {
            return;
        }
        let mut out = Hashing::new(BodyWriter::new(tx));
        let made = prepared
            .write(fiscal_year, &issuer, &mut out)
            .and_then(|report| {
                let made = made(report, out.bytes, out.hasher.clone());
                photos
                    .runtime
                    .block_on(keep_seals(store.as_ref(), clinic, &made.report))?;
                Ok(made)
            });
        drop(prepared);
        let sent = match &made {
            Ok(_) => out.inner.finish().is_ok(),
            Err(e) => {
                tracing::warn!(%clinic, fiscal_year, "expediente stopped: {e}");
                out.inner.fail(e.to_string());
                false
            }
        };
        // The permit is held until the last chunk is queued (a client that stops
        // reading keeps its build, and only its build), and given back before the
        // body ends: a client that has the whole ZIP can start the next build at once.
        drop(permit);
        drop(out);
        if let (true, Ok(made)) = (sent, &made) {
            done(made);
        }
    });
    match ready_rx.await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(e),
        Err(_) => return Err(ExpedienteError::Task("the build stopped".into())),
    }
    let chunks = futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    });
    Ok(axum::body::Body::from_stream(chunks))
}

fn made(mut report: ExpedienteReport, bytes: u64, hasher: Sha256) -> Made {
    let sha256: [u8; 32] = hasher.finalize().into();
    // The index's seal names the ZIP it is in, so the file itself can be checked.
    for seal in &mut report.seals {
        if seal.kind == DocKind::Expediente {
            seal.file_sha256 = Some(sha256);
        }
    }
    Made {
        report,
        bytes,
        sha256,
    }
}

/// Keeps the seals of the documents the server just made, so their codes verify.
async fn keep_seals(
    store: &dyn crate::store::Store,
    clinic: ClinicId,
    report: &ExpedienteReport,
) -> Result<(), ExpedienteError> {
    for seal in &report.seals {
        store
            .record_issued_seal(crate::store::IssuedSeal::new(clinic, seal))
            .await?;
    }
    Ok(())
}

/// Makes `clinic`'s expediente of `fiscal_year` into the file `out` (the admin
/// command): written under a temporary name next to it and renamed when complete,
/// front to back as a download is, its seals recorded the same way.
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
    let made = tokio::task::spawn_blocking(move || {
        let mut part = out.clone().into_os_string();
        part.push(".part");
        let part = PathBuf::from(part);
        let written = (|| -> Result<Made, ExpedienteError> {
            let prepared = Prepared::new(&pages, &photos)?;
            let file = std::fs::File::create(&part)?;
            let mut w = Hashing::new(std::io::BufWriter::new(file));
            let report = prepared.write(fiscal_year, &issuer, &mut w)?;
            let file = w
                .inner
                .into_inner()
                .map_err(|e| ExpedienteError::Io(e.into_error()))?;
            file.sync_all()?;
            std::fs::rename(&part, &out)?;
            Ok(made(report, w.bytes, w.hasher))
        })();
        if written.is_err() {
            let _ = std::fs::remove_file(&part);
        }
        written
    })
    .await
    .map_err(|e| ExpedienteError::Task(e.to_string()))??;
    keep_seals(state.store.as_ref(), clinic, &made.report).await?;
    Ok(made.report)
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

/// A clinic's records folded into a replica in a work folder, with the photos the
/// server holds fetched into it: what an expediente is written from. The work folder
/// is removed when this is dropped.
struct Prepared {
    replica: Replica,
    // After the replica: dropped (removed) once the replica is closed.
    _work: WorkDir,
}

impl Prepared {
    /// Blocking (not on a runtime's thread): folds `pages` and fetches the clinic's
    /// photos from `photos`, one at a time per reader, to disk.
    fn new(pages: &[Page], photos: &ClinicPhotos) -> Result<Prepared, ExpedienteError> {
        let work = WorkDir::new()?;
        let mut replica = Replica::open(&work.0.join("expediente.sqlite3"))?;
        for page in pages {
            replica.apply_page(page)?;
        }
        if replica.clinic()?.is_none() {
            return Err(ExpedienteError::NothingSynced);
        }
        let fetched = fetch_photos(&replica, photos)?;
        tracing::debug!(fetched, "expediente photos fetched");
        Ok(Prepared {
            replica,
            _work: work,
        })
    }

    /// Blocking: writes the sealed expediente of `fiscal_year` to `out`, front to
    /// back (the streaming form of ZIP), one photo in memory at a time.
    fn write(
        &self,
        fiscal_year: i32,
        issuer: &cosabi_reports::Issuer,
        out: impl Write,
    ) -> Result<ExpedienteReport, ExpedienteError> {
        let report = cosabi_reports::expediente_zip_sealed_streamed(
            &self.replica,
            fiscal_year,
            out,
            issuer,
        )?;
        tracing::debug!(
            files = report.files.len(),
            gaps = report.completeness.gaps.len(),
            "expediente made"
        );
        Ok(report)
    }
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
