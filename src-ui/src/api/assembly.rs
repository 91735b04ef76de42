//! Typed calls for assemblies: actas, attendance, minutes, agreements.

use super::{invoke, ApiError, Input, NoArgs};
use cosabi_core::assembly::{
    Agreement, Amendment, Assembly, AssemblyDetail, NewAgreement, NewAssembly,
};
use cosabi_core::ids::MemberId;
use serde::Serialize;
use uuid::Uuid;

#[derive(Serialize)]
struct Id {
    id: Uuid,
}

#[derive(Serialize)]
struct IdInput<'a, T> {
    id: Uuid,
    input: &'a T,
}

#[derive(Serialize)]
struct AssemblyArg {
    assembly: Uuid,
}

pub async fn list_assemblies() -> Result<Vec<Assembly>, ApiError> {
    invoke("list_assemblies", &NoArgs {}).await
}

pub async fn get_assembly(id: Uuid) -> Result<Option<AssemblyDetail>, ApiError> {
    invoke("get_assembly", &Id { id }).await
}

pub async fn create_assembly(input: &NewAssembly) -> Result<Assembly, ApiError> {
    invoke("create_assembly", &Input { input }).await
}

/// Corrects a draft acta's header; returns how many fields changed.
pub async fn update_assembly(id: Uuid, input: &NewAssembly) -> Result<usize, ApiError> {
    invoke("update_assembly", &IdInput { id, input }).await
}

#[derive(Serialize)]
struct Minutes<'a> {
    id: Uuid,
    minutes: &'a str,
}

pub async fn save_minutes(id: Uuid, minutes: &str) -> Result<usize, ApiError> {
    invoke("save_minutes", &Minutes { id, minutes }).await
}

#[derive(Serialize)]
struct Count<'a> {
    id: Uuid,
    count: &'a str,
}

pub async fn set_community_attendees(id: Uuid, count: &str) -> Result<usize, ApiError> {
    invoke("set_community_attendees", &Count { id, count }).await
}

#[derive(Serialize)]
struct Names<'a> {
    id: Uuid,
    names: &'a str,
}

/// Saves the community attendees' names, one per line; returns 0 when unchanged.
pub async fn set_community_names(id: Uuid, names: &str) -> Result<usize, ApiError> {
    invoke("set_community_names", &Names { id, names }).await
}

/// Opens the assembly in the name of the signed-in member; the first opening stays.
pub async fn open_acta(id: Uuid) -> Result<Assembly, ApiError> {
    invoke("open_acta", &Id { id }).await
}

#[derive(Serialize)]
struct Attendance {
    assembly: Uuid,
    member: MemberId,
    present: bool,
}

pub async fn set_attendance(
    assembly: Uuid,
    member: MemberId,
    present: bool,
) -> Result<usize, ApiError> {
    invoke(
        "set_attendance",
        &Attendance {
            assembly,
            member,
            present,
        },
    )
    .await
}

/// Closes the acta in the name of the signed-in secretario; final.
pub async fn close_acta(id: Uuid) -> Result<Assembly, ApiError> {
    invoke("close_acta", &Id { id }).await
}

#[derive(Serialize)]
struct AmendmentArgs<'a> {
    assembly: Uuid,
    text: &'a str,
}

pub async fn add_amendment(assembly: Uuid, text: &str) -> Result<Amendment, ApiError> {
    invoke("add_amendment", &AmendmentArgs { assembly, text }).await
}

pub async fn list_agreements(assembly: Uuid) -> Result<Vec<Agreement>, ApiError> {
    invoke("list_agreements", &AssemblyArg { assembly }).await
}

#[derive(Serialize)]
struct AgreementArgs<'a> {
    assembly: Uuid,
    input: &'a NewAgreement,
}

pub async fn add_agreement(assembly: Uuid, input: &NewAgreement) -> Result<Agreement, ApiError> {
    invoke("add_agreement", &AgreementArgs { assembly, input }).await
}

#[derive(Serialize)]
struct Status<'a> {
    id: Uuid,
    status: &'a str,
}

pub async fn set_agreement_status(id: Uuid, status: &str) -> Result<usize, ApiError> {
    invoke("set_agreement_status", &Status { id, status }).await
}

pub async fn delete_agreement(id: Uuid) -> Result<usize, ApiError> {
    invoke("delete_agreement", &Id { id }).await
}

/// Open agreements of earlier assemblies not yet carried into `assembly`.
pub async fn carry_over_candidates(assembly: Uuid) -> Result<Vec<Agreement>, ApiError> {
    invoke("carry_over_candidates", &AssemblyArg { assembly }).await
}

pub async fn carry_over_agreements(assembly: Uuid) -> Result<Vec<Agreement>, ApiError> {
    invoke("carry_over_agreements", &AssemblyArg { assembly }).await
}

pub async fn open_agreements() -> Result<Vec<Agreement>, ApiError> {
    invoke("open_agreements", &NoArgs {}).await
}
