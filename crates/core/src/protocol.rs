//! The sync protocol's messages (HTTP API `/v1`), shared by the device's sync engine
//! and the server. Bodies of `/v1/sync` are postcard-encoded; pages inside them are
//! compressed pages (`cosabi_replica::codec`). Enrollment is JSON.

use crate::ids::{ClinicId, SiteId};
use serde::{Deserialize, Serialize};

/// Version of these messages; the server answers 426 to a newer major it cannot read.
pub const PROTOCOL_VERSION: u16 = 1;

/// Most bytes of one `/v1/sync` request body (one compressed page and a version
/// vector fit easily; anything bigger is refused before it is read).
pub const SYNC_BODY_BYTES_MAX: usize = 4 * 1024 * 1024;

/// `POST /v1/enroll` (JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollRequest {
    /// The one-time code from the municipal office, as typed (spaces and dashes and
    /// case do not matter).
    pub code: String,
    /// A name for the device, shown to the admin (`device list`).
    pub device_name: String,
    /// The replica's site id, so the server can tell the admin which replica it is.
    pub site: SiteId,
    /// The device's key (hex, `identity::DEVICE_KEY_BYTES`), with which the server
    /// checks the tags of this device's changes when other devices relay them.
    /// Older apps send none: their changes then reach the server only from them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_key: Option<String>,
}

/// Answer to a successful enrollment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollResponse {
    /// Bearer token for every later request; shown once, stored hashed by the server.
    pub token: String,
    pub device_id: String,
    pub clinic_id: ClinicId,
    pub clues: String,
    pub clinic_name: String,
    pub server_time_ms: u64,
    /// The clinic's sync-file key: the device seals sync files with it and opens
    /// those of the clinic's other devices. Never part of the synced data. Absent
    /// from servers that do not hand one out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync_file_key: Option<String>,
}

/// `POST /v1/sync` (postcard): one round of a sync. The device sends what it holds
/// and at most one page the server lacks; the server answers with what it holds and
/// at most one page the device lacks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncRequest {
    pub protocol: u16,
    /// The device's schema version (migration count).
    pub schema_version: u32,
    /// The device's version vector.
    pub have: Vec<(SiteId, u64)>,
    /// Resume point in the server's log for pulling (0 = from the start); the
    /// version vector decides what is sent, the cursor only saves the server work.
    pub cursor: u64,
    /// A compressed page for the server, if the device has something it lacks.
    pub push: Option<Vec<u8>>,
}

/// What the server did with a pushed page.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushReport {
    pub applied: u64,
    pub duplicates: u64,
    /// Changes whose predecessors the server lacks: the device sends them again.
    pub deferred: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncResponse {
    pub protocol: u16,
    pub server_time_ms: u64,
    /// The server's version vector for the clinic, after the push.
    pub have: Vec<(SiteId, u64)>,
    pub push: Option<PushReport>,
    /// A compressed page the device lacks, if any.
    pub pull: Option<Vec<u8>>,
    /// Cursor to send next time.
    pub cursor: u64,
    /// Whether the server has more the device lacks after this page.
    pub more: bool,
}

/// An error body (JSON) of any `/v1` endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Stable code: `unauthorized`, `revoked`, `code_invalid`, `code_expired`,
    /// `malformed`, `too_large`, `not_found`, `offset_mismatch`, `hash_mismatch`,
    /// `protocol_too_new`, `divergent` (409: a different change is held at the same
    /// site and seq), `invalid_change` (400: a group breaks the schema),
    /// `site_taken` (409: the site belongs to another device), `internal`.
    pub code: String,
    /// A sentence for logs and administrators (the app shows its own translation).
    pub message: String,
    /// The site of the change group a refusal is about (`divergent`,
    /// `invalid_change`), so a device can tell its own writes from relayed ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<SiteId>,
    /// The first sequence number of that site the refusal is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
}

impl ErrorBody {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> ErrorBody {
        ErrorBody {
            code: code.into(),
            message: message.into(),
            site: None,
            seq: None,
        }
    }
}

/// `POST /v1/site` (JSON): binds a new site of the calling device to it (a replica
/// moves to a fresh site when it finds a copy of itself). A site belongs to one
/// device: the server refuses changes of a bound site pushed by any other.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BindSiteRequest {
    pub site: SiteId,
}

/// Normalises an enrollment code as typed: upper case, no spaces or dashes.
pub fn normalise_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn codes_are_forgiving() {
        assert_eq!(super::normalise_code(" k7px-3mwq 9r "), "K7PX3MWQ9R");
    }
}

/// What the enrollment QR code printed by `cosabi-sync-server clinic code --qr`
/// holds: `cosabi:enroll?code=<code>[&server=<url>]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrollmentPayload {
    pub code: String,
    pub server: Option<String>,
}

impl EnrollmentPayload {
    pub fn render(&self) -> String {
        match &self.server {
            Some(url) => format!("cosabi:enroll?code={}&server={url}", self.code),
            None => format!("cosabi:enroll?code={}", self.code),
        }
    }

    /// Reads a scanned payload; a bare code (someone's QR of just the code) is
    /// accepted too. The server URL is last and taken whole: it may contain `&`.
    pub fn parse(text: &str) -> Option<EnrollmentPayload> {
        let text = text.trim();
        let Some(query) = text.strip_prefix("cosabi:enroll?") else {
            let bare = text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ' ');
            return (bare && !text.is_empty()).then(|| EnrollmentPayload {
                code: text.to_owned(),
                server: None,
            });
        };
        let rest = query.strip_prefix("code=")?;
        let (code, server) = match rest.split_once("&server=") {
            Some((c, s)) => (c, Some(s.to_owned()).filter(|s| !s.is_empty())),
            None => (rest, None),
        };
        (!code.is_empty()).then(|| EnrollmentPayload {
            code: code.to_owned(),
            server,
        })
    }
}

#[cfg(test)]
mod enrollment_payload_tests {
    use super::EnrollmentPayload;

    #[test]
    fn round_trips_and_accepts_bare_codes() {
        let p = EnrollmentPayload {
            code: "ABCDE23456".into(),
            server: Some("http://10.0.0.2:8787/sync?x=1&y=2".into()),
        };
        assert_eq!(EnrollmentPayload::parse(&p.render()), Some(p));
        let bare = EnrollmentPayload::parse(" ABCDE-23456 ").unwrap();
        assert_eq!(bare.code, "ABCDE-23456");
        assert_eq!(bare.server, None);
        assert_eq!(EnrollmentPayload::parse("cosabi:enroll?code="), None);
        assert_eq!(EnrollmentPayload::parse("https://example.org/?a=b"), None);
    }
}
