//! The embedded store: one SQLite file, nothing else to install.

use crate::store::*;
use async_trait::async_trait;
use cosabi_core::change::ChangeGroup;
use cosabi_core::ids::{ClinicId, SiteId};
use cosabi_core::protocol::PushReport;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use uuid::Uuid;

const MIGRATIONS: &[&str] = &[
    r#"
    CREATE TABLE clinic (
        id            BLOB PRIMARY KEY,
        clues         TEXT NOT NULL UNIQUE,
        name          TEXT NOT NULL,
        state         TEXT NOT NULL,
        consultorios  INTEGER NOT NULL,
        created_at_ms INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE enrollment_code (
        code_hash     TEXT PRIMARY KEY,
        clinic_id     BLOB NOT NULL REFERENCES clinic(id),
        expires_at_ms INTEGER NOT NULL,
        used_at_ms    INTEGER
    ) STRICT;
    CREATE TABLE device (
        id             TEXT PRIMARY KEY,
        clinic_id      BLOB NOT NULL REFERENCES clinic(id),
        name           TEXT NOT NULL,
        site           BLOB NOT NULL,
        token_hash     TEXT NOT NULL UNIQUE,
        enrolled_at_ms INTEGER NOT NULL,
        last_sync_ms   INTEGER,
        revoked        INTEGER NOT NULL DEFAULT 0
    ) STRICT;
    -- What the server holds per clinic and site: highest seq with no gap.
    CREATE TABLE site_seq (
        clinic_id BLOB NOT NULL,
        site      BLOB NOT NULL,
        max_seq   INTEGER NOT NULL,
        PRIMARY KEY (clinic_id, site)
    ) STRICT, WITHOUT ROWID;
    -- Change groups as sent (postcard of ChangeGroup); arrival order is causal.
    CREATE TABLE change_group (
        arrival   INTEGER PRIMARY KEY,
        clinic_id BLOB NOT NULL,
        site      BLOB NOT NULL,
        seq_first INTEGER NOT NULL,
        seq_last  INTEGER NOT NULL,
        body      BLOB NOT NULL
    ) STRICT;
    CREATE INDEX change_group_by_clinic ON change_group(clinic_id, arrival);
"#,
    r#"
    -- Where the clinic is, as the admin typed it (the programme view's municipal scope).
    ALTER TABLE clinic ADD COLUMN municipality TEXT NOT NULL DEFAULT '';
    -- Accounts of the programme view, each scoped to the programme, a state or a
    -- municipality ('programa', 'estado:VZ', 'municipio:VZ/Tlaquilpa').
    CREATE TABLE account (
        user          TEXT PRIMARY KEY,
        password_hash TEXT NOT NULL,
        scope         TEXT NOT NULL,
        created_at_ms INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE account_session (
        token_hash    TEXT PRIMARY KEY,
        user          TEXT NOT NULL REFERENCES account(user) ON DELETE CASCADE,
        created_at_ms INTEGER NOT NULL,
        expires_at_ms INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX account_session_by_user ON account_session(user);
    CREATE INDEX account_session_by_expiry ON account_session(expires_at_ms);
"#,
    r#"
    -- Which device each site belongs to (its enrollment site, and any fresh site it
    -- moved to after finding a copy of itself). Changes of a bound site are taken
    -- from that device only.
    CREATE TABLE site_owner (
        clinic_id BLOB NOT NULL,
        site      BLOB NOT NULL,
        device_id TEXT NOT NULL,
        PRIMARY KEY (clinic_id, site)
    ) STRICT, WITHOUT ROWID;
    INSERT INTO site_owner(clinic_id, site, device_id)
        SELECT clinic_id, site, id FROM device WHERE revoked = 0 ORDER BY enrolled_at_ms
        ON CONFLICT DO NOTHING;
    -- The device's key (hex): the server checks with it the tags of the device's
    -- changes that other devices relay. NULL for devices enrolled before.
    ALTER TABLE device ADD COLUMN key TEXT;
    -- The key that seals the clinic's sync files, given to its devices at enrollment
    -- (never synced: a file must not carry the key that seals it).
    ALTER TABLE clinic ADD COLUMN file_key TEXT;
"#,
    r#"
    -- Seals of the documents the server made itself (the actas, cuadernillo and index
    -- of an expediente downloaded from the programme view), so their codes verify
    -- like those of documents the devices made and synced. `body` is the seal as
    -- JSON (`store::IssuedSeal`).
    CREATE TABLE issued_seal (
        code      TEXT PRIMARY KEY,
        clinic_id BLOB NOT NULL,
        body      TEXT NOT NULL
    ) STRICT, WITHOUT ROWID;
"#,
];

/// The SQLite implementation of [`Store`].
#[derive(Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
}

fn backend<E: std::fmt::Display>(e: E) -> StoreError {
    StoreError::Backend(e.to_string())
}

fn uuid(bytes: &[u8]) -> StoreResult<Uuid> {
    Uuid::from_slice(bytes).map_err(backend)
}

impl SqliteStore {
    pub fn open(path: &Path) -> anyhow::Result<SqliteStore> {
        let mut conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "busy_timeout", 5000)?;
        conn.set_prepared_statement_cache_capacity(64);
        let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if current > MIGRATIONS.len() as i64 {
            anyhow::bail!(
                "{} was written by a newer server (schema {current}): update the server",
                path.display()
            );
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)?;
            tx.commit()?;
        }
        Ok(SqliteStore {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Runs `f` on the connection in the blocking pool.
    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> StoreResult<T> + Send + 'static,
    ) -> StoreResult<T> {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = conn
                .lock()
                .map_err(|_| StoreError::Backend("store lock poisoned".into()))?;
            f(&mut guard)
        })
        .await
        .map_err(backend)?
    }
}

type ClinicRow = (Vec<u8>, String, String, String, i64, i64, String);
type DeviceRow = (String, Vec<u8>, String, Vec<u8>, i64, Option<i64>, bool);

fn clinic_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ClinicRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
    ))
}

const CLINIC_COLUMNS: &str = "id, clues, name, state, consultorios, created_at_ms, municipality";

fn to_clinic(t: ClinicRow) -> StoreResult<ClinicRecord> {
    Ok(ClinicRecord {
        id: ClinicId(uuid(&t.0)?),
        clues: t.1,
        name: t.2,
        state: t.3,
        consultorios: t.4 as u32,
        municipality: t.6,
        created_at_ms: t.5 as u64,
    })
}

fn device_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DeviceRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
    ))
}

fn to_device(t: DeviceRow) -> StoreResult<DeviceRecord> {
    Ok(DeviceRecord {
        id: t.0,
        clinic_id: ClinicId(uuid(&t.1)?),
        name: t.2,
        site: SiteId(uuid(&t.3)?),
        enrolled_at_ms: t.4 as u64,
        last_sync_ms: t.5.map(|v| v as u64),
        revoked: t.6,
    })
}

type AccountRow = (String, String, String, i64);

const ACCOUNT_COLUMNS: &str = "user, password_hash, scope, created_at_ms";

fn account_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AccountRow> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
}

fn to_account(t: AccountRow) -> StoreResult<AccountRecord> {
    Ok(AccountRecord {
        scope: t.2.parse().map_err(|e| {
            StoreError::Backend(format!("account {}: stored scope {:?}: {e}", t.0, t.2))
        })?,
        user: t.0,
        password_hash: t.1,
        created_at_ms: t.3 as u64,
    })
}

const DEVICE_COLUMNS: &str = "id, clinic_id, name, site, enrolled_at_ms, last_sync_ms, revoked";

#[async_trait]
impl Store for SqliteStore {
    async fn add_clinic(&self, c: ClinicRecord) -> StoreResult<()> {
        self.run(move |conn| {
            let exists: bool = conn
                .query_row(
                    "SELECT EXISTS(SELECT 1 FROM clinic WHERE clues = ?1 OR id = ?2)",
                    rusqlite::params![c.clues, c.id.0.as_bytes().as_slice()],
                    |r| r.get(0),
                )
                .map_err(backend)?;
            if exists {
                return Err(StoreError::ClinicExists(c.clues));
            }
            conn.execute(
                "INSERT INTO clinic(id, clues, name, state, consultorios, created_at_ms, municipality)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                rusqlite::params![
                    c.id.0.as_bytes().as_slice(),
                    c.clues,
                    c.name,
                    c.state,
                    c.consultorios,
                    c.created_at_ms as i64,
                    c.municipality
                ],
            )
            .map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn clinics(&self) -> StoreResult<Vec<ClinicRecord>> {
        self.run(|conn| {
            let mut stmt = conn
                .prepare(&format!(
                    "SELECT {CLINIC_COLUMNS} FROM clinic ORDER BY clues"
                ))
                .map_err(backend)?;
            let rows = stmt.query_map([], clinic_from_row).map_err(backend)?;
            rows.map(|r| to_clinic(r.map_err(backend)?)).collect()
        })
        .await
    }

    async fn set_clinic_municipality(&self, clues: &str, municipality: &str) -> StoreResult<()> {
        let (clues, municipality) = (clues.to_owned(), municipality.to_owned());
        self.run(move |conn| {
            let changed = conn
                .execute(
                    "UPDATE clinic SET municipality = ?2 WHERE clues = ?1",
                    rusqlite::params![clues, municipality],
                )
                .map_err(backend)?;
            if changed == 0 {
                return Err(StoreError::NoSuchClinic(clues));
            }
            Ok(())
        })
        .await
    }

    async fn clinic_by_clues(&self, clues: &str) -> StoreResult<Option<ClinicRecord>> {
        let clues = clues.to_owned();
        self.run(move |conn| {
            conn.query_row(
                &format!("SELECT {CLINIC_COLUMNS} FROM clinic WHERE clues = ?1"),
                [clues],
                clinic_from_row,
            )
            .optional()
            .map_err(backend)?
            .map(to_clinic)
            .transpose()
        })
        .await
    }

    async fn add_enrollment_code(
        &self,
        clinic: ClinicId,
        code_hash: &str,
        expires_at_ms: u64,
    ) -> StoreResult<()> {
        let code_hash = code_hash.to_owned();
        self.run(move |conn| {
            conn.execute(
                "INSERT INTO enrollment_code(code_hash, clinic_id, expires_at_ms) VALUES (?1, ?2, ?3)",
                rusqlite::params![code_hash, clinic.0.as_bytes().as_slice(), expires_at_ms as i64],
            )
            .map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn enroll(
        &self,
        code_hash: &str,
        now_ms: u64,
        device: NewDevice,
    ) -> StoreResult<ClinicRecord> {
        let code_hash = code_hash.to_owned();
        self.run(move |conn| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(backend)?;
            let code: Option<(Vec<u8>, i64, Option<i64>)> = tx
                .query_row(
                    "SELECT clinic_id, expires_at_ms, used_at_ms FROM enrollment_code WHERE code_hash = ?1",
                    [&code_hash],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()
                .map_err(backend)?;
            let Some((clinic_id, expires, used)) = code else {
                return Err(StoreError::CodeInvalid);
            };
            if used.is_some() || (expires as u64) < now_ms {
                return Err(StoreError::CodeExpired);
            }
            // The code is not used up when the site is another device's: the device
            // moves to a fresh site and enrolls with the same code.
            bind_site(&tx, &clinic_id, &device.id, device.site)?;
            tx.execute(
                "UPDATE enrollment_code SET used_at_ms = ?2 WHERE code_hash = ?1",
                rusqlite::params![code_hash, now_ms as i64],
            )
            .map_err(backend)?;
            tx.execute(
                "INSERT INTO device(id, clinic_id, name, site, token_hash, enrolled_at_ms, key)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                rusqlite::params![
                    device.id,
                    clinic_id,
                    device.name,
                    device.site.0.as_bytes().as_slice(),
                    device.token_hash,
                    now_ms as i64,
                    device.key,
                ],
            )
            .map_err(backend)?;
            let clinic = tx
                .query_row(
                    &format!("SELECT {CLINIC_COLUMNS} FROM clinic WHERE id = ?1"),
                    [&clinic_id],
                    clinic_from_row,
                )
                .map_err(backend)?;
            tx.commit().map_err(backend)?;
            to_clinic(clinic)
        })
        .await
    }

    async fn device_by_token(&self, token_hash: &str) -> StoreResult<Option<DeviceRecord>> {
        let token_hash = token_hash.to_owned();
        self.run(move |conn| {
            conn.prepare_cached(&format!(
                "SELECT {DEVICE_COLUMNS} FROM device WHERE token_hash = ?1"
            ))
            .map_err(backend)?
            .query_row([token_hash], device_from_row)
            .optional()
            .map_err(backend)?
            .map(to_device)
            .transpose()
        })
        .await
    }

    async fn devices(&self, clinic: Option<ClinicId>) -> StoreResult<Vec<DeviceRecord>> {
        self.run(move |conn| {
            let mut stmt = conn
                .prepare(&format!(
                    "SELECT {DEVICE_COLUMNS} FROM device WHERE ?1 IS NULL OR clinic_id = ?1 ORDER BY enrolled_at_ms"
                ))
                .map_err(backend)?;
            let rows = stmt
                .query_map([clinic.map(|c| c.0.as_bytes().to_vec())], device_from_row)
                .map_err(backend)?;
            rows.map(|r| to_device(r.map_err(backend)?)).collect()
        })
        .await
    }

    async fn revoke_device(&self, id: &str) -> StoreResult<bool> {
        let id = id.to_owned();
        self.run(move |conn| {
            let n = conn
                .execute(
                    "UPDATE device SET revoked = 1 WHERE id = ?1 OR (length(?1) >= 8 AND id LIKE ?1 || '%')",
                    [id],
                )
                .map_err(backend)?;
            Ok(n > 0)
        })
        .await
    }

    async fn touch_device(&self, id: &str, now_ms: u64) -> StoreResult<()> {
        let id = id.to_owned();
        self.run(move |conn| {
            conn.prepare_cached(
                "UPDATE device SET last_sync_ms = ?2
                 WHERE id = ?1 AND (last_sync_ms IS NULL OR last_sync_ms <= ?2 - ?3)",
            )
            .map_err(backend)?
            .execute(rusqlite::params![
                id,
                now_ms as i64,
                TOUCH_GRANULARITY_MS as i64
            ])
            .map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn version_vector(&self, clinic: ClinicId) -> StoreResult<HashMap<SiteId, u64>> {
        self.run(move |conn| load_vv(conn, clinic)).await
    }

    async fn push(&self, clinic: ClinicId, groups: Vec<ChangeGroup>) -> StoreResult<PushReport> {
        self.run(move |conn| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(backend)?;
            let mut vv = load_vv(&tx, clinic)?;
            let admitted = admit_page(groups, &mut vv);
            if !admitted.echoed.is_empty() {
                let mut held = Vec::new();
                for (site, (from, to)) in admitted.echoed_ranges() {
                    held.extend(held_groups(&tx, clinic, site, from, to)?);
                }
                if let Some((site, seq)) = first_divergence(&admitted.echoed, &held) {
                    return Err(StoreError::Divergent { site, seq });
                }
            }
            let Admitted {
                kept,
                report,
                touched,
                ..
            } = admitted;
            for g in kept {
                tx.prepare_cached(
                    "INSERT INTO change_group(clinic_id, site, seq_first, seq_last, body)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .map_err(backend)?
                .execute(rusqlite::params![
                    clinic.0.as_bytes().as_slice(),
                    g.site.0.as_bytes().as_slice(),
                    g.seq_first as i64,
                    g.seq_last() as i64,
                    postcard::to_allocvec(&g).map_err(backend)?,
                ])
                .map_err(backend)?;
            }
            for site in touched {
                tx.prepare_cached(
                    "INSERT INTO site_seq(clinic_id, site, max_seq) VALUES (?1, ?2, ?3)
                     ON CONFLICT(clinic_id, site) DO UPDATE SET max_seq = excluded.max_seq",
                )
                .map_err(backend)?
                .execute(rusqlite::params![
                    clinic.0.as_bytes().as_slice(),
                    site.0.as_bytes().as_slice(),
                    vv[&site] as i64
                ])
                .map_err(backend)?;
            }
            tx.commit().map_err(backend)?;
            Ok(report)
        })
        .await
    }

    async fn pull(
        &self,
        clinic: ClinicId,
        have: HashMap<SiteId, u64>,
        cursor: u64,
    ) -> StoreResult<Pulled> {
        self.run(move |conn| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT arrival, site, seq_last, body FROM change_group
                     WHERE clinic_id = ?1 AND arrival > ?2 ORDER BY arrival",
                )
                .map_err(backend)?;
            let mut rows = stmt
                .query(rusqlite::params![
                    clinic.0.as_bytes().as_slice(),
                    cursor as i64
                ])
                .map_err(backend)?;
            let mut page = PageFill::new(&have, cursor);
            while let Some(r) = rows.next().map_err(backend)? {
                let arrival = r.get::<_, i64>(0).map_err(backend)? as u64;
                let site = SiteId(uuid(&r.get::<_, Vec<u8>>(1).map_err(backend)?)?);
                let seq_last = r.get::<_, i64>(2).map_err(backend)? as u64;
                if !page.wants(arrival, &site, seq_last) {
                    continue;
                }
                let body: Vec<u8> = r.get(3).map_err(backend)?;
                let g: ChangeGroup = postcard::from_bytes(&body).map_err(backend)?;
                if !page.add(arrival, g) {
                    break;
                }
            }
            Ok(page.finish())
        })
        .await
    }

    async fn site_owners(&self, clinic: ClinicId) -> StoreResult<HashMap<SiteId, SiteOwner>> {
        self.run(move |conn| load_owners(conn, clinic)).await
    }

    async fn clinic_file_key(&self, clinic: ClinicId, fresh: &str) -> StoreResult<String> {
        let fresh = fresh.to_owned();
        self.run(move |conn| {
            conn.query_row(
                "UPDATE clinic SET file_key = coalesce(file_key, ?2) WHERE id = ?1
                 RETURNING file_key",
                rusqlite::params![clinic.0.as_bytes().as_slice(), fresh],
                |r| r.get(0),
            )
            .map_err(backend)
        })
        .await
    }

    async fn record_issued_seal(&self, seal: IssuedSeal) -> StoreResult<()> {
        let body = serde_json::to_string(&seal).map_err(backend)?;
        self.run(move |conn| {
            conn.execute(
                "INSERT INTO issued_seal(code, clinic_id, body) VALUES (?1, ?2, ?3)
                 ON CONFLICT DO NOTHING",
                rusqlite::params![seal.seal.code, seal.clinic.0.as_bytes().as_slice(), body],
            )
            .map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn issued_seal(&self, code: &str) -> StoreResult<Option<IssuedSeal>> {
        let code = code.to_owned();
        self.run(move |conn| {
            let body: Option<String> = conn
                .query_row(
                    "SELECT body FROM issued_seal WHERE code = ?1",
                    [code],
                    |r| r.get(0),
                )
                .optional()
                .map_err(backend)?;
            body.map(|b| serde_json::from_str(&b).map_err(backend))
                .transpose()
        })
        .await
    }

    async fn bind_site(&self, clinic: ClinicId, device: &str, site: SiteId) -> StoreResult<()> {
        let device = device.to_owned();
        self.run(move |conn| bind_site(conn, clinic.0.as_bytes(), &device, site))
            .await
    }

    async fn version_vectors(&self) -> StoreResult<HashMap<ClinicId, HashMap<SiteId, u64>>> {
        self.run(|conn| {
            let mut stmt = conn
                .prepare_cached("SELECT clinic_id, site, max_seq FROM site_seq")
                .map_err(backend)?;
            let mut rows = stmt.query([]).map_err(backend)?;
            let mut out: HashMap<ClinicId, HashMap<SiteId, u64>> = HashMap::new();
            while let Some(r) = rows.next().map_err(backend)? {
                let clinic = ClinicId(uuid(&r.get::<_, Vec<u8>>(0).map_err(backend)?)?);
                let site = SiteId(uuid(&r.get::<_, Vec<u8>>(1).map_err(backend)?)?);
                let seq = r.get::<_, i64>(2).map_err(backend)? as u64;
                out.entry(clinic).or_default().insert(site, seq);
            }
            Ok(out)
        })
        .await
    }

    async fn add_account(&self, a: AccountRecord) -> StoreResult<()> {
        self.run(move |conn| {
            let n = conn
                .execute(
                    "INSERT INTO account(user, password_hash, scope, created_at_ms)
                     VALUES (?1, ?2, ?3, ?4) ON CONFLICT(user) DO NOTHING",
                    rusqlite::params![
                        a.user,
                        a.password_hash,
                        a.scope.to_string(),
                        a.created_at_ms as i64
                    ],
                )
                .map_err(backend)?;
            if n == 0 {
                return Err(StoreError::AccountExists(a.user));
            }
            Ok(())
        })
        .await
    }

    async fn accounts(&self) -> StoreResult<Vec<AccountRecord>> {
        self.run(|conn| {
            let mut stmt = conn
                .prepare(&format!(
                    "SELECT {ACCOUNT_COLUMNS} FROM account ORDER BY user"
                ))
                .map_err(backend)?;
            let rows = stmt.query_map([], account_from_row).map_err(backend)?;
            rows.map(|r| to_account(r.map_err(backend)?)).collect()
        })
        .await
    }

    async fn account(&self, user: &str) -> StoreResult<Option<AccountRecord>> {
        let user = user.to_owned();
        self.run(move |conn| {
            conn.query_row(
                &format!("SELECT {ACCOUNT_COLUMNS} FROM account WHERE user = ?1"),
                [user],
                account_from_row,
            )
            .optional()
            .map_err(backend)?
            .map(to_account)
            .transpose()
        })
        .await
    }

    async fn remove_account(&self, user: &str) -> StoreResult<bool> {
        let user = user.to_owned();
        self.run(move |conn| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(backend)?;
            // Explicit rather than left to ON DELETE CASCADE, so the sessions go even
            // on a connection opened without foreign keys.
            tx.execute("DELETE FROM account_session WHERE user = ?1", [&user])
                .map_err(backend)?;
            let n = tx
                .execute("DELETE FROM account WHERE user = ?1", [&user])
                .map_err(backend)?;
            tx.commit().map_err(backend)?;
            Ok(n > 0)
        })
        .await
    }

    async fn add_session(&self, session: NewSession) -> StoreResult<()> {
        self.run(move |conn| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(backend)?;
            tx.execute(
                "DELETE FROM account_session WHERE expires_at_ms <= ?1",
                [session.created_at_ms as i64],
            )
            .map_err(backend)?;
            tx.execute(
                "INSERT INTO account_session(token_hash, user, created_at_ms, expires_at_ms)
                 VALUES (?1, ?2, ?3, ?4)",
                rusqlite::params![
                    session.token_hash,
                    session.user,
                    session.created_at_ms as i64,
                    session.expires_at_ms as i64
                ],
            )
            .map_err(backend)?;
            tx.commit().map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn session_account(
        &self,
        token_hash: &str,
        now_ms: u64,
    ) -> StoreResult<Option<AccountRecord>> {
        let token_hash = token_hash.to_owned();
        self.run(move |conn| {
            conn.prepare_cached(
                "SELECT a.user, a.password_hash, a.scope, a.created_at_ms
                 FROM account_session s JOIN account a ON a.user = s.user
                 WHERE s.token_hash = ?1 AND s.expires_at_ms > ?2",
            )
            .map_err(backend)?
            .query_row(
                rusqlite::params![token_hash, now_ms as i64],
                account_from_row,
            )
            .optional()
            .map_err(backend)?
            .map(to_account)
            .transpose()
        })
        .await
    }

    async fn remove_session(&self, token_hash: &str) -> StoreResult<()> {
        let token_hash = token_hash.to_owned();
        self.run(move |conn| {
            conn.execute(
                "DELETE FROM account_session WHERE token_hash = ?1",
                [token_hash],
            )
            .map_err(backend)?;
            Ok(())
        })
        .await
    }
    async fn devices_with_token_hashes(&self) -> StoreResult<Vec<(DeviceRecord, String)>> {
        self.run(|conn| {
            let mut stmt = conn
                .prepare(&format!(
                    "SELECT {DEVICE_COLUMNS}, token_hash FROM device ORDER BY enrolled_at_ms, id"
                ))
                .map_err(backend)?;
            let rows = stmt
                .query_map([], |r| Ok((device_from_row(r)?, r.get::<_, String>(7)?)))
                .map_err(backend)?;
            rows.map(|r| {
                let (device, hash) = r.map_err(backend)?;
                Ok((to_device(device)?, hash))
            })
            .collect()
        })
        .await
    }

    async fn restore_device(&self, d: DeviceRecord, token_hash: &str) -> StoreResult<()> {
        let token_hash = token_hash.to_owned();
        self.run(move |conn| {
            conn.execute(
                "INSERT INTO device(id, clinic_id, name, site, token_hash, enrolled_at_ms,
                                    last_sync_ms, revoked)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                rusqlite::params![
                    d.id,
                    d.clinic_id.0.as_bytes().as_slice(),
                    d.name,
                    d.site.0.as_bytes().as_slice(),
                    token_hash,
                    d.enrolled_at_ms as i64,
                    d.last_sync_ms.map(|v| v as i64),
                    d.revoked,
                ],
            )
            .map_err(backend)?;
            // Its enrollment site is its own again (sites it moved to later are
            // bound again when it next claims them).
            if !d.revoked {
                match bind_site(conn, d.clinic_id.0.as_bytes(), &d.id, d.site) {
                    Ok(()) | Err(StoreError::SiteTaken(_)) => {}
                    Err(e) => return Err(e),
                }
            }
            Ok(())
        })
        .await
    }
}

fn load_vv(conn: &Connection, clinic: ClinicId) -> StoreResult<HashMap<SiteId, u64>> {
    let mut stmt = conn
        .prepare_cached("SELECT site, max_seq FROM site_seq WHERE clinic_id = ?1")
        .map_err(backend)?;
    let mut rows = stmt
        .query([clinic.0.as_bytes().as_slice()])
        .map_err(backend)?;
    let mut out = HashMap::new();
    while let Some(r) = rows.next().map_err(backend)? {
        let site: Vec<u8> = r.get(0).map_err(backend)?;
        out.insert(
            SiteId(uuid(&site)?),
            r.get::<_, i64>(1).map_err(backend)? as u64,
        );
    }
    Ok(out)
}

/// Site → owning device and its key, for one clinic.
fn load_owners(conn: &Connection, clinic: ClinicId) -> StoreResult<HashMap<SiteId, SiteOwner>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT o.site, o.device_id, d.key FROM site_owner o
             LEFT JOIN device d ON d.id = o.device_id WHERE o.clinic_id = ?1",
        )
        .map_err(backend)?;
    let mut rows = stmt
        .query([clinic.0.as_bytes().as_slice()])
        .map_err(backend)?;
    let mut out = HashMap::new();
    while let Some(r) = rows.next().map_err(backend)? {
        let site = SiteId(uuid(&r.get::<_, Vec<u8>>(0).map_err(backend)?)?);
        out.insert(
            site,
            SiteOwner {
                device: r.get(1).map_err(backend)?,
                key: r.get(2).map_err(backend)?,
            },
        );
    }
    Ok(out)
}

/// Binds a site to a device unless another device holds it.
fn bind_site(conn: &Connection, clinic: &[u8], device: &str, site: SiteId) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO site_owner(clinic_id, site, device_id) VALUES (?1, ?2, ?3)
         ON CONFLICT(clinic_id, site) DO NOTHING",
        rusqlite::params![clinic, site.0.as_bytes().as_slice(), device],
    )
    .map_err(backend)?;
    let owner: String = conn
        .query_row(
            "SELECT device_id FROM site_owner WHERE clinic_id = ?1 AND site = ?2",
            rusqlite::params![clinic, site.0.as_bytes().as_slice()],
            |r| r.get(0),
        )
        .map_err(backend)?;
    if owner != device {
        return Err(StoreError::SiteTaken(site));
    }
    Ok(())
}

/// The stored groups of one site that overlap seqs `from..=to` (a rare read: only
/// pushes that repeat held changes make it, to compare them).
fn held_groups(
    conn: &Connection,
    clinic: ClinicId,
    site: SiteId,
    from: u64,
    to: u64,
) -> StoreResult<Vec<ChangeGroup>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT body FROM change_group
             WHERE clinic_id = ?1 AND site = ?2 AND seq_last >= ?3 AND seq_first <= ?4",
        )
        .map_err(backend)?;
    let mut rows = stmt
        .query(rusqlite::params![
            clinic.0.as_bytes().as_slice(),
            site.0.as_bytes().as_slice(),
            from as i64,
            to as i64
        ])
        .map_err(backend)?;
    let mut out = Vec::new();
    while let Some(r) = rows.next().map_err(backend)? {
        let body: Vec<u8> = r.get(0).map_err(backend)?;
        out.push(postcard::from_bytes(&body).map_err(backend)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::Scope;

    fn account(user: &str) -> AccountRecord {
        AccountRecord {
            user: user.into(),
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
            scope: "municipio:VZ/Tlaquilpa".parse().unwrap(),
            created_at_ms: 1,
        }
    }

    fn session(token_hash: &str, user: &str, expires_at_ms: u64) -> NewSession {
        NewSession {
            token_hash: token_hash.into(),
            user: user.into(),
            created_at_ms: 100,
            expires_at_ms,
        }
    }

    /// Reopening migrates nothing twice; sessions expire, and go with their account.
    #[tokio::test]
    async fn accounts_and_sessions_survive_reopening_and_expire() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sqlite3");
        let store = SqliteStore::open(&path).unwrap();
        store.add_account(account("ana")).await.unwrap();
        assert!(matches!(
            store.add_account(account("ana")).await,
            Err(StoreError::AccountExists(_))
        ));
        store
            .add_session(session("live", "ana", 1_000))
            .await
            .unwrap();
        store.add_session(session("old", "ana", 200)).await.unwrap();
        drop(store);
        let store = SqliteStore::open(&path).unwrap();
        let a = store.session_account("live", 500).await.unwrap().unwrap();
        assert_eq!(
            a.scope,
            Scope::Municipality {
                state: "VZ".into(),
                name: "Tlaquilpa".into()
            }
        );
        assert!(store.session_account("old", 500).await.unwrap().is_none());
        assert!(store
            .session_account("live", 1_000)
            .await
            .unwrap()
            .is_none());
        assert!(store.remove_account("ana").await.unwrap());
        assert!(store.session_account("live", 500).await.unwrap().is_none());
        assert!(!store.remove_account("ana").await.unwrap());
        assert!(store.accounts().await.unwrap().is_empty());
    }
}
