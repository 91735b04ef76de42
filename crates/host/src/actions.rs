//! Planned improvements (acciones de mejora). Reads need no sign-in; proposing and
//! following up needs `Permission::Action`, verifying `Permission::VerifyAction`
//! (the verifier is the signed-in member).

use crate::{ApiResult, Host, Out};
use cosabi_api::{self as api, Handle};
use cosabi_core::access::Write;

impl Handle<api::ListActions> for Host {
    async fn handle(&self, _: api::ListActions) -> ApiResult<Out<api::ListActions>> {
        self.with_replica(|r| r.actions())
    }
}

impl Handle<api::CreateAction> for Host {
    async fn handle(&self, c: api::CreateAction) -> ApiResult<Out<api::CreateAction>> {
        self.with_write(Write::CreateAction, |r| r.create_action(&c.input))
    }
}

impl Handle<api::UpdateAction> for Host {
    async fn handle(&self, c: api::UpdateAction) -> ApiResult<Out<api::UpdateAction>> {
        self.with_write(Write::UpdateAction, |r| r.update_action(c.id, &c.input))
    }
}

impl Handle<api::SetActionStatus> for Host {
    async fn handle(&self, c: api::SetActionStatus) -> ApiResult<Out<api::SetActionStatus>> {
        self.with_write(Write::SetActionStatus, |r| {
            r.set_action_status(c.id, &c.status)
        })
    }
}

/// Verifies a finished action in the name of the signed-in vocal or contralor(a).
impl Handle<api::VerifyAction> for Host {
    async fn handle(&self, c: api::VerifyAction) -> ApiResult<Out<api::VerifyAction>> {
        self.with_write(Write::VerifyAction, |r| {
            let Some(member) = r.signed_in()? else {
                return Err(cosabi_replica::Error::SignInRequired);
            };
            r.verify_action(c.id, member.id)
        })
    }
}

/// Every agreement of every assembly, newest assembly first.
impl Handle<api::AgreementChoices> for Host {
    async fn handle(&self, _: api::AgreementChoices) -> ApiResult<Out<api::AgreementChoices>> {
        self.with_replica(|r| r.agreement_choices())
    }
}
