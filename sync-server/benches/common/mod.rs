//! What the server benches share (`#[path]`-included by `sync.rs` and `national.rs`):
//! the real server process, a simulated device's week of changes, and the two-round
//! sync it makes over the real protocol.

use cosabi_core::change::{ChangeGroup, FieldChange, Value};
use cosabi_core::hlc::Hlc;
use cosabi_core::ids::SiteId;
use cosabi_core::protocol::{SyncRequest, SyncResponse, PROTOCOL_VERSION};
use cosabi_core::wire::Page;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_cosabi-sync-server");
/// Field changes one simulated device pushes per sync: a week of a clinic.
pub const LOAD_CHANGES_PER_SYNC: usize = 330;
/// The simulated devices compress cheaply: they share this machine with the server,
/// and the server's work (decompressing) does not depend on the level.
pub const LOAD_ZSTD_LEVEL: i32 = 3;
/// The schema version the simulated devices speak.
const LOAD_SCHEMA_VERSION: u32 = 4;
/// Fields per change group of the simulated week (one write to one row).
const LOAD_FIELDS_PER_GROUP: usize = 7;
/// The table the simulated week writes to (a catalog id the server stores unread).
const LOAD_TABLE: u16 = 8;

/// The real server binary, serving on a free port of 127.0.0.1; killed on drop.
pub struct Server {
    pub child: Child,
    /// `http://127.0.0.1:<port>`.
    pub url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `serve` on `db` (a SQLite file or a PostgreSQL URL) with photos in `blobs`,
/// and waits for the address it prints.
pub fn start_server(db: &str, blobs: &Path) -> Server {
    let mut child = Command::new(BIN)
        .args(["--db", db, "serve", "--listen", "127.0.0.1:0", "--blobs"])
        .arg(blobs)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
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

/// A simulated device: its own clinic, a week of changes per sync.
pub struct LoadDevice {
    pub token: String,
    pub site: SiteId,
    pub next_seq: u64,
    pub cursor: u64,
}

/// The device's next week: `LOAD_CHANGES_PER_SYNC` field changes in groups of seven.
pub fn week_of_changes(d: &mut LoadDevice, round: u64) -> Page {
    let mut groups = Vec::new();
    let mut left = LOAD_CHANGES_PER_SYNC;
    let now = Hlc::new(chrono::Utc::now().timestamp_millis() as u64, 0);
    let mut i = 0u128;
    while left > 0 {
        let n = left.min(LOAD_FIELDS_PER_GROUP);
        // A card movement, every value fitting its column (the server refuses
        // changes that break the schema): tombstone, clinic, year, kind, amount,
        // date, note.
        let values = [
            Value::Int(0),
            Value::uuid(d.site.0),
            Value::Int(2026),
            Value::Text("deposito".into()),
            Value::Int(10_000 + i as i64),
            Value::Text("2026-03-02".into()),
            Value::Text(format!("registro {round}.{i} de la semana")),
        ];
        let fields = values
            .into_iter()
            .take(n)
            .enumerate()
            .map(|(c, value)| FieldChange {
                column: c as u16,
                value,
                prev: None,
            })
            .collect();
        groups.push(ChangeGroup {
            site: d.site,
            seq_first: d.next_seq,
            hlc: now,
            table: LOAD_TABLE,
            row: uuid::Uuid::from_u128((u128::from(round) << 32) + i + d.site.0.as_u128()),
            author: None,
            fields,
        });
        d.next_seq += n as u64;
        left -= n;
        i += 1;
    }
    Page {
        schema_version: LOAD_SCHEMA_VERSION,
        tags: Vec::new(),
        groups,
    }
}

/// One `POST /v1/sync`; returns the answer and the bytes of the request body.
pub async fn post(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    req: &SyncRequest,
) -> (SyncResponse, usize) {
    let body = postcard::to_allocvec(req).unwrap();
    let sent = body.len();
    let resp = http
        .post(url)
        .bearer_auth(token)
        .body(body)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.status());
    (
        postcard::from_bytes(&resp.bytes().await.unwrap()).unwrap(),
        sent,
    )
}

/// One whole sync of a device that holds everything it wrote, `push` (its latest
/// week, compressed) included: round 1 asks what the server holds and pulls what the
/// device lacks, round 2 pushes the week. Returns the request bytes sent.
pub async fn sync_week(
    http: &reqwest::Client,
    sync_url: &str,
    d: &mut LoadDevice,
    push: Vec<u8>,
) -> usize {
    let have = vec![(d.site, d.next_seq - 1)];
    let (r1, sent1) = post(
        http,
        sync_url,
        &d.token,
        &SyncRequest {
            protocol: PROTOCOL_VERSION,
            schema_version: LOAD_SCHEMA_VERSION,
            have: have.clone(),
            cursor: d.cursor,
            push: None,
        },
    )
    .await;
    d.cursor = r1.cursor;
    let (r2, sent2) = post(
        http,
        sync_url,
        &d.token,
        &SyncRequest {
            protocol: PROTOCOL_VERSION,
            schema_version: LOAD_SCHEMA_VERSION,
            have,
            cursor: d.cursor,
            push: Some(push),
        },
    )
    .await;
    assert_eq!(r2.push.unwrap().applied as usize, LOAD_CHANGES_PER_SYNC);
    d.cursor = r2.cursor;
    sent1 + sent2
}

/// The value at quantile `q` of sorted `values`.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    sorted[((sorted.len() as f64 * q) as usize).min(sorted.len() - 1)]
}
