//! The merge across replicas: concurrent and sequential edits, conflicts and their
//! restoration, unknown schema, wrong clocks. Replicas are real SQLite files.

mod support;

use cosabi_core::change::Value;
use cosabi_core::schema::MEMBER;
use support::*;
use uuid::Uuid;

fn text(s: &str) -> Value {
    Value::Text(s.into())
}

#[test]
fn concurrent_edits_conflict_on_every_replica_and_restore_wins_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = open(&dir, "a");
    let mut b = open(&dir, "b");
    let row = Uuid::now_v7();
    a.set_fields(&MEMBER, row, &[(2, text("Rosa")), (3, text("tesorero"))])
        .unwrap();
    sync_all(&mut [&mut a, &mut b]);

    // Both edit the name offline.
    a.set_fields(&MEMBER, row, &[(2, text("Rosa Tepole"))])
        .unwrap();
    b.set_fields(&MEMBER, row, &[(2, text("Rosa Xolo"))])
        .unwrap();
    sync_all(&mut [&mut a, &mut b]);
    assert_same(&a, &b);

    let ca = a.conflicts().unwrap();
    let cb = b.conflicts().unwrap();
    assert_eq!(ca.len(), 1, "{ca:?}");
    assert_eq!(ca, cb);
    let c = &ca[0];
    assert!(!c.resolved);
    assert_ne!(c.winner_value, c.loser_value);
    let loser = c.loser_value.clone();

    // Restore the losing value on b; after sync both show it, conflict resolved.
    b.restore_conflict(&c.key).unwrap();
    sync_all(&mut [&mut a, &mut b]);
    assert_same(&a, &b);
    assert_eq!(name_of(&a, row), loser);
    assert!(a.conflicts().unwrap().iter().all(|c| c.resolved));
}

#[test]
fn sequential_edits_never_conflict_whatever_the_delivery_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = open(&dir, "a");
    let mut b = open(&dir, "b");
    let mut c = open(&dir, "c");
    let row = Uuid::now_v7();
    a.set_fields(&MEMBER, row, &[(2, text("uno"))]).unwrap();
    exchange(&a, &mut b);
    b.set_fields(&MEMBER, row, &[(2, text("dos"))]).unwrap();
    exchange(&b, &mut a);
    a.set_fields(&MEMBER, row, &[(2, text("tres"))]).unwrap();

    // c hears from a's last edit first: it names b's change, which c lacks, so it
    // waits; nothing is applied out of order and no conflict appears.
    let from_a_only = a
        .pages_since(&Default::default())
        .unwrap()
        .into_iter()
        .flat_map(|p| p.groups)
        .filter(|g| g.site == a.site_id() && g.seq_first > 1)
        .collect::<Vec<_>>();
    let report = c
        .apply_page(&cosabi_core::wire::Page {
            schema_version: 3,
            tags: Vec::new(),
            groups: from_a_only,
        })
        .unwrap();
    assert_eq!(report.applied, 0);
    sync_all(&mut [&mut a, &mut b, &mut c]);
    assert_same(&a, &c);
    assert_same(&b, &c);
    assert_eq!(name_of(&c, row), text("tres"));
    assert!(c.conflict_heads().unwrap().is_empty());
}

#[test]
fn applying_a_page_twice_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = open(&dir, "a");
    let mut b = open(&dir, "b");
    a.load_demo().unwrap();
    let pages = a.pages_since(&b.version_vector().unwrap()).unwrap();
    for p in &pages {
        b.apply_page(p).unwrap();
    }
    let before = b.domain_rows().unwrap();
    let log_before = b.all_changes().unwrap().len();
    for p in &pages {
        let r = b.apply_page(p).unwrap();
        assert_eq!(r.applied, 0);
        assert_eq!(r.duplicates as usize, p.field_change_count());
    }
    assert_eq!(b.domain_rows().unwrap(), before);
    assert_eq!(b.all_changes().unwrap().len(), log_before);
    assert_eq!(b.members().unwrap().len(), 9);
}

#[test]
fn unknown_tables_and_columns_are_kept_and_served_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = open(&dir, "a");
    let mut c = open(&dir, "c");
    let row = Uuid::now_v7();
    a.set_fields(&MEMBER, row, &[(2, text("Ana"))]).unwrap();
    exchange(&a, &mut c);
    // A newer app (site n) writes a column and a table this version does not know.
    let newer = cosabi_core::ids::SiteId(Uuid::now_v7());
    let page = cosabi_core::wire::Page {
        schema_version: 99,
        tags: Vec::new(),
        groups: vec![
            group(
                newer,
                1,
                MEMBER.id,
                row,
                vec![(2, text("Ana María")), (40, text("nahuatl"))],
            ),
            group(newer, 3, 77, Uuid::now_v7(), vec![(1, Value::Int(5))]),
        ],
    };
    let report = a.apply_page(&page).unwrap();
    assert_eq!(report.applied, 1);
    assert_eq!(report.kept_unknown, 2);
    assert_eq!(name_of(&a, row), text("Ana María"));
    // Served on to a third replica exactly as received.
    exchange(&a, &mut c);
    let served: Vec<_> = c
        .all_changes()
        .unwrap()
        .into_iter()
        .filter(|g| g.site == newer)
        .collect();
    assert_eq!(served, page.groups);
    // And kept across a restart (refold finds nothing new to fold in this version).
    drop(c);
    let c = open(&dir, "c");
    assert_eq!(c.version_vector().unwrap().get(&newer), Some(&3));
}

#[test]
fn a_clock_years_ahead_stops_winning_once_it_syncs() {
    let dir = tempfile::tempdir().unwrap();
    let mut fast = open(&dir, "fast");
    let mut good = open(&dir, "good");
    let row = Uuid::now_v7();
    fast.set_fields(&MEMBER, row, &[(2, text("inicial"))])
        .unwrap();
    sync_all(&mut [&mut fast, &mut good]);

    fast.set_clock_offset_ms(TEN_YEARS_MS).unwrap();
    // Concurrent edits: the fast device's first, the good device's a moment later.
    fast.set_fields(&MEMBER, row, &[(2, text("del adelantado"))])
        .unwrap();
    good.set_fields(&MEMBER, row, &[(2, text("del correcto"))])
        .unwrap();
    sync_all(&mut [&mut fast, &mut good]);
    // Before any reference clock, the future timestamp wins.
    assert_eq!(name_of(&good, row), text("del adelantado"));

    // The fast device syncs with a server: its past changes are corrected.
    let corrected = fast.adopt_reference_time(now_ms()).unwrap();
    assert!(corrected.unwrap() < -TEN_YEARS_MS + 60_000);
    sync_all(&mut [&mut fast, &mut good]);
    assert_same(&fast, &good);
    assert_eq!(name_of(&good, row), text("del correcto"));
    assert_eq!(name_of(&fast, row), text("del correcto"));
    // Nothing lost: the other value is in the inbox on both.
    assert_eq!(fast.conflicts().unwrap().len(), 1);
    // And its later writes carry the right time.
    fast.set_fields(&MEMBER, row, &[(2, text("después"))])
        .unwrap();
    let last = fast.all_changes().unwrap().last().unwrap().hlc;
    assert!((last.ms() as i64 - now_ms() as i64).abs() < 60_000);
}

#[test]
fn a_clock_years_behind_is_not_lost_forever() {
    let dir = tempfile::tempdir().unwrap();
    let mut slow = open(&dir, "slow");
    let mut good = open(&dir, "good");
    let row = Uuid::now_v7();
    good.set_fields(&MEMBER, row, &[(2, text("inicial"))])
        .unwrap();
    sync_all(&mut [&mut slow, &mut good]);

    // A phone whose battery died boots in the past and edits offline, after the
    // good device's concurrent edit.
    slow.set_clock_offset_ms(-TWENTY_SIX_YEARS_MS).unwrap();
    good.set_fields(&MEMBER, row, &[(2, text("del correcto"))])
        .unwrap();
    slow.set_fields(&MEMBER, row, &[(2, text("del atrasado"))])
        .unwrap();
    sync_all(&mut [&mut slow, &mut good]);
    assert_eq!(name_of(&good, row), text("del correcto"));
    // Not dropped: the value is kept as a conflict.
    assert!(good
        .conflicts()
        .unwrap()
        .iter()
        .any(|c| c.loser_value == text("del atrasado")));

    slow.adopt_reference_time(now_ms()).unwrap();
    sync_all(&mut [&mut slow, &mut good]);
    assert_same(&slow, &good);
    // Corrected to when it was really made (after the good edit), it wins.
    assert_eq!(name_of(&good, row), text("del atrasado"));
}

/// Changes kept for a column this version did not know take effect once it does:
/// played here by rewriting the kept change to a column this version knows, as a
/// migration adding the column would make it known, then reopening.
#[test]
fn kept_unknown_changes_take_effect_when_their_column_becomes_known() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = open(&dir, "a");
    let row = Uuid::now_v7();
    a.set_fields(&MEMBER, row, &[(2, text("Ana"))]).unwrap();
    let newer = cosabi_core::ids::SiteId(Uuid::now_v7());
    let mut g = group(newer, 1, MEMBER.id, row, vec![(40, text("2027-01-31"))]);
    g.fields[0].prev = None;
    let report = a
        .apply_page(&cosabi_core::wire::Page {
            schema_version: 99,
            tags: Vec::new(),
            groups: vec![g],
        })
        .unwrap();
    assert_eq!(report.kept_unknown, 1);
    drop(a);
    // "Migration": column 40 becomes term_end (column 5) in this build's catalog.
    let conn = rusqlite::Connection::open(dir.path().join("a.sqlite3")).unwrap();
    let (id, body): (i64, Vec<u8>) = conn
        .query_row(
            "SELECT l.id, l.body FROM change_log l JOIN pending_unknown p ON p.log_id = l.id",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    // The body is postcard: [len=1][column varint 40 = 0x28]...; column 5 = 0x05.
    assert_eq!(body[1], 40);
    let mut body = body;
    body[1] = 5;
    conn.execute(
        "UPDATE change_log SET body = ?2 WHERE id = ?1",
        rusqlite::params![id, body],
    )
    .unwrap();
    conn.execute("UPDATE pending_unknown SET col = 5", [])
        .unwrap();
    drop(conn);
    let a = open(&dir, "a");
    let term_end = a
        .domain_rows()
        .unwrap()
        .into_iter()
        .find(|(t, id, _)| t == MEMBER.name && *id == row)
        .map(|(_, _, v)| v[5].clone())
        .unwrap();
    assert_eq!(term_end, text("2027-01-31"));
    let pending: i64 = a
        .connection()
        .query_row("SELECT count(*) FROM pending_unknown", [], |r| r.get(0))
        .unwrap();
    assert_eq!(pending, 0);
}
