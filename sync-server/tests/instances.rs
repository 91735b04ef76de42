//! Stateless instances: two server processes on different ports sharing one
//! PostgreSQL database and one S3 bucket (s3s-fs), all real, on 127.0.0.1. Devices
//! sync alternately through both and converge with nothing lost; one instance is
//! killed with SIGKILL in the middle of a sync and the other carries on.

mod support;

use cosabi_core::committee::NewMember;
use cosabi_core::schema::PURCHASE;
use cosabi_replica::blob_client::BlobClient;
use cosabi_replica::client::SyncClient;
use cosabi_sync_server::pg_store::{drop_database, scratch_database, test_admin_url};
use std::path::Path;
use support::s3::S3Server;
use support::{add_clinic, add_receipt_photo, jpeg_like, new_code, Device, Server};

const CLUES: &str = "VZIMB000417";
const BUCKET: &str = "cosabi";

async fn enroll(dir: &Path, name: &str, server: &Server, code: &str) -> Device {
    let own = dir.join(name);
    std::fs::create_dir_all(&own).unwrap();
    Device::enroll(&own, name, &server.url, code).await
}

fn add_member(d: &Device, name: &str) {
    d.with(|r| {
        r.add_member(&NewMember {
            name: name.into(),
            role: "contraloria_social".into(),
            term_start: "12/04/2026".into(),
            term_end: "11/04/2028".into(),
            gender: String::new(),
        })
        .unwrap();
    });
}

/// Both devices hold the same rows, and the server (through either instance) holds
/// everything each device wrote.
fn assert_converged(a: &Device, b: &Device) {
    let rows_a = a.with(|r| r.domain_rows().unwrap());
    let rows_b = b.with(|r| r.domain_rows().unwrap());
    assert_eq!(rows_a.len(), rows_b.len());
    assert_eq!(rows_a, rows_b);
    assert_eq!(
        a.with(|r| r.version_vector().unwrap()),
        b.with(|r| r.version_vector().unwrap())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_postgres_and_a_bucket_and_survive_a_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let s3 = S3Server::start(&dir.path().join("s3"), BUCKET);
    s3.wait_ready(BUCKET).await;
    let blobs = s3.blobs_url(BUCKET, "");
    let pg = scratch_database(&test_admin_url()).await.unwrap();
    let db = Path::new(&pg);
    let code_a = add_clinic(db, CLUES);
    let code_b = new_code(db, CLUES);
    let x = Server::start_with(db, &blobs, "127.0.0.1:0", &s3.env());
    let mut y = Server::start_with(db, &blobs, "127.0.0.1:0", &s3.env());
    assert_ne!(x.url, y.url);

    // A enrolls through X with a clinic-year of records and a receipt photo; B
    // enrolls through Y.
    let a = enroll(dir.path(), "a", &x, &code_a).await;
    let b = enroll(dir.path(), "b", &y, &code_b).await;
    a.with(|r| cosabi_replica::workload::clinic_year(r, 11).unwrap());
    let photo = jpeg_like(3, 140_000);
    let sha = a.with(|r| r.store_blob(&photo).unwrap());
    let purchase = add_receipt_photo(&a, &sha, photo.len());
    assert!(a.sync(&x.url).await.done);
    let uploaded = BlobClient::new(&x.url, &a.token)
        .upload_pending(&a.replica, |_, _, _| {})
        .await
        .unwrap();
    assert_eq!(uploaded, 1);

    // B receives it through Y, photo included.
    assert!(b.sync(&y.url).await.done);
    assert_converged(&a, &b);
    let fetched = BlobClient::new(&y.url, &b.token)
        .fetch(&b.replica, &sha)
        .await
        .unwrap();
    assert_eq!(fetched, photo);
    assert_eq!(
        b.with(|r| r.photos(PURCHASE.id, purchase).unwrap())[0].sha256,
        sha
    );

    // Alternating: each writes offline, then syncs through the other instance.
    for round in 0..3 {
        add_member(&a, &format!("Integrante A{round}"));
        add_member(&b, &format!("Integrante B{round}"));
        let (ua, ub) = if round % 2 == 0 { (&y, &x) } else { (&x, &y) };
        assert!(a.sync(&ua.url).await.done);
        assert!(b.sync(&ub.url).await.done);
        assert!(a.sync(&ua.url).await.done);
    }
    assert_converged(&a, &b);

    // Many more edits on A (three pages); Y is SIGKILLed after two of them arrived.
    a.with(|r| cosabi_replica::workload::random_edits(r, 12, 20_000).unwrap());
    let acknowledged = std::sync::Arc::new(tokio::sync::Notify::new());
    let signal = acknowledged.clone();
    let client = SyncClient::new(&y.url, &a.token);
    let finished = tokio::select! {
        biased;
        _ = acknowledged.notified() => false,
        result = client.sync(&a.replica, |p| {
            if p.pages_up >= 2 {
                signal.notify_one();
            }
        }) => result.is_ok(),
    };
    assert!(
        !finished,
        "the sync ended before the kill: make the workload bigger"
    );
    y.kill();
    // X carries on: A finishes there, B catches up there.
    let progress = a.sync(&x.url).await;
    assert!(progress.done);
    assert!(b.sync(&x.url).await.done);
    assert_converged(&a, &b);
    drop((x, y));
    drop_database(&test_admin_url(), &pg).await.unwrap();
}
