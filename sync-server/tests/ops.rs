//! What the IT team running the server relies on, against the real binary on
//! 127.0.0.1: `/metrics`, a graceful shutdown that finishes the page in flight, the
//! configuration file and the environment, the sign-in limit and Secure cookies.

mod support;

use cosabi_core::change::{ChangeGroup, FieldChange, Value};
use cosabi_core::hlc::Hlc;
use cosabi_core::ids::SiteId;
use cosabi_core::protocol::{EnrollResponse, SyncRequest, SyncResponse, PROTOCOL_VERSION};
use cosabi_core::wire::Page;
use cosabi_replica::codec::page_to_bytes;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;
use support::{add_clinic, admin_with_stdin, browser, BIN};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStderr, Command};

/// A `serve` process started with `args` and `envs`, its log readable line by line.
struct Serving {
    child: Child,
    url: String,
    log: Lines<BufReader<ChildStderr>>,
}

async fn serve(args: &[&str], envs: &[(&str, &str)]) -> Serving {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env_remove("COSABI_DB")
        .env_remove("COSABI_BLOBS")
        .env_remove("COSABI_CONFIG")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("server starts");
    let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = stdout.next_line().await.unwrap().unwrap_or_default();
    let url = line
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("server said {line:?}"))
        .to_owned();
    let log = BufReader::new(child.stderr.take().unwrap()).lines();
    Serving { child, url, log }
}

impl Serving {
    /// Reads the log until a line containing `text` (bounded by the process: the log
    /// ends when it exits).
    async fn wait_for_log(&mut self, text: &str) -> String {
        while let Some(line) = self.log.next_line().await.unwrap() {
            if line.contains(text) {
                return line;
            }
        }
        panic!("the server's log ended without {text:?}");
    }
}

async fn enroll(url: &str, code: &str, site: SiteId) -> EnrollResponse {
    let resp = reqwest::Client::new()
        .post(format!("{url}/v1/enroll"))
        .json(&serde_json::json!({"code": code, "device_name": "prueba", "site": site}))
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.status());
    resp.json().await.unwrap()
}

/// A sync request pushing `n` field changes of `site`.
fn push_request(site: SiteId, n: usize) -> Vec<u8> {
    let groups = (0..n)
        .map(|i| ChangeGroup {
            site,
            seq_first: i as u64 + 1,
            hlc: Hlc::new(chrono::Utc::now().timestamp_millis() as u64, 0),
            table: 8,
            row: uuid::Uuid::now_v7(),
            author: None,
            fields: vec![FieldChange {
                // card_movement.note: a text column (the server refuses changes
                // that break the schema).
                column: 6,
                value: Value::Text(format!("compra {i}")),
                prev: None,
            }],
        })
        .collect();
    let page = Page {
        schema_version: 4,
        tags: Vec::new(),
        groups,
    };
    postcard::to_allocvec(&SyncRequest {
        protocol: PROTOCOL_VERSION,
        schema_version: 4,
        have: vec![],
        cursor: 0,
        push: Some(page_to_bytes(&page)),
    })
    .unwrap()
}

/// `serve` on a free port with the database and photos in `dir`.
async fn serve_in(dir: &Path) -> Serving {
    let blobs = dir.join("blobs");
    serve(
        &[
            "--db",
            &db_arg(dir),
            "--blobs",
            blobs.to_str().unwrap(),
            "serve",
            "--listen",
            "127.0.0.1:0",
        ],
        &[],
    )
    .await
}

fn db_arg(dir: &Path) -> String {
    dir.join("server.sqlite3").to_str().unwrap().to_owned()
}

const CLUES: &str = "VZIMB001234";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_requests_sync_pages_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_arg(dir.path());
    let code = add_clinic(Path::new(&db), CLUES);
    let server = serve_in(dir.path()).await;
    let http = reqwest::Client::new();
    // One refused enrollment, one accepted, one sync pushing 12 changes.
    let refused = http
        .post(format!("{}/v1/enroll", server.url))
        .json(&serde_json::json!({"code": "NOPE-NOPE", "device_name": "x", "site": SiteId(uuid::Uuid::now_v7())}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    let site = SiteId(uuid::Uuid::now_v7());
    let device = enroll(&server.url, &code, site).await;
    let resp = http
        .post(format!("{}/v1/sync", server.url))
        .bearer_auth(&device.token)
        .body(push_request(site, 12))
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success());
    let answer: SyncResponse = postcard::from_bytes(&resp.bytes().await.unwrap()).unwrap();
    assert_eq!(answer.push.unwrap().applied, 12);

    let text = http
        .get(format!("{}/metrics", server.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let value = |sample: &str| -> f64 {
        let line = text
            .lines()
            .find(|l| l.starts_with(sample))
            .unwrap_or_else(|| panic!("no {sample} in:\n{text}"));
        line.rsplit(' ').next().unwrap().parse().unwrap()
    };
    assert_eq!(value("cosabi_sync_pages_total{direction=\"push\"}"), 1.0);
    assert_eq!(
        value("cosabi_sync_field_changes_total{direction=\"push\"}"),
        12.0
    );
    assert_eq!(value("cosabi_errors_total{code=\"code_invalid\"}"), 1.0);
    assert_eq!(
        value("cosabi_http_requests_total{method=\"POST\",route=\"/v1/sync\",status=\"200\"}"),
        1.0
    );
    assert_eq!(
        value("cosabi_http_requests_total{method=\"POST\",route=\"/v1/enroll\",status=\"403\"}"),
        1.0
    );
    assert_eq!(
        value("cosabi_http_request_duration_seconds_count{method=\"POST\",route=\"/v1/sync\"}"),
        1.0
    );
    assert!(value("cosabi_http_received_bytes_total{route=\"/v1/sync\"}") > 100.0);
    assert!(value("cosabi_http_sent_bytes_total{route=\"/v1/sync\"}") > 10.0);
    // Blob routes are labelled by their pattern, not by each photo's name.
    let _ = http
        .get(format!("{}/v1/blobs/{}", server.url, "a".repeat(64)))
        .bearer_auth(&device.token)
        .send()
        .await
        .unwrap();
    let text = http
        .get(format!("{}/metrics", server.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("route=\"/v1/blobs/{sha256}\""), "{text}");
    assert!(!text.contains(&"a".repeat(64)), "{text}");
}

/// SIGTERM while a device's page is half sent: the page is received, stored and
/// answered, then the process exits 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_the_page_in_flight_then_exits() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_arg(dir.path());
    let code = add_clinic(Path::new(&db), CLUES);
    let mut server = serve_in(dir.path()).await;
    let site = SiteId(uuid::Uuid::now_v7());
    let device = enroll(&server.url, &code, site).await;
    let body = push_request(site, 40);
    let addr = server.url.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "POST /v1/sync HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        device.token,
        body.len()
    );
    let half = body.len() / 2;
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body[..half]).await.unwrap();
    stream.flush().await.unwrap();
    // The server has the request and part of its body: stop it.
    let pid = server.child.id().unwrap().to_string();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(status.success());
    server
        .wait_for_log("stopping: finishing the requests in flight")
        .await;
    // The rest of the page arrives after the signal.
    stream.write_all(&body[half..]).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let split = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP answer");
    let head = String::from_utf8_lossy(&answer[..split]);
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let sync: SyncResponse = postcard::from_bytes(&answer[split + 4..]).unwrap();
    assert_eq!(sync.push.unwrap().applied, 40);
    server
        .wait_for_log("stopped: every request was answered")
        .await;
    let exit = tokio::time::timeout(Duration::from_secs(60), server.child.wait())
        .await
        .expect("the server exits after answering")
        .unwrap();
    assert!(exit.success(), "{exit:?}");
    // What it acknowledged is there after a restart.
    let server = serve_in(dir.path()).await;
    let resp = reqwest::Client::new()
        .post(format!("{}/v1/sync", server.url))
        .bearer_auth(&device.token)
        .body(
            postcard::to_allocvec(&SyncRequest {
                protocol: PROTOCOL_VERSION,
                schema_version: 4,
                have: vec![],
                cursor: 0,
                push: None,
            })
            .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let sync: SyncResponse = postcard::from_bytes(&resp.bytes().await.unwrap()).unwrap();
    assert_eq!(sync.have, vec![(site, 40)]);
}

/// Settings come from the file, the environment wins over it, unknown keys are
/// refused, and an https public URL makes the session cookie Secure.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_configuration_file_and_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let from_file = dir.path().join("desde-archivo.sqlite3");
    let blobs = dir.path().join("fotos");
    let config = dir.path().join("server.toml");
    std::fs::write(
        &config,
        format!(
            "db = {:?}\nblobs = {:?}\nlisten = \"127.0.0.1:0\"\npublic_url = \"https://cosabi.example.gob.mx\"\nshutdown_grace_seconds = 5\nlog = \"info\"\n",
            from_file.to_str().unwrap(),
            blobs.to_str().unwrap()
        ),
    )
    .unwrap();
    let config_arg = config.to_str().unwrap();
    let server = serve(&["--config", config_arg, "serve"], &[]).await;
    assert!(
        server.url.starts_with("http://127.0.0.1:"),
        "{}",
        server.url
    );
    assert!(from_file.exists(), "the file's database was not opened");
    assert!(blobs.is_dir(), "the file's photo directory was not made");
    // An account to sign in with, through the same file.
    admin_with_stdin(
        &from_file,
        &[
            "account",
            "add",
            "--user",
            "ana",
            "--scope",
            "programa",
            "--password-stdin",
        ],
        "contrasena-de-prueba\n",
    );
    let resp = browser()
        .post(format!("{}/programa/entrar", server.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("usuario=ana&contrasena=contrasena-de-prueba")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let cookie = resp.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("; Secure"), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    drop(server);

    // The environment wins over the file.
    let from_env = dir.path().join("desde-entorno.sqlite3");
    let server = serve(
        &["serve"],
        &[
            ("COSABI_CONFIG", config_arg),
            ("COSABI_DB", from_env.to_str().unwrap()),
        ],
    )
    .await;
    assert!(from_env.exists(), "COSABI_DB was not used");
    drop(server);

    // A misspelt key is an error that names it.
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "bd = \"x.sqlite3\"\n").unwrap();
    let out = std::process::Command::new(BIN)
        .args(["--config", bad.to_str().unwrap(), "serve"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown field `bd`"), "{err}");
}

/// Five wrong passwords lock the account name out for a minute, even with the right
/// password; other accounts are not affected; plain HTTP gets no Secure flag.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_sign_ins_lock_the_account_name_out() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_arg(dir.path());
    for user in ["ana", "beto"] {
        admin_with_stdin(
            Path::new(&db),
            &[
                "account",
                "add",
                "--user",
                user,
                "--scope",
                "programa",
                "--password-stdin",
            ],
            "contrasena-de-prueba\n",
        );
    }
    let server = serve_in(dir.path()).await;
    let attempt = |user: &'static str, password: &'static str| {
        let url = format!("{}/programa/entrar", server.url);
        async move {
            browser()
                .post(url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(format!("usuario={user}&contrasena={password}"))
                .send()
                .await
                .unwrap()
        }
    };
    for _ in 0..4 {
        assert_eq!(attempt("ana", "equivocada").await.status(), 401);
    }
    let locked = attempt("ana", "equivocada").await;
    assert_eq!(locked.status(), 429);
    let wait: u64 = locked.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    let page = locked.text().await.unwrap();
    assert!(page.contains("Demasiados intentos fallidos"), "{page}");
    // Even the right password waits for the lockout to end.
    assert_eq!(attempt("ana", "contrasena-de-prueba").await.status(), 429);
    // Someone else signs in, over plain HTTP: no Secure flag.
    let ok = attempt("beto", "contrasena-de-prueba").await;
    assert_eq!(ok.status(), 303);
    let cookie = ok.headers()["set-cookie"].to_str().unwrap();
    assert!(!cookie.contains("Secure"), "{cookie}");
    // Behind a TLS proxy that says so, the cookie is Secure.
    let proxied = browser()
        .post(format!("{}/programa/entrar", server.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-forwarded-proto", "https")
        .body("usuario=beto&contrasena=contrasena-de-prueba")
        .send()
        .await
        .unwrap();
    assert!(proxied.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .contains("; Secure"));
}

/// The systemd unit in deploy/ passes `systemd-analyze verify` (with the binary
/// where the unit expects it replaced by this build's).
#[test]
fn the_systemd_unit_verifies() {
    let unit = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../deploy/cosabi-sync-server@.service"
    ))
    .unwrap();
    assert!(unit.contains("ExecStart=/usr/local/bin/cosabi-sync-server serve"));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("cosabi-sync-server@.service"),
        unit.replace("/usr/local/bin/cosabi-sync-server", BIN),
    )
    .unwrap();
    let out = std::process::Command::new("systemd-analyze")
        .arg("verify")
        .arg(dir.path().join("cosabi-sync-server@8787.service"))
        .output()
        .expect("systemd-analyze runs (Debian package systemd, installed by scripts/setup.sh)");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success() && said.trim().is_empty(), "{said}");
}

/// The example configuration in deploy/ is a valid configuration.
#[test]
fn the_example_configuration_parses() {
    let path = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../deploy/server.toml"
    ));
    let config = cosabi_sync_server::config::FileConfig::read(path).unwrap();
    assert!(config.db.is_some() && config.blobs.is_some() && config.public_url.is_some());
}
