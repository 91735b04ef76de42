//! `backup` and `restore` with the real binary: a SQLite server's backup restored
//! into a new PostgreSQL database, where the same devices go on syncing with the
//! same tokens, a new device receives everything, accounts keep their passwords
//! and revoked devices stay revoked. Damaged backups and non-empty targets are
//! refused.

mod support;

use cosabi_sync_server::pg_store::{drop_database, scratch_database, test_admin_url};
use std::path::Path;
use std::process::Command;
use support::{add_account, add_clinic, admin, browser, new_code, Device, Server, BIN, PASSWORD};

const CLUES_A: &str = "VZIMB000417";
const CLUES_B: &str = "OCIMB000777";

/// Runs an admin command expected to fail; returns its stderr.
fn admin_fails(db: &Path, args: &[&str]) -> String {
    let out = Command::new(BIN)
        .arg("--db")
        .arg(db)
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(!out.status.success(), "{args:?} should have failed");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_backup_restored_into_postgres_keeps_every_device_syncing() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), "127.0.0.1:0");
    let code_a = add_clinic(&server.db, CLUES_A);
    let code_b = add_clinic(&server.db, CLUES_B);
    add_account(&server.db, "estatal", "estado:VZ");
    let a = Device::enroll(dir.path(), "a", &server.url, &code_a).await;
    a.with(|r| cosabi_replica::workload::clinic_year(r, 5).unwrap());
    a.sync(&server.url).await;
    let b = Device::enroll(dir.path(), "b", &server.url, &code_b).await;
    b.with(|r| cosabi_replica::workload::clinic_year_of(r, 6, CLUES_B).unwrap());
    b.sync(&server.url).await;
    // A lost phone, revoked before the backup.
    let lost = Device::enroll(
        dir.path(),
        "perdido",
        &server.url,
        &new_code(&server.db, CLUES_A),
    )
    .await;
    let listed = admin(&server.db, &["device", "list", "--clues", CLUES_A]);
    let lost_id = listed
        .lines()
        .find(|l| l.contains("perdido"))
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_else(|| panic!("no lost device in {listed}"))
        .to_owned();
    admin(&server.db, &["device", "revoke", &lost_id]);

    // The backup, taken while the server runs.
    let file = dir.path().join("cosabi.backup");
    let out = admin(&server.db, &["backup", "--out", file.to_str().unwrap()]);
    assert!(out.contains("2 clinics, 3 devices, 1 accounts"), "{out}");
    drop(server);

    // Restored into a new PostgreSQL database.
    let pg = scratch_database(&test_admin_url()).await.unwrap();
    let pg_db = Path::new(&pg);
    let out = admin(pg_db, &["restore", "--from", file.to_str().unwrap()]);
    assert!(out.contains("2 clinics, 3 devices, 1 accounts"), "{out}");
    // A second restore into the same database is refused.
    let err = admin_fails(pg_db, &["restore", "--from", file.to_str().unwrap()]);
    assert!(err.contains("not empty"), "{err}");

    let server = Server::start_with(
        pg_db,
        dir.path().join("blobs").to_str().unwrap(),
        "127.0.0.1:0",
        &[],
    );
    // The same device, with the same token, goes on: a new purchase syncs.
    a.with(|r| {
        r.add_member(&cosabi_core::committee::NewMember {
            name: "Rosa Tepole Xocua".into(),
            role: "contraloria_social".into(),
            term_start: "12/04/2026".into(),
            term_end: "11/04/2028".into(),
            gender: String::new(),
        })
        .unwrap();
    });
    let progress = a.sync(&server.url).await;
    assert!(progress.done);
    assert!(progress.changes_up > 0, "{progress:?}");
    // A new device of clinic A receives everything A has, and nothing of B.
    let c = Device::enroll(dir.path(), "c", &server.url, &new_code(pg_db, CLUES_A)).await;
    c.sync(&server.url).await;
    assert_eq!(
        c.with(|r| r.domain_rows().unwrap()),
        a.with(|r| r.domain_rows().unwrap())
    );
    // B syncs without changes to send and is told nothing new.
    let progress = b.sync(&server.url).await;
    assert!(progress.done);
    assert_eq!(progress.changes_down, 0, "{progress:?}");
    // The revoked phone stays revoked.
    let refused = cosabi_replica::client::SyncClient::new(&server.url, &lost.token)
        .sync(&lost.replica, |_| {})
        .await;
    assert!(
        refused.is_err(),
        "a revoked device synced after the restore"
    );
    // The account signs in with its password.
    let resp = browser()
        .post(format!("{}/programa/entrar", server.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("usuario=estatal&contrasena={PASSWORD}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    drop(server);
    drop_database(&test_admin_url(), &pg).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn damaged_backups_are_refused_and_restore_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.sqlite3");
    add_clinic(&db, CLUES_A);
    let file = dir.path().join("cosabi.backup");
    admin(&db, &["backup", "--out", file.to_str().unwrap()]);
    let bytes = std::fs::read(&file).unwrap();

    let cut = dir.path().join("cut.backup");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let target = dir.path().join("target.sqlite3");
    let err = admin_fails(&target, &["restore", "--from", cut.to_str().unwrap()]);
    assert!(
        err.contains("cut short") || err.contains("incomplete") || err.contains("damaged"),
        "{err}"
    );
    let garbage = dir.path().join("garbage.backup");
    std::fs::write(&garbage, b"not a backup at all").unwrap();
    let err = admin_fails(&target, &["restore", "--from", garbage.to_str().unwrap()]);
    assert!(err.contains("backup"), "{err}");
    // Nothing was restored: the target takes the good backup whole.
    let out = admin(&target, &["restore", "--from", file.to_str().unwrap()]);
    assert!(out.contains("1 clinics"), "{out}");
    let listed = admin(&target, &["clinic", "list"]);
    assert!(listed.contains(CLUES_A), "{listed}");
}
