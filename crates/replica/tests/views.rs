//! Read models: the dashboard, the sync summary, the purchases page and record
//! history, checked against values computed independently in the test.

use chrono::NaiveDate;
use cosabi_core::actions::NewAction;
use cosabi_core::assembly::{NewAgreement, NewAssembly};
use cosabi_core::change::Value;
use cosabi_core::clinic::NewClinic;
use cosabi_core::committee::{Member, NewMember};
use cosabi_core::ledger::{NewCardMovement, NewPurchase, NewReceipt, PurchaseFilter};
use cosabi_core::photo::NewPhoto;
use cosabi_core::schema::{AGREEMENT, MEMBER, PURCHASE, RECEIPT};
use cosabi_core::views::HistoryEntry;
use cosabi_core::Centavos;
use cosabi_replica::workload::SplitMix64;
use cosabi_replica::{Error, Replica};
use uuid::Uuid;

fn clinic() -> NewClinic {
    NewClinic {
        clues: "VZIMB001234".into(),
        name: "Centro de Salud Tlaquilpa".into(),
        state: "VZ".into(),
        municipality: "Tlaquilpa".into(),
        locality: "Tlaquilpa".into(),
        consultorios: 2,
    }
}

fn open(dir: &tempfile::TempDir, name: &str) -> Replica {
    Replica::open(&dir.path().join(format!("{name}.sqlite3"))).unwrap()
}

/// A replica on disk with a clinic and three members.
fn setup(dir: &tempfile::TempDir) -> (Replica, Vec<Member>) {
    let mut r = open(dir, "device");
    r.create_clinic(&clinic()).unwrap();
    let ms = [
        ("Juana Xocua", "presidente"),
        ("Rogelio Tepole", "secretario"),
        ("María Cuaquehua", "tesorero"),
    ]
    .iter()
    .map(|(name, role)| {
        r.add_member(&NewMember {
            name: (*name).into(),
            role: (*role).into(),
            ..Default::default()
        })
        .unwrap()
    })
    .collect();
    (r, ms)
}

fn assembly_on(date: &str) -> NewAssembly {
    NewAssembly {
        kind: "ordinaria".into(),
        date: date.into(),
        place: "Sala de espera".into(),
        ..Default::default()
    }
}

fn agreement(text: &str, responsible: Option<&Member>, due: &str) -> NewAgreement {
    NewAgreement {
        text: text.into(),
        responsible_id: responsible.map(|m| m.id),
        due_date: due.into(),
    }
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn purchase_on(date: NaiveDate, qty: i64, unit_centavos: i64, category: &str) -> NewPurchase {
    NewPurchase {
        date: date.format("%d/%m/%Y").to_string(),
        concept: format!("Material {qty}×{unit_centavos}"),
        quantity: qty.to_string(),
        unit_cost: format!("{}.{:02}", unit_centavos / 100, unit_centavos % 100),
        supplier: "Tlapalería La Esperanza".into(),
        rfc: String::new(),
        category: category.into(),
        action_id: None,
        paid_from: "tarjeta".into(),
        fiscal_year: String::new(),
    }
}

#[test]
fn dashboard_lists_agreements_coming_due_soonest_first() {
    let dir = tempfile::tempdir().unwrap();
    let (mut r, ms) = setup(&dir);
    let today = ymd(2025, 6, 1);
    let first = r.create_assembly(&assembly_on("10/03/2025")).unwrap();
    let overdue = r
        .add_agreement(first.id, &agreement("Pintar", Some(&ms[2]), "20/05/2025"))
        .unwrap();
    let carried = r
        .add_agreement(first.id, &agreement("Báscula", None, "05/06/2025"))
        .unwrap();
    let done = r
        .add_agreement(first.id, &agreement("Hecho", None, "02/06/2025"))
        .unwrap();
    r.set_agreement_status(done.id, "cumplido").unwrap();
    r.add_agreement(first.id, &agreement("Sin fecha", None, ""))
        .unwrap();
    r.add_agreement(first.id, &agreement("Lejano", None, "02/07/2025"))
        .unwrap();
    r.close_assembly(first.id, ms[1].id).unwrap();
    let second = r.create_assembly(&assembly_on("01/05/2025")).unwrap();
    let copies = r.carry_over_open_agreements(first.id, second.id).unwrap();
    let carried_copy = copies
        .iter()
        .find(|c| c.carried_from_id == Some(carried.id))
        .unwrap()
        .clone();
    let overdue_copy = copies
        .iter()
        .find(|c| c.carried_from_id == Some(overdue.id))
        .unwrap()
        .clone();
    // Exactly on the horizon (today + 30 days) is in; a day later is out.
    let edge = r
        .add_agreement(second.id, &agreement("Límite", Some(&ms[0]), "01/07/2025"))
        .unwrap();
    let same_day = r
        .add_agreement(second.id, &agreement("Hoy", None, "01/06/2025"))
        .unwrap();
    let d = r.dashboard(2025, today).unwrap();
    let got: Vec<(Uuid, bool)> = d
        .agreements_due
        .iter()
        .map(|a| (a.agreement.id, a.overdue))
        .collect();
    assert_eq!(
        got,
        vec![
            (overdue_copy.id, true),
            (same_day.id, false),
            (carried_copy.id, false),
            (edge.id, false),
        ],
        "carried agreements appear once, as their latest copy; far, dateless and done ones not"
    );
    let first_due = &d.agreements_due[0];
    assert_eq!(first_due.assembly_date, "2025-05-01");
    assert_eq!(
        first_due.responsible_name.as_deref(),
        Some("María Cuaquehua")
    );
    assert_eq!(first_due.agreement.text, "Pintar");
    assert_eq!(d.agreements_due[1].responsible_name, None);
    // At most five.
    for i in 0..4 {
        r.add_agreement(
            second.id,
            &agreement(&format!("Extra {i}"), None, "10/06/2025"),
        )
        .unwrap();
    }
    let d = r.dashboard(2025, today).unwrap();
    assert_eq!(d.agreements_due.len(), 5);
    let dues: Vec<_> = d
        .agreements_due
        .iter()
        .map(|a| a.agreement.due_date.clone().unwrap())
        .collect();
    assert_eq!(
        dues,
        vec![
            "2025-05-20",
            "2025-06-01",
            "2025-06-05",
            "2025-06-10",
            "2025-06-10"
        ]
    );
}

#[test]
fn dashboard_shows_next_assembly_held_count_and_balance() {
    let dir = tempfile::tempdir().unwrap();
    let (mut r, ms) = setup(&dir);
    let today = ymd(2025, 6, 1);
    let d = r.dashboard(2025, today).unwrap();
    assert_eq!(d.next_assembly, None);
    assert_eq!(d.assemblies_held, 0);
    assert!(d.agreements_due.is_empty());
    // Held: closed, in the year. A past draft is neither held nor next.
    for date in ["10/02/2025", "10/04/2025", "10/12/2024"] {
        let a = r.create_assembly(&assembly_on(date)).unwrap();
        r.close_assembly(a.id, ms[1].id).unwrap();
    }
    r.create_assembly(&assembly_on("20/05/2025")).unwrap();
    let later = r.create_assembly(&assembly_on("15/08/2025")).unwrap();
    let sooner = r.create_assembly(&assembly_on("01/06/2025")).unwrap();
    let closed_future = r.create_assembly(&assembly_on("02/06/2025")).unwrap();
    r.close_assembly(closed_future.id, ms[1].id).unwrap();
    r.add_card_movement(&NewCardMovement {
        kind: "deposito".into(),
        amount: "300,000".into(),
        date: "15/03/2025".into(),
        ..Default::default()
    })
    .unwrap();
    r.record_purchase(&purchase_on(ymd(2025, 4, 2), 3, 125_050, "mobiliario"))
        .unwrap();
    let d = r.dashboard(2025, today).unwrap();
    assert_eq!(d.next_assembly.as_ref().map(|a| a.id), Some(sooner.id));
    assert_eq!(d.assemblies_held, 3, "two in the spring, one closed ahead");
    assert_eq!(d.balance, r.balance(2025).unwrap());
    assert_eq!(d.balance.card, Centavos(30_000_000 - 375_150));
    assert_eq!(d.sync, r.sync_summary().unwrap());
    assert_eq!(r.dashboard(2024, today).unwrap().assemblies_held, 1);
    let d = r.dashboard(2025, ymd(2025, 6, 2)).unwrap();
    assert_eq!(d.next_assembly.map(|a| a.id), Some(later.id));
    // The dashboard travels to the UI as JSON.
    let d = r.dashboard(2025, today).unwrap();
    let json = serde_json::to_string(&d).unwrap();
    assert_eq!(
        serde_json::from_str::<cosabi_core::views::Dashboard>(&json).unwrap(),
        d
    );
}

#[test]
fn pending_changes_count_what_the_server_has_not_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let (mut device, _) = setup(&dir);
    let s = device.sync_summary().unwrap();
    assert_eq!(s.last_sync, None);
    assert_eq!(s.pending_changes, device.local_change_count());
    assert_eq!(s.pending_changes, 6 + 3 * 5, "clinic and three members");
    // The replica crate cannot start the sync server (it depends on this crate), so
    // this plays the server with a replica that takes the device's pages, and hands
    // its version vector to the bookkeeping `SyncClient::sync` calls each round.
    let mut server = open(&dir, "server");
    // A server that holds part of our changes (a sync cut short).
    device.record_pushed(10).unwrap();
    assert_eq!(
        device.sync_summary().unwrap().pending_changes,
        device.local_change_count() - 10
    );
    for p in device
        .pages_since(&server.version_vector().unwrap())
        .unwrap()
    {
        server.apply_page(&p).unwrap();
    }
    let at = chrono::DateTime::parse_from_rfc3339("2025-06-01T16:30:00-06:00")
        .unwrap()
        .to_utc();
    device.record_pushed(device.local_change_count()).unwrap();
    device.record_sync_ok(at).unwrap();
    let s = device.sync_summary().unwrap();
    assert_eq!(s.pending_changes, 0);
    assert_eq!(s.last_sync.as_deref(), Some("2025-06-01T22:30:00Z"));
    // A new write is pending until the server confirms it; an old answer changes
    // nothing.
    let stale = device.local_change_count();
    let before = device.local_change_count();
    device
        .record_purchase(&purchase_on(ymd(2025, 4, 2), 1, 500, "mobiliario"))
        .unwrap();
    let written = device.local_change_count() - before;
    assert_eq!(written, 10, "a purchase without RFC or action: ten fields");
    assert_eq!(device.sync_summary().unwrap().pending_changes, written);
    device.record_pushed(0).unwrap();
    device.record_pushed(stale).unwrap();
    assert_eq!(device.sync_summary().unwrap().pending_changes, written);
    // Survives reopening: it is kept in the replica's settings.
    drop(device);
    let device = open(&dir, "device");
    let s = device.sync_summary().unwrap();
    assert_eq!((s.pending_changes, s.last_sync.is_some()), (10, true));
}

/// `a` and `b` (holding the same members) each rename the treasurer, `ms[2]`, and `a`
/// receives `b`'s rename: one conflict on `a`.
fn rename_treasurer_on_both(a: &mut Replica, b: &mut Replica, ms: &[Member]) {
    let edit = |r: &mut Replica, name: &str| {
        r.update_member(
            ms[2].id,
            &NewMember {
                name: name.into(),
                role: "tesorero".into(),
                ..Default::default()
            },
        )
        .unwrap();
    };
    edit(a, "María Cuaquehua Tzitzihua");
    edit(b, "Maria Cuaquehua");
    for p in b.pages_since(&a.version_vector().unwrap()).unwrap() {
        a.apply_page(&p).unwrap();
    }
}

#[test]
fn pending_records_count_records_not_field_changes() {
    let dir = tempfile::tempdir().unwrap();
    let (mut device, ms) = setup(&dir);
    let s = device.sync_summary().unwrap();
    assert_eq!(s.pending_records, 4, "the clinic and three members");
    assert!(!s.enrolled, "no sync token: files only");
    device.record_pushed(device.local_change_count()).unwrap();
    assert_eq!(device.sync_summary().unwrap().pending_records, 0);
    // Two writes to one member are one record to send; a purchase is another.
    for name in ["Juana Xocua Tehuintle", "Juana Xocua Tehuintle Cuaquehua"] {
        device
            .update_member(
                ms[0].id,
                &NewMember {
                    name: name.into(),
                    role: "presidente".into(),
                    ..Default::default()
                },
            )
            .unwrap();
    }
    device
        .record_purchase(&purchase_on(ymd(2025, 4, 2), 1, 500, "mobiliario"))
        .unwrap();
    let s = device.sync_summary().unwrap();
    assert_eq!((s.pending_records, s.pending_changes), (2, 2 + 10));
    device
        .set_setting(cosabi_replica::SETTING_SYNC_TOKEN, "token")
        .unwrap();
    assert!(device.sync_summary().unwrap().enrolled);
}

#[test]
fn conflict_sides_name_their_devices() {
    let dir = tempfile::tempdir().unwrap();
    let (mut a, ms) = setup(&dir);
    let mut b = open(&dir, "other");
    let mut c = open(&dir, "third");
    assert_eq!(a.device_name().unwrap(), None);
    a.set_device_name("  Laptop de la clínica ").unwrap();
    b.set_device_name("Teléfono de Rosa").unwrap();
    assert_eq!(
        b.set_device_name("Teléfono de Rosa").unwrap(),
        0,
        "same name: nothing logged"
    );
    for bad in ["", "   ", &"x".repeat(81), "dos\nlíneas"] {
        assert!(
            matches!(b.set_device_name(bad), Err(Error::Invalid(_))),
            "{bad:?} refused"
        );
    }
    for p in a.pages_since(&b.version_vector().unwrap()).unwrap() {
        b.apply_page(&p).unwrap();
    }
    rename_treasurer_on_both(&mut a, &mut b, &ms);
    let items = a.conflict_items().unwrap();
    assert_eq!(items.len(), 1);
    let item = &items[0];
    assert_eq!(item.record, item.fields[0].current);
    // Each side names its device, and which one is this device.
    let sides = [
        (item.current_device.as_deref(), item.current_here),
        (item.other_device.as_deref(), item.other_here),
    ];
    assert!(
        sides.contains(&(Some("Laptop de la clínica"), true)),
        "{sides:?}"
    );
    assert!(
        sides.contains(&(Some("Teléfono de Rosa"), false)),
        "{sides:?}"
    );
    // A third device that never named itself still sees both names, and neither
    // side as its own.
    for from in [&a, &b] {
        for p in from.pages_since(&c.version_vector().unwrap()).unwrap() {
            c.apply_page(&p).unwrap();
        }
    }
    assert_eq!(c.device_name().unwrap(), None);
    assert_eq!(c.device_names().unwrap().len(), 2);
    let seen = &c.conflict_items().unwrap()[0];
    assert!(!seen.current_here && !seen.other_here);
}

#[test]
fn sync_summary_counts_open_conflicts_and_photos_to_upload() {
    let dir = tempfile::tempdir().unwrap();
    let (mut a, ms) = setup(&dir);
    let mut b = open(&dir, "other");
    for p in a.pages_since(&b.version_vector().unwrap()).unwrap() {
        b.apply_page(&p).unwrap();
    }
    rename_treasurer_on_both(&mut a, &mut b, &ms);
    assert_eq!(a.sync_summary().unwrap().conflicts, 1);
    let key = a.conflicts().unwrap()[0].key.clone();
    a.dismiss_conflict(&key).unwrap();
    assert!(a.conflicts().unwrap()[0].resolved, "still listed, resolved");
    assert_eq!(a.sync_summary().unwrap().conflicts, 0);

    assert_eq!(a.sync_summary().unwrap().photos_pending, 0);
    let p = a
        .record_purchase(&purchase_on(ymd(2025, 4, 2), 1, 500, "mobiliario"))
        .unwrap();
    let bytes = b"not really a jpeg, but bytes all the same".to_vec();
    let sha = a.store_blob(&bytes).unwrap();
    a.add_photo(&NewPhoto {
        owner_table: PURCHASE.id,
        owner_id: p.id,
        kind: "receipt".into(),
        sha256: sha.clone(),
        size_bytes: bytes.len() as i64,
        mime: "image/jpeg".into(),
        taken_at: String::new(),
    })
    .unwrap();
    assert_eq!(a.sync_summary().unwrap().photos_pending, 1);
    a.mark_blob_uploaded(&sha).unwrap();
    assert_eq!(a.sync_summary().unwrap().photos_pending, 0);
    // A replica with no photo directory has none to upload.
    let mem = Replica::open_in_memory().unwrap();
    assert_eq!(mem.sync_summary().unwrap().photos_pending, 0);
}

/// What the test itself remembers of each purchase, to compute the expected page.
struct Expected {
    id: Uuid,
    date: NaiveDate,
    category: &'static str,
    action: Option<Uuid>,
    total: i64,
    deleted: bool,
    receipts: u32,
    photos: u32,
    thumb: Option<String>,
}

const PURCHASES: usize = 5_000;

#[test]
fn purchase_page_over_five_thousand_purchases() {
    let dir = tempfile::tempdir().unwrap();
    let (mut r, _) = setup(&dir);
    let categories = ["infraestructura", "equipamiento", "mobiliario"];
    let actions: Vec<(Uuid, String)> = (0..3)
        .map(|i| {
            let description = format!("Mejora {i}");
            let a = r
                .create_action(&NewAction {
                    category: categories[i].into(),
                    description: description.clone(),
                    estimated_cost: "50,000".into(),
                    agreement_id: None,
                })
                .unwrap();
            (a.id, description)
        })
        .collect();
    let mut rng = SplitMix64::new(2025);
    let mut expected = Vec::with_capacity(PURCHASES);
    for i in 0..PURCHASES {
        let date = ymd(2025, 1, 1) + chrono::Duration::days(rng.range(0, 364));
        let qty = rng.range(1, 12);
        let unit = rng.range(100, 2_500_000);
        let category = *rng.pick(&categories);
        let mut input = purchase_on(date, qty, unit, category);
        let action = rng.chance(30).then(|| rng.pick(&actions).0);
        input.action_id = action;
        let p = r.record_purchase(&input).unwrap();
        assert_eq!(p.total, Centavos(qty * unit));
        let mut e = Expected {
            id: p.id,
            date,
            category,
            action,
            total: qty * unit,
            deleted: false,
            receipts: 0,
            photos: 0,
            thumb: None,
        };
        // Every 50th: a receipt with a photo, and a photo of the purchase itself.
        if i % 50 == 0 {
            let receipt = r
                .add_receipt(
                    p.id,
                    &NewReceipt {
                        kind: "nota".into(),
                        folio_fiscal: String::new(),
                        total: "1".into(),
                        issued_on: "01/01/2025".into(),
                    },
                )
                .unwrap();
            let own = format!("{:064x}", i * 2 + 1);
            let of_receipt = format!("{:064x}", i * 2 + 2);
            for (table, owner, sha) in [
                (PURCHASE.id, p.id, &own),
                (RECEIPT.id, receipt.id, &of_receipt),
            ] {
                r.add_photo(&NewPhoto {
                    owner_table: table,
                    owner_id: owner,
                    kind: "receipt".into(),
                    sha256: sha.clone(),
                    size_bytes: 100_000,
                    mime: "image/jpeg".into(),
                    taken_at: String::new(),
                })
                .unwrap();
            }
            (e.receipts, e.photos, e.thumb) = (1, 2, Some(of_receipt));
        } else if i % 50 == 25 {
            // A photo of the purchase only: it is the thumbnail.
            let own = format!("{:064x}", i * 2 + 1);
            r.add_photo(&NewPhoto {
                owner_table: PURCHASE.id,
                owner_id: p.id,
                kind: "receipt".into(),
                sha256: own.clone(),
                size_bytes: 100_000,
                mime: "image/jpeg".into(),
                taken_at: String::new(),
            })
            .unwrap();
            (e.photos, e.thumb) = (1, Some(own));
        }
        if i % 97 == 0 {
            r.delete_purchase(p.id).unwrap();
            e.deleted = true;
        }
        expected.push(e);
    }
    // Another year's purchases are never listed.
    let mut old = purchase_on(ymd(2024, 12, 30), 1, 100_000, "mobiliario");
    old.fiscal_year = "2024".into();
    r.record_purchase(&old).unwrap();

    let filters = [
        PurchaseFilter::default(),
        PurchaseFilter {
            category: Some("equipamiento".into()),
            ..Default::default()
        },
        PurchaseFilter {
            action_id: Some(actions[1].0),
            ..Default::default()
        },
        PurchaseFilter {
            month: Some(7),
            ..Default::default()
        },
        PurchaseFilter {
            category: Some("mobiliario".into()),
            action_id: Some(actions[2].0),
            month: Some(3),
        },
    ];
    for filter in &filters {
        let mut kept: Vec<&Expected> = expected
            .iter()
            .filter(|e| !e.deleted)
            .filter(|e| filter.category.as_deref().is_none_or(|c| c == e.category))
            .filter(|e| filter.action_id.is_none_or(|a| Some(a) == e.action))
            .filter(|e| {
                filter
                    .month
                    .is_none_or(|m| chrono::Datelike::month(&e.date) == m)
            })
            .collect();
        kept.sort_by(|a, b| b.date.cmp(&a.date).then(b.id.cmp(&a.id)));
        let sum: i64 = kept.iter().map(|e| e.total).sum();
        assert!(!kept.is_empty(), "{filter:?} keeps something");
        // Walk every page; count and sum are the filter's on each.
        let limit = 100;
        let mut seen = Vec::new();
        let mut offset = 0;
        loop {
            let page = r.purchase_page(2025, filter, offset, limit).unwrap();
            assert_eq!(page.total_count, kept.len() as u64, "{filter:?}");
            assert_eq!(page.total_amount, Centavos(sum), "{filter:?}");
            if page.items.is_empty() {
                break;
            }
            assert!(page.items.len() <= limit as usize);
            seen.extend(page.items);
            offset += limit;
        }
        assert_eq!(seen.len(), kept.len());
        for (item, e) in seen.iter().zip(&kept) {
            assert_eq!(item.purchase.id, e.id);
            assert_eq!(item.purchase.total, Centavos(e.total));
            assert_eq!(item.purchase.date, e.date.format("%Y-%m-%d").to_string());
            assert_eq!(item.receipts, e.receipts, "{}", e.id);
            assert_eq!(item.photos, e.photos, "{}", e.id);
            assert_eq!(item.thumb_sha, e.thumb, "{}", e.id);
            let description = e
                .action
                .map(|a| actions.iter().find(|(id, _)| *id == a).unwrap().1.clone());
            assert_eq!(item.action_description, description);
        }
    }
    // The whole year's sum is what the balance says was spent.
    let all = r
        .purchase_page(2025, &PurchaseFilter::default(), 0, 10)
        .unwrap();
    assert_eq!(all.total_amount, r.balance(2025).unwrap().spent_total);
    assert_eq!(all.items.len(), 10);
    // Past the end: the totals, no items.
    let past = r
        .purchase_page(2025, &PurchaseFilter::default(), 100_000, 10)
        .unwrap();
    assert_eq!(past.total_count, all.total_count);
    assert!(past.items.is_empty());
    match r.purchase_page(2025, &PurchaseFilter::default(), 0, 10_000) {
        Err(Error::Invalid(e)) => assert_eq!(e.0[0].code, "too_large"),
        other => panic!("unexpected {other:?}"),
    }
    let json = serde_json::to_string(&all).unwrap();
    assert_eq!(
        serde_json::from_str::<cosabi_core::views::PurchasePage>(&json).unwrap(),
        all
    );
}

#[test]
fn record_history_names_who_changed_what() {
    let dir = tempfile::tempdir().unwrap();
    let (mut r, ms) = setup(&dir);
    let a = r.create_assembly(&assembly_on("10/03/2025")).unwrap();
    r.set_author(Some(ms[1].id));
    let ag = r
        .add_agreement(a.id, &agreement("Pintar", Some(&ms[2]), "30/06/2025"))
        .unwrap();
    r.set_author(Some(ms[0].id));
    r.set_agreement_status(ag.id, "en_proceso").unwrap();
    let h = r.record_history(AGREEMENT.id, ag.id).unwrap();
    assert_eq!(h, r.history(&AGREEMENT, ag.id).unwrap());
    let rows: Vec<(&str, &str, Option<&str>)> = h
        .iter()
        .map(|e| {
            (
                e.column.as_str(),
                e.display.as_str(),
                e.author_name.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            (
                "assembly_id",
                "Asamblea ordinaria del 10/03/2025",
                Some("Rogelio Tepole")
            ),
            ("text", "Pintar", Some("Rogelio Tepole")),
            ("responsible_id", "María Cuaquehua", Some("Rogelio Tepole")),
            ("due_date", "30/06/2025", Some("Rogelio Tepole")),
            ("status", "pendiente", Some("Rogelio Tepole")),
            ("status", "en_proceso", Some("Juana Xocua")),
        ]
    );
    assert_eq!(h[5].author, Some(ms[0].id));
    assert_eq!(h[3].value, Value::Text("2025-06-30".into()));
    let at = chrono::DateTime::parse_from_rfc3339(&h[0].at).unwrap();
    assert!((chrono::Utc::now() - at.to_utc()).num_minutes().abs() < 5);
    // Money reads as money; a change before anyone signed in has no author.
    r.set_author(None);
    let p = r
        .record_purchase(&purchase_on(ymd(2025, 4, 2), 3, 125_050, "mobiliario"))
        .unwrap();
    let h = r.record_history(PURCHASE.id, p.id).unwrap();
    let total = h.iter().find(|e| e.column == "total").unwrap();
    assert_eq!(total.display, "$3,751.50");
    assert_eq!(total.author_name, None);
    // A member who left (a tombstone, as another device's delete would leave) is
    // still named in the history.
    assert_eq!(r.record_history(MEMBER.id, ms[1].id.0).unwrap().len(), 5);
    r.connection()
        .execute(
            "UPDATE member SET deleted = 1 WHERE id = ?1",
            [ms[1].id.0.as_bytes().as_slice()],
        )
        .unwrap();
    assert!(r.members().unwrap().iter().all(|m| m.id != ms[1].id));
    let again = r.record_history(AGREEMENT.id, ag.id).unwrap();
    assert_eq!(again[0].author_name.as_deref(), Some("Rogelio Tepole"));
    // Unknown tables are refused; an unknown row has no history.
    match r.record_history(999, p.id) {
        Err(Error::Invalid(e)) => assert_eq!(e.0[0].code, "invalid"),
        other => panic!("unexpected {other:?}"),
    }
    assert!(r
        .record_history(PURCHASE.id, Uuid::now_v7())
        .unwrap()
        .is_empty());
    let json = serde_json::to_string(&h).unwrap();
    assert_eq!(serde_json::from_str::<Vec<HistoryEntry>>(&json).unwrap(), h);
}

/// A history names the records a field refers to in words — a purchase's action by
/// its description, a receipt's purchase by its concept, an agreement's assembly by
/// kind and date, a photo's receipt by kind and date — and never shows an id, even
/// when the record is not on this device.
#[test]
fn a_history_names_referenced_records_and_never_shows_an_id() {
    let dir = tempfile::tempdir().unwrap();
    let (mut r, _) = setup(&dir);
    let action = r
        .create_action(&NewAction {
            category: "mobiliario".into(),
            description: "Bancas para la sala de espera".into(),
            estimated_cost: "5,000".into(),
            agreement_id: None,
        })
        .unwrap();
    let mut input = purchase_on(ymd(2025, 4, 2), 2, 150_000, "mobiliario");
    input.action_id = Some(action.id);
    let p = r.record_purchase(&input).unwrap();
    let receipt = r
        .add_receipt(
            p.id,
            &NewReceipt {
                kind: "nota".into(),
                folio_fiscal: String::new(),
                total: "3,000".into(),
                issued_on: "02/04/2025".into(),
            },
        )
        .unwrap();
    let field = |h: &[HistoryEntry], column: &str| {
        h.iter()
            .find(|e| e.column == column)
            .map(|e| (e.display.clone(), e.refers_to.clone()))
            .unwrap()
    };
    let h = r.record_history(PURCHASE.id, p.id).unwrap();
    assert_eq!(
        field(&h, "action_id"),
        (
            "Bancas para la sala de espera".to_owned(),
            Some("action".to_owned())
        )
    );
    assert_eq!(field(&h, "concept").1, None);
    let h = r.record_history(RECEIPT.id, receipt.id).unwrap();
    assert_eq!(
        field(&h, "purchase_id"),
        (p.concept.clone(), Some("purchase".to_owned()))
    );
    assert_eq!(
        r.record_name(&RECEIPT, receipt.id).unwrap().as_deref(),
        Some("Nota de venta del 02/04/2025")
    );

    // The action is not on this device (as on a device that has not received it
    // yet): the field reads as nothing, marked as a reference, never as the id.
    r.connection()
        .execute(
            "DELETE FROM action WHERE id = ?1",
            [action.id.as_bytes().as_slice()],
        )
        .unwrap();
    let h = r.record_history(PURCHASE.id, p.id).unwrap();
    assert_eq!(
        field(&h, "action_id"),
        (String::new(), Some("action".to_owned()))
    );
    for e in &h {
        for id in [action.id, p.id] {
            assert!(!e.display.contains(&id.to_string()), "{e:?}");
        }
    }
}

#[test]
fn a_conflict_on_a_reference_names_the_records_never_their_ids() {
    let dir = tempfile::tempdir().unwrap();
    let (mut a, _) = setup(&dir);
    let mut b = open(&dir, "other");
    let action = |r: &mut Replica, what: &str| {
        r.create_action(&NewAction {
            category: "mobiliario".into(),
            description: what.into(),
            estimated_cost: "5,000".into(),
            agreement_id: None,
        })
        .unwrap()
    };
    let benches = action(&mut a, "Bancas para la sala de espera");
    let shelf = action(&mut a, "Anaquel para medicamentos");
    let p = a
        .record_purchase(&purchase_on(ymd(2025, 4, 2), 2, 150_000, "mobiliario"))
        .unwrap();
    for page in a.pages_since(&b.version_vector().unwrap()).unwrap() {
        b.apply_page(&page).unwrap();
    }
    // Each device puts the purchase under another action, offline.
    let put_under = |r: &mut Replica, action: Uuid| {
        let mut input = purchase_on(ymd(2025, 4, 2), 2, 150_000, "mobiliario");
        input.action_id = Some(action);
        r.update_purchase(p.id, &input).unwrap();
    };
    put_under(&mut a, benches.id);
    put_under(&mut b, shelf.id);
    for page in b.pages_since(&a.version_vector().unwrap()).unwrap() {
        a.apply_page(&page).unwrap();
    }
    let items = a.conflict_items().unwrap();
    let field = items
        .iter()
        .flat_map(|i| &i.fields)
        .find(|f| f.column == "action_id")
        .expect("a conflict on the purchase's action");
    let mut sides = [field.current.as_str(), field.other.as_str()];
    sides.sort();
    assert_eq!(
        sides,
        ["Anaquel para medicamentos", "Bancas para la sala de espera"]
    );
    for side in sides {
        assert!(Uuid::parse_str(side).is_err(), "{side}");
    }
}
