//! The file store in the browser: a small SQLite database beside the replica's, in
//! the same Origin Private File System pool (sqlite-wasm-vfs's `sahpool`).
//!
//! Why a database and not OPFS files directly: OPFS reads and writes from Rust go
//! through async JavaScript calls or through a SyncAccessHandle per file, and the
//! pool already holds such handles for SQLite, with their locks; the replica's API is
//! synchronous. Through SQLite a write is one statement, atomic and durable
//! (rollback journal, `synchronous = FULL`), and removing a replica is removing two
//! databases from the pool. Unkeyed: photos are sealed before they get here and the
//! key ring holds wrapped keys (see [`super`]).

use super::{check_name, too_large, FileStore};
use crate::error::{Error, Result};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use sqlite_wasm_rs::vfs::VfsFilesManager;
use sqlite_wasm_vfs::sahpool::{install, OpfsSAHError, OpfsSAHPoolCfg, OpfsSAHPoolUtil};
use std::cell::RefCell;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Pool slots kept at least: two replicas open at once (the device's and the
/// demo's, while one replaces the other), each a database and its files database,
/// each of those with its rollback journal while a write runs, and two to spare.
pub const OPFS_SLOTS_MIN: usize = 10;

/// Append-only, keyed by `PRAGMA user_version`, as the replica's own (`db.rs`).
const MIGRATIONS: &[&str] = &[
    // 1: one row per file, its whole bytes.
    "CREATE TABLE file (
        name  TEXT PRIMARY KEY,
        bytes BLOB NOT NULL
    ) STRICT;",
];

thread_local! {
    /// The pool the replicas of this worker live in (`install_opfs`).
    static POOL: RefCell<Option<OpfsSAHPoolUtil>> = const { RefCell::new(None) };
}

/// Installs the OPFS pool the replicas of this dedicated worker live in as SQLite's
/// default VFS, with at least [`OPFS_SLOTS_MIN`] slots, and remembers it for
/// [`replica_exists`] and [`remove_replica`]. Installing the same pool again (same
/// VFS name and directory) takes the one installed, and resumes it if it was paused:
/// sqlite-wasm-vfs keeps one pool per name in a worker, and applies `clear_on_init`
/// only the first time.
pub async fn install_opfs(
    cfg: &OpfsSAHPoolCfg,
) -> std::result::Result<OpfsSAHPoolUtil, OpfsSAHError> {
    let pool = install::<sqlite_wasm_rs::WasmOsCallback>(cfg, true).await?;
    if pool.is_paused() {
        pool.resume().await?;
    }
    pool.ensure_capacity(OPFS_SLOTS_MIN).await?;
    POOL.with(|p| *p.borrow_mut() = Some(pool.clone()));
    Ok(pool)
}

fn pool_error(e: OpfsSAHError) -> Error {
    Error::Io(std::io::Error::other(format!(
        "the browser's file pool: {e}"
    )))
}

fn pool() -> Result<OpfsSAHPoolUtil> {
    POOL.with(|p| p.borrow().clone()).ok_or_else(|| {
        Error::Io(std::io::Error::other(
            "no file pool in this worker: call cosabi_replica::files::install_opfs first",
        ))
    })
}

/// The pool's name of the database at `db` (SQLite hands the VFS the path as given).
fn pool_name(db: &Path) -> String {
    db.to_string_lossy().into_owned()
}

/// The files database beside the database at `db`.
fn files_db_name(db: &Path) -> String {
    format!("{}.files", pool_name(db))
}

/// Whether a replica's database exists at `db` in the worker's pool.
pub fn replica_exists(db: &Path) -> Result<bool> {
    pool()?.contains(&pool_name(db)).map_err(pool_error)
}

/// Removes the replica whose database is `db` from the worker's pool: the database
/// and its journal, then its files database (the key ring and the photos) and its
/// journal. The database goes first, so a removal cut short leaves no database for
/// [`replica_exists`] to find. Close the replica (and any key ring of it) first: the
/// pool refuses to remove a file in use.
pub fn remove_replica(db: &Path) -> Result<()> {
    let pool = pool()?;
    let files = files_db_name(db);
    let main = pool_name(db);
    for name in [
        main.clone(),
        format!("{main}-journal"),
        format!("{main}-wal"),
        files.clone(),
        format!("{files}-journal"),
    ] {
        pool.remove(&name).map_err(pool_error)?;
    }
    Ok(())
}

/// The files beside one replica's database, in the browser's OPFS pool. Clones
/// share one connection: the pool does not coordinate two connections to one file.
#[derive(Clone)]
pub struct OpfsFiles {
    conn: Arc<Mutex<Connection>>,
    /// The files database's name in the pool (for messages).
    name: Arc<str>,
}

impl std::fmt::Debug for OpfsFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpfsFiles")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl OpfsFiles {
    /// The files beside the database at `db`: the database `<db>.files` in the
    /// default VFS (the pool), made on first use.
    pub fn beside(db: &Path) -> Result<OpfsFiles> {
        let name = files_db_name(db);
        let mut conn = Connection::open(&name)?;
        // A rollback journal (the pool offers no shared memory for a WAL), synced at
        // every commit; temporary tables in memory, not in pool slots.
        conn.pragma_update(None, "journal_mode", "DELETE")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        migrate(&mut conn)?;
        Ok(OpfsFiles {
            conn: Arc::new(Mutex::new(conn)),
            name: name.into(),
        })
    }

    fn with<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T> {
        let conn = self.conn.lock().map_err(|_| {
            Error::Io(std::io::Error::other(format!(
                "the file store {} was left mid-write",
                self.name
            )))
        })?;
        Ok(f(&conn)?)
    }

    fn put(&self, name: &str, bytes: &[u8]) -> Result<()> {
        check_name(name)?;
        // One statement: the file is replaced whole or not at all.
        self.with(|c| {
            c.execute(
                "INSERT INTO file(name, bytes) VALUES (?1, ?2)
                 ON CONFLICT(name) DO UPDATE SET bytes = excluded.bytes",
                rusqlite::params![name, bytes],
            )
        })?;
        Ok(())
    }
}

fn migrate(conn: &mut Connection) -> Result<()> {
    let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let known = MIGRATIONS.len() as i64;
    if current > known {
        return Err(Error::SchemaTooNew {
            found: current,
            known,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}

/// `name/` as a prefix of the names in a folder.
fn folder_prefix(folder: &str) -> Result<String> {
    check_name(folder)?;
    Ok(format!("{folder}/"))
}

impl FileStore for OpfsFiles {
    fn read(&self, name: &str, bytes_max: usize) -> Result<Option<Vec<u8>>> {
        check_name(name)?;
        let limit = i64::try_from(bytes_max).unwrap_or(i64::MAX);
        // The length first, from the row's header: a file past its limit is never
        // loaded.
        let found: Option<(i64, Option<Vec<u8>>)> = self.with(|c| {
            c.query_row(
                "SELECT length(bytes), CASE WHEN length(bytes) <= ?2 THEN bytes END
                 FROM file WHERE name = ?1",
                rusqlite::params![name, limit],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
        })?;
        match found {
            None => Ok(None),
            Some((_, Some(bytes))) if bytes.len() <= bytes_max => Ok(Some(bytes)),
            Some(_) => Err(too_large(name, bytes_max)),
        }
    }

    fn write(&self, name: &str, bytes: &[u8]) -> Result<()> {
        self.put(name, bytes)
    }

    fn write_cache(&self, name: &str, bytes: &[u8]) -> Result<()> {
        self.put(name, bytes)
    }

    fn sync_name(&self, name: &str) -> Result<()> {
        // Names are rows, committed with their bytes: nothing is left to flush.
        check_name(name)
    }

    fn remove(&self, name: &str) -> Result<bool> {
        check_name(name)?;
        let n = self.with(|c| c.execute("DELETE FROM file WHERE name = ?1", [name]))?;
        Ok(n > 0)
    }

    fn remove_folder(&self, folder: &str) -> Result<()> {
        let prefix = folder_prefix(folder)?;
        self.with(|c| {
            c.execute(
                "DELETE FROM file WHERE substr(name, 1, length(?1)) = ?1",
                [&prefix],
            )
        })?;
        Ok(())
    }

    fn exists(&self, name: &str) -> Result<bool> {
        check_name(name)?;
        self.with(|c| {
            c.query_row("SELECT 1 FROM file WHERE name = ?1", [name], |_| Ok(()))
                .optional()
        })
        .map(|found| found.is_some())
    }

    fn list(&self, folder: &str) -> Result<Vec<String>> {
        let prefix = folder_prefix(folder)?;
        self.with(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT substr(name, length(?1) + 1) AS rest FROM file
                 WHERE substr(name, 1, length(?1)) = ?1 AND instr(rest, '/') = 0
                 ORDER BY rest",
            )?;
            let names = stmt
                .query_map([&prefix], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<String>>>();
            names
        })
    }
}
