//! cosabi-app: the Tauri v2 shell around the Leptos UI.
//!
//! The shell owns the replica ([`AppState`]) and exposes it to the UI through thin
//! commands ([`commands`]); errors reach the UI as [`error::ApiError`] codes. The UI
//! does no I/O of its own.

mod commands;
pub mod error;

use cosabi_replica::Replica;
use std::path::PathBuf;
use std::sync::Mutex;
use tauri::Manager;

/// The shell's state: the open replica.
pub struct AppState {
    pub replica: Mutex<Replica>,
    /// The running (or last) sync's progress, polled by the UI.
    pub sync: Mutex<cosabi_core::views::LiveSync>,
}

/// File name of the replica inside the app-data directory.
pub const DATABASE_FILE: &str = "cosabi.sqlite3";

/// Where the replica lives: `COSABI_DATA_DIR` if set, else the platform's app-data
/// directory (on Linux `$XDG_DATA_HOME/mx.cosabi.app`).
fn data_dir(app: &tauri::App) -> Result<PathBuf, Box<dyn std::error::Error>> {
    if let Some(dir) = std::env::var_os("COSABI_DATA_DIR") {
        return Ok(PathBuf::from(dir));
    }
    Ok(app.path().app_data_dir()?)
}

/// Builds the app with its commands; `run` and the tests share it.
pub fn builder<R: tauri::Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder.invoke_handler(tauri::generate_handler![
        commands::get_clinic,
        commands::create_clinic,
        commands::load_demo,
        commands::list_members,
        commands::add_member,
        commands::get_setting,
        commands::set_setting,
        commands::list_conflicts,
        commands::review_items,
        commands::sync::sync_status,
        commands::sync::enroll,
        commands::sync::read_enrollment_qr,
        commands::sync::sync_now,
        commands::sync::sync_progress,
        commands::sync::export_sync_file,
        commands::sync::import_sync_file,
        commands::sync::sync_file_key,
        commands::sync::set_sync_file_key,
        commands::sync::read_sync_file_key_qr,
        commands::session::members_with_pins,
        commands::session::sign_in,
        commands::session::set_pin_and_sign_in,
        commands::session::sign_out,
        commands::session::signed_in,
        commands::money::balance,
        commands::money::purchase_page,
        commands::money::get_purchase,
        commands::money::record_purchase,
        commands::money::update_purchase_amounts,
        commands::money::delete_purchase,
        commands::money::list_receipts,
        commands::money::add_receipt,
        commands::money::card_movements,
        commands::money::add_card_movement,
        commands::money::read_cfdi_qr,
        commands::money::read_cfdi_xml,
        commands::photos::list_photos,
        commands::photos::attach_photo,
        commands::photos::photo_thumbnail,
        commands::photos::photo_full,
        commands::views::dashboard,
        commands::reports::export_acta,
        commands::reports::export_cuadernillo,
        commands::reports::export_expediente,
        commands::reports::verify_document,
        commands::reports::verify_document_photo,
        commands::reports::verify_document_file,
        commands::views::record_history,
        commands::views::conflict_items,
        commands::views::restore_conflict,
        commands::assembly::list_assemblies,
        commands::assembly::get_assembly,
        commands::assembly::create_assembly,
        commands::assembly::update_assembly,
        commands::assembly::save_minutes,
        commands::assembly::set_community_attendees,
        commands::assembly::set_community_names,
        commands::assembly::open_acta,
        commands::assembly::set_attendance,
        commands::assembly::close_acta,
        commands::assembly::add_amendment,
        commands::assembly::list_agreements,
        commands::assembly::add_agreement,
        commands::assembly::set_agreement_status,
        commands::assembly::delete_agreement,
        commands::assembly::carry_over_candidates,
        commands::assembly::carry_over_agreements,
        commands::assembly::open_agreements,
        commands::actions::list_actions,
        commands::actions::create_action,
        commands::actions::update_action,
        commands::actions::set_action_status,
        commands::actions::verify_action,
        commands::actions::agreement_choices,
    ])
}

#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    builder(tauri::Builder::default())
        .setup(|app| {
            let dir = data_dir(app)?;
            std::fs::create_dir_all(&dir)
                .map_err(|e| format!("cannot create the data folder {}: {e}", dir.display()))?;
            let replica = Replica::open(&dir.join(DATABASE_FILE))?;
            app.manage(AppState {
                replica: Mutex::new(replica),
                sync: Mutex::new(Default::default()),
            });
            Ok(())
        })
        .run(tauri::generate_context!())
        .expect("error while running the Cosabi app");
}
