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
use crate::pages::assemblies::{failure_text, member_name, one_line, t_or, FormState, MayHint};
use cosabi_core::actions::{Action, ActionStatus, Category, NewAction};
use cosabi_core::committee::{Member, Permission};
use cosabi_core::format::display_date;
use cosabi_core::schema::ACTION;
use cosabi_core::Centavos;
use leptos::prelude::*;
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
    // The actions, the agreements that may approve one and the committee, read
    // again whenever the replica changes.
    let data = LocalResource::new(move || {
        session.track();
        async move {
            let list = api::actions::list_actions().await.map(|mut list| {
                // Newest first: what was proposed last is what people look for.
                list.reverse();
                list
            });
            let choices = api::actions::agreement_choices().await.unwrap_or_default();
            let members = api::list_members().await.unwrap_or_default();
            (list, choices, members)
        }
    });
    let actions = Signal::derive(move || {
        data.get()
            .and_then(|(list, _, _)| list.ok())
            .unwrap_or_default()
    });
    let loaded = move || data.get().is_some_and(|(list, _, _)| list.is_ok());
    let load_error = move || {
        data.get()
            .and_then(|(list, _, _)| list.err())
            .map(|e| failure_text(i18n, "act", &e, &[]))
    };
    let choices = Signal::derive(move || data.get().map(|(_, c, _)| c).unwrap_or_default());
    let members = Signal::derive(move || data.get().map(|(_, _, m)| m).unwrap_or_default());
    let form_open = RwSignal::new(false);
    let open_item = RwSignal::new(None::<Uuid>);
    let status_filter = RwSignal::new(String::new());
    let category_filter = RwSignal::new(String::new());

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
            {move || load_error().map(|e| view! { <p class="banner error" role="alert" id="action-load-error">{e}</p> })}

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
                                {move || if !loaded() {
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
    choices: Signal<Vec<AgreementChoice>>,
    members: Signal<Vec<Member>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let id = action.id;
    let status = ActionStatus::from_code(&action.status);
    let status_code = action.status.clone();
    let category = action.category.clone();
    let is_open = move || open_item.get() == Some(id);
    let editing = RwSignal::new(false);
    let form = FormState::new("act");
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

    // Moving the action on: to its next status, or `None` to verify it. One at a time.
    let step = form.save(
        move |to: &Option<ActionStatus>| {
            let to = *to;
            async move {
                match to {
                    Some(n) => api::actions::set_action_status(id, n.code())
                        .await
                        .map(|_| ()),
                    None => api::actions::verify_action(id).await.map(|_| ()),
                }
            }
        },
        move |()| session.bump(),
    );
    let busy = step.pending();
    let advance = move |_| {
        if let Some(n) = next {
            step.run(Some(n));
        }
    };
    let verify = move |_| {
        step.run(None);
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
                    {form.banner_view("action-error")}
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
    choices: Signal<Vec<AgreementChoice>>,
    on_saved: Callback<Uuid>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let description = RwSignal::new(String::new());
    let cost = RwSignal::new(String::new());
    let category_select = NodeRef::<leptos::html::Select>::new();
    let agreement_select = NodeRef::<leptos::html::Select>::new();
    let form = FormState::new("act");

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
    let save = form.save(
        move |input: &NewAction| {
            let input = input.clone();
            async move {
                match editing_id {
                    Some(id) => api::actions::update_action(id, &input).await.map(|_| id),
                    None => api::actions::create_action(&input).await.map(|a| a.id),
                }
            }
        },
        move |id| {
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
        },
    );
    let busy = save.pending();

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
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
        save.run(input);
    };
    let is_edit = editing_id.is_some();

    view! {
        <form class="card rec-form" id="action-form" on:submit=submit novalidate=true>
            <h2>{move || if is_edit { i18n.t("act.edit_title") } else { i18n.t("act.form_title") }}</h2>
            {form.banner_view("action-form-error")}

            <label for="act-category">{move || i18n.t("act.category")}</label>
            <select id="act-category" name="category" node_ref=category_select
                class:invalid=form.invalid("category")>
                <option value="">{move || i18n.t("act.category_choose")}</option>
                {Category::ALL.iter().map(|c| {
                    let code = c.code();
                    view! {
                        <option value=code selected=initial_category == code>{move || category_label(i18n, code)}</option>
                    }
                }).collect_view()}
            </select>
            {form.problem("category", "act-category")}

            <label for="act-description">{move || i18n.t("act.description")}</label>
            <textarea id="act-description" name="description" rows="3"
                placeholder=move || i18n.t("act.description_hint")
                class:invalid=form.invalid("description")
                prop:value=move || description.get()
                on:input=move |ev| description.set(event_target_value(&ev))></textarea>
            {form.problem("description", "act-description")}

            <label for="act-cost">{move || i18n.t("act.cost")}</label>
            <input id="act-cost" name="cost" inputmode="decimal" autocomplete="off"
                placeholder="$0.00"
                class:invalid=form.invalid("estimated_cost")
                bind:value=cost/>
            <p class="hint">{move || i18n.t("act.cost_hint")}</p>
            {form.problem("estimated_cost", "act-cost")}

            <label for="act-agreement">{move || i18n.t("act.agreement")}</label>
            <select id="act-agreement" name="agreement" node_ref=agreement_select
                class:invalid=form.invalid("agreement_id")>
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
            {form.problem("agreement_id", "act-agreement")}

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
