//! The server under abuse (BENCHMARKS.md, "Under abuse"): the real server binary
//! with the SQLite store on 127.0.0.1, while 32 connections send 1,000 sign-ins with
//! 2 MB user names and wrong passwords and 10,000 bogus enrollment codes, 64 devices
//! of 64 clinics keep syncing weeks (as `server_syncs_per_s`). Prints
//! `abuse_rss_mb` (the server's peak resident memory, VmHWM) and
//! `abuse_sync_p99_ms` (the devices' syncs during the abuse).

// The devices' weeks and syncs; this bench starts its server itself (its log to a
// file), so the shared starter goes unused here.
#[path = "common/mod.rs"]
#[allow(dead_code)]
mod common;

use common::{quantile, sync_week, week_of_changes, LoadDevice, LOAD_ZSTD_LEVEL};
use cosabi_core::ids::SiteId;
use cosabi_replica::client::enroll;
use cosabi_replica::codec::page_to_bytes_at;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

const BIN: &str = env!("CARGO_BIN_EXE_cosabi-sync-server");
const DEVICES: usize = 64;
const ABUSE_CONNECTIONS: usize = 32;
const HOSTILE_SIGN_INS: usize = 1_000;
const BOGUS_CODES: usize = 10_000;
const NAME_BYTES: usize = 2 * 1024 * 1024;

struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `serve` at the production log level, its log written to `log`.
fn start(dir: &Path, log: &Path) -> Server {
    let mut child = Command::new(BIN)
        .arg("--db")
        .arg(dir.join("server.sqlite3"))
        .args(["serve", "--listen", "127.0.0.1:0", "--blobs"])
        .arg(dir.join("blobs"))
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("the server did not start: {line:?}"))
        .to_owned();
    Server { child, url }
}

fn add_clinic(db: &Path, clues: &str) -> String {
    let out = Command::new(BIN)
        .arg("--db")
        .arg(db)
        .args(["clinic", "add", "--clues", clues, "--name", "CS", "--state"])
        .arg(&clues[..2])
        .args(["--municipality", "Tlaquilpa"])
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("enrollment code: "))
        .unwrap()
        .trim()
        .to_owned()
}

/// Peak resident memory of a process (`VmHWM`), in MB.
fn peak_rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().strip_suffix("kB"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    kb / 1024.0
}

async fn run() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("server.log");
    let server = start(dir.path(), &log);
    let db = dir.path().join("server.sqlite3");
    let mut devices = Vec::new();
    for i in 0..DEVICES {
        let code = add_clinic(&db, &format!("VZIMB{:06}", 100_000 + i));
        let site = SiteId(uuid::Uuid::now_v7());
        let token = enroll(&server.url, &code, "carga", site)
            .await
            .unwrap()
            .token;
        devices.push(LoadDevice {
            token,
            site,
            next_seq: 1,
            cursor: 0,
        });
    }
    let rss_before = peak_rss_mb(server.child.id());

    // The abuse: one queue of hostile requests, 32 connections taking from it.
    let abuse_done = Arc::new(AtomicBool::new(false));
    let next = Arc::new(AtomicUsize::new(0));
    let statuses: Arc<Mutex<BTreeMap<String, u64>>> = Arc::default();
    let name = format!(
        "usuario={}&contrasena=no-es-la-clave",
        "a".repeat(NAME_BYTES)
    );
    let sign_in_body = bytes::Bytes::from(name);
    let started = Instant::now();
    let mut abusers = Vec::new();
    for _ in 0..ABUSE_CONNECTIONS {
        let (url, next, statuses, body) = (
            server.url.clone(),
            next.clone(),
            statuses.clone(),
            sign_in_body.clone(),
        );
        abusers.push(tokio::spawn(async move {
            let http = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .pool_max_idle_per_host(1)
                .build()
                .unwrap();
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= HOSTILE_SIGN_INS + BOGUS_CODES {
                    return;
                }
                // Sign-ins spread through the codes: one in eleven.
                let (kind, sent) = if i % 11 == 0 && i / 11 < HOSTILE_SIGN_INS {
                    let r = http
                        .post(format!("{url}/programa/entrar"))
                        .header("content-type", "application/x-www-form-urlencoded")
                        .body(body.clone())
                        .send()
                        .await;
                    ("sign_in", r)
                } else {
                    let r = http
                        .post(format!("{url}/v1/enroll"))
                        .json(&serde_json::json!({
                            "code": format!("BOGUS{i:05}"),
                            "device_name": "x",
                            "site": uuid::Uuid::now_v7(),
                        }))
                        .send()
                        .await;
                    ("enroll", r)
                };
                let key = match sent {
                    Ok(resp) => {
                        let s = resp.status().as_u16();
                        let _ = resp.bytes().await;
                        format!("{kind} {s}")
                    }
                    // Refused on its announced length, the 2 MB body is cut.
                    Err(_) => format!("{kind} closed"),
                };
                *statuses.lock().unwrap().entry(key).or_default() += 1;
            }
        }));
    }

    let latencies = Arc::new(Mutex::new(Vec::new()));
    let sync_url = format!("{}/v1/sync", server.url);
    let mut syncers = Vec::new();
    for mut d in devices {
        let (url, latencies, done) = (sync_url.clone(), latencies.clone(), abuse_done.clone());
        syncers.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            let mut round = 0u64;
            while !done.load(Ordering::SeqCst) {
                round += 1;
                let page = week_of_changes(&mut d, round);
                let t = Instant::now();
                sync_week(
                    &http,
                    &url,
                    &mut d,
                    page_to_bytes_at(&page, LOAD_ZSTD_LEVEL),
                )
                .await;
                latencies
                    .lock()
                    .unwrap()
                    .push(t.elapsed().as_secs_f64() * 1000.0);
            }
        }));
    }
    for a in abusers {
        a.await.unwrap();
    }
    let abuse_s = started.elapsed().as_secs_f64();
    abuse_done.store(true, Ordering::SeqCst);
    for s in syncers {
        s.await.unwrap();
    }
    let rss = peak_rss_mb(server.child.id());
    let log_bytes = std::fs::metadata(&log).unwrap().len();
    let mut lat = latencies.lock().unwrap().clone();
    lat.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!(
        "# abuse: {HOSTILE_SIGN_INS} sign-ins with {NAME_BYTES}-byte names and {BOGUS_CODES} bogus codes \
         from {ABUSE_CONNECTIONS} connections in {abuse_s:.1} s, {} syncs of {DEVICES} devices meanwhile \
         (p50 {:.1} ms); server peak RSS before the abuse {rss_before:.1} MB, log {log_bytes} bytes",
        lat.len(),
        quantile(&lat, 0.50)
    );
    for (key, n) in statuses.lock().unwrap().iter() {
        println!("# abuse answers: {key}: {n}");
    }
    println!("abuse_rss_mb {rss:.1} MB");
    println!("abuse_sync_p99_ms {:.1} ms", quantile(&lat, 0.99));
}

fn main() {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(run());
}
