//! Edges of the admin CLI and the programme view's scopes, against the real server
//! process and binary: a municipal account's clinics are those registered in its
//! municipality, whatever a committee syncs; `clinic add` requires the
//! municipality, and clinics registered before that are placed with
//! `clinic set-municipality`; what the CLI prints never carries control characters.

mod support;

use cosabi_core::change::Value;
use cosabi_core::clinic::NewClinic;
use cosabi_core::schema::CLINIC;
use cosabi_sync_server::sqlite_store::SqliteStore;
use cosabi_sync_server::store::{ClinicRecord, Store};
use std::path::Path;
use std::process::Command;
use support::*;

const TLAQUILPA: &str = "VZIMB000417";
const SOLEDAD: &str = "VZIMB000501";
/// Registered before `clinic add` required a municipality.
const LEGACY: &str = "VZIMB000777";

/// Signs in through the form; returns the session cookie.
async fn session(server: &Server, user: &str) -> String {
    let resp = browser()
        .post(format!("{}/programa/entrar", server.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("usuario={user}&contrasena={PASSWORD}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    resp.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

/// The CLUES in the state CSV an account sees, and the status of each clinic page.
async fn view(server: &Server, cookie: &str) -> (Vec<String>, Vec<(String, u16)>) {
    let http = browser();
    let csv = http
        .get(format!("{}/programa/estado/VZ.csv", server.url))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    let mut listed: Vec<String> = csv_rows(&csv.text().await.unwrap())
        .into_iter()
        .map(|r| r["clues"].clone())
        .collect();
    listed.sort();
    let mut pages = Vec::new();
    for clues in [TLAQUILPA, SOLEDAD, LEGACY] {
        let status = http
            .get(format!("{}/programa/clinica/{clues}", server.url))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        pages.push((clues.to_owned(), status));
    }
    (listed, pages)
}

/// A device of `clues` that creates the clinic saying it is in `municipality`.
async fn committee(
    server: &Server,
    dir: &Path,
    clues: &str,
    code: &str,
    municipality: &str,
) -> Device {
    let d = Device::enroll(dir, clues, &server.url, code).await;
    d.with(|r| {
        r.create_clinic(&NewClinic {
            clues: clues.into(),
            name: "Centro de Salud".into(),
            state: "VZ".into(),
            municipality: municipality.into(),
            locality: municipality.into(),
            consultorios: 1,
        })
        .unwrap();
    });
    d.sync(&server.url).await;
    d
}

fn add_in(db: &Path, clues: &str, municipality: &str) -> String {
    code_in(&admin(
        db,
        &[
            "clinic",
            "add",
            "--clues",
            clues,
            "--name",
            "Centro de Salud",
            "--state",
            "VZ",
            "--municipality",
            municipality,
        ],
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clinic_stays_in_the_municipality_the_server_registered() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), "127.0.0.1:0");
    let db = server.db.clone();

    // `clinic add` without a municipality is refused, naming what is missing.
    let out = Command::new(BIN)
        .arg("--db")
        .arg(&db)
        .args([
            "clinic", "add", "--clues", TLAQUILPA, "--name", "CS", "--state", "VZ",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--municipality"));

    let t = add_in(&db, TLAQUILPA, "Tlaquilpa");
    let s = add_in(&db, SOLEDAD, "Soledad Atzompa");
    // A clinic registered before the municipality was required (as older servers
    // did): no municipality in the registry.
    SqliteStore::open(&db)
        .unwrap()
        .add_clinic(ClinicRecord {
            id: cosabi_core::ids::clinic_id_for_clues(LEGACY),
            clues: LEGACY.into(),
            name: "Centro de Salud".into(),
            state: "VZ".into(),
            consultorios: 1,
            municipality: String::new(),
            created_at_ms: 0,
        })
        .await
        .unwrap();
    let l = new_code(&db, LEGACY);
    add_account(&db, "tlaquilpa", "municipio:VZ/Tlaquilpa");
    add_account(&db, "soledad", "municipio:VZ/Soledad Atzompa");
    add_account(&db, "estatal", "estado:VZ");

    let work = tempfile::tempdir().unwrap();
    let tlaquilpa = committee(&server, work.path(), TLAQUILPA, &t, "Tlaquilpa").await;
    committee(&server, work.path(), SOLEDAD, &s, "Soledad Atzompa").await;
    // The legacy clinic says it is in Tlaquilpa: that does not put it there.
    committee(&server, work.path(), LEGACY, &l, "Tlaquilpa").await;

    let (tl, so, st) = (
        session(&server, "tlaquilpa").await,
        session(&server, "soledad").await,
        session(&server, "estatal").await,
    );
    let listed = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let pages = |t, s, l| {
        vec![
            (TLAQUILPA.to_owned(), t),
            (SOLEDAD.to_owned(), s),
            (LEGACY.to_owned(), l),
        ]
    };
    assert_eq!(
        view(&server, &tl).await,
        (listed(&[TLAQUILPA]), pages(200, 403, 403))
    );
    assert_eq!(
        view(&server, &so).await,
        (listed(&[SOLEDAD]), pages(403, 200, 403))
    );
    // The state's account sees every clinic of the state, the legacy one too.
    assert_eq!(
        view(&server, &st).await.0,
        listed(&[TLAQUILPA, SOLEDAD, LEGACY])
    );
    // `clinic list` says which clinics no municipal account sees.
    let out = Command::new(BIN)
        .arg("--db")
        .arg(&db)
        .args(["clinic", "list"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(&format!("{LEGACY}\tVZ\tNO MUNICIPALITY"))
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("clinic set-municipality"));

    // The Tlaquilpa committee edits its synced municipality to Soledad Atzompa: it
    // stays in Tlaquilpa's view and does not enter Soledad's.
    let clinic = tlaquilpa.with(|r| r.clinic().unwrap().unwrap().id.0);
    tlaquilpa.with(|r| {
        r.set_fields(
            &CLINIC,
            clinic,
            &[(4, Value::Text("Soledad Atzompa".into()))],
        )
        .unwrap();
    });
    tlaquilpa.sync(&server.url).await;
    assert_eq!(
        view(&server, &tl).await,
        (listed(&[TLAQUILPA]), pages(200, 403, 403))
    );
    assert_eq!(
        view(&server, &so).await,
        (listed(&[SOLEDAD]), pages(403, 200, 403))
    );

    // The administrator places the legacy clinic: from then on it is Soledad's.
    let out = admin(
        &db,
        &[
            "clinic",
            "set-municipality",
            "--clues",
            LEGACY,
            "--municipality",
            "Soledad  Atzompa",
        ],
    );
    assert!(out.contains("Soledad Atzompa"), "{out}");
    assert_eq!(
        view(&server, &so).await,
        (listed(&[SOLEDAD, LEGACY]), pages(403, 200, 200))
    );
    assert_eq!(
        view(&server, &tl).await,
        (listed(&[TLAQUILPA]), pages(200, 403, 403))
    );
}

#[tokio::test]
async fn the_admin_cli_prints_no_control_characters() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), "127.0.0.1:0");
    let code = add_in(&server.db, TLAQUILPA, "Tlaquilpa");
    // A device names itself with a "clear screen" and a bidi override.
    let resp = browser()
        .post(format!("{}/v1/enroll", server.url))
        .json(&serde_json::json!({
            "code": code,
            "device_name": "tableta\u{1b}[2J\u{9b}1m de \u{202e}Ana\u{7f}",
            "site": uuid::Uuid::now_v7(),
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let out = admin(&server.db, &["device", "list"]);
    assert!(out.contains("tableta[2J1m de Ana"), "{out:?}");
    let clinics = admin(&server.db, &["clinic", "list"]);
    for printed in [&out, &clinics] {
        assert!(
            !printed.chars().any(|c| c != '\n'
                && c != '\t'
                && cosabi_sync_server::text::is_unsafe_for_terminal(c)),
            "{printed:?}"
        );
    }
}
