//! The programme view: demo clinics synced through the real protocol into a real
//! server process, read back through accounts of different scopes.
//!
//! `COSABI_LONG=1` (make test-programme-long) runs the whole seed table instead of
//! two small states.

mod support;

use cosabi_sync_server::demo::{read_table, TableRow};
use cosabi_sync_server::programme::fold::folds_of;
use cosabi_sync_server::sqlite_store::SqliteStore;
use cosabi_sync_server::store::{ClinicRecord, Store};
use cosabi_sync_server::AppState;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;
use support::*;

/// Signs in through the form; returns the `Cookie` header to send.
async fn sign_in(server: &Server, user: &str, password: &str) -> Result<String, u16> {
    let resp = browser()
        .post(format!("{}/programa/entrar", server.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("usuario={user}&contrasena={password}"))
        .send()
        .await
        .unwrap();
    if resp.status() != 303 {
        return Err(resp.status().as_u16());
    }
    let cookie = resp
        .headers()
        .get("set-cookie")
        .expect("a session cookie")
        .to_str()
        .unwrap()
        .to_owned();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/;"] {
        assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
    }
    Ok(cookie.split(';').next().unwrap().to_owned())
}

/// GETs a path with a session; returns the status and the body.
async fn get(server: &Server, cookie: &str, path: &str) -> (u16, String) {
    let resp = browser()
        .get(format!("{}{path}", server.url))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.text().await.unwrap())
}

/// "1,002 de 1,044", as the pages write counts.
fn of(part: u32, whole: u32) -> String {
    let grouped = |n: u32| {
        let d = n.to_string();
        let mut out = String::new();
        for (i, c) in d.chars().enumerate() {
            if i > 0 && (d.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        out
    };
    format!("{} de {}", grouped(part), grouped(whole))
}

/// The national CSV's line of each state, checked against the table.
fn assert_states_match(body: &str, expected: &[TableRow]) {
    let rows = csv_rows(body);
    let by_code: HashMap<&str, &HashMap<String, String>> = rows
        .iter()
        .map(|r| (r["clave_estado"].as_str(), r))
        .collect();
    for t in expected {
        let row = by_code
            .get(t.state.code)
            .unwrap_or_else(|| panic!("{} missing from the programme CSV", t.state.name));
        assert_table_line(row, t);
        assert_eq!(num(row, "centros_sincronizados"), u64::from(t.clinics));
    }
    // Only the expected states, and the total row.
    assert_eq!(rows.len(), expected.len() + 1, "{body}");
    let total = rows.last().unwrap();
    assert_eq!(total["estado"], "Total");
    // Money spent is "gastado", as the app and the documents say.
    assert!(total.contains_key("gastado"), "{body}");
    assert!(!total.keys().any(|k| k.contains("ejercido")), "{body}");
    assert_eq!(
        num(total, "comites_instalados"),
        expected.iter().map(|t| u64::from(t.installed)).sum::<u64>()
    );
}

/// Demo clinics of two states (all of them with COSABI_LONG=1) are synced; accounts
/// scoped to one state, one municipality and the programme see exactly their part,
/// with the table's figures computed from the synced committees.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_figures_match_the_table_within_each_scope() {
    let long = std::env::var_os("COSABI_LONG").is_some();
    let table = read_table(&table_path()).unwrap();
    // Two small states, one with every committee installed, one with one missing.
    let expected: Vec<TableRow> = if long {
        table.clone()
    } else {
        table
            .iter()
            .filter(|t| ["BS", "CC"].contains(&t.state.code))
            .cloned()
            .collect()
    };
    assert!(expected.len() >= 2);
    let (first, second) = (expected[0].state.code, expected[1].state.code);
    let codes: Vec<&str> = expected.iter().map(|t| t.state.code).collect();

    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), "127.0.0.1:0");
    let started = Instant::now();
    let out = run_demo(&server, &codes.join(","), &dir.path().join("devices"));
    let demo_s = started.elapsed().as_secs_f64();
    let clinics: u64 = expected.iter().map(|t| u64::from(t.clinics)).sum();
    assert!(out.contains(&format!("demo: {clinics} clinics")), "{out}");
    eprintln!("demo: {clinics} clinics in {demo_s:.1} s");

    add_account(&server.db, "estatal", &format!("estado:{first}"));
    add_account(&server.db, "nacional", "programa");
    let town = match first {
        "BS" => "La Paz",
        "BC" => "Mexicali",
        _ => unreachable!("the runs start with BS or BC"),
    };
    add_account(
        &server.db,
        "municipal",
        &format!("municipio:{first}/{town}"),
    );

    // Without a session every page leads to the form; a wrong password is refused.
    let (status, _) = get(&server, "", "/programa").await;
    assert_eq!(status, 303);
    let (status, _) = get(&server, "cosabi_sesion=inventada", "/programa.csv").await;
    assert_eq!(status, 303);
    assert_eq!(
        sign_in(&server, "estatal", "otra-contrasena").await,
        Err(401)
    );
    assert_eq!(sign_in(&server, "nadie", PASSWORD).await, Err(401));

    // The state account: its state's figures, nothing of the other.
    let estatal = sign_in(&server, "estatal", PASSWORD).await.unwrap();
    let t0 = Instant::now();
    let (status, body) = get(&server, &estatal, "/programa.csv").await;
    eprintln!(
        "first /programa.csv (folds): {:.2} s",
        t0.elapsed().as_secs_f64()
    );
    assert_eq!(status, 200);
    assert_states_match(&body, &expected[..1]);
    let t0 = Instant::now();
    let (_, again) = get(&server, &estatal, "/programa.csv").await;
    eprintln!(
        "second /programa.csv (cached): {:.2} s",
        t0.elapsed().as_secs_f64()
    );
    assert_eq!(again, body);
    let (status, html) = get(&server, &estatal, "/programa").await;
    assert_eq!(status, 200);
    let t = &expected[0];
    assert!(
        html.contains(&of(t.installed, t.clinics)),
        "the page lacks {}",
        of(t.installed, t.clinics)
    );
    assert!(html.contains(t.state.name));
    assert!(
        !html.contains(expected[1].state.name),
        "another state leaked"
    );
    let (status, state_csv) =
        get(&server, &estatal, &format!("/programa/estado/{first}.csv")).await;
    assert_eq!(status, 200);
    let clinic_rows = csv_rows(&state_csv);
    assert_eq!(clinic_rows.len() as u64, u64::from(t.clinics));
    assert_eq!(
        clinic_rows
            .iter()
            .map(|r| num(r, "comites_instalados"))
            .sum::<u64>(),
        u64::from(t.installed)
    );
    for r in &clinic_rows {
        let installed = num(r, "comites_instalados") == 1;
        assert_eq!(installed, num(r, "cargos_ocupados") == 7, "{r:?}");
    }
    let (status, html) = get(&server, &estatal, &format!("/programa/estado/{first}")).await;
    assert_eq!(status, 200);
    assert!(html.contains(&of(t.installed, t.clinics)));
    let one = &clinic_rows[0]["clues"];
    let (status, html) = get(&server, &estatal, &format!("/programa/clinica/{one}")).await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!("CLUES {one}")));
    for path in [
        format!("/programa/estado/{second}"),
        format!("/programa/estado/{second}.csv"),
        format!("/programa/clinica/{second}IMB900001"),
        format!("/programa/clinica/{second}IMB900001.csv"),
    ] {
        let (status, _) = get(&server, &estatal, &path).await;
        assert_eq!(status, 403, "{path}");
    }
    // An unknown CLUES, even in its own state, is refused the same way: a scoped
    // account cannot probe which clinics exist.
    let (status, _) = get(
        &server,
        &estatal,
        &format!("/programa/clinica/{first}IMB999999"),
    )
    .await;
    assert_eq!(status, 403);

    // The municipal account: only that municipality's clinics.
    let municipal = sign_in(&server, "municipal", PASSWORD).await.unwrap();
    let (status, body) = get(
        &server,
        &municipal,
        &format!("/programa/estado/{first}.csv"),
    )
    .await;
    assert_eq!(status, 200);
    let mine = csv_rows(&body);
    let expected_mine: Vec<_> = clinic_rows
        .iter()
        .filter(|r| r["municipio"] == town)
        .collect();
    assert!(!mine.is_empty());
    assert_eq!(mine.len(), expected_mine.len());
    assert!(mine.iter().all(|r| r["municipio"] == town));
    let elsewhere = clinic_rows.iter().find(|r| r["municipio"] != town).unwrap();
    let (status, _) = get(
        &server,
        &municipal,
        &format!("/programa/clinica/{}", elsewhere["clues"]),
    )
    .await;
    assert_eq!(status, 403);

    // The programme account sees every state of the run with the table's figures.
    let nacional = sign_in(&server, "nacional", PASSWORD).await.unwrap();
    let t0 = Instant::now();
    let (status, body) = get(&server, &nacional, "/programa.csv").await;
    eprintln!(
        "national /programa.csv: {:.2} s",
        t0.elapsed().as_secs_f64()
    );
    assert_eq!(status, 200);
    assert_states_match(&body, &expected);
    // The programme account is told when a CLUES is not registered.
    let (status, html) = get(&server, &nacional, "/programa/clinica/VZIMB999999").await;
    assert_eq!(status, 404);
    assert!(html.contains("Centro de salud desconocido"));
    for t in &expected {
        let (status, html) = get(
            &server,
            &nacional,
            &format!("/programa/estado/{}", t.state.code),
        )
        .await;
        assert_eq!(status, 200);
        assert!(
            html.contains(&of(t.installed, t.clinics)),
            "{}",
            t.state.name
        );
    }

    // Signing out ends the session; removing an account ends its sessions.
    let resp = browser()
        .post(format!("{}/programa/salir", server.url))
        .header("cookie", &nacional)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(get(&server, &nacional, "/programa").await.0, 303);
    admin(&server.db, &["account", "remove", "--user", "estatal"]);
    assert_eq!(get(&server, &estatal, "/programa").await.0, 303);
    let listed = admin(&server.db, &["account", "list"]);
    assert!(!listed.contains("estatal") && listed.contains("municipal\tmunicipio:"));
}

/// A page view folds a clinic once per version vector: unchanged clinics come from
/// the cache, a clinic that synced more is folded again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clinics_are_refolded_only_when_their_changes_move() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("server.sqlite3")).unwrap();
    let mut replica = cosabi_replica::Replica::open_in_memory().unwrap();
    let clinic = replica.load_demo().unwrap();
    store
        .add_clinic(ClinicRecord {
            id: clinic.id,
            clues: clinic.clues.clone(),
            name: clinic.name.clone(),
            state: clinic.state.clone(),
            consultorios: clinic.consultorios,
            municipality: String::new(),
            created_at_ms: 0,
        })
        .await
        .unwrap();
    let push_all = |replica: &cosabi_replica::Replica, held| {
        let pages = replica.pages_since(&held).unwrap();
        let store = store.clone();
        async move {
            for p in pages {
                store.push(clinic.id, p.groups).await.unwrap();
            }
        }
    };
    push_all(&replica, Default::default()).await;
    let blobs =
        cosabi_sync_server::blob_store::BlobStore::local(&dir.path().join("blobs")).unwrap();
    let state = AppState::new(Arc::new(store.clone()), blobs);

    let folds = folds_of(&state, &[clinic.id], 2).await.unwrap();
    assert_eq!(state.programme.folds(), 1);
    let fold = &folds[&clinic.id];
    assert_eq!(
        fold.synced.as_ref().unwrap().municipality,
        clinic.municipality
    );
    assert_eq!(fold.seats.len(), replica.members().unwrap().len());
    assert!(fold.assemblies.is_empty());

    folds_of(&state, &[clinic.id], 2).await.unwrap();
    assert_eq!(
        state.programme.folds(),
        1,
        "an unchanged clinic was folded again"
    );

    let held = replica.version_vector().unwrap();
    replica
        .create_assembly(&cosabi_core::assembly::NewAssembly {
            kind: "ordinaria".into(),
            date: "2024-05-02".into(),
            place: "Sala de espera".into(),
            ..Default::default()
        })
        .unwrap();
    push_all(&replica, held).await;
    let folds = folds_of(&state, &[clinic.id], 2).await.unwrap();
    assert_eq!(state.programme.folds(), 2);
    assert_eq!(folds[&clinic.id].assemblies.len(), 1);
}
