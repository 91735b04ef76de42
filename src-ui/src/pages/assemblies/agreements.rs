//! The agreements: the list with follow-up, carry-over of open ones, and the form.

use super::*;
use crate::api;
use crate::components::confirm::ConfirmDialog;
use crate::components::date_picker::DatePicker;
use crate::components::draft::Draft;
use crate::components::form::{failure_text, FormState};
use crate::components::history::HistoryButton;
use crate::components::session::use_session;
use crate::i18n::use_i18n;
use cosabi_core::assembly::{Agreement, AgreementStatus, NewAgreement};
use cosabi_core::committee::Member;
use cosabi_core::format::display_date;
use cosabi_core::ids::MemberId;
use cosabi_core::schema::AGREEMENT;
use leptos::prelude::*;
use uuid::Uuid;

/// The agreements: list with follow-up, carry-over of open ones, and the form.
#[component]
pub(super) fn Agreements(
    id: Uuid,
    agreements: RwSignal<Vec<Agreement>>,
    candidates: RwSignal<Vec<Agreement>>,
    members: Signal<Vec<Member>>,
    can_edit: Signal<bool>,
    can_follow: Signal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    // Carrying over and following up agreements say what failed in one banner.
    let form = FormState::new("asm");
    let notice = RwSignal::new(None::<String>);
    let carry = Action::new_local(move |_: &()| async move {
        match api::assembly::carry_over_agreements(id).await {
            Ok(copies) => {
                form.clear();
                notice.set(Some(i18n.plural("asm.carried", copies.len())));
                session.bump();
            }
            Err(e) => form.failed(e),
        }
    });
    // Removing asks first; the dialog names the agreement.
    let removing = RwSignal::new(None::<Agreement>);
    let asking = RwSignal::new(false);
    Effect::new(move |_| {
        let want = removing.get().is_some();
        if asking.get_untracked() != want {
            asking.set(want);
        }
    });
    Effect::new(move |_| {
        if !asking.get() && removing.get_untracked().is_some() {
            removing.set(None);
        }
    });
    let remove = Action::new_local(move |agreement: &Uuid| {
        let agreement = *agreement;
        async move {
            let done = api::assembly::delete_agreement(agreement).await;
            if done.is_ok() {
                removing.set(None);
                notice.set(Some(i18n.t("asm.agr_removed")));
                session.bump();
            }
            done.map(|_| ())
        }
    });
    let remove_error = Signal::derive(move || {
        remove
            .value()
            .get()
            .and_then(|r| r.err())
            .map(|e| failure_text(i18n, "asm", &e, &[]))
    });

    view! {
        <div class="card" id="agreements-card">
            <h2>{move || i18n.t("asm.agreements_title")}</h2>
            {form.banner_view("agreements-error")}
            {move || notice.get().map(|n| view! { <p class="banner ok" role="status" id="agreements-notice">{n}</p> })}
            <Show when=move || can_edit.get() && !candidates.get().is_empty()>
                <div class="rec-carry" id="carry-box">
                    <p>{move || i18n.plural("asm.carry_text", candidates.get().len())}</p>
                    <ul class="rec-carry-list">
                        {move || candidates.get().into_iter().map(|g| view! { <li>{g.text}</li> }).collect_view()}
                    </ul>
                    <button type="button" class="primary" id="carry-over" disabled=move || carry.pending().get()
                        on:click=move |_| { carry.dispatch(()); }>
                        {move || i18n.t("asm.carry_button")}
                    </button>
                </div>
            </Show>
            <Show
                when=move || !agreements.get().is_empty()
                fallback=move || view! { <p class="muted" id="agreements-empty">{move || i18n.t("asm.agreements_empty")}</p> }
            >
                <ul class="rec-list" id="agreements">
                    <For
                        each=move || agreements.get()
                        key=|g| (g.id, g.status.clone())
                        children=move |g: Agreement| view! {
                            <AgreementRow agreement=g members=members can_edit=can_edit can_follow=can_follow form=form removing=removing/>
                        }
                    />
                </ul>
            </Show>
            <Show when=move || can_edit.get()>
                <AgreementForm id=id members=members/>
            </Show>
        </div>
        <ConfirmDialog open=asking id="agr-delete-dialog"
            title=Signal::derive(move || i18n.t("asm.agr_delete_title"))
            text=Signal::derive(move || removing.get().map(|g| i18n.t_with("asm.agr_delete_text", &[("text", one_line(&g.text, 120))])).unwrap_or_default())
            confirm_label=Signal::derive(move || i18n.t("asm.agr_delete_confirm"))
            cancel_label=Signal::derive(move || i18n.t("asm.agr_delete_cancel"))
            on_confirm=Callback::new(move |_| {
                if let Some(g) = removing.get_untracked() {
                    remove.dispatch(g.id);
                }
            })
            busy=remove.pending()
            error=remove_error/>
    }
}

#[component]
pub(super) fn AgreementRow(
    agreement: Agreement,
    members: Signal<Vec<Member>>,
    can_edit: Signal<bool>,
    can_follow: Signal<bool>,
    /// Where a failed follow-up is said.
    form: FormState,
    /// Set to this agreement to ask whether to remove it.
    removing: RwSignal<Option<Agreement>>,
) -> impl IntoView {
    let asked = agreement.clone();
    let i18n = use_i18n();
    let session = use_session();
    let id = agreement.id;
    let status = agreement.status.clone();
    let responsible = agreement.responsible_id;
    let due = agreement.due_date.clone();
    let carried = agreement.carried_from_id.is_some();
    let open = AgreementStatus::from_code(&status).is_some_and(AgreementStatus::is_open);

    let follow = Action::new_local(move |value: &String| {
        let value = value.clone();
        async move {
            match api::assembly::set_agreement_status(id, &value).await {
                Ok(_) => form.clear(),
                Err(e) => form.failed(e),
            }
            session.bump();
        }
    });
    let set_status = move |ev| {
        follow.dispatch(event_target_value(&ev));
    };
    let status_now = status.clone();

    view! {
        <li class="agreement-item" class:done=!open id=format!("agreement-{id}")>
            <p class="rec-text agr-text">{agreement.text.clone()}</p>
            <p class="rec-sub">
                {move || responsible.map(|r| i18n.t_with("asm.agr_by", &[("name", member_name(&members.get(), r))]))
                    .unwrap_or_else(|| i18n.t("asm.agr_nobody"))}
                {move || due.clone().map(|d| format!(" · {}", i18n.t_with("asm.agr_due_on", &[("date", display_date(&d))])))}
            </p>
            <Show when=move || carried>
                <p class="badge carried">{move || i18n.t("asm.agr_carried")}</p>
            </Show>
            <div class="agr-follow">
                <label for=format!("agr-status-{id}")>{move || i18n.t("asm.agr_status")}</label>
                <select id=format!("agr-status-{id}") class="agr-status"
                    disabled=move || !can_follow.get()
                    on:change=set_status>
                    {AgreementStatus::ALL.iter().map(|s| {
                        let code = s.code();
                        view! {
                            <option value=code selected=status_now == code>
                                {move || i18n.t(&format!("asm.agr_status.{code}"))}
                            </option>
                        }
                    }).collect_view()}
                </select>
            </div>
            <div class="agr-actions">
                <HistoryButton table=AGREEMENT.id row=id/>
                <Show when=move || can_edit.get()>
                    <button type="button" class="secondary agr-delete" id=format!("agr-delete-{id}")
                        aria-haspopup="dialog"
                        on:click={
                            let asked = asked.clone();
                            move |_| removing.set(Some(asked.clone()))
                        }>
                        {move || i18n.t("asm.agr_delete")}
                    </button>
                </Show>
            </div>
        </li>
    }
}

#[component]
pub(super) fn AgreementForm(id: Uuid, members: Signal<Vec<Member>>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let text = RwSignal::new(String::new());
    let due = RwSignal::new(String::new());
    let responsible_select = NodeRef::<leptos::html::Select>::new();
    let form = FormState::new("asm");
    let notice = RwSignal::new(None::<String>);
    let draft = Draft::new(
        format!("agreement.{id}"),
        vec![("text", text), ("due", due)],
    );
    let save = form.save(
        move |input: &NewAgreement| {
            let input = input.clone();
            async move { api::assembly::add_agreement(id, &input).await }
        },
        move |_| {
            notice.set(Some(i18n.t("asm.agr_added")));
            draft.clear();
            if let Some(s) = responsible_select.get_untracked() {
                s.set_value("");
            }
            session.bump();
        },
    );
    let busy = save.pending();

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let responsible_id = responsible_select
            .get_untracked()
            .map(|s| s.value())
            .and_then(|v| Uuid::parse_str(&v).ok())
            .map(MemberId);
        let input = NewAgreement {
            text: text.get_untracked(),
            responsible_id,
            due_date: due.get_untracked(),
        };
        if save.run(input) {
            notice.set(None);
        }
    };

    view! {
        <form class="rec-subform" id="agreement-form" on:submit=submit novalidate=true>
            <h3>{move || i18n.t("asm.agr_form_title")}</h3>
            {form.banner_view("agreement-form-error")}
            {move || notice.get().map(|n| view! { <p class="banner ok" role="status" id="agreement-notice">{n}</p> })}
            <label for="agr-text">{move || i18n.t("asm.agr_text")}</label>
            <textarea id="agr-text" rows="3"
                class:invalid=form.invalid("text")
                prop:value=move || text.get()
                on:input=move |ev| text.set(event_target_value(&ev))></textarea>
            {form.problem("text", "agr-text")}
            <div class="row">
                <div>
                    <label for="agr-responsible">{move || i18n.t("asm.agr_responsible")}</label>
                    <select id="agr-responsible" node_ref=responsible_select
                        class:invalid=form.invalid("responsible_id")>
                        <option value="">{move || i18n.t("asm.agr_responsible_none")}</option>
                        {move || members.get().into_iter().map(|m| {
                            let role = m.role.clone();
                            view! {
                                <option value=m.id.to_string()>
                                    {format!("{} · {}", m.name, t_or(i18n, &format!("role.{role}"), &role))}
                                </option>
                            }
                        }).collect_view()}
                    </select>
                    {form.problem("responsible_id", "agr-responsible")}
                </div>
                <div>
                    <label for="agr-due">{move || i18n.t("asm.agr_due")}</label>
                    <input id="agr-due" inputmode="numeric" autocomplete="off"
                        placeholder=move || i18n.t("field.date_placeholder")
                        class:invalid=form.invalid("due_date")
                        bind:value=due/>
                    <DatePicker value=due for_id="agr-due"/>
                    {form.problem("due_date", "agr-due")}
                </div>
            </div>
            <button type="submit" class="primary" id="agr-save" disabled=move || busy.get()>
                {move || if busy.get() { i18n.t("common.saving") } else { i18n.t("asm.agr_save") }}
            </button>
        </form>
    }
}
