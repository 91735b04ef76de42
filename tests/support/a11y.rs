//! Accessibility measured in the real window: axe-core (npm, pinned in
//! `tests/a11y/package-lock.json`, installed by `scripts/setup.sh`) is injected into
//! the app's page over WebDriver and run with the WCAG 2.0, 2.1 and 2.2 A and AA
//! rules. [`App::axe`] returns what it finds; [`walk_every_screen`] visits every screen
//! at phone and desktop size and is shared by the end-to-end test (which wants zero)
//! and `make bench-app` (which prints `a11y_violations`).

use crate::{workspace_root, App, Driver};
use anyhow::{bail, Context, Result};
use serde::Deserialize;
use std::fmt;
use std::sync::OnceLock;

/// The phone layout's window (CSS pixels).
pub const PHONE: (u32, u32) = (360, 740);
/// The desktop layout's window (CSS pixels).
pub const DESKTOP: (u32, u32) = (1280, 800);

/// The axe-core rule tags that make up WCAG 2.2 level AA (each version's A and AA).
pub const WCAG_TAGS: [&str; 6] = [
    "wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa",
];

/// One rule axe-core found broken, with every element that breaks it.
#[derive(Debug, Clone, Deserialize)]
pub struct Violation {
    /// The rule's id, e.g. `color-contrast`.
    pub id: String,
    /// `minor`, `moderate`, `serious` or `critical`.
    pub impact: Option<String>,
    /// One line saying what the rule asks for.
    pub help: String,
    pub nodes: Vec<ViolationNode>,
}

/// An element that breaks a rule.
#[derive(Debug, Clone, Deserialize)]
pub struct ViolationNode {
    /// A CSS selector for the element (frames joined by spaces).
    pub target: String,
    /// axe-core's explanation of what is wrong with this element.
    pub failure_summary: String,
}

/// What axe-core said about one screen at one window size.
#[derive(Debug, Clone)]
pub struct ScreenCheck {
    /// The screen's name and the layout, e.g. `money-phone`.
    pub screen: String,
    pub violations: Vec<Violation>,
}

impl ScreenCheck {
    /// Violations counted as `a11y_violations` counts them: one per rule and element.
    pub fn count(&self) -> usize {
        self.violations.iter().map(|v| v.nodes.len()).sum()
    }
}

impl fmt::Display for ScreenCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}: {} violation(s)", self.screen, self.count())?;
        for v in &self.violations {
            let impact = v.impact.as_deref().unwrap_or("-");
            writeln!(f, "  [{}] {} ({impact}): {}", v.id, v.nodes.len(), v.help)?;
            for n in &v.nodes {
                let summary = n.failure_summary.replace('\n', " / ");
                writeln!(f, "    {}: {summary}", n.target)?;
            }
        }
        Ok(())
    }
}

/// axe.min.js, read once per process.
fn axe_source() -> Result<&'static str> {
    static SOURCE: OnceLock<String> = OnceLock::new();
    if let Some(s) = SOURCE.get() {
        return Ok(s);
    }
    let path = workspace_root().join("tests/a11y/node_modules/axe-core/axe.min.js");
    let source = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "cannot read {}: run `make setup` (npm ci in tests/a11y)",
            path.display()
        )
    })?;
    Ok(SOURCE.get_or_init(|| source))
}

/// Runs axe-core on the page and hands back its violations, flattened to what the
/// Rust side reads. WebKitWebDriver runs asynchronous scripts through tauri-driver,
/// so the promise is awaited in the page (bounded by the session's script timeout).
const RUN_AXE: &str = "
    const done = arguments[arguments.length - 1];
    const tags = arguments[0];
    window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] })
      .then(r => done({ violations: r.violations.map(v => ({
          id: v.id,
          impact: v.impact,
          help: v.help,
          nodes: v.nodes.map(n => ({
            target: n.target.map(t => Array.isArray(t) ? t.join(' >>> ') : String(t)).join(' '),
            failure_summary: n.failureSummary || '',
          })),
        })) }))
      .catch(e => done({ error: String(e) }));";

#[derive(Deserialize)]
struct AxeAnswer {
    violations: Option<Vec<Violation>>,
    error: Option<String>,
}

impl App {
    /// Injects axe-core into the page (once per page load) and runs the WCAG 2.x A and
    /// AA rules on what is shown now; returns the violations.
    pub async fn axe(&self) -> Result<Vec<Violation>> {
        self.painted().await?;
        let loaded = self
            .client
            .execute("return typeof window.axe === 'object'", vec![])
            .await?;
        if loaded.as_bool() != Some(true) {
            // axe.min.js assigns `window.axe` itself; run as a WebDriver script it is
            // not subject to the page's CSP (no inline scripts).
            let script = format!("{}\nreturn typeof window.axe === 'object';", axe_source()?);
            let ok = self.client.execute(&script, vec![]).await?;
            if ok.as_bool() != Some(true) {
                bail!("axe-core did not load in the page: {ok}");
            }
        }
        let tags = serde_json::to_value(WCAG_TAGS)?;
        let answer = self.client.execute_async(RUN_AXE, vec![tags]).await?;
        let answer: AxeAnswer = serde_json::from_value(answer)?;
        match (answer.violations, answer.error) {
            (Some(v), None) => Ok(v),
            (_, Some(e)) => bail!("axe-core failed: {e}"),
            (None, None) => bail!("axe-core gave no answer"),
        }
    }

    /// Runs axe-core on the screen shown now, named `screen` in the report.
    pub async fn check_a11y(&self, screen: &str) -> Result<ScreenCheck> {
        Ok(ScreenCheck {
            screen: screen.to_owned(),
            violations: self.axe().await?,
        })
    }

    /// Fails, with the readable list of violations and a screenshot, unless axe-core
    /// finds nothing on the screen shown now.
    pub async fn assert_accessible(&self, screen: &str) -> Result<()> {
        let check = self.check_a11y(screen).await?;
        if check.count() > 0 {
            let shot = self.screenshot(&format!("failed-a11y-{screen}")).await?;
            bail!("{check}(see {})", shot.display());
        }
        Ok(())
    }
}

/// Every screen, checked at both window sizes; collects what axe-core says.
struct Walk<'a> {
    app: &'a App,
    checks: Vec<ScreenCheck>,
}

impl Walk<'_> {
    async fn both(&mut self, screen: &str) -> Result<()> {
        for (size, label) in [(PHONE, "phone"), (DESKTOP, "desktop")] {
            self.app.resize(size.0, size.1).await?;
            self.check(&format!("{screen}-{label}")).await?;
        }
        Ok(())
    }

    async fn phone(&mut self, screen: &str) -> Result<()> {
        self.app.resize(PHONE.0, PHONE.1).await?;
        self.check(&format!("{screen}-phone")).await
    }

    /// Checks the screen shown now; one with violations is described on stderr at
    /// once, so a walk that stops half-way still says what it found.
    async fn check(&mut self, name: &str) -> Result<()> {
        let check = self.app.check_a11y(name).await?;
        if check.count() > 0 {
            eprint!("{check}");
        }
        self.checks.push(check);
        Ok(())
    }
}

/// The screens of the app, each at 360×740 and 1280×800 ("Más" only on phones, where
/// it exists), in a new data folder: the privacy notice and the setup screen of an
/// empty app; then the demo clinic (its banner on every screen) with Inicio, Dinero
/// (the list, a purchase's detail with its history, the purchase form), Asambleas,
/// Obras, Más, Comité, Documentos, Sincronizar (with the conflicts inbox), Ajustes;
/// who-is-using, a first PIN with its recovery code, a PIN with an approval; the
/// leave-demo question; and the locked device after a restart.
pub async fn walk_every_screen(driver: &Driver) -> Result<Vec<ScreenCheck>> {
    let app = driver.launch().await?;
    let mut walk = Walk {
        app: &app,
        checks: Vec::new(),
    };
    app.wait_for("#privacy-accept").await?;
    walk.both("privacy").await?;
    app.accept_privacy().await?;
    app.wait_for("#clinic-form").await?;
    walk.both("setup").await?;
    app.resize(PHONE.0, PHONE.1).await?;
    app.click("#load-demo").await?;
    app.wait_for_count(".member-row", 9).await?;
    app.wait_for("#demo-banner").await?;

    // Who is using the device, and a first PIN with its recovery code.
    app.click("#who-chip").await?;
    app.wait_for("#who-sheet").await?;
    walk.both("who").await?;
    app.click_text(".who-option", "María").await?;
    app.wait_for("#pin2").await?;
    walk.both("pin-first").await?;
    app.type_into("#pin", "1357").await?;
    app.type_into("#pin2", "1357").await?;
    app.click("#pin-submit").await?;
    app.wait_for("#recovery-code").await?;
    walk.both("recovery-code").await?;
    app.click("#recovery-done").await?;
    app.wait_for_text("#who-name", "María").await?;
    // Another member's first PIN needs an approval.
    app.click("#who-chip").await?;
    app.click_text(".who-option", "Juana").await?;
    app.wait_for("#approval").await?;
    walk.both("pin-approval").await?;
    app.click("#who-close").await?;
    app.wait_for_count("#who-sheet", 0).await?;

    for screen in ["home", "assemblies", "actions"] {
        app.resize(PHONE.0, PHONE.1).await?;
        app.go(screen).await?;
        walk.both(screen).await?;
    }
    app.resize(PHONE.0, PHONE.1).await?;
    app.go("more").await?;
    walk.phone("more").await?;
    for screen in ["committee", "documents", "sync", "settings"] {
        app.resize(PHONE.0, PHONE.1).await?;
        app.go(screen).await?;
        if screen == "sync" {
            app.wait_for("#conflicts").await?;
        }
        walk.both(screen).await?;
    }

    // Dinero: the list, the card's movements, the purchase form, then the purchase
    // recorded with it and its detail with its history (the demo has no purchases).
    app.resize(PHONE.0, PHONE.1).await?;
    app.go("money").await?;
    app.wait_for("#purchase-summary").await?;
    walk.both("money").await?;
    app.resize(PHONE.0, PHONE.1).await?;
    app.click("#tab-card").await?;
    app.wait_for("#cm-amount").await?;
    walk.both("money-card").await?;
    app.resize(PHONE.0, PHONE.1).await?;
    app.click("#tab-purchases").await?;
    app.click("#new-purchase").await?;
    app.wait_for("#purchase-form").await?;
    walk.both("purchase-form").await?;
    app.resize(PHONE.0, PHONE.1).await?;
    app.type_into("#p-concept", "Glucómetro").await?;
    app.choose("#p-category", "equipamiento").await?;
    app.type_into("#p-quantity", "1").await?;
    app.type_into("#p-unit-cost", "850").await?;
    app.type_into("#p-supplier", "Farmacia de Tlaquilpa")
        .await?;
    app.choose("#p-paid-from", "efectivo").await?;
    app.click("#p-save").await?;
    app.wait_for(".purchase-row").await?;
    walk.both("money-purchases").await?;
    app.resize(PHONE.0, PHONE.1).await?;
    app.click(".purchase-row button").await?;
    app.wait_for("#purchase-detail").await?;
    app.click("#purchase-detail .history-toggle").await?;
    app.wait_for("#purchase-detail .history-list").await?;
    walk.both("purchase-history").await?;
    app.resize(PHONE.0, PHONE.1).await?;
    app.click("#pd-back").await?;
    app.wait_for(".purchase-row").await?;

    // Leaving the demo asks first.
    app.resize(PHONE.0, PHONE.1).await?;
    app.click("#leave-demo").await?;
    app.wait_for("#leave-demo-dialog").await?;
    walk.both("leave-demo").await?;
    app.resize(PHONE.0, PHONE.1).await?;
    app.click("#leave-demo-cancel").await?;
    app.wait_for_count("#leave-demo-dialog", 0).await?;
    let mut checks = walk.checks;
    app.quit().await?;

    // A device with a PIN is locked after a restart.
    let app = driver.launch().await?;
    app.wait_for("#lock-screen").await?;
    let mut walk = Walk {
        app: &app,
        checks: Vec::new(),
    };
    walk.both("lock").await?;
    app.resize(PHONE.0, PHONE.1).await?;
    app.click_text(".lock-option", "Tesorer").await?;
    app.wait_for("#lock-pin").await?;
    walk.both("lock-pin").await?;
    checks.append(&mut walk.checks);
    app.quit().await?;
    Ok(checks)
}
