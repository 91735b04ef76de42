//! The PostgreSQL store, for deployments that run several stateless server
//! instances over one database.
//!
//! [`PgStore`] is a deadpool pool of tokio-postgres connections; every statement is
//! prepared once per connection and cached. The tables are SQLite's
//! ([`crate::sqlite_store`]) with PostgreSQL types: `bytea` for ids and change
//! bodies, `bigint` for milliseconds, `boolean` for flags. Its migrations are an
//! append-only list recorded in `schema_migration`, applied in one transaction under
//! an advisory lock, so two instances starting together do not both migrate; a
//! database written by a newer server is refused, not damaged.
//!
//! # Pushes from several instances
//!
//! Pulls page through a clinic's change groups by `arrival`: a device keeps the
//! highest arrival it has seen and asks for what came after. That is only sound if a
//! change group never becomes visible with an arrival lower than one a puller may
//! already have passed. With one SQLite writer that holds trivially; with two
//! processes pushing for the same clinic it does not: push A could take arrival 10,
//! push B arrival 11, B commit first, a puller read up to 11, and A's group 10 then
//! appear behind its cursor — lost for that device forever.
//!
//! So every push transaction first takes a transaction-scoped advisory lock on its
//! clinic ([`clinic_lock_key`]), reads the version vector only after it, and draws
//! its arrival numbers from the `change_group_arrival` sequence inside it. Pushes for
//! one clinic are thereby serialized across all instances: a push's arrivals are
//! taken after the previous push for that clinic committed (locks are released only
//! after the commit is visible), so they are higher than every arrival a puller of
//! that clinic can have seen. Pushes for different clinics do not wait for each
//! other; their arrivals interleave in the one sequence, which does not matter
//! because pulls are per clinic. Two conditions keep this true and must not be
//! changed: the sequence has `CACHE 1` (a per-session cache would hand out numbers
//! out of order across connections), and pushes run at READ COMMITTED, so the
//! version vector read after the lock sees the previous push (at REPEATABLE READ the
//! snapshot would predate the lock).
//!
//! Enrollment uses a code once across instances because the code is spent by a
//! single conditional `UPDATE … WHERE used_at_ms IS NULL`: a concurrent enroll
//! with the same code waits for the row and then finds it used.

use crate::store::*;
use anyhow::Context;
use async_trait::async_trait;
use cosabi_core::change::ChangeGroup;
use cosabi_core::ids::{ClinicId, SiteId};
use cosabi_core::protocol::PushReport;
use deadpool_postgres::{
    GenericClient, Manager, ManagerConfig, Object, Pool, RecyclingMethod, Runtime,
};
use std::collections::HashMap;
use std::time::Duration;
use tokio_postgres::types::ToSql;
use tokio_postgres::{IsolationLevel, NoTls, Row};
use uuid::Uuid;

/// Connections an instance keeps open at most, unless told otherwise.
pub const POOL_SIZE_DEFAULT: usize = 16;
/// How long opening one connection may take.
const CONNECT_TIMEOUT_MS: u64 = 10_000;
/// How long a request waits for a free connection before it fails (and the device
/// retries) rather than queueing without bound behind a slow database.
const POOL_WAIT_TIMEOUT_MS: u64 = 30_000;
/// Rows a pull reads per query while it fills a page: a page is cut long before
/// a clinic's whole history is read.
const PULL_ROWS_PER_QUERY: i64 = 512;
/// The advisory lock the migrations run under (two-key form, so it never meets a
/// clinic's one-key lock): "cosa", 1.
const MIGRATION_LOCK: (i32, i32) = (0x636f_7361, 1);

/// Append-only, like SQLite's: never edit one that has shipped, add a new one.
/// Version `i + 1` is `MIGRATIONS[i]`.
const MIGRATIONS: &[&str] = &[
    r#"
    CREATE TABLE clinic (
        id            bytea PRIMARY KEY,
        clues         text NOT NULL UNIQUE,
        name          text NOT NULL,
        state         text NOT NULL,
        consultorios  bigint NOT NULL,
        created_at_ms bigint NOT NULL,
        -- As the admin typed it (the programme view's municipal scope).
        municipality  text NOT NULL DEFAULT ''
    );
    CREATE TABLE enrollment_code (
        code_hash     text PRIMARY KEY,
        clinic_id     bytea NOT NULL REFERENCES clinic(id),
        expires_at_ms bigint NOT NULL,
        used_at_ms    bigint
    );
    CREATE TABLE device (
        id             text PRIMARY KEY,
        clinic_id      bytea NOT NULL REFERENCES clinic(id),
        name           text NOT NULL,
        site           bytea NOT NULL,
        token_hash     text NOT NULL UNIQUE,
        enrolled_at_ms bigint NOT NULL,
        last_sync_ms   bigint,
        revoked        boolean NOT NULL DEFAULT false
    );
    CREATE INDEX device_by_clinic ON device(clinic_id, enrolled_at_ms);
    -- What the server holds per clinic and site: highest seq with no gap.
    CREATE TABLE site_seq (
        clinic_id bytea NOT NULL,
        site      bytea NOT NULL,
        max_seq   bigint NOT NULL,
        PRIMARY KEY (clinic_id, site)
    );
    -- Arrival numbers, taken only under the clinic's push lock (see the module
    -- docs). CACHE 1 is required: cached blocks would be handed out of order.
    CREATE SEQUENCE change_group_arrival AS bigint CACHE 1;
    -- Change groups as sent (postcard of ChangeGroup); arrival order is causal.
    -- One index, the one pulls read by: every sync inserts some 50 rows here, and a
    -- second index (on arrival alone) would cost as much again for nothing.
    CREATE TABLE change_group (
        arrival   bigint NOT NULL,
        clinic_id bytea NOT NULL,
        site      bytea NOT NULL,
        seq_first bigint NOT NULL,
        seq_last  bigint NOT NULL,
        body      bytea NOT NULL,
        PRIMARY KEY (clinic_id, arrival)
    );
    ALTER SEQUENCE change_group_arrival OWNED BY change_group.arrival;
    -- Accounts of the programme view, each scoped to the programme, a state or a
    -- municipality ('programa', 'estado:VZ', 'municipio:VZ/Tlaquilpa'). SQLite's
    -- column `user` is `user_name` here: USER is a reserved word in PostgreSQL
    -- (a bare `SELECT user` answers the connected role).
    CREATE TABLE account (
        user_name     text PRIMARY KEY,
        password_hash text NOT NULL,
        scope         text NOT NULL,
        created_at_ms bigint NOT NULL
    );
    CREATE TABLE account_session (
        token_hash    text PRIMARY KEY,
        user_name     text NOT NULL REFERENCES account(user_name) ON DELETE CASCADE,
        created_at_ms bigint NOT NULL,
        expires_at_ms bigint NOT NULL
    );
    CREATE INDEX account_session_by_user ON account_session(user_name);
    CREATE INDEX account_session_by_expiry ON account_session(expires_at_ms);
"#,
    r#"
    -- Which device each site belongs to (its enrollment site, and any fresh site it
    -- moved to after finding a copy of itself). Changes of a bound site are taken
    -- from that device only.
    CREATE TABLE site_owner (
        clinic_id bytea NOT NULL,
        site      bytea NOT NULL,
        device_id text NOT NULL,
        PRIMARY KEY (clinic_id, site)
    );
    INSERT INTO site_owner(clinic_id, site, device_id)
        SELECT DISTINCT ON (clinic_id, site) clinic_id, site, id FROM device
        WHERE NOT revoked ORDER BY clinic_id, site, enrolled_at_ms;
    -- The device's key (hex): the server checks with it the tags of the device's
    -- changes that other devices relay. NULL for devices enrolled before.
    ALTER TABLE device ADD COLUMN key text;
    -- The key that seals the clinic's sync files, given to its devices at enrollment
    -- (never synced: a file must not carry the key that seals it).
    ALTER TABLE clinic ADD COLUMN file_key text;
"#,
    r#"
    -- Seals of the documents the server made itself (see the SQLite store).
    CREATE TABLE issued_seal (
        code      text PRIMARY KEY,
        clinic_id bytea NOT NULL,
        body      text NOT NULL
    );
"#,
];

/// The PostgreSQL implementation of [`Store`]. Cheap to clone (the pool is shared).
#[derive(Clone)]
pub struct PgStore {
    pool: Pool,
}

/// A tokio-postgres error as a store error, with the server's message when there is
/// one (tokio-postgres alone says only "db error").
fn describe(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("postgres: {db}"),
        None => match std::error::Error::source(e) {
            Some(source) => format!("{e}: {source}"),
            None => e.to_string(),
        },
    }
}

fn backend(e: tokio_postgres::Error) -> StoreError {
    StoreError::Backend(describe(&e))
}

/// For the setup paths, which answer `anyhow` errors.
fn setup_error(e: tokio_postgres::Error) -> anyhow::Error {
    anyhow::anyhow!(describe(&e))
}

fn describe_pool_error(e: &deadpool_postgres::PoolError) -> String {
    match e {
        deadpool_postgres::PoolError::Backend(e) => describe(e),
        e => e.to_string(),
    }
}

fn pool_error(e: deadpool_postgres::PoolError) -> StoreError {
    StoreError::Backend(format!(
        "no database connection: {}",
        describe_pool_error(&e)
    ))
}

fn other<E: std::fmt::Display>(e: E) -> StoreError {
    StoreError::Backend(e.to_string())
}

fn uuid(bytes: &[u8]) -> StoreResult<Uuid> {
    Uuid::from_slice(bytes).map_err(other)
}

fn id_bytes(id: &Uuid) -> &[u8] {
    id.as_bytes().as_slice()
}

/// Milliseconds and sequence numbers are `u64` in Rust and `bigint` in the
/// database; every value the server writes fits (ms until the year 292 million).
fn big(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// The key of a clinic's push lock (`pg_advisory_xact_lock(bigint)`): its id's two
/// halves folded together. Two clinics that share a key only wait for each other.
pub fn clinic_lock_key(clinic: ClinicId) -> i64 {
    let v = clinic.0.as_u128();
    ((v >> 64) as u64 ^ v as u64) as i64
}

const CLINIC_COLUMNS: &str = "id, clues, name, state, consultorios, created_at_ms, municipality";
const DEVICE_COLUMNS: &str = "id, clinic_id, name, site, enrolled_at_ms, last_sync_ms, revoked";
const ACCOUNT_COLUMNS: &str = "user_name, password_hash, scope, created_at_ms";

fn to_clinic(r: &Row) -> StoreResult<ClinicRecord> {
    Ok(ClinicRecord {
        id: ClinicId(uuid(r.try_get::<_, &[u8]>(0).map_err(backend)?)?),
        clues: r.try_get(1).map_err(backend)?,
        name: r.try_get(2).map_err(backend)?,
        state: r.try_get(3).map_err(backend)?,
        consultorios: r.try_get::<_, i64>(4).map_err(backend)? as u32,
        created_at_ms: r.try_get::<_, i64>(5).map_err(backend)? as u64,
        municipality: r.try_get(6).map_err(backend)?,
    })
}

fn to_device(r: &Row) -> StoreResult<DeviceRecord> {
    Ok(DeviceRecord {
        id: r.try_get(0).map_err(backend)?,
        clinic_id: ClinicId(uuid(r.try_get::<_, &[u8]>(1).map_err(backend)?)?),
        name: r.try_get(2).map_err(backend)?,
        site: SiteId(uuid(r.try_get::<_, &[u8]>(3).map_err(backend)?)?),
        enrolled_at_ms: r.try_get::<_, i64>(4).map_err(backend)? as u64,
        last_sync_ms: r
            .try_get::<_, Option<i64>>(5)
            .map_err(backend)?
            .map(|v| v as u64),
        revoked: r.try_get(6).map_err(backend)?,
    })
}

fn to_account(r: &Row) -> StoreResult<AccountRecord> {
    let user: String = r.try_get(0).map_err(backend)?;
    let scope: String = r.try_get(2).map_err(backend)?;
    Ok(AccountRecord {
        scope: scope.parse().map_err(|e| {
            StoreError::Backend(format!("account {user}: stored scope {scope:?}: {e}"))
        })?,
        user,
        password_hash: r.try_get(1).map_err(backend)?,
        created_at_ms: r.try_get::<_, i64>(3).map_err(backend)? as u64,
    })
}

impl PgStore {
    /// Connects to the database `url` names (`postgres://user:password@host/db`)
    /// with [`POOL_SIZE_DEFAULT`] connections at most, and migrates it.
    pub async fn connect(url: &str) -> anyhow::Result<PgStore> {
        PgStore::connect_with_pool_size(url, POOL_SIZE_DEFAULT).await
    }

    /// [`PgStore::connect`] with `pool_size` connections at most.
    pub async fn connect_with_pool_size(url: &str, pool_size: usize) -> anyhow::Result<PgStore> {
        anyhow::ensure!(
            pool_size > 0,
            "the connection pool needs at least one connection"
        );
        let parsed = tls::parse(url)?;
        let tls = tls::connector(&parsed)?;
        let mut config: tokio_postgres::Config = parsed.url.parse().context(
            "not a PostgreSQL connection URL (postgres://user:password@host:port/database)",
        )?;
        if config.get_application_name().is_none() {
            config.application_name("cosabi-sync-server");
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_millis(CONNECT_TIMEOUT_MS));
        }
        let database = config.get_dbname().unwrap_or("(default)").to_owned();
        let recycling = ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        };
        let manager = match tls {
            Some(tls) => Manager::from_config(config, tls, recycling),
            None => Manager::from_config(config, NoTls, recycling),
        };
        let pool = Pool::builder(manager)
            .max_size(pool_size)
            .runtime(Runtime::Tokio1)
            .create_timeout(Some(Duration::from_millis(CONNECT_TIMEOUT_MS)))
            .wait_timeout(Some(Duration::from_millis(POOL_WAIT_TIMEOUT_MS)))
            .build()
            .context("cannot build the connection pool")?;
        let store = PgStore { pool };
        store.migrate(&database).await?;
        Ok(store)
    }

    /// Applies the migrations this database lacks, under the migration lock.
    async fn migrate(&self, database: &str) -> anyhow::Result<()> {
        let mut client = self
            .pool
            .get()
            .await
            .map_err(|e| anyhow::anyhow!(describe_pool_error(&e)))
            .context("cannot connect to PostgreSQL")?;
        let tx = client.transaction().await.map_err(setup_error)?;
        // Keeps "relation already exists, skipping" out of every start's log.
        tx.batch_execute("SET LOCAL client_min_messages TO warning")
            .await
            .map_err(setup_error)?;
        tx.execute(
            "SELECT pg_advisory_xact_lock($1, $2)",
            &[&MIGRATION_LOCK.0, &MIGRATION_LOCK.1],
        )
        .await
        .map_err(setup_error)
        .context("cannot take the migration lock")?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migration (
                 version    integer PRIMARY KEY,
                 applied_at timestamptz NOT NULL DEFAULT now()
             )",
        )
        .await
        .map_err(setup_error)
        .context("cannot create schema_migration")?;
        let current: i32 = tx
            .query_one(
                "SELECT COALESCE(max(version), 0) FROM schema_migration",
                &[],
            )
            .await
            .map_err(setup_error)?
            .get(0);
        if current as usize > MIGRATIONS.len() {
            anyhow::bail!(
                "database {database} was written by a newer server (schema {current}, this server knows {}): update the server",
                MIGRATIONS.len()
            );
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
            let version = (i + 1) as i32;
            tx.batch_execute(sql)
                .await
                .map_err(setup_error)
                .with_context(|| format!("migration {version} failed"))?;
            tx.execute(
                "INSERT INTO schema_migration(version, applied_at) VALUES ($1, now())",
                &[&version],
            )
            .await
            .map_err(setup_error)?;
        }
        tx.commit()
            .await
            .map_err(setup_error)
            .context("cannot commit the migrations")?;
        Ok(())
    }

    async fn client(&self) -> StoreResult<Object> {
        self.pool.get().await.map_err(pool_error)
    }

    /// Runs one cached statement on a pooled connection: every row.
    async fn query(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> StoreResult<Vec<Row>> {
        let client = self.client().await?;
        let stmt = client.prepare_cached(sql).await.map_err(backend)?;
        client.query(&stmt, params).await.map_err(backend)
    }

    /// Runs one cached statement on a pooled connection: at most one row.
    async fn query_opt(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> StoreResult<Option<Row>> {
        let client = self.client().await?;
        let stmt = client.prepare_cached(sql).await.map_err(backend)?;
        client.query_opt(&stmt, params).await.map_err(backend)
    }

    /// Runs one cached statement on a pooled connection: the rows it changed.
    async fn execute(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> StoreResult<u64> {
        let client = self.client().await?;
        let stmt = client.prepare_cached(sql).await.map_err(backend)?;
        client.execute(&stmt, params).await.map_err(backend)
    }
}

async fn load_vv(
    client: &impl GenericClient,
    clinic: ClinicId,
) -> StoreResult<HashMap<SiteId, u64>> {
    let stmt = client
        .prepare_cached("SELECT site, max_seq FROM site_seq WHERE clinic_id = $1")
        .await
        .map_err(backend)?;
    let rows = client
        .query(&stmt, &[&id_bytes(&clinic.0)])
        .await
        .map_err(backend)?;
    rows.iter()
        .map(|r| {
            Ok((
                SiteId(uuid(r.try_get::<_, &[u8]>(0).map_err(backend)?)?),
                r.try_get::<_, i64>(1).map_err(backend)? as u64,
            ))
        })
        .collect()
}

/// Site → owning device and its key, for one clinic.
async fn load_owners(
    client: &impl GenericClient,
    clinic: ClinicId,
) -> StoreResult<HashMap<SiteId, SiteOwner>> {
    let stmt = client
        .prepare_cached(
            "SELECT o.site, o.device_id, d.key FROM site_owner o
             LEFT JOIN device d ON d.id = o.device_id WHERE o.clinic_id = $1",
        )
        .await
        .map_err(backend)?;
    let rows = client
        .query(&stmt, &[&id_bytes(&clinic.0)])
        .await
        .map_err(backend)?;
    rows.iter()
        .map(|r| {
            Ok((
                SiteId(uuid(r.try_get::<_, &[u8]>(0).map_err(backend)?)?),
                SiteOwner {
                    device: r.try_get::<_, String>(1).map_err(backend)?,
                    key: r.try_get::<_, Option<String>>(2).map_err(backend)?,
                },
            ))
        })
        .collect()
}

/// Binds a site to a device unless another device holds it.
async fn bind_site(
    client: &impl GenericClient,
    clinic: &[u8],
    device: &str,
    site: SiteId,
) -> StoreResult<()> {
    let site_bytes = id_bytes(&site.0);
    client
        .execute(
            "INSERT INTO site_owner(clinic_id, site, device_id) VALUES ($1, $2, $3)
             ON CONFLICT (clinic_id, site) DO NOTHING",
            &[&clinic, &site_bytes, &device],
        )
        .await
        .map_err(backend)?;
    let owner: String = client
        .query_one(
            "SELECT device_id FROM site_owner WHERE clinic_id = $1 AND site = $2",
            &[&clinic, &site_bytes],
        )
        .await
        .map_err(backend)?
        .try_get(0)
        .map_err(backend)?;
    if owner != device {
        return Err(StoreError::SiteTaken(site));
    }
    Ok(())
}

/// The stored groups of one site that overlap seqs `from..=to` (a rare read: only
/// pushes that repeat held changes make it, to compare them).
async fn held_groups(
    client: &impl GenericClient,
    clinic: ClinicId,
    site: SiteId,
    from: u64,
    to: u64,
) -> StoreResult<Vec<ChangeGroup>> {
    let stmt = client
        .prepare_cached(
            "SELECT body FROM change_group
             WHERE clinic_id = $1 AND site = $2 AND seq_last >= $3 AND seq_first <= $4",
        )
        .await
        .map_err(backend)?;
    let rows = client
        .query(
            &stmt,
            &[
                &id_bytes(&clinic.0),
                &id_bytes(&site.0),
                &big(from),
                &big(to),
            ],
        )
        .await
        .map_err(backend)?;
    rows.iter()
        .map(|r| postcard::from_bytes(r.try_get::<_, &[u8]>(0).map_err(backend)?).map_err(other))
        .collect()
}

#[async_trait]
impl Store for PgStore {
    async fn add_clinic(&self, c: ClinicRecord) -> StoreResult<()> {
        let client = self.client().await?;
        // DO NOTHING without a target covers both the id and the CLUES, atomically.
        let stmt = client
            .prepare_cached(
                "INSERT INTO clinic(id, clues, name, state, consultorios, created_at_ms, municipality)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
            )
            .await
            .map_err(backend)?;
        let n = client
            .execute(
                &stmt,
                &[
                    &id_bytes(&c.id.0),
                    &c.clues,
                    &c.name,
                    &c.state,
                    &i64::from(c.consultorios),
                    &big(c.created_at_ms),
                    &c.municipality,
                ],
            )
            .await
            .map_err(backend)?;
        if n == 0 {
            return Err(StoreError::ClinicExists(c.clues));
        }
        Ok(())
    }

    async fn clinics(&self) -> StoreResult<Vec<ClinicRecord>> {
        let client = self.client().await?;
        // COLLATE "C": the byte order SQLite sorts text in, whatever the locale.
        let stmt = client
            .prepare_cached(&format!(
                "SELECT {CLINIC_COLUMNS} FROM clinic ORDER BY clues COLLATE \"C\""
            ))
            .await
            .map_err(backend)?;
        let rows = client.query(&stmt, &[]).await.map_err(backend)?;
        rows.iter().map(to_clinic).collect()
    }

    async fn clinic_by_clues(&self, clues: &str) -> StoreResult<Option<ClinicRecord>> {
        let row = self
            .query_opt(
                &format!("SELECT {CLINIC_COLUMNS} FROM clinic WHERE clues = $1"),
                &[&clues],
            )
            .await?;
        row.as_ref().map(to_clinic).transpose()
    }

    async fn add_enrollment_code(
        &self,
        clinic: ClinicId,
        code_hash: &str,
        expires_at_ms: u64,
    ) -> StoreResult<()> {
        self.execute(
            "INSERT INTO enrollment_code(code_hash, clinic_id, expires_at_ms) VALUES ($1, $2, $3)",
            &[&code_hash, &id_bytes(&clinic.0), &big(expires_at_ms)],
        )
        .await?;
        Ok(())
    }

    async fn enroll(
        &self,
        code_hash: &str,
        now_ms: u64,
        device: NewDevice,
    ) -> StoreResult<ClinicRecord> {
        let mut client = self.client().await?;
        let tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::ReadCommitted)
            .start()
            .await
            .map_err(backend)?;
        // Spends the code in one statement: of two enrolls racing with one code, the
        // second waits for the row, re-checks `used_at_ms IS NULL`, and matches nothing.
        let spend = tx
            .prepare_cached(
                "UPDATE enrollment_code SET used_at_ms = $2
                 WHERE code_hash = $1 AND used_at_ms IS NULL AND expires_at_ms >= $2
                 RETURNING clinic_id",
            )
            .await
            .map_err(backend)?;
        let spent = tx
            .query_opt(&spend, &[&code_hash, &big(now_ms)])
            .await
            .map_err(backend)?;
        let Some(spent) = spent else {
            let known = tx
                .query_opt(
                    "SELECT 1 FROM enrollment_code WHERE code_hash = $1",
                    &[&code_hash],
                )
                .await
                .map_err(backend)?;
            return Err(match known {
                Some(_) => StoreError::CodeExpired,
                None => StoreError::CodeInvalid,
            });
        };
        let clinic_id: Vec<u8> = spent.try_get(0).map_err(backend)?;
        // On a taken site the transaction rolls back: the code stays unspent, and
        // the device moves to a fresh site and enrolls with it.
        bind_site(&tx, &clinic_id, &device.id, device.site).await?;
        let insert = tx
            .prepare_cached(
                "INSERT INTO device(id, clinic_id, name, site, token_hash, enrolled_at_ms, key)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .await
            .map_err(backend)?;
        tx.execute(
            &insert,
            &[
                &device.id,
                &clinic_id,
                &device.name,
                &id_bytes(&device.site.0),
                &device.token_hash,
                &big(now_ms),
                &device.key,
            ],
        )
        .await
        .map_err(backend)?;
        let select = tx
            .prepare_cached(&format!(
                "SELECT {CLINIC_COLUMNS} FROM clinic WHERE id = $1"
            ))
            .await
            .map_err(backend)?;
        let clinic = tx
            .query_one(&select, &[&clinic_id])
            .await
            .map_err(backend)?;
        let clinic = to_clinic(&clinic)?;
        tx.commit().await.map_err(backend)?;
        Ok(clinic)
    }

    async fn device_by_token(&self, token_hash: &str) -> StoreResult<Option<DeviceRecord>> {
        let row = self
            .query_opt(
                &format!("SELECT {DEVICE_COLUMNS} FROM device WHERE token_hash = $1"),
                &[&token_hash],
            )
            .await?;
        row.as_ref().map(to_device).transpose()
    }

    async fn devices(&self, clinic: Option<ClinicId>) -> StoreResult<Vec<DeviceRecord>> {
        let client = self.client().await?;
        let rows = match clinic {
            Some(clinic) => {
                let stmt = client
                    .prepare_cached(&format!(
                        "SELECT {DEVICE_COLUMNS} FROM device WHERE clinic_id = $1 ORDER BY enrolled_at_ms, id"
                    ))
                    .await
                    .map_err(backend)?;
                client.query(&stmt, &[&id_bytes(&clinic.0)]).await
            }
            None => {
                let stmt = client
                    .prepare_cached(&format!(
                        "SELECT {DEVICE_COLUMNS} FROM device ORDER BY enrolled_at_ms, id"
                    ))
                    .await
                    .map_err(backend)?;
                client.query(&stmt, &[]).await
            }
        }
        .map_err(backend)?;
        rows.iter().map(to_device).collect()
    }

    async fn revoke_device(&self, id: &str) -> StoreResult<bool> {
        let client = self.client().await?;
        // As SQLite's LIKE: ASCII case does not matter, `%` and `_` are wildcards,
        // and there is no escape character.
        let stmt = client
            .prepare_cached(
                "UPDATE device SET revoked = true
                 WHERE id = $1 OR (length($1) >= 8 AND id ILIKE $1 || '%' ESCAPE '')",
            )
            .await
            .map_err(backend)?;
        let n = client.execute(&stmt, &[&id]).await.map_err(backend)?;
        Ok(n > 0)
    }

    async fn touch_device(&self, id: &str, now_ms: u64) -> StoreResult<()> {
        self.execute(
            "UPDATE device SET last_sync_ms = $2
             WHERE id = $1 AND (last_sync_ms IS NULL OR last_sync_ms <= $2::bigint - $3::bigint)",
            &[&id, &big(now_ms), &big(TOUCH_GRANULARITY_MS)],
        )
        .await?;
        Ok(())
    }

    async fn version_vector(&self, clinic: ClinicId) -> StoreResult<HashMap<SiteId, u64>> {
        let client = self.client().await?;
        load_vv(&client, clinic).await
    }

    /// One transaction under the clinic's push lock (see the module docs): the
    /// version vector is read after the lock, the groups are admitted by the causal
    /// rule as SQLite does, then inserted with one statement and the version vector
    /// updated with another.
    async fn bind_site(&self, clinic: ClinicId, device: &str, site: SiteId) -> StoreResult<()> {
        let client = self.client().await?;
        bind_site(&client, id_bytes(&clinic.0), device, site).await
    }

    async fn site_owners(&self, clinic: ClinicId) -> StoreResult<HashMap<SiteId, SiteOwner>> {
        let client = self.client().await?;
        load_owners(&client, clinic).await
    }

    async fn clinic_file_key(&self, clinic: ClinicId, fresh: &str) -> StoreResult<String> {
        let client = self.client().await?;
        client
            .query_one(
                "UPDATE clinic SET file_key = coalesce(file_key, $2) WHERE id = $1
                 RETURNING file_key",
                &[&id_bytes(&clinic.0), &fresh],
            )
            .await
            .map_err(backend)?
            .try_get(0)
            .map_err(backend)
    }

    async fn record_issued_seal(&self, seal: IssuedSeal) -> StoreResult<()> {
        let body = serde_json::to_string(&seal)
            .map_err(|e| StoreError::Backend(format!("issued seal: {e}")))?;
        let client = self.client().await?;
        client
            .execute(
                "INSERT INTO issued_seal(code, clinic_id, body) VALUES ($1, $2, $3)
                 ON CONFLICT DO NOTHING",
                &[&seal.seal.code, &id_bytes(&seal.clinic.0), &body],
            )
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn issued_seal(&self, code: &str) -> StoreResult<Option<IssuedSeal>> {
        let client = self.client().await?;
        let row = client
            .query_opt("SELECT body FROM issued_seal WHERE code = $1", &[&code])
            .await
            .map_err(backend)?;
        row.map(|r| {
            let body: String = r.try_get(0).map_err(backend)?;
            serde_json::from_str(&body)
                .map_err(|e| StoreError::Backend(format!("issued seal: {e}")))
        })
        .transpose()
    }

    async fn push(&self, clinic: ClinicId, groups: Vec<ChangeGroup>) -> StoreResult<PushReport> {
        let mut client = self.client().await?;
        let tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::ReadCommitted)
            .start()
            .await
            .map_err(backend)?;
        let lock = tx
            .prepare_cached("SELECT pg_advisory_xact_lock($1)")
            .await
            .map_err(backend)?;
        tx.execute(&lock, &[&clinic_lock_key(clinic)])
            .await
            .map_err(backend)?;
        let mut vv = load_vv(&tx, clinic).await?;
        let admitted = admit_page(groups, &mut vv);
        if !admitted.echoed.is_empty() {
            let mut held = Vec::new();
            for (site, (from, to)) in admitted.echoed_ranges() {
                held.extend(held_groups(&tx, clinic, site, from, to).await?);
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
        if kept.is_empty() {
            // Nothing written: the lock goes with the transaction.
            return Ok(report);
        }
        // Arrival numbers for the kept groups, in causal order: drawn under the
        // lock, sorted, and given out in the order the groups were admitted.
        let draw = tx
            .prepare_cached("SELECT nextval('change_group_arrival') FROM generate_series(1, $1)")
            .await
            .map_err(backend)?;
        let mut arrivals: Vec<i64> = tx
            .query(&draw, &[&(kept.len() as i32)])
            .await
            .map_err(backend)?
            .iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, _>>()
            .map_err(backend)?;
        arrivals.sort_unstable();
        if arrivals.len() != kept.len() {
            return Err(StoreError::Backend(format!(
                "asked for {} arrival numbers, got {}",
                kept.len(),
                arrivals.len()
            )));
        }
        let mut sites = Vec::with_capacity(kept.len());
        let mut seq_firsts = Vec::with_capacity(kept.len());
        let mut seq_lasts = Vec::with_capacity(kept.len());
        let mut bodies = Vec::with_capacity(kept.len());
        for g in &kept {
            sites.push(g.site.0.as_bytes().to_vec());
            seq_firsts.push(big(g.seq_first));
            seq_lasts.push(big(g.seq_last()));
            bodies.push(postcard::to_allocvec(g).map_err(other)?);
        }
        let insert = tx
            .prepare_cached(
                "INSERT INTO change_group(arrival, clinic_id, site, seq_first, seq_last, body)
                 SELECT a, $2, s, f, l, b
                 FROM unnest($1::bigint[], $3::bytea[], $4::bigint[], $5::bigint[], $6::bytea[])
                      AS t(a, s, f, l, b)",
            )
            .await
            .map_err(backend)?;
        tx.execute(
            &insert,
            &[
                &arrivals,
                &id_bytes(&clinic.0),
                &sites,
                &seq_firsts,
                &seq_lasts,
                &bodies,
            ],
        )
        .await
        .map_err(backend)?;
        let (touched_sites, touched_seqs): (Vec<Vec<u8>>, Vec<i64>) = touched
            .into_iter()
            .map(|site| (site.0.as_bytes().to_vec(), big(vv[&site])))
            .unzip();
        let upsert = tx
            .prepare_cached(
                "INSERT INTO site_seq(clinic_id, site, max_seq)
                 SELECT $1, s, m FROM unnest($2::bytea[], $3::bigint[]) AS t(s, m)
                 ON CONFLICT (clinic_id, site) DO UPDATE SET max_seq = excluded.max_seq",
            )
            .await
            .map_err(backend)?;
        tx.execute(
            &upsert,
            &[&id_bytes(&clinic.0), &touched_sites, &touched_seqs],
        )
        .await
        .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        Ok(report)
    }

    /// Reads the clinic's groups after `cursor` a batch at a time until the page is
    /// full. Bodies of groups the device holds entirely are not even sent by the
    /// database. Batches need no common snapshot: a push that commits between two
    /// of them has arrivals above everything already read (see the module docs).
    async fn pull(
        &self,
        clinic: ClinicId,
        have: HashMap<SiteId, u64>,
        cursor: u64,
    ) -> StoreResult<Pulled> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(
                "SELECT g.arrival, g.site, g.seq_last,
                        CASE WHEN g.seq_last > COALESCE(h.held, 0) THEN g.body END
                 FROM change_group g
                 LEFT JOIN unnest($3::bytea[], $4::bigint[]) AS h(site, held) ON h.site = g.site
                 WHERE g.clinic_id = $1 AND g.arrival > $2
                 ORDER BY g.arrival
                 LIMIT $5",
            )
            .await
            .map_err(backend)?;
        let (have_sites, have_seqs): (Vec<Vec<u8>>, Vec<i64>) = have
            .iter()
            .map(|(site, seq)| (site.0.as_bytes().to_vec(), big(*seq)))
            .unzip();
        let mut page = PageFill::new(&have, cursor);
        let mut after = big(cursor);
        'batches: loop {
            let rows = client
                .query(
                    &stmt,
                    &[
                        &id_bytes(&clinic.0),
                        &after,
                        &have_sites,
                        &have_seqs,
                        &PULL_ROWS_PER_QUERY,
                    ],
                )
                .await
                .map_err(backend)?;
            let batch_len = rows.len();
            for r in rows {
                let arrival: i64 = r.try_get(0).map_err(backend)?;
                after = arrival;
                let arrival = arrival as u64;
                let site = SiteId(uuid(r.try_get::<_, &[u8]>(1).map_err(backend)?)?);
                let seq_last = r.try_get::<_, i64>(2).map_err(backend)? as u64;
                if !page.wants(arrival, &site, seq_last) {
                    continue;
                }
                let body: &[u8] = r
                    .try_get::<_, Option<&[u8]>>(3)
                    .map_err(backend)?
                    .ok_or_else(|| StoreError::Backend("change group without body".into()))?;
                let g: ChangeGroup = postcard::from_bytes(body).map_err(other)?;
                if !page.add(arrival, g) {
                    break 'batches;
                }
            }
            if (batch_len as i64) < PULL_ROWS_PER_QUERY {
                break;
            }
        }
        Ok(page.finish())
    }

    async fn version_vectors(&self) -> StoreResult<HashMap<ClinicId, HashMap<SiteId, u64>>> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached("SELECT clinic_id, site, max_seq FROM site_seq")
            .await
            .map_err(backend)?;
        let rows = client.query(&stmt, &[]).await.map_err(backend)?;
        let mut out: HashMap<ClinicId, HashMap<SiteId, u64>> = HashMap::new();
        for r in &rows {
            let clinic = ClinicId(uuid(r.try_get::<_, &[u8]>(0).map_err(backend)?)?);
            let site = SiteId(uuid(r.try_get::<_, &[u8]>(1).map_err(backend)?)?);
            let seq = r.try_get::<_, i64>(2).map_err(backend)? as u64;
            out.entry(clinic).or_default().insert(site, seq);
        }
        Ok(out)
    }

    async fn add_account(&self, a: AccountRecord) -> StoreResult<()> {
        let n = self
            .execute(
                "INSERT INTO account(user_name, password_hash, scope, created_at_ms)
                 VALUES ($1, $2, $3, $4) ON CONFLICT (user_name) DO NOTHING",
                &[
                    &a.user,
                    &a.password_hash,
                    &a.scope.to_string(),
                    &big(a.created_at_ms),
                ],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::AccountExists(a.user));
        }
        Ok(())
    }

    async fn accounts(&self) -> StoreResult<Vec<AccountRecord>> {
        let rows = self
            .query(
                &format!("SELECT {ACCOUNT_COLUMNS} FROM account ORDER BY user_name COLLATE \"C\""),
                &[],
            )
            .await?;
        rows.iter().map(to_account).collect()
    }

    async fn account(&self, user: &str) -> StoreResult<Option<AccountRecord>> {
        let row = self
            .query_opt(
                &format!("SELECT {ACCOUNT_COLUMNS} FROM account WHERE user_name = $1"),
                &[&user],
            )
            .await?;
        row.as_ref().map(to_account).transpose()
    }

    async fn remove_account(&self, user: &str) -> StoreResult<bool> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(backend)?;
        // Explicit as in SQLite, though ON DELETE CASCADE would do it here too.
        tx.execute("DELETE FROM account_session WHERE user_name = $1", &[&user])
            .await
            .map_err(backend)?;
        let n = tx
            .execute("DELETE FROM account WHERE user_name = $1", &[&user])
            .await
            .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        Ok(n > 0)
    }

    async fn add_session(&self, session: NewSession) -> StoreResult<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(backend)?;
        let expire = tx
            .prepare_cached("DELETE FROM account_session WHERE expires_at_ms <= $1")
            .await
            .map_err(backend)?;
        tx.execute(&expire, &[&big(session.created_at_ms)])
            .await
            .map_err(backend)?;
        let insert = tx
            .prepare_cached(
                "INSERT INTO account_session(token_hash, user_name, created_at_ms, expires_at_ms)
                 VALUES ($1, $2, $3, $4)",
            )
            .await
            .map_err(backend)?;
        tx.execute(
            &insert,
            &[
                &session.token_hash,
                &session.user,
                &big(session.created_at_ms),
                &big(session.expires_at_ms),
            ],
        )
        .await
        .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        Ok(())
    }

    async fn session_account(
        &self,
        token_hash: &str,
        now_ms: u64,
    ) -> StoreResult<Option<AccountRecord>> {
        let row = self
            .query_opt(
                "SELECT a.user_name, a.password_hash, a.scope, a.created_at_ms
                 FROM account_session s JOIN account a ON a.user_name = s.user_name
                 WHERE s.token_hash = $1 AND s.expires_at_ms > $2",
                &[&token_hash, &big(now_ms)],
            )
            .await?;
        row.as_ref().map(to_account).transpose()
    }

    async fn remove_session(&self, token_hash: &str) -> StoreResult<()> {
        self.execute(
            "DELETE FROM account_session WHERE token_hash = $1",
            &[&token_hash],
        )
        .await?;
        Ok(())
    }
    async fn devices_with_token_hashes(&self) -> StoreResult<Vec<(DeviceRecord, String)>> {
        let rows = self
            .query(
                &format!(
                    "SELECT {DEVICE_COLUMNS}, token_hash FROM device ORDER BY enrolled_at_ms, id"
                ),
                &[],
            )
            .await?;
        rows.iter()
            .map(|r| Ok((to_device(r)?, r.try_get::<_, String>(7).map_err(backend)?)))
            .collect()
    }

    async fn restore_device(&self, d: DeviceRecord, token_hash: &str) -> StoreResult<()> {
        self.execute(
            "INSERT INTO device(id, clinic_id, name, site, token_hash, enrolled_at_ms,
                                    last_sync_ms, revoked)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                &d.id,
                &id_bytes(&d.clinic_id.0),
                &d.name,
                &id_bytes(&d.site.0),
                &token_hash,
                &big(d.enrolled_at_ms),
                &d.last_sync_ms.map(big),
                &d.revoked,
            ],
        )
        .await?;
        // Its enrollment site is its own again (sites it moved to later are bound
        // again when it next claims them).
        if !d.revoked {
            let client = self.client().await?;
            match bind_site(&client, id_bytes(&d.clinic_id.0), &d.id, d.site).await {
                Ok(()) | Err(StoreError::SiteTaken(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

pub mod tls;

// Scratch databases, for tests and benchmarks: only with the `test-support` feature
// (the crate's own dev-dependency turns it on), never in a plain build of the server.
#[cfg(feature = "test-support")]
mod scratch;
#[cfg(feature = "test-support")]
pub use scratch::{drop_database, scratch_database, test_admin_url};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clinic_lock_keys_differ_between_clinics() {
        let a = cosabi_core::ids::clinic_id_for_clues("VZIMB000417");
        let b = cosabi_core::ids::clinic_id_for_clues("VZIMB001234");
        assert_ne!(clinic_lock_key(a), clinic_lock_key(b));
        assert_eq!(clinic_lock_key(a), clinic_lock_key(a));
    }
}
