//! Sync by file between replicas with no server: sealed with a key kept on the
//! devices (never in the synced data), bound to the clinic, idempotent.

mod sealing;
mod support;

use cosabi_core::change::Value;
use cosabi_core::ledger::NewPurchase;
use cosabi_core::schema::{CLINIC, MEMBER};
use cosabi_replica::codec::page_to_bytes;
use cosabi_replica::{new_sync_file_key, Error, Replica, VersionVector, SYNC_FILE_KEYS_MAX};
use support::*;

fn code_of(e: Error) -> String {
    match e {
        Error::Invalid(v) => v.0[0].code.clone(),
        other => panic!("unexpected {other:?}"),
    }
}

/// Shows `from`'s file key and types it on `to`, as two people would.
fn share_key(from: &mut Replica, to: &mut Replica) {
    let shown = from.sync_file_key().unwrap().expect("a key to show");
    to.set_sync_file_key(&shown.text).unwrap();
}

fn clinic_name(r: &Replica) -> String {
    r.clinic().unwrap().unwrap().name
}

#[test]
fn a_file_carries_everything_and_importing_twice_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = open(&dir, "a");
    let mut office = open(&dir, "office");
    a.load_demo().unwrap();
    share_key(&mut a, &mut office);
    let file = a.export_sync_file(&VersionVector::new()).unwrap();
    let first = office.import_sync_file(&file).unwrap();
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
    a.import_sync_file(&back).unwrap();
    office.import_sync_file(&forth).unwrap();
    assert_same(&a, &office);
}

#[test]
fn a_device_with_no_key_refuses_a_file_until_the_key_is_entered() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = open(&dir, "a");
    let mut office = open(&dir, "office");
    a.load_demo().unwrap();
    let file = a.export_sync_file(&VersionVector::new()).unwrap();
    // No trust on first use: a device with nothing yet has nothing to check with.
    assert_eq!(office.sync_file_key().unwrap(), None);
    assert_eq!(
        code_of(office.import_sync_file(&file).unwrap_err()),
        "sync_file_no_key"
    );
    assert!(office.domain_rows().unwrap().is_empty());
    assert_eq!(office.clinic().unwrap(), None);

    for typo in ["", "1234-5678", "cosabi:enroll?code=ABCDE23456"] {
        assert_eq!(
            code_of(office.set_sync_file_key(typo).unwrap_err()),
            "sync_file_key_invalid",
            "{typo}"
        );
    }
    // Scanned from the QR code a shows: its payload, as decode_qr reads it.
    let shown = a.sync_file_key().unwrap().unwrap();
    assert!(shown.qr_payload.starts_with("cosabi:filekey?key="));
    let scanned = cosabi_replica::decode_qr(&shown.qr_png().unwrap())
        .unwrap()
        .unwrap();
    office.set_sync_file_key(&scanned).unwrap();
    office.import_sync_file(&file).unwrap();
    assert_same(&a, &office);
    assert_eq!(office.sync_file_key().unwrap(), Some(shown));
}

#[test]
fn a_file_forged_with_what_another_file_carries_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = open(&dir, "a");
    let mut b = open(&dir, "b");
    let mut mallory = open(&dir, "mallory");
    a.load_demo().unwrap();
    share_key(&mut a, &mut b);
    // The clinic row of an older version carried a synced key: one that reached b
    // with the data must not open anything.
    let clinic = a.clinic().unwrap().unwrap().id;
    let legacy = new_sync_file_key();
    a.set_fields(&CLINIC, clinic.0, &[(7, Value::Text(legacy.clone()))])
        .unwrap();
    let file = a.export_sync_file(&VersionVector::new()).unwrap();
    b.import_sync_file(&file).unwrap();
    assert_same(&a, &b);

    // The file's pages say nothing of the key that sealed it.
    let key = sealing::key_of(&mut a);
    let carried: Vec<String> = a
        .pages_since(&VersionVector::new())
        .unwrap()
        .iter()
        .flat_map(|p| p.groups.iter().flat_map(|g| g.fields.iter()))
        .filter_map(|f| f.value.as_text().map(str::to_owned))
        .collect();
    assert!(carried.contains(&legacy));
    assert!(!carried.iter().any(|v| v.contains(&key)));

    // Mallory has the file, not the key: the file is refused…
    assert_eq!(
        code_of(mallory.import_sync_file(&file).unwrap_err()),
        "sync_file_no_key"
    );
    // …but its pages are not secret, so Mallory takes them, renames the clinic and
    // adds a purchase.
    for p in a.pages_since(&VersionVector::new()).unwrap() {
        mallory.apply_page(&p).unwrap();
    }
    mallory
        .set_fields(
            &CLINIC,
            clinic.0,
            &[(2, Value::Text("Clínica falsa".into()))],
        )
        .unwrap();
    mallory
        .record_purchase(&NewPurchase {
            date: "02/03/2026".into(),
            concept: "Nada".into(),
            quantity: "1".into(),
            unit_cost: "9,999.00".into(),
            supplier: "Mallory".into(),
            rfc: String::new(),
            category: "infraestructura".into(),
            action_id: None,
            paid_from: "tarjeta".into(),
            fiscal_year: String::new(),
        })
        .unwrap();
    let forged_pages: Vec<Vec<u8>> = mallory
        .pages_since(&b.version_vector().unwrap())
        .unwrap()
        .iter()
        .map(page_to_bytes)
        .collect();
    let before = b.domain_rows().unwrap();
    let refused = |b: &mut Replica, forged: &[u8], code: &str| {
        assert_eq!(code_of(b.import_sync_file(forged).unwrap_err()), code);
        assert_eq!(b.domain_rows().unwrap(), before, "something was applied");
    };
    // Sealed with Mallory's own key (made by exporting), with the key the data
    // carried, with a's key id but the carried key, with a key of a's own making.
    let own = mallory
        .export_sync_file(&b.version_vector().unwrap())
        .unwrap();
    refused(&mut b, &own, "sync_file_unknown_key");
    refused(
        &mut b,
        &sealing::seal(&legacy, clinic, &forged_pages),
        "sync_file_unknown_key",
    );
    let mut posing = sealing::seal(&legacy, clinic, &forged_pages);
    posing[sealing::KEY_ID_AT..sealing::CLINIC_AT].copy_from_slice(&sealing::key_id(&key));
    refused(&mut b, &posing, "sync_file_altered");
    refused(
        &mut b,
        &sealing::seal(&new_sync_file_key(), clinic, &forged_pages),
        "sync_file_unknown_key",
    );
    assert_eq!(clinic_name(&b), clinic_name(&a));
    // The same pages sealed with the clinic's key are what a real device would send.
    b.import_sync_file(&sealing::seal(&key, clinic, &forged_pages))
        .unwrap();
    assert_eq!(clinic_name(&b), "Clínica falsa");
}

#[test]
fn an_altered_byte_anywhere_or_a_cut_is_refused_and_nothing_applied() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = open(&dir, "a");
    let mut b = open(&dir, "b");
    a.load_demo().unwrap();
    share_key(&mut a, &mut b);
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
    // Which part of the file the byte is in decides what the person is told.
    let expected = |at: usize| match at {
        _ if at < sealing::MAGIC.len() => "sync_file_malformed",
        _ if at < sealing::KEY_ID_AT => "sync_file_version",
        _ if at < sealing::CLINIC_AT => "sync_file_unknown_key",
        _ if at < sealing::HEADER_LEN_AT => "sync_file_other_clinic",
        _ => "sync_file_altered",
    };
    for at in 0..file.len() {
        let mut bad = file.clone();
        bad[at] ^= 0x01;
        let code = code_of(b.import_sync_file(&bad).unwrap_err());
        assert_eq!(code, expected(at), "byte {at} of {}", file.len());
    }
    assert_eq!(b.domain_rows().unwrap(), before, "something was applied");
    for len in 0..file.len() {
        let code = code_of(b.import_sync_file(&file[..len]).unwrap_err());
        let want = if len == 0 {
            "sync_file_malformed"
        } else {
            "sync_file_altered"
        };
        assert_eq!(code, want, "cut at {len} of {}", file.len());
    }
    let mut longer = file.clone();
    longer.push(0);
    assert_eq!(
        code_of(b.import_sync_file(&longer).unwrap_err()),
        "sync_file_altered"
    );
    assert_eq!(b.domain_rows().unwrap(), before, "something was applied");
    assert_eq!(
        code_of(b.import_sync_file(b"hola").unwrap_err()),
        "sync_file_malformed"
    );
    // A file of the previous layout, whose key travelled inside it.
    let mut old = file.clone();
    old[sealing::MAGIC.len()] = 1;
    assert_eq!(
        code_of(b.import_sync_file(&old).unwrap_err()),
        "sync_file_version"
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
    // Even holding the other clinic's key (typed by mistake), the clinic decides.
    share_key(&mut a, &mut other);
    let before = other.domain_rows().unwrap();
    let err = other
        .import_sync_file(&a.export_sync_file(&VersionVector::new()).unwrap())
        .unwrap_err();
    assert_eq!(code_of(err), "sync_file_other_clinic");
    assert_eq!(other.domain_rows().unwrap(), before);
}

#[test]
fn a_clinic_that_gets_a_server_key_still_opens_files_sealed_with_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = open(&dir, "a");
    let mut b = open(&dir, "b");
    let mut c = open(&dir, "c");
    // Created offline: a makes its own key when it first exports.
    a.load_demo().unwrap();
    let local = a.export_sync_file(&VersionVector::new()).unwrap();
    share_key(&mut a, &mut b);
    share_key(&mut a, &mut c);
    b.import_sync_file(&local).unwrap();
    c.import_sync_file(&local).unwrap();
    let local_key = sealing::key_of(&mut a);

    // a enrolls; the server's key seals from now on.
    let server_key = new_sync_file_key();
    a.set_sync_file_key(&server_key).unwrap();
    assert_eq!(sealing::key_of(&mut a), server_key);
    a.set_fields(
        &MEMBER,
        a.members().unwrap()[0].id.0,
        &[(2, Value::Text("Juana".into()))],
    )
    .unwrap();
    let sealed_by_server_key = a.export_sync_file(&b.version_vector().unwrap()).unwrap();
    assert_eq!(
        code_of(b.import_sync_file(&sealed_by_server_key).unwrap_err()),
        "sync_file_unknown_key"
    );
    b.set_sync_file_key(&server_key).unwrap();
    b.import_sync_file(&sealed_by_server_key).unwrap();
    assert_same(&a, &b);

    // c still seals with the local key, which a and b keep accepting.
    c.set_fields(
        &MEMBER,
        c.members().unwrap()[1].id.0,
        &[(2, Value::Text("Rogelio".into()))],
    )
    .unwrap();
    assert_eq!(sealing::key_of(&mut c), local_key);
    let from_c = c.export_sync_file(&a.version_vector().unwrap()).unwrap();
    a.import_sync_file(&from_c).unwrap();
    b.import_sync_file(&from_c).unwrap();
    assert_same(&a, &b);
}

#[test]
fn the_keyring_stays_on_the_device_and_is_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = open(&dir, "a");
    let mut b = open(&dir, "b");
    a.load_demo().unwrap();
    let key = sealing::key_of(&mut a);
    // Neither in the synced rows nor among the settings the webview may read.
    assert!(!format!("{:?}", a.domain_rows().unwrap()).contains(&key));
    let settings: Vec<String> = a
        .connection()
        .prepare("SELECT value FROM meta WHERE key LIKE 'setting.%'")
        .unwrap()
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(!settings.iter().any(|s| s.contains(&key)));
    assert_eq!(a.setting("sync_file_keys").unwrap(), None);

    let first = a.export_sync_file(&VersionVector::new()).unwrap();
    share_key(&mut a, &mut b);
    for _ in 0..SYNC_FILE_KEYS_MAX {
        b.set_sync_file_key(&new_sync_file_key()).unwrap();
    }
    // The key entered longest ago is forgotten.
    assert_eq!(
        code_of(b.import_sync_file(&first).unwrap_err()),
        "sync_file_unknown_key"
    );
    share_key(&mut a, &mut b);
    b.import_sync_file(&first).unwrap();
    // A key entered again moves to the front instead of holding two places: with
    // a second copy of x, the ring would be one key short and forget a's.
    let mut c = open(&dir, "c");
    share_key(&mut a, &mut c);
    let (x, y) = (new_sync_file_key(), new_sync_file_key());
    for k in [&x, &y, &x] {
        c.set_sync_file_key(k).unwrap();
    }
    for _ in 3..SYNC_FILE_KEYS_MAX {
        c.set_sync_file_key(&new_sync_file_key()).unwrap();
    }
    c.import_sync_file(&first).unwrap();
}
