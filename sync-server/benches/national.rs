//! National-scale figures of BENCHMARKS.md against the real server binary on
//! 127.0.0.1: 11,816 clinics spread over the 23 states as the May 2024 table spreads
//! its centres, one device each, every clinic syncing one week (330 field changes)
//! once, 64 syncs in flight — first against the SQLite store, then against
//! PostgreSQL. Prints `name value unit` lines, and `#` lines with what capacity
//! planning needs (database size, bytes pushed, where the CPU went).
//!
//! Setup is not timed: clinics and their one-time codes go straight into the store
//! (as `clinic add` puts them), then every device enrolls over HTTP. Only the sync
//! phase is timed.

#[path = "common/mod.rs"]
mod common;

use common::{
    quantile, start_server, sync_week, week_of_changes, LoadDevice, Server, LOAD_CHANGES_PER_SYNC,
    LOAD_ZSTD_LEVEL,
};
use cosabi_core::ids::{clinic_id_for_clues, SiteId};
use cosabi_core::protocol::{normalise_code, EnrollRequest, EnrollResponse};
use cosabi_replica::codec::page_to_bytes_at;
use cosabi_sync_server::auth::{new_token, sha256_hex};
use cosabi_sync_server::backend::open_store;
use cosabi_sync_server::demo::{read_table, TableRow};
use cosabi_sync_server::now_ms;
use cosabi_sync_server::pg_store;
use cosabi_sync_server::store::ClinicRecord;
use futures::{stream, StreamExt};
use std::collections::VecDeque;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// The table the clinics are spread by (`estado,comites_instalados,centros_de_salud`).
const TABLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/data/comites-por-estado-2024-05.csv"
);
/// The year's national figure of committees; the May table's states add up to 11,480
/// centres, so each state is scaled up to this total.
const NATIONAL_CLINICS: u32 = 11_816;
/// Syncs in flight at once during the timed phase.
const SYNCS_IN_FLIGHT: usize = 64;
/// Enrollments in flight at once (setup, not timed).
const ENROLLS_IN_FLIGHT: usize = 64;
/// Store writes in flight at once while registering clinics (setup, not timed).
const REGISTERS_IN_FLIGHT: usize = 16;
/// Bench CLUES take numbers from here up, like the demo's, clear of real units.
const CLUES_FIRST: u32 = 900_001;
/// How long the bench's enrollment codes last.
const CODE_TTL_MS: u64 = 24 * 60 * 60 * 1000;
/// `/proc/<pid>/stat` counts CPU time in USER_HZ ticks, 100 a second in Linux's ABI.
const PROC_TICKS_PER_S: f64 = 100.0;

/// One clinic of the run and its one device, ready to sync.
struct NationalClinic {
    record: ClinicRecord,
    code: String,
    site: SiteId,
    /// The device's week, compressed as the device sends it (built before timing, so
    /// the load generator's work during the timed phase is only HTTP).
    push: Vec<u8>,
}

/// Each state's clinics: the table's centres scaled to `total` by largest remainder
/// (ties to the table's order), so the states add up to exactly `total`.
fn clinics_per_state(rows: &[TableRow], total: u32) -> Vec<u32> {
    let table_total: u64 = rows.iter().map(|r| u64::from(r.clinics)).sum();
    assert!(table_total > 0, "{TABLE} has no clinics");
    let scaled: Vec<(u32, u64)> = rows
        .iter()
        .map(|r| {
            let x = u64::from(r.clinics) * u64::from(total);
            ((x / table_total) as u32, x % table_total)
        })
        .collect();
    let mut counts: Vec<u32> = scaled.iter().map(|(q, _)| *q).collect();
    let short = total - counts.iter().sum::<u32>();
    let mut by_remainder: Vec<usize> = (0..rows.len()).collect();
    by_remainder.sort_by_key(|&i| std::cmp::Reverse(scaled[i].1));
    for &i in by_remainder.iter().take(short as usize) {
        counts[i] += 1;
    }
    assert_eq!(counts.iter().sum::<u32>(), total);
    counts
}

/// The national clinics, their codes, devices and weeks.
fn national_clinics() -> Vec<NationalClinic> {
    let rows = read_table(Path::new(TABLE)).unwrap();
    let counts = clinics_per_state(&rows, NATIONAL_CLINICS);
    let spread: Vec<String> = rows
        .iter()
        .zip(&counts)
        .map(|(r, n)| format!("{} {n}", r.state.code))
        .collect();
    println!(
        "# {NATIONAL_CLINICS} clinics in {} states: {}",
        rows.len(),
        spread.join(", ")
    );
    let created_at_ms = now_ms();
    let mut clinics = Vec::with_capacity(NATIONAL_CLINICS as usize);
    for (row, &n) in rows.iter().zip(&counts) {
        for i in 0..n {
            // The demo's CLUES scheme: state code, IMB, six digits.
            let clues = format!("{}IMB{:06}", row.state.code, CLUES_FIRST + i);
            let site = SiteId(uuid::Uuid::now_v7());
            let mut device = LoadDevice {
                token: String::new(),
                site,
                next_seq: 1,
                cursor: 0,
            };
            let page = week_of_changes(&mut device, 1);
            clinics.push(NationalClinic {
                record: ClinicRecord {
                    id: clinic_id_for_clues(&clues),
                    name: format!("Centro de Salud {clues}"),
                    clues,
                    state: row.state.code.to_owned(),
                    consultorios: 1,
                    municipality: String::new(),
                    created_at_ms,
                },
                code: new_token(),
                site,
                push: page_to_bytes_at(&page, LOAD_ZSTD_LEVEL),
            });
        }
    }
    clinics
}

/// Registers every clinic and its one-time code in the store `db` names, as
/// `clinic add` does (the code stored by the hash of its normalised form).
async fn register(db: &str, clinics: &[NationalClinic]) {
    let store = open_store(db).await.unwrap();
    let expires_at_ms = now_ms() + CODE_TTL_MS;
    stream::iter(clinics)
        .for_each_concurrent(REGISTERS_IN_FLIGHT, |c| {
            let store = store.clone();
            async move {
                store.add_clinic(c.record.clone()).await.unwrap();
                let hash = sha256_hex(normalise_code(&c.code).as_bytes());
                store
                    .add_enrollment_code(c.record.id, &hash, expires_at_ms)
                    .await
                    .unwrap();
            }
        })
        .await;
}

/// Enrolls every clinic's device over HTTP; the devices, in the clinics' order.
async fn enroll_all(server: &Server, clinics: &[NationalClinic]) -> Vec<LoadDevice> {
    let http = reqwest::Client::new();
    let url = format!("{}/v1/enroll", server.url);
    let mut enrolled: Vec<(usize, String)> = stream::iter(clinics.iter().enumerate())
        .map(|(i, c)| {
            let (http, url) = (&http, &url);
            async move {
                let resp = http
                    .post(url)
                    .json(&EnrollRequest {
                        code: c.code.clone(),
                        device_name: "Teléfono del comité (carga nacional)".into(),
                        site: c.site,
                        device_key: None,
                    })
                    .send()
                    .await
                    .unwrap();
                assert!(resp.status().is_success(), "enroll: {}", resp.status());
                let answer: EnrollResponse = resp.json().await.unwrap();
                assert_eq!(answer.clues, c.record.clues);
                (i, answer.token)
            }
        })
        .buffer_unordered(ENROLLS_IN_FLIGHT)
        .collect()
        .await;
    enrolled.sort_by_key(|(i, _)| *i);
    enrolled
        .into_iter()
        .zip(clinics)
        .map(|((_, token), c)| LoadDevice {
            token,
            site: c.site,
            // The device holds the week it is about to push.
            next_seq: 1 + LOAD_CHANGES_PER_SYNC as u64,
            cursor: 0,
        })
        .collect()
}

/// CPU seconds (user + system) a process has used, if it is still there.
fn cpu_s(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / PROC_TICKS_PER_S)
}

/// CPU seconds of every PostgreSQL process on the machine, by pid.
fn postgres_cpu_s() -> Vec<(u32, f64)> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|c| c.trim() == "postgres")
        })
        .filter_map(|pid| Some((pid, cpu_s(pid)?)))
        .collect()
}

/// Busy and total jiffies of the whole machine (all cores), from `/proc/stat`.
fn machine_jiffies() -> (u64, u64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let Some(cpu) = stat.lines().next() else {
        return (0, 0);
    };
    let v: Vec<u64> = cpu
        .split_whitespace()
        .skip(1)
        .filter_map(|x| x.parse().ok())
        .collect();
    let total: u64 = v.iter().take(8).sum();
    // idle and iowait.
    let idle = v.get(3).copied().unwrap_or(0) + v.get(4).copied().unwrap_or(0);
    (total - idle, total)
}

/// Where the CPU went while something ran.
struct CpuSample {
    bench_s: f64,
    server_s: f64,
    postgres: Vec<(u32, f64)>,
    machine: (u64, u64),
}

impl CpuSample {
    fn take(server_pid: u32) -> CpuSample {
        CpuSample {
            bench_s: cpu_s(std::process::id()).unwrap_or(0.0),
            server_s: cpu_s(server_pid).unwrap_or(0.0),
            postgres: postgres_cpu_s(),
            machine: machine_jiffies(),
        }
    }

    /// `# cpu …` for the span from `self` to `end`.
    fn describe(&self, end: &CpuSample, wall_s: f64) -> String {
        let postgres_s: f64 = end
            .postgres
            .iter()
            .map(|(pid, s)| {
                let before = self.postgres.iter().find(|(p, _)| p == pid);
                s - before.map_or(0.0, |(_, b)| *b)
            })
            .sum();
        let busy = end.machine.0.saturating_sub(self.machine.0) as f64;
        let total = end.machine.1.saturating_sub(self.machine.1).max(1) as f64;
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        format!(
            "cpu over {wall_s:.1} s wall: server {:.1} s, load generator {:.1} s, postgres {postgres_s:.1} s; machine {:.0} % busy of {cores} cores",
            end.server_s - self.server_s,
            end.bench_s - self.bench_s,
            100.0 * busy / total,
        )
    }
}

/// The server process's peak resident memory (VmHWM), in KiB.
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/<pid>/status")
}

/// What one run measured.
struct RunFigures {
    syncs: usize,
    elapsed_s: f64,
    /// Latencies of whole syncs, sorted.
    latencies_ms: Vec<f64>,
    /// Compressed pages pushed, and every request body of both rounds.
    page_bytes: u64,
    request_bytes: u64,
    peak_rss_kib: u64,
    cpu: String,
}

/// Registers, enrolls, then times every clinic syncing its week once, 64 at a time,
/// against a fresh server on `db`.
async fn run(label: &str, db: &str, blobs: &Path, clinics: &[NationalClinic]) -> RunFigures {
    let setup = Instant::now();
    register(db, clinics).await;
    let registered_s = setup.elapsed().as_secs_f64();
    let server = start_server(db, blobs);
    let pid = server.child.id();
    let devices = enroll_all(&server, clinics).await;
    println!(
        "# {label}: setup {registered_s:.1} s registering {} clinics and codes in the store, {:.1} s enrolling their devices over HTTP",
        clinics.len(),
        setup.elapsed().as_secs_f64() - registered_s
    );

    let queue: VecDeque<(LoadDevice, Vec<u8>)> = devices
        .into_iter()
        .zip(clinics)
        .map(|(d, c)| (d, c.push.clone()))
        .collect();
    let page_bytes: u64 = queue.iter().map(|(_, p)| p.len() as u64).sum();
    let queue = Arc::new(Mutex::new(queue));
    let latencies = Arc::new(Mutex::new(Vec::with_capacity(clinics.len())));
    let sync_url = format!("{}/v1/sync", server.url);
    let cpu_before = CpuSample::take(pid);
    let start = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..SYNCS_IN_FLIGHT {
        let (queue, latencies, sync_url) = (queue.clone(), latencies.clone(), sync_url.clone());
        workers.spawn(async move {
            let http = reqwest::Client::new();
            let mut sent = 0u64;
            loop {
                let Some((mut device, push)) = queue.lock().unwrap().pop_front() else {
                    return sent;
                };
                let t = Instant::now();
                sent += sync_week(&http, &sync_url, &mut device, push).await as u64;
                let ms = t.elapsed().as_secs_f64() * 1000.0;
                latencies.lock().unwrap().push(ms);
            }
        });
    }
    let mut request_bytes = 0;
    while let Some(sent) = workers.join_next().await {
        request_bytes += sent.unwrap();
    }
    let elapsed_s = start.elapsed().as_secs_f64();
    let cpu = cpu_before.describe(&CpuSample::take(pid), elapsed_s);
    let peak_rss_kib = peak_rss_kib(pid);
    drop(server);
    let mut latencies_ms = std::mem::take(&mut *latencies.lock().unwrap());
    latencies_ms.sort_by(f64::total_cmp);
    RunFigures {
        syncs: latencies_ms.len(),
        elapsed_s,
        latencies_ms,
        page_bytes,
        request_bytes,
        peak_rss_kib,
        cpu,
    }
}

/// Prints a run's figures under `prefix` (`server_sqlite`, `server_pg`).
fn print_run(label: &str, prefix: &str, f: &RunFigures, db_size: &str) {
    assert_eq!(f.syncs, NATIONAL_CLINICS as usize);
    println!(
        "# {label}: {} syncs of {LOAD_CHANGES_PER_SYNC} field changes ({} field changes) in {:.1} s, {SYNCS_IN_FLIGHT} in flight",
        f.syncs,
        f.syncs * LOAD_CHANGES_PER_SYNC,
        f.elapsed_s
    );
    println!(
        "# {label}: pushed {} bytes of compressed pages ({:.0} bytes a sync), {} bytes of sync request bodies",
        f.page_bytes,
        f.page_bytes as f64 / f.syncs as f64,
        f.request_bytes
    );
    println!("# {label}: database {db_size}");
    println!(
        "# {label}: server peak resident memory (VmHWM) {} kB",
        f.peak_rss_kib
    );
    println!("# {label}: {}", f.cpu);
    println!(
        "{prefix}_syncs_per_s {:.0} syncs/s",
        f.syncs as f64 / f.elapsed_s
    );
    println!(
        "{prefix}_sync_p50_ms {:.1} ms",
        quantile(&f.latencies_ms, 0.50)
    );
    println!(
        "{prefix}_sync_p99_ms {:.1} ms",
        quantile(&f.latencies_ms, 0.99)
    );
}

fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

async fn sqlite_figures(clinics: &[NationalClinic]) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("national.sqlite3");
    let spec = db.to_str().unwrap();
    let figures = run("sqlite", spec, &dir.path().join("blobs"), clinics).await;
    let main = file_len(&db);
    let wal = file_len(&dir.path().join("national.sqlite3-wal"));
    print_run(
        "sqlite",
        "server_sqlite",
        &figures,
        &format!(
            "{} bytes ({main} in the file, {wal} in the WAL)",
            main + wal
        ),
    );
}

/// The size PostgreSQL gives the database `url` names, in bytes.
async fn pg_database_size(url: &str) -> i64 {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    let connection = tokio::spawn(connection);
    let size: i64 = client
        .query_one("SELECT pg_database_size(current_database())", &[])
        .await
        .unwrap()
        .get(0);
    drop(client);
    let _ = connection.await;
    size
}

async fn pg_figures(clinics: &[NationalClinic]) {
    let admin = pg_store::test_admin_url();
    let db = pg_store::scratch_database(&admin).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let figures = run("postgresql", &db, &dir.path().join("blobs"), clinics).await;
    let size = pg_database_size(&db).await;
    pg_store::drop_database(&admin, &db).await.unwrap();
    print_run(
        "postgresql",
        "server_pg",
        &figures,
        &format!("{size} bytes (pg_database_size)"),
    );
    println!(
        "server_peak_rss_mb {:.1} MB",
        (figures.peak_rss_kib * 1024) as f64 / 1e6
    );
}

fn main() {
    let started = Instant::now();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let clinics = national_clinics();
    let only = std::env::var("COSABI_BENCH_ONLY").unwrap_or_default();
    if only.is_empty() || only == "sqlite" {
        rt.block_on(sqlite_figures(&clinics));
    }
    if only.is_empty() || only == "pg" {
        rt.block_on(pg_figures(&clinics));
    }
    println!(
        "# national: whole bench {:.0} s",
        started.elapsed().as_secs_f64()
    );
}
