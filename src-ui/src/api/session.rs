//! Who is using the device.

use super::{invoke, ApiError, NoArgs};
use cosabi_core::committee::{DeviceStatus, Member, PinApproval, PinSet};
use cosabi_core::ids::MemberId;
use serde::Serialize;

#[derive(Serialize)]
struct Pin<'a> {
    member: MemberId,
    pin: &'a str,
}

/// The committee, each with whether they have a PIN on this device.
pub async fn members_with_pins() -> Result<Vec<(Member, bool)>, ApiError> {
    invoke("members_with_pins", &NoArgs {}).await
}

pub async fn sign_in(member: MemberId, pin: &str) -> Result<Member, ApiError> {
    invoke("sign_in", &Pin { member, pin }).await
}

#[derive(Serialize)]
struct SetPin<'a> {
    member: MemberId,
    pin: &'a str,
    approval: &'a PinApproval,
}

/// Sets a member's PIN (with the approval the rules ask for), then signs them in.
pub async fn set_pin(
    member: MemberId,
    pin: &str,
    approval: &PinApproval,
) -> Result<PinSet, ApiError> {
    invoke(
        "set_pin",
        &SetPin {
            member,
            pin,
            approval,
        },
    )
    .await
}

/// Whether the device is locked, and who can open it.
pub async fn device_status() -> Result<DeviceStatus, ApiError> {
    invoke("device_status", &NoArgs {}).await
}

/// Opens the locked device with a member's PIN (and signs them in).
pub async fn unlock(member: MemberId, pin: &str) -> Result<Member, ApiError> {
    invoke("unlock", &Pin { member, pin }).await
}

#[derive(Serialize)]
struct Code<'a> {
    code: &'a str,
}

/// Opens the locked device with its recovery code.
pub async fn recover(code: &str) -> Result<(), ApiError> {
    invoke("recover", &Code { code }).await
}

pub async fn sign_out() -> Result<(), ApiError> {
    invoke("sign_out", &NoArgs {}).await
}

pub async fn signed_in() -> Result<Option<Member>, ApiError> {
    invoke("signed_in", &NoArgs {}).await
}
