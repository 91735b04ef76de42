//! Commands for assemblies: the acta (header, attendance, minutes, closing,
//! amendments) and its agreements. Reads need no sign-in; every write checks the
//! signed-in member's permission first (the replica refuses edits to a closed acta
//! with `acta_closed`).

use super::Out;
use crate::commands::{with_replica, with_write};
use crate::error::ApiResult;
use crate::AppState;
use cosabi_api as api;
use cosabi_core::access::Write;
use cosabi_core::assembly::{Agreement, AgreementStatus, NewAgreement, NewAssembly};
use cosabi_core::ids::MemberId;
use cosabi_replica::Replica;
use tauri::State;
use uuid::Uuid;

#[tauri::command]
pub fn list_assemblies(state: State<'_, AppState>) -> ApiResult<Out<api::ListAssemblies>> {
    with_replica(&state, |r| r.assemblies())
}

#[tauri::command]
pub fn get_assembly(state: State<'_, AppState>, id: Uuid) -> ApiResult<Out<api::GetAssembly>> {
    with_replica(&state, |r| r.assembly(id))
}

#[tauri::command]
pub fn create_assembly(
    state: State<'_, AppState>,
    input: NewAssembly,
) -> ApiResult<Out<api::CreateAssembly>> {
    with_write(&state, Write::CreateAssembly, |r| r.create_assembly(&input))
}

#[tauri::command]
pub fn update_assembly(
    state: State<'_, AppState>,
    id: Uuid,
    input: NewAssembly,
) -> ApiResult<Out<api::UpdateAssembly>> {
    with_write(&state, Write::UpdateAssembly, |r| {
        r.update_assembly(id, &input)
    })
}

#[tauri::command]
pub fn save_minutes(
    state: State<'_, AppState>,
    id: Uuid,
    minutes: String,
) -> ApiResult<Out<api::SaveMinutes>> {
    with_write(&state, Write::SaveMinutes, |r| {
        r.update_assembly_minutes(id, &minutes)
    })
}

#[tauri::command]
pub fn save_agenda(
    state: State<'_, AppState>,
    id: Uuid,
    agenda: String,
) -> ApiResult<Out<api::SaveAgenda>> {
    with_write(&state, Write::UpdateAssembly, |r| {
        r.update_assembly_agenda(id, &agenda)
    })
}

#[tauri::command]
pub fn set_community_attendees(
    state: State<'_, AppState>,
    id: Uuid,
    count: String,
) -> ApiResult<Out<api::SetCommunityAttendees>> {
    with_write(&state, Write::SetCommunityAttendees, |r| {
        r.set_community_attendees(id, &count)
    })
}

/// Saves the names of the community attendees, one per line.
#[tauri::command]
pub fn set_community_names(
    state: State<'_, AppState>,
    id: Uuid,
    names: String,
) -> ApiResult<Out<api::SetCommunityNames>> {
    with_write(&state, Write::SetCommunityNames, |r| {
        r.set_community_names(id, &names)
    })
}

/// Opens the assembly in the name of the signed-in member (once: the first opening
/// is the one the acta prints).
#[tauri::command]
pub fn open_acta(state: State<'_, AppState>, id: Uuid) -> ApiResult<Out<api::OpenActa>> {
    with_write(&state, Write::OpenActa, |r| {
        let Some(member) = r.signed_in()? else {
            return Err(cosabi_replica::Error::SignInRequired);
        };
        r.open_assembly(id, member.id)
    })
}

#[tauri::command]
pub fn set_attendance(
    state: State<'_, AppState>,
    assembly: Uuid,
    member: MemberId,
    present: bool,
) -> ApiResult<Out<api::SetAttendance>> {
    with_write(&state, Write::SetAttendance, |r| {
        r.set_attendance(assembly, member, present)
    })
}

/// Closes the acta in the name of the signed-in secretario (it is signed on paper).
#[tauri::command]
pub fn close_acta(state: State<'_, AppState>, id: Uuid) -> ApiResult<Out<api::CloseActa>> {
    with_write(&state, Write::CloseActa, |r| {
        let Some(member) = r.signed_in()? else {
            return Err(cosabi_replica::Error::SignInRequired);
        };
        r.close_assembly(id, member.id)
    })
}

#[tauri::command]
pub fn add_amendment(
    state: State<'_, AppState>,
    assembly: Uuid,
    text: String,
) -> ApiResult<Out<api::AddAmendment>> {
    with_write(&state, Write::AddAmendment, |r| {
        r.add_amendment(assembly, &text)
    })
}

#[tauri::command]
pub fn list_agreements(
    state: State<'_, AppState>,
    assembly: Uuid,
) -> ApiResult<Out<api::ListAgreements>> {
    with_replica(&state, |r| r.agreements(assembly))
}

#[tauri::command]
pub fn add_agreement(
    state: State<'_, AppState>,
    assembly: Uuid,
    input: NewAgreement,
) -> ApiResult<Out<api::AddAgreement>> {
    with_write(&state, Write::AddAgreement, |r| {
        r.add_agreement(assembly, &input)
    })
}

#[tauri::command]
pub fn set_agreement_status(
    state: State<'_, AppState>,
    id: Uuid,
    status: String,
) -> ApiResult<Out<api::SetAgreementStatus>> {
    with_write(&state, Write::SetAgreementStatus, |r| {
        r.set_agreement_status(id, &status)
    })
}

#[tauri::command]
pub fn delete_agreement(
    state: State<'_, AppState>,
    id: Uuid,
) -> ApiResult<Out<api::DeleteAgreement>> {
    with_write(&state, Write::DeleteAgreement, |r| r.delete_agreement(id))
}

/// Open agreements of assemblies held before `assembly` (by date, then creation),
/// each as its latest copy, that are not yet carried into it.
fn open_before(r: &Replica, assembly: Uuid) -> cosabi_replica::Result<Vec<Agreement>> {
    let all = r.assemblies()?;
    let Some(target) = all.iter().find(|a| a.id == assembly) else {
        return Ok(Vec::new());
    };
    let key = (target.date.clone(), target.id);
    let earlier: Vec<Uuid> = all
        .iter()
        .filter(|a| (a.date.clone(), a.id) < key)
        .map(|a| a.id)
        .collect();
    Ok(r.open_agreements()?
        .into_iter()
        .filter(|g| earlier.contains(&g.assembly_id))
        .filter(|g| AgreementStatus::from_code(&g.status).is_some_and(AgreementStatus::is_open))
        .collect())
}

/// What "carry open agreements" would bring into `assembly`.
#[tauri::command]
pub fn carry_over_candidates(
    state: State<'_, AppState>,
    assembly: Uuid,
) -> ApiResult<Out<api::CarryOverCandidates>> {
    with_replica(&state, |r| open_before(r, assembly))
}

/// Copies the open agreements of earlier assemblies into the draft acta `assembly`.
#[tauri::command]
pub fn carry_over_agreements(
    state: State<'_, AppState>,
    assembly: Uuid,
) -> ApiResult<Out<api::CarryOverAgreements>> {
    with_write(&state, Write::CarryOverAgreements, |r| {
        let mut sources: Vec<Uuid> = Vec::new();
        for g in open_before(r, assembly)? {
            if !sources.contains(&g.assembly_id) {
                sources.push(g.assembly_id);
            }
        }
        let mut copies = Vec::new();
        for from in sources {
            copies.extend(r.carry_over_open_agreements(from, assembly)?);
        }
        Ok(copies)
    })
}

/// Every agreement still to be done, across assemblies.
#[tauri::command]
pub fn open_agreements(state: State<'_, AppState>) -> ApiResult<Out<api::OpenAgreements>> {
    with_replica(&state, |r| r.open_agreements())
}
