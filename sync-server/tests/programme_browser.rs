//! The programme view in headless Chromium over WebDriver: a person signs in through
//! the form (the session cookie is the one the server sets, HttpOnly, never set by
//! the test) and downloads the programme CSV, which sits at `/programa.csv`, beside
//! `/programa` and not under it. Every wait is bounded and polls a condition.

mod support;

use fantoccini::Locator;
use serde_json::Value;
use std::time::Duration;
use support::chrome::ChromeDriver;
use support::*;

const WAIT_MS_MAX: u64 = 30_000;
const POLL_MS: u64 = 50;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_programme_csv_downloads_after_signing_in_through_the_form() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), "127.0.0.1:0");
    add_clinic(&server.db, "VZIMB000417");
    add_account(&server.db, "ana", "programa");
    let driver = ChromeDriver::start();
    let client = driver.session(&dir.path().join("profile")).await;

    client
        .goto(&format!("{}/programa/entrar", server.url))
        .await
        .unwrap();
    client
        .find(Locator::Id("usuario"))
        .await
        .unwrap()
        .send_keys("ana")
        .await
        .unwrap();
    client
        .find(Locator::Id("contrasena"))
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    client
        .find(Locator::Css("form.login button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // Signed in: the programme page, with the link to its CSV.
    let link = client
        .wait()
        .at_most(Duration::from_millis(WAIT_MS_MAX))
        .every(Duration::from_millis(POLL_MS))
        .for_element(Locator::Css("a[href^='/programa.csv']"))
        .await
        .expect("the programme page with its CSV link");
    let href = link.attr("href").await.unwrap().unwrap();
    // The session is HttpOnly: the page's scripts cannot read it.
    let cookies = client
        .execute("return document.cookie;", vec![])
        .await
        .unwrap();
    assert!(!cookies.as_str().unwrap().contains("cosabi_sesion"));

    // The link followed as the browser does, with the cookies it holds.
    let got = client
        .execute_async(
            "const [href, done] = arguments;
             fetch(href, { credentials: 'same-origin', redirect: 'manual' })
               .then(async r => done([r.status, r.type, r.headers.get('content-disposition'),
                                      await r.text()]))
               .catch(e => done([0, String(e), null, '']));",
            vec![Value::String(href.clone())],
        )
        .await
        .unwrap();
    assert_eq!(got[0], 200, "{href}: {got}");
    assert!(
        got[2]
            .as_str()
            .unwrap()
            .starts_with("attachment; filename=\"programa-"),
        "{got}"
    );
    let rows = csv_rows(got[3].as_str().unwrap());
    let total = rows.last().expect("a total row");
    assert_eq!(total["estado"], "Total");
    assert_eq!(total["centros_de_salud"], "1");
    let _ = client.close().await;
}
