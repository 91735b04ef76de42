//! Read models: Inicio, history, conflicts, sync.

use super::{invoke, invoke_raw, ApiError, NoArgs};
use cosabi_core::views::{Dashboard, HistoryEntry};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Year {
    fiscal_year: i32,
}

pub async fn dashboard(fiscal_year: i32) -> Result<Dashboard, ApiError> {
    invoke("dashboard", &Year { fiscal_year }).await
}

#[derive(Serialize)]
struct Record {
    table: u16,
    row: Uuid,
}

pub async fn record_history(table: u16, row: Uuid) -> Result<Vec<HistoryEntry>, ApiError> {
    invoke("record_history", &Record { table, row }).await
}

/// A conflict as the inbox shows it; its keys stay opaque JSON for restoring.
pub type ConflictItem = cosabi_core::views::ConflictItem<serde_json::Value>;

pub async fn conflict_items() -> Result<Vec<ConflictItem>, ApiError> {
    invoke("conflict_items", &NoArgs {}).await
}

#[derive(Serialize)]
struct Keys<'a> {
    keys: &'a [serde_json::Value],
}

/// Keeps the other values of one conflicting write.
pub async fn restore_conflict(keys: &[serde_json::Value]) -> Result<(), ApiError> {
    invoke("restore_conflict", &Keys { keys }).await
}

/// Keeps the value the merge kept; the conflict is marked resolved.
pub async fn dismiss_conflict(keys: &[serde_json::Value]) -> Result<(), ApiError> {
    invoke("dismiss_conflict", &Keys { keys }).await
}

pub use cosabi_core::views::SyncStatus;

#[derive(Serialize)]
struct DeviceName<'a> {
    name: &'a str,
}

/// Names this device for the others (a conflict's sides show it).
pub async fn set_device_name(name: &str) -> Result<(), ApiError> {
    invoke("set_device_name", &DeviceName { name }).await
}

pub async fn sync_status() -> Result<SyncStatus, ApiError> {
    invoke("sync_status", &NoArgs {}).await
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Enroll<'a> {
    server: &'a str,
    code: &'a str,
    device_name: &'a str,
}

pub async fn enroll(server: &str, code: &str, device_name: &str) -> Result<SyncStatus, ApiError> {
    invoke(
        "enroll",
        &Enroll {
            server,
            code,
            device_name,
        },
    )
    .await
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ScannedCode {
    pub code: String,
    pub server: Option<String>,
}

pub async fn read_enrollment_qr(image: &[u8]) -> Result<ScannedCode, ApiError> {
    invoke_raw("read_enrollment_qr", image, &[]).await
}

pub use cosabi_core::views::LiveSync;

pub async fn sync_now() -> Result<LiveSync, ApiError> {
    invoke("sync_now", &NoArgs {}).await
}

pub async fn sync_progress() -> Result<LiveSync, ApiError> {
    invoke("sync_progress", &NoArgs {}).await
}

pub async fn export_sync_file() -> Result<String, ApiError> {
    invoke("export_sync_file", &NoArgs {}).await
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ImportReport {
    pub pages: u64,
    pub applied: u64,
    pub duplicates: u64,
    pub deferred: u64,
}

pub async fn import_sync_file(bytes: &[u8]) -> Result<ImportReport, ApiError> {
    invoke_raw("import_sync_file", bytes, &[]).await
}

/// The clinic's sync-file key: its text and its QR code (a PNG data URL).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct FileKey {
    pub text: String,
    pub qr: String,
}

/// `None` on a device with no clinic and no key yet.
pub async fn sync_file_key() -> Result<Option<FileKey>, ApiError> {
    invoke("sync_file_key", &NoArgs {}).await
}

#[derive(Serialize)]
struct SetFileKey<'a> {
    key: &'a str,
}

pub async fn set_sync_file_key(key: &str) -> Result<(), ApiError> {
    invoke("set_sync_file_key", &SetFileKey { key }).await
}

/// The key a photo of a file-key QR code holds, grouped for reading.
pub async fn read_sync_file_key_qr(image: &[u8]) -> Result<String, ApiError> {
    invoke_raw("read_sync_file_key_qr", image, &[]).await
}

/// A rule spanning rows that a merge broke (a total nobody typed, a seat held twice…).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ReviewItem {
    pub code: String,
    pub table: String,
    pub row: Uuid,
    pub detail: Vec<(String, String)>,
}

pub async fn review_items() -> Result<Vec<ReviewItem>, ApiError> {
    invoke("review_items", &NoArgs {}).await
}

#[derive(Serialize)]
struct Address<'a> {
    address: &'a str,
}

/// Changes the sync server's address (someone who may set up the committee).
pub async fn set_sync_server(address: &str) -> Result<(), ApiError> {
    invoke("set_sync_server", &Address { address }).await
}
