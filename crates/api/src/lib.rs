//! The contract between Cosabi's UI and whatever runs the replica.
//!
//! The UI (`cosabi-ui`, Leptos compiled to wasm32) never opens a database: every
//! read and write is a *command* sent to a host that owns the replica. This crate is
//! the one place where the commands are declared, and both sides compile it:
//!
//! - A [`Command`] is a type whose fields are the command's arguments and whose
//!   [`Command::Output`] is what a successful call returns. Its [`Command::NAME`] is
//!   the name the host knows it by; the UI never writes that name itself. On the
//!   wire a command is its JSON object with the fields in camelCase (`fiscalYear`),
//!   and the output is plain JSON.
//! - A [`RawCommand`] carries a body of bytes (a photo, an XML invoice, a sync file)
//!   that must not travel as a JSON array of numbers: the bytes are the request's
//!   body and the type's fields travel as `x-…` request headers
//!   ([`RawCommand::headers`], read back by [`RawCommand::from_headers`]).
//! - A failed command returns an [`ApiError`] `{ "code": …, "errors": [...] }`: a
//!   stable code the UI translates, and for invalid input each field's problem. The
//!   one error type of the contract: hosts send it, the UI reads it.
//!
//! One host, two shells. `cosabi-host` implements every command ([`Handle<C>`] for
//! each JSON command, [`HandleRaw<C>`] for each raw one); [`Commands`] is generated
//! from the declarations below and requires a handler for each, so a command added
//! here and not handled there is a compile error. [`dispatch`] and [`dispatch_raw`]
//! turn a name and its JSON (or its headers and bytes) into the handler's call:
//! `unknown_command` for a name outside the contract, `bad_arguments` for arguments
//! that are not the command's, never a panic.
//!
//! - **The desktop shell** (`src-tauri`) has one Tauri invoke handler that passes
//!   every command's name, JSON arguments or raw body and headers to the host. Its
//!   tests send every name of [`ALL`] and [`RAW`] through Tauri's mock runtime and
//!   check that each reaches the host.
//! - **The web build** (`src-worker`) runs the same host in a dedicated Web
//!   Worker, the replica compiled to wasm32 with its database in OPFS: it receives
//!   `(NAME, JSON)` messages (or bytes and headers for raw commands), calls the same
//!   dispatch, and answers with the output or the error object. The UI does not know
//!   which host it talks to.
//!
//! Feature `replica` (for hosts only; the UI leaves it off): `From<cosabi_replica::Error>`
//! for [`ApiError`], so a host's `?` turns a replica error into its code.
//!
//! Result types that exist only for the UI (a photo with whether its image is
//! here, what the expediente export wrote…) are declared here, once; the rest come
//! from `cosabi-core`.

use cosabi_core::actions::{Action, NewAction};
use cosabi_core::assembly::{
    Agreement, Amendment, Assembly, AssemblyDetail, NewAgreement, NewAssembly,
};
use cosabi_core::clinic::{Clinic, NewClinic};
use cosabi_core::committee::{DeviceStatus, Member, NewMember, PinApproval, PinSet};
use cosabi_core::ids::MemberId;
use cosabi_core::ledger::{
    Balance, CardMovement, NewCardMovement, NewPurchase, NewReceipt, Purchase, PurchaseAmounts,
    PurchaseFilter, Receipt,
};
use cosabi_core::seal::Verification;
use cosabi_core::settings::Preference;
use cosabi_core::views::{
    ConflictItem, ConflictKey, ConflictView, Dashboard, HistoryEntry, LiveSync, PurchasePage,
    ReviewItem, SyncStatus,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

mod dispatch;
mod error;
mod views;
pub use dispatch::{dispatch, dispatch_raw, Commands, Handle, HandleRaw};
pub use error::{ApiError, ApiResult, BAD_ARGUMENTS, UNKNOWN_COMMAND};
pub use views::{
    AgreementChoice, CfdiRead, ExpedienteDone, FileKey, PhotoView, ScannedCode, ScannedDocument,
};

/// A command with JSON arguments: the type is its arguments, [`Command::Output`] its
/// result.
pub trait Command: Serialize + DeserializeOwned {
    /// The name the host registers the command under.
    const NAME: &'static str;
    /// The argument names, as the type's fields name them (snake_case; on the wire
    /// they are camelCase).
    const PARAMS: &'static [&'static str];
    /// What a successful call returns.
    type Output: Serialize + DeserializeOwned;
}

/// A command whose body is raw bytes; its fields travel as `x-…` headers.
pub trait RawCommand: Sized {
    /// The name the host registers the command under.
    const NAME: &'static str;
    /// The headers the command reads, each `x-` and lowercase.
    const HEADERS: &'static [&'static str];
    /// What a successful call returns.
    type Output: Serialize + DeserializeOwned;
    /// The fields as request headers.
    fn headers(&self) -> Vec<(&'static str, String)>;
    /// The fields read back from request headers (`header(name)` gives a header's
    /// value); `None` when a header it needs is missing or malformed.
    fn from_headers(header: impl Fn(&str) -> Option<String>) -> Option<Self>;
}

/// Declares JSON commands: each a struct with its fields, its name and its output.
macro_rules! commands {
    ($(
        $(#[$meta:meta])*
        $name:literal => $Ty:ident { $( $(#[$fmeta:meta])* $field:ident : $fty:ty ),* $(,)? } -> $out:ty;
    )*) => {
        $(
            $(#[$meta])*
            #[derive(Debug, Clone, Serialize, Deserialize)]
            #[serde(rename_all = "camelCase")]
            pub struct $Ty { $( $(#[$fmeta])* pub $field: $fty, )* }

            impl Command for $Ty {
                const NAME: &'static str = $name;
                const PARAMS: &'static [&'static str] = &[$(stringify!($field)),*];
                type Output = $out;
            }
        )*

        /// Every JSON command: its name and its parameter names.
        pub const ALL: &[(&str, &[&str])] = &[$(($name, <$Ty as Command>::PARAMS)),*];

        /// A host that handles every JSON command (see [`Commands`]).
        pub trait JsonCommands: $(Handle<$Ty> +)* {}
        impl<H: $(Handle<$Ty> +)* ?Sized> JsonCommands for H {}

        /// The JSON command named `name`, run; `None` when no JSON command has that name.
        pub(crate) async fn dispatch_json<H: JsonCommands + ?Sized>(
            host: &H,
            name: &str,
            args: serde_json::Value,
        ) -> Option<ApiResult<serde_json::Value>> {
            match name {
                $( $name => Some(dispatch::run::<$Ty, H>(host, args).await), )*
                _ => None,
            }
        }
    };
}

commands! {
    // The clinic, the committee, device settings.
    /// The clinic this device holds, if any.
    "get_clinic" => GetClinic {} -> Option<Clinic>;
    "create_clinic" => CreateClinic { input: NewClinic } -> Clinic;
    /// Shows the demo clinic (from its own folder).
    "load_demo" => LoadDemo {} -> Clinic;
    /// Leaves demo mode: the demo's records are removed.
    "leave_demo" => LeaveDemo {} -> ();
    "list_members" => ListMembers {} -> Vec<Member>;
    "add_member" => AddMember { input: NewMember } -> Member;
    /// Corrects a member's name, term or gender.
    "update_member" => UpdateMember { member: MemberId, input: NewMember } -> Member;
    /// Ends `member`'s term on `on` (dd/mm/aaaa).
    "end_term" => EndTerm { member: MemberId, on: String } -> Member;
    /// Seats `input` in `member`'s place; `member`'s term ends the day before.
    "replace_member" => ReplaceMember { member: MemberId, input: NewMember } -> Member;
    /// A device preference, by name.
    "get_preference" => GetPreference { name: Preference } -> Option<String>;
    "set_preference" => SetPreference { name: Preference, value: String } -> ();
    /// What was typed in form `form` and not yet saved.
    "get_draft" => GetDraft { form: String } -> Option<String>;
    "set_draft" => SetDraft { form: String, text: String } -> ();
    /// The conflicts as the replica keeps them (the inbox uses [`ConflictItems`]).
    "list_conflicts" => ListConflicts {} -> Vec<ConflictView>;
    /// Rules spanning rows that a merge broke.
    "review_items" => ReviewItems {} -> Vec<ReviewItem>;

    // Sync.
    "sync_status" => GetSyncStatus {} -> SyncStatus;
    /// Names this device for the others (a conflict's sides show it).
    "set_device_name" => SetDeviceName { name: String } -> ();
    /// Enrolls this device with the one-time code from the municipal office.
    "enroll" => Enroll { server: String, code: String, device_name: String } -> SyncStatus;
    /// Changes the sync server's address.
    "set_sync_server" => SetSyncServer { address: String } -> ();
    /// Syncs now: metadata, then photos.
    "sync_now" => SyncNow {} -> LiveSync;
    /// The running (or last) sync's progress. Never fails.
    "sync_progress" => SyncProgress {} -> LiveSync;
    /// Writes a sync file; returns its path.
    "export_sync_file" => ExportSyncFile {} -> String;
    /// The clinic's sync-file key; `None` with no clinic and no key yet.
    "sync_file_key" => GetSyncFileKey {} -> Option<FileKey>;
    "set_sync_file_key" => SetSyncFileKey { key: String } -> ();

    // Session.
    /// Whether the device is locked, and who can open it.
    "device_status" => GetDeviceStatus {} -> DeviceStatus;
    /// Opens the locked device with a member's PIN (and signs them in).
    "unlock" => Unlock { member: MemberId, pin: String } -> Member;
    /// Opens the locked device with its recovery code.
    "recover" => Recover { code: String } -> ();
    /// The committee, each with whether they have a PIN on this device.
    "members_with_pins" => MembersWithPins {} -> Vec<(Member, bool)>;
    "sign_in" => SignIn { member: MemberId, pin: String } -> Member;
    /// Sets a member's PIN (with the approval the rules ask for), then signs them in.
    "set_pin" => SetPin { member: MemberId, pin: String, approval: PinApproval } -> PinSet;
    /// A new recovery code (the old one stops working).
    "new_recovery_code" => NewRecoveryCode {} -> String;
    "sign_out" => SignOut {} -> ();
    "signed_in" => SignedIn {} -> Option<Member>;

    // Money.
    "balance" => GetBalance { fiscal_year: i32 } -> Balance;
    /// One page of a year's purchases (at most 500).
    "purchase_page" => GetPurchasePage { fiscal_year: i32, filter: PurchaseFilter, offset: u32, limit: u32 } -> PurchasePage;
    "get_purchase" => GetPurchase { id: Uuid } -> Option<Purchase>;
    "record_purchase" => RecordPurchase { input: NewPurchase } -> Purchase;
    "update_purchase_amounts" => UpdatePurchaseAmounts { id: Uuid, input: PurchaseAmounts } -> Option<Purchase>;
    /// Corrects any field of a purchase.
    "update_purchase" => UpdatePurchase { id: Uuid, input: NewPurchase } -> Purchase;
    "delete_purchase" => DeletePurchase { id: Uuid } -> ();
    "list_receipts" => ListReceipts { purchase: Uuid } -> Vec<Receipt>;
    "add_receipt" => AddReceipt { purchase: Uuid, input: NewReceipt } -> Receipt;
    "card_movements" => ListCardMovements { fiscal_year: i32 } -> Vec<CardMovement>;
    "add_card_movement" => AddCardMovement { input: NewCardMovement } -> CardMovement;

    // Photos.
    "list_photos" => ListPhotos { owner_table: u16, owner: Uuid } -> Vec<PhotoView>;
    /// The photo kept for form `form`'s draft, as a data URL.
    "draft_photo" => GetDraftPhoto { form: String } -> Option<String>;
    "forget_draft_photo" => ForgetDraftPhoto { form: String } -> ();
    /// A small JPEG data URL, `None` when the photo is not on this device.
    "photo_thumbnail" => PhotoThumbnail { sha: String } -> Option<String>;
    /// The whole photo as a data URL (fetched from the server when missing here).
    "photo_full" => PhotoFull { sha: String } -> String;

    // Read models.
    /// Inicio: the year's money, agreements due soon, the next assembly, sync.
    "dashboard" => GetDashboard { fiscal_year: i32 } -> Dashboard;
    "record_history" => RecordHistory { table: u16, row: Uuid } -> Vec<HistoryEntry>;
    /// The conflicts inbox.
    "conflict_items" => ConflictItems {} -> Vec<ConflictItem<ConflictKey>>;
    /// Keeps the other values of one conflicting write.
    "restore_conflict" => RestoreConflict { keys: Vec<ConflictKey> } -> ();
    /// Keeps the value the merge kept; the conflict is marked resolved.
    "dismiss_conflict" => DismissConflict { keys: Vec<ConflictKey> } -> ();

    // Documents.
    /// Opens a document the app wrote with the system's program for it.
    "open_document" => OpenDocument { path: String } -> ();
    /// Saves a copy where the person chooses: where it went, `None` if cancelled.
    "save_document_as" => SaveDocumentAs { path: String, title: String } -> Option<String>;
    /// Writes the acta PDF; returns where.
    "export_acta" => ExportActa { assembly: Uuid } -> String;
    /// Writes the cuadernillo PDF and XLSX; returns both paths.
    "export_cuadernillo" => ExportCuadernillo { fiscal_year: i32 } -> Vec<String>;
    /// Writes the expediente ZIP.
    "export_expediente" => ExportExpediente { fiscal_year: i32 } -> ExpedienteDone;
    /// Checks a document by its printed code; `None`: unknown here.
    "verify_document" => VerifyDocument { code: String } -> Option<Verification>;

    // Assemblies.
    "list_assemblies" => ListAssemblies {} -> Vec<Assembly>;
    "get_assembly" => GetAssembly { id: Uuid } -> Option<AssemblyDetail>;
    "create_assembly" => CreateAssembly { input: NewAssembly } -> Assembly;
    /// Corrects a draft acta's header; returns how many fields changed.
    "update_assembly" => UpdateAssembly { id: Uuid, input: NewAssembly } -> usize;
    "save_minutes" => SaveMinutes { id: Uuid, minutes: String } -> usize;
    /// A draft acta's agenda alone, one item per line; 0 when unchanged.
    "save_agenda" => SaveAgenda { id: Uuid, agenda: String } -> usize;
    "set_community_attendees" => SetCommunityAttendees { id: Uuid, count: String } -> usize;
    /// The community attendees' names, one per line; 0 when unchanged.
    "set_community_names" => SetCommunityNames { id: Uuid, names: String } -> usize;
    /// Opens the assembly in the name of the signed-in member.
    "open_acta" => OpenActa { id: Uuid } -> Assembly;
    "set_attendance" => SetAttendance { assembly: Uuid, member: MemberId, present: bool } -> usize;
    /// Closes the acta in the name of the signed-in secretario; final.
    "close_acta" => CloseActa { id: Uuid } -> Assembly;
    "add_amendment" => AddAmendment { assembly: Uuid, text: String } -> Amendment;
    "list_agreements" => ListAgreements { assembly: Uuid } -> Vec<Agreement>;
    "add_agreement" => AddAgreement { assembly: Uuid, input: NewAgreement } -> Agreement;
    "set_agreement_status" => SetAgreementStatus { id: Uuid, status: String } -> usize;
    "delete_agreement" => DeleteAgreement { id: Uuid } -> usize;
    /// Open agreements of earlier assemblies not yet carried into `assembly`.
    "carry_over_candidates" => CarryOverCandidates { assembly: Uuid } -> Vec<Agreement>;
    "carry_over_agreements" => CarryOverAgreements { assembly: Uuid } -> Vec<Agreement>;
    "open_agreements" => OpenAgreements {} -> Vec<Agreement>;

    // Planned improvements (acciones de mejora).
    "list_actions" => ListActions {} -> Vec<Action>;
    "create_action" => CreateAction { input: NewAction } -> Action;
    "update_action" => UpdateAction { id: Uuid, input: NewAction } -> usize;
    /// Moves an action one step forward (not to `verificada`).
    "set_action_status" => SetActionStatus { id: Uuid, status: String } -> usize;
    /// Verifies a finished action in the name of the signed-in member.
    "verify_action" => VerifyAction { id: Uuid } -> Action;
    /// Every agreement of every assembly, newest assembly first.
    "agreement_choices" => AgreementChoices {} -> Vec<AgreementChoice>;
}

mod raw;
pub use raw::*;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_has_its_own_name() {
        let mut names: Vec<&str> = ALL.iter().chain(RAW).map(|(n, _)| *n).collect();
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count, "a name is declared twice");
    }

    /// The wire uses camelCase keys: what the UI sends and every host reads.
    #[test]
    fn arguments_travel_in_camel_case() {
        let page = GetPurchasePage {
            fiscal_year: 2026,
            filter: PurchaseFilter::default(),
            offset: 0,
            limit: 50,
        };
        let json = serde_json::to_value(&page).unwrap();
        assert_eq!(json["fiscalYear"], 2026);
        assert!(json.get("fiscal_year").is_none());
        let back: GetPurchasePage = serde_json::from_value(json).unwrap();
        assert_eq!(back.limit, 50);
        assert_eq!(serde_json::to_string(&GetClinic {}).unwrap(), "{}");
        let photos = ListPhotos {
            owner_table: 4,
            owner: Uuid::nil(),
        };
        assert!(serde_json::to_value(photos).unwrap()["ownerTable"] == 4);
    }

    #[test]
    fn raw_commands_read_back_their_headers() {
        let attach = AttachPhoto {
            owner_table: 4,
            owner: Uuid::from_u128(9),
            kind: "receipt".into(),
            taken_at: "2026-03-01T10:00:00".into(),
        };
        let headers = attach.headers();
        let get = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.clone())
        };
        assert_eq!(AttachPhoto::from_headers(get), Some(attach.clone()));
        assert_eq!(AttachPhoto::from_headers(|_| None), None);
        let read = ReadCfdiQr {
            purchase: Some(Uuid::from_u128(3)),
        };
        let headers = read.headers();
        let get = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.clone())
        };
        assert_eq!(ReadCfdiQr::from_headers(get), Some(read));
        // A missing or malformed purchase is a new purchase, not an error.
        assert_eq!(
            ReadCfdiQr::from_headers(|_| Some("not-a-uuid".into())),
            Some(ReadCfdiQr { purchase: None })
        );
        for (_, headers) in RAW {
            assert!(headers
                .iter()
                .all(|h| h.starts_with("x-") && h.to_lowercase() == *h));
        }
    }
}
