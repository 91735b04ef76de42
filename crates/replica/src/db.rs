//! Opening the database: per-connection PRAGMAs in one place, then the append-only
//! migration list keyed by `PRAGMA user_version`.

use crate::error::{Error, Result};
use rusqlite::{Connection, TransactionBehavior};
use std::path::Path;

/// Applied in order, each in its own transaction; never edit a past entry, append.
/// rusqlite_migration would do the same but needs rusqlite 0.40 (see ARCHITECTURE.md).
const MIGRATIONS: &[&str] = &[
    // 1: replication bookkeeping, clinic and committee.
    r#"
    CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value ANY
    ) STRICT;

    -- Every site (replica) this one has heard of; idx is local only.
    -- max_seq: highest seq of that site applied here with no gap before it.
    CREATE TABLE sites (
        idx     INTEGER PRIMARY KEY,
        site    BLOB NOT NULL UNIQUE,
        max_seq INTEGER NOT NULL DEFAULT 0
    ) STRICT;

    -- One row per write to one row: fields seq_first..=seq_last, encoded in body.
    -- The rowid is the local arrival order, which is causal: changes are sent from it.
    CREATE TABLE change_log (
        id        INTEGER PRIMARY KEY,
        site_idx  INTEGER NOT NULL,
        seq_first INTEGER NOT NULL,
        seq_last  INTEGER NOT NULL,
        hlc       INTEGER NOT NULL,
        tbl       INTEGER NOT NULL,
        row_id    BLOB NOT NULL,
        author    BLOB,
        body      BLOB NOT NULL
    ) STRICT;

    CREATE TABLE clinic (
        id           BLOB PRIMARY KEY,
        deleted      INTEGER NOT NULL DEFAULT 0,
        clues        TEXT,
        name         TEXT,
        state        TEXT,
        municipality TEXT,
        locality     TEXT,
        consultorios INTEGER,
        _ver         BLOB
    ) STRICT;

    CREATE TABLE member (
        id         BLOB PRIMARY KEY,
        deleted    INTEGER NOT NULL DEFAULT 0,
        clinic_id  BLOB,
        name       TEXT,
        role       TEXT,
        term_start TEXT,
        term_end   TEXT,
        _ver       BLOB
    ) STRICT;
    CREATE INDEX member_by_clinic ON member(clinic_id);
    "#,
    // 2: merge bookkeeping.
    r#"
    -- Loser heads: field values that lost to a concurrent edit and that no later
    -- change has replaced. Local, derived from the change set; the same on every
    -- replica that has the same changes.
    CREATE TABLE conflicts (
        tbl      INTEGER NOT NULL,
        row_id   BLOB NOT NULL,
        col      INTEGER NOT NULL,
        site_idx INTEGER NOT NULL,
        seq      INTEGER NOT NULL,
        hlc      INTEGER NOT NULL,
        value    ANY,
        PRIMARY KEY (tbl, row_id, col, site_idx, seq)
    ) STRICT, WITHOUT ROWID;

    -- Change-log rows whose table or column this app version does not know; applied
    -- when a migration adds them.
    -- col = -1: the whole group (its table is unknown).
    CREATE TABLE pending_unknown (
        log_id INTEGER NOT NULL,
        col    INTEGER NOT NULL,
        PRIMARY KEY (log_id, col)
    ) STRICT, WITHOUT ROWID;

    -- Synced: a conflict marked resolved (id = UUIDv5 of the losing version).
    CREATE TABLE conflict_resolution (
        id        BLOB PRIMARY KEY,
        deleted   INTEGER NOT NULL DEFAULT 0,
        tbl       INTEGER,
        row_id    BLOB,
        col       INTEGER,
        loser_site BLOB,
        loser_seq INTEGER,
        _ver      BLOB
    ) STRICT;

    -- Synced: a site's clock was off by offset_ms for its changes from_seq..=to_seq.
    CREATE TABLE clock_correction (
        id        BLOB PRIMARY KEY,
        deleted   INTEGER NOT NULL DEFAULT 0,
        site      BLOB,
        from_seq  INTEGER,
        to_seq    INTEGER,
        offset_ms INTEGER,
        _ver      BLOB
    ) STRICT;
    "#,
    // 3: the committee's domain: assemblies, agreements, actions, money, photos.
    r#"
    CREATE TABLE assembly (
        id                  BLOB PRIMARY KEY,
        deleted             INTEGER NOT NULL DEFAULT 0,
        clinic_id           BLOB,
        kind                TEXT,
        date                TEXT,
        place               TEXT,
        agenda              TEXT,
        community_attendees INTEGER,
        minutes             TEXT,
        status              TEXT,
        closed_minutes      TEXT,
        closed_by           BLOB,
        quorum_percent      INTEGER,
        signed_photo_id     BLOB,
        _ver                BLOB
    ) STRICT;

    CREATE TABLE attendance (
        id          BLOB PRIMARY KEY,
        deleted     INTEGER NOT NULL DEFAULT 0,
        assembly_id BLOB,
        member_id   BLOB,
        present     INTEGER,
        _ver        BLOB
    ) STRICT;
    CREATE INDEX attendance_by_assembly ON attendance(assembly_id);

    CREATE TABLE amendment (
        id          BLOB PRIMARY KEY,
        deleted     INTEGER NOT NULL DEFAULT 0,
        assembly_id BLOB,
        text        TEXT,
        made_on     TEXT,
        _ver        BLOB
    ) STRICT;
    CREATE INDEX amendment_by_assembly ON amendment(assembly_id);

    CREATE TABLE agreement (
        id              BLOB PRIMARY KEY,
        deleted         INTEGER NOT NULL DEFAULT 0,
        assembly_id     BLOB,
        text            TEXT,
        responsible_id  BLOB,
        due_date        TEXT,
        status          TEXT,
        carried_from_id BLOB,
        _ver            BLOB
    ) STRICT;
    CREATE INDEX agreement_by_assembly ON agreement(assembly_id);
    CREATE INDEX agreement_by_carried_from ON agreement(carried_from_id);

    CREATE TABLE action (
        id             BLOB PRIMARY KEY,
        deleted        INTEGER NOT NULL DEFAULT 0,
        clinic_id      BLOB,
        category       TEXT,
        description    TEXT,
        estimated_cost INTEGER,
        agreement_id   BLOB,
        status         TEXT,
        verified_by    BLOB,
        verified_on    TEXT,
        _ver           BLOB
    ) STRICT;

    CREATE TABLE card_movement (
        id          BLOB PRIMARY KEY,
        deleted     INTEGER NOT NULL DEFAULT 0,
        clinic_id   BLOB,
        fiscal_year INTEGER,
        kind        TEXT,
        amount      INTEGER,
        date        TEXT,
        note        TEXT,
        _ver        BLOB
    ) STRICT;

    CREATE TABLE purchase (
        id          BLOB PRIMARY KEY,
        deleted     INTEGER NOT NULL DEFAULT 0,
        clinic_id   BLOB,
        fiscal_year INTEGER,
        date        TEXT,
        concept     TEXT,
        quantity    INTEGER,
        unit_cost   INTEGER,
        total       INTEGER,
        supplier    TEXT,
        rfc         TEXT,
        category    TEXT,
        action_id   BLOB,
        paid_from   TEXT,
        _ver        BLOB
    ) STRICT;
    CREATE INDEX purchase_by_year_date ON purchase(fiscal_year, date);

    CREATE TABLE receipt (
        id           BLOB PRIMARY KEY,
        deleted      INTEGER NOT NULL DEFAULT 0,
        purchase_id  BLOB,
        kind         TEXT,
        folio_fiscal TEXT,
        total        INTEGER,
        issued_on    TEXT,
        _ver         BLOB
    ) STRICT;
    CREATE INDEX receipt_by_purchase ON receipt(purchase_id);
    CREATE INDEX receipt_by_folio ON receipt(folio_fiscal);

    CREATE TABLE photo (
        id          BLOB PRIMARY KEY,
        deleted     INTEGER NOT NULL DEFAULT 0,
        owner_table INTEGER,
        owner_id    BLOB,
        kind        TEXT,
        sha256      TEXT,
        size_bytes  INTEGER,
        mime        TEXT,
        taken_at    TEXT,
        _ver        BLOB
    ) STRICT;
    CREATE INDEX photo_by_owner ON photo(owner_table, owner_id);
    "#,
    // 4: device-local bookkeeping of photos the server holds in full (never synced).
    r#"
    CREATE TABLE blob_upload (sha256 TEXT PRIMARY KEY, uploaded_at_ms INTEGER NOT NULL) STRICT;
    "#,
    // 5: the clinic's sync-file key (synced, column 7 of clinic).
    r#"
    ALTER TABLE clinic ADD COLUMN sync_key TEXT;
    "#,
    // 6: changes that arrived breaking the schema: logged and relayed (so their
    // site's later changes still apply) but never folded into rows; listed for review.
    r#"
    CREATE TABLE set_aside (
        log_id INTEGER PRIMARY KEY,
        code   TEXT NOT NULL,
        detail TEXT NOT NULL
    ) STRICT;
    "#,
    // 7: the tags of other devices' change groups (`cosabi_core::identity`), kept to
    // relay them: the server takes a site's changes from another device only with
    // its own device's tag. This device's groups are tagged when they leave it (NULL
    // here). In the log row itself: one insert per group, not two.
    r#"
    ALTER TABLE change_log ADD COLUMN tag BLOB;
    "#,
    // 8: the seals of printed documents (`cosabi_core::seal`), synced.
    r#"
    CREATE TABLE document_seal (
        id           BLOB PRIMARY KEY,
        deleted      INTEGER NOT NULL DEFAULT 0,
        clinic_id    BLOB,
        kind         TEXT,
        subject      TEXT,
        code         TEXT,
        generated_at TEXT,
        digest       TEXT,
        vector       TEXT,
        records      INTEGER,
        file_sha256  TEXT,
        _ver         BLOB
    ) STRICT;
    CREATE INDEX document_seal_by_code ON document_seal(code);
    CREATE INDEX document_seal_by_file ON document_seal(file_sha256);
    "#,
    // 9: auditor-grade actas: when and by whom an assembly was opened and closed,
    // the community attendees by name; a member's gender for role names.
    r#"
    ALTER TABLE assembly ADD COLUMN opened_at TEXT;
    ALTER TABLE assembly ADD COLUMN opened_by BLOB;
    ALTER TABLE assembly ADD COLUMN closed_at TEXT;
    ALTER TABLE assembly ADD COLUMN community_names TEXT;
    ALTER TABLE member ADD COLUMN gender TEXT;
    "#,
    // 10: PIN events (set, changed, reset, and who approved), synced; the PINs
    // themselves moved to the device's key ring (`vault`).
    r#"
    CREATE TABLE pin_event (
        id          BLOB PRIMARY KEY,
        deleted     INTEGER NOT NULL DEFAULT 0,
        clinic_id   BLOB,
        member_id   BLOB,
        kind        TEXT,
        approved_by BLOB,
        approval    TEXT,
        device      TEXT,
        at          TEXT,
        _ver        BLOB
    ) STRICT;
    CREATE INDEX pin_event_by_member ON pin_event(member_id);
    "#,
    // 11: devices by name (`schema::DEVICE`), synced: each names itself.
    r#"
    CREATE TABLE device (
        id      BLOB PRIMARY KEY,
        deleted INTEGER NOT NULL DEFAULT 0,
        site    BLOB,
        name    TEXT,
        _ver    BLOB
    ) STRICT;
    "#,
];

/// Schema version this build knows.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Prepared statements kept per connection.
pub const STATEMENT_CACHE_CAPACITY: usize = 512;

/// Per-connection settings: WAL so readers never block the writer, NORMAL sync, foreign
/// keys on.
///
/// NORMAL: a power cut may lose the last commits but never corrupts. A commit must not
/// be lost once pushed (the device would reuse its (site, seq) numbers for other
/// changes), so the sync client calls `Replica::make_durable` before each push, which
/// syncs every commit so far. FULL would sync at every commit instead: measured at about 4 ms a write,
/// 290 times a plain insert (`write_overhead_ratio`, whose budget is 1.5).
fn configure(conn: &Connection) -> Result<()> {
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "busy_timeout", 5000)?;
    // One statement per (table, column set) on the write and merge paths: the default
    // of 16 cached statements thrashes and re-parses SQL on every write.
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE_CAPACITY);
    Ok(())
}

pub fn open(path: &Path) -> Result<Connection> {
    let mut conn = Connection::open(path)?;
    configure(&conn)?;
    migrate(&mut conn)?;
    Ok(conn)
}

/// The SQLCipher key statement for `key` (a raw 256-bit key: no passphrase
/// derivation at open, the key already came from a PIN's Argon2id).
fn key_sql(key: &[u8; 32]) -> String {
    format!("PRAGMA key = \"x'{}'\";", hex::encode_upper(key))
}

/// Whether `path` holds a plain (unencrypted) SQLite database.
#[cfg(not(target_arch = "wasm32"))]
pub fn is_plain(path: &Path) -> Result<bool> {
    let mut head = [0u8; 16];
    use std::io::Read;
    match std::fs::File::open(path) {
        Ok(mut f) => Ok(f.read_exact(&mut head).is_ok() && &head == b"SQLite format 3\0"),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Whether `path` holds a plain (unencrypted) SQLite database, in the browser: std
/// cannot read OPFS there, so SQLite reads the header through the pool. Opened
/// read-only without a key: a plain database with pages reads, an encrypted one is
/// "not a database", an empty or absent file holds no plain database.
#[cfg(target_arch = "wasm32")]
pub fn is_plain(path: &Path) -> Result<bool> {
    use rusqlite::{ErrorCode, OpenFlags};
    if !crate::files::replica_exists(path)? {
        return Ok(false);
    }
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    conn.execute_batch("PRAGMA cipher_log_level = NONE;")?;
    match conn.query_row("PRAGMA page_count", [], |r| r.get::<_, i64>(0)) {
        Ok(pages) => Ok(pages > 0),
        Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == ErrorCode::NotADatabase => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Opens (creating and migrating) the database at `path` encrypted under `key`
/// (SQLCipher 4: AES-256 per page with an HMAC; the WAL is encrypted too).
/// Temporary tables and indices stay in memory, never in a plain temporary file.
pub fn open_keyed(path: &Path, key: &[u8; 32]) -> Result<Connection> {
    let mut conn = Connection::open(path)?;
    // A wrong key is an answer (`storage`), not a line on stderr.
    conn.execute_batch("PRAGMA cipher_log_level = NONE;")?;
    conn.execute_batch(&key_sql(key))?;
    // A wrong key, or a file that is not ours, fails here rather than later.
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    configure(&conn)?;
    migrate(&mut conn)?;
    Ok(conn)
}

/// Encrypts the plain database at `path` under `key`, in place: exported to a new
/// file, flushed, then renamed over the old one (whose WAL is checkpointed first
/// and removed after). A power cut leaves either the plain file or the encrypted one.
#[cfg(not(target_arch = "wasm32"))]
pub fn encrypt_in_place(path: &Path, key: &[u8; 32]) -> Result<()> {
    let tmp = path.with_extension("encrypting");
    let _ = std::fs::remove_file(&tmp);
    {
        let conn = Connection::open(path)?;
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        conn.execute(
            "ATTACH DATABASE ?1 AS enc KEY ?2",
            [
                tmp.to_string_lossy().as_ref(),
                &format!("x'{}'", hex::encode_upper(key)),
            ],
        )?;
        conn.query_row("SELECT sqlcipher_export('enc')", [], |_| Ok(()))?;
        conn.execute_batch(&format!("PRAGMA enc.user_version = {version};"))?;
        conn.execute_batch("DETACH DATABASE enc;")?;
    }
    std::fs::File::open(&tmp)?.sync_all()?;
    std::fs::rename(&tmp, path)?;
    for suffix in ["-wal", "-shm"] {
        let mut p = path.as_os_str().to_os_string();
        p.push(suffix);
        let _ = std::fs::remove_file(std::path::PathBuf::from(p));
    }
    #[cfg(unix)]
    if let Some(dir) = path.parent() {
        std::fs::File::open(if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        })?
        .sync_all()?;
    }
    Ok(())
}

/// In the browser there is no rename to put an encrypted copy in the plain file's
/// place, and no older version ever kept a web replica in the clear: a device's
/// replica there is made encrypted by [`crate::Replica::open_device`] from the
/// start. A plain one (made by [`crate::Replica::open`]) is refused, not converted.
#[cfg(target_arch = "wasm32")]
pub fn encrypt_in_place(path: &Path, _key: &[u8; 32]) -> Result<()> {
    Err(Error::Io(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        format!(
            "{} is a replica kept in the clear, which the browser cannot encrypt in place: \
             open device replicas with Replica::open_device from the start",
            path.display()
        ),
    )))
}

pub fn open_in_memory() -> Result<Connection> {
    let mut conn = Connection::open_in_memory()?;
    configure(&conn)?;
    migrate(&mut conn)?;
    Ok(conn)
}

pub fn migrate(conn: &mut Connection) -> Result<()> {
    let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if current > SCHEMA_VERSION {
        return Err(Error::SchemaTooNew {
            found: current,
            known: SCHEMA_VERSION,
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

#[cfg(test)]
mod tests {
    use super::*;
    use cosabi_core::schema::TABLES;

    #[test]
    fn migrating_twice_is_a_no_op() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.sqlite3");
        drop(open(&path).unwrap());
        let mut conn = open(&path).unwrap();
        migrate(&mut conn).unwrap();
        let v: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v, SCHEMA_VERSION);
    }

    #[test]
    fn catalog_matches_the_migrated_tables() {
        let conn = open_in_memory().unwrap();
        for t in TABLES {
            let mut stmt = conn
                .prepare(&format!("SELECT name FROM pragma_table_info('{}')", t.name))
                .unwrap();
            let cols: Vec<String> = stmt
                .query_map([], |r| r.get(0))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            for c in t.columns {
                assert!(
                    cols.iter().any(|n| n == c.name),
                    "{}.{} missing",
                    t.name,
                    c.name
                );
            }
            assert!(cols.iter().any(|n| n == "_ver"), "{}._ver missing", t.name);
        }
    }

    #[test]
    fn refuses_a_newer_database() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.sqlite3");
        drop(open(&path).unwrap());
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        drop(conn);
        assert!(matches!(open(&path), Err(Error::SchemaTooNew { .. })));
    }
}
