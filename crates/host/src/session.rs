//! Who is using the device, and opening it. The replica is encrypted at rest; while
//! a member's PIN has not opened it this run, the device is locked and only the lock
//! screen's commands answer. PINs stay on this device; the signed-in member becomes
//! the author of every change.

use crate::{ApiError, ApiResult, Host, Out};
use cosabi_api::{self as api, Handle};
use cosabi_core::committee::{DeviceStatus, Member, PinSet};
use cosabi_replica::{Instant, Replica};

impl Handle<api::GetDeviceStatus> for Host {
    async fn handle(&self, _: api::GetDeviceStatus) -> ApiResult<Out<api::GetDeviceStatus>> {
        let mut status = self.with_vault(|v| {
            Ok(DeviceStatus {
                locked: v.is_locked(),
                keyholders: v.keyholders(),
                has_recovery: v.has_recovery(),
                demo: false,
            })
        })?;
        status.locked = self.is_locked();
        status.demo = self.is_demo();
        Ok(status)
    }
}

/// Opens the locked device with a member's PIN and signs them in.
impl Handle<api::Unlock> for Host {
    async fn handle(&self, c: api::Unlock) -> ApiResult<Out<api::Unlock>> {
        self.open_with(|path, vault| {
            Replica::unlock_device(path, vault, c.member, &c.pin, Instant::now())
                .map(|(r, m)| (r, Some(m)))
        })
        .and_then(|m| m.ok_or_else(|| ApiError::code("storage")))
    }
}

/// Opens the locked device with its recovery code (nobody signed in); a PIN is then
/// set with the same code's approval.
impl Handle<api::Recover> for Host {
    async fn handle(&self, c: api::Recover) -> ApiResult<Out<api::Recover>> {
        self.open_with(|path, vault| {
            Replica::recover_device(path, vault, &c.code, Instant::now())
                .map(|r| (r, None::<Member>))
        })
        .map(|_| ())
    }
}

impl Handle<api::MembersWithPins> for Host {
    async fn handle(&self, _: api::MembersWithPins) -> ApiResult<Out<api::MembersWithPins>> {
        self.with_replica(|r| r.members_with_pins())
    }
}

impl Handle<api::SignIn> for Host {
    async fn handle(&self, c: api::SignIn) -> ApiResult<Out<api::SignIn>> {
        self.with_replica(|r| r.sign_in(c.member, &c.pin))
    }
}

/// Sets a member's PIN (with the approval the rules ask for) and signs them in.
impl Handle<api::SetPin> for Host {
    async fn handle(&self, c: api::SetPin) -> ApiResult<Out<api::SetPin>> {
        self.with_replica(|r| {
            let recovery = r.set_pin(c.member, &c.pin, &c.approval)?;
            let member = r.sign_in(c.member, &c.pin)?;
            Ok(PinSet { member, recovery })
        })
    }
}

/// A new recovery code (the old one stops working): the presidencia or the
/// contraloría social signed in.
impl Handle<api::NewRecoveryCode> for Host {
    async fn handle(&self, _: api::NewRecoveryCode) -> ApiResult<Out<api::NewRecoveryCode>> {
        self.with_replica(|r| r.new_recovery_code())
    }
}

impl Handle<api::SignOut> for Host {
    async fn handle(&self, _: api::SignOut) -> ApiResult<Out<api::SignOut>> {
        self.with_replica(|r| {
            r.sign_out();
            Ok(())
        })
    }
}

impl Handle<api::SignedIn> for Host {
    async fn handle(&self, _: api::SignedIn) -> ApiResult<Out<api::SignedIn>> {
        self.with_replica(|r| r.signed_in())
    }
}
