//! A replica against copies of itself and changes that break the schema, without a
//! server: pages exchanged directly (as sync files carry them).

use cosabi_core::change::{ChangeGroup, Value};
use cosabi_core::hlc::Hlc;
use cosabi_core::ids::SiteId;
use cosabi_core::schema::{CLINIC, MEMBER, PURCHASE};
use cosabi_core::wire::Page;
use cosabi_replica::{Replica, VersionVector};
use std::collections::BTreeSet;
use uuid::Uuid;

fn demo() -> (tempfile::TempDir, Replica) {
    let dir = tempfile::tempdir().unwrap();
    let mut r = Replica::open(&dir.path().join("a.sqlite3")).unwrap();
    r.load_demo().unwrap();
    (dir, r)
}

/// A copy of the replica's file, as a second laptop would hold.
fn copy(dir: &tempfile::TempDir, r: &Replica, name: &str) -> Replica {
    let path = dir.path().join(format!("{name}.sqlite3"));
    r.connection()
        .execute("VACUUM INTO ?1", [path.to_str().unwrap()])
        .unwrap();
    Replica::open(&path).unwrap()
}

fn add_member(r: &mut Replica, name: &str) {
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
}

fn names(r: &Replica) -> BTreeSet<String> {
    r.members().unwrap().into_iter().map(|m| m.name).collect()
}

/// Everything `from` holds, applied to `to`: what a sync file carries (the app
/// exports a replica's whole history, so the receiver can compare its own).
fn exchange(from: &Replica, to: &mut Replica) {
    for p in from.pages_since(&VersionVector::new()).unwrap() {
        to.apply_page(&p).unwrap();
    }
}

/// Two copies of one folder write offline and exchange pages: the copy that meets
/// a different change at its own (site, seq) moves its writes to a fresh site, and
/// both end with every write and the same state.
#[test]
fn copies_heal_through_pages_and_lose_nothing() {
    let (dir, mut a) = demo();
    let mut b = copy(&dir, &a, "b");
    add_member(&mut a, "Solo en A");
    add_member(&mut b, "Solo en B");
    add_member(&mut b, "Otra en B");
    let site = a.site_id();
    exchange(&a, &mut b);
    assert_ne!(b.site_id(), site, "the copy must move to a fresh site");
    exchange(&b, &mut a);
    exchange(&a, &mut b);
    assert_eq!(a.site_id(), site);
    for r in [&a, &b] {
        let n = names(r);
        for want in ["Solo en A", "Solo en B", "Otra en B"] {
            assert!(n.contains(want), "{want} lost: {n:?}");
        }
    }
    assert_eq!(a.domain_rows().unwrap(), b.domain_rows().unwrap());
    assert_eq!(a.conflict_heads().unwrap(), b.conflict_heads().unwrap());
}

/// A restored older copy meets a peer holding more of its own site: the newer
/// changes come back, and its own writes since move to a fresh site.
#[test]
fn an_older_copy_takes_back_its_newer_changes() {
    let (dir, mut a) = demo();
    let mut peer = copy(&dir, &a, "peer");
    let mut old = copy(&dir, &a, "old");
    add_member(&mut a, "Escrito antes de perderse");
    exchange(&a, &mut peer);
    drop(a);
    add_member(&mut old, "Escrito después de restaurar");
    exchange(&peer, &mut old);
    exchange(&old, &mut peer);
    for r in [&old, &peer] {
        let n = names(r);
        assert!(n.contains("Escrito antes de perderse"), "{n:?}");
        assert!(n.contains("Escrito después de restaurar"), "{n:?}");
    }
    assert_eq!(old.domain_rows().unwrap(), peer.domain_rows().unwrap());
}

/// Moving to a fresh site changes no value, no conflict and no number of changes:
/// the rows are a function of the change set.
#[test]
fn moving_to_a_fresh_site_keeps_the_state() {
    let (dir, mut a) = demo();
    let mut b = copy(&dir, &a, "b");
    // b writes under a site of its own, so the edit below is concurrent with a's.
    b.move_to_fresh_site(b.local_change_count() + 1).unwrap();
    // b's clock is a minute ahead, so its edit wins whatever the sites' order.
    b.set_clock_offset_ms(60_000).unwrap();
    let member = a.members().unwrap()[1].id;
    let history_before = a.local_change_count();
    a.set_fields(&MEMBER, member.0, &[(2, Value::Text("Nombre A".into()))])
        .unwrap();
    b.set_fields(&MEMBER, member.0, &[(2, Value::Text("Nombre B".into()))])
        .unwrap();
    exchange(&b, &mut a);
    let conflicted = |r: &Replica| {
        r.conflict_heads()
            .unwrap()
            .into_iter()
            .map(|h| (h.table, h.row, h.column, h.value))
            .collect::<Vec<_>>()
    };
    let before = (a.domain_rows().unwrap(), conflicted(&a));
    assert_eq!(before.1.len(), 1, "the concurrent edit leaves a conflict");
    let count = |r: &Replica| {
        r.all_changes()
            .unwrap()
            .iter()
            .map(|g| g.fields.len())
            .sum::<usize>()
    };
    let changes = count(&a);
    let own = a.local_change_count();
    let old_site = a.site_id();
    // What a copy would make a replica move: its writes after the copy was taken
    // (moving changes others built on leaves theirs waiting for the old versions,
    // which the peer that made the replica move holds).
    a.move_to_fresh_site(history_before + 1).unwrap();
    assert_ne!(a.site_id(), old_site);
    assert_eq!(
        a.local_change_count(),
        own - history_before,
        "the writes moved"
    );
    assert_eq!((a.domain_rows().unwrap(), conflicted(&a)), before);
    assert_eq!(count(&a), changes);
    // And it writes on under the new site.
    add_member(&mut a, "Después de mudarse");
    assert_eq!(a.local_change_count(), own - history_before + 3);
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
        Hlc::new(1_780_000_000_000 + seq_first, 0),
        table,
        row,
        fields,
    )
}

/// Groups that break the schema, between good ones of the same site: the good ones
/// apply, the bad ones are set aside and listed, and every replica that gets them
/// (directly or relayed) does the same.
#[test]
fn invalid_groups_are_set_aside_the_same_way_everywhere() {
    let (_dir, mut a) = demo();
    let clinic = a.clinic().unwrap().unwrap().id;
    let other = SiteId(Uuid::now_v7());
    let purchase = Uuid::now_v7();
    let page = Page {
        schema_version: 6,
        tags: Vec::new(),
        groups: vec![
            group(other, 1, PURCHASE.id, purchase, vec![(0, Value::Null)]),
            group(
                other,
                2,
                MEMBER.id,
                Uuid::now_v7(),
                vec![(1, Value::uuid(clinic.0)), (2, Value::Text("Buena".into()))],
            ),
            group(
                other,
                4,
                PURCHASE.id,
                purchase,
                vec![(5, Value::Text("dos".into()))],
            ),
            group(
                other,
                5,
                CLINIC.id,
                Uuid::now_v7(),
                vec![(2, Value::Text("Otra".into()))],
            ),
            group(
                other,
                6,
                MEMBER.id,
                Uuid::now_v7(),
                vec![
                    (1, Value::uuid(clinic.0)),
                    (2, Value::Text("Después".into())),
                ],
            ),
        ],
    };
    let report = a.apply_page(&page).unwrap();
    assert_eq!(
        (report.applied, report.set_aside, report.deferred),
        (4, 3, 0)
    );
    assert!(names(&a).contains("Buena") && names(&a).contains("Después"));
    let set_aside = |r: &Replica| {
        r.review_items()
            .unwrap()
            .into_iter()
            .filter(|i| i.code == "change_set_aside")
            .map(|i| i.detail)
            .collect::<Vec<_>>()
    };
    assert_eq!(set_aside(&a).len(), 3);
    // Idempotent.
    let again = a.apply_page(&page).unwrap();
    assert_eq!(
        (again.applied, again.set_aside, again.duplicates),
        (0, 0, 7)
    );
    // Relayed: a replica that gets them from `a` sets aside the same ones.
    let mut b = Replica::open_in_memory().unwrap();
    exchange(&a, &mut b);
    assert_eq!(set_aside(&b), set_aside(&a));
    assert_eq!(b.domain_rows().unwrap(), a.domain_rows().unwrap());
    assert_eq!(b.clinic().unwrap().unwrap().id, clinic);
}
