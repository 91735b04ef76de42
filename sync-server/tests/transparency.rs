//! The public transparency pages of a real server process: demo clinics of two
//! states and a hand-built clinic synced through the real protocol, read back
//! without an account — the seed table's figures, one clinic's detail, its photos,
//! one 404 for everything unpublished, and no personal data anywhere.

mod support;

use cosabi_core::Centavos;
use cosabi_sync_server::blob_store::BlobStore;
use cosabi_sync_server::sqlite_store::SqliteStore;
use cosabi_sync_server::{app, AppState};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;
use support::public::*;
use support::{assert_table_line, csv_rows, num};
use tower::ServiceExt;

/// The headers of an answer but the date, which moves.
fn stable_headers(h: &reqwest::header::HeaderMap) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = h
        .iter()
        .filter(|(k, _)| *k != "date")
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_owned()))
        .collect();
    v.sort();
    v
}

/// Demo clinics of Baja California Sur and Campeche, the hand-built clinic of
/// Nayarit and one of Veracruz (not published) are synced; the public pages show
/// the seed table, the clinic's money, actions, photos and agreements, and nothing
/// else.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_pages_show_the_seed_table_and_each_clinic_without_people() {
    let started = Instant::now();
    let site = PublicSite::start(&["BS", "CC"]).await;
    eprintln!("setup: {:.1} s", started.elapsed().as_secs_f64());
    let year = site.year;

    // The committee table, as the seed release has it, with nothing of Veracruz.
    let body = site.text("/transparencia.csv").await;
    let rows = csv_rows(&body);
    let by_code: HashMap<&str, &HashMap<String, String>> = rows
        .iter()
        .map(|r| (r["clave_estado"].as_str(), r))
        .collect();
    for t in &site.table {
        let row = by_code[t.state.code];
        assert_table_line(row, t);
    }
    let nayarit = by_code["NT"];
    assert_eq!(
        (
            num(nayarit, "comites_instalados"),
            num(nayarit, "centros_de_salud")
        ),
        (1, 1),
        "the hand-built committee holds its seven seats"
    );
    assert_eq!(rows.len(), site.table.len() + 2, "BS, CC, NT and the total");
    assert!(!body.contains("Veracruz") && !body.contains("VZ"));
    let index = site.text("/transparencia").await;
    assert!(index.contains("<html lang=\"es-MX\">"));
    for t in &site.table {
        assert!(
            index.contains(&format!(
                "<td class=\"installed\">{}</td><td class=\"clinics\">{}</td>",
                t.installed, t.clinics
            )),
            "{} lacks its line",
            t.state.name
        );
    }
    assert!(!index.contains("Veracruz"));

    // A state's page reproduces its line of the table, and its CSV has its clinics.
    for t in &site.table {
        let code = t.state.code;
        let page = site.text(&format!("/transparencia/estado/{code}")).await;
        assert!(
            page.contains(&format!(
                "<tr data-estado=\"{code}\"><th scope=\"row\"><a href=\"/transparencia/estado/{code}\">{}</a></th><td class=\"installed\">{}</td><td class=\"clinics\">{}</td>",
                t.state.name, t.installed, t.clinics
            )),
            "{page}"
        );
        let clinics = csv_rows(
            &site
                .text(&format!("/transparencia/estado/{code}.csv"))
                .await,
        );
        assert_eq!(clinics.len() as u32, t.clinics);
        assert_eq!(
            clinics
                .iter()
                .map(|r| num(r, "comites_instalados"))
                .sum::<u64>(),
            u64::from(t.installed)
        );
    }

    // One clinic: money, spending by category, actions, photos, agreements by role.
    let clinic = site.text(&format!("/transparencia/clinica/{CLUES}")).await;
    for shown in [
        "Centro de Salud Jesús María",
        "$600,000.00",
        "Impermeabilizar el techo de la sala de espera",
        "Terminada",
        "Verificada",
        "Propuesta",
        "Asamblea constitutiva",
        "Revisar que el baumanómetro llegue completo",
        "Tesorería",
        "Contraloría social",
        "Cumplido",
        "Sin asignar",
        "3 acciones registradas",
        "2 consultorios",
        &Centavos::from_pesos(83_500).to_string(),
        &Centavos::from_pesos(11_990).to_string(),
        &Centavos::from_pesos(95_490).to_string(),
        &format!("/transparencia/clinica/{CLUES}/foto/{}", site.before_sha),
        &format!("/transparencia/clinica/{CLUES}/foto/{}", site.after_sha),
        "alt=\"Foto de antes: Impermeabilizar el techo de la sala de espera\"",
    ] {
        assert!(clinic.contains(shown), "the clinic page lacks {shown:?}");
    }
    assert!(
        !clinic.contains(DRAFT_AGREEMENT),
        "an acta in draft was published"
    );
    assert!(!clinic.contains(&site.receipt_sha), "a receipt was linked");
    let detail = site
        .text(&format!(
            "/transparencia/clinica/{CLUES}.csv?ejercicio={year}"
        ))
        .await;
    let lines = csv_rows(&detail);
    let section = |s: &str| lines.iter().filter(|l| l["seccion"] == s).count();
    assert_eq!(
        (
            section("deposito"),
            section("gasto"),
            section("accion"),
            section("asamblea"),
            section("acuerdo")
        ),
        (1, 3, 3, 1, 3)
    );
    let spent: HashMap<&str, &str> = lines
        .iter()
        .filter(|l| l["seccion"] == "gasto")
        .map(|l| (l["rubro"].as_str(), l["monto"].as_str()))
        .collect();
    assert_eq!(spent["infraestructura"], "83500.00");
    assert_eq!(spent["equipamiento"], "11990.00");
    let agreement = |text: &str| {
        lines
            .iter()
            .find(|l| l["seccion"] == "acuerdo" && l["descripcion"] == text)
            .unwrap_or_else(|| panic!("no agreement {text:?} in {detail}"))
    };
    assert_eq!(
        agreement("Impermeabilizar el techo de la sala de espera antes de las lluvias")
            ["responsable"],
        "Tesorería"
    );
    // An agreement typed as a list item is text in the CSV, as typed on the page.
    assert_eq!(agreement(&format!("'{DASH_AGREEMENT}"))["responsable"], "");
    assert!(clinic.contains(DASH_AGREEMENT));
    let roof = lines
        .iter()
        .find(|l| l["seccion"] == "accion" && l["rubro"] == "infraestructura")
        .unwrap();
    assert_eq!(roof["estado"], "terminada");
    assert_eq!(roof["fotos"].split(' ').count(), 2);

    // Pages carry a policy that runs no script; photos and files cannot run at all.
    let (_, headers, _) = site.get(&format!("/transparencia/clinica/{CLUES}")).await;
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.starts_with("default-src 'none'; img-src 'self'; style-src 'sha256-"));
    assert_eq!(headers["x-content-type-options"], "nosniff");

    // The before and after photos are served; the receipt never, not even through
    // the "after" photo row that names its bytes.
    for (sha, bytes) in [
        (&site.before_sha, &site.before_jpeg),
        (&site.after_sha, &site.after_jpeg),
    ] {
        let (status, headers, body) = site
            .get(&format!("/transparencia/clinica/{CLUES}/foto/{sha}"))
            .await;
        assert_eq!(status, 200);
        assert_eq!(headers["content-type"], "image/jpeg");
        assert!(headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("sandbox"));
        assert_eq!(&body, bytes);
    }

    // One 404, byte for byte and header for header, for all that is not published.
    let unknown_state = site.get("/transparencia/estado/XX").await;
    assert_eq!(unknown_state.0, 404);
    let refused = [
        "/transparencia/estado/VZ".to_owned(),
        "/transparencia/estado/vz.csv".to_owned(),
        "/transparencia/estado/Veracruz".to_owned(),
        format!("/transparencia/clinica/{UNPUBLISHED_CLUES}"),
        format!("/transparencia/clinica/{UNPUBLISHED_CLUES}.csv"),
        "/transparencia/clinica/NTIMB999999".to_owned(),
        format!("/transparencia/clinica/{}", "N".repeat(5000)),
        "/transparencia/clinica/..%2F..%2Fetc".to_owned(),
        format!("/transparencia/clinica/{CLUES}?ejercicio=1999"),
        format!("/transparencia/clinica/{CLUES}?ejercicio=abc"),
        format!("/transparencia/clinica/{CLUES}/foto/{}", site.receipt_sha),
        format!(
            "/transparencia/clinica/{CLUES}/foto/{}",
            site.before_sha.to_uppercase()
        ),
        format!("/transparencia/clinica/{CLUES}/foto/{}", "0".repeat(64)),
        format!(
            "/transparencia/clinica/{UNPUBLISHED_CLUES}/foto/{}",
            site.before_sha
        ),
        "/transparencia/otra/cosa".to_owned(),
    ];
    for path in &refused {
        let (status, headers, body) = site.get(path).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(body, unknown_state.2, "{path}: another body");
        assert_eq!(
            stable_headers(&headers),
            stable_headers(&unknown_state.1),
            "{path}: other headers"
        );
    }

    // No member name, supplier, RFC, folio or minutes on any page or in any CSV.
    assert!(site
        .private_texts
        .iter()
        .any(|t| t == "Rosalía Carrillo de la Cruz"));
    assert!(site
        .private_texts
        .iter()
        .any(|t| t == "Impermeabilizantes Carrillo e Hijos"));
    assert!(
        site.private_texts.len() > 300,
        "{}",
        site.private_texts.len()
    );
    let t0 = Instant::now();
    let mut paths = vec!["/transparencia".to_owned(), "/transparencia.csv".to_owned()];
    for t in &site.table {
        paths.push(format!("/transparencia/estado/{}", t.state.code));
        paths.push(format!("/transparencia/estado/{}.csv", t.state.code));
        for r in csv_rows(
            &site
                .text(&format!("/transparencia/estado/{}.csv", t.state.code))
                .await,
        ) {
            paths.push(format!("/transparencia/clinica/{}", r["clues"]));
            paths.push(format!("/transparencia/clinica/{}.csv", r["clues"]));
        }
    }
    paths.push(format!("/transparencia/clinica/{CLUES}"));
    paths.push(format!("/transparencia/clinica/{CLUES}.csv"));
    let private: Vec<String> = site
        .private_texts
        .iter()
        .map(|t| t.to_lowercase())
        .collect();
    for path in &paths {
        let body = site.text(path).await.to_lowercase();
        if let Some(leak) = private.iter().find(|t| body.contains(t.as_str())) {
            panic!("{path} shows {leak:?}");
        }
    }
    eprintln!(
        "{} pages and CSVs searched for {} private texts in {:.1} s",
        paths.len(),
        private.len(),
        t0.elapsed().as_secs_f64()
    );
}

/// Without `[transparency]` nothing is public: the index and any state answer the
/// same 404 as a path that never existed.
#[tokio::test]
async fn nothing_is_public_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("server.sqlite3")).unwrap();
    let router = app(AppState::new(Arc::new(store), BlobStore::in_memory()));
    let get = |path: &str| {
        let router = router.clone();
        let req = axum::http::Request::get(path)
            .body(axum::body::Body::empty())
            .unwrap();
        async move {
            let resp = router.oneshot(req).await.unwrap();
            let status = resp.status();
            let body = axum::body::to_bytes(resp.into_body(), 1 << 20)
                .await
                .unwrap();
            (status, body)
        }
    };
    let never = get("/transparencia/nunca").await;
    assert_eq!(never.0, 404);
    assert!(std::str::from_utf8(&never.1)
        .unwrap()
        .contains("Página no encontrada"));
    for path in [
        "/transparencia",
        "/transparencia.csv",
        "/transparencia/estado/VZ",
        "/transparencia/clinica/VZIMB000417",
    ] {
        assert_eq!(get(path).await, never, "{path}");
    }
}
