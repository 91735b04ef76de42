//! Replica figures of BENCHMARKS.md, each with its baseline measured in the same run,
//! on files on disk with the app's PRAGMAs. Prints `name value unit` lines.

use cosabi_core::ledger::NewPurchase;
use cosabi_replica::codec::{page_from_bytes, page_to_bytes};
use cosabi_replica::{workload, Replica};
use rusqlite::Connection;
use std::time::{Duration, Instant};

#[path = "../tests/support/receipts.rs"]
mod receipts;

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

/// Runs `work` on every index below `count` on `THREADS` threads, results in order.
fn in_parallel<T: Send>(count: usize, work: impl Fn(usize) -> T + Sync) -> Vec<T> {
    const THREADS: usize = 2;
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut results: Vec<(usize, T)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..THREADS)
            .map(|_| {
                s.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if i >= count {
                            return done;
                        }
                        done.push((i, work(i)));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

/// `receipt_photo_kb` (BENCHMARKS.md): the generated photographed receipts prepared
/// as the app keeps a receipt photo; the median stored size, and in the same run how
/// often tesseract reads the printed total from the original and from the stored
/// photo, and how many CFDI QR codes still decode from the stored photo.
fn receipt_figures(dir: &std::path::Path) {
    let count = receipts::RECEIPT_COUNT as usize;
    let made = Instant::now();
    let originals = in_parallel(count, |i| receipts::photographed_receipt(i as u32));
    println!(
        "# {count} photographed receipts generated in {:.1} s",
        made.elapsed().as_secs_f64()
    );
    let prepared = in_parallel(count, |i| {
        let raw = &originals[i].jpeg;
        let t = Instant::now();
        let stored = cosabi_replica::prepare_receipt_photo(raw).unwrap();
        let ms = t.elapsed().as_secs_f64() * 1e3;
        let as_document = cosabi_replica::prepare_document(raw).unwrap().is_some();
        let qr = cosabi_replica::decode_qr(&stored.jpeg).unwrap();
        (stored, ms, as_document, qr)
    });
    // Four readings per receipt: original and stored, each with tesseract's automatic
    // layout and as a single column (see `receipts::Layout`).
    let ocr = in_parallel(4 * count, |j| {
        let (i, stored, layout) = (j / 4, j % 2 == 1, j / 2 % 2);
        let layout = [receipts::Layout::Automatic, receipts::Layout::SingleColumn][layout];
        let (bytes, name) = if stored {
            (&prepared[i].0.jpeg, format!("stored{i}-{j}.jpg"))
        } else {
            (&originals[i].jpeg, format!("original{i}-{j}.jpg"))
        };
        receipts::ocr_total(bytes, dir, &name, layout)
    });
    let mut kib = Vec::new();
    let (mut read_original, mut read_stored, mut qr_decoded, mut pages) = (0, 0, 0, 0);
    let (mut column_original, mut column_stored) = (0, 0);
    for (i, (r, (stored, ms, as_document, qr))) in originals.iter().zip(&prepared).enumerate() {
        let total = Some(r.total_centavos);
        let (from_original, from_stored) = (ocr[4 * i], ocr[4 * i + 1]);
        read_original += usize::from(from_original == total);
        read_stored += usize::from(from_stored == total);
        column_original += usize::from(ocr[4 * i + 2] == total);
        column_stored += usize::from(ocr[4 * i + 3] == total);
        qr_decoded += usize::from(qr.as_deref() == Some(r.qr_text.as_str()));
        pages += usize::from(*as_document);
        kib.push(stored.jpeg.len() as f64 / 1024.0);
        println!(
            "# {}: {} KiB -> {}x{} {:.1} KiB in {ms:.0} ms, page {}, total {} read {:?} / {:?} \
             (single column {:?} / {:?}), QR {}",
            r.name,
            r.jpeg.len() / 1024,
            stored.width,
            stored.height,
            stored.jpeg.len() as f64 / 1024.0,
            if *as_document { "found" } else { "not found" },
            receipts::money(r.total_centavos),
            from_original.map(receipts::money),
            from_stored.map(receipts::money),
            ocr[4 * i + 2].map(receipts::money),
            ocr[4 * i + 3].map(receipts::money),
            if qr.as_deref() == Some(r.qr_text.as_str()) {
                "read"
            } else {
                "LOST"
            },
        );
    }
    kib.sort_by(f64::total_cmp);
    let median_kib = (kib[(count - 1) / 2] + kib[count / 2]) / 2.0;
    println!("receipt_photo_kb {median_kib:.1} KiB");
    println!("receipt_pages_found {pages} count");
    println!("receipt_ocr_total_original {read_original} count");
    println!("receipt_ocr_total_stored {read_stored} count");
    println!("receipt_ocr_psm4_total_original {column_original} count");
    println!("receipt_ocr_psm4_total_stored {column_stored} count");
    println!("receipt_qr_decoded {qr_decoded} count");
    println!("receipt_count {count} count");
    println!(
        "receipt_prepare_median_ms {:.0} ms",
        median(prepared.iter().map(|p| p.1).collect())
    );
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let only = std::env::var("COSABI_BENCH_ONLY").unwrap_or_default();
    if only == "receipts" {
        receipt_figures(dir.path());
        return;
    }
    println!("# replica benchmarks, workload seed {SEED}");

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
    receipt_figures(dir.path());
}
