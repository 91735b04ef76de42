//! Sessions: device-local PINs, the lockout, authorship of changes, permissions.
//! Every test uses a real SQLite file in a temporary directory.

use cosabi_core::access::Write;
use cosabi_core::clinic::NewClinic;
use cosabi_core::committee::{Member, NewMember, Permission};
use cosabi_core::ids::MemberId;
use cosabi_core::ledger::NewPurchase;
use cosabi_core::schema::{MEMBER, PURCHASE};
use cosabi_replica::{Error, PinApproval, Replica, LOCKOUT_STEPS_MS, PIN_TRIES_MAX};
use std::path::PathBuf;
use std::time::{Duration, Instant};

const COMMITTEE: [(&str, &str); 5] = [
    ("Juana Xocua", "presidente"),
    ("Rogelio Tepole", "secretario"),
    ("María Cuaquehua", "tesorero"),
    ("Ana Xalamihua", "vocal_salud"),
    ("Elena Tzompa", "contraloria_social"),
];

struct Fixture {
    _dir: tempfile::TempDir,
    path: PathBuf,
    r: Replica,
    presidente: Member,
    secretario: Member,
    tesorero: Member,
    vocal: Member,
    contraloria: Member,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cosabi.sqlite3");
    let mut r = Replica::open(&path).unwrap();
    r.create_clinic(&NewClinic {
        clues: "VZIMB001234".into(),
        name: "Centro de Salud Tlaquilpa".into(),
        state: "VZ".into(),
        municipality: "Tlaquilpa".into(),
        locality: "Tlaquilpa".into(),
        consultorios: 2,
    })
    .unwrap();
    let mut ms: Vec<Member> = COMMITTEE
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
    let contraloria = ms.pop().unwrap();
    let vocal = ms.pop().unwrap();
    let tesorero = ms.pop().unwrap();
    let secretario = ms.pop().unwrap();
    let presidente = ms.pop().unwrap();
    Fixture {
        _dir: dir,
        path,
        r,
        presidente,
        secretario,
        tesorero,
        vocal,
        contraloria,
    }
}

/// The (field, code) of an invalid-input error; panics on anything else.
fn invalid(e: Error) -> (String, String) {
    match e {
        Error::Invalid(v) => (v.0[0].field.clone(), v.0[0].code.clone()),
        other => panic!("expected invalid input, got {other:?}"),
    }
}

fn detail(e: &Error, key: &str) -> String {
    match e {
        Error::Invalid(v) => v.0[0]
            .detail
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no {key} in {v:?}")),
        other => panic!("expected invalid input, got {other:?}"),
    }
}

fn purchase() -> NewPurchase {
    NewPurchase {
        date: "02/05/2025".into(),
        concept: "Pintura vinílica 19 L".into(),
        quantity: "2".into(),
        unit_cost: "1,250.50".into(),
        supplier: "Tlapalería La Esperanza".into(),
        rfc: String::new(),
        category: "infraestructura".into(),
        action_id: None,
        paid_from: "tarjeta".into(),
        fiscal_year: String::new(),
    }
}

const NONE: PinApproval = PinApproval::None;

/// (member, kind, approval, approved by) of a `pin_event` row.
type PinEventRow = (Vec<u8>, String, String, Option<Vec<u8>>);

fn by(m: &Member, pin: &str) -> PinApproval {
    PinApproval::Member {
        member: m.id,
        pin: pin.into(),
    }
}

#[test]
fn pin_must_be_four_to_six_digits_of_a_known_member() {
    let mut f = fixture();
    let id = f.tesorero.id;
    for bad in ["", "123", "1234567", "12 34", "abcd", "١٢٣٤"] {
        assert_eq!(
            invalid(f.r.set_pin(id, bad, &NONE).unwrap_err()),
            ("pin".into(), "pin_format".into()),
            "{bad:?}"
        );
    }
    assert!(!f.r.has_pin(id).unwrap());
    let stranger = MemberId(uuid::Uuid::now_v7());
    assert_eq!(
        invalid(f.r.set_pin(stranger, "1234", &NONE).unwrap_err()),
        ("member".into(), "member_unknown".into())
    );
    assert_eq!(
        invalid(f.r.sign_in(stranger, "1234").unwrap_err()),
        ("member".into(), "member_unknown".into())
    );
    // The first PIN on the device is free, and it gives the recovery code.
    let code = f.r.set_pin(f.presidente.id, "1234", &NONE).unwrap();
    assert!(code.is_some_and(|c| c.len() == 39));
    assert!(f.r.has_pin(f.presidente.id).unwrap());
    // A member without a PIN here cannot sign in.
    assert_eq!(
        invalid(f.r.sign_in(id, "1234").unwrap_err()),
        ("pin".into(), "pin_not_set".into())
    );
}

#[test]
fn nobody_sets_another_members_pin_without_the_presidencia_or_contraloria() {
    let mut f = fixture();
    f.r.set_pin(f.vocal.id, "1111", &NONE).unwrap();
    // The vocal, signed in, cannot give the tesorero a PIN and then become them.
    f.r.sign_in(f.vocal.id, "1111").unwrap();
    assert_eq!(
        invalid(f.r.set_pin(f.tesorero.id, "2222", &NONE).unwrap_err()),
        ("pin".into(), "pin_needs_approval".into())
    );
    // Nor approve it themselves: a vocal does not approve PINs.
    assert_eq!(
        invalid(
            f.r.set_pin(f.tesorero.id, "2222", &by(&f.vocal, "1111"))
                .unwrap_err()
        )
        .0,
        "approver"
    );
    assert!(!f.r.has_pin(f.tesorero.id).unwrap());
    f.r.sign_out();
    // The presidenta has no PIN here yet: she needs the recovery code's approval...
    assert_eq!(
        invalid(
            f.r.set_pin(f.presidente.id, "3333", &by(&f.presidente, "3333"))
                .unwrap_err()
        )
        .0,
        "approver"
    );
    // ...and with a wrong code nothing happens.
    let wrong = PinApproval::Recovery {
        code: "0000-0000-0000-0000-0000-0000-0000-0000".into(),
    };
    assert!(f.r.set_pin(f.presidente.id, "3333", &wrong).is_err());
    assert!(!f.r.has_pin(f.presidente.id).unwrap());
}

#[test]
fn the_presidencia_approves_a_new_pin_and_a_reset_and_both_are_in_the_history() {
    let mut f = fixture();
    let recovery =
        f.r.set_pin(f.presidente.id, "1357", &NONE)
            .unwrap()
            .expect("the first PIN gives the recovery code");
    // The presidenta approves the tesorera's first PIN with her own PIN.
    f.r.set_pin(f.tesorero.id, "2468", &by(&f.presidente, "1357"))
        .unwrap();
    assert_eq!(
        f.r.sign_in(f.tesorero.id, "2468").unwrap().id,
        f.tesorero.id
    );
    f.r.sign_out();
    // A wrong approver PIN counts against the approver, and sets nothing.
    let e =
        f.r.set_pin(f.secretario.id, "9999", &by(&f.presidente, "0000"))
            .unwrap_err();
    assert_eq!(invalid(e), ("approver".into(), "pin_wrong".into()));
    assert!(!f.r.has_pin(f.secretario.id).unwrap());
    // The tesorera forgot her PIN: the recovery code resets it.
    f.r.set_pin(
        f.tesorero.id,
        "8642",
        &PinApproval::Recovery {
            code: recovery.to_lowercase(),
        },
    )
    .unwrap();
    assert!(f.r.sign_in(f.tesorero.id, "2468").is_err());
    f.r.sign_in(f.tesorero.id, "8642").unwrap();
    // She changes her own PIN while signed in: no approval needed.
    f.r.set_pin(f.tesorero.id, "1122", &NONE).unwrap();
    f.r.sign_out();
    // Every PIN event is a synced row: kind, approval, approver.
    let mut stmt =
        f.r.connection()
            .prepare("SELECT member_id, kind, approval, approved_by FROM pin_event ORDER BY rowid")
            .unwrap();
    let events: Vec<PinEventRow> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    let p = f.presidente.id.0.as_bytes().to_vec();
    let t = f.tesorero.id.0.as_bytes().to_vec();
    assert_eq!(
        events,
        vec![
            (p.clone(), "first".into(), "first".into(), None),
            (t.clone(), "set".into(), "member".into(), Some(p.clone())),
            (t.clone(), "reset".into(), "recovery".into(), None),
            (t.clone(), "changed".into(), "self".into(), None),
        ]
    );
    drop(stmt);
    // The tesorera's history shows them, with who approved by name.
    let h = f.r.record_history(MEMBER.id, f.tesorero.id.0).unwrap();
    let pin: Vec<(String, String)> = h
        .iter()
        .filter(|e| e.column.starts_with("pin"))
        .map(|e| (e.column.clone(), e.display.clone()))
        .collect();
    assert_eq!(
        pin,
        vec![
            ("pin".into(), "set".into()),
            ("pin_approved_by".into(), "Juana Xocua".into()),
            ("pin".into(), "reset".into()),
            ("pin_approval".into(), "recovery".into()),
            ("pin".into(), "changed".into()),
        ]
    );
    // They travel like any record: another replica receives them.
    let mut other = Replica::open_in_memory().unwrap();
    for page in f.r.pages_since(&other.version_vector().unwrap()).unwrap() {
        other.apply_page(&page).unwrap();
    }
    let n: i64 = other
        .connection()
        .query_row("SELECT count(*) FROM pin_event", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 4);
}

#[test]
fn only_the_member_signed_in_changes_their_pin() {
    let mut f = fixture();
    let t = f.tesorero.id;
    f.r.set_pin(t, "1234", &NONE).unwrap();
    // Nobody signed in: refused, and the old PIN still works.
    assert_eq!(
        invalid(f.r.set_pin(t, "9999", &NONE).unwrap_err()),
        ("pin".into(), "pin_exists".into())
    );
    f.r.sign_in(t, "1234").unwrap();
    f.r.set_pin(t, "9999", &NONE).unwrap();
    f.r.sign_out();
    assert_eq!(
        invalid(f.r.sign_in(t, "1234").unwrap_err()).1,
        "pin_wrong",
        "the old PIN no longer works"
    );
    assert_eq!(f.r.sign_in(t, "9999").unwrap().id, t);
}

#[test]
fn pins_stay_on_the_device_outside_the_database_and_survive_reopening() {
    let mut f = fixture();
    f.r.set_pin(f.tesorero.id, "2580", &NONE).unwrap();
    let Fixture {
        _dir,
        path,
        r,
        tesorero,
        ..
    } = f;
    // Nothing about the PIN is in the database (what syncs and what backups copy).
    let n: i64 = r
        .connection()
        .query_row(
            "SELECT count(*) FROM meta WHERE key LIKE '%pin%'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(n, 0);
    // Another device that receives every change of this one has no PIN.
    let mut other = Replica::open(&_dir.path().join("other.sqlite3")).unwrap();
    for page in r.pages_since(&other.version_vector().unwrap()).unwrap() {
        other.apply_page(&page).unwrap();
    }
    assert_eq!(other.members().unwrap().len(), COMMITTEE.len());
    assert!(!other.has_pin(tesorero.id).unwrap());
    drop(r);
    let mut r = Replica::open(&path).unwrap();
    assert!(r.has_pin(tesorero.id).unwrap());
    assert_eq!(r.signed_in().unwrap(), None, "a session ends with the app");
    assert_eq!(r.sign_in(tesorero.id, "2580").unwrap(), tesorero);
}

#[test]
fn wrong_pins_lock_longer_each_time_on_the_monotonic_clock_across_a_reopen() {
    let mut f = fixture();
    let t = f.tesorero.id;
    f.r.set_pin(f.presidente.id, "1357", &NONE).unwrap();
    f.r.set_pin(t, "1234", &by(&f.presidente, "1357")).unwrap();
    let now = Instant::now();
    for i in 1..PIN_TRIES_MAX {
        let e = f.r.sign_in_at(t, "0000", now).unwrap_err();
        assert_eq!(detail(&e, "tries_left"), (PIN_TRIES_MAX - i).to_string());
        assert_eq!(invalid(e), ("pin".into(), "pin_wrong".into()));
    }
    // The fifth wrong try locks for a minute.
    let e = f.r.sign_in_at(t, "0000", now).unwrap_err();
    assert_eq!(detail(&e, "seconds"), "60");
    assert_eq!(invalid(e).1, "pin_locked");
    // Even the right PIN waits, across a reopen; the wall clock plays no part.
    let e =
        f.r.sign_in_at(t, "1234", now + Duration::from_secs(30))
            .unwrap_err();
    assert_eq!(detail(&e, "seconds"), "30");
    drop(f.r);
    f.r = Replica::open(&f.path).unwrap();
    let reopened = Instant::now();
    let e = f.r.sign_in_at(t, "1234", reopened).unwrap_err();
    assert_eq!(invalid(e).1, "pin_locked");
    assert_eq!(f.r.signed_in().unwrap(), None);
    // Another member is not locked out by it.
    f.r.sign_in_at(f.presidente.id, "1357", reopened).unwrap();
    f.r.sign_out();
    // Once it has passed, five more wrong tries lock for five minutes.
    let later = reopened + Duration::from_millis(LOCKOUT_STEPS_MS[0]);
    for _ in 0..PIN_TRIES_MAX {
        f.r.sign_in_at(t, "0000", later).unwrap_err();
    }
    let e = f.r.sign_in_at(t, "1234", later).unwrap_err();
    assert_eq!(detail(&e, "seconds"), "300");
    let m =
        f.r.sign_in_at(
            t,
            "1234",
            later + Duration::from_millis(LOCKOUT_STEPS_MS[1]),
        )
        .unwrap();
    assert_eq!(m.id, t);
}

#[test]
fn a_right_pin_resets_the_count_of_wrong_tries() {
    let mut f = fixture();
    let t = f.tesorero.id;
    f.r.set_pin(t, "1234", &NONE).unwrap();
    let now = Instant::now();
    for _ in 1..PIN_TRIES_MAX {
        f.r.sign_in_at(t, "1111", now).unwrap_err();
    }
    f.r.sign_in_at(t, "1234", now).unwrap();
    f.r.sign_out();
    for i in 1..PIN_TRIES_MAX {
        let e = f.r.sign_in_at(t, "1111", now).unwrap_err();
        assert_eq!(detail(&e, "tries_left"), (PIN_TRIES_MAX - i).to_string());
    }
}

#[test]
fn changes_written_after_sign_in_carry_the_member_as_author() {
    let mut f = fixture();
    let t = f.tesorero.clone();
    f.r.set_pin(t.id, "1234", &NONE).unwrap();
    assert_eq!(f.r.sign_in(t.id, "1234").unwrap(), t);
    assert_eq!(f.r.signed_in().unwrap(), Some(t.clone()));
    let p = f.r.record_purchase(&purchase()).unwrap();
    let h = f.r.history(&PURCHASE, p.id).unwrap();
    assert!(!h.is_empty());
    assert!(h.iter().all(|e| e.author == Some(t.id)), "{h:?}");
    // The change log itself (what syncs) records the author.
    let logged: Vec<u8> =
        f.r.connection()
            .query_row(
                "SELECT author FROM change_log WHERE row_id = ?1",
                [p.id.as_bytes().as_slice()],
                |r| r.get(0),
            )
            .unwrap();
    assert_eq!(logged, t.id.0.as_bytes().to_vec());
    f.r.sign_out();
    assert_eq!(f.r.signed_in().unwrap(), None);
    let q = f.r.record_purchase(&purchase()).unwrap();
    let h = f.r.history(&PURCHASE, q.id).unwrap();
    assert!(h.iter().all(|e| e.author.is_none()));
    // Before signing in, the members themselves were written with no author.
    let h = f.r.history(&MEMBER, t.id.0).unwrap();
    assert!(h.iter().all(|e| e.author.is_none()));
}

#[test]
fn committee_setup_is_open_until_someone_has_a_pin() {
    let mut f = fixture();
    assert!(f.r.signed_in().unwrap().is_none());
    f.r.require(Permission::Committee).unwrap();
    for p in [
        Permission::Assembly,
        Permission::CloseActa,
        Permission::Action,
        Permission::VerifyAction,
        Permission::Money,
    ] {
        let e = f.r.require(p).unwrap_err();
        assert!(matches!(e, Error::SignInRequired), "{p:?}: {e:?}");
        assert_eq!(e.code(), "sign_in_required");
    }
    f.r.set_pin(f.presidente.id, "1357", &NONE).unwrap();
    assert_eq!(
        f.r.require(Permission::Committee).unwrap_err().code(),
        "sign_in_required"
    );
}

/// A device that joined a clinic whose committee exists (it holds another device's
/// changes, or it is enrolled) is not being set up: with nobody signed in it refuses
/// to add a member, as it refuses money, assemblies and actions.
#[test]
fn a_device_that_joined_a_clinic_asks_who_is_using_it_before_adding_members() {
    let f = fixture();
    let new_member = || NewMember {
        name: "Pedro Colohua".into(),
        role: "vocal_nutricion".into(),
        ..Default::default()
    };
    // A second device that received the committee from the first.
    let dir = tempfile::tempdir().unwrap();
    let mut joined = Replica::open(&dir.path().join("cosabi.sqlite3")).unwrap();
    for page in f.r.pages_since(&joined.version_vector().unwrap()).unwrap() {
        joined.apply_page(&page).unwrap();
    }
    assert_eq!(joined.members().unwrap().len(), COMMITTEE.len());
    assert!(!joined.setting_up().unwrap());
    let e = joined.gate(Write::AddMember).unwrap_err();
    assert_eq!(e.code(), "sign_in_required");
    // Once someone signs in there (their first PIN on the device is free), they may.
    joined.set_pin(f.presidente.id, "2468", &NONE).unwrap();
    joined.sign_in(f.presidente.id, "2468").unwrap();
    joined.gate(Write::AddMember).unwrap();
    joined.add_member(&new_member()).unwrap();

    // An enrolled device that has not received anything yet.
    let dir = tempfile::tempdir().unwrap();
    let mut enrolled = Replica::open(&dir.path().join("cosabi.sqlite3")).unwrap();
    assert!(enrolled.setting_up().unwrap());
    enrolled
        .set_setting(cosabi_replica::SETTING_SYNC_TOKEN, "token")
        .unwrap();
    assert!(!enrolled.setting_up().unwrap());
    assert_eq!(
        enrolled.require(Permission::Committee).unwrap_err().code(),
        "sign_in_required"
    );

    // The device the committee was set up on stays open until a first PIN.
    assert!(f.r.setting_up().unwrap());
}

#[test]
fn roles_decide_what_the_member_signed_in_may_do() {
    let mut f = fixture();
    let people = [
        (f.presidente.clone(), "1111"),
        (f.secretario.clone(), "2222"),
        (f.tesorero.clone(), "3333"),
        (f.vocal.clone(), "4444"),
        (f.contraloria.clone(), "5555"),
    ];
    for (m, pin) in &people {
        // The presidenta's PIN is the device's first; she approves the others.
        let approval = if m.id == f.presidente.id {
            NONE
        } else {
            by(&f.presidente, "1111")
        };
        f.r.set_pin(m.id, pin, &approval).unwrap();
    }
    f.r.sign_out();
    // (member, permissions allowed among CloseActa, VerifyAction, Money)
    let expected = [
        ("presidente", [false, false, true]),
        ("secretario", [true, false, false]),
        ("tesorero", [false, false, true]),
        ("vocal_salud", [false, true, false]),
        ("contraloria_social", [false, true, false]),
    ];
    for ((m, pin), (role, allowed)) in people.iter().zip(expected) {
        assert_eq!(m.role, role);
        f.r.sign_in(m.id, pin).unwrap();
        for p in [
            Permission::Committee,
            Permission::Assembly,
            Permission::Action,
        ] {
            f.r.require(p).unwrap();
        }
        let checked = [
            Permission::CloseActa,
            Permission::VerifyAction,
            Permission::Money,
        ];
        for (p, ok) in checked.into_iter().zip(allowed) {
            match f.r.require(p) {
                Ok(()) => assert!(ok, "{role} may not {p:?}"),
                Err(e) => {
                    assert!(!ok, "{role} may {p:?}: {e:?}");
                    assert!(matches!(e, Error::Forbidden(q) if q == p));
                    assert_eq!(e.code(), "forbidden");
                }
            }
        }
        f.r.sign_out();
    }
}
