//! Attendance by tapping members, the live quorum and the community present (its
//! count and names saved as typed).

use super::acta::ActaTexts;
use crate::api;
use crate::components::autosave::SaveStatus;
use crate::components::form::FormState;
use crate::components::session::use_session;
use crate::i18n::use_i18n;
use cosabi_core::assembly::{AssemblyDetail, AttendanceEntry};
use cosabi_core::committee::Member;
use cosabi_core::ids::MemberId;
use leptos::prelude::*;
use uuid::Uuid;

/// Attendance by tapping members, the live quorum and the community count.
#[component]
pub(super) fn Attendance(
    id: Uuid,
    detail: RwSignal<Option<AssemblyDetail>>,
    /// The committee, for each member's gender (roles are named by it).
    members: Signal<Vec<Member>>,
    can_edit: Signal<bool>,
    /// The community count and names, saved as typed.
    texts: ActaTexts,
) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let form = FormState::new("asm");
    // Taps on several members may be written at once; each reloads the acta.
    let mark = Action::new_local(move |&(member, present): &(MemberId, bool)| async move {
        if let Err(e) = api::assembly::set_attendance(id, member, present).await {
            form.failed(e);
        }
        session.bump();
    });
    let count = texts.community_count;
    let names = texts.community_names;

    let toggle = move |member: MemberId, present: bool| {
        form.clear();
        // Shown at once; the reload after saving confirms it (or puts it back).
        detail.update(|d| {
            if let Some(d) = d {
                if let Some(e) = d.attendance.iter_mut().find(|e| e.member_id == member) {
                    e.present = present;
                }
                let active = d.quorum.active_members;
                let present_now = d.attendance.iter().filter(|e| e.present).count() as i64;
                d.quorum = cosabi_core::assembly::Quorum::compute(
                    active,
                    present_now.min(active),
                    d.assembly.quorum_percent,
                );
            }
        });
        mark.dispatch((member, present));
    };

    view! {
        <div class="card" id="attendance">
            <h2>{move || i18n.t("asm.attendance_title")}</h2>
            <p class="quorum" id="quorum"
                class:ok=move || detail.get().is_some_and(|d| d.quorum.reached)>
                {move || detail.get().map(|d| {
                    let q = d.quorum;
                    let args = [
                        ("present", q.present_members.to_string()),
                        ("active", q.active_members.to_string()),
                        ("needed", q.needed.to_string()),
                    ];
                    if q.active_members == 0 {
                        i18n.t("asm.quorum_none")
                    } else if q.reached {
                        i18n.t_with("asm.quorum_yes", &args)
                    } else {
                        i18n.t_with("asm.quorum_no", &args)
                    }
                })}
            </p>
            <Show when=move || can_edit.get()>
                <p class="hint">{move || i18n.t("asm.attendance_hint")}</p>
            </Show>
            {form.banner_view("attendance-error")}
            <ul class="rec-list attendance-list" id="attendance-list">
                {move || detail.get().map(|d| d.attendance).unwrap_or_default().into_iter().map(|e: AttendanceEntry| {
                    let input_id = format!("att-{}", e.member_id);
                    let label_for = input_id.clone();
                    let member = e.member_id;
                    let role = e.role.clone();
                    view! {
                        <li>
                            <label class="att-row" class:present=e.present for=label_for>
                                <input type="checkbox" id=input_id class="att-check"
                                    prop:checked=e.present
                                    disabled=move || !can_edit.get()
                                    on:change=move |ev| toggle(member, event_target_checked(&ev))/>
                                <span class="att-text">
                                    <span class="att-name">{e.name.clone()}</span>
                                    <span class="att-role">{move || {
                                        let gender = members.get().into_iter().find(|m| m.id == member).map(|m| m.gender).unwrap_or_default();
                                        let said = i18n.role(&role, &gender);
                                        // A role from a newer app is shown as stored.
                                        if said == format!("role.{role}") { role.clone() } else { said }
                                    }}</span>
                                </span>
                                <span class="att-mark" aria-hidden="true">
                                    {move || if e.present { i18n.t("asm.present") } else { i18n.t("asm.absent") }}
                                </span>
                            </label>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <div class="rec-inline" id="community-form">
                <label for="community-count">{move || i18n.t("asm.community")}</label>
                <input id="community-count" inputmode="numeric" autocomplete="off"
                    aria-describedby="community-status"
                    disabled=move || !can_edit.get()
                    class:invalid=count.form.invalid("community_attendees")
                    prop:value=move || count.text.get()
                    on:input=move |ev| count.input(event_target_value(&ev))
                    on:blur=move |_| count.flush()/>
                {count.form.problem("community_attendees", "community-count")}
                <SaveStatus field=count id="community-status"/>
            </div>
            <div class="rec-inline" id="community-names-form">
                <label for="community-names">{move || i18n.t("asm.community_names")}</label>
                <textarea id="community-names" rows="4" autocomplete="off"
                    aria-describedby="community-names-hint community-names-status"
                    disabled=move || !can_edit.get()
                    class:invalid=names.form.invalid("community_names")
                    prop:value=move || names.text.get()
                    on:input=move |ev| names.input(event_target_value(&ev))
                    on:blur=move |_| names.flush()></textarea>
                <p class="hint" id="community-names-hint">{move || i18n.t("asm.community_names_hint")}</p>
                {names.form.problem("community_names", "community-names")}
                <SaveStatus field=names id="community-names-status"/>
            </div>
        </div>
    }
}
