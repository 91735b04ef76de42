//! The public transparency pages in headless Chromium over WebDriver (chromedriver on
//! a free 127.0.0.1 port, driven with fantoccini), at phone (360×740) and desktop
//! (1280×800) size: the state page shows the seed table's line computed from the
//! demo clinics, the clinic page its photos; the stylesheet passes the page's CSP,
//! nothing overflows a phone's width, and screenshots are written for the README
//! (`COSABI_SCREENSHOTS_DIR`, set by `make screenshots` to docs/screenshots; else
//! under the target directory).
//!
//! Every wait is bounded and polls a condition (a port that accepts, an element, an
//! image decoded); none waits a fixed time.

mod support;

use fantoccini::{Client, Locator};
use serde_json::Value;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use support::chrome::ChromeDriver;
use support::public::*;

/// How long anything may take to appear.
const WAIT_MS_MAX: u64 = 30_000;
/// Interval between checks of a condition.
const POLL_MS: u64 = 50;
/// Tries to make the viewport the size asked for (the window's frame differs).
const RESIZE_TRIES_MAX: u32 = 4;

const PHONE: (u32, u32) = (360, 740);
const DESKTOP: (u32, u32) = (1280, 800);

fn screenshots_dir() -> PathBuf {
    let dir = std::env::var_os("COSABI_SCREENSHOTS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn js(client: &Client, script: &str) -> Value {
    client.execute(script, vec![]).await.unwrap()
}

/// Makes the viewport exactly `w`×`h` CSS pixels.
async fn viewport(client: &Client, (w, h): (u32, u32)) {
    let (mut ww, mut wh) = (i64::from(w), i64::from(h));
    for _ in 0..RESIZE_TRIES_MAX {
        client.set_window_size(ww as u32, wh as u32).await.unwrap();
        let got = js(client, "return [window.innerWidth, window.innerHeight];").await;
        let (gw, gh) = (got[0].as_i64().unwrap(), got[1].as_i64().unwrap());
        if (gw, gh) == (i64::from(w), i64::from(h)) {
            return;
        }
        ww += i64::from(w) - gw;
        wh += i64::from(h) - gh;
    }
    panic!("the viewport did not become {w}×{h}");
}

async fn text_of(client: &Client, css: &str) -> String {
    client
        .wait()
        .at_most(Duration::from_millis(WAIT_MS_MAX))
        .every(Duration::from_millis(POLL_MS))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css} did not appear: {e}"))
        .text()
        .await
        .unwrap()
}

/// What every public page must be: Spanish, styled (the stylesheet passed the CSP),
/// and no wider than the viewport (wide tables scroll in their own box).
async fn check_page(client: &Client, what: &str) {
    let v = js(
        client,
        "return [document.documentElement.lang,
                 getComputedStyle(document.querySelector('header')).backgroundColor,
                 document.documentElement.scrollWidth, window.innerWidth,
                 Array.from(document.images).filter(i => !i.alt.trim()).length];",
    )
    .await;
    assert_eq!(v[0], "es-MX", "{what}");
    assert_eq!(
        v[1], "rgb(97, 18, 50)",
        "{what}: the stylesheet was not applied"
    );
    assert!(
        v[2].as_u64() <= v[3].as_u64(),
        "{what}: the page is {} px wide in a {} px viewport",
        v[2],
        v[3]
    );
    assert_eq!(v[4], 0, "{what}: an image without a text alternative");
}

/// Scrolls each image into view (they load lazily) and waits until all `n` are
/// decoded.
async fn wait_for_images(client: &Client, n: u64) {
    let deadline = Instant::now() + Duration::from_millis(WAIT_MS_MAX);
    let mut seen = Value::Null;
    while Instant::now() < deadline {
        seen = js(
            client,
            "const imgs = Array.from(document.images);
             imgs.forEach(i => { if (!i.complete) i.scrollIntoView(); });
             return imgs.filter(i => i.complete && i.naturalWidth > 0).length;",
        )
        .await;
        if seen.as_u64() == Some(n) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(POLL_MS)).await;
    }
    panic!("expected {n} decoded photos, saw {seen}");
}

async fn screenshot(client: &Client, name: &str) {
    let png = client.screenshot().await.unwrap();
    let path = screenshots_dir().join(name);
    std::fs::write(&path, png).unwrap();
    eprintln!("screenshot: {}", path.display());
}

/// Campeche's demo clinics and the hand-built clinic of Nayarit, in Chromium at
/// phone and desktop size.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_shows_the_state_table_and_a_clinic_with_its_photos() {
    let started = Instant::now();
    let site = PublicSite::start(&["CC"]).await;
    let campeche = site.table[0].clone();
    eprintln!("setup: {:.1} s", started.elapsed().as_secs_f64());
    let driver = ChromeDriver::start();
    let profile = tempfile::tempdir().unwrap();
    let client = driver.session(profile.path()).await;
    let url = &site.server.url;

    for (size, device) in [(PHONE, "phone"), (DESKTOP, "desktop")] {
        viewport(&client, size).await;

        // The state page: its line of the seed table, computed from the demo.
        client
            .goto(&format!("{url}/transparencia/estado/CC"))
            .await
            .unwrap();
        assert_eq!(text_of(&client, "h2").await, "Campeche");
        let line = "#comites tr[data-estado=\"CC\"]";
        assert_eq!(
            text_of(&client, &format!("{line} td.installed")).await,
            campeche.installed.to_string()
        );
        assert_eq!(
            text_of(&client, &format!("{line} td.clinics")).await,
            campeche.clinics.to_string()
        );
        let rows = client
            .find_all(Locator::Css("#centros tbody tr"))
            .await
            .unwrap();
        assert_eq!(rows.len() as u32, campeche.clinics);
        check_page(&client, &format!("state page, {device}")).await;
        screenshot(&client, &format!("transparency-state-{device}.png")).await;

        // A clinic from the state's table opens by its link.
        let first = client
            .find(Locator::Css("#centros tbody tr th a"))
            .await
            .unwrap();
        let name = first.text().await.unwrap();
        first.click().await.unwrap();
        assert_eq!(text_of(&client, "h2").await, name);
        check_page(&client, &format!("a demo clinic, {device}")).await;

        // The hand-built clinic: money, actions with their photos, agreements.
        client
            .goto(&format!("{url}/transparencia/clinica/{CLUES}"))
            .await
            .unwrap();
        assert_eq!(text_of(&client, "h2").await, "Centro de Salud Jesús María");
        assert!(text_of(&client, "table.spending tfoot")
            .await
            .contains("$95,490.00"));
        let agreements = text_of(&client, "table.agreements").await;
        assert!(agreements.contains("Tesorería"), "{agreements}");
        assert!(!agreements.contains("Brígida"), "{agreements}");
        wait_for_images(&client, 2).await;
        check_page(&client, &format!("clinic page, {device}")).await;
        js(&client, "window.scrollTo(0, 0);").await;
        screenshot(&client, &format!("transparency-clinic-{device}.png")).await;
        js(
            &client,
            "document.querySelector('.actions').scrollIntoView();",
        )
        .await;
        screenshot(
            &client,
            &format!("transparency-clinic-actions-{device}.png"),
        )
        .await;
    }
    client.close().await.unwrap();
    eprintln!("total: {:.1} s", started.elapsed().as_secs_f64());
}

/// The public verification page in Chromium: a cuadernillo a device sealed and
/// synced, its code typed into the form as from paper (lower case, spaces), at phone
/// and desktop size.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_verifies_a_printed_document_by_its_code() {
    use support::{add_clinic, Device, Server};
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), "127.0.0.1:0");
    let enrollment = add_clinic(&server.db, "VZIMB000417");
    let device = Device::enroll(dir.path(), "phone", &server.url, &enrollment).await;
    let issuer = cosabi_reports::Issuer::now(Some(server.url.clone()));
    let code = device.with(|r| {
        r.load_demo().unwrap();
        r.record_purchase(&support::purchase("Cemento gris 50 kg"))
            .unwrap();
        let pdf = cosabi_reports::issue_cuadernillo(r, 2025, &issuer).unwrap();
        cosabi_reports::seal::code_in_file(&pdf).expect("the PDF names its code")
    });
    device.sync(&server.url).await;

    let driver = ChromeDriver::start();
    let profile = tempfile::tempdir().unwrap();
    let client = driver.session(profile.path()).await;
    for (size, device) in [(PHONE, "phone"), (DESKTOP, "desktop")] {
        viewport(&client, size).await;
        client
            .goto(&format!("{}/verificar", server.url))
            .await
            .unwrap();
        check_page(&client, &format!("verification form, {device}")).await;
        let input = client.find(Locator::Css("#codigo")).await.unwrap();
        input
            .send_keys(&code.to_lowercase().replace('-', " "))
            .await
            .unwrap();
        client
            .find(Locator::Css("form[method=get] button"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let verdict = text_of(&client, ".verdict.ok h2").await;
        assert!(verdict.contains("coincide"), "{verdict}");
        assert!(client
            .current_url()
            .await
            .unwrap()
            .as_str()
            .ends_with(&format!("/verificar/{code}")));
        assert!(text_of(&client, "dl")
            .await
            .contains("Cuadernillo de control de gastos 2025"));
        check_page(&client, &format!("verification page, {device}")).await;
        screenshot(&client, &format!("verify-page-{device}.png")).await;
    }
    client.close().await.unwrap();
}
