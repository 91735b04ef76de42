//! Assemblies: the acta (header, attendance, minutes, closing, amendments) and its
//! agreements. Reads need no sign-in; every write checks the signed-in member's
//! permission first (the replica refuses edits to a closed acta with `acta_closed`).

use crate::{ApiResult, Host, Out};
use cosabi_api::{self as api, Handle};
use cosabi_core::access::Write;

impl Handle<api::ListAssemblies> for Host {
    async fn handle(&self, _: api::ListAssemblies) -> ApiResult<Out<api::ListAssemblies>> {
        self.with_replica(|r| r.assemblies())
    }
}

impl Handle<api::GetAssembly> for Host {
    async fn handle(&self, c: api::GetAssembly) -> ApiResult<Out<api::GetAssembly>> {
        self.with_replica(|r| r.assembly(c.id))
    }
}

impl Handle<api::CreateAssembly> for Host {
    async fn handle(&self, c: api::CreateAssembly) -> ApiResult<Out<api::CreateAssembly>> {
        self.with_write(Write::CreateAssembly, |r| r.create_assembly(&c.input))
    }
}

impl Handle<api::UpdateAssembly> for Host {
    async fn handle(&self, c: api::UpdateAssembly) -> ApiResult<Out<api::UpdateAssembly>> {
        self.with_write(Write::UpdateAssembly, |r| r.update_assembly(c.id, &c.input))
    }
}

impl Handle<api::SaveMinutes> for Host {
    async fn handle(&self, c: api::SaveMinutes) -> ApiResult<Out<api::SaveMinutes>> {
        self.with_write(Write::SaveMinutes, |r| {
            r.update_assembly_minutes(c.id, &c.minutes)
        })
    }
}

impl Handle<api::SaveAgenda> for Host {
    async fn handle(&self, c: api::SaveAgenda) -> ApiResult<Out<api::SaveAgenda>> {
        self.with_write(Write::UpdateAssembly, |r| {
            r.update_assembly_agenda(c.id, &c.agenda)
        })
    }
}

impl Handle<api::SetCommunityAttendees> for Host {
    async fn handle(
        &self,
        c: api::SetCommunityAttendees,
    ) -> ApiResult<Out<api::SetCommunityAttendees>> {
        self.with_write(Write::SetCommunityAttendees, |r| {
            r.set_community_attendees(c.id, &c.count)
        })
    }
}

/// Saves the names of the community attendees, one per line.
impl Handle<api::SetCommunityNames> for Host {
    async fn handle(&self, c: api::SetCommunityNames) -> ApiResult<Out<api::SetCommunityNames>> {
        self.with_write(Write::SetCommunityNames, |r| {
            r.set_community_names(c.id, &c.names)
        })
    }
}

/// Opens the assembly in the name of the signed-in member (once: the first opening
/// is the one the acta prints).
impl Handle<api::OpenActa> for Host {
    async fn handle(&self, c: api::OpenActa) -> ApiResult<Out<api::OpenActa>> {
        self.with_write(Write::OpenActa, |r| {
            let Some(member) = r.signed_in()? else {
                return Err(cosabi_replica::Error::SignInRequired);
            };
            r.open_assembly(c.id, member.id)
        })
    }
}

impl Handle<api::SetAttendance> for Host {
    async fn handle(&self, c: api::SetAttendance) -> ApiResult<Out<api::SetAttendance>> {
        self.with_write(Write::SetAttendance, |r| {
            r.set_attendance(c.assembly, c.member, c.present)
        })
    }
}

/// Closes the acta in the name of the signed-in secretario (it is signed on paper).
impl Handle<api::CloseActa> for Host {
    async fn handle(&self, c: api::CloseActa) -> ApiResult<Out<api::CloseActa>> {
        self.with_write(Write::CloseActa, |r| {
            let Some(member) = r.signed_in()? else {
                return Err(cosabi_replica::Error::SignInRequired);
            };
            r.close_assembly(c.id, member.id)
        })
    }
}

impl Handle<api::AddAmendment> for Host {
    async fn handle(&self, c: api::AddAmendment) -> ApiResult<Out<api::AddAmendment>> {
        self.with_write(Write::AddAmendment, |r| {
            r.add_amendment(c.assembly, &c.text)
        })
    }
}

impl Handle<api::ListAgreements> for Host {
    async fn handle(&self, c: api::ListAgreements) -> ApiResult<Out<api::ListAgreements>> {
        self.with_replica(|r| r.agreements(c.assembly))
    }
}

impl Handle<api::AddAgreement> for Host {
    async fn handle(&self, c: api::AddAgreement) -> ApiResult<Out<api::AddAgreement>> {
        self.with_write(Write::AddAgreement, |r| {
            r.add_agreement(c.assembly, &c.input)
        })
    }
}

impl Handle<api::SetAgreementStatus> for Host {
    async fn handle(&self, c: api::SetAgreementStatus) -> ApiResult<Out<api::SetAgreementStatus>> {
        self.with_write(Write::SetAgreementStatus, |r| {
            r.set_agreement_status(c.id, &c.status)
        })
    }
}

impl Handle<api::DeleteAgreement> for Host {
    async fn handle(&self, c: api::DeleteAgreement) -> ApiResult<Out<api::DeleteAgreement>> {
        self.with_write(Write::DeleteAgreement, |r| r.delete_agreement(c.id))
    }
}

/// What "carry open agreements" would bring into an assembly.
impl Handle<api::CarryOverCandidates> for Host {
    async fn handle(
        &self,
        c: api::CarryOverCandidates,
    ) -> ApiResult<Out<api::CarryOverCandidates>> {
        self.with_replica(|r| r.carry_over_candidates(c.assembly))
    }
}

/// Copies the open agreements of earlier assemblies into a draft acta.
impl Handle<api::CarryOverAgreements> for Host {
    async fn handle(
        &self,
        c: api::CarryOverAgreements,
    ) -> ApiResult<Out<api::CarryOverAgreements>> {
        self.with_write(Write::CarryOverAgreements, |r| {
            r.carry_over_into(c.assembly)
        })
    }
}

/// Every agreement still to be done, across assemblies.
impl Handle<api::OpenAgreements> for Host {
    async fn handle(&self, _: api::OpenAgreements) -> ApiResult<Out<api::OpenAgreements>> {
        self.with_replica(|r| r.open_agreements())
    }
}
