//! Who is using the device.

use super::{invoke, ApiError, NoArgs};
use cosabi_core::committee::Member;
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

/// First time on this device: choose a PIN, then sign in with it.
pub async fn set_pin_and_sign_in(member: MemberId, pin: &str) -> Result<Member, ApiError> {
    invoke("set_pin_and_sign_in", &Pin { member, pin }).await
}

pub async fn sign_out() -> Result<(), ApiError> {
    invoke("sign_out", &NoArgs {}).await
}

pub async fn signed_in() -> Result<Option<Member>, ApiError> {
    invoke("signed_in", &NoArgs {}).await
}
