//! Sync across real processes: the server binary on 127.0.0.1, replicas on disk.

mod support;

/// The demo clinic's CLUES (assets/demo/clinic.json), registered on the server.
const DEMO_CLUES: &str = "VZIMB000417";

use cosabi_core::change::Value;
use cosabi_core::schema::MEMBER;
use cosabi_replica::client::SyncClient;
use std::sync::atomic::Ordering;
use support::*;

/// Rows and conflict heads: what must be equal on converged replicas.
type State = (
    Vec<(String, uuid::Uuid, Vec<Value>)>,
    Vec<cosabi_replica::ConflictHead>,
);

fn state_of(d: &Device) -> State {
    d.with(|r| (r.domain_rows().unwrap(), r.conflict_heads().unwrap()))
}

/// Three devices edit the same records offline and sync in changing orders: all end
/// with the same state and the same conflicts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_devices_converge_through_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), "127.0.0.1:0");
    add_clinic(&server.db, DEMO_CLUES);
    let mut devices = Vec::new();
    for name in ["tesorera", "secretario", "enfermera"] {
        let code = new_code(&server.db, DEMO_CLUES);
        devices.push(Device::enroll(dir.path(), name, &server.url, &code).await);
    }
    devices[0].with(|r| {
        r.load_demo().unwrap();
    });
    devices[0].sync(&server.url).await;
    for d in &devices[1..] {
        d.sync(&server.url).await;
        assert_eq!(d.with(|r| r.members().unwrap().len()), 9);
    }
    let member = devices[0].with(|r| r.members().unwrap()[2].id);
    let mut rng = 0x5eed_u64;
    for round in 0..6 {
        for (i, d) in devices.iter().enumerate() {
            d.with(|r| {
                r.set_fields(
                    &MEMBER,
                    member.0,
                    &[(2, Value::Text(format!("nombre {round}.{i}")))],
                )
                .unwrap();
                r.set_fields(
                    &MEMBER,
                    member.0,
                    &[(5, Value::Text(format!("2026-0{}-1{i}", 1 + round % 9)))],
                )
                .unwrap();
            });
        }
        // A different order every round.
        rng = rng.wrapping_mul(6364136223846793005).wrapping_add(1);
        let first = (rng >> 40) as usize % 3;
        for k in 0..3 {
            devices[(first + k) % 3].sync(&server.url).await;
        }
    }
    for d in &devices {
        d.sync(&server.url).await;
    }
    let reference = state_of(&devices[0]);
    assert!(
        !reference.1.is_empty(),
        "concurrent edits must leave conflicts"
    );
    for d in &devices[1..] {
        assert_eq!(state_of(d), reference);
    }
}

/// Devices only ever see their own clinic; bogus and revoked tokens are refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clinics_are_isolated_and_bad_tokens_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), "127.0.0.1:0");
    let code_a = add_clinic(&server.db, DEMO_CLUES);
    let code_b = add_clinic(&server.db, "OCIMB000777");
    let a = Device::enroll(dir.path(), "a", &server.url, &code_a).await;
    let b = Device::enroll(dir.path(), "b", &server.url, &code_b).await;
    a.with(|r| {
        r.load_demo().unwrap();
    });
    a.sync(&server.url).await;
    let pulled = b.sync(&server.url).await;
    assert_eq!(pulled.changes_down, 0, "clinic B received clinic A's data");
    assert!(b.with(|r| r.domain_rows().unwrap().is_empty()));

    // A used code is refused; a made-up one too, with the same answer.
    let again =
        cosabi_replica::client::enroll(&server.url, &code_a, "x", a.with(|r| r.site_id())).await;
    assert!(
        matches!(
            again,
            Err(cosabi_replica::client::SyncError::Refused { status: 403, .. })
        ),
        "{again:?}"
    );
    let bogus =
        cosabi_replica::client::enroll(&server.url, "AAAA-BBBB-CC", "x", a.with(|r| r.site_id()))
            .await;
    assert!(
        matches!(
            bogus,
            Err(cosabi_replica::client::SyncError::Refused { status: 403, .. })
        ),
        "{bogus:?}"
    );

    // A bogus token.
    let bad = SyncClient::new(&server.url, "not-a-token")
        .sync(&a.replica, |_| {})
        .await;
    assert!(
        matches!(
            bad,
            Err(cosabi_replica::client::SyncError::Refused { status: 401, .. })
        ),
        "{bad:?}"
    );

    // Revoked: refused at once.
    let list = admin(&server.db, &["device", "list", "--clues", DEMO_CLUES]);
    let id = list.split_whitespace().next().unwrap().to_owned();
    admin(&server.db, &["device", "revoke", &id]);
    let revoked = SyncClient::new(&server.url, &a.token)
        .sync(&a.replica, |_| {})
        .await;
    assert!(
        matches!(
            revoked,
            Err(cosabi_replica::client::SyncError::Refused { status: 403, .. })
        ),
        "{revoked:?}"
    );
}

/// A link that drops connections at random byte offsets: the sync still completes,
/// with nothing lost and nothing duplicated.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn syncs_through_a_link_that_keeps_dropping() {
    let cuts_wanted: u64 = if std::env::var_os("COSABI_LONG").is_some() {
        1_000
    } else {
        40
    };
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), "127.0.0.1:0");
    add_clinic(&server.db, DEMO_CLUES);
    let a = Device::enroll(
        dir.path(),
        "a",
        &server.url,
        &new_code(&server.db, DEMO_CLUES),
    )
    .await;
    let b = Device::enroll(
        dir.path(),
        "b",
        &server.url,
        &new_code(&server.db, DEMO_CLUES),
    )
    .await;
    a.with(|r| {
        r.load_demo().unwrap();
    });
    let mut seed = 7u64;
    let mut total_cuts = 0;
    let mut rounds = 0;
    while total_cuts < cuts_wanted && rounds < 10_000 {
        rounds += 1;
        // More data on both sides, then a sync of each through a bad link.
        for (i, d) in [&a, &b].iter().enumerate() {
            d.with(|r| {
                let row = uuid::Uuid::from_u128(
                    0x0190_0000_0000_7000_8000_0000_0000_0000 + (rounds % 7) as u128,
                );
                r.set_fields(
                    &MEMBER,
                    row,
                    &[(2, Value::Text(format!("{i}:{rounds} {}", "x".repeat(300))))],
                )
                .unwrap();
            });
        }
        seed += 1;
        let proxy = FaultProxy::start(server.addr, seed, 3_000).await;
        for d in [&a, &b] {
            // A sync that gives up (too many cuts in a row) resumes in the next one.
            let _ = SyncClient::new(&proxy.url, &d.token)
                .sync(&d.replica, |_| {})
                .await;
        }
        total_cuts += proxy.cuts.load(Ordering::SeqCst);
    }
    assert!(total_cuts >= cuts_wanted, "only {total_cuts} cuts");
    a.sync(&server.url).await;
    b.sync(&server.url).await;
    a.sync(&server.url).await;
    assert_eq!(state_of(&a), state_of(&b));
    // Nothing duplicated: each side's log holds each (site, seq) once, and both hold all.
    let (la, lb) = (
        a.with(|r| r.all_changes().unwrap()),
        b.with(|r| r.all_changes().unwrap()),
    );
    let count =
        |l: &Vec<cosabi_core::change::ChangeGroup>| l.iter().map(|g| g.fields.len()).sum::<usize>();
    assert_eq!(count(&la), count(&lb));
    let total_written = a.with(|r| r.local_change_count()) + b.with(|r| r.local_change_count());
    assert_eq!(count(&la) as u64, total_written);
    println!("{total_cuts} cuts survived in {rounds} rounds");
}

/// The server killed with SIGKILL in the middle of a sync: after a restart nothing
/// it acknowledged is lost and the sync completes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_killed_mid_sync_loses_nothing_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path(), "127.0.0.1:0");
    let addr = server.addr.to_string();
    add_clinic(&server.db, DEMO_CLUES);
    let a = Device::enroll(
        dir.path(),
        "a",
        &server.url,
        &new_code(&server.db, DEMO_CLUES),
    )
    .await;
    a.with(|r| {
        cosabi_replica::workload::clinic_year(r, 3).unwrap();
    });
    // Sync until the server has acknowledged two pages (of three or four: their
    // number varies with the random ids in them), then kill it.
    let acknowledged = std::sync::Arc::new(tokio::sync::Notify::new());
    let signal = acknowledged.clone();
    let client = SyncClient::new(&server.url, &a.token);
    let mut acked_pages = 0;
    // Biased: once the third page is acknowledged the kill wins, even if the sync's
    // next response is already there too (a fair pick let it finish now and then).
    let finished = tokio::select! {
        biased;
        _ = acknowledged.notified() => false,
        result = client.sync(&a.replica, |p| {
            acked_pages = p.pages_up;
            if p.pages_up >= 2 {
                signal.notify_one();
            }
        }) => result.is_ok(),
    };
    assert!(
        !finished,
        "the sync finished before the kill ({acked_pages} pages up): make the workload bigger"
    );
    server.kill();

    let server = Server::start(dir.path(), &addr);
    let vv = a.with(|r| r.version_vector().unwrap());
    let progress = a.sync(&server.url).await;
    assert!(progress.done);
    // A new device pulls everything the first one has.
    let b = Device::enroll(
        dir.path(),
        "b",
        &server.url,
        &new_code(&server.db, DEMO_CLUES),
    )
    .await;
    b.sync(&server.url).await;
    assert_eq!(
        b.with(|r| r.domain_rows().unwrap()),
        a.with(|r| r.domain_rows().unwrap())
    );
    assert_eq!(
        b.with(|r| r.version_vector().unwrap())
            .get(&a.with(|r| r.site_id())),
        vv.get(&a.with(|r| r.site_id()))
    );
    assert!(acked_pages >= 2);
}

/// Garbage, truncated and oversized bodies are answered 4xx and store nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_is_refused_and_nothing_stored() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), "127.0.0.1:0");
    add_clinic(&server.db, DEMO_CLUES);
    let a = Device::enroll(
        dir.path(),
        "a",
        &server.url,
        &new_code(&server.db, DEMO_CLUES),
    )
    .await;
    let http = reqwest::Client::new();
    let url = format!("{}/v1/sync", server.url);
    let post = |body: Vec<u8>| http.post(&url).bearer_auth(&a.token).body(body).send();
    assert_eq!(
        post(b"\xff\x00garbage".to_vec()).await.unwrap().status(),
        400
    );
    let garbage_page = cosabi_core::protocol::SyncRequest {
        protocol: cosabi_core::protocol::PROTOCOL_VERSION,
        schema_version: 5,
        have: vec![],
        cursor: 0,
        push: Some(vec![0x28, 0xb5, 0x2f, 0xfd, 1, 2, 3]),
    };
    let body = postcard::to_allocvec(&garbage_page).unwrap();
    assert_eq!(post(body.clone()).await.unwrap().status(), 400);
    assert_eq!(
        post(body[..body.len() / 2].to_vec())
            .await
            .unwrap()
            .status(),
        400
    );
    let huge = vec![0u8; cosabi_core::protocol::SYNC_BODY_BYTES_MAX + 1];
    assert_eq!(post(huge).await.unwrap().status(), 413);
    let newer = cosabi_core::protocol::SyncRequest {
        protocol: cosabi_core::protocol::PROTOCOL_VERSION + 1,
        ..garbage_page
    };
    assert_eq!(
        post(postcard::to_allocvec(&newer).unwrap())
            .await
            .unwrap()
            .status(),
        426
    );
    // Nothing was stored: a second device pulls nothing.
    let b = Device::enroll(
        dir.path(),
        "b",
        &server.url,
        &new_code(&server.db, DEMO_CLUES),
    )
    .await;
    assert_eq!(b.sync(&server.url).await.changes_down, 0);
}

/// Tables and columns the server (and this app version) never heard of, written by a
/// newer app, pass through the server unchanged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_tables_and_columns_pass_through_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), "127.0.0.1:0");
    add_clinic(&server.db, DEMO_CLUES);
    let a = Device::enroll(
        dir.path(),
        "a",
        &server.url,
        &new_code(&server.db, DEMO_CLUES),
    )
    .await;
    let b = Device::enroll(
        dir.path(),
        "b",
        &server.url,
        &new_code(&server.db, DEMO_CLUES),
    )
    .await;
    let newer = cosabi_core::ids::SiteId(uuid::Uuid::now_v7());
    let groups = vec![cosabi_core::change::ChangeGroup {
        site: newer,
        seq_first: 1,
        hlc: cosabi_core::hlc::Hlc::new(1_800_000_000_000, 0),
        table: 77,
        row: uuid::Uuid::now_v7(),
        author: None,
        fields: vec![cosabi_core::change::FieldChange {
            column: 3,
            value: Value::Text("tlahtolli".into()),
            prev: None,
        }],
    }];
    a.with(|r| {
        r.apply_page(&cosabi_core::wire::Page {
            schema_version: 99,
            tags: Vec::new(),
            groups: groups.clone(),
        })
        .unwrap()
    });
    a.sync(&server.url).await;
    b.sync(&server.url).await;
    let got: Vec<_> = b
        .with(|r| r.all_changes().unwrap())
        .into_iter()
        .filter(|g| g.site == newer)
        .collect();
    assert_eq!(got, groups);
}
