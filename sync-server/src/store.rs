//! The server's storage, behind [`Store`], so a PostgreSQL implementation can stand
//! beside the embedded SQLite one ([`crate::sqlite_store::SqliteStore`]).
//!
//! Changes are stored generically — a change group as the device sent it, keyed by
//! (clinic, site, seq) — so tables and columns the server has never heard of (a newer
//! app) are kept and served unchanged. Nothing here assumes SQLite: methods are
//! async, take and return plain values, and each is one atomic operation.

use crate::accounts::Scope;
use async_trait::async_trait;
use cosabi_core::change::{admit, Admission, ChangeGroup};
use cosabi_core::ids::{ClinicId, SiteId};
use cosabi_core::protocol::PushReport;
use cosabi_core::wire::{value_size, PAGE_FIELD_CHANGES_MAX, PAGE_VALUE_BYTES_MAX};
use std::collections::{HashMap, HashSet};

/// A clinic registered by the admin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClinicRecord {
    pub id: ClinicId,
    pub clues: String,
    pub name: String,
    /// Two-letter state code.
    pub state: String,
    pub consultorios: u32,
    /// As the admin typed it (required by `clinic add`). The only municipality
    /// municipal accounts are scoped by: a clinic cannot move itself by editing its
    /// synced record. Empty for clinics registered before it was required: those
    /// are in no municipal account's view until `clinic set-municipality`.
    pub municipality: String,
    pub created_at_ms: u64,
}

/// An enrolled device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRecord {
    pub id: String,
    pub clinic_id: ClinicId,
    pub name: String,
    pub site: SiteId,
    pub enrolled_at_ms: u64,
    pub last_sync_ms: Option<u64>,
    pub revoked: bool,
}

/// The device a site belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteOwner {
    pub device: String,
    /// The device's key (hex), for the tags of its changes relayed by others.
    pub key: Option<String>,
}

/// A device about to be enrolled.
#[derive(Debug, Clone)]
pub struct NewDevice {
    pub id: String,
    pub name: String,
    pub site: SiteId,
    /// SHA-256 (hex) of its token: the token itself is never stored.
    pub token_hash: String,
    /// The device's key (hex), which tags its changes (`cosabi_core::identity`).
    pub key: Option<String>,
}

/// A person who may read the programme view, within their scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRecord {
    /// Lower-case login name, unique.
    pub user: String,
    /// Argon2id PHC string: the password itself is never stored.
    pub password_hash: String,
    pub scope: Scope,
    pub created_at_ms: u64,
}

/// A signed-in browser session of an account.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// SHA-256 (hex) of the cookie's token: the token itself is never stored.
    pub token_hash: String,
    pub user: String,
    pub created_at_ms: u64,
    pub expires_at_ms: u64,
}

/// A page of changes for a device, and where to resume.
#[derive(Debug, Clone, Default)]
pub struct Pulled {
    pub groups: Vec<ChangeGroup>,
    pub cursor: u64,
    pub more: bool,
}

/// A pull page being filled from a clinic's groups in arrival order, the rule
/// every store applies: groups the device holds entirely only move the cursor;
/// the rest are trimmed of what it holds and added until the page limits.
#[derive(Debug)]
pub struct PageFill<'a> {
    have: &'a HashMap<SiteId, u64>,
    page: Pulled,
    field_changes: usize,
    bytes: usize,
}

impl<'a> PageFill<'a> {
    pub fn new(have: &'a HashMap<SiteId, u64>, cursor: u64) -> PageFill<'a> {
        PageFill {
            have,
            page: Pulled {
                cursor,
                ..Default::default()
            },
            field_changes: 0,
            bytes: 0,
        }
    }

    fn held(&self, site: &SiteId) -> u64 {
        self.have.get(site).copied().unwrap_or(0)
    }

    /// Whether the device lacks any of the group at `arrival` (its body is then
    /// needed); if not, the page's cursor moves past it.
    pub fn wants(&mut self, arrival: u64, site: &SiteId, seq_last: u64) -> bool {
        if seq_last <= self.held(site) {
            self.page.cursor = arrival;
            return false;
        }
        true
    }

    /// Adds a group the device lacks; false (and `more` set) when the page is full
    /// and the group was left for the next one.
    pub fn add(&mut self, arrival: u64, mut g: ChangeGroup) -> bool {
        let held = self.held(&g.site);
        if g.seq_first <= held {
            let skip = (held + 1 - g.seq_first) as usize;
            g.fields.drain(..skip);
            g.seq_first = held + 1;
        }
        let g_bytes: usize = g.fields.iter().map(|f| value_size(&f.value) + 8).sum();
        if self.field_changes > 0
            && (self.field_changes + g.fields.len() > PAGE_FIELD_CHANGES_MAX
                || self.bytes + g_bytes > PAGE_VALUE_BYTES_MAX)
        {
            self.page.more = true;
            return false;
        }
        self.field_changes += g.fields.len();
        self.bytes += g_bytes;
        self.page.groups.push(g);
        self.page.cursor = arrival;
        true
    }

    pub fn finish(self) -> Pulled {
        self.page
    }
}

/// How precisely a device's last sync is recorded (see [`Store::touch_device`]).
pub const TOUCH_GRANULARITY_MS: u64 = 60_000;

/// What a store keeps of a pushed page, decided before it writes anything.
#[derive(Debug, Default)]
pub struct Admitted {
    /// The groups to store, in the page's (causal) order, trimmed of the field
    /// changes the server already holds.
    pub kept: Vec<ChangeGroup>,
    pub report: PushReport,
    /// The sites whose held sequence number grew (their new value is in `vv`).
    pub touched: HashSet<SiteId>,
    /// The parts of pushed groups the server already holds: before anything is
    /// stored, each must equal what is held ([`first_divergence`]), or the push is
    /// refused. A different change at a held (site, seq) is a copied, restored or
    /// lying device, never a duplicate to drop in silence.
    pub echoed: Vec<ChangeGroup>,
}

impl Admitted {
    /// Per site, the range of held seqs the echoed parts cover: what a store reads
    /// back to compare.
    pub fn echoed_ranges(&self) -> HashMap<SiteId, (u64, u64)> {
        let mut out: HashMap<SiteId, (u64, u64)> = HashMap::new();
        for g in &self.echoed {
            let r = out.entry(g.site).or_insert((g.seq_first, g.seq_last()));
            r.0 = r.0.min(g.seq_first);
            r.1 = r.1.max(g.seq_last());
        }
        out
    }
}

/// The causal rule every store applies to a pushed page, with `vv` what the server
/// holds of the clinic (updated to what it will hold): a group is kept only after
/// everything before it of its site and the versions it replaced; held parts are
/// set apart for comparison ([`Admitted::echoed`]); after a gap, the rest of that
/// site's groups wait for a later push. (Which device may push which site is
/// decided before, by the handler: [`Store::site_owners`].)
pub fn admit_page(groups: Vec<ChangeGroup>, vv: &mut HashMap<SiteId, u64>) -> Admitted {
    let mut out = Admitted::default();
    let mut blocked = HashSet::new();
    for g in groups {
        let n = g.fields.len() as u64;
        if n == 0 {
            continue;
        }
        if blocked.contains(&g.site) {
            out.report.deferred += n;
            continue;
        }
        let skip = match admit(&g, |site| vv.get(site).copied().unwrap_or(0)) {
            Admission::Duplicate => {
                out.report.duplicates += n;
                out.echoed.push(g);
                continue;
            }
            Admission::Gap | Admission::MissingPrev => {
                blocked.insert(g.site);
                out.report.deferred += n;
                continue;
            }
            Admission::Take { skip } => skip,
        };
        if skip > 0 {
            out.echoed.push(ChangeGroup {
                fields: g.fields[..skip].to_vec(),
                ..g.clone()
            });
        }
        let g = ChangeGroup {
            seq_first: g.seq_first + skip as u64,
            fields: g.fields[skip..].to_vec(),
            ..g
        };
        out.report.duplicates += skip as u64;
        out.report.applied += g.fields.len() as u64;
        vv.insert(g.site, g.seq_last());
        out.touched.insert(g.site);
        out.kept.push(g);
    }
    out
}

/// The first (site, seq) where a pushed change differs from the one held: `held`
/// are the stored groups covering [`Admitted::echoed_ranges`]. Every part of a
/// change counts: its HLC, table, row, author, column, value and replaced version.
pub fn first_divergence(echoed: &[ChangeGroup], held: &[ChangeGroup]) -> Option<(SiteId, u64)> {
    let mut first: Option<(SiteId, u64)> = None;
    for g in echoed {
        for i in 0..g.fields.len() {
            let seq = g.seq_first + i as u64;
            let same = held.iter().any(|h| h.same_change_at(g, seq));
            if !same {
                if first.is_none_or(|(s, q)| s == g.site && seq < q) {
                    first = Some((g.site, seq));
                }
                break;
            }
        }
    }
    first
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("enrollment code is not valid")]
    CodeInvalid,
    #[error("enrollment code has expired or was used: ask the municipal office for a new one")]
    CodeExpired,
    #[error("clinic {0} is already registered")]
    ClinicExists(String),
    #[error("account {0} already exists: remove it first or pick another name")]
    AccountExists(String),
    #[error("no such clinic: {0}")]
    NoSuchClinic(String),
    #[error("change {seq} of site {site} differs from the one held")]
    Divergent { site: SiteId, seq: u64 },
    #[error("site {0} belongs to another device")]
    SiteTaken(SiteId),
    #[error("storage failed: {0}")]
    Backend(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// The seal of a document the server made ([`Store::record_issued_seal`]), with the
/// clinic it is of; kept as JSON.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct IssuedSeal {
    pub clinic: ClinicId,
    pub seal: cosabi_replica::Seal,
}

impl IssuedSeal {
    pub fn new(clinic: ClinicId, seal: &cosabi_replica::NewSeal) -> IssuedSeal {
        IssuedSeal {
            clinic,
            seal: seal.into(),
        }
    }
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    async fn add_clinic(&self, clinic: ClinicRecord) -> StoreResult<()>;
    async fn clinics(&self) -> StoreResult<Vec<ClinicRecord>>;
    async fn clinic_by_clues(&self, clues: &str) -> StoreResult<Option<ClinicRecord>>;
    /// Sets the registered municipality of a clinic (`clinic set-municipality`, for
    /// clinics registered before `clinic add` required one). The default refuses:
    /// a store implements it to support the command.
    async fn set_clinic_municipality(&self, clues: &str, municipality: &str) -> StoreResult<()> {
        let _ = municipality;
        Err(StoreError::Backend(format!(
            "this store cannot change a clinic's municipality yet: run \
             UPDATE clinic SET municipality = '<name>' WHERE clues = '{clues}' in its database"
        )))
    }
    /// Registers a one-time enrollment code (by its hash) for a clinic.
    async fn add_enrollment_code(
        &self,
        clinic: ClinicId,
        code_hash: &str,
        expires_at_ms: u64,
    ) -> StoreResult<()>;
    /// Uses up a code and enrolls the device, atomically.
    async fn enroll(
        &self,
        code_hash: &str,
        now_ms: u64,
        device: NewDevice,
    ) -> StoreResult<ClinicRecord>;
    async fn device_by_token(&self, token_hash: &str) -> StoreResult<Option<DeviceRecord>>;
    async fn devices(&self, clinic: Option<ClinicId>) -> StoreResult<Vec<DeviceRecord>>;
    /// Revokes a device by id or id prefix; returns whether one was revoked.
    async fn revoke_device(&self, id: &str) -> StoreResult<bool>;
    /// Records that a device synced at `now_ms`. A time within
    /// [`TOUCH_GRANULARITY_MS`] after the one recorded is not written: a sync is
    /// several rounds, and one write a minute is what people read ("last sync").
    async fn touch_device(&self, id: &str, now_ms: u64) -> StoreResult<()>;
    /// What the server holds for a clinic, per site.
    async fn version_vector(&self, clinic: ClinicId) -> StoreResult<HashMap<SiteId, u64>>;
    /// Stores a page of changes in one transaction, in causal order: a group is kept
    /// only after everything before it of its site and the versions it replaced
    /// ([`admit_page`]); a part already held must be the same change
    /// ([`first_divergence`], else [`StoreError::Divergent`] and nothing is stored).
    async fn push(&self, clinic: ClinicId, groups: Vec<ChangeGroup>) -> StoreResult<PushReport>;
    /// The clinic's sync-file key (which seals the clinic's sync files), set to
    /// `fresh` if it has none yet; delivered to devices at enrollment.
    async fn clinic_file_key(&self, clinic: ClinicId, fresh: &str) -> StoreResult<String>;
    /// The bound sites of a clinic: site → (device id, the device's key as hex, if
    /// it gave one at enrollment).
    async fn site_owners(&self, clinic: ClinicId) -> StoreResult<HashMap<SiteId, SiteOwner>>;
    /// Binds `site` to `device` (a device's sites: the one it enrolled with and
    /// any it moved to). Binding again to the same device is a no-op;
    /// [`StoreError::SiteTaken`] if another device holds it.
    async fn bind_site(&self, clinic: ClinicId, device: &str, site: SiteId) -> StoreResult<()>;

    /// Keeps the seal of a document the server made (an expediente's documents); the
    /// first seal with a code wins.
    async fn record_issued_seal(&self, seal: IssuedSeal) -> StoreResult<()>;
    /// The seal of a document the server made, by its code (printed form).
    async fn issued_seal(&self, code: &str) -> StoreResult<Option<IssuedSeal>>;
    /// Changes the holder of `have` lacks, in the server's arrival order (which is
    /// causal), from `cursor` on, up to the page limits.
    async fn pull(
        &self,
        clinic: ClinicId,
        have: HashMap<SiteId, u64>,
        cursor: u64,
    ) -> StoreResult<Pulled>;
    /// What the server holds for every clinic that has changes, per site: one read
    /// for the programme view, which keys its per-clinic cache by it.
    async fn version_vectors(&self) -> StoreResult<HashMap<ClinicId, HashMap<SiteId, u64>>>;

    async fn add_account(&self, account: AccountRecord) -> StoreResult<()>;
    async fn accounts(&self) -> StoreResult<Vec<AccountRecord>>;
    async fn account(&self, user: &str) -> StoreResult<Option<AccountRecord>>;
    /// Removes an account and its sessions; returns whether it existed.
    async fn remove_account(&self, user: &str) -> StoreResult<bool>;
    /// Stores a session; expired sessions of every account are dropped on the way.
    async fn add_session(&self, session: NewSession) -> StoreResult<()>;
    /// The account of a session that exists and has not expired at `now_ms`.
    async fn session_account(
        &self,
        token_hash: &str,
        now_ms: u64,
    ) -> StoreResult<Option<AccountRecord>>;
    async fn remove_session(&self, token_hash: &str) -> StoreResult<()>;

    /// Every device with the hash of its token, for a backup.
    async fn devices_with_token_hashes(&self) -> StoreResult<Vec<(DeviceRecord, String)>>;
    /// Puts back a device from a backup, token hash and all, so it keeps syncing.
    async fn restore_device(&self, device: DeviceRecord, token_hash: &str) -> StoreResult<()>;
}
