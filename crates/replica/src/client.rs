//! The device's sync engine: the only code on the device that speaks HTTP.
//!
//! A sync is a few rounds of `POST /v1/sync`, each idempotent: the device sends its
//! version vector and at most one page the server lacks, the server answers with its
//! version vector and at most one page the device lacks. A dropped link loses at most
//! the round in flight, which is retried with backoff; nothing is applied twice.

pub use crate::sync_session::{Next, SyncError, SyncProgress, SyncSession, SYNC_ROUNDS_MAX};
use crate::{Error, Replica};
use cosabi_core::ids::SiteId;
use cosabi_core::protocol::{
    BindSiteRequest, EnrollRequest, EnrollResponse, ErrorBody, SyncResponse,
};
use std::sync::Mutex;
use std::time::Duration;

/// Attempts of one round before the sync gives up (it resumes next time).
pub const ROUND_ATTEMPTS_MAX: u32 = 8;
/// First retry delay; doubled each time up to [`RETRY_DELAY_MS_MAX`].
pub const RETRY_DELAY_MS_FIRST: u64 = 200;
pub const RETRY_DELAY_MS_MAX: u64 = 8_000;
/// A round that takes longer is abandoned and retried (a 2G link moves ~5 KB/s).
pub const REQUEST_TIMEOUT_S: u64 = 120;

fn lock(replica: &Mutex<Replica>) -> Result<std::sync::MutexGuard<'_, Replica>, SyncError> {
    replica
        .lock()
        .map_err(|_| SyncError::Replica(Error::Corrupt("replica lock poisoned".into())))
}

/// Seconds to wait for a connection before counting the attempt as failed.
#[cfg(not(target_arch = "wasm32"))]
const CONNECT_TIMEOUT_S: u64 = 20;

/// A request that takes longer is abandoned ([`REQUEST_TIMEOUT_S`]). Set on each
/// request, not on the client: on the web the client is the browser's `fetch`,
/// whose builder takes no timeouts, while its requests do.
pub(crate) const REQUEST_TIMEOUT: Duration = Duration::from_secs(REQUEST_TIMEOUT_S);

/// The HTTP client of the sync engine and the photo transfers. On the web, where the
/// browser connects, the request's timeout bounds the connection too.
pub(crate) fn http_client() -> reqwest::Client {
    let builder = reqwest::Client::builder();
    #[cfg(not(target_arch = "wasm32"))]
    let builder = builder.connect_timeout(Duration::from_secs(CONNECT_TIMEOUT_S));
    builder.build().expect("a default HTTP client builds")
}

/// Waits `ms` milliseconds without blocking the thread: tokio's timer on the
/// desktop, the browser's `setTimeout` on the web (where tokio's timer has no
/// runtime to drive it).
pub(crate) async fn sleep_ms(ms: u64) {
    #[cfg(not(target_arch = "wasm32"))]
    tokio::time::sleep(Duration::from_millis(ms)).await;
    #[cfg(target_arch = "wasm32")]
    gloo_timers::future::sleep(Duration::from_millis(ms)).await;
}

/// The error a non-success answer carries.
pub(crate) async fn refused(resp: reqwest::Response) -> SyncError {
    let status = resp.status().as_u16();
    match resp.json::<ErrorBody>().await {
        Ok(body) => SyncError::Refused {
            status,
            code: body.code,
            message: body.message,
            group: body.site.map(|site| (site, body.seq.unwrap_or(0))),
        },
        Err(_) => SyncError::Refused {
            status,
            code: "http".into(),
            message: format!("HTTP {status}"),
            group: None,
        },
    }
}

/// Enrolls a device by its site alone (no key: its changes then reach the server
/// only from itself); a replica enrolls with [`enroll_replica`].
pub async fn enroll(
    server_url: &str,
    code: &str,
    device_name: &str,
    site: SiteId,
) -> Result<EnrollResponse, SyncError> {
    enroll_with(server_url, code, device_name, site, None).await
}

/// Enrolls a device with a one-time code and its key; returns the token to keep.
async fn enroll_with(
    server_url: &str,
    code: &str,
    device_name: &str,
    site: SiteId,
    device_key: Option<&str>,
) -> Result<EnrollResponse, SyncError> {
    let url = format!("{}/v1/enroll", server_url.trim_end_matches('/'));
    let resp = http_client()
        .post(url)
        .json(&EnrollRequest {
            code: code.to_owned(),
            device_name: device_name.to_owned(),
            site,
            device_key: device_key.map(str::to_owned),
        })
        .timeout(REQUEST_TIMEOUT)
        .send()
        .await
        .map_err(|e| SyncError::Network(e.to_string()))?;
    if !resp.status().is_success() {
        return Err(refused(resp).await);
    }
    resp.json()
        .await
        .map_err(|e| SyncError::BadResponse(e.to_string()))
}

/// Enrolls the device that holds `replica`. A replica whose site another device
/// holds at the server (a copy of an enrolled folder) moves its writes to a fresh
/// site first (nothing is lost) and enrolls with that; the code is not spent by the
/// refusal.
pub async fn enroll_replica(
    server_url: &str,
    code: &str,
    device_name: &str,
    replica: &Mutex<Replica>,
) -> Result<EnrollResponse, SyncError> {
    let (site, key) = {
        let r = lock(replica)?;
        (r.site_id(), r.device_key_hex())
    };
    let resp = match enroll_with(server_url, code, device_name, site, Some(&key)).await {
        Err(SyncError::Refused { code: refusal, .. }) if refusal == "site_taken" => {
            let fresh = {
                let mut r = lock(replica)?;
                let from = r.acked_seq()? + 1;
                r.move_to_fresh_site(from)?
            };
            enroll_with(server_url, code, device_name, fresh, Some(&key)).await
        }
        other => other,
    }?;
    // The clinic's file key seals this device's sync files from now on. A key this
    // app cannot read must not fail an enrollment whose code is spent: it is logged,
    // and the key can still be entered by hand.
    if let Some(file_key) = resp.sync_file_key.as_deref() {
        if let Err(e) = lock(replica)?.set_sync_file_key(file_key) {
            tracing::warn!(error = %e, "the enrollment's sync-file key was not kept");
        }
    }
    Ok(resp)
}

/// A device's connection to its server.
pub struct SyncClient {
    http: reqwest::Client,
    sync_url: String,
    token: String,
}

impl SyncClient {
    pub fn new(server_url: &str, token: &str) -> SyncClient {
        SyncClient {
            http: http_client(),
            sync_url: format!("{}/v1/sync", server_url.trim_end_matches('/')),
            token: token.to_owned(),
        }
    }

    async fn round_once(&self, body: &[u8]) -> Result<SyncResponse, SyncError> {
        let resp = self
            .http
            .post(&self.sync_url)
            .bearer_auth(&self.token)
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            .body(body.to_vec())
            .timeout(REQUEST_TIMEOUT)
            .send()
            .await
            .map_err(|e| SyncError::Network(e.to_string()))?;
        if !resp.status().is_success() {
            return Err(refused(resp).await);
        }
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| SyncError::Network(e.to_string()))?;
        postcard::from_bytes(&bytes).map_err(|e| SyncError::BadResponse(e.to_string()))
    }

    /// One round, retried with backoff while the failure is the network's or the
    /// server's. Safe to repeat: the server keys changes by (site, seq).
    async fn round(
        &self,
        body: &[u8],
        pushed: bool,
        progress: &mut SyncProgress,
    ) -> Result<SyncResponse, SyncError> {
        let mut delay = RETRY_DELAY_MS_FIRST;
        let mut attempt = 1;
        loop {
            match self.round_once(body).await {
                Ok(r) => {
                    // Each failed attempt sent the pushed page, and the server may
                    // have sent its page too, before the link dropped.
                    let per_attempt = u64::from(pushed) + u64::from(r.pull.is_some());
                    progress.pages_resent += per_attempt * u64::from(attempt - 1);
                    return Ok(r);
                }
                Err(e) if e.retryable() && attempt < ROUND_ATTEMPTS_MAX => {
                    progress.retries += 1;
                    attempt += 1;
                    sleep_ms(delay).await;
                    delay = (delay * 2).min(RETRY_DELAY_MS_MAX);
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Binds a fresh site of this device to it at the server. A server from before
    /// site binding answers 404: nothing to do there.
    pub async fn bind_site(&self, site: SiteId) -> Result<(), SyncError> {
        let url = self.sync_url.trim_end_matches("/sync").to_owned() + "/site";
        let resp = self
            .http
            .post(url)
            .bearer_auth(&self.token)
            .json(&BindSiteRequest { site })
            .timeout(REQUEST_TIMEOUT)
            .send()
            .await
            .map_err(|e| SyncError::Network(e.to_string()))?;
        if resp.status().is_success() || resp.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(());
        }
        Err(refused(resp).await)
    }

    /// Syncs the replica with the server until neither lacks anything, reporting
    /// progress after every round: this drives a [`SyncSession`] (which holds every
    /// rule: own changes pushed from the last confirmed seq, self-healing copies,
    /// relayed refusals left out, done only when every own change is confirmed) over
    /// HTTP. The replica is locked only between rounds.
    pub async fn sync(
        &self,
        replica: &Mutex<Replica>,
        mut on_progress: impl FnMut(&SyncProgress),
    ) -> Result<SyncProgress, SyncError> {
        let mut session = SyncSession::new(&*lock(replica)?);
        loop {
            let body = session.next_request(&*lock(replica)?)?;
            let pushed = session.pushing();
            let answer = self.round(&body, pushed, session.progress_mut()).await;
            let next = session.receive(&mut *lock(replica)?, answer)?;
            match next {
                Next::Round => {}
                Next::BindSite(site) => self.bind_site(site).await?,
                Next::Done(progress) => {
                    on_progress(&progress);
                    return Ok(progress);
                }
            }
            on_progress(session.progress());
        }
    }
}
