//! The replica in a browser, as the web build runs it (issue 12): compiled to wasm32,
//! in a dedicated worker, its database in the Origin Private File System through
//! sqlite-wasm-vfs's SyncAccessHandle pool (`sahpool`), which only a dedicated worker
//! may use. Run by wasm-bindgen-test-runner in headless Chromium:
//!
//! ```sh
//! CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
//! CHROMEDRIVER=/usr/bin/chromedriver \
//! cargo test -p cosabi-replica --target wasm32-unknown-unknown --test wasm
//! ```
//!
//! What "the worker stopped" means here: sqlite-wasm-vfs keeps one pool per VFS name
//! in a worker, and installing it again gives the same pool back (without clearing
//! it), so a test cannot make a second pool over the same directory. Instead it
//! pauses the pool, which closes every OPFS access handle, and installs it again
//! without `clear_on_init`, which resumes it: the pool reads its file names back from
//! the slots' headers in OPFS, and SQLite reads the rest from there.
//!
//! Natively this file is empty.
#![cfg(target_arch = "wasm32")]

#[path = "contract/files.rs"]
mod contract;

use cosabi_core::clinic::NewClinic;
use cosabi_core::committee::NewMember;
use cosabi_replica::files::{install_opfs, FileStore, OpfsFiles};
use cosabi_replica::{remove_replica, replica_exists, DeviceOpen, Instant, PinApproval, Replica};
use sqlite_wasm_rs::vfs::VfsFilesManager;
use sqlite_wasm_vfs::sahpool::{OpfsSAHPoolCfg, OpfsSAHPoolCfgBuilder, OpfsSAHPoolUtil};
use std::path::Path;
use wasm_bindgen_test::wasm_bindgen_test;

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_dedicated_worker);

/// The pool of one test: its own VFS name and directory in the origin's OPFS;
/// emptied when first installed if `clear`, so every run starts from nothing.
fn pool_of(test: &str, clear: bool) -> OpfsSAHPoolCfg {
    OpfsSAHPoolCfgBuilder::new()
        .vfs_name(&format!("opfs-{test}"))
        .directory(&format!("cosabi-tests/{test}"))
        .clear_on_init(clear)
        .build()
}

/// Installs a test's OPFS pool, emptied first, as the replica's storage
/// (`install_opfs`: SQLite's default VFS, remembered for the replica's files).
async fn opfs(test: &str) -> OpfsSAHPoolUtil {
    install_opfs(&pool_of(test, true))
        .await
        .expect("the OPFS pool installs in a dedicated worker")
}

/// As if the worker had stopped and started: every OPFS handle of the pool closed,
/// then the pool installed again without clearing (see the module's docs).
async fn restart(test: &str, pool: OpfsSAHPoolUtil) -> OpfsSAHPoolUtil {
    pool.pause().expect("nothing is open any more");
    assert!(pool.is_paused());
    let pool = install_opfs(&pool_of(test, false)).await.unwrap();
    assert!(!pool.is_paused(), "installing again resumes the pool");
    pool
}

/// The bytes of `name` in the files database beside `db`, read as SQLite rows
/// (white box: what someone holding the browser profile would find).
fn raw_file(db: &str, name: &str) -> Vec<u8> {
    let conn = rusqlite::Connection::open(format!("{db}.files")).unwrap();
    conn.query_row("SELECT bytes FROM file WHERE name = ?1", [name], |r| {
        r.get(0)
    })
    .unwrap()
}

fn photo(seed: u32, len: u32) -> Vec<u8> {
    (0..len)
        .map(|i| (i.wrapping_mul(31) ^ seed) as u8)
        .collect()
}

fn tlaquilpa() -> NewClinic {
    NewClinic {
        clues: "VZIMB001234".into(),
        name: "Centro de Salud Tlaquilpa".into(),
        state: "VZ".into(),
        municipality: "Tlaquilpa".into(),
        locality: "Tlaquilpa".into(),
        consultorios: 2,
    }
}

fn presidenta() -> NewMember {
    let today = chrono::Local::now().date_naive();
    let typed = |d: chrono::NaiveDate| d.format("%d/%m/%Y").to_string();
    NewMember {
        name: "Juana Xocua".into(),
        role: "presidente".into(),
        term_start: typed(today - chrono::Duration::days(30)),
        term_end: typed(today + chrono::Duration::days(700)),
        gender: "f".into(),
    }
}

#[wasm_bindgen_test]
async fn a_replica_in_opfs_keeps_its_clinic_and_members_across_opens() {
    let pool = opfs("replica").await;
    let path = Path::new("/cosabi.sqlite3");
    let (clinic, juana, site) = {
        let mut r = Replica::open(path).unwrap();
        let clinic = r.create_clinic(&tlaquilpa()).unwrap();
        let juana = r.add_member(&presidenta()).unwrap();
        (clinic, juana, r.site_id())
    };
    // Dropped: the connection is closed and the pool holds the file. Pausing the
    // pool closes every OPFS access handle; resuming opens them again and reads the
    // pool's file names back from OPFS, so what follows reads what OPFS kept.
    let files = pool.names().unwrap();
    assert!(files.iter().any(|f| f == "/cosabi.sqlite3"), "{files:?}");
    pool.pause().unwrap();
    assert!(pool.is_paused());
    pool.resume().await.unwrap();
    assert!(pool.contains("/cosabi.sqlite3").unwrap());

    let r = Replica::open(path).unwrap();
    assert_eq!(r.site_id(), site, "the same replica, not a new one");
    let found = r.clinic().unwrap().expect("the clinic is still there");
    assert_eq!(found.id, clinic.id);
    assert_eq!(found.clues, "VZIMB001234");
    let members = r.members().unwrap();
    assert_eq!(members.len(), 1, "{members:?}");
    assert_eq!(members[0].id, juana.id);
    assert_eq!(members[0].name, "Juana Xocua");
    // SQLite's WAL needs shared memory, which the pool does not offer: the
    // replica's `journal_mode = WAL` leaves it in a rollback journal there.
    let mode: String = r
        .connection()
        .query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .unwrap();
    assert_eq!(mode, "delete");
    // Both writes are in the change log; the next write continues after them.
    let logged: i64 = r
        .connection()
        .query_row("SELECT count(*) FROM change_log", [], |row| row.get(0))
        .unwrap();
    assert_eq!(logged, 2);
    assert!(r.local_change_count() >= 2);
}

/// A phone's database from the build before the last migrations is migrated where it
/// lies, in OPFS, when the new build opens it, as on the desktop: its records stay,
/// and what the migrations add works. (The older build is made by undoing migration
/// 11, which added the `device` table.)
#[wasm_bindgen_test]
async fn a_database_from_an_older_build_is_migrated_in_opfs() {
    let pool = opfs("migration").await;
    let path = Path::new("/cosabi.sqlite3");
    let clinic = {
        let mut r = Replica::open(path).unwrap();
        let clinic = r.create_clinic(&tlaquilpa()).unwrap();
        r.connection()
            .execute_batch("DROP TABLE device; PRAGMA user_version = 10;")
            .unwrap();
        clinic
    };
    let _pool = restart("migration", pool).await;
    let mut r = Replica::open(path).unwrap();
    let version: i64 = r
        .connection()
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .unwrap();
    assert_eq!(version, cosabi_replica::db::SCHEMA_VERSION);
    assert_eq!(r.clinic().unwrap().map(|c| c.id), Some(clinic.id));
    r.set_device_name("Teléfono de María").unwrap();
    let named: i64 = r
        .connection()
        .query_row("SELECT count(*) FROM device", [], |row| row.get(0))
        .unwrap();
    assert_eq!(named, 1);
}

/// Encrypted at rest in OPFS as on the desktop: SQLCipher under the same raw-key
/// `PRAGMA key` the device's replica uses (`db::open_keyed`).
#[wasm_bindgen_test]
async fn a_database_keyed_in_opfs_opens_only_with_its_key() {
    let pool = opfs("keyed").await;
    let path = Path::new("/keyed.sqlite3");
    let key = [7u8; 32];
    {
        let conn = cosabi_replica::db::open_keyed(path, &key).unwrap();
        conn.execute(
            "INSERT INTO meta(key, value) VALUES ('setting.t', 'Tlaquilpa')",
            [],
        )
        .unwrap();
    }
    assert!(pool.contains("/keyed.sqlite3").unwrap());
    let conn = cosabi_replica::db::open_keyed(path, &key).unwrap();
    let kept: String = conn
        .query_row("SELECT value FROM meta WHERE key = 'setting.t'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(kept, "Tlaquilpa");
    drop(conn);
    assert!(cosabi_replica::db::open_keyed(path, &[8u8; 32]).is_err());
    // Without a key the file is not a database at all.
    let plain = rusqlite::Connection::open(path).unwrap();
    assert!(plain
        .query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))
        .is_err());
}

/// The same contract as the desktop's files, on the side database in OPFS, and
/// what it holds is still there after the worker's restart.
#[wasm_bindgen_test]
async fn the_file_store_in_opfs_keeps_the_contract_and_its_files() {
    let pool = opfs("files").await;
    let db = Path::new("/contract.sqlite3");
    {
        let files = OpfsFiles::beside(db).unwrap();
        contract::holds_what_the_replica_keeps(&files);
        files.write("blobs/kept", &photo(1, 100_000)).unwrap();
    }
    assert!(pool.contains("/contract.sqlite3.files").unwrap());
    let pool = restart("files", pool).await;
    let files = OpfsFiles::beside(db).unwrap();
    assert_eq!(files.read("r.sqlite3.vault", 100).unwrap().unwrap(), b"3");
    assert_eq!(
        files.read("blobs/kept", 100_000).unwrap().unwrap(),
        photo(1, 100_000)
    );
    assert_eq!(files.list("blobs").unwrap(), ["aa", "kept"]);
    drop(files);
    // Only the files database: no journal left behind once writes are committed.
    let mut names = pool.names().unwrap();
    names.sort();
    assert_eq!(names, ["/contract.sqlite3.files"]);
}

/// A device encrypted at rest in the browser keeps its key ring in OPFS: after the
/// worker's restart it opens locked, a wrong PIN is refused and counted, the right
/// one opens it, and its photos read back as stored.
#[wasm_bindgen_test]
async fn a_device_in_opfs_reopens_locked_and_opens_with_its_pin() {
    let pool = opfs("device").await;
    let path = Path::new("/device/cosabi.sqlite3");
    let receipt = photo(7, 200_000);
    let draft = photo(9, 30_000);
    let (juana, sha) = {
        let DeviceOpen::Open(mut r) = Replica::open_device(path).unwrap() else {
            panic!("a new device opens without a PIN");
        };
        assert!(r.is_encrypted());
        r.create_clinic(&tlaquilpa()).unwrap();
        let juana = r.add_member(&presidenta()).unwrap();
        let recovery = r.set_pin(juana.id, "2580", &PinApproval::None).unwrap();
        assert!(
            recovery.is_some(),
            "the device's first PIN gives the recovery code"
        );
        let sha = r.store_blob(&receipt).unwrap();
        r.set_draft_photo("purchase", &draft).unwrap();
        (juana, sha)
    };
    let pool = restart("device", pool).await;

    // Unkeyed side database, nothing readable in it: the photo is sealed, and the
    // ring holds the key wrapped under the PIN only.
    let sealed = raw_file("/device/cosabi.sqlite3", &format!("blobs/{sha}"));
    assert_ne!(sealed, receipt);
    assert!(!sealed.windows(64).any(|w| w == &receipt[1_000..1_064]));
    let ring =
        String::from_utf8(raw_file("/device/cosabi.sqlite3", "cosabi.sqlite3.vault")).unwrap();
    assert!(!ring.contains("open_key"), "{ring}");
    assert!(ring.contains(&juana.id.to_string()), "{ring}");

    let DeviceOpen::Locked(vault) = Replica::open_device(path).unwrap() else {
        panic!("a device with a PIN opens locked");
    };
    assert!(vault.is_locked());
    assert_eq!(vault.keyholders().len(), 1);
    let refused = Replica::unlock_device(path, vault, juana.id, "1111", Instant::now())
        .expect_err("a wrong PIN does not open it");
    let (vault, e) = *refused;
    assert_eq!(e.code(), "invalid");
    assert!(format!("{e:?}").contains("pin_wrong"), "{e:?}");
    let (r, who) = Replica::unlock_device(path, vault, juana.id, "2580", Instant::now())
        .map_err(|refused| refused.1)
        .unwrap();
    assert_eq!(who.id, juana.id);
    assert!(r.is_encrypted());
    assert_eq!(r.clinic().unwrap().unwrap().clues, "VZIMB001234");
    assert_eq!(r.blob(&sha).unwrap().unwrap(), receipt);
    assert!(r.has_blob(&sha));
    assert_eq!(r.draft_photo("purchase").unwrap(), Some(draft));
    drop(r);

    // Wrong tries are kept in the ring as well: two before the restart and one
    // after leave two of the five.
    let DeviceOpen::Locked(mut vault) = Replica::open_device(path).unwrap() else {
        panic!("still locked");
    };
    for _ in 0..2 {
        assert!(vault.unlock(juana.id, "1111", Instant::now()).is_err());
    }
    drop(vault);
    let _pool = restart("device", pool).await;
    let DeviceOpen::Locked(mut vault) = Replica::open_device(path).unwrap() else {
        panic!("still locked");
    };
    let e = vault.unlock(juana.id, "1111", Instant::now()).unwrap_err();
    assert_eq!(tries_left(&e), Some("2".to_owned()), "{e:?}");
}

/// The tries left a refused PIN reports.
fn tries_left(e: &cosabi_replica::Error) -> Option<String> {
    let cosabi_replica::Error::Invalid(errors) = e else {
        return None;
    };
    errors
        .0
        .iter()
        .flat_map(|v| &v.detail)
        .find(|(k, _)| k == "tries_left")
        .map(|(_, v)| v.clone())
}

/// Removing a replica (the demo's, when leaving it) removes its database and the
/// files beside it from the pool, and nothing of another replica.
#[wasm_bindgen_test]
async fn removing_a_replica_removes_its_database_and_its_files() {
    let pool = opfs("remove").await;
    let demo = Path::new("/demo/cosabi.sqlite3");
    let own = Path::new("/cosabi.sqlite3");
    let mut shas = Vec::new();
    for (seed, db) in [demo, own].into_iter().enumerate() {
        let DeviceOpen::Open(r) = Replica::open_device(db).unwrap() else {
            panic!("a new device opens");
        };
        shas.push(r.store_blob(&photo(seed as u32, 5_000)).unwrap());
    }
    assert!(replica_exists(demo).unwrap());
    let names = pool.names().unwrap();
    assert!(
        names.iter().any(|n| n == "/demo/cosabi.sqlite3.files"),
        "{names:?}"
    );

    // Not while it is open: the pool refuses to remove a file in use.
    let DeviceOpen::Open(open) = Replica::open_device(demo).unwrap() else {
        panic!("no PIN on the demo");
    };
    assert!(remove_replica(demo).is_err());
    drop(open);

    remove_replica(demo).unwrap();
    assert!(!replica_exists(demo).unwrap());
    let names = pool.names().unwrap();
    assert!(names.iter().all(|n| !n.starts_with("/demo/")), "{names:?}");
    assert!(replica_exists(own).unwrap());
    // Removing what is not there is nothing.
    remove_replica(demo).unwrap();

    // The own replica kept its photo; a new demo starts with none.
    let DeviceOpen::Open(r) = Replica::open_device(own).unwrap() else {
        panic!("no PIN here");
    };
    assert_eq!(r.blob(&shas[1]).unwrap().unwrap(), photo(1, 5_000));
    drop(r);
    let DeviceOpen::Open(r) = Replica::open_device(demo).unwrap() else {
        panic!("a new demo opens");
    };
    assert!(!r.has_blob(&shas[0]));
}

/// What the browser cannot open safely it refuses, saying why: a device's database
/// whose key ring is gone (nobody could open it; a new ring would hide that), and a
/// replica kept in the clear (there is no rename in OPFS to encrypt it in place).
#[wasm_bindgen_test]
async fn a_device_without_its_ring_or_in_the_clear_is_refused() {
    let _pool = opfs("refused").await;
    let device = Path::new("/device.sqlite3");
    drop(Replica::open_device(device).unwrap());
    assert!(OpfsFiles::beside(device)
        .unwrap()
        .remove("device.sqlite3.vault")
        .unwrap());
    let e = Replica::open_device(device).unwrap_err();
    assert_eq!(e.code(), "corrupt", "{e:?}");
    assert!(e.to_string().contains("key ring"), "{e}");
    assert!(
        !OpfsFiles::beside(device)
            .unwrap()
            .exists("device.sqlite3.vault")
            .unwrap(),
        "no new ring was made"
    );

    let plain = Path::new("/plain.sqlite3");
    drop(Replica::open(plain).unwrap());
    let e = Replica::open_device(plain).unwrap_err();
    assert_eq!(e.code(), "storage", "{e:?}");
    assert!(e.to_string().contains("cannot encrypt in place"), "{e}");
    // Still the plain replica it was.
    assert!(Replica::open(plain).is_ok());
}
