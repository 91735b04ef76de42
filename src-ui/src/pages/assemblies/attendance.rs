//! Attendance by tapping members, the live quorum and the community present.

use crate::api;
use crate::components::form::{failure_text, field_problem, has_problem, show_failure};
use crate::components::session::use_session;
use crate::i18n::use_i18n;
use cosabi_core::assembly::{AssemblyDetail, AttendanceEntry};
use cosabi_core::committee::Member;
use cosabi_core::ids::MemberId;
use cosabi_core::ValidationError;
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;

/// Attendance by tapping members, the live quorum and the community count.
#[component]
pub(super) fn Attendance(
    id: Uuid,
    detail: RwSignal<Option<AssemblyDetail>>,
    /// The committee, for each member's gender (roles are named by it).
    members: RwSignal<Vec<Member>>,
    can_edit: Signal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let banner = RwSignal::new(None::<String>);
    let errors = RwSignal::new(Vec::<ValidationError>::new());
    let community = RwSignal::new(String::new());
    let community_notice = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let names = RwSignal::new(String::new());
    let names_notice = RwSignal::new(None::<String>);

    // The names follow the saved ones unless something else is being typed.
    let shown_names = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if let Some(d) = detail.get() {
            let saved = d.assembly.community_names.join("\n");
            let previous = shown_names.get_untracked();
            if previous.is_none() || previous.as_deref() == Some(names.get_untracked().as_str()) {
                names.set(saved.clone());
            }
            shown_names.set(Some(saved));
        }
    });
    let save_names = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        names_notice.set(None);
        let typed = names.get_untracked();
        spawn_local(async move {
            match api::assembly::set_community_names(id, &typed).await {
                Ok(_) => {
                    errors.set(Vec::new());
                    banner.set(None);
                    names_notice.set(Some(i18n.t("asm.community_names_saved")));
                    session.bump();
                }
                Err(e) => show_failure(i18n, "asm", e, &["community_names"], errors, banner),
            }
            busy.set(false);
        });
    };

    // The count follows the saved value unless something else is being typed.
    let shown_count = RwSignal::new(None::<i64>);
    Effect::new(move |_| {
        if let Some(d) = detail.get() {
            let n = d.assembly.community_attendees;
            let typed = community.get_untracked();
            let previous = shown_count.get_untracked();
            if previous.is_none() || typed == previous.map(|p| p.to_string()).unwrap_or_default() {
                community.set(n.to_string());
            }
            shown_count.set(Some(n));
        }
    });

    let toggle = move |member: MemberId, present: bool| {
        banner.set(None);
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
        spawn_local(async move {
            if let Err(e) = api::assembly::set_attendance(id, member, present).await {
                banner.set(Some(failure_text(i18n, "asm", &e, &[])));
            }
            session.bump();
        });
    };

    let save_count = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        community_notice.set(None);
        let count = community.get_untracked();
        spawn_local(async move {
            match api::assembly::set_community_attendees(id, &count).await {
                Ok(_) => {
                    errors.set(Vec::new());
                    banner.set(None);
                    community_notice.set(Some(i18n.t("asm.community_saved")));
                    session.bump();
                }
                Err(e) => show_failure(i18n, "asm", e, &["community_attendees"], errors, banner),
            }
            busy.set(false);
        });
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
            {move || banner.get().map(|b| view! { <p class="banner error" role="alert" id="attendance-error">{b}</p> })}
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
            <form class="rec-inline" id="community-form" on:submit=save_count novalidate=true>
                <label for="community-count">{move || i18n.t("asm.community")}</label>
                <div class="rec-inline-row">
                    <input id="community-count" inputmode="numeric" autocomplete="off"
                        disabled=move || !can_edit.get()
                        class:invalid=move || has_problem(errors, "community_attendees")
                        bind:value=community/>
                    <button type="submit" class="secondary" id="community-save"
                        disabled=move || !can_edit.get() || busy.get()>
                        {move || i18n.t("common.save")}
                    </button>
                </div>
                {field_problem(errors, "asm", "community_attendees", "community-count")}
                {move || community_notice.get().map(|n| view! { <p class="banner ok" role="status" id="community-notice">{n}</p> })}
            </form>
            <form class="rec-inline" id="community-names-form" on:submit=save_names novalidate=true>
                <label for="community-names">{move || i18n.t("asm.community_names")}</label>
                <textarea id="community-names" rows="4" autocomplete="off"
                    disabled=move || !can_edit.get()
                    class:invalid=move || has_problem(errors, "community_names")
                    bind:value=names></textarea>
                <p class="hint">{move || i18n.t("asm.community_names_hint")}</p>
                <button type="submit" class="secondary" id="community-names-save"
                    disabled=move || !can_edit.get() || busy.get()>
                    {move || i18n.t("common.save")}
                </button>
                {field_problem(errors, "asm", "community_names", "community-names")}
                {move || names_notice.get().map(|n| view! { <p class="banner ok" role="status" id="community-names-notice">{n}</p> })}
            </form>
        </div>
    }
}
