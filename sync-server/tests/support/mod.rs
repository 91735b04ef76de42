//! Real server processes on 127.0.0.1, the admin CLI, and a fault-injecting proxy.
#![allow(dead_code)]

use cosabi_replica::client::{enroll_replica, SyncClient, SyncProgress};
use cosabi_replica::Replica;
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub const BIN: &str = env!("CARGO_BIN_EXE_cosabi-sync-server");

pub mod chrome;
pub mod clinic_year;
pub mod public;
pub mod s3;

/// A server process, killed when dropped.
pub struct Server {
    child: Child,
    pub url: String,
    pub addr: SocketAddr,
    pub db: PathBuf,
    /// `--blobs` as given: the blob directory for a local store.
    pub blobs: PathBuf,
}

impl Server {
    /// Starts `serve` on `listen` (port 0 for a free one) with its database and blob
    /// directory in `dir`, and waits for the line that says it listens.
    pub fn start(dir: &Path, listen: &str) -> Server {
        let blobs = dir.join("blobs");
        Server::start_with(
            &dir.join("server.sqlite3"),
            blobs.to_str().unwrap(),
            listen,
            &[],
        )
    }

    /// Starts `serve` on `listen` with the database `db`, `--blobs blobs` (a
    /// directory or a URL) and `env` added to its environment, and waits for the
    /// line that says it listens.
    pub fn start_with(db: &Path, blobs: &str, listen: &str, env: &[(&str, &str)]) -> Server {
        Server::spawn(db, blobs, listen, env, Stdio::inherit())
    }

    /// Starts `serve` like [`Server::start`] with `env` (`RUST_LOG` may be set in
    /// it), its log (stderr) written to `log`.
    pub fn start_logged(dir: &Path, env: &[(&str, &str)], log: &Path) -> Server {
        let blobs = dir.join("blobs");
        Server::spawn(
            &dir.join("server.sqlite3"),
            blobs.to_str().unwrap(),
            "127.0.0.1:0",
            env,
            std::fs::File::create(log).unwrap().into(),
        )
    }

    fn spawn(db: &Path, blobs: &str, listen: &str, env: &[(&str, &str)], stderr: Stdio) -> Server {
        let mut child = Command::new(BIN)
            .arg("--db")
            .arg(db)
            .args(["serve", "--listen", listen, "--blobs", blobs])
            .envs(deployed_allocator_env())
            .env("RUST_LOG", "warn")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("server starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("server said {line:?}"))
            .to_owned();
        let addr = url.trim_start_matches("http://").parse().unwrap();
        Server {
            child,
            url,
            addr,
            db: db.to_owned(),
            blobs: PathBuf::from(blobs),
        }
    }

    /// The server process's id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Runs an admin command against the server's database; returns stdout.
pub fn admin(db: &Path, args: &[&str]) -> String {
    let out = Command::new(BIN)
        .arg("--db")
        .arg(db)
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "admin {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Registers a clinic; returns its first enrollment code.
pub fn add_clinic(db: &Path, clues: &str) -> String {
    let out = admin(
        db,
        &[
            "clinic",
            "add",
            "--clues",
            clues,
            "--name",
            "Centro de Salud",
            "--state",
            &clues[..2],
            "--consultorios",
            "2",
            "--municipality",
            "Tlaquilpa",
        ],
    );
    code_in(&out)
}

pub fn new_code(db: &Path, clues: &str) -> String {
    code_in(&admin(db, &["clinic", "code", "--clues", clues]))
}

pub fn code_in(out: &str) -> String {
    out.lines()
        .find_map(|l| l.strip_prefix("enrollment code: "))
        .unwrap_or_else(|| panic!("no code in {out:?}"))
        .trim()
        .to_owned()
}

/// A device: a replica file and its token.
pub struct Device {
    pub replica: Mutex<Replica>,
    pub token: String,
    pub path: PathBuf,
}

impl Device {
    pub async fn enroll(dir: &Path, name: &str, url: &str, code: &str) -> Device {
        let path = dir.join(format!("{name}.sqlite3"));
        let replica = Mutex::new(Replica::open(&path).unwrap());
        let resp = enroll_replica(url, code, name, &replica).await.unwrap();
        Device {
            replica,
            token: resp.token,
            path,
        }
    }

    pub async fn sync(&self, url: &str) -> SyncProgress {
        SyncClient::new(url, &self.token)
            .sync(&self.replica, |_| {})
            .await
            .unwrap()
    }

    pub fn with<T>(&self, f: impl FnOnce(&mut Replica) -> T) -> T {
        f(&mut self.replica.lock().unwrap())
    }
}

/// A TCP proxy between devices and the server that cuts each connection after a
/// byte count drawn from `cut_after` (None: never), so requests and answers die
/// half-way, at random places.
pub struct FaultProxy {
    pub url: String,
    pub cuts: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FaultProxy {
    pub async fn start(target: SocketAddr, seed: u64, cut_every_max: u64) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let cuts = Arc::new(AtomicU64::new(0));
        let counter = cuts.clone();
        let task = tokio::spawn(async move {
            let mut rng = seed;
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    return;
                };
                rng = rng
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let limit = 1 + (rng >> 33) % cut_every_max;
                let counter = counter.clone();
                tokio::spawn(async move {
                    let Ok(server) = TcpStream::connect(target).await else {
                        return;
                    };
                    if pipe(client, server, limit).await {
                        counter.fetch_add(1, Ordering::SeqCst);
                    }
                });
            }
        });
        FaultProxy { url, cuts, task }
    }
}

/// Copies both ways until either side closes, or `limit` bytes have passed (then
/// drops both: a cut). Returns whether it cut.
async fn pipe(mut a: TcpStream, mut b: TcpStream, limit: u64) -> bool {
    let mut passed = 0u64;
    let mut buf_a = vec![0u8; 4096];
    let mut buf_b = vec![0u8; 4096];
    loop {
        tokio::select! {
            r = a.read(&mut buf_a) => {
                let Ok(n) = r else { return false };
                if n == 0 { return false; }
                let n = n.min((limit - passed) as usize);
                if b.write_all(&buf_a[..n]).await.is_err() { return false; }
                passed += n as u64;
            }
            r = b.read(&mut buf_b) => {
                let Ok(n) = r else { return false };
                if n == 0 { return false; }
                let n = n.min((limit - passed) as usize);
                if a.write_all(&buf_b[..n]).await.is_err() { return false; }
                passed += n as u64;
            }
        }
        if passed >= limit {
            return true;
        }
    }
}

/// Runs an admin command with `stdin` as its standard input; returns stdout.
pub fn admin_with_stdin(db: &Path, args: &[&str], stdin: &str) -> String {
    use std::io::Write;
    let mut child = Command::new(BIN)
        .arg("--db")
        .arg(db)
        .args(args)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "admin {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// An HTTP client that shows redirects instead of following them.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Bytes shaped like a JPEG (SOI and APP0 markers, EOI at the end) with pseudo-random,
/// incompressible content in between, as a photo's is.
pub fn jpeg_like(seed: u64, len: usize) -> Vec<u8> {
    let mut out = vec![
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00,
    ];
    let mut x = seed | 1;
    while out.len() < len - 2 {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        out.push((x >> 33) as u8);
    }
    out.extend_from_slice(&[0xFF, 0xD9]);
    out
}

/// A cash purchase of March 2025 with `concept`, as a treasurer types it.
pub fn purchase(concept: &str) -> cosabi_core::ledger::NewPurchase {
    cosabi_core::ledger::NewPurchase {
        date: "10/03/2025".into(),
        concept: concept.into(),
        quantity: "4".into(),
        unit_cost: "245".into(),
        supplier: "Materiales El Puente".into(),
        category: "infraestructura".into(),
        paid_from: "efectivo".into(),
        ..Default::default()
    }
}

/// A photo row for `sha` on a new purchase, as the app records a receipt photo.
pub fn add_receipt_photo(d: &Device, sha: &str, size: usize) -> uuid::Uuid {
    d.with(|r| {
        if r.clinic().unwrap().is_none() {
            r.load_demo().unwrap();
        }
        let purchase = r.record_purchase(&purchase("Cemento gris 50 kg")).unwrap();
        r.add_photo(&cosabi_core::photo::NewPhoto {
            owner_table: cosabi_core::schema::PURCHASE.id,
            owner_id: purchase.id,
            kind: "receipt".into(),
            sha256: sha.into(),
            size_bytes: size as i64,
            mime: "image/jpeg".into(),
            taken_at: String::new(),
        })
        .unwrap();
        purchase.id
    })
}

/// The password of the programme-view accounts the tests create.
pub const PASSWORD: &str = "contrasena-de-prueba";

/// Creates a programme-view account with [`PASSWORD`] through the admin CLI.
pub fn add_account(db: &Path, user: &str, scope: &str) {
    let out = admin_with_stdin(
        db,
        &[
            "account",
            "add",
            "--user",
            user,
            "--scope",
            scope,
            "--password-stdin",
        ],
        &format!("{PASSWORD}\n"),
    );
    assert!(out.contains("created"), "{out}");
}

/// The seed table of committees per state (May 2024) the demo reads.
pub fn table_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/data/comites-por-estado-2024-05.csv")
}

/// Runs `demo` against the server for `states` (codes, comma-separated); returns its
/// stdout.
pub fn run_demo(server: &Server, states: &str, work: &Path) -> String {
    let out = Command::new(BIN)
        .arg("--db")
        .arg(&server.db)
        .args(["demo", "--server", &server.url, "--table"])
        .arg(table_path())
        .args(["--states", states, "--seed", "7", "--work-dir"])
        .arg(work)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "demo failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A CSV download as rows of column → value.
pub fn csv_rows(body: &str) -> Vec<HashMap<String, String>> {
    let body = body.trim_start_matches('\u{feff}');
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            headers
                .iter()
                .map(str::to_owned)
                .zip(r.iter().map(str::to_owned))
                .collect()
        })
        .collect()
}

/// A CSV cell as a count.
pub fn num(row: &HashMap<String, String>, col: &str) -> u64 {
    row[col]
        .parse()
        .unwrap_or_else(|_| panic!("{col}: {:?}", row[col]))
}

/// A CSV line with the seed table's columns says what the table says of its state.
pub fn assert_table_line(row: &HashMap<String, String>, t: &cosabi_sync_server::demo::TableRow) {
    assert_eq!(row["estado"], t.state.name);
    assert_eq!(
        (num(row, "comites_instalados"), num(row, "centros_de_salud")),
        (u64::from(t.installed), u64::from(t.clinics)),
        "{}",
        t.state.name
    );
}

/// The allocator settings the deployment's systemd unit gives the server
/// (`Environment=MALLOC_…` lines of `deploy/cosabi-sync-server@.service`): tests and
/// benches run the server's memory as deployed, and cannot drift from the unit.
pub fn deployed_allocator_env() -> Vec<(String, String)> {
    const UNIT: &str = include_str!("../../../deploy/cosabi-sync-server@.service");
    UNIT.lines()
        .filter_map(|l| l.trim().strip_prefix("Environment="))
        .filter_map(|kv| kv.split_once('='))
        .filter(|(k, _)| k.starts_with("MALLOC_"))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}
