//! The device's sync engine: the only code on the device that speaks HTTP.
//!
//! A sync is a few rounds of `POST /v1/sync`, each idempotent: the device sends its
//! version vector and at most one page the server lacks, the server answers with its
//! version vector and at most one page the device lacks. A dropped link loses at most
//! the round in flight, which is retried with backoff; nothing is applied twice.

use crate::codec::{page_from_bytes, page_to_bytes};
use crate::{Error, Replica, VersionVector};
use cosabi_core::ids::SiteId;
use cosabi_core::protocol::{
    BindSiteRequest, EnrollRequest, EnrollResponse, ErrorBody, SyncRequest, SyncResponse,
    PROTOCOL_VERSION,
};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;

/// Rounds in one sync at most (each moves up to a page each way): a clinic-year is
/// a few dozen pages.
pub const SYNC_ROUNDS_MAX: usize = 10_000;
/// Attempts of one round before the sync gives up (it resumes next time).
pub const ROUND_ATTEMPTS_MAX: u32 = 8;
/// First retry delay; doubled each time up to [`RETRY_DELAY_MS_MAX`].
pub const RETRY_DELAY_MS_FIRST: u64 = 200;
pub const RETRY_DELAY_MS_MAX: u64 = 8_000;
/// A round that takes longer is abandoned and retried (a 2G link moves ~5 KB/s).
pub const REQUEST_TIMEOUT_S: u64 = 120;

/// How far a sync has got.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SyncProgress {
    pub rounds: u64,
    pub pages_up: u64,
    pub pages_down: u64,
    pub changes_up: u64,
    pub changes_down: u64,
    pub bytes_up: u64,
    pub bytes_down: u64,
    pub retries: u64,
    /// Pages that crossed the link more than once because a round was retried.
    pub pages_resent: u64,
    /// Whether the server has nothing this device lacks and vice versa.
    pub done: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("cannot reach the server: {0}")]
    Network(String),
    #[error("the server refused ({status}, {code}): {message}")]
    Refused {
        status: u16,
        code: String,
        message: String,
        /// The change group the refusal is about, when it is about one.
        group: Option<(SiteId, u64)>,
    },
    #[error("the server sent something unreadable: {0}")]
    BadResponse(String),
    #[error(transparent)]
    Replica(#[from] Error),
    #[error("the sync did not finish within {SYNC_ROUNDS_MAX} rounds")]
    TooManyRounds,
    /// The sync ended with writes of this device that the server did not take: it
    /// must never say "synchronized" then.
    #[error("the server did not take {0} of this device's changes")]
    OwnChangesPending(u64),
}

impl SyncError {
    /// A stable code for the UI (`sync_error.<code>`).
    pub fn code(&self) -> String {
        match self {
            SyncError::Network(_) => "network".into(),
            SyncError::Refused { code, .. } => code.clone(),
            SyncError::BadResponse(_) => "bad_response".into(),
            SyncError::Replica(e) => e.code().into(),
            SyncError::TooManyRounds => "too_many_rounds".into(),
            SyncError::OwnChangesPending(_) => "own_changes_pending".into(),
        }
    }

    /// Failures worth another attempt: the link's or the server's, not a refusal.
    pub(crate) fn retryable(&self) -> bool {
        match self {
            SyncError::Network(_) => true,
            SyncError::Refused { status, .. } => *status >= 500 || *status == 429,
            _ => false,
        }
    }
}

fn lock(replica: &Mutex<Replica>) -> Result<std::sync::MutexGuard<'_, Replica>, SyncError> {
    replica
        .lock()
        .map_err(|_| SyncError::Replica(Error::Corrupt("replica lock poisoned".into())))
}

fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(20))
        .timeout(Duration::from_secs(REQUEST_TIMEOUT_S))
        .build()
        .expect("a default HTTP client builds")
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

/// Enrolls this device with a one-time code; returns the token to keep.
pub async fn enroll(
    server_url: &str,
    code: &str,
    device_name: &str,
    site: SiteId,
) -> Result<EnrollResponse, SyncError> {
    let url = format!("{}/v1/enroll", server_url.trim_end_matches('/'));
    let resp = http_client()
        .post(url)
        .json(&EnrollRequest {
            code: code.to_owned(),
            device_name: device_name.to_owned(),
            site,
        })
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
                    tokio::time::sleep(Duration::from_millis(delay)).await;
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
            .send()
            .await
            .map_err(|e| SyncError::Network(e.to_string()))?;
        if resp.status().is_success() || resp.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(());
        }
        Err(refused(resp).await)
    }

    /// Syncs the replica with the server until neither lacks anything, reporting
    /// progress after every round. The replica is locked only between rounds.
    ///
    /// This device's own changes are pushed from the last seq the server confirmed
    /// (not from what the server's version vector claims: a copy of this replica may
    /// have put other changes under the same seqs), so the server compares what it
    /// already holds. A `divergent` refusal of an own change, or a pulled page that
    /// holds more of the own site than the replica, moves the replica's writes to a
    /// fresh site (bound to this device at the server) and the sync goes on; nothing
    /// is dropped. Relayed changes the server refuses or declines (another device's
    /// site, a group that breaks the schema) are left out for the rest of this sync
    /// and never stop it. The sync is `done` only when the server confirmed every
    /// own change.
    pub async fn sync(
        &self,
        replica: &Mutex<Replica>,
        mut on_progress: impl FnMut(&SyncProgress),
    ) -> Result<SyncProgress, SyncError> {
        let mut progress = SyncProgress::default();
        let mut server_have: Option<VersionVector> = None;
        let mut cursor = 0u64;
        // Sites whose changes the server would not take in this sync.
        let mut left_out: HashSet<SiteId> = HashSet::new();
        let mut site = lock(replica)?.site_id();
        for round in 0..SYNC_ROUNDS_MAX {
            let (have, push, push_changes, pushed_max) = {
                let r = lock(replica)?;
                let have: Vec<_> = r.version_vector()?.into_iter().collect();
                let page = match &server_have {
                    Some(sh) => {
                        let mut peer = sh.clone();
                        let acked = r.acked_seq()?;
                        let own = peer.entry(r.site_id()).or_insert(0);
                        *own = (*own).min(acked);
                        for s in &left_out {
                            peer.insert(*s, u64::MAX);
                        }
                        r.pages_since_limited(&peer, 1)?.into_iter().next()
                    }
                    None => None,
                };
                let changes = page
                    .as_ref()
                    .map(|p| p.field_change_count() as u64)
                    .unwrap_or(0);
                let pushed_max = page.as_ref().map(pushed_per_site).unwrap_or_default();
                (have, page.map(|p| page_to_bytes(&p)), changes, pushed_max)
            };
            let pushed = push.is_some();
            let body = postcard::to_allocvec(&SyncRequest {
                protocol: PROTOCOL_VERSION,
                schema_version: crate::db::SCHEMA_VERSION as u32,
                have,
                cursor,
                push: push.clone(),
            })
            .map_err(|e| SyncError::BadResponse(e.to_string()))?;
            let resp = match self.round(&body, pushed, &mut progress).await {
                Ok(resp) => resp,
                Err(SyncError::Refused {
                    status: 409,
                    code,
                    group: Some((refused_site, seq)),
                    ..
                }) if code == "divergent" && refused_site == site => {
                    // A copy of this replica got there first: our writes from `seq`
                    // move to a fresh site, which becomes this device's.
                    let fresh = lock(replica)?.move_to_fresh_site(seq)?;
                    self.bind_site(fresh).await?;
                    site = fresh;
                    // The old site's changes we no longer hold were passed over by
                    // the cursor: pull from the start.
                    cursor = 0;
                    progress.rounds += 1;
                    continue;
                }
                Err(SyncError::Refused {
                    status: 400 | 409,
                    group: Some((refused_site, _)),
                    ..
                }) if refused_site != site && !left_out.contains(&refused_site) => {
                    // Another site's changes, relayed: they stay here, and their own
                    // device (or a newer server) brings them.
                    left_out.insert(refused_site);
                    progress.rounds += 1;
                    continue;
                }
                Err(e) => return Err(e),
            };
            progress.rounds += 1;
            progress.bytes_up += body.len() as u64;
            if pushed {
                progress.pages_up += 1;
                progress.changes_up += push_changes;
            }
            let pulled = resp.pull.is_some();
            let have: VersionVector = resp.have.into_iter().collect();
            {
                let mut r = lock(replica)?;
                if round == 0 {
                    r.adopt_reference_time(resp.server_time_ms)?;
                }
                // What the server took of the pushed page is confirmed; a site it
                // did not take up to what was pushed is left out for this sync.
                for (s, max) in &pushed_max {
                    let held = have.get(s).copied().unwrap_or(0);
                    if *s == site && held >= *max {
                        r.record_pushed(*max)?;
                    } else if *s != site && held < *max {
                        left_out.insert(*s);
                    }
                }
                if let Some(bytes) = &resp.pull {
                    progress.bytes_down += bytes.len() as u64;
                    let page = page_from_bytes(bytes)
                        .map_err(|e| SyncError::BadResponse(e.to_string()))?;
                    let report = r.apply_page(&page)?;
                    progress.pages_down += 1;
                    progress.changes_down += report.applied + report.kept_unknown;
                    // Anything deferred comes again: restart the pull from the top.
                    if report.deferred > 0 {
                        cursor = 0;
                    } else {
                        cursor = resp.cursor;
                    }
                } else {
                    cursor = resp.cursor;
                }
            }
            // The pulled page held more of our own site than we had: the replica
            // moved its writes to a fresh site, which must be bound before it pushes.
            let now_site = lock(replica)?.site_id();
            if now_site != site {
                self.bind_site(now_site).await?;
                site = now_site;
                cursor = 0;
            }
            if round > 0 && !pushed && !pulled && !resp.more {
                let mut r = lock(replica)?;
                let pending = r.local_change_count().saturating_sub(r.acked_seq()?);
                if pending > 0 {
                    return Err(SyncError::OwnChangesPending(pending));
                }
                r.record_sync_ok(chrono::Utc::now())?;
                progress.done = true;
                on_progress(&progress);
                return Ok(progress);
            }
            server_have = Some(have);
            on_progress(&progress);
        }
        Err(SyncError::TooManyRounds)
    }
}

/// The highest seq of each site in a page.
fn pushed_per_site(page: &cosabi_core::wire::Page) -> HashMap<SiteId, u64> {
    let mut out: HashMap<SiteId, u64> = HashMap::new();
    for g in &page.groups {
        let e = out.entry(g.site).or_insert(0);
        *e = (*e).max(g.seq_last());
    }
    out
}
