//! One device sync with its server as a state machine with no I/O (in the spirit of
//! automerge's `sync.rs`): [`SyncSession::next_request`] says what to send,
//! [`SyncSession::receive`] takes the answer (or the refusal) and says what comes
//! next. The HTTP client (`client::SyncClient`) only carries bytes and retries; tests
//! drive the session directly. Sync files exchange the same pages through the same
//! apply path (`Replica::apply_page`: causal rule, schema check, self-healing).
//!
//! The rules it keeps, each one a way a write was lost before:
//! - This device's own changes are pushed from the last seq the server *confirmed*
//!   (`Replica::acked_seq`), never from what the server's version vector claims: a
//!   copy of this replica may hold other changes under the same seqs, and the server
//!   compares what it already holds.
//! - A `divergent` refusal of an own change moves the replica's writes from that seq
//!   to a fresh site ([`Replica::move_to_fresh_site`]); so does a pulled page holding
//!   more of the own site than the replica has (inside `apply_page`). The fresh site
//!   is bound to this device at the server before anything is pushed under it.
//! - Relayed changes the server refuses or declines (a site bound to another device,
//!   a group that breaks the schema) are left out for the rest of this sync: they
//!   stay on the device and never stop the sync.
//! - Nothing is pushed that is not durable on the device's disk
//!   (`Replica::make_durable` before each page).
//! - The sync is done only when the server confirmed every own change.

use crate::codec::{page_from_bytes, page_to_bytes};
use crate::{Error, Replica, VersionVector};
use cosabi_core::ids::SiteId;
use cosabi_core::protocol::{SyncRequest, SyncResponse, PROTOCOL_VERSION};
use cosabi_core::wire::Page;
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// Rounds in one sync at most (each moves up to a page each way): a clinic-year is
/// a few dozen pages.
pub const SYNC_ROUNDS_MAX: usize = 10_000;

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
    pub fn retryable(&self) -> bool {
        match self {
            SyncError::Network(_) => true,
            SyncError::Refused { status, .. } => *status >= 500 || *status == 429,
            _ => false,
        }
    }
}

/// What the driver does after [`SyncSession::receive`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// Send [`SyncSession::next_request`] again.
    Round,
    /// Bind this fresh site of the device at the server (`POST /v1/site`), then
    /// send the next round.
    BindSite(SiteId),
    /// Finished: every own change confirmed, nothing more either way.
    Done(SyncProgress),
}

/// The round in flight: what was sent.
#[derive(Debug, Default)]
struct Sent {
    pushed: bool,
    push_changes: u64,
    body_bytes: u64,
    /// The highest seq of each site in the pushed page.
    pushed_max: HashMap<SiteId, u64>,
    /// Sites of the pushed page whose groups had tags here but were sent without.
    untagged: HashSet<SiteId>,
}

/// One sync, between rounds.
#[derive(Debug)]
pub struct SyncSession {
    progress: SyncProgress,
    /// What the server said it holds, after the first round.
    server_have: Option<VersionVector>,
    cursor: u64,
    /// Sites whose changes the server would not take in this sync.
    left_out: HashSet<SiteId>,
    /// Other devices' sites whose changes the server took only with their tags (it
    /// declined them without): tags cost 16 incompressible bytes a group on a 2G
    /// link, so they travel only for these.
    tagged: HashSet<SiteId>,
    /// The server would not take this device's own changes past a seq (they wait on
    /// changes it declined): pushing them again cannot help in this sync.
    own_stalled: bool,
    /// The device's site as the session last saw it.
    site: SiteId,
    rounds_answered: usize,
    sent: Option<Sent>,
}

impl SyncSession {
    pub fn new(replica: &Replica) -> SyncSession {
        SyncSession {
            progress: SyncProgress::default(),
            server_have: None,
            cursor: 0,
            left_out: HashSet::new(),
            tagged: HashSet::new(),
            own_stalled: false,
            site: replica.site_id(),
            rounds_answered: 0,
            sent: None,
        }
    }

    pub fn progress(&self) -> &SyncProgress {
        &self.progress
    }

    /// Progress the transport adds: retries and pages resent by them.
    pub fn progress_mut(&mut self) -> &mut SyncProgress {
        &mut self.progress
    }

    /// Whether the request in flight carries a page.
    pub fn pushing(&self) -> bool {
        self.sent.as_ref().is_some_and(|s| s.pushed)
    }

    /// The body of the next `POST /v1/sync`: the version vector and at most one page
    /// the server lacks (nothing in the first round, which learns what it holds).
    pub fn next_request(&mut self, r: &Replica) -> Result<Vec<u8>, SyncError> {
        if self.rounds_answered >= SYNC_ROUNDS_MAX {
            return Err(SyncError::TooManyRounds);
        }
        let have: Vec<_> = r.version_vector()?.into_iter().collect();
        let page: Option<Page> = match &self.server_have {
            Some(sh) => {
                let mut peer = sh.clone();
                let own = peer.entry(r.site_id()).or_insert(0);
                *own = (*own).min(r.acked_seq()?);
                for s in &self.left_out {
                    peer.insert(*s, u64::MAX);
                }
                if self.own_stalled {
                    peer.insert(r.site_id(), u64::MAX);
                }
                r.pages_since_limited(&peer, 1)?.into_iter().next()
            }
            None => None,
        };
        let mut sent = Sent::default();
        // Other devices' sites whose tags stay behind in this page.
        let mut untagged = HashSet::new();
        if let Some(p) = &page {
            for (i, _) in &p.tags {
                let site = p.groups[*i as usize].site;
                if site != r.site_id() && !self.tagged.contains(&site) {
                    untagged.insert(site);
                }
            }
        }
        // The server needs tags only on changes relayed from sites bound to other
        // devices; it says which by declining them untagged.
        let page = page.map(|mut p| {
            let groups = &p.groups;
            let tagged = &self.tagged;
            p.tags
                .retain(|(i, _)| tagged.contains(&groups[*i as usize].site));
            p
        });
        sent.untagged = untagged;
        if page.is_some() {
            // A pushed change must survive a power cut here: otherwise this device
            // would write other changes under seqs the server already holds.
            r.make_durable()?;
        }
        if let Some(p) = &page {
            sent.pushed = true;
            sent.push_changes = p.field_change_count() as u64;
            for g in &p.groups {
                let e = sent.pushed_max.entry(g.site).or_insert(0);
                *e = (*e).max(g.seq_last());
            }
        }
        let body = postcard::to_allocvec(&SyncRequest {
            protocol: PROTOCOL_VERSION,
            schema_version: crate::db::SCHEMA_VERSION as u32,
            have,
            cursor: self.cursor,
            push: page.as_ref().map(page_to_bytes),
        })
        .map_err(|e| SyncError::BadResponse(e.to_string()))?;
        sent.body_bytes = body.len() as u64;
        self.sent = Some(sent);
        Ok(body)
    }

    /// Takes the server's answer to the last request, or its refusal (a transport
    /// failure that retries could not cure is returned as is).
    pub fn receive(
        &mut self,
        r: &mut Replica,
        answer: Result<SyncResponse, SyncError>,
    ) -> Result<Next, SyncError> {
        let sent = self.sent.take().unwrap_or_default();
        self.rounds_answered += 1;
        self.progress.rounds += 1;
        let resp = match answer {
            Ok(resp) => resp,
            Err(SyncError::Refused {
                status: 409,
                code,
                group: Some((site, seq)),
                ..
            }) if code == "divergent" && site == self.site => {
                // A copy of this replica got there first: our writes from `seq` move
                // to a fresh site, which becomes this device's.
                let fresh = r.move_to_fresh_site(seq)?;
                return Ok(self.moved_to(fresh));
            }
            Err(SyncError::Refused {
                status: 400 | 409,
                group: Some((site, _)),
                ..
            }) if site != self.site && !self.left_out.contains(&site) => {
                // Another site's changes, relayed: they stay here, and their own
                // device (or a newer server) brings them.
                self.left_out.insert(site);
                return Ok(Next::Round);
            }
            Err(e) => return Err(e),
        };
        self.progress.bytes_up += sent.body_bytes;
        if sent.pushed {
            self.progress.pages_up += 1;
            self.progress.changes_up += sent.push_changes;
        }
        if self.rounds_answered == 1 {
            r.adopt_reference_time(resp.server_time_ms)?;
        }
        let have: VersionVector = resp.have.iter().copied().collect();
        // What the server took of the pushed page is confirmed; a site it did not
        // take up to what was pushed is left out for this sync.
        let mut newly_tagged = false;
        for (s, max) in &sent.pushed_max {
            let held = have.get(s).copied().unwrap_or(0);
            if *s == self.site && held >= *max {
                r.record_pushed(*max)?;
            } else if *s == self.site {
                // Deferred: they name changes the server does not hold (declined,
                // or not yet pushed by their device). The sync ends unconfirmed.
                self.own_stalled = true;
            } else if held < *max && sent.untagged.contains(s) {
                // Declined without tags: send them again with their tags (and this
                // device's own changes that waited on them).
                self.tagged.insert(*s);
                newly_tagged = true;
            } else if held < *max {
                self.left_out.insert(*s);
            }
        }
        if newly_tagged {
            self.own_stalled = false;
        }
        let pulled = resp.pull.is_some();
        if let Some(bytes) = &resp.pull {
            self.progress.bytes_down += bytes.len() as u64;
            let page = page_from_bytes(bytes).map_err(|e| SyncError::BadResponse(e.to_string()))?;
            let report = r.apply_page(&page)?;
            self.progress.pages_down += 1;
            self.progress.changes_down += report.applied + report.kept_unknown;
            // Anything deferred comes again: restart the pull from the top.
            self.cursor = if report.deferred > 0 { 0 } else { resp.cursor };
        } else {
            self.cursor = resp.cursor;
        }
        self.server_have = Some(have);
        // The pulled page held more of our own site than we had: the replica moved
        // its writes to a fresh site, which must be bound before it pushes.
        if r.site_id() != self.site {
            return Ok(self.moved_to(r.site_id()));
        }
        if self.rounds_answered > 1 && !sent.pushed && !pulled && !resp.more {
            let pending = r.local_change_count().saturating_sub(r.acked_seq()?);
            if pending > 0 {
                return Err(SyncError::OwnChangesPending(pending));
            }
            r.record_sync_ok(chrono::Utc::now())?;
            self.progress.done = true;
            return Ok(Next::Done(self.progress));
        }
        Ok(Next::Round)
    }

    fn moved_to(&mut self, fresh: SiteId) -> Next {
        self.site = fresh;
        self.own_stalled = false;
        // The old site's changes this replica no longer holds were passed over by
        // the pull cursor: pull from the start.
        self.cursor = 0;
        Next::BindSite(fresh)
    }
}
