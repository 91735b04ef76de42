//! Who may do what, defined once: every write the app offers is a [`Write`], and
//! [`Write::need`] says what it takes. The replica's one gate
//! (`Replica::gate`) checks it against the member signed in; the shell passes every
//! write command through that gate, and a test in the shell enumerates its commands
//! to prove it.

use crate::committee::{Permission, Role};
use crate::photo::PhotoKind;
use crate::schema::{ACTION, CARD_MOVEMENT, CLINIC, MEMBER, PHOTO, PURCHASE, RECEIPT};
use serde::{Deserialize, Serialize};

/// What a write takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// A member whose role has the permission (setting up the committee is open to
    /// anyone while the device is being set up: no PIN on it, not enrolled, nobody
    /// else's changes).
    Permission(Permission),
    /// Anyone using the device: writes that record no one's decision (receiving
    /// others' changes, a document's seal, which names whoever is signed in).
    Anyone,
}

/// Every write command of the app.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "write")]
pub enum Write {
    CreateClinic,
    LoadDemo,
    /// Leaves demo mode: the demo clinic's folder is removed (it holds nothing else).
    LeaveDemo,
    AddMember,
    /// Corrects a member, or ends their term.
    UpdateMember,
    /// Ends a member's term and seats another person in their place.
    ReplaceMember,
    CreateAssembly,
    UpdateAssembly,
    SaveMinutes,
    SetCommunityAttendees,
    SetCommunityNames,
    OpenActa,
    SetAttendance,
    CloseActa,
    AddAmendment,
    AddAgreement,
    SetAgreementStatus,
    DeleteAgreement,
    CarryOverAgreements,
    CreateAction,
    UpdateAction,
    SetActionStatus,
    VerifyAction,
    RecordPurchase,
    UpdatePurchaseAmounts,
    /// Corrects any field of a purchase.
    UpdatePurchase,
    DeletePurchase,
    AddReceipt,
    AddCardMovement,
    AttachPhoto {
        kind: PhotoKind,
    },
    /// Keeps another value of a conflict in a record of `table`.
    RestoreConflict {
        table: u16,
    },
    /// Prints a document and records its seal.
    ExportDocument,
    Enroll,
    SetSyncFileKey,
    /// Receives other devices' changes, from the server or a sync file.
    ReceiveChanges,
}

impl Write {
    /// One of each, for tests that go through them all (data-carrying writes once
    /// per kind of data).
    pub const ALL: &'static [Write] = &[
        Write::CreateClinic,
        Write::LoadDemo,
        Write::LeaveDemo,
        Write::AddMember,
        Write::UpdateMember,
        Write::ReplaceMember,
        Write::CreateAssembly,
        Write::UpdateAssembly,
        Write::SaveMinutes,
        Write::SetCommunityAttendees,
        Write::SetCommunityNames,
        Write::OpenActa,
        Write::SetAttendance,
        Write::CloseActa,
        Write::AddAmendment,
        Write::AddAgreement,
        Write::SetAgreementStatus,
        Write::DeleteAgreement,
        Write::CarryOverAgreements,
        Write::CreateAction,
        Write::UpdateAction,
        Write::SetActionStatus,
        Write::VerifyAction,
        Write::RecordPurchase,
        Write::UpdatePurchaseAmounts,
        Write::UpdatePurchase,
        Write::DeletePurchase,
        Write::AddReceipt,
        Write::AddCardMovement,
        Write::AttachPhoto {
            kind: PhotoKind::Receipt,
        },
        Write::AttachPhoto {
            kind: PhotoKind::Before,
        },
        Write::AttachPhoto {
            kind: PhotoKind::After,
        },
        Write::AttachPhoto {
            kind: PhotoKind::Acta,
        },
        Write::RestoreConflict { table: PURCHASE.id },
        Write::RestoreConflict { table: ACTION.id },
        Write::RestoreConflict { table: MEMBER.id },
        Write::RestoreConflict { table: 3 },
        Write::ExportDocument,
        Write::Enroll,
        Write::SetSyncFileKey,
        Write::ReceiveChanges,
    ];

    /// What this write takes.
    pub fn need(self) -> Need {
        use Permission as P;
        Need::Permission(match self {
            Write::CreateClinic
            | Write::LoadDemo
            | Write::AddMember
            | Write::UpdateMember
            | Write::ReplaceMember
            | Write::Enroll
            | Write::SetSyncFileKey => P::Committee,
            Write::CreateAssembly
            | Write::UpdateAssembly
            | Write::SaveMinutes
            | Write::SetCommunityAttendees
            | Write::SetCommunityNames
            | Write::OpenActa
            | Write::SetAttendance
            | Write::AddAmendment
            | Write::AddAgreement
            | Write::SetAgreementStatus
            | Write::DeleteAgreement
            | Write::CarryOverAgreements => P::Assembly,
            Write::CloseActa => P::CloseActa,
            Write::CreateAction | Write::UpdateAction | Write::SetActionStatus => P::Action,
            Write::VerifyAction => P::VerifyAction,
            Write::RecordPurchase
            | Write::UpdatePurchaseAmounts
            | Write::UpdatePurchase
            | Write::DeletePurchase
            | Write::AddReceipt
            | Write::AddCardMovement => P::Money,
            Write::AttachPhoto { kind } => match kind {
                PhotoKind::Receipt => P::Money,
                PhotoKind::Before | PhotoKind::After => P::Action,
                PhotoKind::Acta => P::Assembly,
            },
            Write::RestoreConflict { table } => permission_for_table(table),
            // Leaving the demo removes only fictional records, which anyone using the
            // device may do (a forgotten demo PIN must not keep a committee out).
            Write::ExportDocument | Write::ReceiveChanges | Write::LeaveDemo => {
                return Need::Anyone
            }
        })
    }

    /// Whether a member with `role` (or nobody, `None`) may do this on a device that
    /// is set up (`set_up`: someone has a PIN on it, it is enrolled, or it holds other
    /// devices' changes) or is still being set up.
    pub fn allowed(self, role: Option<Role>, set_up: bool) -> Result<(), Refusal> {
        self.need().allowed(role, set_up)
    }
}

impl Need {
    /// Whether a member with `role` (or nobody, `None`) meets this need on a device
    /// that is `set_up` or still being set up (see [`Write::allowed`]).
    pub fn allowed(self, role: Option<Role>, set_up: bool) -> Result<(), Refusal> {
        match (self, role) {
            (Need::Anyone, _) => Ok(()),
            (Need::Permission(Permission::Committee), None) if !set_up => Ok(()),
            (Need::Permission(_), None) => Err(Refusal::SignInRequired),
            (Need::Permission(p), Some(r)) if p.allows(r) => Ok(()),
            (Need::Permission(p), Some(_)) => Err(Refusal::Forbidden(p)),
        }
    }
}

/// Why a write was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    SignInRequired,
    Forbidden(Permission),
}

/// Who may change a record of `table`: those who may write it.
pub fn permission_for_table(table: u16) -> Permission {
    if [PURCHASE.id, RECEIPT.id, CARD_MOVEMENT.id].contains(&table) {
        Permission::Money
    } else if table == ACTION.id {
        Permission::Action
    } else if [CLINIC.id, MEMBER.id].contains(&table) {
        Permission::Committee
    } else if table == PHOTO.id {
        // A photo's record belongs with what it documents; the strictest applies.
        Permission::Money
    } else {
        Permission::Assembly
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nobody_signed_in_may_only_set_up_a_device_without_pins() {
        for w in Write::ALL {
            let open = matches!(
                w.need(),
                Need::Anyone | Need::Permission(Permission::Committee)
            );
            assert_eq!(w.allowed(None, false).is_ok(), open, "{w:?}");
            assert_eq!(
                w.allowed(None, true).is_ok(),
                w.need() == Need::Anyone,
                "{w:?}"
            );
        }
    }

    #[test]
    fn money_is_the_tesorero_and_presidente_only() {
        for role in Role::ALL {
            let ok = Write::RecordPurchase.allowed(Some(role), true).is_ok();
            assert_eq!(
                ok,
                matches!(role, Role::Tesorero | Role::Presidente),
                "{role:?}"
            );
            assert_eq!(
                Write::AttachPhoto {
                    kind: PhotoKind::Receipt
                }
                .allowed(Some(role), true)
                .is_ok(),
                ok
            );
        }
    }

    #[test]
    fn writes_serialise_by_name() {
        let json = serde_json::to_string(&Write::AttachPhoto {
            kind: PhotoKind::Acta,
        })
        .unwrap();
        assert_eq!(json, r#"{"write":"attach_photo","kind":"acta"}"#);
    }
}
