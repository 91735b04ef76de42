//! The clinic, the committee, demo mode, device preferences and drafts.

use crate::{ApiError, ApiResult, Host, Out};
use cosabi_api::{self as api, Handle};
use cosabi_core::access::Write;
use cosabi_core::settings::{check_draft, draft_key};

impl Handle<api::GetClinic> for Host {
    async fn handle(&self, _: api::GetClinic) -> ApiResult<Out<api::GetClinic>> {
        self.with_replica(|r| r.clinic())
    }
}

impl Handle<api::CreateClinic> for Host {
    async fn handle(&self, c: api::CreateClinic) -> ApiResult<Out<api::CreateClinic>> {
        self.with_write(Write::CreateClinic, |r| r.create_clinic(&c.input))
    }
}

/// Shows the demo clinic, from its own folder (the device's replica stays empty).
impl Handle<api::LoadDemo> for Host {
    async fn handle(&self, _: api::LoadDemo) -> ApiResult<Out<api::LoadDemo>> {
        self.with_write(Write::LoadDemo, |r| self.enter_demo(r))
    }
}

/// Leaves demo mode: back to the first screen, with the demo's records gone.
impl Handle<api::LeaveDemo> for Host {
    async fn handle(&self, _: api::LeaveDemo) -> ApiResult<Out<api::LeaveDemo>> {
        if !self.is_demo() {
            return Err(ApiError::code("not_demo"));
        }
        self.with_write(Write::LeaveDemo, |r| self.leave_demo(r))
    }
}

impl Handle<api::ListMembers> for Host {
    async fn handle(&self, _: api::ListMembers) -> ApiResult<Out<api::ListMembers>> {
        self.with_replica(|r| r.members())
    }
}

impl Handle<api::AddMember> for Host {
    async fn handle(&self, c: api::AddMember) -> ApiResult<Out<api::AddMember>> {
        self.with_write(Write::AddMember, |r| r.add_member(&c.input))
    }
}

impl Handle<api::UpdateMember> for Host {
    async fn handle(&self, c: api::UpdateMember) -> ApiResult<Out<api::UpdateMember>> {
        self.with_write(Write::UpdateMember, |r| r.update_member(c.member, &c.input))
    }
}

/// Ends a member's term on a date (dd/mm/aaaa).
impl Handle<api::EndTerm> for Host {
    async fn handle(&self, c: api::EndTerm) -> ApiResult<Out<api::EndTerm>> {
        self.with_write(Write::UpdateMember, |r| r.end_term(c.member, &c.on))
    }
}

/// Seats someone in a member's place: the member's term ends the day before.
impl Handle<api::ReplaceMember> for Host {
    async fn handle(&self, c: api::ReplaceMember) -> ApiResult<Out<api::ReplaceMember>> {
        self.with_write(Write::ReplaceMember, |r| {
            r.replace_member(c.member, &c.input)
        })
    }
}

/// A device preference by name (language, privacy notice, server hint). The
/// language and the notice live in the key ring, readable on the lock screen.
impl Handle<api::GetPreference> for Host {
    async fn handle(&self, c: api::GetPreference) -> ApiResult<Out<api::GetPreference>> {
        if c.name.before_sign_in() {
            return self.with_vault(|v| Ok(v.pref(c.name.key())));
        }
        self.with_replica(|r| r.setting(c.name.key()))
    }
}

impl Handle<api::SetPreference> for Host {
    async fn handle(&self, c: api::SetPreference) -> ApiResult<Out<api::SetPreference>> {
        let name = c.name;
        let value = name
            .check(&c.value)
            .map_err(|e| ApiError::from(cosabi_replica::Error::from(e)))?;
        if name.before_sign_in() {
            return self.with_vault(|v| v.set_pref(name.key(), &value));
        }
        self.with_replica(|r| r.set_setting(name.key(), &value))
    }
}

/// What was typed in a form and not yet saved (in the encrypted replica).
impl Handle<api::GetDraft> for Host {
    async fn handle(&self, c: api::GetDraft) -> ApiResult<Out<api::GetDraft>> {
        let key = draft_key(&c.form).map_err(|e| ApiError::from(cosabi_replica::Error::from(e)))?;
        self.with_replica(|r| r.setting(&key))
    }
}

impl Handle<api::SetDraft> for Host {
    async fn handle(&self, c: api::SetDraft) -> ApiResult<Out<api::SetDraft>> {
        let key = draft_key(&c.form).map_err(|e| ApiError::from(cosabi_replica::Error::from(e)))?;
        check_draft(&c.text).map_err(|e| ApiError::from(cosabi_replica::Error::from(e)))?;
        self.with_replica(|r| r.set_setting(&key, &c.text))
    }
}

impl Handle<api::ListConflicts> for Host {
    async fn handle(&self, _: api::ListConflicts) -> ApiResult<Out<api::ListConflicts>> {
        self.with_replica(|r| r.conflicts())
    }
}

impl Handle<api::ReviewItems> for Host {
    async fn handle(&self, _: api::ReviewItems) -> ApiResult<Out<api::ReviewItems>> {
        self.with_replica(|r| r.review_items())
    }
}
