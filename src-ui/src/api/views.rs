//! Read models: Inicio, history, conflicts, sync.

use super::{call, call_raw, ApiError};
use cosabi_api as c;
use cosabi_core::views::{ConflictKey, Dashboard, HistoryEntry};
use uuid::Uuid;

pub use cosabi_api::{FileKey, ScannedCode};
pub use cosabi_core::views::{ImportReport, LiveSync, ReviewItem, SyncStatus};

pub async fn dashboard(fiscal_year: i32) -> Result<Dashboard, ApiError> {
    call(&c::GetDashboard { fiscal_year }).await
}

pub async fn record_history(table: u16, row: Uuid) -> Result<Vec<HistoryEntry>, ApiError> {
    call(&c::RecordHistory { table, row }).await
}

/// A conflict as the inbox shows it; its keys stay opaque JSON for restoring (the
/// screens pass them back as they came).
pub type ConflictItem = cosabi_core::views::ConflictItem<serde_json::Value>;

pub async fn conflict_items() -> Result<Vec<ConflictItem>, ApiError> {
    let items = call(&c::ConflictItems {}).await?;
    items
        .into_iter()
        .map(|item| {
            let keys = item
                .keys
                .iter()
                .map(serde_json::to_value)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| ApiError::code("unknown"))?;
            Ok(cosabi_core::views::ConflictItem {
                keys,
                table: item.table,
                record: item.record,
                fields: item.fields,
                current_author: item.current_author,
                current_device: item.current_device,
                current_here: item.current_here,
                current_at_ms: item.current_at_ms,
                other_author: item.other_author,
                other_device: item.other_device,
                other_here: item.other_here,
                other_at_ms: item.other_at_ms,
                resolved: item.resolved,
            })
        })
        .collect()
}

/// The keys as the contract types them (they came from [`conflict_items`]).
fn conflict_keys(keys: &[serde_json::Value]) -> Result<Vec<ConflictKey>, ApiError> {
    keys.iter()
        .map(|k| serde_json::from_value(k.clone()).map_err(|_| ApiError::code("unknown")))
        .collect()
}

/// Keeps the other values of one conflicting write.
pub async fn restore_conflict(keys: &[serde_json::Value]) -> Result<(), ApiError> {
    call(&c::RestoreConflict {
        keys: conflict_keys(keys)?,
    })
    .await
}

/// Keeps the value the merge kept; the conflict is marked resolved.
pub async fn dismiss_conflict(keys: &[serde_json::Value]) -> Result<(), ApiError> {
    call(&c::DismissConflict {
        keys: conflict_keys(keys)?,
    })
    .await
}

/// Names this device for the others (a conflict's sides show it).
pub async fn set_device_name(name: &str) -> Result<(), ApiError> {
    call(&c::SetDeviceName {
        name: name.to_owned(),
    })
    .await
}

pub async fn sync_status() -> Result<SyncStatus, ApiError> {
    call(&c::GetSyncStatus {}).await
}

pub async fn enroll(server: &str, code: &str, device_name: &str) -> Result<SyncStatus, ApiError> {
    call(&c::Enroll {
        server: server.to_owned(),
        code: code.to_owned(),
        device_name: device_name.to_owned(),
    })
    .await
}

pub async fn read_enrollment_qr(image: &[u8]) -> Result<ScannedCode, ApiError> {
    call_raw(&c::ReadEnrollmentQr, image).await
}

pub async fn sync_now() -> Result<LiveSync, ApiError> {
    call(&c::SyncNow {}).await
}

pub async fn sync_progress() -> Result<LiveSync, ApiError> {
    call(&c::SyncProgress {}).await
}

pub async fn export_sync_file() -> Result<String, ApiError> {
    call(&c::ExportSyncFile {}).await
}

pub async fn import_sync_file(bytes: &[u8]) -> Result<ImportReport, ApiError> {
    call_raw(&c::ImportSyncFile, bytes).await
}

/// `None` on a device with no clinic and no key yet.
pub async fn sync_file_key() -> Result<Option<FileKey>, ApiError> {
    call(&c::GetSyncFileKey {}).await
}

pub async fn set_sync_file_key(key: &str) -> Result<(), ApiError> {
    call(&c::SetSyncFileKey {
        key: key.to_owned(),
    })
    .await
}

/// The key a photo of a file-key QR code holds, grouped for reading.
pub async fn read_sync_file_key_qr(image: &[u8]) -> Result<String, ApiError> {
    call_raw(&c::ReadSyncFileKeyQr, image).await
}

/// Rules spanning rows that a merge broke (a total nobody typed, a seat held twice…).
pub async fn review_items() -> Result<Vec<ReviewItem>, ApiError> {
    call(&c::ReviewItems {}).await
}

/// Changes the sync server's address (someone who may set up the committee).
pub async fn set_sync_server(address: &str) -> Result<(), ApiError> {
    call(&c::SetSyncServer {
        address: address.to_owned(),
    })
    .await
}
