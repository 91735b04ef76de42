//! The committee over time: members corrected, terms ended, a person replaced in a
//! seat, each kept in the history. Real SQLite files in temporary directories.

mod support;

use cosabi_core::committee::{Member, NewMember, Standing};
use cosabi_replica::Replica;
use support::{exchange, open, tlaquilpa};

fn day(offset: i64) -> chrono::NaiveDate {
    chrono::Local::now().date_naive() + chrono::Duration::days(offset)
}

fn typed(d: chrono::NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

fn stored(d: chrono::NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn clinic(r: &mut Replica) {
    r.create_clinic(&tlaquilpa()).unwrap();
}

fn presidenta(name: &str, start: chrono::NaiveDate, end: chrono::NaiveDate) -> NewMember {
    NewMember {
        name: name.into(),
        role: "presidente".into(),
        term_start: typed(start),
        term_end: typed(end),
        gender: "f".into(),
    }
}

fn find(r: &Replica, m: &Member) -> Member {
    r.members()
        .unwrap()
        .into_iter()
        .find(|x| x.id == m.id)
        .unwrap()
}

#[test]
fn a_person_replaced_in_a_seat_stays_as_a_former_member_on_every_device() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = open(&dir, "a");
    clinic(&mut a);
    let juana = a
        .add_member(&presidenta("Juana Xocua", day(-700), day(400)))
        .unwrap();
    // The seat is held: a second presidenta is refused, naming Juana.
    let e = a
        .add_member(&presidenta("Rosa Tepole", day(-10), day(700)))
        .unwrap_err();
    assert_eq!(e.code(), "invalid");
    assert!(format!("{e:?}").contains("role_taken"), "{e:?}");

    // Rosa replaces her from today: Juana's term ends yesterday.
    let rosa = a
        .replace_member(
            juana.id,
            &NewMember {
                name: "Rosa Tepole".into(),
                role: "vocal_salud".into(), // ignored: the seat is Juana's
                term_start: typed(day(0)),
                term_end: typed(day(1095)),
                gender: "f".into(),
            },
        )
        .unwrap();
    assert_eq!(rosa.role, "presidente");
    let juana_now = find(&a, &juana);
    assert_eq!(
        juana_now.term_end.as_deref(),
        Some(stored(day(-1)).as_str())
    );
    let committee = a.members().unwrap();
    assert_eq!(juana_now.standing(&committee, day(0)), Standing::Former);
    assert_eq!(
        find(&a, &rosa).standing(&committee, day(0)),
        Standing::InOffice
    );
    assert!(
        a.review_items()
            .unwrap()
            .iter()
            .all(|i| i.code != "seat_held_twice"),
        "a former presidenta does not hold the seat"
    );
    // The end of Juana's term is in her history.
    let history = a
        .record_history(cosabi_core::schema::MEMBER.id, juana.id.0)
        .unwrap();
    assert!(
        history
            .iter()
            .any(|h| h.column == "term_end" && h.display.contains(&typed(day(-1)))),
        "{history:?}"
    );

    // Another device receives the same committee.
    let mut b = open(&dir, "b");
    exchange(&a, &mut b);
    assert_eq!(b.members().unwrap(), a.members().unwrap());
}

#[test]
fn ending_a_term_frees_the_seat_from_the_next_day() {
    let dir = tempfile::tempdir().unwrap();
    let mut r = open(&dir, "r");
    clinic(&mut r);
    let juana = r
        .add_member(&presidenta("Juana Xocua", day(-700), day(400)))
        .unwrap();
    // Not before it started, and a day that exists.
    let e = r.end_term(juana.id, &typed(day(-800))).unwrap_err();
    assert!(format!("{e:?}").contains("term_end_before_start"), "{e:?}");
    let e = r.end_term(juana.id, "31/02/2026").unwrap_err();
    assert!(format!("{e:?}").contains("date_impossible"), "{e:?}");
    // Ending today: she still holds the seat today.
    r.end_term(juana.id, &typed(day(0))).unwrap();
    assert!(r
        .add_member(&presidenta("Rosa Tepole", day(0), day(700)))
        .is_err());
    // Ended yesterday: the seat is free, and her term shows as expired until then.
    let juana = r.end_term(juana.id, &typed(day(-1))).unwrap();
    assert_eq!(
        juana.standing(&r.members().unwrap(), day(0)),
        Standing::Expired
    );
    let rosa = r
        .add_member(&presidenta("Rosa Tepole", day(0), day(700)))
        .unwrap();
    let committee = r.members().unwrap();
    assert_eq!(juana.standing(&committee, day(0)), Standing::Former);
    assert_eq!(rosa.standing(&committee, day(0)), Standing::InOffice);
}

#[test]
fn a_replacement_cannot_start_before_the_person_it_replaces() {
    let dir = tempfile::tempdir().unwrap();
    let mut r = open(&dir, "r");
    clinic(&mut r);
    let juana = r
        .add_member(&presidenta("Juana Xocua", day(-10), day(400)))
        .unwrap();
    let e = r
        .replace_member(juana.id, &presidenta("Rosa Tepole", day(-30), day(700)))
        .unwrap_err();
    assert!(
        format!("{e:?}").contains("replacement_before_start"),
        "{e:?}"
    );
    assert_eq!(r.members().unwrap().len(), 1, "nothing written");
    assert_eq!(find(&r, &juana).term_end, juana.term_end);
}
