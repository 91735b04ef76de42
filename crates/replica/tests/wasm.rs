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
//! Natively this file is empty.
#![cfg(target_arch = "wasm32")]

use cosabi_core::clinic::NewClinic;
use cosabi_core::committee::NewMember;
use cosabi_replica::Replica;
use sqlite_wasm_rs::vfs::VfsFilesManager;
use sqlite_wasm_vfs::sahpool::{install, OpfsSAHPoolCfgBuilder, OpfsSAHPoolUtil};
use std::path::Path;
use wasm_bindgen_test::wasm_bindgen_test;

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_dedicated_worker);

/// Installs the OPFS pool as SQLite's default VFS, emptied first so every run starts
/// from no database (each test has its own directory in the origin's OPFS).
async fn opfs(test: &str) -> OpfsSAHPoolUtil {
    install::<sqlite_wasm_rs::WasmOsCallback>(
        &OpfsSAHPoolCfgBuilder::new()
            .vfs_name(&format!("opfs-{test}"))
            .directory(&format!("cosabi-tests/{test}"))
            .clear_on_init(true)
            .build(),
        true,
    )
    .await
    .expect("the OPFS pool installs in a dedicated worker")
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
