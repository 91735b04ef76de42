//! cosabi-core: the pure domain of Cosabi.
//!
//! Everything here is plain data and validation, shared by the device replica, the
//! sync server and the Leptos UI (it compiles to `wasm32-unknown-unknown`).
//!
//! Main types:
//! - [`money::Centavos`]: money as integer centavos, formatted the es-MX way.
//! - [`ids`]: UUID newtypes ([`ids::ClinicId`], [`ids::MemberId`], …) and the
//!   deterministic UUIDv5 natural keys ([`ids::clinic_id_for_clues`]).
//! - [`clinic`]: the CLUES code, the 32 states, the allocation table and
//!   [`clinic::NewClinic`] validation.
//! - [`committee`]: the committee roles and [`committee::NewMember`] validation.
//! - [`assembly`]: assemblies, actas, attendance, quorum and agreements.
//! - [`actions`]: planned improvements (mejoras) and who may verify them.
//! - [`ledger`]: card movements, purchases, receipts, RFC and folio fiscal checks,
//!   the balance view.
//! - [`photo`]: photo records, content-addressed by SHA-256.
//! - [`identity`]: device keys and the tags that prove which device wrote a change.
//! - [`merge`]: which of a field's heads wins, as a pure function.
//! - [`hlc::Hlc`]: the hybrid logical clock used to order concurrent edits.
//! - [`views`]: read models for screens (dashboard, purchases page, history).
//! - [`seal`]: document seals: the digest and code that bind a printed document to
//!   the records it was made from.
//! - [`validate`]: the schema check every door applies to changes from elsewhere.
//! - [`error::ValidationError`]: what is wrong with user input, as a stable code the UI
//!   translates.
//!
//! Architecture invariant: this crate does no I/O and fails only by validation.

pub mod access;
pub mod actions;
pub mod assembly;
pub mod cfdi;
pub mod change;
pub mod clinic;
pub mod committee;
pub mod error;
pub mod format;
pub mod glossary;
pub mod hlc;
pub mod identity;
pub mod ids;
mod input;
pub mod ledger;
pub mod merge;
pub mod money;
pub mod photo;
pub mod protocol;
pub mod rfc;
pub mod schema;
pub mod seal;
pub mod settings;
pub mod validate;
pub mod views;
pub mod wire;

pub use error::{ValidationError, ValidationErrors};
pub use money::Centavos;
