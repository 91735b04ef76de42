//! Accounts of the programme view: who may read it, and how much of it.
//!
//! Main types: [`Scope`] (the whole programme, a state or a municipality), [`Viewer`]
//! (the signed-in account of a request, from its session cookie).
//!
//! Accounts are created by the admin CLI (`account add`); passwords are stored as
//! Argon2id PHC strings. Signing in gives a session cookie holding 32 random bytes
//! (HttpOnly, SameSite=Strict, path `/`: the CSV downloads such as `/programa.csv`
//! sit beside `/programa`, not under it); the server keeps only the SHA-256
//! of the token, with an expiry. A session cookie rather than HTTP Basic: a browser
//! re-sends Basic credentials on every request, which would cost an Argon2 check per
//! page and give no way to sign out.

use crate::auth::{new_token, sha256_hex};
use crate::store::{AccountRecord, NewSession};
use crate::{now_ms, AppState};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use cosabi_core::clinic::state_by_code;
use std::fmt;
use std::str::FromStr;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "cosabi_sesion";
/// How long a session lasts after signing in (a working day and a half).
pub const SESSION_TTL_MS: u64 = 12 * 60 * 60 * 1000;
/// Longest user name accepted.
pub const USER_CHARS_MAX: usize = 64;
/// Shortest password accepted by `account add`.
pub const PASSWORD_CHARS_MIN: usize = 10;
/// Longest password accepted anywhere (Argon2 would hash more, but nobody types it).
pub const PASSWORD_BYTES_MAX: usize = 1024;
/// Where the login form lives.
pub const LOGIN_PATH: &str = "/programa/entrar";

/// How much of the programme an account sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every clinic.
    Programme,
    /// The clinics of one state (two-letter code).
    State(String),
    /// The clinics of one municipality of one state.
    Municipality { state: String, name: String },
}

/// Municipality names compared the way people type them: case and runs of spaces
/// do not matter; accents do (Tlaquilpa and Tláquilpa are different words).
pub fn normalise_municipality(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

impl Scope {
    /// Whether a clinic in `state` (code) and `municipality` is within the scope.
    pub fn contains(&self, state: &str, municipality: &str) -> bool {
        match self {
            Scope::Programme => true,
            Scope::State(s) => s.eq_ignore_ascii_case(state),
            Scope::Municipality { state: s, name } => {
                s.eq_ignore_ascii_case(state)
                    && normalise_municipality(name) == normalise_municipality(municipality)
            }
        }
    }

    /// Whether any clinic of `state` can be within the scope.
    pub fn reaches_state(&self, state: &str) -> bool {
        match self {
            Scope::Programme => true,
            Scope::State(s) | Scope::Municipality { state: s, .. } => s.eq_ignore_ascii_case(state),
        }
    }

    /// The scope as people read it, in Spanish.
    pub fn describe_es(&self) -> String {
        let state_name = |code: &str| {
            state_by_code(code)
                .map(|s| s.name.to_owned())
                .unwrap_or_else(|| code.to_owned())
        };
        match self {
            Scope::Programme => "Todo el programa".to_owned(),
            Scope::State(s) => format!("Estado: {}", state_name(s)),
            Scope::Municipality { state, name } => {
                format!("Municipio: {name}, {}", state_name(state))
            }
        }
    }
}

/// `programa`, `estado:VZ`, `municipio:VZ/Tlaquilpa`.
impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Programme => f.write_str("programa"),
            Scope::State(s) => write!(f, "estado:{s}"),
            Scope::Municipality { state, name } => write!(f, "municipio:{state}/{name}"),
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ScopeError {
    #[error(
        "scope must be programa, estado:XX or municipio:XX/Name (e.g. municipio:VZ/Tlaquilpa)"
    )]
    Shape,
    #[error("{0:?} is not a state code: use two letters like VZ, OC, CS")]
    State(String),
    #[error("the municipality's name is empty")]
    Municipality,
}

fn state_code(code: &str) -> Result<String, ScopeError> {
    state_by_code(code)
        .map(|s| s.code.to_owned())
        .ok_or_else(|| ScopeError::State(code.trim().to_owned()))
}

impl FromStr for Scope {
    type Err = ScopeError;

    fn from_str(s: &str) -> Result<Scope, ScopeError> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("programa") {
            return Ok(Scope::Programme);
        }
        let (kind, rest) = s.split_once(':').ok_or(ScopeError::Shape)?;
        match kind.trim().to_ascii_lowercase().as_str() {
            "estado" => Ok(Scope::State(state_code(rest)?)),
            "municipio" => {
                let (state, name) = rest.split_once('/').ok_or(ScopeError::Shape)?;
                let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
                if name.is_empty() {
                    return Err(ScopeError::Municipality);
                }
                Ok(Scope::Municipality {
                    state: state_code(state)?,
                    name,
                })
            }
            _ => Err(ScopeError::Shape),
        }
    }
}

/// A user name as stored: trimmed, lower-case, letters, digits, `.`, `_`, `-`.
pub fn validate_user(user: &str) -> Result<String, String> {
    let u = user.trim().to_lowercase();
    if u.is_empty() || u.chars().count() > USER_CHARS_MAX {
        return Err(format!(
            "the user name must have 1 to {USER_CHARS_MAX} characters"
        ));
    }
    if !u
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err("the user name may hold letters, digits, '.', '_' and '-' only".into());
    }
    Ok(u)
}

/// Argon2id (the crate's defaults: 19 MiB, 2 passes) with a random salt.
pub fn hash_password(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).expect("the OS random source works");
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Whether `password` matches the stored PHC string (false for a malformed one).
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A PHC string no password matches, verified against when the user is unknown so
/// a failed sign-in takes as long whether or not the name exists.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password(&new_token()).expect("hashing a random password works"))
}

/// Starts a session for `user`: returns the cookie's token (shown once).
pub async fn start_session(state: &AppState, user: &str) -> Result<String, crate::error::AppError> {
    let token = new_token();
    let now = now_ms();
    state
        .store
        .add_session(NewSession {
            token_hash: sha256_hex(token.as_bytes()),
            user: user.to_owned(),
            created_at_ms: now,
            expires_at_ms: now + SESSION_TTL_MS,
        })
        .await?;
    Ok(token)
}

/// The `Set-Cookie` value for a new session.
/// `secure` when the server is reached over TLS: the browser then never sends the
/// cookie over plain HTTP.
pub fn session_cookie(token: &str, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={token}; Path=/; Max-Age={}; HttpOnly; SameSite=Strict{}",
        SESSION_TTL_MS / 1000,
        if secure { "; Secure" } else { "" }
    )
}

/// The `Set-Cookie` value that ends a session in the browser.
pub fn cleared_cookie(secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict{}",
        if secure { "; Secure" } else { "" }
    )
}

/// The session token a request carries, if any. Parsed here rather than with a
/// cookie crate: one name in one header, no attributes to read.
pub fn session_token(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.trim().to_owned())
        .filter(|t| !t.is_empty() && t.len() <= 128)
}

/// The signed-in account of a request. Without a live session the request is sent
/// to the login form.
pub struct Viewer(pub AccountRecord);

/// Why a request has no [`Viewer`].
pub enum NoViewer {
    SignIn,
    Failed(crate::error::AppError),
}

impl IntoResponse for NoViewer {
    fn into_response(self) -> Response {
        match self {
            NoViewer::SignIn => Redirect::to(LOGIN_PATH).into_response(),
            NoViewer::Failed(e) => e.into_response(),
        }
    }
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = NoViewer;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = session_token(parts).ok_or(NoViewer::SignIn)?;
        let account = state
            .store
            .session_account(&sha256_hex(token.as_bytes()), now_ms())
            .await
            .map_err(|e| NoViewer::Failed(e.into()))?
            .ok_or(NoViewer::SignIn)?;
        Ok(Viewer(account))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_round_trip_and_contain() {
        for text in ["programa", "estado:VZ", "municipio:VZ/Tlaquilpa"] {
            let s: Scope = text.parse().unwrap();
            assert_eq!(s.to_string(), text);
        }
        let m: Scope = " municipio:vz/  san  Andrés Tuxtla ".parse().unwrap();
        assert_eq!(m.to_string(), "municipio:VZ/san Andrés Tuxtla");
        assert!(m.contains("VZ", "San Andrés  Tuxtla"));
        assert!(!m.contains("VZ", "San Andres Tuxtla"));
        assert!(!m.contains("OC", "San Andrés Tuxtla"));
        assert!(m.reaches_state("VZ") && !m.reaches_state("NT"));
        let st: Scope = "estado:nt".parse().unwrap();
        assert!(st.contains("NT", "Tepic") && !st.contains("VZ", "Tepic"));
        assert_eq!(
            "estado:XX".parse::<Scope>(),
            Err(ScopeError::State("XX".into()))
        );
        assert_eq!(
            "municipio:VZ/ ".parse::<Scope>(),
            Err(ScopeError::Municipality)
        );
        assert_eq!("todo".parse::<Scope>(), Err(ScopeError::Shape));
    }

    #[test]
    fn passwords_verify_only_themselves() {
        let h = hash_password("una contraseña larga").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("una contraseña larga", &h));
        assert!(!verify_password("otra contraseña", &h));
        assert!(!verify_password("x", "not a phc string"));
    }

    #[test]
    fn user_names() {
        assert_eq!(validate_user(" Ana.Perez ").unwrap(), "ana.perez");
        assert!(validate_user("ana perez").is_err());
        assert!(validate_user("").is_err());
    }
}
