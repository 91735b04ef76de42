//! The web build (issue 12) as a phone runs it: Debian's Chromium, headless, with a
//! phone's screen and touch (Chromium's mobile emulation, 360×740), driven over
//! chromedriver. A browser profile is a folder: closing the browser and starting
//! it again on the same folder is a phone's app closed and opened again (its
//! service worker, its OPFS files and its storage are in the profile).

use crate::{App, Guard, POLL_MS, WAIT_MS_MAX};
use anyhow::{bail, Context, Result};
use fantoccini::{Client, ClientBuilder};
use serde_json::{json, Value};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The phone the web build is tested on: CSS pixels, device pixel ratio.
pub const PHONE_WEB: (u32, u32, f64) = (360, 740, 2.0);

/// A chromedriver on a free port, killed when dropped.
pub struct Chromium {
    _child: Guard,
    url: String,
}

impl Chromium {
    pub fn start() -> Result<Chromium> {
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let mut child = Command::new("chromedriver")
            .args([format!("--port={port}"), "--allowed-ips=127.0.0.1".into()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("cannot start chromedriver: run `make setup` (chromium chromium-driver)")?;
        let deadline = Instant::now() + Duration::from_millis(WAIT_MS_MAX);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = child.try_wait()? {
                bail!("chromedriver exited with {status}");
            }
            if Instant::now() > deadline {
                bail!("chromedriver did not listen on {port} within {WAIT_MS_MAX} ms");
            }
            std::thread::sleep(Duration::from_millis(POLL_MS));
        }
        Ok(Chromium {
            _child: Guard(child),
            url: format!("http://127.0.0.1:{port}"),
        })
    }

    /// A browser on profile folder `profile`, at a phone's size with touch, showing
    /// `page`; returns once the app's first screen is up.
    pub async fn open(&self, profile: &Path, page: &str) -> Result<App> {
        let client = self.session(profile).await?;
        client.goto(page).await?;
        let app = App { client };
        app.wait_for("main.content > section, #load-error").await?;
        Ok(app)
    }

    /// A browser session on profile folder `profile` (no page yet).
    pub async fn session(&self, profile: &Path) -> Result<Client> {
        let (width, height, ratio) = PHONE_WEB;
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--hide-scrollbars",
                    "--lang=es-MX",
                    // No first-run dialogs and no background network of Chromium's
                    // own: the only requests are the app's.
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    format!("--user-data-dir={}", profile.display()),
                ],
                "mobileEmulation": {
                    "deviceMetrics": { "width": width, "height": height, "pixelRatio": ratio, "touch": true, "mobile": true },
                    "userAgent": "Mozilla/5.0 (Linux; Android 11; moto e20) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36"
                }
            }
        });
        let Value::Object(caps) = caps else {
            bail!("capabilities are an object");
        };
        ClientBuilder::rustls()?
            .capabilities(caps)
            .connect(&self.url)
            .await
            .context("a WebDriver session with headless Chromium")
    }
}

/// A DevTools protocol command sent through chromedriver's `goog/cdp/execute`.
#[derive(Debug)]
struct Cdp {
    method: &'static str,
    params: Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({ "cmd": self.method, "params": self.params });
        (http::Method::POST, Some(body.to_string()))
    }
}

impl App {
    /// Runs DevTools protocol command `method` on the page; returns its result.
    pub async fn cdp(&self, method: &'static str, params: Value) -> Result<Value> {
        Ok(self.client.issue_cmd(Cdp { method, params }).await?)
    }

    /// Cuts the page's network (DevTools' "offline"), or gives it back.
    pub async fn set_offline(&self, offline: bool) -> Result<()> {
        self.cdp(
            "Network.emulateNetworkConditions",
            json!({ "offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1 }),
        )
        .await?;
        Ok(())
    }

    /// Waits until the service worker controls the page and has kept every file.
    pub async fn wait_offline_ready(&self) -> Result<()> {
        let deadline = Instant::now() + Duration::from_millis(WAIT_MS_MAX);
        loop {
            let ready = self
                .eval_async(
                    "const reg = await navigator.serviceWorker.getRegistration();
                     const keys = await caches.keys();
                     return Boolean(reg && reg.active && reg.active.state === 'activated'
                       && navigator.serviceWorker.controller
                       && keys.some((k) => k.startsWith('cosabi-app-')));",
                )
                .await?;
            if ready.as_bool() == Some(true) {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("the service worker did not take the page within {WAIT_MS_MAX} ms");
            }
            tokio::time::sleep(Duration::from_millis(POLL_MS)).await;
        }
    }

    /// Runs `body` (the body of an async JavaScript function) in the page and returns
    /// what it returns; a thrown error comes back as `{"error": "..."}`.
    pub async fn eval_async(&self, body: &str) -> Result<Value> {
        let script = format!(
            "const done = arguments[arguments.length - 1];
             (async () => {{ {body} }})().then(done, (e) => done({{ error: String(e) }}));"
        );
        Ok(self.client.execute_async(&script, vec![]).await?)
    }

    /// Lets the page download files, into `dir` (made if missing), as a phone keeps
    /// what it downloads.
    pub async fn allow_downloads(&self, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir)?;
        self.cdp(
            "Browser.setDownloadBehavior",
            json!({ "behavior": "allow", "downloadPath": dir }),
        )
        .await?;
        Ok(())
    }

    /// Closes the browser (the phone's app closed; its profile stays).
    pub async fn close_browser(self) -> Result<()> {
        self.client.close().await?;
        Ok(())
    }
}
