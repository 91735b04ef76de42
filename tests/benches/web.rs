//! Web build benchmarks (see ../shared/BENCHMARKS.md), on the build `make web` makes
//! (`target/web-app`, or `COSABI_WEB_APP`), served by a real sync server:
//! `pwa_transfer_gz_bytes`, `pwa_cold_start_ms`, `pwa_money_list_5000_ms`.
//! One `name value unit` line per figure; the timed ones are medians of 5 runs in
//! headless Chromium at 360×740 with touch, the CPU throttled 4× (a low-end phone)
//! and the network cut.
//!
//! The phone's database is a clinic year plus 5,000 purchases, made on a desktop
//! replica and synced through the server to the web app, which joins the committee
//! with an enrollment code from its first screen, as a new phone does.

use anyhow::{bail, Context, Result};
use chrono::Datelike;
use cosabi_core::ledger::NewPurchase;
use cosabi_e2e::{App, Chromium, SyncServer};
use cosabi_replica::Replica;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

/// Runs of each timed figure; the median is reported.
const RUNS: usize = 5;
/// Chromium's CPU slowdown for a low-end phone.
const CPU_THROTTLE: u32 = 4;
const CLUES: &str = "VZIMB000417";

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn web_app() -> Result<PathBuf> {
    let dir = match std::env::var_os("COSABI_WEB_APP") {
        Some(d) => PathBuf::from(d),
        None => cosabi_e2e::target_dir().join("web-app"),
    };
    if !dir.join("sw.js").is_file() {
        bail!("{} holds no web app: run `make web` first", dir.display());
    }
    Ok(dir)
}

fn gzip9(bytes: &[u8]) -> Result<u64> {
    use std::io::Write;
    let mut child = std::process::Command::new("gzip")
        .args(["-9", "-c"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()?;
    let mut stdin = child.stdin.take().context("gzip stdin")?;
    let input = bytes.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output()?;
    writer
        .join()
        .map_err(|_| anyhow::anyhow!("gzip writer"))??;
    anyhow::ensure!(out.status.success(), "gzip failed");
    Ok(out.stdout.len() as u64)
}

/// Every file a first visit downloads (the page, and everything the service worker
/// keeps: the build's files, not the compressed copies beside them), each as the
/// server sends it to a phone's Chrome over HTTPS (which accepts brotli and gzip); a
/// file sent plain counts as gzip -9 would make it. Each file's share goes to stderr.
async fn pwa_transfer_gz_bytes(server: &SyncServer, build: &Path) -> Result<u64> {
    let http = reqwest::Client::builder().no_gzip().build()?;
    let mut total = 0;
    for entry in std::fs::read_dir(build)? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if name.ends_with(".br") {
            continue;
        }
        let resp = http
            .get(format!("{}/app/{name}", server.url))
            .header("accept-encoding", "gzip, deflate, br, zstd")
            .send()
            .await?
            .error_for_status()?;
        let coding = resp
            .headers()
            .get("content-encoding")
            .and_then(|c| c.to_str().ok())
            .map(str::to_owned);
        let body = resp.bytes().await?;
        let sent = if coding.is_some() {
            body.len() as u64
        } else {
            gzip9(&body)?
        };
        eprintln!(
            "  {name}: {sent} bytes ({})",
            coding.as_deref().unwrap_or("plain, as gzip -9")
        );
        total += sent;
    }
    Ok(total)
}

/// The desktop replica that fills the phone: a clinic year and 5,000 purchases.
fn desktop_year(dir: &Path) -> Result<Replica> {
    let mut r = Replica::open(&dir.join("cosabi.sqlite3"))?;
    cosabi_replica::workload::clinic_year_of(&mut r, 7, CLUES)?;
    let year = chrono::Local::now().year();
    for i in 0..5_000u32 {
        r.record_purchase(&NewPurchase {
            date: format!("{:02}/{:02}/{year}", 1 + i % 28, 1 + i % 12),
            concept: format!("Material de limpieza, lote {i}"),
            quantity: (1 + i % 5).to_string(),
            unit_cost: format!("{}.{:02}", 20 + i % 900, i % 100),
            supplier: "Abarrotes La Esperanza".into(),
            rfc: String::new(),
            category: ["infraestructura", "equipamiento", "mobiliario"][(i % 3) as usize].into(),
            action_id: None,
            paid_from: if i % 4 == 0 { "efectivo" } else { "tarjeta" }.into(),
            fiscal_year: String::new(),
        })?;
    }
    Ok(r)
}

/// A browser on `profile` with the CPU throttled and the network cut, then `page`
/// opened: the first screen up, and answering a click (Dinero opens). Returns the
/// app and the milliseconds from navigation to the money screen.
async fn cold_start(chromium: &Chromium, profile: &Path, page: &str) -> Result<(App, f64)> {
    let client = chromium.session(profile).await?;
    let app = App { client };
    app.cdp(
        "Emulation.setCPUThrottlingRate",
        serde_json::json!({ "rate": CPU_THROTTLE }),
    )
    .await?;
    app.set_offline(true).await?;
    let t0 = Instant::now();
    app.client.goto(page).await?;
    app.click("#nav-money").await?;
    app.wait_for("#page-money").await?;
    Ok((app, t0.elapsed().as_secs_f64() * 1000.0))
}

/// From the click that opens Dinero to the purchase list painted, measured in the page.
async fn money_list_ms(app: &App) -> Result<f64> {
    let mut runs = Vec::new();
    for _ in 0..RUNS {
        app.go("home").await?;
        let v = app
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 const t0 = performance.now();
                 document.getElementById('nav-money').click();
                 const check = () => {
                   const rows = document.querySelectorAll('#purchase-list .purchase-row').length;
                   const summary = document.getElementById('purchase-summary');
                   if (rows > 0 && summary && summary.textContent.length > 0) {
                     requestAnimationFrame(() => done(performance.now() - t0));
                   } else {
                     requestAnimationFrame(check);
                   }
                 };
                 check();",
                vec![],
            )
            .await?;
        runs.push(v.as_f64().context("no time from the page")?);
    }
    Ok(median(runs))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let build = web_app()?;
    let dir = tempfile::tempdir()?;
    let server_dir = dir.path().join("server");
    std::fs::create_dir_all(&server_dir)?;
    let server = SyncServer::start_with(&server_dir, "127.0.0.1:0", Some(&build))?;
    println!(
        "pwa_transfer_gz_bytes {} bytes",
        pwa_transfer_gz_bytes(&server, &build).await?
    );

    // The committee's year reaches the server from the desktop.
    let desktop_dir = dir.path().join("desktop");
    std::fs::create_dir_all(&desktop_dir)?;
    let desktop = Mutex::new(desktop_year(&desktop_dir)?);
    let code = server.add_clinic(CLUES, "VZ")?;
    let enrolled =
        cosabi_replica::client::enroll_replica(&server.url, &code, "Laptop", &desktop).await?;
    cosabi_replica::client::SyncClient::new(&server.url, &enrolled.token)
        .sync(&desktop, |_| {})
        .await?;

    // The phone joins the committee and receives it, then keeps the app offline.
    let page = format!("{}/app/", server.url);
    let chromium = Chromium::start()?;
    let profile = dir.path().join("profile");
    let app = chromium.open(&profile, &page).await?;
    app.accept_privacy().await?;
    app.click("#join-committee").await?;
    app.type_into("#enroll-server", &server.url).await?;
    app.type_into("#enroll-code", &server.enrollment_code(CLUES)?)
        .await?;
    app.click("#enroll-submit").await?;
    app.wait_for("#page-committee").await?;
    app.wait_offline_ready().await?;
    app.go("money").await?;
    app.wait_for_text("#purchase-summary", "5")
        .await
        .context("the year did not reach the phone")?;
    app.close_browser().await?;

    let mut starts = Vec::new();
    let mut last = None;
    for run in 0..RUNS {
        let (app, ms) = cold_start(&chromium, &profile, &page).await?;
        starts.push(ms);
        // One browser at a time on a profile: the last stays for the money list.
        if run + 1 < RUNS {
            app.close_browser().await?;
        } else {
            last = Some(app);
        }
    }
    println!("pwa_cold_start_ms {:.0} ms", median(starts));
    let app = last.context("no run")?;
    println!(
        "pwa_money_list_5000_ms {:.0} ms",
        money_list_ms(&app).await?
    );
    app.close_browser().await?;
    Ok(())
}
