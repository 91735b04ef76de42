//! Support for the end-to-end tests: a private Xvfb display, a tauri-driver on free
//! ports, and WebDriver sessions that launch the real app binary.
//!
//! Every wait is bounded and checks a condition (a display number written by Xvfb,
//! a port that accepts, an element that appears); nothing waits a fixed time.

mod a11y;
mod proxy;
mod web;

pub use proxy::CutProxy;
pub use web::{Chromium, PHONE_WEB};

pub use a11y::{
    walk_every_screen, ScreenCheck, Violation, ViolationNode, DESKTOP, PHONE, WCAG_TAGS,
};

use anyhow::{bail, Context, Result};
use fantoccini::{Client, ClientBuilder, Locator};
use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long anything in these tests may take to appear.
pub const WAIT_MS_MAX: u64 = 30_000;
/// Interval between checks of a condition.
const POLL_MS: u64 = 50;
/// Taps on a navigation button before a screen that does not open is a failure.
const GO_TAPS_MAX: u32 = 3;
/// How often a new WebDriver session is tried: the first request to a fresh
/// tauri-driver sometimes has its connection closed.
const SESSION_TRIES_MAX: u32 = 5;

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Cargo's build folder: `CARGO_TARGET_DIR` when set (a second work tree building
/// into its own folder), else the workspace's `target`.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(d) => PathBuf::from(d),
        None => workspace_root().join("target"),
    }
}

/// The app binary under test: `COSABI_APP_BIN`, else the debug build.
pub fn app_binary() -> Result<PathBuf> {
    let path = match std::env::var_os("COSABI_APP_BIN") {
        Some(p) => PathBuf::from(p),
        None => target_dir().join("debug/cosabi-app"),
    };
    if !path.exists() {
        bail!(
            "{} does not exist: build the app first (make build)",
            path.display()
        );
    }
    Ok(path.canonicalize()?)
}

/// Where tests write screenshots: `COSABI_SCREENSHOTS_DIR` (set by `make screenshots`
/// to docs/screenshots), else target/screenshots, so a test run leaves the tree clean.
pub fn screenshots_dir() -> PathBuf {
    let dir = match std::env::var_os("COSABI_SCREENSHOTS_DIR") {
        Some(d) => PathBuf::from(d),
        None => target_dir().join("screenshots"),
    };
    std::fs::create_dir_all(&dir).expect("screenshots dir");
    dir
}

/// A child process killed when dropped.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A private X display.
pub struct Xvfb {
    _child: Guard,
    pub display: String,
}

impl Xvfb {
    /// Starts Xvfb on a free display; `-displayfd` makes it print the number once it
    /// accepts connections, which is what we wait for.
    pub fn start() -> Result<Xvfb> {
        let mut child = Command::new("Xvfb")
            .args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                "1280x800x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("cannot start Xvfb: run `make setup` (apt package xvfb)")?;
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        let n = line.trim();
        if n.is_empty() {
            bail!("Xvfb exited before giving a display number");
        }
        Ok(Xvfb {
            display: format!(":{n}"),
            _child: Guard(child),
        })
    }
}

fn free_port_pair() -> Result<u16> {
    for _ in 0..50 {
        let a = TcpListener::bind("127.0.0.1:0")?;
        let port = a.local_addr()?.port();
        if port < u16::MAX && TcpListener::bind(("127.0.0.1", port + 1)).is_ok() {
            return Ok(port);
        }
    }
    bail!("no two adjacent free ports on 127.0.0.1")
}

fn wait_for_port(port: u16, child: &mut Child) -> Result<()> {
    let deadline = Instant::now() + Duration::from_millis(WAIT_MS_MAX);
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        if let Some(status) = child.try_wait()? {
            bail!("tauri-driver exited with {status}");
        }
        std::thread::sleep(Duration::from_millis(POLL_MS));
    }
    bail!("tauri-driver did not listen on {port} within {WAIT_MS_MAX} ms")
}

/// A tauri-driver on its own display and data directory.
pub struct Driver {
    _child: Guard,
    _xvfb: Xvfb,
    pub port: u16,
    pub data_dir: PathBuf,
}

impl Driver {
    /// Starts Xvfb and tauri-driver; the app will keep its data in `data_dir`.
    pub fn start(data_dir: &Path) -> Result<Driver> {
        let xvfb = Xvfb::start()?;
        let port = free_port_pair()?;
        let mut child = Command::new("tauri-driver")
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &(port + 1).to_string(),
            ])
            .env("DISPLAY", &xvfb.display)
            .env("COSABI_DATA_DIR", data_dir)
            .env("COSABI_EXPORT_DIR", data_dir.join("exports"))
            .env("XDG_DATA_HOME", data_dir)
            .env("XDG_CONFIG_HOME", data_dir)
            .env("XDG_CACHE_HOME", data_dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("cannot start tauri-driver: run `make setup`")?;
        wait_for_port(port, &mut child)?;
        Ok(Driver {
            _child: Guard(child),
            _xvfb: xvfb,
            port,
            data_dir: data_dir.to_path_buf(),
        })
    }

    /// Answers the system's save dialog titled `title` (GTK's file chooser, a window
    /// of its own on this driver's display) as a keyboard user does: the whole name
    /// replaced by `path`, then Enter. Through xdotool, since WebDriver reaches only
    /// the web view.
    pub fn answer_save_dialog(&self, title: &str, path: &Path) -> Result<()> {
        let xdotool = |args: &[&str]| -> Result<String> {
            let out = Command::new("xdotool")
                .args(args)
                .env("DISPLAY", &self._xvfb.display)
                .output()
                .context("cannot run xdotool: run `make setup` (apt package xdotool)")?;
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
        };
        let deadline = Instant::now() + Duration::from_millis(WAIT_MS_MAX);
        let window = loop {
            let found = xdotool(&["search", "--onlyvisible", "--name", title])?;
            if let Some(id) = found.lines().next() {
                break id.to_owned();
            }
            if Instant::now() > deadline {
                bail!("no save dialog titled {title:?} within {WAIT_MS_MAX} ms");
            }
            std::thread::sleep(Duration::from_millis(POLL_MS));
        };
        let path = path.display().to_string();
        xdotool(&["windowfocus", "--sync", &window])?;
        xdotool(&["key", "--window", &window, "--clearmodifiers", "ctrl+a"])?;
        xdotool(&["type", "--window", &window, "--delay", "5", &path])?;
        xdotool(&["key", "--window", &window, "Return"])?;
        Ok(())
    }

    /// Where the app writes exported documents (its Downloads folder).
    pub fn export_dir(&self) -> PathBuf {
        self.data_dir.join("exports")
    }

    /// Launches the app in a new WebDriver session.
    pub async fn launch(&self) -> Result<App> {
        let app = app_binary()?;
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), "wry".into());
        caps.insert(
            "tauri:options".into(),
            serde_json::json!({ "application": app }),
        );
        let url = format!("http://127.0.0.1:{}", self.port);
        let mut last_err = None;
        for _ in 0..SESSION_TRIES_MAX {
            match ClientBuilder::rustls()?
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => {
                    let app = App { client };
                    // The first screen is up once a page (or a load error) is shown,
                    // not the "loading" line.
                    app.wait_for("main.content > section, #load-error").await?;
                    return Ok(app);
                }
                Err(e) => last_err = Some(e),
            }
        }
        bail!("no WebDriver session after {SESSION_TRIES_MAX} tries: {last_err:?}")
    }
}

/// The running app, driven over WebDriver.
pub struct App {
    pub client: Client,
}

impl App {
    pub async fn wait_for(&self, css: &str) -> Result<fantoccini::elements::Element> {
        self.wait_for_within(css, WAIT_MS_MAX).await
    }

    /// As [`App::wait_for`], for something that may take up to `ms` (a sync that
    /// gives up only after all its retries).
    pub async fn wait_for_within(
        &self,
        css: &str,
        ms: u64,
    ) -> Result<fantoccini::elements::Element> {
        self.client
            .wait()
            .at_most(Duration::from_millis(ms))
            .every(Duration::from_millis(POLL_MS))
            .for_element(Locator::Css(css))
            .await
            .with_context(|| format!("{css} did not appear"))
    }

    /// Waits until `css` matches exactly `n` elements.
    pub async fn wait_for_count(&self, css: &str, n: usize) -> Result<()> {
        let deadline = Instant::now() + Duration::from_millis(WAIT_MS_MAX);
        let mut seen = 0;
        while Instant::now() < deadline {
            seen = self.client.find_all(Locator::Css(css)).await?.len();
            if seen == n {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(POLL_MS)).await;
        }
        bail!("{css}: expected {n} elements, saw {seen}")
    }

    /// Waits until the element's text contains `needle`; returns the text.
    pub async fn wait_for_text(&self, css: &str, needle: &str) -> Result<String> {
        let deadline = Instant::now() + Duration::from_millis(WAIT_MS_MAX);
        let mut text = String::new();
        while Instant::now() < deadline {
            if let Ok(el) = self.client.find(Locator::Css(css)).await {
                text = el.text().await.unwrap_or_default();
                if text.contains(needle) {
                    return Ok(text);
                }
            }
            tokio::time::sleep(Duration::from_millis(POLL_MS)).await;
        }
        bail!("{css}: text {text:?} never contained {needle:?}")
    }

    pub async fn text(&self, css: &str) -> Result<String> {
        Ok(self.wait_for(css).await?.text().await?)
    }

    /// Types `text` into a field, replacing what it held; a line break is the Enter key.
    pub async fn type_into(&self, css: &str, text: &str) -> Result<()> {
        let el = self.wait_for(css).await?;
        self.scroll_to(&el).await?;
        el.clear().await?;
        el.send_keys(&text.replace('\n', "\u{E007}")).await?;
        Ok(())
    }

    /// Waits until the field `css` holds `want` (it may appear meanwhile).
    pub async fn wait_for_value(&self, css: &str, want: &str) -> Result<()> {
        let deadline = Instant::now() + Duration::from_millis(WAIT_MS_MAX);
        let mut seen = None;
        while Instant::now() < deadline {
            seen = self.value(css).await.ok();
            if seen.as_deref() == Some(want) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(POLL_MS)).await;
        }
        bail!("{css} never held {want:?} within {WAIT_MS_MAX} ms: it holds {seen:?}")
    }

    pub async fn value(&self, css: &str) -> Result<String> {
        Ok(self
            .wait_for(css)
            .await?
            .prop("value")
            .await?
            .unwrap_or_default())
    }

    /// Chooses an option of a `<select>` by its value, as a person would: by clicking it.
    pub async fn choose(&self, select_css: &str, value: &str) -> Result<()> {
        let select = self.wait_for(select_css).await?;
        self.scroll_to(&select).await?;
        select
            .find(Locator::Css(&format!("option[value='{value}']")))
            .await?
            .click()
            .await?;
        Ok(())
    }

    pub async fn click(&self, css: &str) -> Result<()> {
        let el = self.wait_for(css).await?;
        self.scroll_to(&el).await?;
        if let Err(e) = el.click().await {
            let shot = self.screenshot("failed-click").await?;
            bail!("clicking {css}: {e:?} (see {})", shot.display());
        }
        Ok(())
    }

    /// Presses `keys` together where the focus is, as a keyboard user does (e.g.
    /// `[Key::Shift, Key::Tab]`). Through WebDriver actions: sending keys to an
    /// element would first move the focus to it.
    pub async fn press(&self, keys: &[fantoccini::key::Key]) -> Result<()> {
        use fantoccini::actions::{InputSource, KeyAction, KeyActions};
        let mut seq = KeyActions::new("keyboard".into());
        for k in keys {
            seq = seq.then(KeyAction::Down {
                value: char::from(*k),
            });
        }
        for k in keys.iter().rev() {
            seq = seq.then(KeyAction::Up {
                value: char::from(*k),
            });
        }
        self.client.perform_actions(seq).await?;
        Ok(())
    }

    /// The id of the element holding the focus ("" when it has none).
    pub async fn focused_id(&self) -> Result<String> {
        let id = self
            .client
            .execute(
                "return document.activeElement ? document.activeElement.id : ''",
                vec![],
            )
            .await?;
        Ok(id.as_str().unwrap_or_default().to_owned())
    }

    /// Scrolls `el` to the middle of the window, as a person does before tapping it
    /// (and clear of the sticky bars at the top and bottom).
    pub async fn scroll_to(&self, el: &fantoccini::elements::Element) -> Result<()> {
        let arg = serde_json::to_value(el)?;
        self.client
            .execute(
                "arguments[0].scrollIntoView({block: 'center', inline: 'nearest'})",
                vec![arg],
            )
            .await?;
        Ok(())
    }

    /// Resizes the window: 360×740 is the phone layout, 1280×800 the desktop one.
    pub async fn resize(&self, width: u32, height: u32) -> Result<()> {
        self.client.set_window_size(width, height).await?;
        // The layout has followed once the page reports the new width.
        let deadline = Instant::now() + Duration::from_millis(WAIT_MS_MAX);
        while Instant::now() < deadline {
            let w = self
                .client
                .execute("return window.innerWidth", vec![])
                .await?;
            if w.as_u64() == Some(u64::from(width)) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(POLL_MS)).await;
        }
        bail!("window never became {width} wide")
    }

    /// Resolves once the page has painted two more frames, so a screenshot shows the
    /// current layout rather than the one before a resize.
    pub async fn painted(&self) -> Result<()> {
        self.client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
                vec![],
            )
            .await?;
        Ok(())
    }

    /// Saves a PNG of the window as `<name>.png` in [`screenshots_dir`].
    pub async fn screenshot(&self, name: &str) -> Result<PathBuf> {
        self.painted().await?;
        let png = self.client.screenshot().await?;
        let path = screenshots_dir().join(format!("{name}.png"));
        std::fs::write(&path, png)?;
        Ok(path)
    }

    /// Ends the session, which closes the app.
    pub async fn quit(self) -> Result<()> {
        self.client.close().await?;
        Ok(())
    }
}

impl App {
    /// First start: the privacy notice is shown before anything else; accept it.
    pub async fn accept_privacy(&self) -> Result<()> {
        self.click("#privacy-accept").await?;
        self.wait_for("main.content > section:not(#page-privacy)")
            .await?;
        Ok(())
    }

    /// Clicks the first element matching `css` whose text contains `needle`.
    pub async fn click_text(&self, css: &str, needle: &str) -> Result<()> {
        let deadline = Instant::now() + Duration::from_millis(WAIT_MS_MAX);
        while Instant::now() < deadline {
            for el in self.client.find_all(Locator::Css(css)).await? {
                if el.text().await.unwrap_or_default().contains(needle) {
                    self.scroll_to(&el).await?;
                    el.click().await?;
                    return Ok(());
                }
            }
            tokio::time::sleep(Duration::from_millis(POLL_MS)).await;
        }
        bail!("no {css} with text {needle:?}")
    }

    /// Goes to a screen by its navigation button (`home`, `money`, …), as a person
    /// would: on a phone the screens without a tab are under "Más".
    pub async fn go(&self, screen: &str) -> Result<()> {
        let page = format!("#page-{screen}");
        // A tap that lands while the navigation is being painted again (a save just
        // refreshed the session) does nothing, as on a phone: tap again, a few times.
        for _ in 0..GO_TAPS_MAX {
            let button = self.wait_for(&format!("#nav-{screen}")).await?;
            if button.is_displayed().await? {
                self.scroll_to(&button).await?;
                button.click().await?;
            } else {
                self.click("#nav-more").await?;
                self.click(&format!("#more-{screen}")).await?;
            }
            let shown = self
                .client
                .wait()
                .at_most(Duration::from_millis(WAIT_MS_MAX / GO_TAPS_MAX as u64))
                .every(Duration::from_millis(POLL_MS))
                .for_element(Locator::Css(&page))
                .await;
            if shown.is_ok() {
                return Ok(());
            }
        }
        bail!("{page} did not appear after {GO_TAPS_MAX} taps on its navigation button")
    }

    /// Signs in as the member whose name contains `name`; the first time on this
    /// device the PIN is chosen (typed twice). The device's first PIN shows its
    /// recovery code once, which is returned.
    pub async fn sign_in(&self, name: &str, pin: &str) -> Result<Option<String>> {
        self.sign_in_approved(name, pin, None).await
    }

    /// [`App::sign_in`] for a member's first PIN on a device where others have one:
    /// `approver` (name, PIN) is the presidencia or the contraloría social approving.
    pub async fn sign_in_approved(
        &self,
        name: &str,
        pin: &str,
        approver: Option<(&str, &str)>,
    ) -> Result<Option<String>> {
        self.click("#who-chip").await?;
        self.click_text(".who-option", name).await?;
        self.type_into("#pin", pin).await?;
        if self.client.find(Locator::Css("#pin2")).await.is_ok() {
            self.type_into("#pin2", pin).await?;
        }
        if let Some((who, their_pin)) = approver {
            self.click_text("#approver option", who).await?;
            self.type_into("#approver-pin", their_pin).await?;
        }
        self.click("#pin-submit").await?;
        let first = name.split_whitespace().next().unwrap_or(name);
        if let Err(e) = self.wait_for_text("#who-name", first).await {
            let shot = self.screenshot("failed-sign-in").await?;
            bail!("{e} (see {})", shot.display());
        }
        let mut recovery = None;
        if self
            .client
            .find(Locator::Css("#recovery-code"))
            .await
            .is_ok()
        {
            recovery = Some(self.text("#recovery-code").await?);
            self.click("#recovery-done").await?;
        }
        Ok(recovery)
    }

    /// Opens the locked device as the member whose role's label contains `role`.
    pub async fn unlock(&self, role: &str, pin: &str) -> Result<()> {
        self.wait_for("#lock-screen").await?;
        self.click_text(".lock-option", role).await?;
        self.type_into("#lock-pin", pin).await?;
        self.click("#lock-submit").await?;
        self.wait_for("#nav-home").await?;
        Ok(())
    }

    /// Chooses files in a file input, as a person picking them in the file dialog.
    pub async fn upload(&self, css: &str, files: &[&Path]) -> Result<()> {
        let el = self.wait_for(css).await?;
        let list: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
        el.send_keys(&list.join("\n")).await?;
        Ok(())
    }

    /// Whether the page scrolls sideways (it must not, at any width).
    pub async fn horizontal_overflow(&self) -> Result<i64> {
        let v = self
            .client
            .execute(
                "return document.documentElement.scrollWidth - window.innerWidth",
                vec![],
            )
            .await?;
        Ok(v.as_i64().unwrap_or(i64::MAX))
    }
}

/// Creates the Tlaquilpa clinic on the first screen, as a committee would.
pub async fn create_clinic(app: &App) -> Result<()> {
    app.type_into("#clues", "vzimb001234").await?;
    app.type_into("#clinic-name", "Centro de Salud Tlaquilpa")
        .await?;
    app.choose("#state", "VZ").await?;
    app.type_into("#municipality", "Tlaquilpa").await?;
    app.type_into("#locality", "Tlaquilpa").await?;
    app.type_into("#consultorios", "2").await?;
    app.wait_for_text("#allocation", "$600,000.00").await?;
    app.click("#create-clinic").await?;
    app.wait_for("#clinic-card").await?;
    Ok(())
}

/// Adds a member with `role` on the committee screen (the term as the form has it).
pub async fn add_member(app: &App, name: &str, role: &str) -> Result<()> {
    app.type_into("#member-name", name).await?;
    app.choose("#member-role", role).await?;
    app.click("#add-member").await?;
    Ok(())
}

/// Taps "Sincronizar ahora" and waits for the outcome; a sync error fails the test
/// with its message.
pub async fn sync(app: &App) -> Result<()> {
    app.click("#sync-now").await?;
    app.wait_for("#sync-done, #sync-error").await?;
    if let Ok(e) = app
        .client
        .find(fantoccini::Locator::Css("#sync-error"))
        .await
    {
        let shot = app.screenshot("failed-sync").await?;
        anyhow::bail!("sync failed: {} (see {})", e.text().await?, shot.display());
    }
    Ok(())
}

/// Waits for a download to be whole at `file` (the browser writes it under another
/// name and renames it when done); returns its bytes.
pub async fn wait_for_file(file: &Path) -> Result<Vec<u8>> {
    let deadline = Instant::now() + Duration::from_millis(WAIT_MS_MAX);
    loop {
        if let Ok(bytes) = std::fs::read(file) {
            if !bytes.is_empty() {
                return Ok(bytes);
            }
        }
        if Instant::now() > deadline {
            bail!("{} did not appear within {WAIT_MS_MAX} ms", file.display());
        }
        tokio::time::sleep(Duration::from_millis(POLL_MS)).await;
    }
}

/// A real sync server process on 127.0.0.1 with its own database, killed when dropped.
pub struct SyncServer {
    _child: Guard,
    pub url: String,
    pub db: PathBuf,
}

pub fn sync_server_binary() -> PathBuf {
    match std::env::var_os("COSABI_SERVER_BIN") {
        Some(p) => PathBuf::from(p),
        None => target_dir().join("debug/cosabi-sync-server"),
    }
}

impl SyncServer {
    /// Starts `serve` on a free port and waits for the line saying it listens.
    pub fn start(dir: &Path) -> Result<SyncServer> {
        Self::start_with(dir, "127.0.0.1:0", None)
    }

    /// Starts `serve` on `listen` (`127.0.0.1:0`: a free port), serving the web
    /// app built in `web_app` at `/app` when given.
    pub fn start_with(dir: &Path, listen: &str, web_app: Option<&Path>) -> Result<SyncServer> {
        use std::io::{BufRead, BufReader};
        let db = dir.join("server.sqlite3");
        let bin = sync_server_binary();
        let mut command = Command::new(&bin);
        command
            .arg("--db")
            .arg(&db)
            .args(["serve", "--listen", listen, "--blobs"])
            .arg(dir.join("blobs"));
        if let Some(web_app) = web_app {
            command.arg("--web-app").arg(web_app);
        }
        let mut child = command
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("cannot start {}: run `make build`", bin.display()))?;
        let mut line = String::new();
        BufReader::new(child.stdout.take().context("no stdout")?).read_line(&mut line)?;
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .with_context(|| format!("server said {line:?}"))?
            .to_owned();
        Ok(SyncServer {
            _child: Guard(child),
            url,
            db,
        })
    }

    /// Runs an admin command on the server's database; returns its output.
    pub fn admin(&self, args: &[&str]) -> Result<String> {
        let out = Command::new(sync_server_binary())
            .arg("--db")
            .arg(&self.db)
            .args(args)
            .env("RUST_LOG", "warn")
            .output()?;
        if !out.status.success() {
            bail!(
                "admin {args:?} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(String::from_utf8(out.stdout)?)
    }

    /// Runs an admin command with `input` on its standard input (e.g. a password).
    pub fn admin_with_input(&self, args: &[&str], input: &str) -> Result<String> {
        use std::io::Write as _;
        let mut child = Command::new(sync_server_binary())
            .arg("--db")
            .arg(&self.db)
            .args(args)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        child
            .stdin
            .take()
            .context("no stdin")?
            .write_all(input.as_bytes())?;
        let out = child.wait_with_output()?;
        if !out.status.success() {
            bail!(
                "admin {args:?} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(String::from_utf8(out.stdout)?)
    }

    /// A new one-time enrollment code for the clinic.
    pub fn enrollment_code(&self, clues: &str) -> Result<String> {
        let out = self.admin(&["clinic", "code", "--clues", clues])?;
        code_in(&out)
    }

    /// Registers a clinic (as the municipal office does) and returns its first code.
    pub fn add_clinic(&self, clues: &str, state: &str) -> Result<String> {
        let out = self.admin(&[
            "clinic",
            "add",
            "--clues",
            clues,
            "--name",
            "Centro de Salud",
            "--state",
            state,
            "--consultorios",
            "2",
            "--municipality",
            "Tlaquilpa",
        ])?;
        code_in(&out)
    }
}

fn code_in(out: &str) -> Result<String> {
    out.lines()
        .find_map(|l| l.strip_prefix("enrollment code: "))
        .map(|c| c.trim().to_owned())
        .with_context(|| format!("no code in {out:?}"))
}

/// Writes a photo of a receipt as a phone camera would: a large JPEG (3000×4000 at
/// quality 90) of paper with rows of dark print and sensor noise. `seed` varies it.
pub fn write_receipt_jpeg(path: &Path, seed: u32) -> Result<u64> {
    use image::{ImageEncoder, Rgb, RgbImage};
    let (w, h) = (3000u32, 4000u32);
    let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    let img = RgbImage::from_fn(w, h, |x, y| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let noise = (state % 24) as u8;
        let line = (y / 60) % 2 == 0 && (x / 24 + y / 60 + seed) % 7 != 0;
        let glyph = line && (x % 24 < 16) && ((y % 60) > 12) && ((y % 60) < 48);
        let margin = x < 200 || x > w - 200 || y < 300;
        if glyph && !margin {
            Rgb([30 + noise, 30 + noise, 40 + noise])
        } else {
            Rgb([235 - noise, 232 - noise, 220 - noise])
        }
    });
    let file = std::fs::File::create(path)?;
    image::codecs::jpeg::JpegEncoder::new_with_quality(std::io::BufWriter::new(file), 90)
        .write_image(img.as_raw(), w, h, image::ExtendedColorType::Rgb8)?;
    Ok(std::fs::metadata(path)?.len())
}

/// The system's program for documents, as a person's desktop has one: a viewer
/// registered through the freedesktop MIME defaults in the app's XDG folders (which
/// [`Driver::start`] points at its data folder), so the app's "Abrir" goes through
/// the real `xdg-open`. The viewer notes each file it is asked to open.
pub struct FileViewer {
    dir: tempfile::TempDir,
}

impl FileViewer {
    /// Installs the viewer for PDF, XLSX and ZIP files in `data_dir`'s XDG folders.
    pub fn install(data_dir: &Path) -> Result<FileViewer> {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir()?;
        let script = dir.path().join("viewer.sh");
        let log = dir.path().join("opened.txt");
        std::fs::write(
            &script,
            format!("#!/bin/sh\nprintf '%s\\n' \"$1\" >> '{}'\n", log.display()),
        )?;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))?;
        let kinds = [
            "application/pdf",
            "application/zip",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ];
        let apps = data_dir.join("applications");
        std::fs::create_dir_all(&apps)?;
        std::fs::write(
            apps.join("cosabi-test-viewer.desktop"),
            format!(
                "[Desktop Entry]\nType=Application\nName=Visor\nExec={} %f\nMimeType={};\n",
                script.display(),
                kinds.join(";")
            ),
        )?;
        let defaults: String = kinds
            .iter()
            .map(|k| format!("{k}=cosabi-test-viewer.desktop\n"))
            .collect();
        std::fs::write(
            data_dir.join("mimeapps.list"),
            format!("[Default Applications]\n{defaults}"),
        )?;
        Ok(FileViewer { dir })
    }

    /// Waits (bounded) until the viewer was asked to open `file`.
    pub async fn wait_opened(&self, file: &Path) -> Result<()> {
        let log = self.dir.path().join("opened.txt");
        let want = file.canonicalize()?;
        let deadline = Instant::now() + Duration::from_millis(WAIT_MS_MAX);
        while Instant::now() < deadline {
            let opened = std::fs::read_to_string(&log).unwrap_or_default();
            if opened.lines().any(|l| Path::new(l) == want) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(POLL_MS)).await;
        }
        bail!(
            "{} was never opened; the viewer saw {:?}",
            want.display(),
            std::fs::read_to_string(&log).unwrap_or_default()
        )
    }
}
