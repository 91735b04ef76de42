//! The web build (issue 12) in Debian's Chromium at a phone's size, served by a real
//! sync server at `/app`: installed on a first visit, then used with no network.
//!
//! The build is `target/web-app` (`make web`, which `make test` runs first), or
//! `COSABI_WEB_APP`.

use anyhow::{bail, Result};
use cosabi_e2e::{add_member, create_clinic, App, Chromium, SyncServer};
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
    let server_dir = dir.path().join("server");
    std::fs::create_dir_all(&server_dir)?;
    let server = SyncServer::start_with(&server_dir, "127.0.0.1:0", Some(&web_app))?;
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
