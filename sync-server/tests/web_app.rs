//! The web app at `/app`, served by the real server process from a build folder
//! (`COSABI_WEB_APP`): MIME types, cache headers, ETags, gzip, the
//! Content-Security-Policy, files left out; and in headless Chromium, the page's own
//! inline script runs under that policy while `eval` is refused.
//!
//! Every wait is bounded and polls a condition.

mod support;

use reqwest::header;
use reqwest::StatusCode;
use std::io::Read as _;
use std::path::Path;
use std::time::{Duration, Instant};
use support::chrome::ChromeDriver;
use support::Server;

const WAIT_MS_MAX: u64 = 30_000;
const POLL_MS: u64 = 50;

const INLINE: &str = "import { start } from '/app/app-0123456789abcdef.js'; start();";
const MODULE: &str = "export function start() {\n  document.body.dataset.started = 'yes';\n  try { eval('1'); document.body.dataset.eval = 'ran'; }\n  catch (e) { document.body.dataset.eval = 'refused'; }\n}\n";

/// A build as the web build writes it, plus files the server must leave out.
fn write_build(dir: &Path) {
    let index = format!(
        "<!doctype html><html lang=\"es-MX\"><head><meta charset=\"utf-8\"><title>Cosabi</title>\
         <link rel=\"manifest\" href=\"/app/manifest.webmanifest\">\
         <link rel=\"stylesheet\" href=\"/app/css/styles-a1b2c3d4e5f60718.css\">\
         <script type=\"module\">{INLINE}</script></head><body><p>Cosabi</p></body></html>"
    );
    std::fs::write(dir.join("index.html"), index).unwrap();
    std::fs::write(dir.join("app-0123456789abcdef.js"), MODULE).unwrap();
    std::fs::write(
        dir.join("cosabi-ui-0123456789abcdef_bg.wasm"),
        [b"\0asm\x01\0\0\0".as_slice(), &[0u8; 4000]].concat(),
    )
    .unwrap();
    std::fs::write(
        dir.join("sw.js"),
        "self.addEventListener('fetch', () => {});\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("manifest.webmanifest"),
        r#"{"name":"Cosabi","start_url":"/app/","display":"standalone"}"#,
    )
    .unwrap();
    std::fs::create_dir(dir.join("css")).unwrap();
    std::fs::write(
        dir.join("css/styles-a1b2c3d4e5f60718.css"),
        "body { color: #123; }\n".repeat(50),
    )
    .unwrap();
    // Brotli copies as the web build writes them: the wasm's is right, the style
    // sheet's is stale (another build's).
    let wasm = std::fs::read(dir.join("cosabi-ui-0123456789abcdef_bg.wasm")).unwrap();
    std::fs::write(
        dir.join("cosabi-ui-0123456789abcdef_bg.wasm.br"),
        brotli(&wasm),
    )
    .unwrap();
    std::fs::write(
        dir.join("css/styles-a1b2c3d4e5f60718.css.br"),
        brotli(&"body { color: #321; }\n".repeat(50).into_bytes()),
    )
    .unwrap();
    std::fs::write(dir.join("setup.exe"), b"MZ").unwrap();
    std::fs::write(dir.join(".secret.js"), b"leak").unwrap();
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn brotli(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut out = Vec::new();
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 4096, 11, 22);
        w.write_all(bytes).unwrap();
    }
    out
}

fn unbrotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli_decompressor::Decompressor::new(bytes, 4096)
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn served(dir: &Path) -> (Server, tempfile::TempDir) {
    let build = tempfile::tempdir().unwrap();
    write_build(build.path());
    let server = Server::start_with(
        &dir.join("server.sqlite3"),
        dir.join("blobs").to_str().unwrap(),
        "127.0.0.1:0",
        &[("COSABI_WEB_APP", build.path().to_str().unwrap())],
    );
    (server, build)
}

#[tokio::test]
async fn the_build_is_served_with_its_types_caching_and_policy() {
    let dir = tempfile::tempdir().unwrap();
    let (server, build) = served(dir.path());
    let http = no_redirects();
    let url = |p: &str| format!("{}{p}", server.url);

    // /app leads to /app/, which is index.html.
    let r = http.get(url("/app")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(r.headers()[header::LOCATION], "/app/");
    let r = http.get(url("/app/")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let h = r.headers().clone();
    assert_eq!(h[header::CONTENT_TYPE], "text/html; charset=utf-8");
    assert_eq!(h[header::CACHE_CONTROL], "no-cache");
    assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    let csp = h[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_owned();
    {
        use base64::Engine as _;
        use sha2::Digest as _;
        let hash = base64::engine::general_purpose::STANDARD
            .encode(sha2::Sha256::digest(INLINE.as_bytes()));
        assert!(csp.contains(&format!("'sha256-{hash}'")), "{csp}");
    }
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(csp.contains("connect-src 'self'"), "{csp}");
    let index = r.text().await.unwrap();
    assert!(index.contains(INLINE));

    // Revalidation by ETag costs no body.
    let etag = h[header::ETAG].clone();
    let r = http
        .get(url("/app/"))
        .header(header::IF_NONE_MATCH, etag.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
    assert!(r.bytes().await.unwrap().is_empty());

    // Hashed names are cached for good; gzip to whoever accepts it, the same bytes.
    let r = http
        .get(url("/app/app-0123456789abcdef.js"))
        .header(header::ACCEPT_ENCODING, "gzip, br")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers()[header::CONTENT_TYPE],
        "text/javascript; charset=utf-8"
    );
    assert_eq!(
        r.headers()[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(r.headers()[header::CONTENT_ENCODING], "gzip");
    assert_eq!(r.headers()[header::VARY], "Accept-Encoding");
    assert_eq!(gunzip(&r.bytes().await.unwrap()), MODULE.as_bytes());
    // Brotli, where the build holds a right copy, to whoever accepts it (as Chrome
    // asks over HTTPS); gzip to whoever refuses it; never a stale copy.
    let wasm_url = url("/app/cosabi-ui-0123456789abcdef_bg.wasm");
    let wasm = std::fs::read(build.path().join("cosabi-ui-0123456789abcdef_bg.wasm")).unwrap();
    for (accept, coding) in [
        ("gzip, deflate, br, zstd", "br"),
        ("br;q=0, gzip", "gzip"),
        ("gzip", "gzip"),
    ] {
        let r = http
            .get(&wasm_url)
            .header(header::ACCEPT_ENCODING, accept)
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()[header::CONTENT_ENCODING], coding, "{accept}");
        assert_eq!(r.headers()[header::VARY], "Accept-Encoding");
        let body = r.bytes().await.unwrap();
        let plain = if coding == "br" {
            unbrotli(&body)
        } else {
            gunzip(&body)
        };
        assert_eq!(plain, wasm, "{accept}");
    }
    let r = http
        .get(url("/app/css/styles-a1b2c3d4e5f60718.css"))
        .header(header::ACCEPT_ENCODING, "br, gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()[header::CONTENT_ENCODING], "gzip");
    assert_eq!(
        gunzip(&r.bytes().await.unwrap()),
        "body { color: #123; }\n".repeat(50).into_bytes()
    );
    let r = http.get(format!("{wasm_url}.br")).send().await.unwrap();
    assert_eq!(
        r.status(),
        StatusCode::NOT_FOUND,
        "a copy is not a file of the app"
    );

    // Refused gzip (q=0) or none asked: plain.
    let r = http
        .get(url("/app/app-0123456789abcdef.js"))
        .header(header::ACCEPT_ENCODING, "gzip;q=0")
        .send()
        .await
        .unwrap();
    assert!(r.headers().get(header::CONTENT_ENCODING).is_none());
    assert_eq!(r.bytes().await.unwrap(), MODULE.as_bytes());

    for (path, mime, cache) in [
        (
            "/app/cosabi-ui-0123456789abcdef_bg.wasm",
            "application/wasm",
            "public, max-age=31536000, immutable",
        ),
        ("/app/sw.js", "text/javascript; charset=utf-8", "no-cache"),
        (
            "/app/manifest.webmanifest",
            "application/manifest+json",
            "no-cache",
        ),
        (
            "/app/css/styles-a1b2c3d4e5f60718.css",
            "text/css; charset=utf-8",
            "public, max-age=31536000, immutable",
        ),
    ] {
        let r = http.get(url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert_eq!(r.headers()[header::CONTENT_TYPE], mime, "{path}");
        assert_eq!(r.headers()[header::CACHE_CONTROL], cache, "{path}");
        assert!(r.headers().contains_key(header::CONTENT_SECURITY_POLICY));
    }

    // Unknown kinds, hidden files, names that are not there, and ways out of the
    // folder: not found, with the policy all the same.
    for path in [
        "/app/setup.exe",
        "/app/.secret.js",
        "/app/nothing.js",
        "/app/%2e%2e/server.sqlite3",
        "/app/..%2fserver.sqlite3",
        "/app/css/../../server.sqlite3",
    ] {
        let r = http.get(url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
        // The URL parser already folds `%2e%2e` away: such a request leaves /app.
        if r.url().path().starts_with("/app/") {
            assert!(
                r.headers().contains_key(header::CONTENT_SECURITY_POLICY),
                "{path}"
            );
        }
    }
}

#[tokio::test]
async fn without_a_build_app_says_so_and_a_folder_without_index_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), "127.0.0.1:0");
    let r = reqwest::get(format!("{}/app/", server.url)).await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(r.text().await.unwrap().contains("no está instalada"));
    drop(server);

    let empty = tempfile::tempdir().unwrap();
    std::fs::write(empty.path().join("app.js"), "1").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cosabi-sync-server"))
        .arg("--db")
        .arg(dir.path().join("server.sqlite3"))
        .args(["serve", "--listen", "127.0.0.1:0", "--web-app"])
        .arg(empty.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("has no index.html"), "{said}");
}

#[tokio::test]
async fn in_chromium_the_page_runs_under_its_policy_and_eval_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (server, _build) = served(dir.path());
    let driver = ChromeDriver::start();
    let profile = tempfile::tempdir().unwrap();
    let client = driver.session(profile.path()).await;
    client.goto(&format!("{}/app/", server.url)).await.unwrap();
    let deadline = Instant::now() + Duration::from_millis(WAIT_MS_MAX);
    let state = loop {
        let v = client
            .execute(
                "return [document.body.dataset.started || '', document.body.dataset.eval || ''];",
                vec![],
            )
            .await
            .unwrap();
        if v[1].as_str() != Some("") {
            break v;
        }
        assert!(
            Instant::now() < deadline,
            "the page's module did not run: {v}"
        );
        tokio::time::sleep(Duration::from_millis(POLL_MS)).await;
    };
    assert_eq!(state[0], "yes");
    assert_eq!(state[1], "refused", "the policy let eval run");
    client.close().await.unwrap();
}
