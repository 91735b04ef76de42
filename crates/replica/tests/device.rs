//! A device's replica encrypted at rest: a lost phone's files give nothing away.
//! Real SQLCipher files and photo files in a temporary directory.

use cosabi_core::schema::PURCHASE;
use cosabi_replica::{DeviceOpen, PinApproval, Replica};
use std::path::{Path, PathBuf};
use std::time::Instant;

fn open(path: &Path) -> Replica {
    match Replica::open_device(path).unwrap() {
        DeviceOpen::Open(r) => r,
        DeviceOpen::Locked(_) => panic!("expected the device open"),
    }
}

fn first_purchase(r: &Replica) -> uuid::Uuid {
    r.connection()
        .query_row(
            "SELECT id FROM purchase WHERE deleted = 0 ORDER BY rowid LIMIT 1",
            [],
            |row| row.get::<_, Vec<u8>>(0),
        )
        .map(|b| uuid::Uuid::from_slice(&b).unwrap())
        .unwrap()
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// A camera-like JPEG with some texture.
fn photo(seed: u8) -> Vec<u8> {
    let img = image::RgbImage::from_fn(640, 480, |x, y| {
        image::Rgb([(x as u8) ^ seed, (y as u8).wrapping_mul(3), seed])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    out.into_inner()
}

/// 1,000 distinct texts the committee typed (names, concepts, suppliers, places,
/// agreements, minutes), read from the replica itself.
fn known_values(r: &Replica) -> Vec<String> {
    let sql = "SELECT v FROM (
          SELECT name AS v FROM member UNION SELECT concept FROM purchase
          UNION SELECT supplier FROM purchase UNION SELECT place FROM assembly
          UNION SELECT text FROM agreement UNION SELECT minutes FROM assembly
          UNION SELECT description FROM action UNION SELECT rfc FROM purchase
          UNION SELECT name FROM clinic
        ) WHERE v IS NOT NULL AND length(v) >= 8 ORDER BY v LIMIT 1000";
    let mut stmt = r.connection().prepare(sql).unwrap();
    let out: Vec<String> = stmt
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    // Long texts: any 24-byte piece would do; their first 40 bytes are searched.
    out.into_iter()
        .map(|v| {
            let mut end = v.len().min(40);
            while !v.is_char_boundary(end) {
                end -= 1;
            }
            v[..end].to_string()
        })
        .collect()
}

#[test]
fn a_recorded_clinic_year_leaves_no_known_value_photo_or_token_in_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cosabi.sqlite3");
    let mut r = open(&path);
    assert!(r.is_encrypted());
    cosabi_replica::workload::clinic_year(&mut r, 7).unwrap();
    // The workload repeats its texts; 900 purchases more, each typed differently
    // (concept and supplier), make 1,000 distinct values to look for.
    let mut rng = cosabi_replica::workload::SplitMix64::new(99);
    for i in 0..900 {
        r.record_purchase(&cosabi_core::ledger::NewPurchase {
            date: "12/05/2025".into(),
            concept: format!("Material {i:03} clave {:012x}", rng.next_u64() >> 16),
            quantity: "1".into(),
            unit_cost: "100.00".into(),
            supplier: format!("Proveedor {:010x}", rng.next_u64() >> 24),
            category: "infraestructura".into(),
            paid_from: "tarjeta".into(),
            ..Default::default()
        })
        .unwrap();
    }
    let token = "tok_4f9a2c7e1b3d5f60718293a4b5c6d7e8";
    r.set_setting("sync.token", token).unwrap();
    let members = r.members().unwrap();
    let presidente = members.iter().find(|m| m.role == "presidente").unwrap();
    let recovery = r
        .set_pin(presidente.id, "1357", &PinApproval::None)
        .unwrap()
        .unwrap();
    r.sign_in(presidente.id, "1357").unwrap();
    let purchase = first_purchase(&r);
    let jpeg = photo(3);
    let attached = r
        .attach_photo(PURCHASE.id, purchase, "receipt", &jpeg, "")
        .unwrap();
    let stored = r.photo_bytes(&attached.sha256).unwrap().unwrap();
    assert!(stored.starts_with(&[0xFF, 0xD8]), "read back as a JPEG");
    r.photo_thumbnail(&attached.sha256).unwrap().unwrap();
    let values = known_values(&r);
    assert_eq!(values.len(), 1000, "the workload has enough typed texts");
    r.make_durable().unwrap();
    drop(r);

    let files = files_under(dir.path());
    assert!(files.len() >= 4, "{files:?}");
    let mut needles: Vec<&str> = values.iter().map(String::as_str).collect();
    needles.push(token);
    let finder = aho_corasick::AhoCorasick::new(&needles).unwrap();
    let mut found = Vec::new();
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        assert!(
            !bytes.starts_with(b"SQLite format 3") && !bytes.starts_with(&[0xFF, 0xD8]),
            "{} is in the clear",
            f.display()
        );
        for m in finder.find_iter(&bytes) {
            found.push(format!(
                "{:?} in {}",
                needles[m.pattern().as_usize()],
                f.display()
            ));
        }
        // No 64-byte piece of the photo as stored.
        let piece = &stored[stored.len() / 2..stored.len() / 2 + 64];
        assert!(aho_corasick::AhoCorasick::new([piece])
            .unwrap()
            .find(&bytes)
            .is_none());
    }
    assert!(found.is_empty(), "{found:?}");

    // Locked now: the presidenta's PIN opens it, and everything is there.
    let DeviceOpen::Locked(vault) = Replica::open_device(&path).unwrap() else {
        panic!("a device with a PIN opens locked");
    };
    let who = vault.keyholders();
    assert_eq!(who.len(), 1);
    assert_eq!(who[0].role, "presidente");
    let (vault, e) = *Replica::unlock_device(&path, vault, presidente.id, "0000", Instant::now())
        .map(|_| ())
        .unwrap_err();
    assert_eq!(e.code(), "invalid");
    let (r, m) =
        Replica::unlock_device(&path, vault, presidente.id, "1357", Instant::now()).unwrap();
    assert_eq!(m.id, presidente.id);
    assert_eq!(r.setting("sync.token").unwrap().as_deref(), Some(token));
    assert_eq!(r.photo_bytes(&attached.sha256).unwrap().unwrap(), stored);
    assert_eq!(known_values(&r), values);
    drop(r);

    // Every PIN forgotten: the recovery code from the municipal office opens it.
    let DeviceOpen::Locked(vault) = Replica::open_device(&path).unwrap() else {
        panic!("locked");
    };
    let r = Replica::recover_device(&path, vault, &recovery, Instant::now()).unwrap();
    assert_eq!(r.signed_in().unwrap(), None);
    assert_eq!(known_values(&r), values);
}

#[test]
fn a_replica_from_before_encryption_is_encrypted_and_keeps_its_pins_and_photos() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cosabi.sqlite3");
    // An older version: the database and photos in the clear, a PIN hash in the
    // database's settings.
    let (tesorero, sha, before) = {
        let mut r = Replica::open(&path).unwrap();
        cosabi_replica::workload::clinic_year(&mut r, 11).unwrap();
        let t = r
            .members()
            .unwrap()
            .into_iter()
            .find(|m| m.role == "tesorero")
            .unwrap();
        let phc = {
            use argon2::password_hash::{PasswordHasher, SaltString};
            let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
            argon2::Argon2::default()
                .hash_password(b"2468", &salt)
                .unwrap()
                .to_string()
        };
        r.set_setting(&format!("pin.{}", t.id), &phc).unwrap();
        let purchase = first_purchase(&r);
        let a = r
            .attach_photo(PURCHASE.id, purchase, "receipt", &photo(9), "")
            .unwrap();
        let before = known_values(&r);
        (t, a.sha256, before)
    };
    // The ring the older version never had.
    std::fs::remove_file(cosabi_replica::Vault::path_for(&path)).unwrap();
    let plain = std::fs::read(&path).unwrap();
    assert!(plain.starts_with(b"SQLite format 3"));
    // The control: in the clear, the search finds what was typed.
    let finder = aho_corasick::AhoCorasick::new(&before).unwrap();
    assert!(finder.find(&plain).is_some(), "the search works");

    let r = open(&path);
    assert!(r.is_encrypted());
    assert_eq!(known_values(&r), before, "nothing lost");
    assert!(r.has_pin(tesorero.id).unwrap(), "the old PIN still counts");
    let n: i64 = r
        .connection()
        .query_row(
            "SELECT count(*) FROM meta WHERE key LIKE 'setting.pin%'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(n, 0, "PIN hashes left the database");
    assert!(r.photo_bytes(&sha).unwrap().is_some());
    drop(r);
    let encrypted = std::fs::read(&path).unwrap();
    assert!(!encrypted.starts_with(b"SQLite format 3"));
    assert!(finder.find(&encrypted).is_none());
    let blob = std::fs::read(dir.path().join("blobs").join(&sha)).unwrap();
    assert!(!blob.starts_with(&[0xFF, 0xD8]), "the photo is encrypted");

    // Until the tesorera signs in once the key stays in the clear; then it is wrapped
    // under her PIN and the device opens locked.
    let mut r = open(&path);
    r.sign_in(tesorero.id, "2468").unwrap();
    drop(r);
    let DeviceOpen::Locked(vault) = Replica::open_device(&path).unwrap() else {
        panic!("locked after the old PIN became a wrap");
    };
    let (r, _) = Replica::unlock_device(&path, vault, tesorero.id, "2468", Instant::now())
        .map_err(|r| r.1)
        .unwrap();
    assert_eq!(known_values(&r), before);
}

#[test]
fn a_copied_database_does_not_open_with_another_devices_key() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a").join("cosabi.sqlite3");
    let b = dir.path().join("b").join("cosabi.sqlite3");
    std::fs::create_dir_all(a.parent().unwrap()).unwrap();
    std::fs::create_dir_all(b.parent().unwrap()).unwrap();
    let mut r = open(&a);
    cosabi_replica::workload::clinic_year(&mut r, 5).unwrap();
    drop(r);
    drop(open(&b));
    // Device a's database put in b's place, with b's key ring: it does not open.
    std::fs::copy(&a, &b).unwrap();
    let e = Replica::open_device(&b).unwrap_err();
    assert_eq!(e.code(), "storage");
    // Nor as a plain database.
    assert!(Replica::open(&a).is_err());
    // A database whose key ring went missing is refused, not given a new ring.
    std::fs::remove_file(cosabi_replica::Vault::path_for(&b)).unwrap();
    let e = Replica::open_device(&b).unwrap_err();
    assert_eq!(e.code(), "corrupt");
    assert!(!cosabi_replica::Vault::path_for(&b).exists());
}
