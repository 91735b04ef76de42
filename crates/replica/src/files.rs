//! The files a replica keeps beside its database: the device's key ring
//! ([`crate::vault`]) and the photo store ([`crate::blobs`], thumbnails, draft
//! photos). One contract, [`FileStore`], and one implementation per target, named
//! [`Files`] on both so the replica's code is the same:
//!
//! - On the desktop and phones, [`FolderFiles`]: plain files in the database's
//!   folder. A durable write goes to a temporary file, which is flushed, renamed over
//!   the name and then its folders are flushed too, so a power cut leaves the old
//!   bytes or the new ones, and the name itself survives.
//! - In the browser (wasm32), `OpfsFiles`: std has no file system there, so the files
//!   live in a second, small SQLite database beside the replica's (`<db>.files`,
//!   table `file(name, bytes)`) in the same Origin Private File System pool
//!   (sqlite-wasm-vfs's `sahpool`). The pool's handles are synchronous, as the
//!   replica's API is; a write is one statement, so it is atomic and durable by
//!   SQLite's transaction (rollback journal, `synchronous = FULL`). The pool the
//!   replicas live in is installed once per worker by `install_opfs`, which also
//!   remembers it for [`replica_exists`] and [`remove_replica`].
//!
//! Names are relative, `/`-separated (`cosabi.sqlite3.vault`, `blobs/<sha256>`,
//! `blobs/thumbs/<sha256>.jpg`): no empty, `.` or `..` part and no part starting
//! with a dot (temporary files are hidden that way). Every read is bounded by the
//! caller's limit: a larger file is refused as [`Error::Corrupt`], not loaded.
//!
//! Nothing written here is a secret in the clear: photos are sealed under the data
//! key before they are stored ([`crate::blobs`]) and the ring holds only wrapped keys
//! (and the key in the clear only while no PIN exists, as on the desktop). That is
//! why the browser's side database is not keyed.

use crate::error::{Error, Result};
use std::path::Path;

#[cfg(not(target_arch = "wasm32"))]
mod folder;
#[cfg(target_arch = "wasm32")]
mod opfs;

#[cfg(not(target_arch = "wasm32"))]
pub use folder::{remove_replica, replica_exists, FolderFiles};
#[cfg(target_arch = "wasm32")]
pub use opfs::{install_opfs, remove_replica, replica_exists, OpfsFiles, OPFS_SLOTS_MIN};

/// The file store of this target: files in a folder natively, a side database in
/// OPFS in the browser.
#[cfg(not(target_arch = "wasm32"))]
pub type Files = FolderFiles;
/// The file store of this target: files in a folder natively, a side database in
/// OPFS in the browser.
#[cfg(target_arch = "wasm32")]
pub type Files = OpfsFiles;

/// Bytes of a name, at most: far more than any name the replica makes.
pub const NAME_BYTES_MAX: usize = 255;

/// What the replica needs of a place for files beside its database.
pub trait FileStore {
    /// The bytes of `name`, `None` if there is no such file. A file longer than
    /// `bytes_max` is refused as [`Error::Corrupt`] without being loaded.
    fn read(&self, name: &str, bytes_max: usize) -> Result<Option<Vec<u8>>>;

    /// Writes `bytes` as `name`, whole or not at all, replacing any earlier file,
    /// and durably: once it returns a power cut keeps the new bytes and the name.
    fn write(&self, name: &str, bytes: &[u8]) -> Result<()>;

    /// Writes `bytes` as `name` whole or not at all, without waiting for the disk:
    /// for caches (thumbnails), which a power cut may lose.
    fn write_cache(&self, name: &str, bytes: &[u8]) -> Result<()>;

    /// Makes the name of a file written earlier durable: a write that failed after
    /// its rename, or a process that died just after it, may have left a name that
    /// is not on disk yet.
    fn sync_name(&self, name: &str) -> Result<()>;

    /// Removes `name`; whether it was there.
    fn remove(&self, name: &str) -> Result<bool>;

    /// Removes the folder `folder` and everything in it (nothing if absent).
    fn remove_folder(&self, folder: &str) -> Result<()>;

    /// Whether `name` is a file here.
    fn exists(&self, name: &str) -> Result<bool>;

    /// The names of the files directly in `folder` (not in its sub-folders, not
    /// temporary ones), sorted; empty if there is no such folder.
    fn list(&self, folder: &str) -> Result<Vec<String>>;
}

/// Refuses a name the store does not make: one that could leave its folder, or
/// clash with the temporary files.
pub(crate) fn check_name(name: &str) -> Result<()> {
    let fits = !name.is_empty()
        && name.len() <= NAME_BYTES_MAX
        && !name.contains(['\\', '\0'])
        && name
            .split('/')
            .all(|part| !part.is_empty() && !part.starts_with('.'));
    if fits {
        Ok(())
    } else {
        Err(Error::Io(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("{name:?} is not a name in the replica's file store"),
        )))
    }
}

/// The refusal of a file longer than its limit.
pub(crate) fn too_large(name: &str, bytes_max: usize) -> Error {
    Error::Corrupt(format!(
        "the file {name} is larger than {bytes_max} bytes: it is not one this app wrote"
    ))
}

/// The name of the key ring of the database at `db` in the files beside it.
pub(crate) fn ring_name(db: &Path) -> String {
    let mut name = db
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    name.push_str(".vault");
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_stay_inside_the_store() {
        for good in ["cosabi.sqlite3.vault", "blobs/ab12", "blobs/thumbs/ab.jpg"] {
            assert!(check_name(good).is_ok(), "{good}");
        }
        let long = "a".repeat(NAME_BYTES_MAX + 1);
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "blobs/../x",
            "blobs//x",
            "blobs/",
            "./x",
            ".x.tmp",
            "blobs/.tmp",
            "a\\b",
            "a\0b",
            long.as_str(),
        ] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_ring_is_named_after_its_database() {
        assert_eq!(
            ring_name(Path::new("/data/cosabi.sqlite3")),
            "cosabi.sqlite3.vault"
        );
    }
}
