//! Closing the acta, and the amendments made to it after.

use super::acta::{closed_line, ActaTexts};
use super::*;
use crate::api;
use crate::components::confirm::ConfirmDialog;
use crate::components::draft::Draft;
use crate::components::form::{failure_text, FormState};
use crate::components::session::use_session;
use crate::i18n::use_i18n;
use cosabi_core::assembly::{Agreement, AssemblyDetail};
use cosabi_core::committee::{Member, Permission};
use cosabi_core::format::display_date;
use leptos::prelude::*;
use uuid::Uuid;

/// The closing step. While a draft: what will be sealed, that it cannot change
/// after, and a closing button unlike any other that asks once more. Once closed:
/// when and by whom.
#[component]
pub(super) fn CloseActa(
    id: Uuid,
    detail: RwSignal<Option<AssemblyDetail>>,
    agreements: RwSignal<Vec<Agreement>>,
    members: Signal<Vec<Member>>,
    texts: ActaTexts,
) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let confirming = RwSignal::new(false);
    let closed = move || detail.get().is_some_and(|d| d.assembly.is_closed());
    let close = Action::new_local(move |_: &()| async move {
        // What the secretary sees is what closes: typed text is written first.
        let t = texts.minutes.text.get_untracked();
        api::assembly::save_minutes(id, &t).await?;
        let done = api::assembly::close_acta(id).await;
        session.bump();
        done.map(|_| ())
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = close.value().get() {
            confirming.set(false);
        }
    });
    let close_error = Signal::derive(move || {
        close
            .value()
            .get()
            .and_then(|r| r.err())
            .map(|e| failure_text(i18n, "asm", &e, &[]))
    });
    let who = move || {
        session
            .member
            .get()
            .map(|m| (m.name.clone(), i18n.role(&m.role, &m.gender)))
            .unwrap_or_default()
    };

    view! {
        <div class="card acta-closing" id="close-card">
            <h2>{move || if closed() { i18n.t("asm.closed_title") } else { i18n.t("asm.close_title") }}</h2>
            <Show
                when=move || !closed()
                fallback=move || view! {
                    <p class="acta-closed-line" id="acta-closed-line">
                        {move || detail.get().and_then(|d| closed_line(i18n, &d.assembly, &members.get()))}
                    </p>
                }
            >
                <p>{move || i18n.t("asm.close_summary_lead")}</p>
                <ul class="acta-summary" id="close-summary">
                    {move || detail.get().map(|d| {
                        let q = d.quorum;
                        let minutes_words = texts.minutes.text.get().split_whitespace().count();
                        let quorum = if q.reached { i18n.t("asm.sum_quorum_yes") } else { i18n.t("asm.sum_quorum_no") };
                        view! {
                            <li id="sum-attendance">
                                {i18n.t_with("asm.sum_attendance", &[
                                    ("present", q.present_members.to_string()),
                                    ("active", q.active_members.to_string()),
                                ])}" · "{quorum}
                            </li>
                            <li id="sum-community">{i18n.plural("asm.sum_community", d.assembly.community_attendees.max(0) as usize)}</li>
                            <li id="sum-agenda">{i18n.plural("asm.sum_agenda", d.assembly.agenda.len())}</li>
                            <li id="sum-agreements">{i18n.plural("asm.sum_agreements", agreements.get().len())}</li>
                            <li id="sum-minutes" class:warn=minutes_words == 0>
                                {if minutes_words == 0 { i18n.t("asm.sum_minutes_none") } else { i18n.plural("asm.sum_minutes", minutes_words) }}
                            </li>
                        }
                    })}
                </ul>
                <p class="acta-final-warning" id="close-warning">{move || i18n.t("asm.close_text")}</p>
                <button type="button" class="acta-seal" id="close-acta"
                    disabled=move || !session.can(Permission::CloseActa)
                    on:click=move |_| confirming.set(true)>
                    {move || i18n.t("asm.close_button")}
                </button>
                <MayHint permission=Permission::CloseActa signed_out="asm.close_sign_in" denied="asm.close_only_secretario" id="close-may"/>
            </Show>
        </div>
        <ConfirmDialog open=confirming id="close-acta-dialog" sealing=true
            title=Signal::derive(move || i18n.t("asm.close_confirm_title"))
            text=Signal::derive(move || {
                let (name, role) = who();
                i18n.t_with("asm.close_confirm_text", &[("name", name), ("role", role)])
            })
            confirm_label=Signal::derive(move || i18n.t("asm.close_confirm"))
            cancel_label=Signal::derive(move || i18n.t("asm.close_cancel"))
            on_confirm=Callback::new(move |_| { close.dispatch(()); })
            busy=close.pending()
            error=close_error/>
    }
}

/// Corrections to a closed acta.
#[component]
pub(super) fn Amendments(
    id: Uuid,
    detail: RwSignal<Option<AssemblyDetail>>,
    can_add: Signal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let text = RwSignal::new(String::new());
    let form = FormState::new("asm");
    let notice = RwSignal::new(None::<String>);
    let draft = StoredValue::new(Draft::new(format!("amendment.{id}"), vec![("text", text)]));
    let save = form.save(
        move |t: &String| {
            let t = t.clone();
            async move { api::assembly::add_amendment(id, &t).await }
        },
        move |_| {
            notice.set(Some(i18n.t("asm.amendment_added")));
            draft.with_value(Draft::clear);
            session.bump();
        },
    );
    let busy = save.pending();

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if save.run(text.get_untracked()) {
            notice.set(None);
        }
    };

    view! {
        <div class="card" id="amendments-card">
            <h2>{move || i18n.t("asm.amendments_title")}</h2>
            {move || {
                let list = detail.get().map(|d| d.amendments).unwrap_or_default();
                if list.is_empty() {
                    view! { <p class="muted" id="amendments-empty">{i18n.t("asm.amendments_empty")}</p> }.into_any()
                } else {
                    view! {
                        <ul class="rec-list" id="amendments">
                            {list.into_iter().map(|a| view! {
                                <li class="amendment-item">
                                    <p class="rec-date">{i18n.t_with("asm.amendment_on", &[("date", display_date(&a.made_on))])}</p>
                                    <p class="rec-text">{a.text}</p>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }
            }}
            <Show when=move || can_add.get()>
                <form class="rec-subform" id="amendment-form" on:submit=submit novalidate=true>
                    {form.banner_view("amendment-form-error")}
                    {move || notice.get().map(|n| view! { <p class="banner ok" role="status" id="amendment-notice">{n}</p> })}
                    <label for="amendment-text">{move || i18n.t("asm.amendment_text")}</label>
                    <textarea id="amendment-text" rows="3"
                        placeholder=move || i18n.t("asm.amendment_hint")
                        class:invalid=form.invalid("text")
                        prop:value=move || text.get()
                        on:input=move |ev| text.set(event_target_value(&ev))></textarea>
                    {form.problem("text", "amendment-text")}
                    <button type="submit" class="primary" id="amendment-save" disabled=move || busy.get()>
                        {move || if busy.get() { i18n.t("common.saving") } else { i18n.t("asm.amendment_save") }}
                    </button>
                </form>
            </Show>
            <MayHint permission=Permission::Assembly signed_out="asm.sign_in_hint" denied="asm.sign_in_hint" id="amendment-may"/>
        </div>
    }
}
