//! Who is using the device.

use super::{call, ApiError};
use cosabi_api as c;
use cosabi_core::committee::{DeviceStatus, Member, PinApproval, PinSet};
use cosabi_core::ids::MemberId;

/// The committee, each with whether they have a PIN on this device.
pub async fn members_with_pins() -> Result<Vec<(Member, bool)>, ApiError> {
    call(&c::MembersWithPins {}).await
}

pub async fn sign_in(member: MemberId, pin: &str) -> Result<Member, ApiError> {
    call(&c::SignIn {
        member,
        pin: pin.to_owned(),
    })
    .await
}

/// Sets a member's PIN (with the approval the rules ask for), then signs them in.
pub async fn set_pin(
    member: MemberId,
    pin: &str,
    approval: &PinApproval,
) -> Result<PinSet, ApiError> {
    call(&c::SetPin {
        member,
        pin: pin.to_owned(),
        approval: approval.clone(),
    })
    .await
}

/// Whether the device is locked, and who can open it.
pub async fn device_status() -> Result<DeviceStatus, ApiError> {
    call(&c::GetDeviceStatus {}).await
}

/// Opens the locked device with a member's PIN (and signs them in).
pub async fn unlock(member: MemberId, pin: &str) -> Result<Member, ApiError> {
    call(&c::Unlock {
        member,
        pin: pin.to_owned(),
    })
    .await
}

/// Opens the locked device with its recovery code.
pub async fn recover(code: &str) -> Result<(), ApiError> {
    call(&c::Recover {
        code: code.to_owned(),
    })
    .await
}

pub async fn sign_out() -> Result<(), ApiError> {
    call(&c::SignOut {}).await
}

pub async fn signed_in() -> Result<Option<Member>, ApiError> {
    call(&c::SignedIn {}).await
}
