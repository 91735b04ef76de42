//! Sync figures of BENCHMARKS.md against the real server binary on 127.0.0.1:
//! the clinic-year through a shaped 2G link, and server throughput with 64 devices.
//! Prints `name value unit` lines.

#[path = "common/mod.rs"]
mod common;

use common::{
    quantile, start_server, sync_week, week_of_changes, LoadDevice, LOAD_CHANGES_PER_SYNC,
    LOAD_ZSTD_LEVEL,
};
use cosabi_core::ids::SiteId;
use cosabi_replica::client::{enroll, SyncClient};
use cosabi_replica::codec::page_to_bytes_at;
use cosabi_replica::{workload, Replica};
use std::net::SocketAddr;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const BIN: &str = env!("CARGO_BIN_EXE_cosabi-sync-server");
const SEED: u64 = 42;
/// The shaped link: 40 kbit/s each way, 1 s round trip, dropped every 200 KB.
const LINK_BYTES_PER_S: u64 = 40_000 / 8;
const LINK_ONE_WAY_MS: u64 = 500;
const LINK_DROP_EVERY_BYTES: u64 = 200 * 1024;
/// Server load: devices (one clinic each) and run time.
const LOAD_DEVICES: usize = 64;
const LOAD_SECONDS: u64 = 30;

fn admin(db: &std::path::Path, args: &[&str]) -> String {
    let out = Command::new(BIN)
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn code(db: &std::path::Path, clues: &str, add: bool) -> String {
    let out = if add {
        admin(
            db,
            &[
                "clinic",
                "add",
                "--clues",
                clues,
                "--name",
                "CS",
                "--state",
                &clues[..2],
                "--municipality",
                "Tlaquilpa",
            ],
        )
    } else {
        admin(db, &["clinic", "code", "--clues", clues])
    };
    out.lines()
        .find_map(|l| l.strip_prefix("enrollment code: "))
        .unwrap()
        .trim()
        .to_owned()
}

/// Bytes through the shaped link, both ways, and the drops it made.
#[derive(Default)]
struct LinkStats {
    bytes: AtomicU64,
    drops: AtomicU64,
}

/// One direction of the shaped link: what is read is delivered after the one-way
/// delay, no faster than the link rate. A reader and a writer run apart, joined by a
/// queue of (deliver-at, bytes), so the delay is paid once per byte, not per chunk.
/// Returns when the connection ends or must drop.
async fn shaped_copy(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    stats: Arc<LinkStats>,
    passed: Arc<AtomicU64>,
) {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<(Instant, Vec<u8>)>(4096);
    let reader = async move {
        let mut buf = vec![0u8; 512];
        let mut free_at = Instant::now();
        loop {
            let n = match from.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            let tx_time = Duration::from_micros(n as u64 * 1_000_000 / LINK_BYTES_PER_S);
            free_at = free_at.max(Instant::now()) + tx_time;
            let deliver_at = free_at + Duration::from_millis(LINK_ONE_WAY_MS);
            if tx.send((deliver_at, buf[..n].to_vec())).await.is_err() {
                return;
            }
        }
    };
    let writer = async move {
        while let Some((at, bytes)) = rx.recv().await {
            tokio::time::sleep_until(at.into()).await;
            if to.write_all(&bytes).await.is_err() {
                return;
            }
            let n = bytes.len() as u64;
            stats.bytes.fetch_add(n, Ordering::SeqCst);
            if passed.fetch_add(n, Ordering::SeqCst) + n >= LINK_DROP_EVERY_BYTES {
                return;
            }
        }
    };
    // The writer finishing (drop, or the reader's end drained) ends this direction.
    tokio::select! { _ = writer => {}, _ = async { reader.await; std::future::pending::<()>().await } => {} }
}

async fn shaped_proxy(target: SocketAddr, stats: Arc<LinkStats>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let Ok((client, _)) = listener.accept().await else {
                return;
            };
            let stats = stats.clone();
            tokio::spawn(async move {
                let Ok(server) = TcpStream::connect(target).await else {
                    return;
                };
                let (cr, cw) = client.into_split();
                let (sr, sw) = server.into_split();
                let passed = Arc::new(AtomicU64::new(0));
                let up = tokio::spawn(shaped_copy(cr, sw, stats.clone(), passed.clone()));
                let down = tokio::spawn(shaped_copy(sr, cw, stats.clone(), passed.clone()));
                // Either direction ending ends the connection: stop the other too, so
                // both sockets close and the client sees the drop at once.
                let (up_abort, down_abort) = (up.abort_handle(), down.abort_handle());
                tokio::select! { _ = up => {}, _ = down => {} }
                up_abort.abort();
                down_abort.abort();
                if passed.load(Ordering::SeqCst) >= LINK_DROP_EVERY_BYTES {
                    stats.drops.fetch_add(1, Ordering::SeqCst);
                }
            });
        }
    });
    url
}

async fn link_figures() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.sqlite3");
    let server = start_server(db.to_str().unwrap(), &dir.path().join("blobs"));
    let (origin, changes) = workload::clinic_year_with_devices(dir.path(), SEED).unwrap();
    let clues = origin.clinic().unwrap().unwrap().clues;
    let first = code(&db, &clues, true);
    let stats = Arc::new(LinkStats::default());
    let link = shaped_proxy(
        server.url.trim_start_matches("http://").parse().unwrap(),
        stats.clone(),
    )
    .await;

    let token = enroll(&server.url, &first, "origen", origin.site_id())
        .await
        .unwrap()
        .token;
    let origin = Mutex::new(origin);
    let t = Instant::now();
    let push = SyncClient::new(&link, &token)
        .sync(&origin, |_| {})
        .await
        .unwrap();
    let push_s = t.elapsed().as_secs_f64();

    let newcomer = Replica::open(&dir.path().join("newcomer.sqlite3")).unwrap();
    let second = code(&db, &clues, false);
    let token = enroll(&server.url, &second, "nuevo", newcomer.site_id())
        .await
        .unwrap()
        .token;
    let newcomer = Mutex::new(newcomer);
    let t = Instant::now();
    let pull = SyncClient::new(&link, &token)
        .sync(&newcomer, |_| {})
        .await
        .unwrap();
    let pull_s = t.elapsed().as_secs_f64();
    assert_eq!(
        newcomer.lock().unwrap().domain_rows().unwrap(),
        origin.lock().unwrap().domain_rows().unwrap()
    );

    let bytes = stats.bytes.load(Ordering::SeqCst);
    let drops = stats.drops.load(Ordering::SeqCst);
    let resent = push.pages_resent + pull.pages_resent;
    println!(
        "# link: {changes} field changes, seed {SEED}, push {:.1} s, pull {:.1} s",
        push_s, pull_s
    );
    println!("link_bytes_total {bytes} bytes");
    println!(
        "link_bytes_per_field_change {:.2} bytes",
        bytes as f64 / changes as f64 / 2.0
    );
    println!("link_metadata_sync_s {:.1} s", push_s.max(pull_s));
    println!("link_drops {drops} drops");
    println!(
        "link_pages_resent_per_drop {:.2} pages",
        if drops == 0 {
            0.0
        } else {
            resent as f64 / drops as f64
        }
    );
}

async fn server_figures() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.sqlite3");
    let server = start_server(db.to_str().unwrap(), &dir.path().join("blobs"));
    let mut devices = Vec::new();
    for i in 0..LOAD_DEVICES {
        let clues = format!("VZIMB{:06}", 100_000 + i);
        let c = code(&db, &clues, true);
        let site = SiteId(uuid::Uuid::now_v7());
        let token = enroll(&server.url, &c, "carga", site).await.unwrap().token;
        devices.push(LoadDevice {
            token,
            site,
            next_seq: 1,
            cursor: 0,
        });
    }
    let url = format!("{}/v1/sync", server.url);
    let deadline = Instant::now() + Duration::from_secs(LOAD_SECONDS);
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for mut d in devices {
        let url = url.clone();
        let latencies = latencies.clone();
        tasks.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            let mut round = 0u64;
            while Instant::now() < deadline {
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
    for t in tasks {
        t.await.unwrap();
    }
    let elapsed = start.elapsed().as_secs_f64();
    let mut lat = latencies.lock().unwrap().clone();
    lat.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!("# server: {LOAD_DEVICES} devices of {LOAD_DEVICES} clinics, {LOAD_CHANGES_PER_SYNC} changes per sync, {} syncs in {elapsed:.1} s", lat.len());
    println!(
        "server_syncs_per_s {:.0} syncs/s",
        lat.len() as f64 / elapsed
    );
    println!("server_sync_p50_ms {:.1} ms", quantile(&lat, 0.50));
    println!("server_sync_p99_ms {:.1} ms", quantile(&lat, 0.99));
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let only = std::env::var("COSABI_BENCH_ONLY").unwrap_or_default();
    if only.is_empty() || only == "link" {
        rt.block_on(link_figures());
    }
    if only.is_empty() || only == "server" {
        rt.block_on(server_figures());
    }
}
