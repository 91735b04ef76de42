//! Commands whose body is raw bytes: the bytes are the request's body, the type's
//! fields its `x-…` headers.

use super::{dispatch, ApiResult, CfdiRead, HandleRaw, RawCommand, ScannedCode, ScannedDocument};
use cosabi_core::cfdi::{CfdiQr, CfdiXml};
use cosabi_core::photo::Photo;
use cosabi_core::seal::FileCheck;
use cosabi_core::views::ImportReport;
use uuid::Uuid;

/// Header of [`AttachPhoto::owner_table`].
pub const HEADER_OWNER_TABLE: &str = "x-owner-table";
/// Header of [`AttachPhoto::owner`].
pub const HEADER_OWNER: &str = "x-owner";
/// Header of [`AttachPhoto::kind`].
pub const HEADER_KIND: &str = "x-kind";
/// Header of [`AttachPhoto::taken_at`].
pub const HEADER_TAKEN_AT: &str = "x-taken-at";
/// Header of [`KeepDraftPhoto::form`].
pub const HEADER_FORM: &str = "x-form";
/// Header of the purchase a CFDI is read for ([`ReadCfdiQr`], [`ReadCfdiXml`]).
pub const HEADER_PURCHASE: &str = "x-purchase";

/// Declares raw commands that take no header.
macro_rules! bare_raw_commands {
    ($( $(#[$meta:meta])* $name:literal => $Ty:ident -> $out:ty; )*) => {
        $(
            $(#[$meta])*
            #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
            pub struct $Ty;

            impl RawCommand for $Ty {
                const NAME: &'static str = $name;
                const HEADERS: &'static [&'static str] = &[];
                type Output = $out;
                fn headers(&self) -> Vec<(&'static str, String)> {
                    Vec::new()
                }
                fn from_headers(_: impl Fn(&str) -> Option<String>) -> Option<Self> {
                    Some($Ty)
                }
            }
        )*
    };
}

bare_raw_commands! {
    /// Reads the enrollment QR code from a photo or image file.
    "read_enrollment_qr" => ReadEnrollmentQr -> ScannedCode;
    /// Imports a sync file.
    "import_sync_file" => ImportSyncFile -> ImportReport;
    /// Reads a sync-file key from a photo of its QR code (grouped for reading).
    "read_sync_file_key_qr" => ReadSyncFileKeyQr -> String;
    /// Checks a document by a photo of its QR code.
    "verify_document_photo" => VerifyDocumentPhoto -> ScannedDocument;
    /// Checks a document's file: is it the very file Cosabi made?
    "verify_document_file" => VerifyDocumentFile -> FileCheck;
}

/// Attaches a photo (the image is the body) to a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachPhoto {
    pub owner_table: u16,
    pub owner: Uuid,
    /// A `PhotoKind` code.
    pub kind: String,
    pub taken_at: String,
}

impl RawCommand for AttachPhoto {
    const NAME: &'static str = "attach_photo";
    const HEADERS: &'static [&'static str] = &[
        HEADER_OWNER_TABLE,
        HEADER_OWNER,
        HEADER_KIND,
        HEADER_TAKEN_AT,
    ];
    type Output = Photo;
    fn headers(&self) -> Vec<(&'static str, String)> {
        vec![
            (HEADER_OWNER_TABLE, self.owner_table.to_string()),
            (HEADER_OWNER, self.owner.to_string()),
            (HEADER_KIND, self.kind.clone()),
            (HEADER_TAKEN_AT, self.taken_at.clone()),
        ]
    }
    fn from_headers(header: impl Fn(&str) -> Option<String>) -> Option<Self> {
        Some(AttachPhoto {
            owner_table: header(HEADER_OWNER_TABLE)?.parse().ok()?,
            owner: header(HEADER_OWNER)?.parse().ok()?,
            kind: header(HEADER_KIND)?,
            taken_at: header(HEADER_TAKEN_AT)?,
        })
    }
}

/// Keeps the photo (the body) taken for form `form`'s draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeepDraftPhoto {
    pub form: String,
}

impl RawCommand for KeepDraftPhoto {
    const NAME: &'static str = "keep_draft_photo";
    const HEADERS: &'static [&'static str] = &[HEADER_FORM];
    type Output = ();
    fn headers(&self) -> Vec<(&'static str, String)> {
        vec![(HEADER_FORM, self.form.clone())]
    }
    fn from_headers(header: impl Fn(&str) -> Option<String>) -> Option<Self> {
        Some(KeepDraftPhoto {
            form: header(HEADER_FORM)?,
        })
    }
}

/// Declares the two CFDI reads: the body is the photo or the XML, `purchase` the
/// purchase it is for (absent for a new one; a malformed one counts as absent).
macro_rules! cfdi_reads {
    ($( $(#[$meta:meta])* $name:literal => $Ty:ident -> $cfdi:ty; )*) => {
        $(
            $(#[$meta])*
            #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
            pub struct $Ty {
                pub purchase: Option<Uuid>,
            }

            impl RawCommand for $Ty {
                const NAME: &'static str = $name;
                const HEADERS: &'static [&'static str] = &[HEADER_PURCHASE];
                type Output = CfdiRead<$cfdi>;
                fn headers(&self) -> Vec<(&'static str, String)> {
                    self.purchase
                        .map(|p| vec![(HEADER_PURCHASE, p.to_string())])
                        .unwrap_or_default()
                }
                fn from_headers(header: impl Fn(&str) -> Option<String>) -> Option<Self> {
                    Some($Ty {
                        purchase: header(HEADER_PURCHASE).and_then(|v| v.parse().ok()),
                    })
                }
            }
        )*
    };
}

cfdi_reads! {
    /// Reads the verification QR code from a photo of an invoice.
    "read_cfdi_qr" => ReadCfdiQr -> CfdiQr;
    /// Reads an invoice's XML file (CFDI 4.0 or 3.3).
    "read_cfdi_xml" => ReadCfdiXml -> CfdiXml;
}

/// Declares the list of raw commands: [`RAW`], the [`RawCommands`] a host of them all
/// has, and the match from their names to their types.
macro_rules! raw_commands {
    ($($Ty:ident),* $(,)?) => {
        /// Every raw command: its name and the headers it reads.
        pub const RAW: &[(&str, &[&str])] = &[$(($Ty::NAME, $Ty::HEADERS)),*];

        /// A host that handles every raw command (see [`crate::Commands`]).
        pub trait RawCommands: $(HandleRaw<$Ty> +)* {}
        impl<H: $(HandleRaw<$Ty> +)* ?Sized> RawCommands for H {}

        /// The raw command named `name`, run; `None` when no raw command has that name.
        pub(crate) async fn dispatch_raw_commands<H: RawCommands + ?Sized>(
            host: &H,
            name: &str,
            header: &dyn Fn(&str) -> Option<String>,
            body: Vec<u8>,
        ) -> Option<ApiResult<serde_json::Value>> {
            $(
                if name == $Ty::NAME {
                    return Some(dispatch::run_raw::<$Ty, H>(host, header, body).await);
                }
            )*
            None
        }
    };
}

raw_commands! {
    ReadEnrollmentQr,
    ImportSyncFile,
    ReadSyncFileKeyQr,
    VerifyDocumentPhoto,
    VerifyDocumentFile,
    AttachPhoto,
    KeepDraftPhoto,
    ReadCfdiQr,
    ReadCfdiXml,
}
