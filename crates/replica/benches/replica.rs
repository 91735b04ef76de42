//! Replica figures of BENCHMARKS.md, each with its baseline measured in the same run,
//! on files on disk with the app's PRAGMAs. Prints `name value unit` lines.

use cosabi_core::ledger::NewPurchase;
use cosabi_replica::codec::{page_from_bytes, page_to_bytes};
use cosabi_replica::{workload, Replica};
use rusqlite::Connection;
use std::time::{Duration, Instant};

const SEED: u64 = 42;
/// Timed single writes per repetition (after a warm-up of a tenth as many).
const WRITES_PER_REP: usize = 1_000;
const REPS: usize = 5;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn purchase_input(i: usize) -> NewPurchase {
    NewPurchase {
        date: "12/05/2025".into(),
        concept: format!("Bulto de cemento gris 50 kg, lote {i}"),
        quantity: "4".into(),
        unit_cost: "289.50".into(),
        supplier: "Materiales y Ferretería Zongolica".into(),
        rfc: "MFZ190312AB1".into(),
        category: "infraestructura".into(),
        paid_from: "tarjeta".into(),
        ..Default::default()
    }
}

/// Median time of one purchase through the app's write API vs one plain INSERT of
/// the same row into an untracked table, each in its own IMMEDIATE transaction.
/// `encrypted`: both databases as a device has them (SQLCipher under a raw key), so
/// the ratio is the change log's cost; otherwise both in the clear.
fn write_overhead(dir: &std::path::Path, encrypted: bool) -> (f64, f64) {
    let mut tracked_medians = Vec::new();
    let mut plain_medians = Vec::new();
    for rep in 0..REPS {
        let tag = if encrypted { "enc" } else { "clear" };
        let path = dir.join(format!("write-{tag}-{rep}.sqlite3"));
        let mut r = if encrypted {
            let cosabi_replica::DeviceOpen::Open(r) = Replica::open_device(&path).unwrap() else {
                panic!("a new device opens without a PIN");
            };
            r
        } else {
            Replica::open(&path).unwrap()
        };
        r.load_demo().unwrap();
        let mut times = Vec::with_capacity(WRITES_PER_REP);
        for i in 0..WRITES_PER_REP + WRITES_PER_REP / 10 {
            let input = purchase_input(i);
            let t = Instant::now();
            r.record_purchase(&input).unwrap();
            if i >= WRITES_PER_REP / 10 {
                times.push(t.elapsed().as_secs_f64());
            }
        }
        tracked_medians.push(median(times));

        // The untracked table is the app's own purchase table (same columns, same
        // indexes), created from the app's schema in a database of its own.
        let ddl: Vec<String> = {
            let mut stmt = r
                .connection()
                .prepare(
                    "SELECT sql FROM sqlite_master WHERE tbl_name = 'purchase' AND sql IS NOT NULL
                     ORDER BY type DESC",
                )
                .unwrap();
            let rows = stmt.query_map([], |row| row.get(0)).unwrap();
            rows.collect::<rusqlite::Result<_>>().unwrap()
        };
        let mut conn = Connection::open(dir.join(format!("plain-{tag}-{rep}.sqlite3"))).unwrap();
        if encrypted {
            // The same cipher and raw-key form as `db::open_keyed`.
            let key = hex::encode_upper(uuid::Uuid::new_v4().as_bytes().repeat(2));
            conn.execute_batch(&format!("PRAGMA key = \"x'{key}'\";"))
                .unwrap();
            conn.pragma_update(None, "temp_store", "MEMORY").unwrap();
        }
        conn.pragma_update(None, "journal_mode", "WAL").unwrap();
        conn.pragma_update(None, "synchronous", "NORMAL").unwrap();
        conn.pragma_update(None, "foreign_keys", "ON").unwrap();
        for sql in &ddl {
            conn.execute_batch(&sql.replace("purchase", "purchase_plain"))
                .unwrap();
        }
        let clinic = uuid::Uuid::now_v7();
        let mut times = Vec::with_capacity(WRITES_PER_REP);
        for i in 0..WRITES_PER_REP + WRITES_PER_REP / 10 {
            let input = purchase_input(i);
            let t = Instant::now();
            let tx = conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .unwrap();
            tx.prepare_cached(
                "INSERT INTO purchase_plain (id, clinic_id, fiscal_year, date, concept, quantity,
                 unit_cost, total, supplier, rfc, category, paid_from)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )
            .unwrap()
            .execute(rusqlite::params![
                uuid::Uuid::now_v7().as_bytes().as_slice(),
                clinic.as_bytes().as_slice(),
                2025,
                "2025-05-12",
                input.concept,
                4,
                28_950,
                115_800,
                input.supplier,
                input.rfc,
                input.category,
                input.paid_from,
            ])
            .unwrap();
            tx.commit().unwrap();
            if i >= WRITES_PER_REP / 10 {
                times.push(t.elapsed().as_secs_f64());
            }
        }
        plain_medians.push(median(times));
    }
    (median(tracked_medians), median(plain_medians))
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    println!("# replica benchmarks, workload seed {SEED}");

    let only = std::env::var("COSABI_BENCH_ONLY").unwrap_or_default();
    if only != "pages" && only != "apply" {
        // As devices run: encrypted at rest, the untracked table too.
        let (tracked, plain) = write_overhead(dir.path(), true);
        println!("write_purchase_median_us {:.1} us", tracked * 1e6);
        println!("write_plain_insert_median_us {:.1} us", plain * 1e6);
        println!("write_overhead_ratio {:.2} ratio", tracked / plain);
        // What encryption itself costs a write: the same, in the clear.
        let (clear, clear_plain) = write_overhead(dir.path(), false);
        println!("write_purchase_clear_median_us {:.1} us", clear * 1e6);
        println!(
            "write_overhead_ratio_clear {:.2} ratio",
            clear / clear_plain
        );
        println!("write_encryption_cost_ratio {:.2} ratio", tracked / clear);
    }
    if std::env::var("COSABI_BENCH_ONLY").as_deref() == Ok("write") {
        return;
    }
    let profile_apply = std::env::var("COSABI_BENCH_ONLY").as_deref() == Ok("apply");

    let (whole, changes) = workload::clinic_year_with_devices(dir.path(), SEED).unwrap();
    println!("workload_field_changes {changes} changes");
    let pages = whole.pages_since(&Default::default()).unwrap();
    let wire: Vec<Vec<u8>> = pages.iter().map(page_to_bytes).collect();
    let bytes: usize = wire.iter().map(Vec::len).sum();
    println!("workload_pages {} pages", wire.len());
    println!("page_bytes_total {bytes} bytes");
    println!(
        "page_bytes_per_field_change {:.2} bytes",
        bytes as f64 / changes as f64
    );

    if std::env::var("COSABI_BENCH_ONLY").as_deref() == Ok("pages") {
        return;
    }
    // Apply: from the compressed pages into an empty replica on disk.
    let mut apply_times = Vec::new();
    let reps = if profile_apply { 30 } else { REPS };
    for rep in 0..=reps {
        let mut empty = Replica::open(&dir.path().join(format!("apply{rep}.sqlite3"))).unwrap();
        let t = Instant::now();
        for w in &wire {
            let page = page_from_bytes(w).unwrap();
            empty.apply_page(&page).unwrap();
        }
        let elapsed = t.elapsed();
        assert_eq!(
            empty.domain_rows().unwrap().len(),
            whole.domain_rows().unwrap().len()
        );
        if rep > 0 {
            apply_times.push(elapsed.as_secs_f64());
        }
    }
    let apply_s = median(apply_times);
    let apply_rate = changes as f64 / apply_s;
    // Where apply's time goes: decoding the pages alone.
    let t = Instant::now();
    for w in &wire {
        std::hint::black_box(page_from_bytes(w).unwrap());
    }
    println!(
        "apply_decode_share {:.2} ratio",
        t.elapsed().as_secs_f64() / apply_s
    );
    // What issue 11's checks cost inside apply, measured alone over the same groups:
    // the schema check of every group, and the device tag of every group (what a
    // server verifying a relayed page spends; a replica stores tags, it does not
    // check them).
    let groups: Vec<&cosabi_core::change::ChangeGroup> =
        pages.iter().flat_map(|p| p.groups.iter()).collect();
    let t = Instant::now();
    for g in &groups {
        std::hint::black_box(cosabi_core::validate::check_group(g, None)).ok();
    }
    println!(
        "apply_validate_share {:.3} ratio",
        t.elapsed().as_secs_f64() / apply_s
    );
    let key = [7u8; cosabi_core::identity::DEVICE_KEY_BYTES];
    let t = Instant::now();
    for g in &groups {
        std::hint::black_box(cosabi_core::identity::tag(&key, g));
    }
    println!(
        "tag_us_per_group {:.2} us",
        t.elapsed().as_secs_f64() * 1e6 / groups.len() as f64
    );
    // The same pages without tags (as the server sends them): the cost of keeping
    // relayed tags is the difference.
    let untagged: Vec<Vec<u8>> = pages
        .iter()
        .map(|p| page_to_bytes(&cosabi_core::wire::untagged(p.clone())))
        .collect();
    let mut untagged_times = Vec::new();
    for rep in 0..=REPS {
        let mut empty = Replica::open(&dir.path().join(format!("untagged{rep}.sqlite3"))).unwrap();
        let t = Instant::now();
        for w in &untagged {
            empty.apply_page(&page_from_bytes(w).unwrap()).unwrap();
        }
        if rep > 0 {
            untagged_times.push(t.elapsed().as_secs_f64());
        }
    }
    println!(
        "apply_untagged_field_changes_per_s {:.0} changes/s",
        changes as f64 / median(untagged_times)
    );
    if std::env::var("COSABI_BENCH_ONLY").as_deref() == Ok("apply") {
        println!("apply_field_changes_per_s {apply_rate:.0} changes/s");
        return;
    }

    // Baseline: the same number of single-field rows, one transaction, cached statement.
    let values: Vec<(Vec<u8>, u16, cosabi_core::change::Value)> = pages
        .iter()
        .flat_map(|p| p.groups.iter())
        .flat_map(|g| {
            g.fields
                .iter()
                .map(move |f| (g.row.as_bytes().to_vec(), f.column, f.value.clone()))
        })
        .collect();
    let mut raw_times = Vec::new();
    for rep in 0..=REPS {
        let mut conn = Connection::open(dir.path().join(format!("raw{rep}.sqlite3"))).unwrap();
        conn.pragma_update(None, "journal_mode", "WAL").unwrap();
        conn.pragma_update(None, "synchronous", "NORMAL").unwrap();
        conn.execute_batch("CREATE TABLE raw (row_id BLOB, col INTEGER, value ANY) STRICT;")
            .unwrap();
        let t = Instant::now();
        let tx = conn.transaction().unwrap();
        {
            let mut stmt = tx
                .prepare_cached("INSERT INTO raw (row_id, col, value) VALUES (?1, ?2, ?3)")
                .unwrap();
            for (row, col, value) in &values {
                let v: rusqlite::types::Value = match value {
                    cosabi_core::change::Value::Null => rusqlite::types::Value::Null,
                    cosabi_core::change::Value::Int(i) => rusqlite::types::Value::Integer(*i),
                    cosabi_core::change::Value::Text(s) => rusqlite::types::Value::Text(s.clone()),
                    cosabi_core::change::Value::Bytes(b) => rusqlite::types::Value::Blob(b.clone()),
                };
                stmt.execute(rusqlite::params![row, col, v]).unwrap();
            }
        }
        tx.commit().unwrap();
        if rep > 0 {
            raw_times.push(t.elapsed().as_secs_f64());
        }
    }
    let raw_rate = values.len() as f64 / median(raw_times);
    println!("apply_field_changes_per_s {apply_rate:.0} changes/s");
    println!("raw_insert_rows_per_s {raw_rate:.0} rows/s");
    println!(
        "apply_vs_raw_insert_ratio {:.2} ratio",
        apply_rate / raw_rate
    );
    let _ = Duration::ZERO;
}
