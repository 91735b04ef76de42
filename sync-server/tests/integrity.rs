//! Nothing lost from a copied, restored or misbehaving device (issue 11), against
//! the real server process: copies of a replica's folder, an older copy put back (or
//! a commit a power cut rolled back after it was pushed), a device writing under
//! another's site, and changes that break the schema — refused at the server by
//! name, set aside on devices, marked (never a 500) in the programme view.

mod support;

use cosabi_core::change::{ChangeGroup, Value};
use cosabi_core::hlc::Hlc;
use cosabi_core::ids::SiteId;
use cosabi_core::protocol::{ErrorBody, SyncRequest, SyncResponse, PROTOCOL_VERSION};
use cosabi_core::schema::{CLINIC, MEMBER, PURCHASE};
use cosabi_core::wire::Page;
use cosabi_replica::codec::page_to_bytes;
use cosabi_replica::Replica;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Mutex;
use support::*;
use uuid::Uuid;

/// The demo clinic's CLUES (assets/demo/clinic.json).
const DEMO_CLUES: &str = "VZIMB000417";

/// A copy of `from`'s data folder, as a committee would make on a second laptop (or
/// as a backup kept aside): same replica, same token.
fn copy_of(dir: &Path, name: &str, from: &Device) -> Device {
    let path = dir.join(format!("{name}.sqlite3"));
    from.with(|r| {
        r.connection()
            .execute("VACUUM INTO ?1", [path.to_str().unwrap()])
            .unwrap();
    });
    Device {
        replica: Mutex::new(Replica::open(&path).unwrap()),
        token: from.token.clone(),
        path,
    }
}

/// Adds a committee member named `name`: one write of a new row.
fn add_member(d: &Device, name: &str) {
    d.with(|r| {
        let clinic = r.clinic().unwrap().unwrap().id;
        r.set_fields(
            &MEMBER,
            Uuid::now_v7(),
            &[
                (1, Value::uuid(clinic.0)),
                (2, Value::Text(name.into())),
                (3, Value::Text("vocal_salud".into())),
            ],
        )
        .unwrap();
    });
}

fn member_names(d: &Device) -> BTreeSet<String> {
    d.with(|r| r.members().unwrap().into_iter().map(|m| m.name).collect())
}

fn pending(d: &Device) -> u64 {
    d.with(|r| r.sync_summary().unwrap().pending_changes)
}

fn assert_has(d: &Device, who: &str, names: &[&str]) {
    let have = member_names(d);
    for n in names {
        assert!(have.contains(*n), "{who} lacks {n:?}; has {have:?}");
    }
}

/// A fresh device of the clinic, enrolled and synced: what every other device and
/// every report ends up with.
async fn newcomer(dir: &Path, server: &Server, name: &str) -> Device {
    let code = new_code(&server.db, DEMO_CLUES);
    let d = Device::enroll(dir, name, &server.url, &code).await;
    let p = d.sync(&server.url).await;
    assert!(p.done);
    d
}

/// One device's raw push: a page in a sync round, as a dishonest or buggy device
/// would send it. Returns the status and the body.
async fn raw_push(server: &Server, token: &str, page: &Page) -> (u16, Vec<u8>) {
    let body = postcard::to_allocvec(&SyncRequest {
        protocol: PROTOCOL_VERSION,
        schema_version: page.schema_version,
        have: Vec::new(),
        cursor: 0,
        push: Some(page_to_bytes(page)),
    })
    .unwrap();
    let resp = reqwest::Client::new()
        .post(format!("{}/v1/sync", server.url))
        .bearer_auth(token)
        .body(body)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.bytes().await.unwrap().to_vec())
}

fn group(
    site: SiteId,
    seq_first: u64,
    table: u16,
    row: Uuid,
    fields: Vec<(u16, Value)>,
) -> ChangeGroup {
    ChangeGroup::fresh(
        site,
        seq_first,
        Hlc::new(1_780_000_000_000, 0),
        table,
        row,
        fields,
    )
}

fn page(groups: Vec<ChangeGroup>) -> Page {
    Page {
        schema_version: cosabi_replica::db::SCHEMA_VERSION as u32,
        tags: Vec::new(),
        groups,
    }
}

/// Copies of one folder write offline and sync in turn. One copy has written less
/// than the original pushed (the server's pull shows it holds more of its site), the
/// other more (its push is refused as divergent): each moves its writes to a fresh
/// site, and every write of every copy reaches the server and every device.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copied_folders_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), "127.0.0.1:0");
    let code = add_clinic(&server.db, DEMO_CLUES);
    let a = Device::enroll(dir.path(), "a", &server.url, &code).await;
    a.with(|r| {
        r.load_demo().unwrap();
    });
    add_member(&a, "Antes de copiar");
    a.sync(&server.url).await;
    let b = copy_of(dir.path(), "b", &a);
    let c = copy_of(dir.path(), "c", &a);
    let site = a.with(|r| r.site_id());

    add_member(&a, "A uno");
    add_member(&a, "A dos");
    add_member(&b, "B uno");
    for i in 0..5 {
        add_member(&c, &format!("C {i}"));
    }
    for d in [&a, &b, &c, &a, &b, &c] {
        let p = d.sync(&server.url).await;
        assert!(p.done);
        assert_eq!(
            pending(d),
            0,
            "a device says synced with writes not on the server"
        );
    }
    assert_eq!(
        a.with(|r| r.site_id()),
        site,
        "the copy that synced first keeps the site"
    );
    let (b_site, c_site) = (b.with(|r| r.site_id()), c.with(|r| r.site_id()));
    assert!(b_site != site && c_site != site && b_site != c_site);

    let everyone = ["Antes de copiar", "A uno", "A dos", "B uno", "C 0", "C 4"];
    let d = newcomer(dir.path(), &server, "d").await;
    assert_has(&d, "a new device", &everyone);
    for (who, dev) in [("a", &a), ("b", &b), ("c", &c)] {
        assert_has(dev, who, &everyone);
        assert_eq!(
            dev.with(|r| r.domain_rows().unwrap()),
            d.with(|r| r.domain_rows().unwrap()),
            "{who} differs from a new device"
        );
    }
    // The copies keep writing under their new sites, and those writes travel too.
    add_member(&b, "B después");
    b.sync(&server.url).await;
    d.sync(&server.url).await;
    assert_has(&d, "a new device", &["B después"]);
}

/// An older copy put back (a restored backup, or a cheap phone whose last commits a
/// power cut rolled back after they were pushed): the writes the server holds come
/// back, the writes made since go up under a fresh site.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restored_copy_and_rolled_back_commits_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), "127.0.0.1:0");
    let code = add_clinic(&server.db, DEMO_CLUES);
    let a = Device::enroll(dir.path(), "a", &server.url, &code).await;
    a.with(|r| {
        r.load_demo().unwrap();
    });
    add_member(&a, "Uno");
    a.sync(&server.url).await;
    let backup = copy_of(dir.path(), "backup", &a);
    add_member(&a, "Dos, enviado y luego perdido");
    a.sync(&server.url).await;
    drop(a);

    // The older copy comes back and writes before syncing.
    let restored = backup;
    add_member(&restored, "Tres, después de restaurar");
    let p = restored.sync(&server.url).await;
    assert!(p.done);
    assert_eq!(pending(&restored), 0);
    let all = [
        "Uno",
        "Dos, enviado y luego perdido",
        "Tres, después de restaurar",
    ];
    assert_has(&restored, "the restored device", &all);
    let d = newcomer(dir.path(), &server, "d").await;
    assert_has(&d, "a new device", &all);
    assert_eq!(
        restored.with(|r| r.domain_rows().unwrap()),
        d.with(|r| r.domain_rows().unwrap())
    );
}

/// An enrolled device writes under another device's site, at its next sequence
/// numbers: the server declines it (a site belongs to one device), and the owner's
/// own later writes are taken as always.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_cannot_write_under_another_devices_site() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), "127.0.0.1:0");
    let code = add_clinic(&server.db, DEMO_CLUES);
    let owner = Device::enroll(dir.path(), "owner", &server.url, &code).await;
    owner.with(|r| {
        r.load_demo().unwrap();
    });
    owner.sync(&server.url).await;
    let squatter = newcomer(dir.path(), &server, "squatter").await;
    let (site, next, clinic) = owner.with(|r| {
        (
            r.site_id(),
            r.local_change_count() + 1,
            r.clinic().unwrap().unwrap().id,
        )
    });
    let forged = page(vec![
        group(
            site,
            next,
            MEMBER.id,
            Uuid::now_v7(),
            vec![
                (1, Value::uuid(clinic.0)),
                (2, Value::Text("Intruso".into())),
            ],
        ),
        group(
            site,
            next + 2,
            CLINIC.id,
            clinic.0,
            vec![(2, Value::Text("Renombrada".into()))],
        ),
    ]);
    let (status, body) = raw_push(&server, &squatter.token, &forged).await;
    assert_eq!(status, 200);
    let resp: SyncResponse = postcard::from_bytes(&body).unwrap();
    let report = resp.push.unwrap();
    assert_eq!((report.applied, report.deferred), (0, 3), "{report:?}");
    let held = resp.have.iter().find(|(s, _)| *s == site).map(|(_, n)| *n);
    assert_eq!(
        held,
        Some(next - 1),
        "the server took changes under another's site"
    );
    // Nor may it claim the site.
    let claim = reqwest::Client::new()
        .post(format!("{}/v1/site", server.url))
        .bearer_auth(&squatter.token)
        .json(&serde_json::json!({ "site": site }))
        .send()
        .await
        .unwrap();
    assert_eq!(claim.status().as_u16(), 409);
    let refusal: ErrorBody = claim.json().await.unwrap();
    assert_eq!(refusal.code, "site_taken");

    add_member(&owner, "Legítimo");
    assert!(owner.sync(&server.url).await.done);
    assert_eq!(owner.with(|r| r.site_id()), site);
    let d = newcomer(dir.path(), &server, "d").await;
    assert_has(&d, "a new device", &["Legítimo"]);
    assert!(!member_names(&d).contains("Intruso"));
    assert_ne!(d.with(|r| r.clinic().unwrap().unwrap().name), "Renombrada");
}

/// Each kind of malformed change is refused with 400 naming its group, or 413 for a
/// page over the limits; nothing of it is stored, and the clinic's devices and the
/// programme view carry on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_changes_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), "127.0.0.1:0");
    let code = add_clinic(&server.db, DEMO_CLUES);
    let m = Device::enroll(dir.path(), "m", &server.url, &code).await;
    m.with(|r| {
        r.load_demo().unwrap();
    });
    m.sync(&server.url).await;
    let (site, next, clinic) = m.with(|r| {
        (
            r.site_id(),
            r.local_change_count() + 1,
            r.clinic().unwrap().unwrap().id,
        )
    });
    let row = Uuid::now_v7();
    let bad: Vec<(&str, ChangeGroup)> = vec![
        (
            "text in an integer column",
            group(
                site,
                next,
                PURCHASE.id,
                row,
                vec![(5, Value::Text("dos".into()))],
            ),
        ),
        (
            "a number in a text column",
            group(site, next, MEMBER.id, row, vec![(2, Value::Int(7))]),
        ),
        (
            "a short id",
            group(
                site,
                next,
                MEMBER.id,
                row,
                vec![(1, Value::Bytes(vec![1, 2, 3]))],
            ),
        ),
        (
            "an impossible date",
            group(
                site,
                next,
                MEMBER.id,
                row,
                vec![(4, Value::Text("2026-02-31".into()))],
            ),
        ),
        (
            "NULL in purchase.deleted",
            group(site, next, PURCHASE.id, row, vec![(0, Value::Null)]),
        ),
        (
            "a group over the field limit",
            group(
                site,
                next,
                500,
                row,
                (0..65).map(|c| (c, Value::Int(1))).collect(),
            ),
        ),
        (
            "a second clinic row",
            group(
                site,
                next,
                CLINIC.id,
                Uuid::now_v7(),
                vec![(2, Value::Text("Otra".into()))],
            ),
        ),
    ];
    for (what, g) in bad {
        let table = g.table;
        let (status, body) = raw_push(&server, &m.token, &page(vec![g])).await;
        assert_eq!(status, 400, "{what}: {}", String::from_utf8_lossy(&body));
        let refusal: ErrorBody = serde_json::from_slice(&body).unwrap();
        assert_eq!(refusal.code, "invalid_change", "{what}");
        assert_eq!(
            (refusal.site, refusal.seq),
            (Some(site), Some(next)),
            "{what}"
        );
        assert!(
            refusal.message.contains(&format!("table {table}")),
            "{what}: {}",
            refusal.message
        );
    }
    // A page over the limits is refused whole.
    let many: Vec<ChangeGroup> = (0..200)
        .map(|i| {
            group(
                site,
                next + i * 64,
                500,
                row,
                (0..64).map(|c| (c, Value::Int(1))).collect(),
            )
        })
        .collect();
    let (status, _) = raw_push(&server, &m.token, &page(many)).await;
    assert_eq!(status, 413);

    // Nothing of it was stored: the clinic syncs on, and a new device sees one clinic.
    add_member(&m, "Después");
    assert!(m.sync(&server.url).await.done);
    let d = newcomer(dir.path(), &server, "d").await;
    assert_has(&d, "a new device", &["Después"]);
    assert_eq!(
        d.with(|r| r.domain_rows().unwrap()),
        m.with(|r| r.domain_rows().unwrap())
    );
    let clinics: Vec<_> = d
        .with(|r| r.domain_rows().unwrap())
        .into_iter()
        .filter(|(t, _, _)| t == "clinic")
        .collect();
    assert_eq!(clinics.len(), 1);
    assert_eq!(clinics[0].1, clinic.0);
}

/// Changes that an older server stored although they break the schema (a NULL
/// tombstone, text in an integer column, a second clinic row) never stop a device's
/// sync or the programme view: devices set them aside and list them for review, the
/// programme marks the clinic "datos con errores" and shows everything else.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_changes_already_stored_are_set_aside_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path(), "127.0.0.1:0");
    let code = add_clinic(&server.db, DEMO_CLUES);
    let a = Device::enroll(dir.path(), "a", &server.url, &code).await;
    a.with(|r| {
        r.load_demo().unwrap();
    });
    a.sync(&server.url).await;
    let clinic = a.with(|r| r.clinic().unwrap().unwrap().id);
    let purchase = Uuid::now_v7();
    a.with(|r| {
        r.set_fields(
            &PURCHASE,
            purchase,
            &[
                (1, Value::uuid(clinic.0)),
                (2, Value::Int(2026)),
                (3, Value::Text("2026-03-02".into())),
                (4, Value::Text("Pintura".into())),
                (5, Value::Int(2)),
                (6, Value::Int(45_000)),
                (7, Value::Int(90_000)),
            ],
        )
        .unwrap();
    });
    a.sync(&server.url).await;

    // What an older server kept from a file-only device: written into its store
    // directly, as that server would have.
    server.kill();
    let old_device = SiteId(Uuid::now_v7());
    let stored = [
        group(old_device, 1, PURCHASE.id, purchase, vec![(0, Value::Null)]),
        group(
            old_device,
            2,
            PURCHASE.id,
            purchase,
            vec![(5, Value::Text("muchos".into()))],
        ),
        group(
            old_device,
            3,
            CLINIC.id,
            Uuid::now_v7(),
            vec![(2, Value::Text("Otra clínica".into()))],
        ),
        group(
            old_device,
            4,
            MEMBER.id,
            Uuid::now_v7(),
            vec![
                (1, Value::uuid(clinic.0)),
                (2, Value::Text("Válido después".into())),
            ],
        ),
    ];
    {
        let conn = rusqlite::Connection::open(&server.db).unwrap();
        for g in &stored {
            conn.execute(
                "INSERT INTO change_group(clinic_id, site, seq_first, seq_last, body)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                rusqlite::params![
                    clinic.0.as_bytes().as_slice(),
                    g.site.0.as_bytes().as_slice(),
                    g.seq_first as i64,
                    g.seq_last() as i64,
                    postcard::to_allocvec(g).unwrap(),
                ],
            )
            .unwrap();
        }
        conn.execute(
            "INSERT INTO site_seq(clinic_id, site, max_seq) VALUES (?1, ?2, 4)",
            rusqlite::params![
                clinic.0.as_bytes().as_slice(),
                old_device.0.as_bytes().as_slice()
            ],
        )
        .unwrap();
    }
    let server = Server::start_with(
        &server.db,
        server.blobs.to_str().unwrap(),
        "127.0.0.1:0",
        &[],
    );

    // Every device syncs to the end; the bad changes are set aside, the good one after
    // them applies.
    assert!(a.sync(&server.url).await.done);
    let d = newcomer(dir.path(), &server, "d").await;
    for (who, dev) in [("a", &a), ("d", &d)] {
        assert_has(dev, who, &["Válido después"]);
        let items = dev.with(|r| r.review_items().unwrap());
        let set_aside: Vec<_> = items
            .iter()
            .filter(|i| i.code == "change_set_aside")
            .collect();
        assert_eq!(set_aside.len(), 3, "{who}: {items:?}");
        let alive: i64 = dev.with(|r| {
            r.connection()
                .query_row(
                    "SELECT count(*) FROM purchase WHERE id = ?1 AND deleted = 0",
                    [purchase.as_bytes().as_slice()],
                    |row| row.get(0),
                )
                .unwrap()
        });
        assert_eq!(alive, 1, "{who}: the purchase vanished");
    }
    assert_eq!(
        a.with(|r| r.domain_rows().unwrap()),
        d.with(|r| r.domain_rows().unwrap())
    );

    // The programme view renders, and marks the clinic.
    add_account(&server.db, "nacional", "programa");
    let resp = browser()
        .post(format!("{}/programa/entrar", server.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("usuario=nacional&contrasena={PASSWORD}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 303);
    let cookie = resp.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    for path in [
        "/programa",
        "/programa.csv",
        "/programa/estado/VZ",
        &format!("/programa/clinica/{DEMO_CLUES}"),
    ] {
        let resp = browser()
            .get(format!("{}{path}", server.url))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200, "{path}");
        let body = resp.text().await.unwrap();
        if path != "/programa.csv" {
            assert!(
                body.contains("atos con errores"),
                "{path} does not mark the clinic"
            );
        }
    }
}

/// A change relayed through a sync file by another enrolled device carries its own
/// device's tag: the server takes it, so a phone that never reaches the office gets
/// its writes to the programme through a colleague. The same change altered on the
/// way (same tag) is declined.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relayed_change_reaches_the_server_with_its_devices_tag() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), "127.0.0.1:0");
    let code = add_clinic(&server.db, DEMO_CLUES);
    let sierra = Device::enroll(dir.path(), "sierra", &server.url, &code).await;
    sierra.with(|r| {
        r.load_demo().unwrap();
    });
    sierra.sync(&server.url).await;
    let office = newcomer(dir.path(), &server, "office").await;

    // Offline in the sierra: a new member, carried to the office in a file.
    add_member(&sierra, "Desde la sierra");
    let (site, pages) = sierra.with(|r| (r.site_id(), r.pages_since(&Default::default()).unwrap()));
    assert!(
        pages.iter().all(|p| p
            .groups
            .iter()
            .enumerate()
            .all(|(i, g)| g.site != site || p.tag(i).is_some())),
        "a device's own groups leave it tagged"
    );
    // Altered on the way: the tag no longer matches, and the server declines it.
    let mut altered: Vec<Page> = pages.clone();
    let last = altered.last_mut().unwrap();
    let g = last
        .groups
        .iter_mut()
        .rev()
        .find(|g| g.site == site)
        .unwrap();
    for f in &mut g.fields {
        if f.value == Value::Text("Desde la sierra".into()) {
            f.value = Value::Text("Alterado".into());
        }
    }
    let (status, body) = raw_push(&server, &office.token, last).await;
    assert_eq!(status, 200);
    let resp: SyncResponse = postcard::from_bytes(&body).unwrap();
    assert!(
        resp.push.unwrap().deferred > 0,
        "an altered relay was taken"
    );

    office.with(|r| {
        for p in &pages {
            r.apply_page(p).unwrap();
        }
    });
    assert!(office.sync(&server.url).await.done);
    let d = newcomer(dir.path(), &server, "d").await;
    assert_has(&d, "a new device", &["Desde la sierra"]);
    assert!(!member_names(&d).contains("Alterado"));
    // The sierra phone, when it syncs, finds its write already there.
    assert!(sierra.sync(&server.url).await.done);
    assert_eq!(sierra.with(|r| r.site_id()), site);
}
