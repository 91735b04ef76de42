//! Read models for the screens: Inicio, a record's history and the conflicts inbox
//! (the losing fields of one write grouped, restored or dismissed together).

use crate::{ApiResult, Host, Out};
use cosabi_api::{self as api, Handle};
use cosabi_core::access::Write;

/// Inicio: the year's money, agreements due soon, the next assembly, sync state.
impl Handle<api::GetDashboard> for Host {
    async fn handle(&self, c: api::GetDashboard) -> ApiResult<Out<api::GetDashboard>> {
        let today = chrono::Local::now().date_naive();
        self.with_replica(|r| r.dashboard(c.fiscal_year, today))
    }
}

impl Handle<api::RecordHistory> for Host {
    async fn handle(&self, c: api::RecordHistory) -> ApiResult<Out<api::RecordHistory>> {
        self.with_replica(|r| r.record_history(c.table, c.row))
    }
}

impl Handle<api::ConflictItems> for Host {
    async fn handle(&self, _: api::ConflictItems) -> ApiResult<Out<api::ConflictItems>> {
        self.with_replica(|r| r.conflict_items())
    }
}

/// Keeps the other values of one conflicting write (new writes, synced like any
/// other), all in one go: every key passes the gate before any is restored.
impl Handle<api::RestoreConflict> for Host {
    async fn handle(&self, c: api::RestoreConflict) -> ApiResult<Out<api::RestoreConflict>> {
        self.with_replica(|r| {
            for key in &c.keys {
                r.gate(Write::RestoreConflict { table: key.table })?;
            }
            for key in &c.keys {
                r.restore_conflict(key)?;
            }
            Ok(())
        })
    }
}

/// Keeps the value the merge kept ("Dejar este valor"): the conflict is marked
/// resolved on every device, and the other value stays in the history.
impl Handle<api::DismissConflict> for Host {
    async fn handle(&self, c: api::DismissConflict) -> ApiResult<Out<api::DismissConflict>> {
        self.with_replica(|r| {
            for key in &c.keys {
                r.gate(Write::RestoreConflict { table: key.table })?;
            }
            for key in &c.keys {
                r.dismiss_conflict(key)?;
            }
            Ok(())
        })
    }
}
