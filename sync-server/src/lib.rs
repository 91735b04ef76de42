//! cosabi-sync-server: merges the replicas of clinics.
//!
//! Main types: [`AppState`] (a [`store::Store`] and the [`blob_store::BlobStore`]), [`app`]
//! (the router, callable without a socket in tests), [`error::AppError`] (what a
//! client is told: a status and a stable code; details go to the log).
//!
//! Endpoints (all under `/v1` but `/healthz`; OpenAPI at `/v1/openapi.json`):
//! - `POST /v1/enroll` — one-time code → device token (stored hashed).
//! - `POST /v1/sync` — one round: version vectors, a page each way, server time.
//! - `POST /v1/site` — binds a fresh site to the calling device.
//!
//! Every `/v1` call but enroll needs `Authorization: Bearer <token>`, and only ever
//! reads or writes the token's clinic.
//!
//! The programme view ([`programme`]: `/programa…`, HTML and CSV) is for people, not
//! devices: accounts created by the admin CLI ([`accounts`]), a session cookie, and a
//! scope (programme, state or municipality) that every page is cut to.
//! The transparency pages ([`transparency`]: `/transparencia…`, HTML and CSV) are
//! public, for the states the configuration lists: what each clinic received, spent
//! and did, with roles but no people.
//! [`demo`] fills a server with synced demo clinics from the seed table.

// The OpenAPI document is one `json!` literal, deeper than the default limit.
#![recursion_limit = "256"]

pub mod accounts;
pub mod auth;
pub mod backend;
pub mod backup;
pub mod blob_store;
pub mod blobs;
pub mod config;
pub mod demo;
pub mod error;
pub mod metrics;
pub mod openapi;
pub mod pg_store;
pub mod programme;
pub mod ratelimit;
pub mod serve;
pub mod sqlite_store;
pub mod store;
pub mod text;
pub mod transparency;
pub mod verify;
pub mod web_app;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use cosabi_core::protocol::{
    normalise_code, BindSiteRequest, EnrollRequest, EnrollResponse, SyncRequest, SyncResponse,
    PROTOCOL_VERSION, SYNC_BODY_BYTES_MAX,
};
use cosabi_replica::codec::{page_from_bytes, page_to_bytes};
use error::AppError;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;
use store::{NewDevice, Store};

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    /// Where receipt photos are kept (content-addressed): a directory or a bucket.
    pub blobs: blob_store::BlobStore,
    /// The programme view's folded clinics, by version vector.
    pub programme: Arc<programme::FoldCache>,
    /// How people sign in to the programme view.
    pub sign_in: Arc<SignIn>,
    /// The server's public address, printed in the QR codes of the documents it makes.
    pub public_url: Option<Arc<str>>,
    /// Verifications of documents running at once (each folds a clinic).
    pub verifications: Arc<tokio::sync::Semaphore>,
    /// Expedientes being built at once (`programme::expediente::builds_max`).
    pub expedientes: Arc<tokio::sync::Semaphore>,
    /// The states whose transparency pages are public (`[transparency] states`),
    /// in the catalog's order; none by default.
    pub transparency: Arc<Vec<&'static str>>,
    /// Wrong enrollment codes, limited per client address and overall.
    pub enrollment: Arc<ratelimit::EnrollLimiter>,
    /// The installable web app served at `/app`, when `web_app` names its build.
    pub web_app: Option<Arc<web_app::WebApp>>,
}

/// How people sign in to the programme view: failed attempts limited per account
/// name, password checks bounded, and whether the session cookie must only travel
/// over TLS.
#[derive(Debug)]
pub struct SignIn {
    pub limiter: ratelimit::LoginLimiter,
    /// Password checks (Argon2id, 19 MiB and tens of milliseconds of CPU each)
    /// running at once. A sign-in that finds none free is answered 503 with
    /// `Retry-After` rather than queued: a flood of guesses costs at most this many
    /// checks' memory and cores, and never grows a queue.
    pub password_checks: Arc<tokio::sync::Semaphore>,
    /// The server is reached over https (its public URL says so): the session
    /// cookie is `Secure` on every answer, not only those a TLS proxy marks with
    /// `X-Forwarded-Proto: https`.
    pub secure_cookies: bool,
}

impl Default for SignIn {
    fn default() -> Self {
        SignIn {
            limiter: ratelimit::LoginLimiter::default(),
            password_checks: Arc::new(tokio::sync::Semaphore::new(
                config::default_sign_in_parallel(),
            )),
            secure_cookies: false,
        }
    }
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, blobs: blob_store::BlobStore) -> AppState {
        AppState {
            store,
            blobs,
            programme: Arc::default(),
            sign_in: Arc::default(),
            public_url: None,
            verifications: Arc::new(tokio::sync::Semaphore::new(verify::VERIFY_PARALLEL_MAX)),
            expedientes: Arc::new(tokio::sync::Semaphore::new(
                programme::expediente::builds_max(),
            )),
            transparency: Arc::default(),
            enrollment: Arc::default(),
            web_app: None,
        }
    }

    /// Serves the web app `app` at `/app`.
    pub fn with_web_app(mut self, app: Option<web_app::WebApp>) -> AppState {
        self.web_app = app.map(Arc::new);
        self
    }

    /// Publishes the transparency pages of `states` (codes of
    /// [`cosabi_core::clinic::STATES`], as `config::TransparencyConfig::state_codes` gives them).
    pub fn with_transparency(mut self, states: Vec<&'static str>) -> AppState {
        self.transparency = Arc::new(states);
        self
    }

    /// Who the documents the server makes are issued by: now, with its address.
    pub fn issuer(&self) -> cosabi_reports::Issuer {
        cosabi_reports::Issuer::now(self.public_url.as_deref().map(str::to_owned))
    }

    /// The server's public URL (`https://…` makes session cookies `Secure`).
    pub fn with_public_url(mut self, public_url: Option<&str>) -> AppState {
        self.sign_in = Arc::new(SignIn {
            secure_cookies: config::is_https(public_url),
            ..SignIn::default()
        });
        self.public_url = public_url.map(Arc::from);
        self
    }

    /// Password checks of sign-ins that may run at once (at least 1).
    pub fn with_sign_in_parallel(mut self, parallel: usize) -> AppState {
        self.sign_in = Arc::new(SignIn {
            limiter: ratelimit::LoginLimiter::default(),
            password_checks: Arc::new(tokio::sync::Semaphore::new(parallel.max(1))),
            secure_cookies: self.sign_in.secure_cookies,
        });
        self
    }
}

/// What `/healthz` answers.
#[derive(Debug, Serialize)]
pub struct Health {
    pub status: &'static str,
    pub version: &'static str,
}

async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
    })
}

/// Milliseconds since the Unix epoch by this server's clock: the reference devices
/// correct their clocks against.
pub fn now_ms() -> u64 {
    chrono::Utc::now().timestamp_millis().max(0) as u64
}

/// Longest device name kept.
const DEVICE_NAME_CHARS_MAX: usize = 80;

/// Longest enrollment request body: a code, a device name, a site and a key.
pub const ENROLL_BODY_BYTES_MAX: usize = 8 * 1024;

/// The client address of a request: its TCP peer (set by [`serve::serve`]), or
/// the unspecified address when the router is called without a socket (tests).
pub fn client_ip(extensions: &axum::http::Extensions) -> std::net::IpAddr {
    extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map_or(std::net::Ipv4Addr::UNSPECIFIED.into(), |c| c.0.ip())
}

async fn enroll(
    State(state): State<AppState>,
    extensions: axum::http::Extensions,
    Json(req): Json<EnrollRequest>,
) -> Result<Json<EnrollResponse>, AppError> {
    let ip = client_ip(&extensions);
    if let Err(wait) = state.enrollment.check(ip, std::time::Instant::now()) {
        return Err(AppError::too_many_attempts(wait));
    }
    // A wrong, a used and an expired code are one refusal, byte for byte: the
    // answer never tells a guesser that a code exists.
    let refused = |state: &AppState| {
        state.enrollment.failed(ip, std::time::Instant::now());
        AppError::code_invalid()
    };
    let code = normalise_code(&req.code);
    if code.is_empty() {
        return Err(refused(&state));
    }
    let token = auth::new_token();
    let device_id = uuid::Uuid::new_v4().to_string();
    let name: String = req
        .device_name
        .trim()
        .chars()
        .take(DEVICE_NAME_CHARS_MAX)
        .collect();
    let clinic = match state
        .store
        .enroll(
            &auth::sha256_hex(code.as_bytes()),
            now_ms(),
            NewDevice {
                id: device_id.clone(),
                name,
                site: req.site,
                token_hash: auth::sha256_hex(token.as_bytes()),
                key: req.device_key.filter(|k| {
                    k.len() == 2 * cosabi_core::identity::DEVICE_KEY_BYTES
                        && k.bytes().all(|b| b.is_ascii_hexdigit())
                }),
            },
        )
        .await
    {
        Ok(clinic) => clinic,
        Err(store::StoreError::CodeInvalid | store::StoreError::CodeExpired) => {
            return Err(refused(&state))
        }
        Err(e) => return Err(e.into()),
    };
    tracing::info!(clues = %clinic.clues, device = %device_id, "device enrolled");
    let file_key = state
        .store
        .clinic_file_key(clinic.id, &cosabi_replica::new_sync_file_key())
        .await?;
    Ok(Json(EnrollResponse {
        token,
        device_id,
        clinic_id: clinic.id,
        clues: clinic.clues,
        clinic_name: clinic.name,
        server_time_ms: now_ms(),
        sync_file_key: Some(file_key),
    }))
}

async fn sync(
    State(state): State<AppState>,
    device: auth::Device,
    body: Bytes,
) -> Result<impl IntoResponse, AppError> {
    let req: SyncRequest = postcard::from_bytes(&body)
        .map_err(|e| AppError::malformed(format!("sync request: {e}")))?;
    if req.protocol > PROTOCOL_VERSION {
        return Err(AppError::protocol_too_new(req.protocol));
    }
    let clinic = device.0.clinic_id;
    let mut have: HashMap<_, _> = req.have.iter().copied().collect();
    let push = match &req.push {
        Some(bytes) => {
            let page = page_from_bytes(bytes).map_err(|e| AppError::malformed(e.to_string()))?;
            // Every door validates: a page over the limits, or one group that breaks
            // the schema, is refused whole before anything is stored, naming the
            // group, so no device can store what would stop the clinic's others.
            cosabi_core::validate::check_page_limits(&page).map_err(|e| {
                AppError::with_status(StatusCode::PAYLOAD_TOO_LARGE, "too_large", e.to_string())
            })?;
            for g in &page.groups {
                if let Err(e) = cosabi_core::validate::check_group(g, Some(clinic.0)) {
                    return Err(AppError::invalid_change(g.site, g.seq_first, g.table, e));
                }
            }
            // Devices correct their clocks against ours before pushing (first round);
            // changes stamped far ahead still come from a wrong clock: kept, and
            // flagged for the administrator.
            let limit = now_ms() + cosabi_core::hlc::REMOTE_AHEAD_TOLERANCE_MS;
            let ahead = page.groups.iter().filter(|g| g.hlc.ms() > limit).count();
            if ahead > 0 {
                tracing::warn!(device = %device.0.id, groups = ahead, "changes stamped in the future: the device's clock is ahead");
            }
            // A site belongs to one device: another device's site is taken only
            // with that device's tag (a change relayed through sync files), else
            // declined — not stored, counted as deferred (the pusher leaves that
            // site out for the rest of its sync; its own device brings it).
            let owners = state.store.site_owners(clinic).await?;
            let mut declined = 0u64;
            let mut groups = Vec::with_capacity(page.groups.len());
            for (i, g) in page.groups.iter().enumerate() {
                let relay_ok = match owners.get(&g.site) {
                    Some(owner) if owner.device != device.0.id => owner
                        .key
                        .as_deref()
                        .and_then(|k| hex::decode(k).ok())
                        .zip(page.tag(i))
                        .is_some_and(|(key, tag)| cosabi_core::identity::verify(&key, g, tag)),
                    _ => true,
                };
                if relay_ok {
                    groups.push(g.clone());
                } else {
                    declined += g.fields.len() as u64;
                }
            }
            if declined > 0 {
                tracing::info!(device = %device.0.id, fields = declined, "changes of another device's site declined");
            }
            // The device holds what it pushes: never send it back.
            for g in &page.groups {
                let held = have.entry(g.site).or_insert(0);
                if g.seq_first <= *held + 1 {
                    *held = (*held).max(g.seq_last());
                }
            }
            let mut report = state.store.push(clinic, groups).await?;
            report.deferred += declined;
            metrics::METRICS.sync_page("push", report.applied);
            Some(report)
        }
        None => None,
    };
    let pulled = state.store.pull(clinic, have, req.cursor).await?;
    let pull = if pulled.groups.is_empty() {
        None
    } else {
        let fields = pulled.groups.iter().map(|g| g.fields.len() as u64).sum();
        metrics::METRICS.sync_page("pull", fields);
        Some(page_to_bytes(&cosabi_core::wire::Page {
            schema_version: req.schema_version,
            tags: Vec::new(),
            groups: pulled.groups,
        }))
    };
    let server_have: Vec<_> = state
        .store
        .version_vector(clinic)
        .await?
        .into_iter()
        .collect();
    state.store.touch_device(&device.0.id, now_ms()).await?;
    let resp = SyncResponse {
        protocol: PROTOCOL_VERSION,
        server_time_ms: now_ms(),
        have: server_have,
        push,
        pull,
        cursor: pulled.cursor,
        more: pulled.more,
    };
    let bytes = postcard::to_allocvec(&resp).map_err(|e| AppError::internal(e.to_string()))?;
    Ok(([(header::CONTENT_TYPE, "application/octet-stream")], bytes))
}

/// Binds a fresh site of the calling device to it (after the device found a copy of
/// itself and moved its writes there).
async fn bind_site(
    State(state): State<AppState>,
    device: auth::Device,
    Json(req): Json<BindSiteRequest>,
) -> Result<StatusCode, AppError> {
    state
        .store
        .bind_site(device.0.clinic_id, &device.0.id, req.site)
        .await?;
    tracing::info!(device = %device.0.id, site = %req.site, "site bound");
    Ok(StatusCode::NO_CONTENT)
}

/// The HTTP API.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route(
            "/v1/openapi.json",
            get(|| async { Json(openapi::document()) }),
        )
        .route(
            "/v1/enroll",
            post(enroll).layer(tower_http::limit::RequestBodyLimitLayer::new(
                ENROLL_BODY_BYTES_MAX,
            )),
        )
        .route("/v1/sync", post(sync))
        .route("/v1/site", post(bind_site))
        .layer(DefaultBodyLimit::max(SYNC_BODY_BYTES_MAX))
        .merge(blobs::routes())
        .merge(programme::routes())
        .merge(verify::routes())
        .merge(transparency::routes())
        .merge(web_app::routes())
        .route("/metrics", get(metrics::metrics))
        .layer(axum::middleware::from_fn(metrics::track))
        .with_state(state)
}
