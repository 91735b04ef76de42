//! chromedriver on a free 127.0.0.1 port and headless Chromium sessions over
//! WebDriver (fantoccini), for the tests of pages in a real browser. Every wait is
//! bounded and polls.

use fantoccini::{Client, ClientBuilder};
use serde_json::{json, Value};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long chromedriver may take to listen.
const WAIT_MS_MAX: u64 = 30_000;
/// Interval between checks.
const POLL_MS: u64 = 50;

/// chromedriver, killed when dropped.
pub struct ChromeDriver {
    child: Child,
    url: String,
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl ChromeDriver {
    pub fn start() -> ChromeDriver {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut child = Command::new("chromedriver")
            .args([format!("--port={port}"), "--allowed-ips=127.0.0.1".into()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("cannot start chromedriver: run `make setup` (apt packages chromium chromium-driver)");
        let deadline = Instant::now() + Duration::from_millis(WAIT_MS_MAX);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = child.try_wait().unwrap() {
                panic!("chromedriver exited with {status}");
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not listen on {port} within {WAIT_MS_MAX} ms"
            );
            std::thread::sleep(Duration::from_millis(POLL_MS));
        }
        ChromeDriver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }

    /// A headless Chromium session with its own profile in `profile`.
    pub async fn session(&self, profile: &std::path::Path) -> Client {
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
                    "--force-device-scale-factor=1",
                    "--lang=es-MX",
                    format!("--user-data-dir={}", profile.display()),
                ]
            }
        });
        let Value::Object(caps) = caps else {
            unreachable!()
        };
        ClientBuilder::rustls()
            .unwrap()
            .capabilities(caps)
            .connect(&self.url)
            .await
            .expect("a WebDriver session with headless Chromium")
    }
}
