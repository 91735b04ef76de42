//! Where receipt photos live: [`BlobStore`], a directory or an S3 bucket behind the
//! `object_store` crate, and the staging of resumable uploads in it.
//!
//! `--blobs` names the store ([`BlobStore::from_url`]):
//! - a path, or `file:///abs/path`: a local directory (created if missing);
//! - `s3://bucket[/prefix][?key=value&…]`: an S3 bucket (AWS, or any S3-compatible
//!   server). Settings come from the query (`endpoint`, `region`, `allow_http`, or any
//!   other key `object_store`'s `AmazonS3ConfigKey` knows) or else from the standard
//!   `AWS_*` environment variables; credentials from `AWS_ACCESS_KEY_ID` and
//!   `AWS_SECRET_ACCESS_KEY` (or the instance's role). The region defaults to
//!   `us-east-1`; with an `endpoint`, requests are path-style (`endpoint/bucket/key`),
//!   which S3-compatible servers expect.
//!
//! # Layout (keys), per clinic
//!
//! - `<clinic>/<sha256>`: a complete blob, verified against its name. The same layout
//!   as the blob directory of earlier releases, so an existing folder keeps working.
//! - `<clinic>/partial/<sha256>/length`: the total length the upload declared
//!   (decimal text).
//! - `<clinic>/partial/<sha256>/<offset>`: one received `PATCH` chunk, named by the
//!   offset of its first byte, zero-padded to [`OFFSET_DIGITS`] digits so names sort
//!   by offset.
//!
//! The upload offset is the contiguous run of chunks from byte 0: chunks are sorted
//! by offset and each one that starts at or before the end of the run so far extends
//! it ([`contiguous_run`]). When the run reaches the declared length, the chunks are
//! read in order, the bytes are hashed, and a match is written to `<clinic>/<sha256>`
//! with one put; then the staged objects are deleted. A mismatch deletes them and
//! keeps nothing.
//!
//! # Why chunks as objects
//!
//! Object stores cannot append, and the server may run as several instances behind
//! one address, restarted at any time: a device whose link drops may resume on
//! another instance than the one it started with. Every piece of an upload's state is
//! therefore an object in the shared store and nothing is in a process's memory:
//! any instance computes the same offset from a listing, and a restart loses nothing.
//!
//! No lock spans instances, and none is needed:
//! - a put is atomic: a chunk or a blob is there whole or not at all;
//! - content is addressed: the bytes at an offset of a blob are fixed by its name, so
//!   two instances that both store "the chunk at offset n" (a device retried after a
//!   lost answer) store the same bytes, and whichever put lands last changes nothing;
//!   chunks of different lengths at nearby offsets overlap with equal bytes, which
//!   the run and the assembly both allow for;
//! - two instances completing one blob at once both write the same verified bytes to
//!   its name, and deleting an object twice is harmless;
//! - whatever else a bogus or racing upload leaves (a chunk with other bytes, a
//!   different declared length) is caught by the final SHA-256 check, which keeps
//!   nothing that does not hash to the name.
//!
//! What may be left behind: a chunk an instance stores just after another completed
//! the blob and deleted the staging, and uploads devices abandon. Neither is ever
//! read (a complete blob answers first; a new upload of an abandoned name goes on
//! from its chunks, which hold the right bytes or fail the hash check), as the
//! partial files of the directory layout were before.
//!
//! In one instance, `PATCH`es of one blob still take turns (`crate::blobs`), which
//! saves the duplicate work.
//!
//! # Durable before acknowledged
//!
//! A `PATCH` is answered only once what it acknowledges is on disk: in a directory
//! every put syncs the file before renaming it to its name and then syncs the folder
//! (and any folder it had to create), so after a power cut a name holds its whole
//! object or is absent; S3 acknowledges only stored objects. A device that got its
//! answer never sends those bytes again, so nothing less would do.
//!
//! Files of earlier releases were written without a sync, and a crash could leave a
//! complete blob's name with only part of its bytes. A complete blob is therefore
//! checked before it is called complete ([`BlobStore::complete_size`]); one that fails
//! counts as absent, so the device sends it again.
//!
//! S3 multipart uploads are not used: their parts must be at least 5 MiB but for the
//! last, and a receipt photo is about 150 KB, sent in 64 KiB chunks. Chunks are
//! separate objects and the blob is one put of at most [`crate::blobs::BLOB_BYTES_MAX`]
//! bytes.

use anyhow::Context;
use bytes::Bytes;
use cosabi_core::ids::ClinicId;
use futures::{StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::local::LocalFileSystem;
use object_store::path::Path as Key;
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use sha2::{Digest, Sha256};
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

/// Digits of a chunk's offset in its key: enough for any offset below 10^12 bytes,
/// far past [`crate::blobs::BLOB_BYTES_MAX`].
pub const OFFSET_DIGITS: usize = 12;
/// Most chunks one upload may stage: with 64 KiB chunks a blob of
/// [`crate::blobs::BLOB_BYTES_MAX`] needs 320; this only stops a client from turning
/// one blob into millions of one-byte objects.
pub const STAGED_CHUNKS_MAX: usize = 4096;
/// Chunks read at once when a completed upload is assembled, and photos fetched at
/// once for an expediente.
pub const READS_PARALLEL_MAX: usize = 8;
/// The S3 region when neither the URL nor the environment names one.
pub const S3_REGION_DEFAULT: &str = "us-east-1";

/// The folder, in a clinic's keys, of uploads in progress.
const STAGING_FOLDER: &str = "partial";
/// The name, in an upload's staging folder, of its declared length.
const LENGTH_NAME: &str = "length";

/// Where the server keeps receipt photos: a handle to an object store, cheap to
/// clone.
#[derive(Clone, Debug)]
pub struct BlobStore {
    store: Arc<dyn ObjectStore>,
    /// The store as people may see it in logs: a directory, or `s3://bucket/prefix`
    /// (never the query, which may hold credentials).
    location: String,
    /// Whether this is a local directory, where an earlier release may have left an
    /// upload in progress as one file (see [`BlobStore::append`]).
    local: bool,
}

/// What a `HEAD` of a blob finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Held {
    /// The complete blob, of this many bytes.
    Complete(u64),
    /// An upload in progress: bytes held from 0, and the declared length if known.
    Partial { offset: u64, length: Option<u64> },
}

/// What appending a chunk did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Appended {
    /// Stored; the upload now holds this many bytes from 0.
    Held(u64),
    /// The blob is complete (now, or already was), with this many bytes.
    Complete(u64),
    /// The chunk was not at the offset held (this one): nothing was stored.
    OffsetMismatch(u64),
    /// An earlier upload of this name declared another length (this one): its staged
    /// chunks were deleted, so the next upload starts over.
    LengthMismatch(u64),
    /// The chunk would end at this byte, past the declared length: nothing stored.
    PastLength(u64),
    /// The upload already has [`STAGED_CHUNKS_MAX`] chunks: nothing stored.
    TooManyChunks,
    /// The completed bytes hash to this, not to the name: nothing was kept.
    HashMismatch(String),
}

/// One staged chunk, as a listing shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Chunk {
    offset: u64,
    size: u64,
    key: Key,
}

/// What [`BlobStore::prune_abandoned`] removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pruned {
    pub uploads: u64,
    pub objects: u64,
    pub bytes: u64,
}

/// What a listing of one upload's staging folder shows.
#[derive(Debug, Default)]
struct Staged {
    /// Sorted by offset.
    chunks: Vec<Chunk>,
    length_key: Option<Key>,
}

impl Staged {
    fn keys(&self) -> impl Iterator<Item = Key> + '_ {
        self.chunks
            .iter()
            .map(|c| c.key.clone())
            .chain(self.length_key.clone())
    }
}

/// How many bytes from 0 `chunks` (sorted by offset) hold without a gap: each chunk
/// that starts at or before the end of the run so far extends it to its own end.
pub fn contiguous_run(chunks: impl IntoIterator<Item = (u64, u64)>) -> u64 {
    let mut run = 0u64;
    for (offset, size) in chunks {
        if offset > run {
            break;
        }
        run = run.max(offset.saturating_add(size));
    }
    run
}

fn object_error(what: &str) -> impl FnOnce(object_store::Error) -> BlobStoreError + '_ {
    move |source| BlobStoreError::Store {
        what: what.to_owned(),
        source,
    }
}

/// Why the blob store failed.
#[derive(Debug, thiserror::Error)]
pub enum BlobStoreError {
    #[error("blob store, {what}: {source}")]
    Store {
        what: String,
        #[source]
        source: object_store::Error,
    },
    /// A staged chunk was gone while a completed upload was read: another instance
    /// completed it, or it was deleted meanwhile. Asking again sorts it out.
    #[error("a staged chunk of {0} vanished while it was read: try again")]
    ChunkVanished(String),
}

fn is_not_found(e: &object_store::Error) -> bool {
    matches!(e, object_store::Error::NotFound { .. })
}

impl BlobStore {
    /// The store `spec` (a `--blobs` value) names: a directory (a path or a
    /// `file://` URL) or an S3 bucket (`s3://bucket[/prefix][?settings]`).
    pub fn from_url(spec: &str) -> anyhow::Result<BlobStore> {
        let spec = spec.trim();
        anyhow::ensure!(
            !spec.is_empty(),
            "--blobs is empty: give a directory or an s3://bucket URL"
        );
        if let Some(rest) = spec.strip_prefix("s3://") {
            return BlobStore::s3(rest);
        }
        if let Some(path) = spec.strip_prefix("file://") {
            anyhow::ensure!(
                path.starts_with('/'),
                "a file:// URL names an absolute path, as in file:///var/lib/cosabi/blobs"
            );
            return BlobStore::local(Path::new(&percent_decode(path)?));
        }
        anyhow::ensure!(
            !spec.contains("://"),
            "--blobs {spec:?}: give a directory, a file:///path or an s3://bucket URL"
        );
        BlobStore::local(Path::new(spec))
    }

    /// A local directory, created if missing.
    pub fn local(dir: &Path) -> anyhow::Result<BlobStore> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the blob directory {}", dir.display()))?;
        // Deleting the last chunk of an upload also removes the folders it leaves
        // empty, as the earlier directory layout did. Every put syncs its file before
        // the rename that names it, then the folders whose entries changed: the answer
        // to a PATCH promises the bytes survive a power cut (deletes are not synced; a
        // staged chunk that comes back after a crash is harmless, see above).
        let store = LocalFileSystem::new_with_prefix(dir)
            .with_context(|| format!("cannot use the blob directory {}", dir.display()))?
            .with_automatic_cleanup(true)
            .with_fsync(true);
        Ok(BlobStore {
            store: Arc::new(store),
            location: dir.display().to_string(),
            local: true,
        })
    }

    /// `rest` is what follows `s3://`.
    fn s3(rest: &str) -> anyhow::Result<BlobStore> {
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (bucket, prefix) = path.split_once('/').unwrap_or((path, ""));
        let prefix = prefix.trim_matches('/');
        anyhow::ensure!(
            !bucket.is_empty(),
            "an S3 URL names its bucket: s3://bucket[/prefix]"
        );
        let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, "true"));
            let key = percent_decode(key)?;
            let config: AmazonS3ConfigKey = key.parse().map_err(|_| {
                anyhow::anyhow!(
                    "unknown S3 setting {key:?} in --blobs: use endpoint, region, allow_http \
                     or another AmazonS3ConfigKey"
                )
            })?;
            builder = builder.with_config(config, percent_decode(value)?);
        }
        if builder
            .get_config_value(&AmazonS3ConfigKey::Region)
            .is_none_or(|r| r.is_empty())
        {
            builder = builder.with_region(S3_REGION_DEFAULT);
        }
        if builder
            .get_config_value(&AmazonS3ConfigKey::Endpoint)
            .is_some_and(|e| !e.is_empty())
            && !query.contains("virtual_hosted_style_request")
        {
            builder = builder.with_virtual_hosted_style_request(false);
        }
        let s3 = builder
            .build()
            .with_context(|| format!("cannot use the S3 bucket {bucket}"))?;
        let store: Arc<dyn ObjectStore> = if prefix.is_empty() {
            Arc::new(s3)
        } else {
            Arc::new(PrefixStore::new(s3, Key::parse(prefix)?))
        };
        Ok(BlobStore {
            store,
            location: format!("s3://{path}"),
            local: false,
        })
    }

    /// An in-memory store (tests).
    pub fn in_memory() -> BlobStore {
        BlobStore {
            store: Arc::new(object_store::memory::InMemory::new()),
            location: "memory".to_owned(),
            local: false,
        }
    }

    /// The store as people may see it in logs (no credentials).
    pub fn location(&self) -> &str {
        &self.location
    }

    /// The object store itself.
    pub fn object_store(&self) -> &Arc<dyn ObjectStore> {
        &self.store
    }

    /// The key of `clinic`'s complete blob `sha`.
    pub fn blob_key(clinic: ClinicId, sha: &str) -> Key {
        Key::from_iter([clinic.to_string().as_str(), sha])
    }

    /// The folder of keys where an upload of `clinic`'s blob `sha` is staged.
    pub fn staging_prefix(clinic: ClinicId, sha: &str) -> Key {
        Key::from_iter([clinic.to_string().as_str(), STAGING_FOLDER, sha])
    }

    fn chunk_key(prefix: &Key, offset: u64) -> Key {
        prefix
            .clone()
            .join(format!("{offset:0width$}", width = OFFSET_DIGITS))
    }

    /// The size of an object, or None if there is none.
    async fn size(&self, key: &Key) -> Result<Option<u64>, BlobStoreError> {
        match self.store.head(key).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(e) if is_not_found(&e) => Ok(None),
            Err(e) => Err(object_error("head")(e)),
        }
    }

    /// The size of `clinic`'s complete blob `sha`, or None if it is not held. Not
    /// checked: before calling a blob complete, use [`BlobStore::complete_size`].
    pub async fn blob_size(
        &self,
        clinic: ClinicId,
        sha: &str,
    ) -> Result<Option<u64>, BlobStoreError> {
        self.size(&Self::blob_key(clinic, sha)).await
    }

    /// `clinic`'s complete blob `sha`, or None if it is not held.
    pub async fn read_blob(
        &self,
        clinic: ClinicId,
        sha: &str,
    ) -> Result<Option<Bytes>, BlobStoreError> {
        let key = Self::blob_key(clinic, sha);
        let got = match self.store.get(&key).await {
            Ok(got) => got,
            Err(e) if is_not_found(&e) => return Ok(None),
            Err(e) => return Err(object_error("get")(e)),
        };
        got.bytes().await.map(Some).map_err(object_error("read"))
    }

    /// Bytes `range` of `clinic`'s complete blob `sha` (the range is within it).
    pub async fn read_blob_range(
        &self,
        clinic: ClinicId,
        sha: &str,
        range: Range<u64>,
    ) -> Result<Option<Bytes>, BlobStoreError> {
        let key = Self::blob_key(clinic, sha);
        match self.store.get_range(&key, range).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if is_not_found(&e) => Ok(None),
            Err(e) => Err(object_error("get range")(e)),
        }
    }

    /// Lists one upload's staging folder.
    async fn staged(&self, prefix: &Key) -> Result<Staged, BlobStoreError> {
        let metas: Vec<_> = self
            .store
            .list(Some(prefix))
            .try_collect()
            .await
            .map_err(object_error("list"))?;
        let mut staged = Staged::default();
        for meta in metas {
            let name = match meta.location.prefix_match(prefix) {
                Some(mut parts) => match (parts.next(), parts.next()) {
                    (Some(name), None) => name.as_ref().to_owned(),
                    _ => continue,
                },
                None => continue,
            };
            if name == LENGTH_NAME {
                staged.length_key = Some(meta.location);
            } else if name.len() == OFFSET_DIGITS && name.bytes().all(|b| b.is_ascii_digit()) {
                if let Ok(offset) = name.parse() {
                    staged.chunks.push(Chunk {
                        offset,
                        size: meta.size,
                        key: meta.location,
                    });
                }
            }
        }
        staged.chunks.sort_by_key(|c| c.offset);
        Ok(staged)
    }

    /// The declared length of an upload, if its object is there and readable. A
    /// damaged one counts as absent: the next `PATCH` writes it again.
    async fn declared_length(&self, key: &Key) -> Result<Option<u64>, BlobStoreError> {
        let got = match self.store.get(key).await {
            Ok(got) => got,
            Err(e) if is_not_found(&e) => return Ok(None),
            Err(e) => return Err(object_error("get length")(e)),
        };
        let bytes = got.bytes().await.map_err(object_error("read length"))?;
        Ok(std::str::from_utf8(&bytes)
            .ok()
            .and_then(|t| t.trim().parse().ok()))
    }

    async fn put(&self, key: &Key, bytes: Bytes, what: &str) -> Result<(), BlobStoreError> {
        self.store
            .put(key, PutPayload::from_bytes(bytes))
            .await
            .map(|_| ())
            .map_err(object_error(what))
    }

    /// Deletes `keys`; ones already gone are fine.
    /// Deletes the staging of uploads that nobody has added to since `before`
    /// (devices that gave up, or were revoked, half-way), in every clinic; returns
    /// what was removed. An upload with any newer object is left alone, and a
    /// device that comes back later simply uploads again from byte 0. Lists one
    /// clinic's staging folder at a time, so it never lists the complete blobs.
    pub async fn prune_abandoned(
        &self,
        before: chrono::DateTime<chrono::Utc>,
    ) -> Result<Pruned, BlobStoreError> {
        let clinics = self
            .store
            .list_with_delimiter(None)
            .await
            .map_err(object_error("list"))?
            .common_prefixes;
        let mut pruned = Pruned::default();
        for clinic in clinics {
            let staging = clinic.clone().join(STAGING_FOLDER);
            let metas: Vec<_> = self
                .store
                .list(Some(&staging))
                .try_collect()
                .await
                .map_err(object_error("list"))?;
            // Per upload (the sha256 folder): its objects and its newest change.
            let mut uploads: std::collections::BTreeMap<String, (Vec<Key>, u64, bool)> =
                std::collections::BTreeMap::new();
            for meta in metas {
                let sha = meta
                    .location
                    .prefix_match(&staging)
                    .and_then(|mut parts| parts.next().map(|p| p.as_ref().to_owned()));
                let Some(sha) = sha else { continue };
                let entry = uploads.entry(sha).or_insert_with(|| (Vec::new(), 0, false));
                entry.1 += meta.size;
                entry.2 |= meta.last_modified >= before;
                entry.0.push(meta.location);
            }
            for (_, (keys, bytes, recent)) in uploads {
                if recent {
                    continue;
                }
                pruned.uploads += 1;
                pruned.objects += keys.len() as u64;
                pruned.bytes += bytes;
                self.delete_all(keys).await?;
            }
        }
        Ok(pruned)
    }

    async fn delete_all(&self, keys: Vec<Key>) -> Result<(), BlobStoreError> {
        let stream = futures::stream::iter(keys.into_iter().map(Ok)).boxed();
        let results: Vec<_> = self.store.delete_stream(stream).collect().await;
        for result in results {
            match result {
                Ok(_) => {}
                Err(e) if is_not_found(&e) => {}
                Err(e) => return Err(object_error("delete")(e)),
            }
        }
        Ok(())
    }

    /// Deletes a local upload of an earlier release (one file and its `.len`).
    async fn delete_legacy(&self, prefix: &Key) -> Result<(), BlobStoreError> {
        let Some(sha) = prefix.filename() else {
            return Ok(());
        };
        let sidecar = Key::from_iter(
            prefix
                .parts()
                .take(prefix.parts().count() - 1)
                .map(|p| p.as_ref().to_owned())
                .chain([format!("{sha}.len")]),
        );
        self.delete_all(vec![prefix.clone(), sidecar]).await
    }

    /// The size of `clinic`'s complete blob `sha` if it is held and whole, else None;
    /// `declared` is the blob's length as the device knows it, if it said.
    ///
    /// The cheapest check that is sure. A blob this release writes is whole: its name
    /// appears only once its bytes are on disk. A file of an earlier release, written
    /// without a sync, may have kept its name through a crash but not all its bytes,
    /// and on the journalling file systems' default modes (ext4 `data=ordered`, XFS,
    /// btrfs) such a file is cut short, never filled with other bytes. So a size equal
    /// to the declared length proves the blob whole, and costs only the size. Without
    /// a declared length (an older device), or with another one (a short file, or the
    /// device's own mistake), the bytes are hashed against the name: one read, which
    /// proves it either way, so a device that declares a wrong length cannot make a
    /// good blob incomplete.
    ///
    /// A blob that fails is left where it is and counts as absent: the device uploads
    /// it again and the completed upload's put replaces it. Deleting it here could
    /// delete the good blob another instance is putting in its place at this moment.
    pub async fn complete_size(
        &self,
        clinic: ClinicId,
        sha: &str,
        declared: Option<u64>,
    ) -> Result<Option<u64>, BlobStoreError> {
        let Some(size) = self.blob_size(clinic, sha).await? else {
            return Ok(None);
        };
        if declared == Some(size) {
            return Ok(Some(size));
        }
        let Some(bytes) = self.read_blob(clinic, sha).await? else {
            return Ok(None);
        };
        let actual = sha256_hex(&bytes);
        if actual == sha {
            return Ok(Some(bytes.len() as u64));
        }
        tracing::warn!(
            clinic = %clinic,
            blob = sha,
            bytes = bytes.len(),
            hash = actual,
            "a complete blob is damaged (cut short by a crash?): it counts as absent \
             until the device uploads it again"
        );
        Ok(None)
    }

    /// What is held of `clinic`'s blob `sha`, or None if nothing is; `declared` is the
    /// blob's length as the device knows it, if it said ([`BlobStore::complete_size`]).
    pub async fn held(
        &self,
        clinic: ClinicId,
        sha: &str,
        declared: Option<u64>,
    ) -> Result<Option<Held>, BlobStoreError> {
        if let Some(size) = self.complete_size(clinic, sha, declared).await? {
            return Ok(Some(Held::Complete(size)));
        }
        let staged = self.staged(&Self::staging_prefix(clinic, sha)).await?;
        if staged.chunks.is_empty() && staged.length_key.is_none() {
            return Ok(None);
        }
        let offset = contiguous_run(staged.chunks.iter().map(|c| (c.offset, c.size)));
        let length = match &staged.length_key {
            Some(key) => self.declared_length(key).await?,
            None => None,
        };
        Ok(Some(Held::Partial { offset, length }))
    }

    /// Stores `body`, the bytes of `clinic`'s blob `sha` from `offset`, of an upload
    /// that declares `length` bytes in all; completes the blob when they are all
    /// there. The caller checks `sha` is a blob name and `length` is within limits.
    pub async fn append(
        &self,
        clinic: ClinicId,
        sha: &str,
        offset: u64,
        length: u64,
        body: Bytes,
    ) -> Result<Appended, BlobStoreError> {
        // Already complete: the content is fixed by the name, so a repeated upload
        // (say, its last answer was lost) has nothing left to do. A damaged blob is
        // not complete: this upload goes on and replaces it.
        if let Some(size) = self.complete_size(clinic, sha, Some(length)).await? {
            return Ok(Appended::Complete(size));
        }
        let prefix = Self::staging_prefix(clinic, sha);
        let mut staged = self.staged(&prefix).await?;
        if self.local
            && staged.chunks.is_empty()
            && staged.length_key.is_none()
            && self.size(&prefix).await?.is_some()
        {
            // An earlier release's partial file stands where the staging folder
            // goes: its bytes are not chunks, so the device starts over.
            self.delete_legacy(&prefix).await?;
        }
        let declared = match &staged.length_key {
            Some(key) => self.declared_length(key).await?,
            None => None,
        };
        if let Some(declared) = declared.filter(|&d| d != length) {
            if !staged.chunks.is_empty() {
                // Two honest uploads of one name cannot disagree on its length: the
                // staged chunks are from a bogus upload, and starting over frees the
                // name.
                self.delete_all(staged.keys().collect()).await?;
                return Ok(Appended::LengthMismatch(declared));
            }
        }
        let held = contiguous_run(staged.chunks.iter().map(|c| (c.offset, c.size)));
        if offset != held {
            return Ok(Appended::OffsetMismatch(held));
        }
        let end = offset + body.len() as u64;
        if end > length {
            return Ok(Appended::PastLength(end));
        }
        if end < length && staged.chunks.len() >= STAGED_CHUNKS_MAX {
            return Ok(Appended::TooManyChunks);
        }
        let length_key = prefix.clone().join(LENGTH_NAME);
        if declared != Some(length) {
            // The declared length before any chunk: chunks never lack it but for a
            // crash right here, which the next PATCH repairs.
            self.put(&length_key, Bytes::from(length.to_string()), "put length")
                .await?;
            staged.length_key = Some(length_key);
        }
        if !body.is_empty() {
            let key = Self::chunk_key(&prefix, offset);
            let size = body.len() as u64;
            self.put(&key, body, "put chunk").await?;
            // Replaces a chunk listed at the same offset: the put overwrote it.
            staged.chunks.retain(|c| c.offset != offset);
            let at = staged.chunks.partition_point(|c| c.offset < offset);
            staged.chunks.insert(at, Chunk { offset, size, key });
        }
        let run = contiguous_run(staged.chunks.iter().map(|c| (c.offset, c.size)));
        if run < length {
            return Ok(Appended::Held(run));
        }
        self.complete(clinic, sha, length, staged).await
    }

    /// Reads the staged chunks in order, checks their hash and writes the blob.
    async fn complete(
        &self,
        clinic: ClinicId,
        sha: &str,
        length: u64,
        staged: Staged,
    ) -> Result<Appended, BlobStoreError> {
        // Owned values in each read: the futures outlive no borrow, so the stream is
        // Send for axum.
        let reads: Vec<_> = staged
            .chunks
            .iter()
            .map(|c| {
                let (store, key, sha) = (self.store.clone(), c.key.clone(), sha.to_owned());
                async move {
                    match store.get(&key).await {
                        Ok(got) => got.bytes().await.map_err(object_error("read chunk")),
                        Err(e) if is_not_found(&e) => Err(BlobStoreError::ChunkVanished(sha)),
                        Err(e) => Err(object_error("get chunk")(e)),
                    }
                }
            })
            .collect();
        let parts: Vec<Bytes> = match futures::stream::iter(reads)
            .buffered(READS_PARALLEL_MAX)
            .try_collect()
            .await
        {
            Ok(parts) => parts,
            Err(BlobStoreError::ChunkVanished(_)) => {
                // Most likely another instance completed the blob meanwhile.
                if let Some(size) = self.complete_size(clinic, sha, Some(length)).await? {
                    return Ok(Appended::Complete(size));
                }
                return Err(BlobStoreError::ChunkVanished(sha.into()));
            }
            Err(e) => return Err(e),
        };
        let blob = assemble(staged.chunks.iter().map(|c| c.offset).zip(parts), length);
        let actual = sha256_hex(&blob);
        let keys: Vec<Key> = staged.keys().collect();
        if actual != sha {
            self.delete_all(keys).await?;
            return Ok(Appended::HashMismatch(actual));
        }
        // One put: readers see the whole blob or none, and it replaces a damaged one
        // left under the name.
        self.put(&Self::blob_key(clinic, sha), Bytes::from(blob), "put blob")
            .await?;
        self.delete_all(keys).await?;
        Ok(Appended::Complete(length))
    }
}

/// The bytes `0..length` of a blob from its chunks (sorted by offset, overlapping
/// allowed, the run from 0 reaching `length`).
fn assemble(chunks: impl IntoIterator<Item = (u64, Bytes)>, length: u64) -> Vec<u8> {
    let mut blob = Vec::with_capacity(usize::try_from(length).unwrap_or(0));
    for (offset, bytes) in chunks {
        let have = blob.len() as u64;
        if offset > have || have >= length {
            break;
        }
        let skip = (have - offset) as usize;
        let take = bytes.len().min((length - offset) as usize);
        if skip < take {
            blob.extend_from_slice(&bytes[skip..take]);
        }
    }
    blob
}

/// Hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `%XX` escapes of a URL part decoded.
fn percent_decode(s: &str) -> anyhow::Result<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .with_context(|| format!("bad %-escape in {s:?}"))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).with_context(|| format!("{s:?} is not UTF-8 once decoded"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clinic() -> ClinicId {
        cosabi_core::ids::clinic_id_for_clues("VZIMB000417")
    }

    fn photo(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 7 % 251) as u8).collect()
    }

    #[test]
    fn the_run_is_contiguous_from_zero_and_allows_overlaps() {
        assert_eq!(contiguous_run([]), 0);
        assert_eq!(contiguous_run([(0, 10), (10, 5)]), 15);
        assert_eq!(contiguous_run([(0, 10), (11, 5)]), 10);
        assert_eq!(contiguous_run([(5, 10)]), 0);
        assert_eq!(contiguous_run([(0, 10), (4, 3), (8, 10)]), 18);
    }

    #[test]
    fn assembly_takes_each_byte_once() {
        let data = photo(30);
        let chunk = |a: usize, b: usize| (a as u64, Bytes::copy_from_slice(&data[a..b]));
        let parts = [chunk(0, 10), chunk(5, 20), chunk(10, 30)];
        assert_eq!(assemble(parts.clone(), 30), data);
        assert_eq!(assemble(parts, 25), data[..25]);
    }

    #[test]
    fn urls_name_their_store() {
        let dir = tempfile::tempdir().unwrap();
        let nested = dir.path().join("a/b");
        let store = BlobStore::from_url(nested.to_str().unwrap()).unwrap();
        assert!(nested.is_dir() && store.local);
        let url = format!("file://{}", dir.path().join("c").display());
        assert!(BlobStore::from_url(&url).unwrap().local);
        assert!(BlobStore::from_url("file://relative").is_err());
        assert!(BlobStore::from_url("http://example.org").is_err());
        assert!(BlobStore::from_url("s3://").is_err());
        let s3 = BlobStore::from_url(
            "s3://photos/cosabi/?endpoint=http%3A%2F%2F127.0.0.1%3A9000&allow_http=true\
             &access_key_id=k&secret_access_key=s",
        )
        .unwrap();
        assert_eq!(s3.location(), "s3://photos/cosabi/");
        assert!(!s3.local);
        let err = BlobStore::from_url("s3://photos?colour=blue").unwrap_err();
        assert!(err.to_string().contains("colour"), "{err}");
    }

    #[tokio::test]
    async fn an_upload_in_chunks_completes_and_leaves_no_staging() {
        let store = BlobStore::in_memory();
        let data = photo(100);
        let sha = sha256_hex(&data);
        let put = |offset: usize, end: usize| {
            store.append(
                clinic(),
                &sha,
                offset as u64,
                100,
                Bytes::copy_from_slice(&data[offset..end]),
            )
        };
        assert_eq!(store.held(clinic(), &sha, None).await.unwrap(), None);
        assert_eq!(put(0, 40).await.unwrap(), Appended::Held(40));
        assert_eq!(
            store.held(clinic(), &sha, None).await.unwrap(),
            Some(Held::Partial {
                offset: 40,
                length: Some(100)
            })
        );
        assert_eq!(put(50, 60).await.unwrap(), Appended::OffsetMismatch(40));
        // A retry of the first chunk, longer this time: overlaps are fine.
        assert_eq!(put(0, 45).await.unwrap(), Appended::OffsetMismatch(40));
        assert_eq!(put(40, 100).await.unwrap(), Appended::Complete(100));
        assert_eq!(
            store.held(clinic(), &sha, None).await.unwrap(),
            Some(Held::Complete(100))
        );
        assert_eq!(put(0, 10).await.unwrap(), Appended::Complete(100));
        let blob = store.read_blob(clinic(), &sha).await.unwrap().unwrap();
        assert_eq!(blob, data);
        let range = store.read_blob_range(clinic(), &sha, 10..20).await.unwrap();
        assert_eq!(range.unwrap(), data[10..20]);
        let staged = store
            .staged(&BlobStore::staging_prefix(clinic(), &sha))
            .await
            .unwrap();
        assert!(staged.chunks.is_empty() && staged.length_key.is_none());
    }

    #[tokio::test]
    async fn abandoned_uploads_are_pruned_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::local(dir.path()).unwrap();
        let (old, fresh, done) = (photo(100), photo(90), photo(10));
        let (old_sha, fresh_sha, done_sha) =
            (sha256_hex(&old), sha256_hex(&fresh), sha256_hex(&done));
        for (sha, data) in [(&old_sha, &old), (&fresh_sha, &fresh)] {
            store
                .append(clinic(), sha, 0, 100, Bytes::copy_from_slice(&data[..30]))
                .await
                .unwrap();
        }
        store
            .append(clinic(), &done_sha, 0, 10, Bytes::copy_from_slice(&done))
            .await
            .unwrap();
        // The old upload's files were last touched ten days ago.
        let ten_days_ago =
            std::time::SystemTime::now() - std::time::Duration::from_secs(10 * 86_400);
        let old_dir = dir
            .path()
            .join(clinic().to_string())
            .join(STAGING_FOLDER)
            .join(&old_sha);
        for entry in std::fs::read_dir(&old_dir).unwrap() {
            std::fs::File::options()
                .write(true)
                .open(entry.unwrap().path())
                .unwrap()
                .set_modified(ten_days_ago)
                .unwrap();
        }
        let week_ago = chrono::Utc::now() - chrono::Duration::days(7);
        let pruned = store.prune_abandoned(week_ago).await.unwrap();
        assert_eq!(pruned.uploads, 1, "{pruned:?}");
        assert_eq!(pruned.objects, 2, "{pruned:?}");
        assert_eq!(pruned.bytes, 30 + 3, "{pruned:?}");
        assert_eq!(store.held(clinic(), &old_sha, None).await.unwrap(), None);
        assert_eq!(
            store.held(clinic(), &fresh_sha, None).await.unwrap(),
            Some(Held::Partial {
                offset: 30,
                length: Some(100)
            })
        );
        assert_eq!(
            store.held(clinic(), &done_sha, None).await.unwrap(),
            Some(Held::Complete(10))
        );
        // Nothing more to prune.
        let again = store.prune_abandoned(week_ago).await.unwrap();
        assert_eq!(again, Pruned::default());
    }

    #[tokio::test]
    async fn a_directory_of_an_earlier_release_keeps_working() {
        let dir = tempfile::tempdir().unwrap();
        let clinic_dir = dir.path().join(clinic().to_string());
        let done = photo(10);
        let done_sha = sha256_hex(&done);
        let data = photo(20);
        let sha = sha256_hex(&data);
        let other = sha256_hex(&photo(30));
        std::fs::create_dir_all(clinic_dir.join("partial").join(&other)).unwrap();
        std::fs::write(clinic_dir.join(&done_sha), &done).unwrap();
        // An upload in progress as the earlier layout kept it: one file and its length.
        std::fs::write(clinic_dir.join("partial").join(&sha), &data[..5]).unwrap();
        std::fs::write(clinic_dir.join("partial").join(format!("{sha}.len")), "20").unwrap();
        let store = BlobStore::from_url(dir.path().to_str().unwrap()).unwrap();

        assert_eq!(
            store.read_blob(clinic(), &done_sha).await.unwrap().unwrap(),
            done
        );
        // The old partial is not chunks: the upload starts over, and completes.
        let first = Bytes::copy_from_slice(&data);
        let appended = store.append(clinic(), &sha, 0, 20, first).await;
        assert_eq!(appended.unwrap(), Appended::Complete(20));
        assert_eq!(std::fs::read(clinic_dir.join(&sha)).unwrap(), data);
        // An empty staging folder is no obstacle either.
        let start = Bytes::copy_from_slice(&photo(30)[..10]);
        let appended = store.append(clinic(), &other, 0, 30, start).await;
        assert_eq!(appended.unwrap(), Appended::Held(10));
        assert!(!clinic_dir
            .join("partial")
            .join(format!("{sha}.len"))
            .exists());
    }

    #[tokio::test]
    async fn wrong_bytes_and_lengths_keep_nothing() {
        let store = BlobStore::in_memory();
        let data = photo(64);
        let sha = sha256_hex(&photo(65));
        let append = |offset: u64, length: u64, bytes: &[u8]| {
            store.append(
                clinic(),
                &sha,
                offset,
                length,
                Bytes::copy_from_slice(bytes),
            )
        };
        assert_eq!(
            append(0, 64, &data[..32]).await.unwrap(),
            Appended::Held(32)
        );
        assert_eq!(
            append(32, 64, &data[..40]).await.unwrap(),
            Appended::PastLength(72)
        );
        assert_eq!(
            append(32, 70, &data[32..]).await.unwrap(),
            Appended::LengthMismatch(64)
        );
        assert_eq!(store.held(clinic(), &sha, None).await.unwrap(), None);
        append(0, 64, &data[..32]).await.unwrap();
        let Appended::HashMismatch(actual) = append(32, 64, &data[32..]).await.unwrap() else {
            panic!("forged bytes were kept");
        };
        assert_eq!(actual, sha256_hex(&data));
        assert_eq!(store.held(clinic(), &sha, None).await.unwrap(), None);
        assert_eq!(store.read_blob(clinic(), &sha).await.unwrap(), None);
    }
}
