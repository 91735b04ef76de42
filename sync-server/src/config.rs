//! The server's configuration: a TOML file, environment variables and flags.
//!
//! Each setting is taken from, in order: the command-line flag, its environment
//! variable (`COSABI_DB`, …), the file given by `--config` / `COSABI_CONFIG`, and last
//! the default. A deployment keeps its settings in `/etc/cosabi/server.toml` (see
//! `deploy/server.toml`) and its secrets (a PostgreSQL password, S3 keys) in the
//! environment, e.g. a systemd `EnvironmentFile`.
//!
//! ```toml
//! db = "postgres://cosabi@127.0.0.1:5432/cosabi"
//! db_pool_size = 16
//! blobs = "s3://cosabi-fotos"
//! listen = "127.0.0.1:8787"
//! public_url = "https://cosabi.example.gob.mx"
//! shutdown_grace_seconds = 30
//! sign_in_parallel = 2
//! log = "info"
//!
//! # Public transparency pages (`/transparencia`), per state; none by default.
//! [transparency]
//! states = ["VZ", "CS"]
//! ```
//!
//! Unknown keys are refused, so a misspelt setting is an error and not a silently
//! ignored line.

use anyhow::Context;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// The defaults, when neither a flag, the environment nor the file says.
pub const DEFAULT_DB: &str = "cosabi-server.sqlite3";
pub const DEFAULT_BLOBS: &str = "cosabi-blobs";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8787";
pub const DEFAULT_SHUTDOWN_GRACE_SECONDS: u64 = 30;
pub const DEFAULT_LOG: &str = "info";

/// What the configuration file may say; every key is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// A SQLite file or a PostgreSQL URL.
    pub db: Option<String>,
    /// PostgreSQL connections an instance keeps at most (16 by default).
    pub db_pool_size: Option<usize>,
    /// A directory or an object-store URL (`s3://bucket/prefix`).
    pub blobs: Option<String>,
    pub listen: Option<SocketAddr>,
    /// The address people and devices reach the server at, e.g.
    /// `https://cosabi.example.gob.mx`: printed in enrollment QR codes; when it is
    /// `https`, the programme view's session cookie is marked `Secure`.
    pub public_url: Option<String>,
    /// How long a shutdown waits for requests in flight before giving up on them.
    pub shutdown_grace_seconds: Option<u64>,
    /// Sign-in password checks (Argon2id, 19 MiB each) run at once; more sign-ins
    /// at that moment are answered 503 with `Retry-After`. Default: the cores.
    pub sign_in_parallel: Option<usize>,
    /// A tracing filter: `info`, `warn`, `cosabi_sync_server=debug`, …
    pub log: Option<String>,
    /// The public transparency pages: off unless states are listed.
    pub transparency: Option<TransparencyConfig>,
    /// The folder of the built web app (`make web`), served at `/app`; not served
    /// when unset.
    pub web_app: Option<PathBuf>,
}

/// `[transparency]`: which states publish their clinics' pages without an account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransparencyConfig {
    /// Two-letter state codes as in CLUES (`VZ`, `CS`, …; see
    /// `cosabi_core::clinic::STATES`).
    pub states: Vec<String>,
}

impl TransparencyConfig {
    /// The listed states as the catalog spells them, in the catalog's order; an
    /// unknown code is an error that names it.
    pub fn state_codes(&self) -> anyhow::Result<Vec<&'static str>> {
        let mut codes = Vec::with_capacity(self.states.len());
        for code in &self.states {
            let state = cosabi_core::clinic::state_by_code(code).with_context(|| {
                format!("[transparency] states: {code:?} is not a state code (VZ, CS, NT, …)")
            })?;
            codes.push(state.code);
        }
        Ok(cosabi_core::clinic::STATES
            .iter()
            .map(|s| s.code)
            .filter(|c| codes.contains(c))
            .collect())
    }
}

impl FileConfig {
    /// Reads and checks a configuration file.
    pub fn read(path: &Path) -> anyhow::Result<FileConfig> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the configuration file {}", path.display()))?;
        FileConfig::parse(&text)
            .with_context(|| format!("the configuration file {} is not valid", path.display()))
    }

    pub fn parse(text: &str) -> anyhow::Result<FileConfig> {
        let config: FileConfig = toml::from_str(text)?;
        if let Some(url) = &config.public_url {
            check_public_url(url)?;
        }
        if let Some(t) = &config.transparency {
            t.state_codes()?;
        }
        Ok(config)
    }

    /// The states whose transparency pages are public (none when not configured).
    pub fn transparency_states(&self) -> Vec<&'static str> {
        self.transparency
            .as_ref()
            .and_then(|t| t.state_codes().ok())
            .unwrap_or_default()
    }
}

/// A public URL must be absolute `http` or `https`, with a host.
pub fn check_public_url(url: &str) -> anyhow::Result<()> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .with_context(|| {
            format!("public_url {url:?} must start with https:// (or http:// for tests)")
        })?;
    anyhow::ensure!(
        !rest.trim_matches('/').is_empty() && !rest.contains(char::is_whitespace),
        "public_url {url:?} has no host"
    );
    Ok(())
}

/// The setting from the flag or environment (clap has merged both), else the file,
/// else the default.
pub fn pick<T>(flag_or_env: Option<T>, file: Option<T>, default: impl FnOnce() -> T) -> T {
    flag_or_env.or(file).unwrap_or_else(default)
}

/// Sign-in password checks at once by default: one per core, so a flood of
/// sign-ins takes at most the cores and 19 MiB each.
pub fn default_sign_in_parallel() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// Whether a public URL is served over TLS (so cookies must be `Secure`).
pub fn is_https(public_url: Option<&str>) -> bool {
    public_url.is_some_and(|u| u.starts_with("https://"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_file_parses_and_unknown_keys_are_refused() {
        let config = FileConfig::parse(
            r#"
            db = "postgres://cosabi@127.0.0.1/cosabi"
            db_pool_size = 24
            blobs = "s3://fotos/cosabi"
            listen = "0.0.0.0:8787"
            public_url = "https://cosabi.example.gob.mx"
            shutdown_grace_seconds = 10
            log = "warn"
            "#,
        )
        .unwrap();
        assert_eq!(
            config.db.as_deref(),
            Some("postgres://cosabi@127.0.0.1/cosabi")
        );
        assert_eq!(config.listen, Some("0.0.0.0:8787".parse().unwrap()));
        assert_eq!(config.shutdown_grace_seconds, Some(10));
        assert!(is_https(config.public_url.as_deref()));

        let err = FileConfig::parse("bd = \"x.sqlite3\"").unwrap_err();
        assert!(format!("{err:#}").contains("unknown field `bd`"), "{err:#}");
        let err = FileConfig::parse("listen = \"localhost\"").unwrap_err();
        assert!(format!("{err:#}").contains("listen"), "{err:#}");
        let err = FileConfig::parse("public_url = \"cosabi.example\"").unwrap_err();
        assert!(format!("{err:#}").contains("https://"), "{err:#}");
        assert_eq!(FileConfig::parse("").unwrap(), FileConfig::default());
    }

    #[test]
    fn transparency_is_off_by_default_and_names_a_wrong_state() {
        assert!(FileConfig::default().transparency_states().is_empty());
        let config =
            FileConfig::parse("[transparency]\nstates = [\"vz\", \"CS\", \"VZ\"]").unwrap();
        assert_eq!(config.transparency_states(), ["CS", "VZ"]);
        let err = FileConfig::parse("[transparency]\nstates = [\"XX\"]").unwrap_err();
        assert!(
            format!("{err:#}").contains("\"XX\" is not a state code"),
            "{err:#}"
        );
        let err = FileConfig::parse("[transparency]\nestados = []").unwrap_err();
        assert!(
            format!("{err:#}").contains("unknown field `estados`"),
            "{err:#}"
        );
    }

    #[test]
    fn flags_and_environment_win_over_the_file_which_wins_over_defaults() {
        assert_eq!(pick(Some(1), Some(2), || 3), 1);
        assert_eq!(pick(None, Some(2), || 3), 2);
        assert_eq!(pick(None::<i32>, None, || 3), 3);
        assert!(!is_https(Some("http://127.0.0.1:8787")));
        assert!(!is_https(None));
    }
}
