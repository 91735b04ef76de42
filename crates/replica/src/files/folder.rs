//! The file store on the desktop and phones: plain files in the database's folder.

use super::{check_name, too_large, FileStore};
use crate::error::Result;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Files in the folder of a replica's database (`<folder>/<name>`).
#[derive(Clone, Debug)]
pub struct FolderFiles {
    /// The database's folder; empty for a database named relative to the working
    /// folder.
    root: PathBuf,
}

/// Flushes a folder's entries (names created, renamed, removed) to disk. Windows
/// cannot open a folder as a file, and NTFS journals its folders: nothing to do there.
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        std::fs::File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

fn gone_is_fine(result: std::io::Result<()>) -> std::io::Result<bool> {
    match result {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

impl FolderFiles {
    /// The files beside the database at `db`: in its folder.
    pub fn beside(db: &Path) -> Result<FolderFiles> {
        Ok(FolderFiles {
            root: db.parent().unwrap_or_else(|| Path::new("")).to_path_buf(),
        })
    }

    /// Where `name` lives on disk (the name checked by the caller).
    fn path(&self, name: &str) -> PathBuf {
        name.split('/')
            .fold(self.root.clone(), |p, part| p.join(part))
    }

    /// Flushes every folder from `name`'s up to the store's own, innermost first: a
    /// folder made for the first photo lives in the one above, and without flushing
    /// both a power cut may lose the name.
    fn sync_folders(&self, name: &str) -> std::io::Result<()> {
        let parts: Vec<&str> = name.split('/').collect();
        for depth in (0..parts.len()).rev() {
            let dir = parts[..depth]
                .iter()
                .fold(self.root.clone(), |p, part| p.join(part));
            sync_dir(&dir)?;
        }
        Ok(())
    }

    /// Writes `bytes` under a unique temporary name in `path`'s folder (two writers
    /// of one name must not share it), flushed if `flush`, then renamed to `path`.
    fn write_renamed(path: &Path, tmp_name: String, bytes: &[u8], flush: bool) -> Result<()> {
        let dir = path.parent().unwrap_or_else(|| Path::new(""));
        std::fs::create_dir_all(dir)?;
        let tmp = dir.join(tmp_name);
        let written = (|| -> std::io::Result<()> {
            let mut file = std::fs::File::create(&tmp)?;
            file.write_all(bytes)?;
            if flush {
                file.sync_all()?;
            }
            std::fs::rename(&tmp, path)
        })();
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(e.into());
        }
        Ok(())
    }
}

impl FileStore for FolderFiles {
    fn read(&self, name: &str, bytes_max: usize) -> Result<Option<Vec<u8>>> {
        check_name(name)?;
        let file = match std::fs::File::open(self.path(name)) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let limit = u64::try_from(bytes_max).unwrap_or(u64::MAX);
        if file.metadata()?.len() > limit {
            return Err(too_large(name, bytes_max));
        }
        // Bounded again while reading: the file may grow meanwhile.
        let mut bytes = Vec::new();
        file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
        if bytes.len() > bytes_max {
            return Err(too_large(name, bytes_max));
        }
        Ok(Some(bytes))
    }

    fn write(&self, name: &str, bytes: &[u8]) -> Result<()> {
        check_name(name)?;
        let path = self.path(name);
        let file_name = name.rsplit('/').next().unwrap_or(name);
        let tmp = format!(".{file_name}.{}.tmp", uuid::Uuid::new_v4().simple());
        // On disk before it counts: the file may be the only copy of a receipt, or
        // the key ring a database is encrypted under.
        Self::write_renamed(&path, tmp, bytes, true)?;
        self.sync_folders(name)?;
        Ok(())
    }

    fn write_cache(&self, name: &str, bytes: &[u8]) -> Result<()> {
        check_name(name)?;
        let tmp = format!(".{}.tmp", uuid::Uuid::new_v4().simple());
        // A reader never sees half a file; losing it to a power cut costs a redo.
        Self::write_renamed(&self.path(name), tmp, bytes, false)
    }

    fn sync_name(&self, name: &str) -> Result<()> {
        check_name(name)?;
        Ok(self.sync_folders(name)?)
    }

    fn remove(&self, name: &str) -> Result<bool> {
        check_name(name)?;
        Ok(gone_is_fine(std::fs::remove_file(self.path(name)))?)
    }

    fn remove_folder(&self, folder: &str) -> Result<()> {
        check_name(folder)?;
        gone_is_fine(std::fs::remove_dir_all(self.path(folder)))?;
        Ok(())
    }

    fn exists(&self, name: &str) -> Result<bool> {
        check_name(name)?;
        Ok(self.path(name).is_file())
    }

    fn list(&self, folder: &str) -> Result<Vec<String>> {
        check_name(folder)?;
        let entries = match std::fs::read_dir(self.path(folder)) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e.into()),
        };
        let mut names = Vec::new();
        for entry in entries {
            let entry = entry?;
            // A name that is not UTF-8 or is hidden is not one this store wrote.
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            if !name.starts_with('.') && entry.path().is_file() {
                names.push(name);
            }
        }
        names.sort();
        Ok(names)
    }
}

/// Whether a replica's database exists at `db`.
pub fn replica_exists(db: &Path) -> crate::Result<bool> {
    Ok(db.exists())
}

/// Removes the replica whose database is `db`: the database with its journal files,
/// the photo store beside it, then the key ring, then its folder if that is left
/// empty. The database goes first, so a removal cut short leaves no database for
/// [`replica_exists`] to find. Close the replica first. Photos are kept per folder
/// (`blobs/`): keep one replica per folder, as the app does (the demo's in `demo/`).
pub fn remove_replica(db: &Path) -> crate::Result<()> {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut p = db.as_os_str().to_os_string();
        p.push(suffix);
        gone_is_fine(std::fs::remove_file(PathBuf::from(p)))?;
    }
    // What an encryption in place cut short leaves (`db::encrypt_in_place`).
    gone_is_fine(std::fs::remove_file(db.with_extension("encrypting")))?;
    let files = FolderFiles::beside(db)?;
    files.remove_folder(crate::blobs::BLOB_DIR_NAME)?;
    let ring = super::ring_name(db);
    files.remove(&ring)?;
    // And what a write of the ring cut short left (`FileStore::write`'s temporary).
    let leftover = format!(".{ring}.");
    let dir = db.parent().filter(|d| !d.as_os_str().is_empty());
    if let Ok(entries) = std::fs::read_dir(dir.unwrap_or_else(|| Path::new("."))) {
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with(&leftover) && name.ends_with(".tmp") {
                gone_is_fine(std::fs::remove_file(entry.path()))?;
            }
        }
    }
    if let Some(dir) = dir {
        // Only an empty folder goes: anything else in it is not the replica's.
        let _ = std::fs::remove_dir(dir);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    fn store() -> (tempfile::TempDir, FolderFiles) {
        let dir = tempfile::tempdir().unwrap();
        let files = FolderFiles::beside(&dir.path().join("r.sqlite3")).unwrap();
        (dir, files)
    }

    fn on_disk(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = walk(dir)
            .into_iter()
            .map(|p| {
                p.strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/")
            })
            .collect();
        names.sort();
        names
    }

    fn walk(dir: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
        out
    }

    #[test]
    fn files_land_beside_the_database_and_leave_no_temporary_files() {
        let (dir, files) = store();
        files.write("r.sqlite3.vault", b"{}").unwrap();
        files.write("blobs/ab", &[1; 10]).unwrap();
        files.write_cache("blobs/thumbs/ab.jpg", &[2; 5]).unwrap();
        assert_eq!(
            on_disk(dir.path()),
            ["blobs/ab", "blobs/thumbs/ab.jpg", "r.sqlite3.vault"]
        );
        assert_eq!(
            std::fs::read(dir.path().join("blobs").join("ab")).unwrap(),
            [1; 10]
        );
    }

    #[test]
    fn a_write_that_fails_keeps_the_old_bytes_and_no_temporary_file() {
        let (dir, files) = store();
        files.write("blobs/ab", b"old").unwrap();
        // A folder where the file's name should go: the rename fails.
        std::fs::create_dir_all(dir.path().join("blobs").join("cd").join("x")).unwrap();
        assert!(files.write("blobs/cd", b"new").is_err());
        assert_eq!(files.read("blobs/ab", 10).unwrap().unwrap(), b"old");
        assert_eq!(files.list("blobs").unwrap(), ["ab"]);
        let left: Vec<_> = std::fs::read_dir(dir.path().join("blobs"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".tmp"))
            .collect();
        assert!(left.is_empty(), "{left:?}");
    }

    #[test]
    fn hidden_and_foreign_entries_are_not_listed() {
        let (dir, files) = store();
        files.write("blobs/ab", b"x").unwrap();
        let blobs = dir.path().join("blobs");
        std::fs::write(blobs.join(".ab.dead.tmp"), b"half").unwrap();
        std::fs::create_dir_all(blobs.join("partial")).unwrap();
        assert_eq!(files.list("blobs").unwrap(), ["ab"]);
    }

    #[test]
    fn a_file_grown_past_its_limit_is_refused_unread() {
        let (dir, files) = store();
        std::fs::write(dir.path().join("r.sqlite3.vault"), vec![b' '; 2_000]).unwrap();
        let e = files.read("r.sqlite3.vault", 1_000).unwrap_err();
        assert!(matches!(e, Error::Corrupt(_)), "{e:?}");
        assert_eq!(
            files.read("r.sqlite3.vault", 2_000).unwrap().unwrap().len(),
            2_000
        );
    }

    #[test]
    fn removing_a_replica_removes_its_folder_and_nothing_beside_it() {
        let dir = tempfile::tempdir().unwrap();
        let demo = dir.path().join("demo").join("cosabi.sqlite3");
        let own = dir.path().join("cosabi.sqlite3");
        std::fs::create_dir_all(dir.path().join("demo")).unwrap();
        for db in [&demo, &own] {
            let r = crate::Replica::open(db).unwrap();
            r.store_blob(b"a photo").unwrap();
        }
        assert!(replica_exists(&demo).unwrap());
        remove_replica(&demo).unwrap();
        assert!(!replica_exists(&demo).unwrap());
        assert!(!dir.path().join("demo").exists(), "the demo's folder went");
        assert!(replica_exists(&own).unwrap());
        // The device's own replica beside the demo's folder is untouched.
        let left = on_disk(dir.path());
        let blob = format!("blobs/{}", crate::blob_name(b"a photo"));
        for kept in [blob.as_str(), "cosabi.sqlite3", "cosabi.sqlite3.vault"] {
            assert!(left.iter().any(|n| n == kept), "{kept} in {left:?}");
        }
        assert!(left.iter().all(|n| !n.starts_with("demo")), "{left:?}");
        // Removing what is not there is nothing.
        remove_replica(&demo).unwrap();
        // A ring's write cut short left its temporary file: it goes too.
        std::fs::create_dir_all(dir.path().join("demo")).unwrap();
        drop(crate::Replica::open(&demo).unwrap());
        let tmp = dir
            .path()
            .join("demo")
            .join(".cosabi.sqlite3.vault.dead.tmp");
        std::fs::write(&tmp, b"{").unwrap();
        remove_replica(&demo).unwrap();
        assert!(!dir.path().join("demo").exists());
        // A folder holding something else stays, with that.
        std::fs::create_dir_all(dir.path().join("demo")).unwrap();
        std::fs::write(dir.path().join("demo").join("notes.txt"), b"mine").unwrap();
        drop(crate::Replica::open(&demo).unwrap());
        remove_replica(&demo).unwrap();
        assert_eq!(on_disk(&dir.path().join("demo")), ["notes.txt"]);
    }
}
