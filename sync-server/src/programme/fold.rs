//! One clinic's domain state, folded from the changes the server holds into an
//! in-memory [`Replica`] with the replica's own merge code, and cached by the
//! clinic's version vector so a page view refolds only clinics that synced since.

use crate::store::{StoreError, StoreResult};
use crate::AppState;
use cosabi_core::actions::{ActionStatus, Category};
use cosabi_core::committee::Role;
use cosabi_core::ids::{ClinicId, SiteId};
use cosabi_core::photo::PhotoKind;
use cosabi_core::schema::ACTION;
use cosabi_core::wire::Page;
use cosabi_core::Centavos;
use cosabi_replica::Replica;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

/// Pulls of one clinic's changes at most per fold: a clinic-year is a few dozen
/// pages, so this only stops a store that keeps answering `more`.
const FOLD_PAGES_MAX: usize = 100_000;
/// Passes over the clinic's changes at most. The store's arrival order is causal, so
/// one pass applies everything; a second only runs if something was deferred.
const FOLD_PASSES_MAX: usize = 4;

/// The clinic record as the committee synced it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncedClinic {
    pub name: String,
    pub municipality: String,
    pub locality: String,
    pub consultorios: u32,
}

/// A member's seat and term (names stay on the devices: the programme view does not
/// show people).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seat {
    pub role: Role,
    /// ISO dates; `None` when not given.
    pub term_start: Option<String>,
    pub term_end: Option<String>,
}

impl Seat {
    /// Whether the member holds the seat on `today` (ISO date).
    pub fn active_on(&self, today: &str) -> bool {
        let started = self
            .term_start
            .as_deref()
            .is_none_or(|s| s.is_empty() || s <= today);
        let not_ended = self
            .term_end
            .as_deref()
            .is_none_or(|e| e.is_empty() || e >= today);
        started && not_ended
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FoldedAssembly {
    /// ISO date.
    pub date: String,
    pub closed: bool,
    /// An `AssemblyKind` code as synced.
    pub kind: String,
    pub agreements: Vec<FoldedAgreement>,
}

/// An agreement as the public pages show it: whoever is responsible only by role.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FoldedAgreement {
    pub text: String,
    /// An `AgreementStatus` code as synced.
    pub status: String,
    /// ISO date.
    pub due_date: Option<String>,
    /// The responsible member's role (their name stays on the devices).
    pub responsible: Option<Role>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoldedPurchase {
    pub fiscal_year: i32,
    pub category: Option<Category>,
    pub total: Centavos,
    pub receipts: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FoldedAction {
    pub category: Option<Category>,
    pub status: Option<ActionStatus>,
    pub has_after_photo: bool,
    pub description: String,
    pub estimated_cost: Centavos,
    /// Its before and after photos that may be published: see [`read_fold`].
    pub photos: Vec<ActionPhoto>,
}

/// A before or after photo of an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionPhoto {
    /// [`PhotoKind::Before`] or [`PhotoKind::After`].
    pub kind: PhotoKind,
    /// 64 lower-case hex digits: the blob's name.
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoldedDeposit {
    pub fiscal_year: i32,
    pub amount: Centavos,
    /// ISO date.
    pub date: String,
}

/// What the programme view needs of one clinic, independent of the fiscal year and
/// the day it is looked at (those are applied per request).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClinicFold {
    pub synced: Option<SyncedClinic>,
    pub seats: Vec<Seat>,
    pub assemblies: Vec<FoldedAssembly>,
    pub purchases: Vec<FoldedPurchase>,
    pub actions: Vec<FoldedAction>,
    pub deposits: Vec<FoldedDeposit>,
    /// Field changes that could not be folded (set aside for breaking the schema),
    /// plus pages that failed to apply: the clinic is marked, never left out.
    pub data_errors: u64,
}

fn fold_error(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(format!("folding a clinic's changes: {e}"))
}

/// Applies `pages` to a fresh in-memory replica and reads the clinic's state from it.
///
/// One clinic's bad data never stops the programme view: changes that break the
/// schema are set aside by the replica, a page that still fails is skipped, and
/// either is counted in [`ClinicFold::data_errors`] so the clinic is marked.
pub fn fold_pages(pages: &[Page]) -> StoreResult<ClinicFold> {
    let mut replica = Replica::open_in_memory().map_err(fold_error)?;
    let mut data_errors = 0;
    for page in pages {
        match replica.apply_page(page) {
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, "a page of a clinic's changes could not be folded");
                data_errors += 1;
            }
        }
    }
    let mut fold = match read_fold(&replica) {
        Ok(fold) => fold,
        Err(e) => {
            tracing::warn!(error = %e, "a clinic's folded state could not be read");
            data_errors += 1;
            ClinicFold::default()
        }
    };
    fold.data_errors += data_errors;
    Ok(fold)
}

/// Reads the programme's figures from a replica's rows.
pub fn read_fold(replica: &Replica) -> StoreResult<ClinicFold> {
    let synced = replica.clinic().map_err(fold_error)?.map(|c| SyncedClinic {
        name: c.name,
        municipality: c.municipality,
        locality: c.locality,
        consultorios: c.consultorios,
    });
    let members = replica.members().map_err(fold_error)?;
    let role_of: HashMap<_, _> = members
        .iter()
        .filter_map(|m| Some((m.id, Role::from_code(&m.role)?)))
        .collect();
    let seats = members
        .into_iter()
        .filter_map(|m| {
            Some(Seat {
                role: Role::from_code(&m.role)?,
                term_start: m.term_start,
                term_end: m.term_end,
            })
        })
        .collect();
    let mut assemblies = Vec::new();
    for a in replica.assemblies().map_err(fold_error)? {
        let agreements = replica
            .agreements(a.id)
            .map_err(fold_error)?
            .into_iter()
            .map(|g| FoldedAgreement {
                text: g.text,
                status: g.status,
                due_date: g.due_date,
                responsible: g.responsible_id.and_then(|m| role_of.get(&m).copied()),
            })
            .collect();
        assemblies.push(FoldedAssembly {
            closed: a.is_closed(),
            date: a.date,
            kind: a.kind,
            agreements,
        });
    }
    let withheld = withheld_photos(replica)?;
    let mut actions = Vec::new();
    for a in replica.actions().map_err(fold_error)? {
        let rows = replica.photos(ACTION.id, a.id).map_err(fold_error)?;
        let has_after_photo = rows.iter().any(|p| p.kind == PhotoKind::After.code());
        let photos = rows
            .into_iter()
            .filter_map(|p| {
                let kind = PhotoKind::from_code(&p.kind)?;
                let public = matches!(kind, PhotoKind::Before | PhotoKind::After)
                    && crate::blobs::is_blob_name(&p.sha256)
                    && !withheld.contains(&p.sha256);
                public.then_some(ActionPhoto {
                    kind,
                    sha256: p.sha256,
                })
            })
            .collect();
        actions.push(FoldedAction {
            category: Category::from_code(&a.category),
            status: ActionStatus::from_code(&a.status),
            has_after_photo,
            description: a.description,
            estimated_cost: a.estimated_cost,
            photos,
        });
    }
    // Every fiscal year at once: the typed reads take one year each. Table and column
    // names are the schema catalog's, which never renames.
    let conn = replica.connection();
    let mut purchases = Vec::new();
    {
        let mut stmt = conn
            .prepare(
                "SELECT p.fiscal_year, p.category, p.total,
                        (SELECT count(*) FROM receipt r
                         WHERE r.purchase_id = p.id AND r.deleted = 0)
                 FROM purchase p WHERE p.deleted = 0",
            )
            .map_err(fold_error)?;
        let mut rows = stmt.query([]).map_err(fold_error)?;
        while let Some(r) = rows.next().map_err(fold_error)? {
            let category: Option<String> = r.get(1).map_err(fold_error)?;
            purchases.push(FoldedPurchase {
                fiscal_year: r.get::<_, Option<i64>>(0).map_err(fold_error)?.unwrap_or(0) as i32,
                category: category.as_deref().and_then(Category::from_code),
                total: Centavos(r.get::<_, Option<i64>>(2).map_err(fold_error)?.unwrap_or(0)),
                receipts: r.get::<_, i64>(3).map_err(fold_error)? as u32,
            });
        }
    }
    let mut deposits = Vec::new();
    {
        let mut stmt = conn
            .prepare(
                "SELECT fiscal_year, amount, date FROM card_movement
                 WHERE deleted = 0 AND kind = 'deposito' ORDER BY date",
            )
            .map_err(fold_error)?;
        let mut rows = stmt.query([]).map_err(fold_error)?;
        while let Some(r) = rows.next().map_err(fold_error)? {
            deposits.push(FoldedDeposit {
                fiscal_year: r.get::<_, Option<i64>>(0).map_err(fold_error)?.unwrap_or(0) as i32,
                amount: Centavos(r.get::<_, Option<i64>>(1).map_err(fold_error)?.unwrap_or(0)),
                date: r
                    .get::<_, Option<String>>(2)
                    .map_err(fold_error)?
                    .unwrap_or_default(),
            });
        }
    }
    let set_aside: i64 = replica
        .connection()
        .query_row("SELECT count(*) FROM set_aside", [], |r| r.get(0))
        .map_err(fold_error)?;
    Ok(ClinicFold {
        synced,
        seats,
        assemblies,
        purchases,
        actions,
        deposits,
        data_errors: set_aside as u64,
    })
}

/// Photos that must never be published: every blob that a live photo row names as
/// anything but an action's before or after photo (a receipt, a signed acta, or a
/// row of a kind this server does not know). A blob named both ways — a receipt also
/// recorded as an "after" photo — stays private.
fn withheld_photos(replica: &Replica) -> StoreResult<HashSet<String>> {
    let mut stmt = replica
        .connection()
        .prepare(
            "SELECT sha256 FROM photo WHERE deleted = 0 AND sha256 IS NOT NULL
             AND NOT (owner_table = ?1 AND kind IN (?2, ?3))",
        )
        .map_err(fold_error)?;
    let rows = stmt
        .query_map(
            rusqlite::params![ACTION.id, PhotoKind::Before.code(), PhotoKind::After.code()],
            |r| r.get::<_, String>(0),
        )
        .map_err(fold_error)?;
    rows.collect::<rusqlite::Result<_>>().map_err(fold_error)
}

/// What the server holds of a clinic, per site: the cache key.
type ClinicVersion = HashMap<SiteId, u64>;

/// Folded clinics, each with the version vector it was folded at.
#[derive(Default)]
pub struct FoldCache {
    entries: Mutex<HashMap<ClinicId, (ClinicVersion, Arc<ClinicFold>)>>,
    folds: std::sync::atomic::AtomicU64,
}

impl FoldCache {
    /// How many folds ran since start (cache misses): the tests read it.
    pub fn folds(&self) -> u64 {
        self.folds.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn cached(&self, clinic: ClinicId, vv: &HashMap<SiteId, u64>) -> Option<Arc<ClinicFold>> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(&clinic)
            .filter(|(at, _)| at == vv)
            .map(|(_, f)| f.clone())
    }

    fn insert(&self, clinic: ClinicId, vv: HashMap<SiteId, u64>, fold: Arc<ClinicFold>) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.insert(clinic, (vv, fold));
        }
    }
}

/// The folds of `clinics`, from the cache where the clinic's version vector has not
/// moved, else folded again — at most `parallel` at a time.
pub async fn folds_of(
    state: &AppState,
    clinics: &[ClinicId],
    parallel: usize,
) -> StoreResult<HashMap<ClinicId, Arc<ClinicFold>>> {
    let vvs = state.store.version_vectors().await?;
    let mut out = HashMap::with_capacity(clinics.len());
    let mut misses = Vec::new();
    for &clinic in clinics {
        let vv = vvs.get(&clinic).cloned().unwrap_or_default();
        if vv.is_empty() {
            // Nothing synced yet: nothing to fold.
            out.insert(clinic, Arc::new(ClinicFold::default()));
        } else if let Some(f) = state.programme.cached(clinic, &vv) {
            out.insert(clinic, f);
        } else {
            misses.push((clinic, vv));
        }
    }
    let mut pending = misses.into_iter();
    let mut tasks = tokio::task::JoinSet::new();
    loop {
        while tasks.len() < parallel.max(1) {
            let Some((clinic, vv)) = pending.next() else {
                break;
            };
            let state = state.clone();
            tasks.spawn(async move {
                let fold = fold_clinic(&state, clinic).await?;
                Ok::<_, StoreError>((clinic, vv, fold))
            });
        }
        let Some(done) = tasks.join_next().await else {
            break;
        };
        let (clinic, vv, fold) = done.map_err(fold_error)??;
        let fold = Arc::new(fold);
        state.programme.insert(clinic, vv, fold.clone());
        out.insert(clinic, fold);
    }
    Ok(out)
}

/// Folds one clinic: every change the server holds for it, in arrival order.
async fn fold_clinic(state: &AppState, clinic: ClinicId) -> StoreResult<ClinicFold> {
    state
        .programme
        .folds
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let pages = clinic_pages(state, clinic).await?;
    tokio::task::spawn_blocking(move || fold_pages(&pages))
        .await
        .map_err(fold_error)?
}

/// Every change the server holds for `clinic`, as pages in arrival order (causal),
/// ready for [`Replica::apply_page`].
pub async fn clinic_pages(state: &AppState, clinic: ClinicId) -> StoreResult<Vec<Page>> {
    let mut replica_have: HashMap<SiteId, u64> = HashMap::new();
    let mut pages: Vec<Page> = Vec::new();
    for _pass in 0..FOLD_PASSES_MAX {
        let mut cursor = 0;
        let mut pulled_any = false;
        for _ in 0..FOLD_PAGES_MAX {
            let pulled = state
                .store
                .pull(clinic, replica_have.clone(), cursor)
                .await?;
            if !pulled.groups.is_empty() {
                pulled_any = true;
                pages.push(Page {
                    schema_version: cosabi_replica::db::SCHEMA_VERSION as u32,
                    tags: Vec::new(),
                    groups: pulled.groups,
                });
            }
            cursor = pulled.cursor;
            if !pulled.more {
                break;
            }
        }
        if !pulled_any {
            break;
        }
        // What the pages bring, per site, is what a second pass would skip.
        for g in pages.iter().flat_map(|p| &p.groups) {
            let held = replica_have.entry(g.site).or_insert(0);
            *held = (*held).max(g.seq_last());
        }
        let vv = state.store.version_vector(clinic).await?;
        if vv.iter().all(|(s, seq)| replica_have.get(s) >= Some(seq)) {
            break;
        }
    }
    Ok(pages)
}
