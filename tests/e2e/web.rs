//! The web build (issue 12) in Debian's Chromium at a phone's size, served by a real
//! sync server at `/app`: installed on a first visit, then used with no network.
//!
//! The build is `target/web-app` (`make web`, which `make test` runs first), or
//! `COSABI_WEB_APP`.

use anyhow::{bail, Result};
use cosabi_e2e::{
    add_member, create_clinic, sync, App, Chromium, CutProxy, Driver, SyncServer, WAIT_MS_MAX,
};
use std::path::PathBuf;

/// The built web app under test.
fn web_app() -> Result<PathBuf> {
    let dir = match std::env::var_os("COSABI_WEB_APP") {
        Some(d) => PathBuf::from(d),
        None => cosabi_e2e::target_dir().join("web-app"),
    };
    if !dir.join("index.html").is_file() || !dir.join("sw.js").is_file() {
        bail!("{} holds no web app: run `make web` first", dir.display());
    }
    Ok(dir)
}

/// A sync server in `dir/server` on a free port, serving the web app at `/app`.
fn serve(dir: &std::path::Path, web_app: &std::path::Path) -> Result<SyncServer> {
    let server_dir = dir.join("server");
    std::fs::create_dir_all(&server_dir)?;
    SyncServer::start_with(&server_dir, "127.0.0.1:0", Some(web_app))
}

/// A phone joins the committee from the web app's first screen with a fresh
/// enrollment code of VZIMB001234, named `device`; then `member` takes a PIN on it.
async fn join_committee(
    phone: &App,
    server: &SyncServer,
    device: &str,
    member: &str,
    pin: &str,
) -> Result<()> {
    phone.accept_privacy().await?;
    phone.click("#join-committee").await?;
    phone.type_into("#enroll-server", &server.url).await?;
    phone
        .type_into("#enroll-code", &server.enrollment_code("VZIMB001234")?)
        .await?;
    phone.type_into("#enroll-device", device).await?;
    phone.click("#enroll-submit").await?;
    phone.wait_for("#page-committee").await?;
    phone.wait_for_count(".member-row", 1).await?;
    phone.sign_in(member, pin).await?;
    Ok(())
}

async fn shot(app: &App, name: &str) -> Result<()> {
    app.painted().await?;
    app.screenshot(&format!("web-{name}")).await?;
    app.assert_accessible(&format!("web-{name}")).await?;
    Ok(())
}

/// A committee member opens `https://<server>/app` once, with signal; the app
/// installs itself. Then, with the server gone and the network cut, the phone
/// starts the app, creates the clinic, its committee and a purchase with its
/// receipt's photo; the browser is closed and started again: everything is there.
#[tokio::test]
async fn the_web_app_installs_then_works_with_no_network() -> Result<()> {
    let web_app = web_app()?;
    let dir = tempfile::tempdir()?;
    let profile = dir.path().join("profile");
    let server = serve(dir.path(), &web_app)?;
    let page = format!("{}/app/", server.url);
    let chromium = Chromium::start()?;

    // The first visit, online: the service worker keeps every file, and the page
    // names a manifest Chromium can install from.
    let app = chromium.open(&profile, &page).await?;
    app.wait_offline_ready().await?;
    let manifest = app
        .cdp("Page.getAppManifest", serde_json::json!({}))
        .await?;
    assert!(
        manifest["errors"].as_array().is_some_and(Vec::is_empty),
        "the manifest has errors: {manifest}"
    );
    assert!(
        manifest["url"]
            .as_str()
            .is_some_and(|u| u.ends_with("/app/manifest.webmanifest")),
        "{manifest}"
    );
    shot(&app, "first-visit-phone").await?;
    app.close_browser().await?;

    // No server any more, and the network cut: the app starts from what the service
    // worker kept.
    drop(server);
    let app = chromium.open(&profile, &page).await?;
    app.set_offline(true).await?;
    app.accept_privacy().await?;
    app.wait_for("#clinic-form").await?;
    shot(&app, "setup-offline-phone").await?;
    create_clinic(&app).await?;
    app.wait_for_text("#clinic-clues", "VZIMB001234").await?;
    app.wait_for("#no-members").await?;
    let term_end = chrono::Local::now().date_naive() + chrono::Duration::days(700);
    app.type_into("#term-end", &term_end.format("%d/%m/%Y").to_string())
        .await?;
    app.choose("#member-gender", "f").await?;
    add_member(&app, "Juana Tzompaxtle Xocua", "presidente").await?;
    app.wait_for_count(".member-row", 1).await?;
    app.choose("#member-gender", "f").await?;
    add_member(&app, "María Cuaquehua", "tesorero").await?;
    app.wait_for_count(".member-row", 2).await?;
    let members = app.wait_for("#clinic-card").await?;
    app.scroll_to(&members).await?;
    shot(&app, "committee-phone").await?;

    // The treasurer records a purchase from its receipt's photo.
    app.sign_in("María", "1357").await?;
    app.go("money").await?;
    app.click("#new-purchase").await?;
    let note = dir.path().join("nota.jpg");
    cosabi_e2e::write_receipt_jpeg(&note, 5)?;
    app.upload("#p-photo", &[&note]).await?;
    app.wait_for_text("#p-photo-kept", "No tiene código QR")
        .await?;
    app.choose("#p-receipt-kind", "nota").await?;
    app.type_into("#p-concept", "Escoba y recogedor").await?;
    app.choose("#p-category", "mobiliario").await?;
    app.type_into("#p-unit-cost", "150").await?;
    app.type_into("#p-supplier", "Tlapalería El Volcán").await?;
    app.click("#p-save").await?;
    app.wait_for_text(".purchase-row", "1 comprobante, 1 foto")
        .await?;
    shot(&app, "money-phone").await?;

    // The year's documents, offline too: the cuadernillo (PDF and spreadsheet) and
    // the expediente, each downloaded as a phone keeps a file.
    let downloads = dir.path().join("downloads");
    app.allow_downloads(&downloads).await?;
    app.go("documents").await?;
    let year = chrono::Local::now().format("%Y").to_string();
    let download = |name: String, magic: &'static [u8]| {
        let app = &app;
        let file = downloads.join(&name);
        async move {
            app.click(&format!("#export-written a[download='{name}']"))
                .await?;
            let bytes = cosabi_e2e::wait_for_file(&file).await?;
            anyhow::ensure!(bytes.starts_with(magic), "{name} is not what it says");
            anyhow::Ok(())
        }
    };
    app.click("#export-cuadernillo").await?;
    app.wait_for_count("#export-written .download-document", 2)
        .await?;
    shot(&app, "documents-phone").await?;
    download(format!("cuadernillo-VZIMB001234-{year}.pdf"), b"%PDF").await?;
    download(format!("cuadernillo-VZIMB001234-{year}.xlsx"), b"PK").await?;
    app.click("#export-expediente").await?;
    app.wait_for_text("#export-written", "expediente-VZIMB001234")
        .await?;
    download(format!("expediente-VZIMB001234-{year}.zip"), b"PK").await?;
    app.close_browser().await?;

    // The phone's app opened again, still with no network: the device is locked
    // (members have PINs), and everything is there once the treasurer unlocks it.
    let app = chromium.open(&profile, &page).await?;
    app.set_offline(true).await?;
    app.unlock("Tesorer", "1357").await?;
    app.go("money").await?;
    app.wait_for_text(".purchase-row", "Escoba y recogedor")
        .await?;
    app.wait_for_text(".purchase-row", "1 comprobante, 1 foto")
        .await?;
    app.click(".purchase-row button").await?;
    app.wait_for_count(".receipt-item .thumb", 1).await?;
    shot(&app, "purchase-phone").await?;
    app.go("committee").await?;
    app.wait_for_count(".member-row", 2).await?;
    app.wait_for_text("#clinic-clues", "VZIMB001234").await?;
    app.close_browser().await?;
    Ok(())
}

/// The web app on a phone and the desktop app on the clinic's laptop, in one
/// committee through a local server: both change the same purchase's unit cost
/// offline, both sync, and both show the same state and the same conflict.
#[tokio::test]
async fn the_web_app_and_the_desktop_app_share_a_conflict() -> Result<()> {
    let web_app = web_app()?;
    let dir = tempfile::tempdir()?;
    let server = serve(dir.path(), &web_app)?;
    let code_desktop = server.add_clinic("VZIMB001234", "VZ")?;

    // The laptop registers the clinic and a purchase, enrolls and syncs.
    let data = dir.path().join("desktop");
    std::fs::create_dir_all(&data)?;
    let driver = Driver::start(&data)?;
    let desktop = driver.launch().await?;
    desktop.accept_privacy().await?;
    create_clinic(&desktop).await?;
    add_member(&desktop, "María Cuaquehua", "tesorero").await?;
    desktop.wait_for_count(".member-row", 1).await?;
    desktop.sign_in("María", "1357").await?;
    desktop.go("money").await?;
    desktop.click("#new-purchase").await?;
    desktop
        .type_into("#p-concept", "Pintura vinílica blanca (cubeta)")
        .await?;
    desktop.choose("#p-category", "infraestructura").await?;
    desktop.type_into("#p-quantity", "2").await?;
    desktop.type_into("#p-unit-cost", "100").await?;
    desktop
        .type_into("#p-supplier", "Tlapalería El Volcán")
        .await?;
    desktop.click("#p-save").await?;
    desktop.wait_for_count(".purchase-row", 1).await?;
    // Its receipt, with a photo.
    let receipt = dir.path().join("nota.jpg");
    cosabi_e2e::write_receipt_jpeg(&receipt, 3)?;
    desktop.click(".purchase-row button").await?;
    desktop.click("#new-receipt").await?;
    desktop.click("#r-save").await?;
    desktop
        .upload(".receipt-item input[type=file]", &[&receipt])
        .await?;
    desktop
        .wait_for_count(".receipt-item img.thumb-img", 1)
        .await?;
    desktop.go("sync").await?;
    desktop.type_into("#enroll-server", &server.url).await?;
    desktop.type_into("#enroll-code", &code_desktop).await?;
    desktop
        .type_into("#enroll-device", "Laptop del centro de salud")
        .await?;
    desktop.click("#enroll-submit").await?;
    sync(&desktop).await?;

    // The phone joins the committee from the web app's first screen.
    let chromium = Chromium::start()?;
    let phone = chromium
        .open(&dir.path().join("profile"), &format!("{}/app/", server.url))
        .await?;
    join_committee(&phone, &server, "Teléfono de María", "María", "8642").await?;
    // The receipt's photo is not on the phone yet: fetched from the server on tap.
    phone.go("money").await?;
    phone.click(".purchase-row button").await?;
    phone
        .wait_for_text(".receipt-item .thumb-placeholder", "descargar")
        .await?;
    phone.click(".receipt-item .thumb-button").await?;
    phone.wait_for("#photo-viewer img").await?;
    phone.click("#photo-viewer").await?;
    phone.wait_for(".receipt-item img.thumb-img").await?;

    // Both change the unit cost with no network: the phone first, then the laptop.
    phone.set_offline(true).await?;
    for (app, cost) in [(&phone, "120"), (&desktop, "130")] {
        app.go("money").await?;
        app.click(".purchase-row button").await?;
        app.type_into("#pd-unit-cost", cost).await?;
        app.click("#pd-save-amounts").await?;
        app.wait_for_text("#pd-unit-cost-value", &format!("${cost}.00"))
            .await?;
    }
    phone.set_offline(false).await?;
    for app in [&desktop, &phone, &desktop] {
        app.go("sync").await?;
        sync(app).await?;
    }
    for app in [&desktop, &phone] {
        app.wait_for_count(".conflict-item", 1).await?;
        app.wait_for_text(".conflict-current", "$130.00").await?;
        app.wait_for_text(".conflict-other", "$120.00").await?;
    }
    desktop
        .wait_for_text(".conflict-who-other", "Teléfono de María")
        .await?;
    phone
        .wait_for_text(".conflict-who-current", "Laptop del centro de salud")
        .await?;
    shot(&phone, "conflict-phone").await?;

    // The phone keeps its own value; after a sync each, both show it.
    phone.click(".conflict-restore").await?;
    phone.wait_for("#no-conflicts").await?;
    for app in [&phone, &desktop] {
        sync(app).await?;
    }
    for app in [&desktop, &phone] {
        app.wait_for("#no-conflicts").await?;
        app.go("money").await?;
        app.click(".purchase-row button").await?;
        app.wait_for_text("#pd-unit-cost-value", "$120.00").await?;
    }
    phone.close_browser().await?;
    desktop.quit().await?;
    Ok(())
}

/// The demo clinic on a phone's browser: loaded in one tap, still there after the
/// browser starts again, every main screen fits the phone, an acta downloads as its
/// PDF, and the demo is left after asking, back to the empty first screen.
#[tokio::test]
async fn the_demo_clinic_in_the_web_app_survives_a_restart_and_can_be_left() -> Result<()> {
    let web_app = web_app()?;
    let dir = tempfile::tempdir()?;
    let server = serve(dir.path(), &web_app)?;
    let page = format!("{}/app/", server.url);
    let profile = dir.path().join("profile");
    let chromium = Chromium::start()?;
    let app = chromium.open(&profile, &page).await?;
    app.accept_privacy().await?;
    app.click("#load-demo").await?;
    app.wait_for_text("#demo-banner", "Demostración").await?;
    app.close_browser().await?;

    let app = chromium.open(&profile, &page).await?;
    app.wait_for_text("#demo-banner", "Demostración").await?;
    // Every main screen at a phone's size: nothing wider than the screen, nothing
    // axe finds; their screenshots are in README.
    for screen in [
        "home",
        "money",
        "assemblies",
        "actions",
        "more",
        "documents",
        "sync",
        "settings",
    ] {
        app.go(screen).await?;
        if screen == "sync" {
            app.wait_for("#conflicts").await?;
        }
        assert_eq!(
            app.horizontal_overflow().await?,
            0,
            "{screen} is wider than the phone"
        );
        shot(&app, &format!("demo-{screen}-phone")).await?;
    }
    // The demo's secretary records an assembly; its acta downloads as a PDF.
    let downloads = dir.path().join("downloads");
    app.allow_downloads(&downloads).await?;
    app.sign_in("Rogelio", "1357").await?;
    app.go("assemblies").await?;
    app.click("#new-assembly").await?;
    let today = chrono::Local::now().date_naive().format("%d/%m/%Y");
    app.type_into("#asm-date", &today.to_string()).await?;
    app.type_into("#asm-place", "Casa de salud de Tlaquilpa")
        .await?;
    app.type_into("#asm-agenda", "Lista de asistencia\nInforme de la tesorera")
        .await?;
    app.click("#asm-save").await?;
    app.wait_for("#assembly-detail").await?;
    app.click("#acta-pdf").await?;
    let link = app
        .wait_for("#acta-pdf-message a.download-document")
        .await?;
    let name = link.attr("download").await?.unwrap_or_default();
    assert!(
        name.starts_with("acta-") && name.ends_with(".pdf"),
        "{name}"
    );
    shot(&app, "demo-acta-phone").await?;
    link.click().await?;
    let pdf = cosabi_e2e::wait_for_file(&downloads.join(&name)).await?;
    assert!(pdf.starts_with(b"%PDF"), "{name} is not a PDF");
    app.go("committee").await?;
    app.wait_for_count(".member-row", 9).await?;
    app.click("#leave-demo").await?;
    app.click("#leave-demo-confirm").await?;
    app.wait_for("#clinic-form").await?;
    app.wait_for_count("#demo-banner", 0).await?;
    app.close_browser().await?;

    // Gone for good: the next start is the empty first screen.
    let app = chromium.open(&profile, &page).await?;
    app.wait_for("#clinic-form").await?;
    app.close_browser().await?;
    Ok(())
}

/// The link drops in the middle of a sync round: the server has taken the phone's
/// changes, but its answer never arrives, and the link stays down while the round
/// retries. The sync says so; nothing is lost. With the link back, the next sync
/// goes on from where the server is: another phone of the committee then sees each
/// purchase once, with its receipt's photo. On the way: purchases from a note's
/// photo and from an invoice's CFDI QR code, an invoice's XML read into the form;
/// and the web app's sync file offered as a download.
#[tokio::test]
async fn a_sync_cut_in_the_middle_goes_on_at_the_next_sync_and_duplicates_nothing() -> Result<()> {
    let web_app = web_app()?;
    let dir = tempfile::tempdir()?;
    let server = serve(dir.path(), &web_app)?;
    let code = server.add_clinic("VZIMB001234", "VZ")?;
    // The phone reaches the server only through a link the test can cut.
    let link = CutProxy::start(&server.url).await?;
    let page = format!("{}/app/", link.url);
    let chromium = Chromium::start()?;
    let phone = chromium.open(&dir.path().join("phone"), &page).await?;
    phone.accept_privacy().await?;
    create_clinic(&phone).await?;
    add_member(&phone, "María Cuaquehua", "tesorero").await?;
    phone.wait_for_count(".member-row", 1).await?;
    phone.sign_in("María", "1357").await?;
    phone.go("money").await?;
    // A note's photo, an invoice's photo (its CFDI QR code fills the total and the
    // RFC), and one typed.
    let purchases = [
        ("Escoba y recogedor", "150"),
        ("Lámpara de chicote", ""),
        ("Jabón líquido para manos", "80"),
    ];
    for (n, (concept, cost)) in purchases.iter().enumerate() {
        phone.click("#new-purchase").await?;
        if n == 0 {
            let note = dir.path().join("nota.jpg");
            cosabi_e2e::write_receipt_jpeg(&note, 5)?;
            phone.upload("#p-photo", &[&note]).await?;
            phone
                .wait_for_text("#p-photo-kept", "No tiene código QR")
                .await?;
            phone.choose("#p-receipt-kind", "nota").await?;
        }
        if n == 1 {
            let url = "https://verificacfdi.facturaelectronica.sat.gob.mx/default.aspx?\
                id=9b1f0c2e-4a5d-4e8f-9c3b-2d7e6f1a0b4c&re=EMO0503152A1&rr=XAXX010101000\
                &tt=0000001840.500000&fe=Zx98Yw76";
            let qr = dir.path().join("factura.png");
            qrcode::QrCode::new(url.as_bytes())?
                .render::<image::Luma<u8>>()
                .module_dimensions(8, 8)
                .build()
                .save(&qr)?;
            phone.upload("#p-photo", &[&qr]).await?;
            phone
                .wait_for_text("#p-photo-kept", "código QR leído")
                .await?;
            assert_eq!(phone.value("#p-rfc").await?, "EMO0503152A1");
            phone.wait_for_text("#p-total-preview", "$1,840.50").await?;
        }
        phone.type_into("#p-concept", concept).await?;
        phone.choose("#p-category", "mobiliario").await?;
        if !cost.is_empty() {
            phone.type_into("#p-unit-cost", cost).await?;
        }
        phone.type_into("#p-supplier", "Abarrotes Lupita").await?;
        phone.click("#p-save").await?;
        phone.wait_for_count(".purchase-row", n + 1).await?;
    }
    // An invoice's XML fills the form as well (not saved: its date is another year's).
    phone.click("#new-purchase").await?;
    let xml =
        cosabi_e2e::workspace_root().join("crates/core/tests/fixtures/cfdi40_ferreteria_iva.xml");
    phone.upload("#p-xml", &[&xml]).await?;
    phone.wait_for_value("#p-rfc", "IIA040805DZ4").await?;
    phone.wait_for_value("#p-unit-cost", "5766.94").await?;
    phone.go("sync").await?;
    phone.type_into("#enroll-server", &link.url).await?;
    phone.type_into("#enroll-code", &code).await?;
    phone
        .type_into("#enroll-device", "Teléfono de María")
        .await?;
    phone.click("#enroll-submit").await?;
    phone.wait_for("#sync-now").await?;

    // The first answer of the round is cut after its first byte, and the link stays
    // down through every retry: the sync gives up and says why.
    link.cut_after_response_bytes(1);
    phone.click("#sync-now").await?;
    let retries_ms = cosabi_replica::client::RETRY_DELAY_MS_MAX
        * u64::from(cosabi_replica::client::ROUND_ATTEMPTS_MAX);
    phone
        .wait_for_within("#sync-done, #sync-error", retries_ms + WAIT_MS_MAX)
        .await?;
    phone
        .wait_for_text("#sync-error", "No se pudo conectar con el servidor")
        .await?;
    assert_eq!(link.cuts(), 1, "the round's answer was cut");
    assert!(
        link.refused() > 0,
        "the round was retried while the link was down"
    );

    // The link is back: the next sync finishes, photo included.
    link.restore();
    sync(&phone).await?;
    phone.wait_for_text("#sync-done", "2 fotos").await?;

    // Its sync file, for a stick or a message, is a download on a phone.
    let downloads = dir.path().join("downloads");
    phone.allow_downloads(&downloads).await?;
    phone.click("#export-file").await?;
    let link_to_file = phone
        .wait_for("#sync-file-download a.download-document")
        .await?;
    let name = link_to_file.attr("download").await?.unwrap_or_default();
    assert!(
        name.starts_with("cosabi-VZIMB001234-") && name.ends_with(".cosabi"),
        "{name}"
    );
    link_to_file.click().await?;
    let file = cosabi_e2e::wait_for_file(&downloads.join(&name)).await?;
    assert!(!file.is_empty(), "the sync file is empty");
    phone.close_browser().await?;

    // Another phone of the committee joins: each purchase once, and the photo.
    let other = chromium
        .open(
            &dir.path().join("other-phone"),
            &format!("{}/app/", server.url),
        )
        .await?;
    join_committee(&other, &server, "Teléfono de Juana", "María", "2468").await?;
    other.go("money").await?;
    other
        .wait_for_count(".purchase-row", purchases.len())
        .await?;
    for (concept, _) in purchases {
        let rows = other
            .client
            .find_all(fantoccini::Locator::XPath(&format!(
                "//*[contains(@class,'purchase-row')][contains(.,'{concept}')]"
            )))
            .await?;
        assert_eq!(rows.len(), 1, "{concept} arrived {} times", rows.len());
    }
    other
        .click_text(".purchase-row button", "Escoba y recogedor")
        .await?;
    other.click(".receipt-item .thumb-button").await?;
    other.wait_for("#photo-viewer img").await?;
    other.close_browser().await?;
    Ok(())
}

/// The app's next version as the server would get it: this build with a marker in
/// its page and a new service worker version.
fn next_version(build: &std::path::Path, into: &std::path::Path) -> Result<()> {
    std::fs::create_dir_all(into)?;
    for entry in std::fs::read_dir(build)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name == "index.html.br" || name == "sw.js.br" {
            continue;
        }
        std::fs::copy(entry.path(), into.join(&name))?;
    }
    let index = std::fs::read_to_string(into.join("index.html"))?;
    anyhow::ensure!(
        index.contains("<meta charset=\"utf-8\" />"),
        "index.html changed shape"
    );
    std::fs::write(
        into.join("index.html"),
        index.replace(
            "<meta charset=\"utf-8\" />",
            "<meta charset=\"utf-8\" /><meta name=\"cosabi-build\" content=\"next\" />",
        ),
    )?;
    let sw = std::fs::read_to_string(into.join("sw.js"))?;
    let Some(at) = sw.find("const VERSION = \"") else {
        bail!("sw.js has no VERSION");
    };
    let at = at + "const VERSION = \"".len();
    std::fs::write(
        into.join("sw.js"),
        format!("{}next-{}", &sw[..at], &sw[at..]),
    )?;
    Ok(())
}

/// Which version of the app the page is: `"next"` or `""`.
async fn page_version(app: &App) -> Result<String> {
    let v = app
        .eval_async(
            "const m = document.querySelector('meta[name=cosabi-build]');
             return m ? m.content : '';",
        )
        .await?;
    Ok(v.as_str().unwrap_or_default().to_owned())
}

/// A new version reaches the server while a phone has the app with a half-typed
/// purchase: the phone, at the municipal office, fetches it in the background and
/// goes on with the version it started with; at the next start, with no network, the
/// new version runs, the old one's files are gone, and the half-typed purchase is
/// still there.
#[tokio::test]
async fn a_new_version_is_applied_at_the_next_start_offline_and_keeps_the_draft() -> Result<()> {
    let web_app = web_app()?;
    let dir = tempfile::tempdir()?;
    let server = serve(dir.path(), &web_app)?;
    let server_dir = dir.path().join("server");
    let address = server.url.trim_start_matches("http://").to_owned();
    let page = format!("{}/app/", server.url);
    let profile = dir.path().join("profile");
    let chromium = Chromium::start()?;

    let app = chromium.open(&profile, &page).await?;
    app.wait_offline_ready().await?;
    assert_eq!(page_version(&app).await?, "");
    let first_cache = app
        .eval_async("return (await caches.keys()).join(',');")
        .await?;
    app.accept_privacy().await?;
    app.click("#load-demo").await?;
    app.wait_for("#demo-banner").await?;
    app.sign_in("María", "1357").await?;
    app.go("money").await?;
    app.click("#new-purchase").await?;
    let concept = "Pintura para la sala de espera (a medias)";
    app.type_into("#p-concept", concept).await?;
    // Kept as a draft: another screen, and the form again, shows it.
    app.go("home").await?;
    app.go("money").await?;
    app.click("#new-purchase").await?;
    app.wait_for_value("#p-concept", concept).await?;
    app.close_browser().await?;

    // The server gets the next version; the phone starts the app there, with signal.
    drop(server);
    let next = dir.path().join("next");
    next_version(&web_app, &next)?;
    let server = SyncServer::start_with(&server_dir, &address, Some(&next))?;
    let app = chromium.open(&profile, &page).await?;
    assert_eq!(
        page_version(&app).await?,
        "",
        "the running version changed under the person"
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(WAIT_MS_MAX);
    loop {
        let waiting = app
            .eval_async(
                "const reg = await navigator.serviceWorker.getRegistration();
                 return Boolean(reg && reg.waiting);",
            )
            .await?;
        if waiting.as_bool() == Some(true) {
            break;
        }
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "the next version was not fetched within {WAIT_MS_MAX} ms"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    app.close_browser().await?;

    // The next start, with no server: the next version, and the draft.
    drop(server);
    let app = chromium.open(&profile, &page).await?;
    assert_eq!(page_version(&app).await?, "next");
    app.wait_offline_ready().await?;
    let caches = app
        .eval_async("return (await caches.keys()).join(',');")
        .await?;
    assert_ne!(
        caches, first_cache,
        "the old version's files are still kept"
    );
    assert!(
        caches.as_str().is_some_and(|c| c.contains("next-")),
        "{caches}"
    );
    app.unlock("Tesorer", "1357").await?;
    app.go("money").await?;
    app.click("#new-purchase").await?;
    app.wait_for_value("#p-concept", concept).await?;
    let field = app.wait_for("#p-concept").await?;
    app.scroll_to(&field).await?;
    shot(&app, "updated-draft-phone").await?;
    app.close_browser().await?;
    Ok(())
}
