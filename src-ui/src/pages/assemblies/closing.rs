//! Closing the acta, and the amendments made to it after.

use super::*;
use crate::api;
use crate::components::draft::Draft;
use crate::components::form::{failure_text, field_problem, has_problem, show_failure};
use crate::components::session::use_session;
use crate::i18n::use_i18n;
use cosabi_core::assembly::AssemblyDetail;
use cosabi_core::committee::Permission;
use cosabi_core::format::display_date;
use cosabi_core::ValidationError;
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;

/// Closing the acta: the secretario's, final, after a confirmation.
#[component]
pub(super) fn CloseActa(
    id: Uuid,
    closed: Signal<bool>,
    minutes: RwSignal<String>,
    minutes_saved: RwSignal<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let confirming = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let banner = RwSignal::new(None::<String>);

    let confirm = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let text = minutes.get_untracked();
        let unsaved = text != minutes_saved.get_untracked();
        spawn_local(async move {
            // Unsaved minutes are saved first: what the secretario sees is what closes.
            if unsaved {
                if let Err(e) = api::assembly::save_minutes(id, &text).await {
                    banner.set(Some(failure_text(i18n, "asm", &e, &[])));
                    busy.set(false);
                    return;
                }
                minutes_saved.set(text.trim().to_owned());
                minutes.set(text.trim().to_owned());
            }
            match api::assembly::close_acta(id).await {
                Ok(_) => {
                    banner.set(None);
                    confirming.set(false);
                }
                Err(e) => banner.set(Some(failure_text(i18n, "asm", &e, &[]))),
            }
            busy.set(false);
            session.bump();
        });
    };

    view! {
        <Show when=move || !closed.get()>
            <div class="card rec-close" id="close-card">
                <h2>{move || i18n.t("asm.close_title")}</h2>
                <p>{move || i18n.t("asm.close_text")}</p>
                {move || banner.get().map(|b| view! { <p class="banner error" role="alert" id="close-error">{b}</p> })}
                <Show
                    when=move || confirming.get()
                    fallback=move || view! {
                        <button type="button" class="primary" id="close-acta"
                            disabled=move || !session.can(Permission::CloseActa)
                            on:click=move |_| confirming.set(true)>
                            {move || i18n.t("asm.close_button")}
                        </button>
                        <MayHint permission=Permission::CloseActa signed_out="asm.close_sign_in" denied="asm.close_only_secretario" id="close-may"/>
                    }
                >
                    <div class="rec-confirm" role="alertdialog" aria-labelledby="close-confirm-text">
                        <p id="close-confirm-text">{move || i18n.t("asm.close_confirm_text")}</p>
                        <div class="rec-actions">
                            <button type="button" class="primary danger" id="close-acta-confirm"
                                disabled=move || busy.get() on:click=confirm>
                                {move || i18n.t("asm.close_confirm")}
                            </button>
                            <button type="button" class="secondary" id="close-acta-cancel"
                                on:click=move |_| confirming.set(false)>
                                {move || i18n.t("common.cancel")}
                            </button>
                        </div>
                    </div>
                </Show>
            </div>
        </Show>
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
    let errors = RwSignal::new(Vec::<ValidationError>::new());
    let banner = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let draft = StoredValue::new(Draft::new(format!("amendment.{id}"), vec![("text", text)]));

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        notice.set(None);
        let t = text.get_untracked();
        spawn_local(async move {
            match api::assembly::add_amendment(id, &t).await {
                Ok(_) => {
                    errors.set(Vec::new());
                    banner.set(None);
                    notice.set(Some(i18n.t("asm.amendment_added")));
                    draft.with_value(Draft::clear);
                    session.bump();
                }
                Err(e) => show_failure(i18n, "asm", e, &["text"], errors, banner),
            }
            busy.set(false);
        });
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
                    {move || banner.get().map(|b| view! { <p class="banner error" role="alert" id="amendment-form-error">{b}</p> })}
                    {move || notice.get().map(|n| view! { <p class="banner ok" role="status" id="amendment-notice">{n}</p> })}
                    <label for="amendment-text">{move || i18n.t("asm.amendment_text")}</label>
                    <textarea id="amendment-text" rows="3"
                        placeholder=move || i18n.t("asm.amendment_hint")
                        class:invalid=move || has_problem(errors, "text")
                        prop:value=move || text.get()
                        on:input=move |ev| text.set(event_target_value(&ev))></textarea>
                    {field_problem(errors, "asm", "text", "amendment-text")}
                    <button type="submit" class="primary" id="amendment-save" disabled=move || busy.get()>
                        {move || if busy.get() { i18n.t("common.saving") } else { i18n.t("asm.amendment_save") }}
                    </button>
                </form>
            </Show>
            <MayHint permission=Permission::Assembly signed_out="asm.sign_in_hint" denied="asm.sign_in_hint" id="amendment-may"/>
        </div>
    }
}
