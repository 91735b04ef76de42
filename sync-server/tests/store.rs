//! The [`Store`] contract, one set of checks run against both backends: every
//! check below becomes `sqlite::<name>` (a temporary file) and `pg::<name>` (a
//! scratch PostgreSQL database, dropped when the check passes). Then PostgreSQL-only
//! checks: two instances pushing for one clinic at once, migrations, enrollment races.
//!
//! The PostgreSQL checks need a server: `bash scripts/setup.sh` starts one on
//! 127.0.0.1:5432, or `COSABI_TEST_PG` names another. Without one they fail, saying so.

use cosabi_core::change::{ChangeGroup, FieldChange, Value, Version};
use cosabi_core::hlc::Hlc;
use cosabi_core::ids::{clinic_id_for_clues, ClinicId, SiteId};
use cosabi_core::protocol::PushReport;
use cosabi_core::wire::PAGE_FIELD_CHANGES_MAX;
use cosabi_sync_server::accounts::Scope;
use cosabi_sync_server::pg_store::{self, PgStore};
use cosabi_sync_server::sqlite_store::SqliteStore;
use cosabi_sync_server::store::*;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use uuid::Uuid;

/// Connections each test's pool may open: tests run in parallel on one server.
const TEST_POOL_SIZE: usize = 4;

fn sqlite() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("server.sqlite3")).unwrap();
    (dir, store)
}

/// A scratch database and a store on it.
struct Pg {
    admin: String,
    url: String,
    store: PgStore,
}

impl Pg {
    async fn new() -> Pg {
        let admin = pg_store::test_admin_url();
        let url = pg_store::scratch_database(&admin)
            .await
            .unwrap_or_else(|e| panic!("no PostgreSQL for the store tests: {e:#}"));
        let store = PgStore::connect_with_pool_size(&url, TEST_POOL_SIZE)
            .await
            .unwrap_or_else(|e| panic!("cannot open the scratch database: {e:#}"));
        Pg { admin, url, store }
    }

    /// Another instance on the same database.
    async fn instance(&self) -> PgStore {
        PgStore::connect_with_pool_size(&self.url, TEST_POOL_SIZE)
            .await
            .unwrap()
    }

    /// Drops the database; called only when the test passed, so a failure leaves it
    /// to look at.
    async fn finish(self) {
        drop(self.store);
        pg_store::drop_database(&self.admin, &self.url)
            .await
            .unwrap();
    }
}

/// `sqlite::<name>` and `pg::<name>` for each check `<name>(&dyn Store)`.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let (_dir, store) = super::sqlite();
                    super::$name(&store).await;
                }
            )*
        }
        mod pg {
            $(
                #[tokio::test]
                async fn $name() {
                    let db = super::Pg::new().await;
                    super::$name(&db.store).await;
                    db.finish().await;
                }
            )*
        }
    };
}

on_both_backends!(
    clinics_are_registered_once_and_listed_by_clues,
    enrollment_codes_are_used_once_and_expire,
    devices_are_listed_revoked_and_touched,
    pushes_are_stored_once_and_pulled_in_arrival_order,
    groups_after_a_gap_or_a_missing_version_are_deferred,
    partly_held_groups_are_trimmed,
    divergent_changes_are_refused_and_nothing_is_stored,
    sites_belong_to_one_device,
    pulls_come_in_pages_with_a_cursor,
    version_vectors_say_what_each_clinic_holds,
    accounts_and_sessions_expire_and_go_with_their_account,
);

fn clinic(clues: &str) -> ClinicRecord {
    ClinicRecord {
        id: clinic_id_for_clues(clues),
        clues: clues.into(),
        name: format!("Centro de Salud {clues}"),
        state: "VZ".into(),
        consultorios: 2,
        municipality: "Tlaquilpa".into(),
        created_at_ms: 1_700_000_000_000,
    }
}

fn site(n: u128) -> SiteId {
    SiteId(Uuid::from_u128(n))
}

/// A write of `fields` fields to one row by `site`, from `seq_first` on, none of them
/// replacing anything.
fn group(site: SiteId, seq_first: u64, fields: usize) -> ChangeGroup {
    ChangeGroup {
        site,
        seq_first,
        hlc: Hlc::new(1_700_000_000_000 + seq_first, 0),
        table: 2,
        row: Uuid::from_u128(seq_first as u128),
        author: None,
        fields: (0..fields)
            .map(|i| FieldChange {
                column: i as u16 + 1,
                value: Value::Text(format!("valor {seq_first}.{i}")),
                prev: None,
            })
            .collect(),
    }
}

/// [`group`] whose first field replaces `prev`.
fn group_over(site: SiteId, seq_first: u64, fields: usize, prev: Version) -> ChangeGroup {
    let mut g = group(site, seq_first, fields);
    g.fields[0].prev = Some(prev);
    g
}

fn report(applied: u64, duplicates: u64, deferred: u64) -> PushReport {
    PushReport {
        applied,
        duplicates,
        deferred,
    }
}

fn device(id: &str, site: SiteId, token_hash: &str) -> NewDevice {
    NewDevice {
        id: id.into(),
        name: format!("teléfono {id}"),
        site,
        token_hash: token_hash.into(),
        key: None,
    }
}

/// A clinic and an enrolled device: what a push needs in production.
async fn clinic_with_device(store: &dyn Store, clues: &str) -> ClinicId {
    let c = clinic(clues);
    store.add_clinic(c.clone()).await.unwrap();
    store
        .add_enrollment_code(c.id, &format!("code-{clues}"), u64::MAX / 2)
        .await
        .unwrap();
    store
        .enroll(
            &format!("code-{clues}"),
            10,
            device(&format!("dev-{clues}"), site(1), &format!("tok-{clues}")),
        )
        .await
        .unwrap();
    c.id
}

/// Every page from `cursor` on until the store says there is no more.
async fn pull_all(
    store: &dyn Store,
    clinic: ClinicId,
    have: &HashMap<SiteId, u64>,
) -> (Vec<ChangeGroup>, u64) {
    let (mut groups, mut cursor) = (Vec::new(), 0);
    for _ in 0..1_000 {
        let page = store.pull(clinic, have.clone(), cursor).await.unwrap();
        groups.extend(page.groups);
        cursor = page.cursor;
        if !page.more {
            return (groups, cursor);
        }
    }
    panic!("pulling never ended");
}

fn seqs(groups: &[ChangeGroup]) -> Vec<(u128, u64, u64)> {
    groups
        .iter()
        .map(|g| (g.site.0.as_u128(), g.seq_first, g.seq_last()))
        .collect()
}

async fn clinics_are_registered_once_and_listed_by_clues(store: &dyn Store) {
    assert!(store.clinics().await.unwrap().is_empty());
    let b = clinic("VZIMB001234");
    let a = clinic("OCIMB000001");
    store.add_clinic(b.clone()).await.unwrap();
    store.add_clinic(a.clone()).await.unwrap();
    assert_eq!(store.clinics().await.unwrap(), vec![a.clone(), b.clone()]);
    assert_eq!(
        store.clinic_by_clues("VZIMB001234").await.unwrap(),
        Some(b.clone())
    );
    assert_eq!(store.clinic_by_clues("VZIMB009999").await.unwrap(), None);

    let again = ClinicRecord {
        name: "Otro nombre".into(),
        ..b.clone()
    };
    match store.add_clinic(again).await {
        Err(StoreError::ClinicExists(clues)) => assert_eq!(clues, "VZIMB001234"),
        other => panic!("a second clinic with one CLUES: {other:?}"),
    }
    // The same id under another spelling of the CLUES is the same clinic.
    let same_id = ClinicRecord {
        clues: "vzimb001234".into(),
        ..b.clone()
    };
    assert!(matches!(
        store.add_clinic(same_id).await,
        Err(StoreError::ClinicExists(_))
    ));
    assert_eq!(store.clinics().await.unwrap(), vec![a, b]);
}

async fn enrollment_codes_are_used_once_and_expire(store: &dyn Store) {
    let c = clinic("VZIMB001234");
    store.add_clinic(c.clone()).await.unwrap();
    store
        .add_enrollment_code(c.id, "good", 1_000)
        .await
        .unwrap();
    store.add_enrollment_code(c.id, "late", 500).await.unwrap();

    // Valid up to and including its expiry.
    let enrolled = store
        .enroll("good", 1_000, device("d1", site(1), "t1"))
        .await
        .unwrap();
    assert_eq!(enrolled, c);
    assert!(matches!(
        store
            .enroll("good", 1_000, device("d2", site(2), "t2"))
            .await,
        Err(StoreError::CodeExpired)
    ));
    assert!(matches!(
        store.enroll("late", 501, device("d3", site(3), "t3")).await,
        Err(StoreError::CodeExpired)
    ));
    assert!(matches!(
        store
            .enroll("unknown", 100, device("d4", site(4), "t4"))
            .await,
        Err(StoreError::CodeInvalid)
    ));
    let devices = store.devices(Some(c.id)).await.unwrap();
    assert_eq!(devices.len(), 1, "failed enrollments leave no device");
    assert_eq!(devices[0].id, "d1");
    assert_eq!(devices[0].enrolled_at_ms, 1_000);
    // A code for a clinic that is not registered is refused.
    assert!(store
        .add_enrollment_code(clinic_id_for_clues("CSIMB000002"), "orphan", 1_000)
        .await
        .is_err());
}

async fn devices_are_listed_revoked_and_touched(store: &dyn Store) {
    let a = clinic("VZIMB001234");
    let b = clinic("OCIMB000001");
    store.add_clinic(a.clone()).await.unwrap();
    store.add_clinic(b.clone()).await.unwrap();
    let ids = [
        "0190a1b2-0000-7000-8000-00000000000a",
        "0190a1b2-1111-7000-8000-00000000000b",
        "0190c3d4-2222-7000-8000-00000000000c",
    ];
    for (i, (id, clinic)) in ids.iter().zip([&a, &b, &a]).enumerate() {
        let code = format!("code{i}");
        store
            .add_enrollment_code(clinic.id, &code, 10_000)
            .await
            .unwrap();
        store
            .enroll(
                &code,
                100 * (i as u64 + 1),
                device(id, site(i as u128 + 1), &format!("token{i}")),
            )
            .await
            .unwrap();
    }
    let all = store.devices(None).await.unwrap();
    assert_eq!(
        all.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(),
        ids,
        "devices in enrollment order"
    );
    let of_a = store.devices(Some(a.id)).await.unwrap();
    assert_eq!(
        of_a.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(),
        [ids[0], ids[2]]
    );
    assert_eq!(
        of_a[1],
        DeviceRecord {
            id: ids[2].into(),
            clinic_id: a.id,
            name: format!("teléfono {}", ids[2]),
            site: site(3),
            enrolled_at_ms: 300,
            last_sync_ms: None,
            revoked: false,
        }
    );

    let by_token = store.device_by_token("token1").await.unwrap().unwrap();
    assert_eq!((by_token.id.as_str(), by_token.clinic_id), (ids[1], b.id));
    assert!(store.device_by_token("nope").await.unwrap().is_none());

    store.touch_device(ids[1], 5_000).await.unwrap();
    assert_eq!(
        store
            .device_by_token("token1")
            .await
            .unwrap()
            .unwrap()
            .last_sync_ms,
        Some(5_000)
    );
    // Rounds of one sync within a minute write nothing more; a later sync does.
    for (at, held) in [(5_000 + 59_999, 5_000), (5_000 + 60_000, 65_000)] {
        store.touch_device(ids[1], at).await.unwrap();
        let device = store.device_by_token("token1").await.unwrap().unwrap();
        assert_eq!(device.last_sync_ms, Some(held), "touched at {at}");
    }

    // By id prefix of at least 8 characters, whatever their ASCII case.
    assert!(!store.revoke_device("0190c3d").await.unwrap(), "too short");
    assert!(!store.revoke_device("ffffffff").await.unwrap(), "no match");
    assert!(store.revoke_device("0190C3D4-2222").await.unwrap());
    assert!(
        store
            .device_by_token("token2")
            .await
            .unwrap()
            .unwrap()
            .revoked
    );
    assert!(store.revoke_device(ids[0]).await.unwrap());
    let revoked: Vec<bool> = store
        .devices(None)
        .await
        .unwrap()
        .iter()
        .map(|d| d.revoked)
        .collect();
    assert_eq!(revoked, [true, false, true]);
}

async fn pushes_are_stored_once_and_pulled_in_arrival_order(store: &dyn Store) {
    let c = clinic_with_device(store, "VZIMB001234").await;
    let other = clinic_with_device(store, "OCIMB000001").await;
    let (s1, s2) = (site(1), site(2));
    let page = vec![group(s1, 1, 2), group(s2, 1, 1), group(s1, 3, 3)];
    assert_eq!(store.push(c, page.clone()).await.unwrap(), report(6, 0, 0));
    assert_eq!(store.push(c, page.clone()).await.unwrap(), report(0, 6, 0));
    // A group with no fields counts for nothing.
    assert_eq!(
        store
            .push(
                c,
                vec![ChangeGroup {
                    fields: vec![],
                    ..group(s1, 6, 1)
                }]
            )
            .await
            .unwrap(),
        PushReport::default()
    );
    store.push(other, vec![group(s1, 1, 4)]).await.unwrap();

    let pulled = store.pull(c, HashMap::new(), 0).await.unwrap();
    assert!(!pulled.more);
    assert_eq!(pulled.groups, page, "as sent, in arrival order");
    // Nothing after the cursor, and the cursor stays.
    let again = store.pull(c, HashMap::new(), pulled.cursor).await.unwrap();
    assert!(again.groups.is_empty() && !again.more);
    assert_eq!(again.cursor, pulled.cursor);
    // What the device holds is skipped, and the cursor passes it.
    let have = HashMap::from([(s1, 5), (s2, 1)]);
    let held = store.pull(c, have, 0).await.unwrap();
    assert!(held.groups.is_empty());
    assert_eq!(held.cursor, pulled.cursor);
    let have = HashMap::from([(s1, 2)]);
    assert_eq!(
        seqs(&store.pull(c, have, 0).await.unwrap().groups),
        [(2, 1, 1), (1, 3, 5)]
    );
    // Another clinic's changes stay there.
    assert_eq!(
        seqs(&store.pull(other, HashMap::new(), 0).await.unwrap().groups),
        [(1, 1, 4)]
    );
}

async fn groups_after_a_gap_or_a_missing_version_are_deferred(store: &dyn Store) {
    let c = clinic_with_device(store, "VZIMB001234").await;
    let (s1, s2, s3) = (site(1), site(2), site(3));
    let page = vec![
        group(s1, 3, 2),                                    // gap: 1..2 missing
        group(s1, 5, 1),                                    // after a deferred group of its site
        group_over(s2, 1, 2, Version { site: s3, seq: 1 }), // replaces what is not here
        group(s3, 1, 1),
    ];
    assert_eq!(store.push(c, page).await.unwrap(), report(1, 0, 5));
    assert_eq!(
        store.version_vector(c).await.unwrap(),
        HashMap::from([(s3, 1)])
    );
    // Sent again in order, everything is taken.
    let page = vec![
        group(s1, 1, 2),
        group(s1, 3, 2),
        group(s1, 5, 1),
        group_over(s2, 1, 2, Version { site: s3, seq: 1 }),
        group_over(s2, 3, 1, Version { site: s2, seq: 2 }),
    ];
    assert_eq!(store.push(c, page).await.unwrap(), report(8, 0, 0));
    assert_eq!(
        store.version_vector(c).await.unwrap(),
        HashMap::from([(s1, 5), (s2, 3), (s3, 1)])
    );
    let (pulled, _) = pull_all(store, c, &HashMap::new()).await;
    assert_eq!(
        seqs(&pulled),
        [
            (3, 1, 1),
            (1, 1, 2),
            (1, 3, 4),
            (1, 5, 5),
            (2, 1, 2),
            (2, 3, 3)
        ]
    );
}

async fn partly_held_groups_are_trimmed(store: &dyn Store) {
    let c = clinic_with_device(store, "VZIMB001234").await;
    let s1 = site(1);
    let held = group(s1, 1, 3);
    store.push(c, vec![held.clone()]).await.unwrap();
    // 2..5 overlaps 2..3 with the same changes: those are counted as duplicates,
    // 4..5 kept.
    let mut overlapping = ChangeGroup {
        seq_first: 2,
        fields: held.fields[1..].to_vec(),
        ..held.clone()
    };
    overlapping
        .fields
        .extend(group(s1, 4, 2).fields.into_iter().map(|f| FieldChange {
            column: f.column + 10,
            ..f
        }));
    assert_eq!(
        store.push(c, vec![overlapping.clone()]).await.unwrap(),
        report(2, 2, 0)
    );
    let (pulled, _) = pull_all(store, c, &HashMap::new()).await;
    assert_eq!(seqs(&pulled), [(1, 1, 3), (1, 4, 5)]);
    assert_eq!(pulled[1].fields, overlapping.fields[2..]);
    // A device holding up to 4 gets only 5.
    let (pulled, _) = pull_all(store, c, &HashMap::from([(s1, 4)])).await;
    assert_eq!(seqs(&pulled), [(1, 5, 5)]);
    assert_eq!(pulled[0].fields, overlapping.fields[3..]);
}

/// A different change at a held (site, seq) — a copied or restored device — is
/// refused naming the first one, and nothing of that push is stored.
async fn divergent_changes_are_refused_and_nothing_is_stored(store: &dyn Store) {
    let c = clinic_with_device(store, "VZIMB001234").await;
    let (s1, s2) = (site(1), site(2));
    store.push(c, vec![group(s1, 1, 3)]).await.unwrap();
    let mut copy = group(s1, 1, 3);
    copy.fields[2].value = Value::Text("otro valor".into());
    let page = vec![group(s2, 1, 2), copy, group(s1, 4, 1)];
    match store.push(c, page).await {
        Err(StoreError::Divergent { site, seq }) => assert_eq!((site, seq), (s1, 3)),
        other => panic!("a divergent push was taken: {other:?}"),
    }
    assert_eq!(
        store.version_vector(c).await.unwrap(),
        HashMap::from([(s1, 3)]),
        "nothing of a refused push is stored"
    );
    // Every part counts: the same values under another HLC are another change.
    let mut later = group(s1, 2, 2);
    later.hlc = Hlc::new(1_800_000_000_000, 0);
    assert!(matches!(
        store.push(c, vec![later]).await,
        Err(StoreError::Divergent { .. })
    ));
    // The same changes again are duplicates, as always.
    assert_eq!(
        store.push(c, vec![group(s1, 1, 3)]).await.unwrap(),
        report(0, 3, 0)
    );
}

/// A site belongs to one device: the store binds a device's enrollment site and
/// the fresh sites it claims, never another device's, and tells the handler whose
/// each site is and with which key its relayed changes are checked.
async fn sites_belong_to_one_device(store: &dyn Store) {
    let c = clinic_with_device(store, "VZIMB001234").await;
    let owner = "dev-VZIMB001234";
    store
        .add_enrollment_code(c, "code-second", u64::MAX / 2)
        .await
        .unwrap();
    let mut second = device("second", site(2), "tok-second");
    second.key = Some("ab".repeat(32));
    store.enroll("code-second", 10, second).await.unwrap();
    // Binding: a fresh site once, again as a no-op, never another's.
    store.bind_site(c, owner, site(9)).await.unwrap();
    store.bind_site(c, owner, site(9)).await.unwrap();
    assert!(matches!(
        store.bind_site(c, "second", site(9)).await,
        Err(StoreError::SiteTaken(s)) if s == site(9)
    ));
    assert!(matches!(
        store.bind_site(c, "second", site(1)).await,
        Err(StoreError::SiteTaken(_))
    ));
    let owners = store.site_owners(c).await.unwrap();
    let who = |s: u128| {
        owners
            .get(&site(s))
            .map(|o| (o.device.as_str(), o.key.clone()))
    };
    assert_eq!(who(1), Some((owner, None)));
    assert_eq!(who(9), Some((owner, None)));
    assert_eq!(who(2), Some(("second", Some("ab".repeat(32)))));
    assert_eq!(who(3), None);
    // Enrolling with a site another device holds is refused and spends no code.
    store
        .add_enrollment_code(c, "code-copy", u64::MAX / 2)
        .await
        .unwrap();
    assert!(matches!(
        store
            .enroll("code-copy", 10, device("copy", site(1), "tok-copy"))
            .await,
        Err(StoreError::SiteTaken(_))
    ));
    store
        .enroll("code-copy", 10, device("copy", site(10), "tok-copy"))
        .await
        .unwrap();
}

async fn pulls_come_in_pages_with_a_cursor(store: &dyn Store) {
    let c = clinic_with_device(store, "VZIMB001234").await;
    let s1 = site(1);
    // 600 groups of 20 fields: more than one page, more than one database batch.
    let groups_count = 600u64;
    let fields = 20usize;
    let all: Vec<ChangeGroup> = (0..groups_count)
        .map(|i| group(s1, 1 + i * fields as u64, fields))
        .collect();
    for chunk in all.chunks(100) {
        let r = store.push(c, chunk.to_vec()).await.unwrap();
        assert_eq!(r.applied, (chunk.len() * fields) as u64);
    }
    let mut got = Vec::new();
    let mut cursor = 0;
    let mut pages = 0;
    loop {
        let page = store.pull(c, HashMap::new(), cursor).await.unwrap();
        let count: usize = page.groups.iter().map(|g| g.fields.len()).sum();
        assert!(count <= PAGE_FIELD_CHANGES_MAX);
        assert!(page.cursor > cursor, "a page moves the cursor");
        got.extend(page.groups);
        cursor = page.cursor;
        pages += 1;
        assert!(pages <= 10, "too many pages");
        if !page.more {
            break;
        }
    }
    assert!(
        pages >= 2,
        "{} fields fit one page?",
        groups_count as usize * fields
    );
    assert_eq!(got, all, "every group once, in order");
    let rest = store.pull(c, HashMap::new(), cursor).await.unwrap();
    assert!(rest.groups.is_empty() && !rest.more);
}

async fn version_vectors_say_what_each_clinic_holds(store: &dyn Store) {
    let a = clinic_with_device(store, "VZIMB001234").await;
    let b = clinic_with_device(store, "OCIMB000001").await;
    let _quiet = clinic_with_device(store, "CSIMB000002").await;
    assert!(store.version_vector(a).await.unwrap().is_empty());
    assert!(store.version_vectors().await.unwrap().is_empty());
    store
        .push(a, vec![group(site(1), 1, 3), group(site(2), 1, 1)])
        .await
        .unwrap();
    store.push(a, vec![group(site(1), 4, 2)]).await.unwrap();
    store.push(b, vec![group(site(3), 1, 7)]).await.unwrap();
    let vv_a = HashMap::from([(site(1), 5), (site(2), 1)]);
    assert_eq!(store.version_vector(a).await.unwrap(), vv_a);
    assert_eq!(
        store.version_vectors().await.unwrap(),
        HashMap::from([(a, vv_a), (b, HashMap::from([(site(3), 7)]))])
    );
}

fn account(user: &str, scope: &str) -> AccountRecord {
    AccountRecord {
        user: user.into(),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        scope: scope.parse().unwrap(),
        created_at_ms: 1,
    }
}

fn session(token_hash: &str, user: &str, created_at_ms: u64, expires_at_ms: u64) -> NewSession {
    NewSession {
        token_hash: token_hash.into(),
        user: user.into(),
        created_at_ms,
        expires_at_ms,
    }
}

async fn accounts_and_sessions_expire_and_go_with_their_account(store: &dyn Store) {
    store.add_account(account("zoe", "programa")).await.unwrap();
    store
        .add_account(account("ana", "municipio:VZ/Tlaquilpa"))
        .await
        .unwrap();
    match store.add_account(account("ana", "estado:OC")).await {
        Err(StoreError::AccountExists(user)) => assert_eq!(user, "ana"),
        other => panic!("a second account ana: {other:?}"),
    }
    let users: Vec<String> = store
        .accounts()
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.user)
        .collect();
    assert_eq!(users, ["ana", "zoe"]);
    let ana = store.account("ana").await.unwrap().unwrap();
    assert_eq!(
        ana.scope,
        Scope::Municipality {
            state: "VZ".into(),
            name: "Tlaquilpa".into()
        }
    );
    assert!(store.account("nadie").await.unwrap().is_none());

    store
        .add_session(session("old", "ana", 100, 200))
        .await
        .unwrap();
    store
        .add_session(session("live", "ana", 100, 1_000))
        .await
        .unwrap();
    store
        .add_session(session("zoe's", "zoe", 100, 1_000))
        .await
        .unwrap();
    assert_eq!(
        store.session_account("old", 150).await.unwrap(),
        Some(ana.clone())
    );
    assert!(store.session_account("old", 200).await.unwrap().is_none());
    // A new session clears the expired ones: "old" is gone even for an earlier time.
    store
        .add_session(session("new", "zoe", 300, 1_000))
        .await
        .unwrap();
    assert!(store.session_account("old", 150).await.unwrap().is_none());
    assert_eq!(store.session_account("live", 999).await.unwrap(), Some(ana));
    assert!(store
        .session_account("live", 1_000)
        .await
        .unwrap()
        .is_none());
    // A session of an account that does not exist is refused.
    assert!(store
        .add_session(session("ghost", "nadie", 300, 1_000))
        .await
        .is_err());

    store.remove_session("new").await.unwrap();
    assert!(store.session_account("new", 400).await.unwrap().is_none());
    assert!(store.remove_account("ana").await.unwrap());
    assert!(store.session_account("live", 500).await.unwrap().is_none());
    assert!(!store.remove_account("ana").await.unwrap());
    assert_eq!(
        store
            .session_account("zoe's", 500)
            .await
            .unwrap()
            .unwrap()
            .user,
        "zoe"
    );
    assert!(store.remove_account("zoe").await.unwrap());
    assert!(store.accounts().await.unwrap().is_empty());
}

// PostgreSQL only.

/// Pushers per clinic, pages each, groups per page in the concurrent test.
const PUSHERS: u128 = 8;
const PAGES_PER_PUSHER: u64 = 20;
const GROUPS_PER_PAGE: u64 = 3;
/// Bound on the puller's rounds: far more than it needs.
const PULL_ROUNDS_MAX: usize = 200_000;

/// Two instances take pushes for one clinic at once, from 8 devices, while a device
/// pulls with its cursor the whole time: it must get every group exactly once, each
/// site's groups in seq order. Without the per-clinic push lock a push could commit
/// arrivals below the puller's cursor, and the puller would miss them.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pg_concurrent_pushes_from_two_instances_reach_a_puller_exactly_once() {
    let db = Pg::new().await;
    let instances = [Arc::new(db.instance().await), Arc::new(db.instance().await)];
    let c = clinic_with_device(&db.store, "VZIMB001234").await;
    let done = Arc::new(AtomicUsize::new(0));

    let mut pushers = Vec::new();
    for p in 0..PUSHERS {
        let store = instances[p as usize % 2].clone();
        let done = done.clone();
        pushers.push(tokio::spawn(async move {
            let s = site(100 + p);
            let mut seq = 1;
            for _ in 0..PAGES_PER_PUSHER {
                let page: Vec<ChangeGroup> = (0..GROUPS_PER_PAGE)
                    .map(|i| group(s, seq + i * 2, 2))
                    .collect();
                seq += GROUPS_PER_PAGE * 2;
                let r = store.push(c, page).await.unwrap();
                assert_eq!(r, report(GROUPS_PER_PAGE * 2, 0, 0));
            }
            done.fetch_add(1, Ordering::SeqCst);
        }));
    }

    let puller = db.instance().await;
    let mut cursor = 0;
    let mut got: Vec<(u128, u64)> = Vec::new();
    let mut finished = false;
    for _ in 0..PULL_ROUNDS_MAX {
        // Read `done` before pulling: a pull after every pusher finished sees all.
        let all_pushed = done.load(Ordering::SeqCst) == PUSHERS as usize;
        let page = puller.pull(c, HashMap::new(), cursor).await.unwrap();
        assert!(page.cursor >= cursor);
        cursor = page.cursor;
        got.extend(
            page.groups
                .iter()
                .map(|g| (g.site.0.as_u128(), g.seq_first)),
        );
        if all_pushed && !page.more {
            finished = true;
            break;
        }
        tokio::task::yield_now().await;
    }
    assert!(
        finished,
        "the puller did not finish in {PULL_ROUNDS_MAX} rounds"
    );
    for p in pushers {
        p.await.unwrap();
    }

    let unique: HashSet<_> = got.iter().copied().collect();
    assert_eq!(unique.len(), got.len(), "a group came twice");
    let expected = (PUSHERS * (PAGES_PER_PUSHER * GROUPS_PER_PAGE) as u128) as usize;
    assert_eq!(got.len(), expected, "groups were missed");
    for p in 0..PUSHERS {
        let of_site: Vec<u64> = got
            .iter()
            .filter(|(s, _)| *s == 100 + p)
            .map(|(_, seq)| *seq)
            .collect();
        assert!(
            of_site.windows(2).all(|w| w[0] < w[1]),
            "out of causal order"
        );
    }
    let vv = db.store.version_vector(c).await.unwrap();
    assert_eq!(vv.len(), PUSHERS as usize);
    assert!(vv
        .values()
        .all(|&seq| seq == PAGES_PER_PUSHER * GROUPS_PER_PAGE * 2));
    drop(instances);
    db.finish().await;
}

/// Two instances enrolling with one code at once: one device is enrolled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pg_a_code_enrolls_one_device_across_instances() {
    let db = Pg::new().await;
    let other = db.instance().await;
    let c = clinic("VZIMB001234");
    db.store.add_clinic(c.clone()).await.unwrap();
    for round in 0..10 {
        let code = format!("code{round}");
        db.store
            .add_enrollment_code(c.id, &code, 10_000)
            .await
            .unwrap();
        let (a, b) = tokio::join!(
            db.store.enroll(
                &code,
                100,
                device(
                    &format!("a{round}"),
                    site(100 + round),
                    &format!("ta{round}")
                )
            ),
            other.enroll(
                &code,
                100,
                device(
                    &format!("b{round}"),
                    site(200 + round),
                    &format!("tb{round}")
                )
            )
        );
        let winners = [&a, &b].iter().filter(|r| r.is_ok()).count();
        assert_eq!(winners, 1, "round {round}: {a:?} {b:?}");
        assert!(
            matches!(a, Err(StoreError::CodeExpired)) || matches!(b, Err(StoreError::CodeExpired))
        );
    }
    assert_eq!(db.store.devices(Some(c.id)).await.unwrap().len(), 10);
    drop(other);
    db.finish().await;
}

/// Instances starting together migrate once; opening again changes nothing; a
/// database from a newer server is refused with a message saying what to do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pg_migrations_run_once_and_newer_databases_are_refused() {
    let admin = pg_store::test_admin_url();
    let url = pg_store::scratch_database(&admin)
        .await
        .unwrap_or_else(|e| panic!("no PostgreSQL for the store tests: {e:#}"));
    let (a, b) = tokio::join!(PgStore::connect(&url), PgStore::connect(&url));
    let (a, b) = (a.unwrap(), b.unwrap());
    a.add_clinic(clinic("VZIMB001234")).await.unwrap();
    assert_eq!(b.clinics().await.unwrap().len(), 1);
    drop((a, b));
    let reopened = PgStore::connect(&url).await.unwrap();
    assert_eq!(reopened.clinics().await.unwrap().len(), 1);
    drop(reopened);

    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    let connection = tokio::spawn(connection);
    let versions: i64 = client
        .query_one("SELECT count(*) FROM schema_migration", &[])
        .await
        .unwrap()
        .get(0);
    assert!(versions >= 1);
    client
        .execute(
            "INSERT INTO schema_migration(version, applied_at) VALUES (9999, now())",
            &[],
        )
        .await
        .unwrap();
    drop(client);
    connection.await.unwrap().unwrap();
    let refused = PgStore::connect(&url)
        .await
        .err()
        .expect("a newer database is refused");
    let message = format!("{refused:#}");
    assert!(
        message.contains("newer server") && message.contains("update the server"),
        "{message}"
    );
    pg_store::drop_database(&admin, &url).await.unwrap();
}
