//! Sync by file between replicas with no server: bound to the clinic, authenticated,
//! idempotent.

mod support;

use cosabi_core::change::Value;
use cosabi_core::schema::MEMBER;
use cosabi_replica::{Error, VersionVector};
use support::*;

fn code_of(e: Error) -> String {
    match e {
        Error::Invalid(v) => v.0[0].code.clone(),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn a_file_carries_everything_and_importing_twice_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = open(&dir, "a");
    let mut office = open(&dir, "office");
    a.load_demo().unwrap();
    let file = a.export_sync_file(&VersionVector::new()).unwrap();
    let first = office.import_sync_file(&file).unwrap();
    assert!(first.trusted_on_first_use);
    assert!(first.applied > 0);
    assert_same(&a, &office);
    let again = office.import_sync_file(&file).unwrap();
    assert_eq!(again.applied, 0);
    assert_eq!(again.duplicates, first.applied);
    assert_same(&a, &office);

    // Back the other way, only what a lacks, after edits on both sides.
    let row = office.members().unwrap()[0].id.0;
    office
        .set_fields(&MEMBER, row, &[(2, Value::Text("Juana T. X.".into()))])
        .unwrap();
    a.set_fields(&MEMBER, row, &[(5, Value::Text("2027-04-11".into()))])
        .unwrap();
    let back = office
        .export_sync_file(&a.version_vector().unwrap())
        .unwrap();
    assert!(back.len() < file.len());
    let forth = a
        .export_sync_file(&office.version_vector().unwrap())
        .unwrap();
    assert!(!a.import_sync_file(&back).unwrap().trusted_on_first_use);
    office.import_sync_file(&forth).unwrap();
    assert_same(&a, &office);
}

#[test]
fn an_altered_file_is_refused_and_nothing_applied() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = open(&dir, "a");
    let mut b = open(&dir, "b");
    a.load_demo().unwrap();
    b.import_sync_file(&a.export_sync_file(&VersionVector::new()).unwrap())
        .unwrap();
    a.set_fields(
        &MEMBER,
        a.members().unwrap()[1].id.0,
        &[(2, Value::Text("Rogelio".into()))],
    )
    .unwrap();
    let file = a.export_sync_file(&b.version_vector().unwrap()).unwrap();
    let before = b.domain_rows().unwrap();
    for at in [20usize, file.len() / 2, file.len() - 40, file.len() - 1] {
        let mut bad = file.clone();
        bad[at] ^= 0x01;
        let err = b.import_sync_file(&bad).unwrap_err();
        let code = code_of(err);
        // A flipped byte in the header may make the file name another clinic.
        assert!(
            [
                "sync_file_altered",
                "sync_file_malformed",
                "sync_file_other_clinic"
            ]
            .contains(&code.as_str()),
            "{code}"
        );
        assert_eq!(b.domain_rows().unwrap(), before, "something was applied");
    }
    assert_eq!(
        code_of(b.import_sync_file(&file[..file.len() - 5]).unwrap_err()),
        "sync_file_altered"
    );
    assert_eq!(
        code_of(b.import_sync_file(b"hola").unwrap_err()),
        "sync_file_malformed"
    );
    b.import_sync_file(&file).unwrap();
    assert_same(&a, &b);
}

#[test]
fn a_file_of_another_clinic_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = open(&dir, "a");
    let mut other = open(&dir, "other");
    a.load_demo().unwrap();
    other
        .create_clinic(&cosabi_core::clinic::NewClinic {
            clues: "OCIMB000777".into(),
            name: "CS San Juan".into(),
            state: "OC".into(),
            municipality: "San Juan".into(),
            locality: "San Juan".into(),
            consultorios: 1,
        })
        .unwrap();
    let before = other.domain_rows().unwrap();
    let err = other
        .import_sync_file(&a.export_sync_file(&VersionVector::new()).unwrap())
        .unwrap_err();
    assert_eq!(code_of(err), "sync_file_other_clinic");
    assert_eq!(other.domain_rows().unwrap(), before);
}
