//! Typed calls for assemblies: actas, attendance, minutes, agreements.

use super::{call, ApiError};
use cosabi_api as c;
use cosabi_core::assembly::{
    Agreement, Amendment, Assembly, AssemblyDetail, NewAgreement, NewAssembly,
};
use cosabi_core::ids::MemberId;
use uuid::Uuid;

pub async fn list_assemblies() -> Result<Vec<Assembly>, ApiError> {
    call(&c::ListAssemblies {}).await
}

pub async fn get_assembly(id: Uuid) -> Result<Option<AssemblyDetail>, ApiError> {
    call(&c::GetAssembly { id }).await
}

pub async fn create_assembly(input: &NewAssembly) -> Result<Assembly, ApiError> {
    call(&c::CreateAssembly {
        input: input.clone(),
    })
    .await
}

/// Corrects a draft acta's header; returns how many fields changed.
pub async fn update_assembly(id: Uuid, input: &NewAssembly) -> Result<usize, ApiError> {
    call(&c::UpdateAssembly {
        id,
        input: input.clone(),
    })
    .await
}

/// Saves a draft acta's agenda alone (the header is not written).
pub async fn save_agenda(id: Uuid, agenda: &str) -> Result<usize, ApiError> {
    call(&c::SaveAgenda {
        id,
        agenda: agenda.to_owned(),
    })
    .await
}

pub async fn save_minutes(id: Uuid, minutes: &str) -> Result<usize, ApiError> {
    call(&c::SaveMinutes {
        id,
        minutes: minutes.to_owned(),
    })
    .await
}

pub async fn set_community_attendees(id: Uuid, count: &str) -> Result<usize, ApiError> {
    call(&c::SetCommunityAttendees {
        id,
        count: count.to_owned(),
    })
    .await
}

/// Saves the community attendees' names, one per line; returns 0 when unchanged.
pub async fn set_community_names(id: Uuid, names: &str) -> Result<usize, ApiError> {
    call(&c::SetCommunityNames {
        id,
        names: names.to_owned(),
    })
    .await
}

/// Opens the assembly in the name of the signed-in member; the first opening stays.
pub async fn open_acta(id: Uuid) -> Result<Assembly, ApiError> {
    call(&c::OpenActa { id }).await
}

pub async fn set_attendance(
    assembly: Uuid,
    member: MemberId,
    present: bool,
) -> Result<usize, ApiError> {
    call(&c::SetAttendance {
        assembly,
        member,
        present,
    })
    .await
}

/// Closes the acta in the name of the signed-in secretario; final.
pub async fn close_acta(id: Uuid) -> Result<Assembly, ApiError> {
    call(&c::CloseActa { id }).await
}

pub async fn add_amendment(assembly: Uuid, text: &str) -> Result<Amendment, ApiError> {
    call(&c::AddAmendment {
        assembly,
        text: text.to_owned(),
    })
    .await
}

pub async fn list_agreements(assembly: Uuid) -> Result<Vec<Agreement>, ApiError> {
    call(&c::ListAgreements { assembly }).await
}

pub async fn add_agreement(assembly: Uuid, input: &NewAgreement) -> Result<Agreement, ApiError> {
    call(&c::AddAgreement {
        assembly,
        input: input.clone(),
    })
    .await
}

pub async fn set_agreement_status(id: Uuid, status: &str) -> Result<usize, ApiError> {
    call(&c::SetAgreementStatus {
        id,
        status: status.to_owned(),
    })
    .await
}

pub async fn delete_agreement(id: Uuid) -> Result<usize, ApiError> {
    call(&c::DeleteAgreement { id }).await
}

/// Open agreements of earlier assemblies not yet carried into `assembly`.
pub async fn carry_over_candidates(assembly: Uuid) -> Result<Vec<Agreement>, ApiError> {
    call(&c::CarryOverCandidates { assembly }).await
}

pub async fn carry_over_agreements(assembly: Uuid) -> Result<Vec<Agreement>, ApiError> {
    call(&c::CarryOverAgreements { assembly }).await
}

pub async fn open_agreements() -> Result<Vec<Agreement>, ApiError> {
    call(&c::OpenAgreements {}).await
}
