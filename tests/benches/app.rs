//! App benchmarks (see ../shared/BENCHMARKS.md), on the release build `make bench`
//! makes first: `ui_wasm_gz_bytes`, `app_cold_start_ms`, `money_list_5000_ms` and
//! `a11y_violations` (axe-core over the end-to-end walk of every screen, at both sizes;
//! a count, not a time).
//! One `name value unit` line per figure. Medians of several runs.

use anyhow::{Context, Result};
use chrono::Datelike;
use cosabi_core::ledger::NewPurchase;
use cosabi_e2e::{workspace_root, Driver};
use cosabi_replica::Replica;
use std::path::Path;
use std::time::Instant;

/// Runs of each timed figure; the median is reported.
const RUNS: usize = 5;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// The release wasm bundle trunk wrote, gzipped with `gzip -9`.
fn ui_wasm_gz_bytes() -> Result<u64> {
    let dist = workspace_root().join("src-ui/dist");
    let wasm = std::fs::read_dir(&dist)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|e| e == "wasm"))
        .context("no wasm in src-ui/dist: run `make bench`, which builds it")?;
    let out = std::process::Command::new("gzip")
        .args(["-9", "-c"])
        .arg(&wasm)
        .output()?;
    anyhow::ensure!(out.status.success(), "gzip failed");
    Ok(out.stdout.len() as u64)
}

/// A replica as a device has it: the privacy notice accepted, and `fill` applied.
fn prepare(dir: &Path, fill: impl FnOnce(&mut Replica) -> Result<()>) -> Result<()> {
    // Opened as the app opens it: encrypted at rest, no PIN yet (so it opens by itself).
    let cosabi_replica::DeviceOpen::Open(mut r) =
        Replica::open_device(&dir.join("cosabi.sqlite3"))?
    else {
        anyhow::bail!("a new device opens without a PIN");
    };
    r.vault_mut().set_pref(
        cosabi_core::settings::Preference::PrivacyAccepted.key(),
        "1",
    )?;
    fill(&mut r)
}

/// From process start to the first screen answering a click (the Dinero button).
async fn app_cold_start_ms(dir: &Path) -> Result<f64> {
    let driver = Driver::start(dir)?;
    let mut runs = Vec::new();
    for _ in 0..RUNS {
        let t0 = Instant::now();
        let app = driver.launch().await?;
        app.click("#nav-money").await?;
        app.wait_for("#page-money").await?;
        runs.push(t0.elapsed().as_secs_f64() * 1000.0);
        app.quit().await?;
    }
    Ok(median(runs))
}

/// From the click that opens Dinero to the purchase list painted, measured in the page.
async fn money_list_ms(dir: &Path) -> Result<f64> {
    let driver = Driver::start(dir)?;
    let app = driver.launch().await?;
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
    app.quit().await?;
    Ok(median(runs))
}

/// axe-core's violations (one per rule and element) summed over the walk of every
/// screen at 360×740 and 1280×800 (the walk describes each screen with any on stderr).
async fn a11y_violations() -> Result<usize> {
    let dir = tempfile::tempdir()?;
    let driver = Driver::start(dir.path())?;
    let checks = cosabi_e2e::walk_every_screen(&driver).await?;
    Ok(checks.iter().map(|c| c.count()).sum())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    // `COSABI_BENCH_ONLY=a11y` prints only `a11y_violations` (a count, which does not
    // depend on the build: `cargo test -p cosabi-e2e --bench app` gives it on the
    // debug build in about a minute).
    if std::env::var("COSABI_BENCH_ONLY").as_deref() == Ok("a11y") {
        println!("a11y_violations {} count", a11y_violations().await?);
        return Ok(());
    }
    println!("ui_wasm_gz_bytes {} bytes", ui_wasm_gz_bytes()?);

    let year_dir = tempfile::tempdir()?;
    prepare(year_dir.path(), |r| {
        cosabi_replica::workload::clinic_year(r, 42)?;
        Ok(())
    })?;
    println!(
        "app_cold_start_ms {:.0} ms",
        app_cold_start_ms(year_dir.path()).await?
    );

    let money_dir = tempfile::tempdir()?;
    let year = chrono::Local::now().year();
    prepare(money_dir.path(), |r| {
        cosabi_replica::workload::clinic_year(r, 7)?;
        for i in 0..5_000u32 {
            r.record_purchase(&NewPurchase {
                date: format!("{:02}/{:02}/{year}", 1 + i % 28, 1 + i % 12),
                concept: format!("Material de limpieza, lote {i}"),
                quantity: (1 + i % 5).to_string(),
                unit_cost: format!("{}.{:02}", 20 + i % 900, i % 100),
                supplier: "Abarrotes La Esperanza".into(),
                rfc: String::new(),
                category: ["infraestructura", "equipamiento", "mobiliario"][(i % 3) as usize]
                    .into(),
                action_id: None,
                paid_from: if i % 4 == 0 { "efectivo" } else { "tarjeta" }.into(),
                fiscal_year: String::new(),
            })?;
        }
        Ok(())
    })?;
    println!(
        "money_list_5000_ms {:.0} ms",
        money_list_ms(money_dir.path()).await?
    );

    println!("a11y_violations {} count", a11y_violations().await?);
    Ok(())
}
