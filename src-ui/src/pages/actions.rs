//! The actions screen: planned improvements (acciones de mejora) with their category,
//! estimated cost and approving agreement, the status flow up to verification by a
//! vocal or the contraloría social, and before/after photos.

use crate::api;
use crate::api::actions::AgreementChoice;
use crate::components::draft::Draft;
use crate::components::history::HistoryButton;
use crate::components::photos::PhotoStrip;
use crate::components::session::use_session;
use crate::i18n::{use_i18n, I18n};
use crate::pages::assemblies::{
    failure_text, field_problem, has_problem, member_name, one_line, show_failure, t_or, MayHint,
};
use cosabi_core::actions::{Action, ActionStatus, Category, NewAction};
use cosabi_core::committee::{Member, Permission};
use cosabi_core::format::display_date;
use cosabi_core::schema::ACTION;
use cosabi_core::{Centavos, ValidationError};
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;

fn status_label(i18n: I18n, code: &str) -> String {
    t_or(i18n, &format!("act.status.{code}"), code)
}

fn category_label(i18n: I18n, code: &str) -> String {
    t_or(i18n, &format!("act.category.{code}"), code)
}

/// What the list's rows are keyed by: a row is redrawn when any of it changes.
type ActionKey = (
    Uuid,
    String,
    String,
    String,
    i64,
    Option<Uuid>,
    Option<String>,
);

fn action_key(a: &Action) -> ActionKey {
    (
        a.id,
        a.status.clone(),
        a.category.clone(),
        a.description.clone(),
        a.estimated_cost.get(),
        a.agreement_id,
        a.verified_on.clone(),
    )
}

#[component]
pub fn ActionsPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let actions = RwSignal::new(Vec::<Action>::new());
    let loaded = RwSignal::new(false);
    let choices = RwSignal::new(Vec::<AgreementChoice>::new());
    let members = RwSignal::new(Vec::<Member>::new());
    let load_error = RwSignal::new(None::<String>);
    let form_open = RwSignal::new(false);
    let open_item = RwSignal::new(None::<Uuid>);
    let status_filter = RwSignal::new(String::new());
    let category_filter = RwSignal::new(String::new());

    Effect::new(move |_| {
        session.track();
        spawn_local(async move {
            match api::actions::list_actions().await {
                Ok(mut list) => {
                    // Newest first: what was proposed last is what people look for.
                    list.reverse();
                    actions.set(list);
                    loaded.set(true);
                    load_error.set(None);
                }
                Err(e) => load_error.set(Some(failure_text(i18n, "act", &e, &[]))),
            }
            if let Ok(c) = api::actions::agreement_choices().await {
                choices.set(c);
            }
            if let Ok(m) = api::list_members().await {
                members.set(m);
            }
        });
    });

    let shown = move || {
        let s = status_filter.get();
        let c = category_filter.get();
        actions
            .get()
            .into_iter()
            .filter(|a| s.is_empty() || a.status == s)
            .filter(|a| c.is_empty() || a.category == c)
            .collect::<Vec<_>>()
    };
    let total = move || {
        shown()
            .iter()
            .try_fold(Centavos::ZERO, |t, a| t.checked_add(a.estimated_cost))
            .map(|t| t.to_string())
            .unwrap_or_default()
    };

    let on_saved = Callback::new(move |id: Uuid| {
        form_open.set(false);
        open_item.set(Some(id));
        session.bump();
    });
    let on_cancel = Callback::new(move |_: ()| form_open.set(false));

    view! {
        <section class="page records" id="page-actions">
            <div class="rec-head">
                <crate::nav::PageTitle screen=crate::nav::Screen::Actions/>
                <button type="button" class="primary rec-new" id="new-action"
                    disabled=move || !session.can(Permission::Action)
                    aria-expanded=move || form_open.get().to_string()
                    on:click=move |_| form_open.update(|o| *o = !*o)>
                    {move || i18n.t("act.new")}
                </button>
            </div>
            <p class="lead">{move || i18n.t("act.lead")}</p>
            <MayHint permission=Permission::Action signed_out="act.sign_in_hint" denied="act.sign_in_hint" id="act-may"/>
            {move || load_error.get().map(|e| view! { <p class="banner error" role="alert" id="action-load-error">{e}</p> })}

            <div class="rec-cols">
                <Show when=move || form_open.get()>
                    <ActionForm editing=None choices=choices on_saved=on_saved on_cancel=on_cancel/>
                </Show>
                <div class="card">
                    <div class="rec-filters">
                        <div>
                            <label for="act-filter-status">{move || i18n.t("act.filter_status")}</label>
                            <select id="act-filter-status" on:change=move |ev| status_filter.set(event_target_value(&ev))>
                                <option value="">{move || i18n.t("act.filter_all")}</option>
                                {ActionStatus::ALL.iter().map(|s| {
                                    let code = s.code();
                                    view! { <option value=code>{move || status_label(i18n, code)}</option> }
                                }).collect_view()}
                            </select>
                        </div>
                        <div>
                            <label for="act-filter-category">{move || i18n.t("act.filter_category")}</label>
                            <select id="act-filter-category" on:change=move |ev| category_filter.set(event_target_value(&ev))>
                                <option value="">{move || i18n.t("act.filter_all")}</option>
                                {Category::ALL.iter().map(|c| {
                                    let code = c.code();
                                    view! { <option value=code>{move || category_label(i18n, code)}</option> }
                                }).collect_view()}
                            </select>
                        </div>
                    </div>
                    <Show when=move || !shown().is_empty()>
                        <p class="rec-total" id="action-total">
                            {move || i18n.t_with("act.total", &[("actions", i18n.plural("act.n_actions", shown().len())), ("total", total())])}
                        </p>
                    </Show>
                    <Show
                        when=move || !shown().is_empty()
                        fallback=move || view! {
                            <p class="muted" id="action-empty">
                                {move || if !loaded.get() {
                                    i18n.t("common.loading")
                                } else if actions.get().is_empty() {
                                    i18n.t("act.empty")
                                } else {
                                    i18n.t("act.empty_filter")
                                }}
                            </p>
                        }
                    >
                        <ul class="rec-list" id="action-list">
                            <For
                                each=shown
                                key=action_key
                                children=move |a: Action| view! {
                                    <ActionRow action=a open_item=open_item choices=choices members=members/>
                                }
                            />
                        </ul>
                    </Show>
                </div>
            </div>
        </section>
    }
}

/// One action: a summary row that opens to show its progress, photos and history.
#[component]
fn ActionRow(
    action: Action,
    open_item: RwSignal<Option<Uuid>>,
    choices: RwSignal<Vec<AgreementChoice>>,
    members: RwSignal<Vec<Member>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let id = action.id;
    let status = ActionStatus::from_code(&action.status);
    let status_code = action.status.clone();
    let category = action.category.clone();
    let is_open = move || open_item.get() == Some(id);
    let editing = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let banner = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);
    let verified = status == Some(ActionStatus::Verificada);
    let next = status
        .and_then(ActionStatus::next)
        .filter(|n| *n != ActionStatus::Verificada);
    let can_verify_now = status == Some(ActionStatus::Terminada);
    let agreement_id = action.agreement_id;
    let verified_by = action.verified_by;
    let verified_on = action.verified_on.clone();
    let current = action.clone();

    let advance = move |_| {
        let Some(n) = next else {
            return;
        };
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        spawn_local(async move {
            match api::actions::set_action_status(id, n.code()).await {
                Ok(_) => {
                    banner.set(None);
                    session.bump();
                }
                Err(e) => banner.set(Some(failure_text(i18n, "act", &e, &[]))),
            }
            busy.set(false);
        });
    };
    let verify = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        spawn_local(async move {
            match api::actions::verify_action(id).await {
                Ok(_) => {
                    banner.set(None);
                    session.bump();
                }
                Err(e) => banner.set(Some(failure_text(i18n, "act", &e, &[]))),
            }
            busy.set(false);
        });
    };
    let can_action = Signal::derive(move || session.can(Permission::Action));

    let agreement_text = move || {
        agreement_id.map(|g| {
            choices
                .get()
                .into_iter()
                .find(|c| c.agreement.id == g)
                .map(|c| {
                    i18n.t_with(
                        "act.approved_by",
                        &[
                            ("text", c.agreement.text.clone()),
                            ("date", display_date(&c.assembly_date)),
                        ],
                    )
                })
                .unwrap_or_else(|| i18n.t("act.approved_unknown"))
        })
    };

    view! {
        <li class="action-item" class:open=is_open id=format!("action-{id}")>
            <button type="button" class="action-head rec-item" aria-expanded=move || is_open().to_string()
                on:click=move |_| open_item.update(|o| *o = if *o == Some(id) { None } else { Some(id) })>
                <span class="rec-item-main">
                    <span class="rec-sub act-category">{let c = category.clone(); move || category_label(i18n, &c)}</span>
                    <span class="rec-text act-description">{action.description.clone()}</span>
                    <span class="money act-cost">{action.estimated_cost.to_string()}</span>
                </span>
                <span class="badge act-status" class:closed=verified data-status=status_code.clone()>
                    {let s = status_code.clone(); move || status_label(i18n, &s)}
                </span>
            </button>
            <Show when=is_open>
                <div class="action-body">
                    <ol class="act-steps" aria-label=move || i18n.t("act.steps")>
                        {ActionStatus::ALL.iter().map(|s| {
                            let code = s.code();
                            let reached = status.is_some_and(|st| *s <= st);
                            let here = status == Some(*s);
                            view! {
                                <li class:reached=reached class:here=here>{move || status_label(i18n, code)}</li>
                            }
                        }).collect_view()}
                    </ol>
                    <p class="rec-sub act-agreement">
                        {move || agreement_text().unwrap_or_else(|| i18n.t("act.no_agreement"))}
                    </p>
                    {move || banner.get().map(|b| view! { <p class="banner error" role="alert" id="action-error">{b}</p> })}
                    {move || notice.get().map(|n| view! { <p class="banner ok" role="status" id="action-notice">{n}</p> })}

                    {next.map(|n| view! {
                        <button type="button" class="primary" id="act-advance"
                            disabled=move || busy.get() || !session.can(Permission::Action)
                            on:click=advance>
                            {move || i18n.t_with("act.advance", &[("status", status_label(i18n, n.code()))])}
                        </button>
                        <MayHint permission=Permission::Action signed_out="act.sign_in_hint" denied="act.sign_in_hint" id="act-advance-may"/>
                    })}
                    <Show when=move || can_verify_now>
                        <p class="hint">{move || i18n.t("act.verify_hint")}</p>
                        <button type="button" class="primary" id="act-verify"
                            disabled=move || busy.get() || !session.can(Permission::VerifyAction)
                            on:click=verify>
                            {move || i18n.t("act.verify")}
                        </button>
                        <MayHint permission=Permission::VerifyAction signed_out="act.verify_sign_in" denied="act.verify_denied" id="act-verify-may"/>
                    </Show>
                    {verified.then(|| {
                        let on = verified_on.clone().map(|d| display_date(&d)).unwrap_or_default();
                        view! {
                            <p class="banner ok act-verified" id="act-verified">
                                {move || match verified_by {
                                    Some(m) => i18n.t_with("act.verified_by", &[("name", member_name(&members.get(), m)), ("date", on.clone())]),
                                    None => i18n.t_with("act.verified_on", &[("date", on.clone())]),
                                }}
                            </p>
                        }
                    })}

                    <div class="act-photos">
                        <div>
                            <h3>{move || i18n.t("act.photos_before")}</h3>
                            <PhotoStrip owner_table=ACTION.id owner=id kind="before" can_add=can_action/>
                        </div>
                        <div>
                            <h3>{move || i18n.t("act.photos_after")}</h3>
                            <PhotoStrip owner_table=ACTION.id owner=id kind="after" can_add=can_action/>
                        </div>
                    </div>

                    {(!verified).then(|| {
                        let current = current.clone();
                        view! {
                            <Show
                                when=move || editing.get()
                                fallback=move || view! {
                                    <button type="button" class="secondary" id="act-edit"
                                        disabled=move || !session.can(Permission::Action)
                                        on:click=move |_| editing.set(true)>
                                        {move || i18n.t("act.edit")}
                                    </button>
                                }
                            >
                                <ActionForm
                                    editing=Some(current.clone())
                                    choices=choices
                                    on_saved=Callback::new(move |_| {
                                        editing.set(false);
                                        notice.set(Some(i18n.t("act.updated")));
                                        session.bump();
                                    })
                                    on_cancel=Callback::new(move |_| editing.set(false))/>
                            </Show>
                        }
                    })}
                    {verified.then(|| view! { <p class="hint" id="act-locked">{move || i18n.t("act.locked")}</p> })}
                    <HistoryButton table=ACTION.id row=id/>
                </div>
            </Show>
        </li>
    }
}

/// Proposes an action, or corrects one not yet verified (`editing`).
#[component]
fn ActionForm(
    editing: Option<Action>,
    choices: RwSignal<Vec<AgreementChoice>>,
    on_saved: Callback<Uuid>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let description = RwSignal::new(String::new());
    let cost = RwSignal::new(String::new());
    let category_select = NodeRef::<leptos::html::Select>::new();
    let agreement_select = NodeRef::<leptos::html::Select>::new();
    let errors = RwSignal::new(Vec::<ValidationError>::new());
    let banner = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    let editing_id = editing.as_ref().map(|a| a.id);
    let initial_category = editing
        .as_ref()
        .map(|a| a.category.clone())
        .unwrap_or_default();
    let initial_agreement = editing.as_ref().and_then(|a| a.agreement_id);
    let draft = StoredValue::new(match &editing {
        Some(a) => {
            description.set(a.description.clone());
            cost.set(a.estimated_cost.to_string());
            None
        }
        None => Some(Draft::new(
            "action",
            vec![("description", description), ("cost", cost)],
        )),
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let input = NewAction {
            category: category_select
                .get_untracked()
                .map(|s| s.value())
                .unwrap_or_default(),
            description: description.get_untracked(),
            estimated_cost: cost.get_untracked(),
            agreement_id: agreement_select
                .get_untracked()
                .map(|s| s.value())
                .and_then(|v| Uuid::parse_str(&v).ok()),
        };
        busy.set(true);
        spawn_local(async move {
            let result = match editing_id {
                Some(id) => api::actions::update_action(id, &input).await.map(|_| id),
                None => api::actions::create_action(&input).await.map(|a| a.id),
            };
            busy.set(false);
            match result {
                Ok(id) => {
                    errors.set(Vec::new());
                    banner.set(None);
                    draft.with_value(|d| {
                        if let Some(d) = d {
                            d.clear();
                        }
                    });
                    if editing_id.is_none() {
                        for s in [category_select, agreement_select] {
                            if let Some(s) = s.get_untracked() {
                                s.set_value("");
                            }
                        }
                    }
                    on_saved.run(id);
                }
                Err(e) => show_failure(
                    i18n,
                    "act",
                    e,
                    &["category", "description", "estimated_cost", "agreement_id"],
                    errors,
                    banner,
                ),
            }
        });
    };
    let is_edit = editing_id.is_some();

    view! {
        <form class="card rec-form" id="action-form" on:submit=submit novalidate=true>
            <h2>{move || if is_edit { i18n.t("act.edit_title") } else { i18n.t("act.form_title") }}</h2>
            {move || banner.get().map(|b| view! { <p class="banner error" id="action-form-error" role="alert">{b}</p> })}

            <label for="act-category">{move || i18n.t("act.category")}</label>
            <select id="act-category" name="category" node_ref=category_select
                class:invalid=move || has_problem(errors, "category")>
                <option value="">{move || i18n.t("act.category_choose")}</option>
                {Category::ALL.iter().map(|c| {
                    let code = c.code();
                    view! {
                        <option value=code selected=initial_category == code>{move || category_label(i18n, code)}</option>
                    }
                }).collect_view()}
            </select>
            {field_problem(errors, "act", "category", "act-category")}

            <label for="act-description">{move || i18n.t("act.description")}</label>
            <textarea id="act-description" name="description" rows="3"
                placeholder=move || i18n.t("act.description_hint")
                class:invalid=move || has_problem(errors, "description")
                prop:value=move || description.get()
                on:input=move |ev| description.set(event_target_value(&ev))></textarea>
            {field_problem(errors, "act", "description", "act-description")}

            <label for="act-cost">{move || i18n.t("act.cost")}</label>
            <input id="act-cost" name="cost" inputmode="decimal" autocomplete="off"
                placeholder="$0.00"
                class:invalid=move || has_problem(errors, "estimated_cost")
                bind:value=cost/>
            <p class="hint">{move || i18n.t("act.cost_hint")}</p>
            {field_problem(errors, "act", "estimated_cost", "act-cost")}

            <label for="act-agreement">{move || i18n.t("act.agreement")}</label>
            <select id="act-agreement" name="agreement" node_ref=agreement_select
                class:invalid=move || has_problem(errors, "agreement_id")>
                <option value="">{move || i18n.t("act.agreement_none")}</option>
                {move || choices.get().into_iter().map(|c| {
                    let g = c.agreement.id;
                    view! {
                        <option value=g.to_string() selected=initial_agreement == Some(g)>
                            {format!("{} · {}", display_date(&c.assembly_date), one_line(&c.agreement.text, 70))}
                        </option>
                    }
                }).collect_view()}
            </select>
            <p class="hint">{move || i18n.t("act.agreement_hint")}</p>
            {field_problem(errors, "act", "agreement_id", "act-agreement")}

            <div class="rec-actions">
                <button type="submit" class="primary" id="act-save" disabled=move || busy.get()>
                    {move || if busy.get() {
                        i18n.t("common.saving")
                    } else if is_edit {
                        i18n.t("act.save_changes")
                    } else {
                        i18n.t("act.save")
                    }}
                </button>
                <button type="button" class="secondary" id="act-cancel" on:click=move |_| on_cancel.run(())>
                    {move || i18n.t("common.cancel")}
                </button>
            </div>
        </form>
    }
}
