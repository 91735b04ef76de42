//! Pieces several screens share: who is using the device, drafts, photos, history.

pub mod autosave;
pub mod confirm;
pub mod date_picker;
pub mod draft;
pub mod form;
pub mod history;
pub mod money;
pub mod photos;
pub mod pin;
pub mod saved_file;
pub mod session;
pub mod sync_line;
pub mod verify;
