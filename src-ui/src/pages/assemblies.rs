//! The assemblies screen: the list of assemblies, the form to call one, and each
//! assembly's acta — attendance and quorum, agenda, agreements, minutes, closing
//! (final), amendments after closing, and the photo of the signed printout.
//!
//! Also holds the small helpers the actions screen shares (error texts with a
//! screen-specific override, the "who may do this" hint).

use crate::api;
use crate::api::ApiError;
use crate::components::draft::Draft;
use crate::components::history::HistoryButton;
use crate::components::photos::PhotoStrip;
use crate::components::session::use_session;
use crate::i18n::{interpolate, use_i18n, I18n};
use cosabi_core::assembly::{
    Agreement, AgreementStatus, Assembly, AssemblyDetail, AssemblyKind, AttendanceEntry,
    NewAgreement, NewAssembly,
};
use cosabi_core::committee::{Member, Permission};
use cosabi_core::format::display_date;
use cosabi_core::ids::MemberId;
use cosabi_core::schema::{AGREEMENT, ASSEMBLY};
use cosabi_core::ValidationError;
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;

// ---- Helpers shared with the actions screen -------------------------------------

/// A validation problem as a sentence. A screen may word a shared code its own way
/// with `<prefix>.error.<code>`; otherwise the common `error.<code>` is used.
pub(crate) fn problem_text(i18n: I18n, prefix: &str, e: &ValidationError) -> String {
    let key = format!("{prefix}.error.{}", e.code);
    let own = i18n.t(&key);
    if own == key {
        return i18n.error_text(e);
    }
    let args: Vec<(&str, String)> = e
        .detail
        .iter()
        .map(|(k, v)| {
            let v = if k == "role" {
                i18n.t(&format!("role.{v}"))
            } else {
                v.clone()
            };
            (k.as_str(), v)
        })
        .collect();
    interpolate(&own, &args)
}

/// The banner for a failed command: field problems of fields the form shows stay
/// under their fields; any other problem (the acta is closed, the record is gone) is
/// said in the banner itself.
pub(crate) fn failure_text(i18n: I18n, prefix: &str, e: &ApiError, shown: &[&str]) -> String {
    let elsewhere: Vec<String> = e
        .errors
        .iter()
        .filter(|v| !shown.contains(&v.field.as_str()))
        .map(|v| problem_text(i18n, prefix, v))
        .collect();
    if elsewhere.is_empty() {
        let key = format!("{prefix}.error.{}", e.code);
        let own = i18n.t(&key);
        if own != key {
            return own;
        }
        i18n.t_with(&format!("error.{}", e.code), &[("code", e.code.clone())])
    } else {
        elsewhere.join(" ")
    }
}

/// Splits a failed command into problems under fields and a banner.
pub(crate) fn show_failure(
    i18n: I18n,
    prefix: &'static str,
    e: ApiError,
    shown: &[&str],
    errors: RwSignal<Vec<ValidationError>>,
    banner: RwSignal<Option<String>>,
) {
    banner.set(Some(failure_text(i18n, prefix, &e, shown)));
    errors.set(e.errors);
}

/// The problem with one field, under it; its element id is `<input_id>-error`.
pub(crate) fn field_problem(
    errors: RwSignal<Vec<ValidationError>>,
    prefix: &'static str,
    field: &'static str,
    input_id: &'static str,
) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        errors
            .get()
            .into_iter()
            .filter(|e| e.field == field)
            .map(|e| {
                view! {
                    <p class="field-error" id=format!("{input_id}-error") role="alert">
                        {problem_text(i18n, prefix, &e)}
                    </p>
                }
            })
            .collect_view()
    }
}

/// Whether a field has a problem (for the red border).
pub(crate) fn has_problem(errors: RwSignal<Vec<ValidationError>>, field: &str) -> bool {
    errors.get().iter().any(|e| e.field == field)
}

/// An RFC 3339 time as dd/mm/aaaa hh:mm in the device's zone; as stored otherwise.
fn stamp(at: &str) -> String {
    let ms = js_sys::Date::parse(at);
    if ms.is_finite() && ms >= 0.0 {
        crate::components::history::display_time(ms as u64)
    } else {
        at.to_owned()
    }
}

/// The text for `key`, or `fallback` when no translation exists (codes from a newer
/// app version are shown as they are).
pub(crate) fn t_or(i18n: I18n, key: &str, fallback: &str) -> String {
    let t = i18n.t(key);
    if t == key {
        fallback.to_owned()
    } else {
        t
    }
}

/// Why a write is not offered here: nobody is signed in (with a button that opens the
/// "who is using" sheet), or the signed-in member's role may not do it (`denied`, a
/// translation key saying who may). Nothing when it is allowed.
#[component]
pub(crate) fn MayHint(
    /// What the write needs.
    permission: Permission,
    /// Shown when nobody is signed in.
    signed_out: &'static str,
    /// Shown when the signed-in member may not do it.
    denied: &'static str,
    /// Element id of the hint.
    id: &'static str,
) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    move || {
        if session.can(permission) {
            return ().into_any();
        }
        match session.member.get() {
            None => view! {
                <div class="rec-hint" id=id>
                    <p>{i18n.t(signed_out)}</p>
                    <button type="button" class="secondary rec-signin" id=format!("{id}-sign-in")
                        on:click=move |_| session.sheet_open.set(true)>
                        {i18n.t("asm.sign_in")}
                    </button>
                </div>
            }
            .into_any(),
            Some(m) => {
                let role = i18n.t(&format!("role.{}", m.role));
                view! { <p class="rec-hint" id=id>{i18n.t_with(denied, &[("role", role)])}</p> }
                    .into_any()
            }
        }
    }
}

/// A member's name by id, from a loaded list (the id itself when unknown here).
pub(crate) fn member_name(members: &[Member], id: MemberId) -> String {
    members
        .iter()
        .find(|m| m.id == id)
        .map(|m| m.name.clone())
        .unwrap_or_else(|| id.to_string())
}

/// A text with no line breaks and at most `max` characters, for a select option.
pub(crate) fn one_line(s: &str, max: usize) -> String {
    let flat = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        flat
    } else {
        let cut: String = flat.chars().take(max).collect();
        format!("{}…", cut.trim_end())
    }
}

fn load_members(members: RwSignal<Vec<Member>>) {
    spawn_local(async move {
        if let Ok(list) = api::list_members().await {
            members.set(list);
        }
    });
}

fn kind_label(i18n: I18n, code: &str) -> String {
    t_or(i18n, &format!("asm.kind.{code}"), code)
}

// ---- The screen -------------------------------------------------------------------

#[component]
pub fn AssembliesPage() -> impl IntoView {
    let selected = RwSignal::new(None::<Uuid>);
    Effect::new(move |_| {
        selected.track();
        window().scroll_to_with_x_and_y(0.0, 0.0);
    });
    view! {
        <section class="page records" id="page-assemblies">
            {move || match selected.get() {
                None => view! { <AssemblyList selected=selected/> }.into_any(),
                Some(id) => view! { <AssemblyView id=id selected=selected/> }.into_any(),
            }}
        </section>
    }
}

/// The list of assemblies, the button and form to register one, and the agreements
/// still open.
#[component]
fn AssemblyList(selected: RwSignal<Option<Uuid>>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let list = RwSignal::new(Vec::<Assembly>::new());
    let loaded = RwSignal::new(false);
    let open = RwSignal::new(Vec::<Agreement>::new());
    let members = RwSignal::new(Vec::<Member>::new());
    let load_error = RwSignal::new(None::<String>);
    let form_open = RwSignal::new(false);

    Effect::new(move |_| {
        session.track();
        spawn_local(async move {
            match api::assembly::list_assemblies().await {
                Ok(l) => {
                    list.set(l);
                    loaded.set(true);
                    load_error.set(None);
                }
                Err(e) => load_error.set(Some(failure_text(i18n, "asm", &e, &[]))),
            }
            if let Ok(o) = api::assembly::open_agreements().await {
                open.set(o);
            }
        });
        load_members(members);
    });

    let on_saved = Callback::new(move |id: Uuid| {
        form_open.set(false);
        session.bump();
        selected.set(Some(id));
    });
    let on_cancel = Callback::new(move |_: ()| form_open.set(false));
    let date_of = move |assembly: Uuid| {
        list.get()
            .iter()
            .find(|a| a.id == assembly)
            .map(|a| display_date(&a.date))
            .unwrap_or_default()
    };

    view! {
        <div class="rec-head">
            <crate::nav::PageTitle screen=crate::nav::Screen::Assemblies/>
            <button type="button" class="primary rec-new" id="new-assembly"
                disabled=move || !session.can(Permission::Assembly)
                aria-expanded=move || form_open.get().to_string()
                on:click=move |_| form_open.update(|o| *o = !*o)>
                {move || i18n.t("asm.new")}
            </button>
        </div>
        <p class="lead">{move || i18n.t("asm.lead")}</p>
        <MayHint permission=Permission::Assembly signed_out="asm.sign_in_hint" denied="asm.sign_in_hint" id="asm-may"/>
        {move || load_error.get().map(|e| view! { <p class="banner error" role="alert" id="assembly-load-error">{e}</p> })}

        <div class="rec-cols">
            <Show when=move || form_open.get()>
                <AssemblyForm editing=None on_saved=on_saved on_cancel=on_cancel/>
            </Show>
            <div class="card">
                <h2>{move || i18n.t("asm.list_title")}</h2>
                <Show
                    when=move || !list.get().is_empty()
                    fallback=move || view! {
                        <p class="muted" id="assembly-empty">
                            {move || if loaded.get() { i18n.t("asm.empty") } else { i18n.t("common.loading") }}
                        </p>
                    }
                >
                    <ul class="rec-list" id="assembly-list">
                        <For
                            each=move || list.get()
                            key=|a| (a.id, a.status.clone(), a.date.clone(), a.place.clone(), a.kind.clone())
                            children=move |a: Assembly| {
                                let id = a.id;
                                let closed = a.is_closed();
                                let kind = a.kind.clone();
                                view! {
                                    <li>
                                        <button type="button" class="assembly-item rec-item" id=format!("assembly-{id}")
                                            on:click=move |_| selected.set(Some(id))>
                                            <span class="rec-item-main">
                                                <span class="rec-date">{display_date(&a.date)}</span>
                                                <span class="rec-title">{move || kind_label(i18n, &kind)}</span>
                                                <span class="rec-sub">{a.place.clone()}</span>
                                            </span>
                                            <span class="badge" class:closed=closed>
                                                {move || if closed { i18n.t("asm.status.closed") } else { i18n.t("asm.status.draft") }}
                                            </span>
                                        </button>
                                    </li>
                                }
                            }
                        />
                    </ul>
                </Show>
            </div>
            <div class="card" id="open-agreements">
                <h2>{move || i18n.t("asm.open_title")}</h2>
                <Show
                    when=move || !open.get().is_empty()
                    fallback=move || view! { <p class="muted">{move || i18n.t("asm.open_empty")}</p> }
                >
                    <ul class="rec-list plain">
                        {move || open.get().into_iter().map(|g| {
                            let assembly = g.assembly_id;
                            let who = g.responsible_id.map(|r| member_name(&members.get(), r));
                            let due = g.due_date.clone().map(|d| display_date(&d));
                            let status = g.status.clone();
                            view! {
                                <li class="open-agreement">
                                    <button type="button" class="rec-item" on:click=move |_| selected.set(Some(assembly))>
                                        <span class="rec-item-main">
                                            <span class="rec-text">{g.text.clone()}</span>
                                            <span class="rec-sub">
                                                {move || i18n.t_with("asm.from_assembly", &[("date", date_of(assembly))])}
                                                {who.clone().map(|w| format!(" · {}", i18n.t_with("asm.agr_by", &[("name", w)])))}
                                                {due.clone().map(|d| format!(" · {}", i18n.t_with("asm.agr_due_on", &[("date", d)])))}
                                            </span>
                                        </span>
                                        <span class="badge">{move || t_or(i18n, &format!("asm.agr_status.{status}"), &status)}</span>
                                    </button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                </Show>
            </div>
        </div>
    }
}

/// Registers an assembly, or corrects the header of a draft acta (`editing`).
#[component]
fn AssemblyForm(
    editing: Option<Assembly>,
    on_saved: Callback<Uuid>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let date = RwSignal::new(String::new());
    let place = RwSignal::new(String::new());
    let agenda = RwSignal::new(String::new());
    let community = RwSignal::new(String::new());
    let kind_select = NodeRef::<leptos::html::Select>::new();
    let errors = RwSignal::new(Vec::<ValidationError>::new());
    let banner = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    let editing_id = editing.as_ref().map(|a| a.id);
    let quorum_percent = editing
        .as_ref()
        .map(|a| a.quorum_percent.to_string())
        .unwrap_or_default();
    let initial_kind = editing
        .as_ref()
        .map(|a| a.kind.clone())
        .unwrap_or_else(|| AssemblyKind::Ordinaria.code().to_owned());
    let draft = match &editing {
        Some(a) => {
            date.set(display_date(&a.date));
            place.set(a.place.clone());
            agenda.set(a.agenda.join("\n"));
            community.set(if a.community_attendees == 0 {
                String::new()
            } else {
                a.community_attendees.to_string()
            });
            None
        }
        None => Some(Draft::new(
            "assembly",
            vec![
                ("date", date),
                ("place", place),
                ("agenda", agenda),
                ("community", community),
            ],
        )),
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let input = NewAssembly {
            kind: kind_select
                .get_untracked()
                .map(|s| s.value())
                .unwrap_or_default(),
            date: date.get_untracked(),
            place: place.get_untracked(),
            agenda: agenda.get_untracked(),
            community_attendees: community.get_untracked(),
            quorum_percent: quorum_percent.clone(),
            minutes: String::new(),
        };
        let draft = draft.clone();
        busy.set(true);
        spawn_local(async move {
            let result = match editing_id {
                Some(id) => api::assembly::update_assembly(id, &input).await.map(|_| id),
                None => api::assembly::create_assembly(&input).await.map(|a| a.id),
            };
            busy.set(false);
            match result {
                Ok(id) => {
                    errors.set(Vec::new());
                    banner.set(None);
                    if let Some(d) = &draft {
                        d.clear();
                    }
                    on_saved.run(id);
                }
                Err(e) => show_failure(
                    i18n,
                    "asm",
                    e,
                    &["kind", "date", "place", "agenda", "community_attendees"],
                    errors,
                    banner,
                ),
            }
        });
    };
    let is_edit = editing_id.is_some();

    view! {
        <form class="card rec-form" id="assembly-form" on:submit=submit novalidate=true>
            <h2>{move || if is_edit { i18n.t("asm.edit_title") } else { i18n.t("asm.form_title") }}</h2>
            {move || banner.get().map(|b| view! { <p class="banner error" id="assembly-form-error" role="alert">{b}</p> })}

            <label for="asm-kind">{move || i18n.t("asm.kind")}</label>
            <select id="asm-kind" name="kind" node_ref=kind_select
                class:invalid=move || has_problem(errors, "kind")>
                {AssemblyKind::ALL
                    .iter()
                    .map(|k| {
                        let code = k.code();
                        view! {
                            <option value=code selected=initial_kind == code>
                                {move || kind_label(i18n, code)}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
            {field_problem(errors, "asm", "kind", "asm-kind")}

            <label for="asm-date">{move || i18n.t("asm.date")}</label>
            <input id="asm-date" name="date" inputmode="numeric" autocomplete="off"
                placeholder=move || i18n.t("field.date_placeholder")
                class:invalid=move || has_problem(errors, "date")
                bind:value=date/>
            {field_problem(errors, "asm", "date", "asm-date")}

            <label for="asm-place">{move || i18n.t("asm.place")}</label>
            <input id="asm-place" name="place" autocomplete="off"
                placeholder=move || i18n.t("asm.place_hint")
                class:invalid=move || has_problem(errors, "place")
                bind:value=place/>
            {field_problem(errors, "asm", "place", "asm-place")}

            <label for="asm-agenda">{move || i18n.t("asm.agenda")}</label>
            <textarea id="asm-agenda" name="agenda" rows="5"
                class:invalid=move || has_problem(errors, "agenda")
                prop:value=move || agenda.get()
                on:input=move |ev| agenda.set(event_target_value(&ev))></textarea>
            <p class="hint">{move || i18n.t("asm.agenda_hint")}</p>
            {field_problem(errors, "asm", "agenda", "asm-agenda")}

            <label for="asm-community">{move || i18n.t("asm.community")}</label>
            <input id="asm-community" name="community" inputmode="numeric" autocomplete="off"
                class:invalid=move || has_problem(errors, "community_attendees")
                bind:value=community/>
            <p class="hint">{move || i18n.t("asm.community_hint")}</p>
            {field_problem(errors, "asm", "community_attendees", "asm-community")}

            <div class="rec-actions">
                <button type="submit" class="primary" id="asm-save" disabled=move || busy.get()>
                    {move || if busy.get() {
                        i18n.t("common.saving")
                    } else if is_edit {
                        i18n.t("asm.save_changes")
                    } else {
                        i18n.t("asm.save")
                    }}
                </button>
                <button type="button" class="secondary" id="asm-cancel" on:click=move |_| on_cancel.run(())>
                    {move || i18n.t("common.cancel")}
                </button>
            </div>
        </form>
    }
}

/// One assembly and its acta.
#[component]
fn AssemblyView(id: Uuid, selected: RwSignal<Option<Uuid>>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let detail = RwSignal::new(None::<AssemblyDetail>);
    let agreements = RwSignal::new(Vec::<Agreement>::new());
    let candidates = RwSignal::new(Vec::<Agreement>::new());
    let members = RwSignal::new(Vec::<Member>::new());
    let state = RwSignal::new(0u8); // 0 loading, 1 loaded, 2 gone
    let load_error = RwSignal::new(None::<String>);
    let editing = RwSignal::new(false);

    // Minutes: what is typed, what is saved, and a draft of unsaved text that survives
    // the app being closed.
    let minutes = RwSignal::new(String::new());
    let minutes_saved = RwSignal::new(String::new());
    let minutes_draft = RwSignal::new(String::new());
    let minutes_ready = RwSignal::new(false);
    let _minutes_keeper = Draft::new(format!("minutes.{id}"), vec![("minutes", minutes_draft)]);
    Effect::new(move |_| {
        let typed = minutes.get();
        let saved = minutes_saved.get();
        if !minutes_ready.get() {
            return;
        }
        let keep = if typed != saved { typed } else { String::new() };
        if minutes_draft.get_untracked() != keep {
            minutes_draft.set(keep);
        }
    });
    Effect::new(move |_| {
        // A draft restored after the acta loaded brings back the unsaved text.
        let d = minutes_draft.get();
        if minutes_ready.get_untracked()
            && !d.is_empty()
            && minutes.get_untracked() == minutes_saved.get_untracked()
            && d != minutes_saved.get_untracked()
        {
            minutes.set(d);
        }
    });

    Effect::new(move |_| {
        session.track();
        spawn_local(async move {
            match api::assembly::get_assembly(id).await {
                Ok(Some(d)) => {
                    let saved = d.assembly.minutes.clone();
                    if !minutes_ready.get_untracked() {
                        let pending = minutes_draft.get_untracked();
                        minutes.set(if pending.is_empty() {
                            saved.clone()
                        } else {
                            pending
                        });
                        minutes_ready.set(true);
                    } else if minutes.get_untracked() == minutes_saved.get_untracked() {
                        minutes.set(saved.clone());
                    }
                    minutes_saved.set(saved);
                    let draft = !d.assembly.is_closed();
                    detail.set(Some(d));
                    state.set(1);
                    load_error.set(None);
                    if draft {
                        if let Ok(c) = api::assembly::carry_over_candidates(id).await {
                            candidates.set(c);
                        }
                    } else {
                        candidates.set(Vec::new());
                    }
                }
                Ok(None) => state.set(2),
                Err(e) => load_error.set(Some(failure_text(i18n, "asm", &e, &[]))),
            }
            match api::assembly::list_agreements(id).await {
                Ok(list) => agreements.set(list),
                Err(e) => load_error.set(Some(failure_text(i18n, "asm", &e, &[]))),
            }
        });
        load_members(members);
    });

    let closed = Signal::derive(move || detail.get().is_some_and(|d| d.assembly.is_closed()));
    let can_edit = Signal::derive(move || !closed.get() && session.can(Permission::Assembly));
    let can_assembly = Signal::derive(move || session.can(Permission::Assembly));
    let opening = RwSignal::new(false);
    let open_error = RwSignal::new(None::<String>);
    let open = move |_| {
        opening.set(true);
        open_error.set(None);
        spawn_local(async move {
            match api::assembly::open_acta(id).await {
                Ok(_) => session.bump(),
                Err(e) => open_error.set(Some(failure_text(i18n, "asm", &e, &[]))),
            }
            opening.set(false);
        });
    };

    view! {
        <div id="assembly-detail" class="rec-detail">
            <button type="button" class="secondary rec-back" id="asm-back" on:click=move |_| selected.set(None)>
                {move || format!("← {}", i18n.t("asm.back"))}
            </button>
            {move || load_error.get().map(|e| view! { <p class="banner error" role="alert" id="assembly-detail-error">{e}</p> })}
            {move || match state.get() {
                0 => view! { <p class="loading">{i18n.t("common.loading")}</p> }.into_any(),
                2 => view! { <p class="banner error" id="assembly-gone">{i18n.t("asm.gone")}</p> }.into_any(),
                _ => ().into_any(),
            }}
            <Show when=move || detail.get().is_some()>
                // Header: kind, date, place, status.
                <div class="card rec-card">
                    {move || detail.get().map(|d| {
                        let a = d.assembly.clone();
                        let kind = a.kind.clone();
                        let closed_by = a.closed_by;
                        let closed_at = a.closed_at.clone();
                        let opened = a.opened_at.clone().zip(a.opened_by);
                        let is_closed = a.is_closed();
                        view! {
                            <p class="rec-date">{display_date(&a.date)}</p>
                            <h1 id="assembly-title">{move || i18n.t_with("asm.detail_title", &[("kind", kind_label(i18n, &kind))])}</h1>
                            <p class="rec-sub" id="assembly-place">{a.place.clone()}</p>
                            <p class="acta-status" class:closed=is_closed id="acta-status">
                                {move || {
                                    let name = |m| member_name(&members.get(), m);
                                    match (is_closed, &closed_at, closed_by, &opened) {
                                        (true, Some(at), Some(m), _) => i18n.t_with("asm.status_closed_at", &[("at", stamp(at)), ("name", name(m))]),
                                        (true, None, Some(m), _) => i18n.t_with("asm.status_closed_by", &[("name", name(m))]),
                                        (true, _, None, _) => i18n.t("asm.status_closed_text"),
                                        (false, _, _, Some((at, m))) => i18n.t_with("asm.status_opened", &[("at", stamp(at)), ("name", name(*m))]),
                                        (false, _, _, None) => i18n.t("asm.status_draft_unopened"),
                                    }
                                }}
                            </p>
                        }
                    })}
                    <Show when=move || closed.get()>
                        <p class="banner rec-locked" id="acta-locked">{move || i18n.t("asm.closed_explain")}</p>
                    </Show>
                    <Show when=move || can_edit.get() && detail.get().is_some_and(|d| d.assembly.opened_at.is_none())>
                        <button type="button" class="primary" id="asm-open" disabled=move || opening.get() on:click=open>
                            {move || i18n.t("asm.open")}
                        </button>
                        <p class="hint">{move || i18n.t("asm.open_hint")}</p>
                    </Show>
                    {move || open_error.get().map(|e| view! { <p class="banner error" role="alert" id="asm-open-error">{e}</p> })}
                    <Show when=move || can_edit.get() && !editing.get()>
                        <button type="button" class="secondary" id="asm-edit" on:click=move |_| editing.set(true)>
                            {move || i18n.t("asm.edit")}
                        </button>
                    </Show>
                    <MayHint permission=Permission::Assembly signed_out="asm.sign_in_hint" denied="asm.sign_in_hint" id="asm-detail-may"/>
                    <ActaPdf id=id/>
                    <HistoryButton table=ASSEMBLY.id row=id/>
                </div>
                <Show when=move || editing.get() && !closed.get()>
                    {move || detail.get_untracked().map(|d| view! {
                        <AssemblyForm
                            editing=Some(d.assembly)
                            on_saved=Callback::new(move |_| { editing.set(false); session.bump(); })
                            on_cancel=Callback::new(move |_| editing.set(false))/>
                    })}
                </Show>

                <div class="rec-cols">
                    <div class="rec-col">
                        <Attendance id=id detail=detail members=members can_edit=can_edit/>
                        <div class="card">
                            <h2>{move || i18n.t("asm.agenda_title")}</h2>
                            {move || {
                                let items = detail.get().map(|d| d.assembly.agenda).unwrap_or_default();
                                if items.is_empty() {
                                    view! { <p class="muted" id="agenda-empty">{i18n.t("asm.agenda_empty")}</p> }.into_any()
                                } else {
                                    view! {
                                        <ol class="rec-agenda" id="agenda">
                                            {items.into_iter().map(|i| view! { <li>{i}</li> }).collect_view()}
                                        </ol>
                                    }.into_any()
                                }
                            }}
                        </div>
                    </div>
                    <div class="rec-col">
                        <Agreements id=id agreements=agreements candidates=candidates members=members
                            can_edit=can_edit can_follow=can_assembly/>
                    </div>
                </div>

                <Minutes id=id detail=detail minutes=minutes minutes_saved=minutes_saved can_edit=can_edit/>
                <CloseActa id=id closed=closed minutes=minutes minutes_saved=minutes_saved/>
                <Show when=move || closed.get()>
                    <Amendments id=id detail=detail can_add=can_assembly/>
                </Show>
                <div class="card" id="acta-photo">
                    <h2>{move || i18n.t("asm.photo_title")}</h2>
                    <p class="hint">{move || i18n.t("asm.photo_hint")}</p>
                    <PhotoStrip owner_table=ASSEMBLY.id owner=id kind="acta" can_add=can_assembly/>
                </div>
            </Show>
        </div>
    }
}

/// Attendance by tapping members, the live quorum and the community count.
#[component]
fn Attendance(
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

/// The agreements: list with follow-up, carry-over of open ones, and the form.
#[component]
fn Agreements(
    id: Uuid,
    agreements: RwSignal<Vec<Agreement>>,
    candidates: RwSignal<Vec<Agreement>>,
    members: RwSignal<Vec<Member>>,
    can_edit: Signal<bool>,
    can_follow: Signal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let banner = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);
    let carrying = RwSignal::new(false);

    let carry = move |_| {
        if carrying.get_untracked() {
            return;
        }
        carrying.set(true);
        spawn_local(async move {
            match api::assembly::carry_over_agreements(id).await {
                Ok(copies) => {
                    banner.set(None);
                    notice.set(Some(
                        i18n.t_with("asm.carried", &[("count", copies.len().to_string())]),
                    ));
                    session.bump();
                }
                Err(e) => banner.set(Some(failure_text(i18n, "asm", &e, &[]))),
            }
            carrying.set(false);
        });
    };

    view! {
        <div class="card" id="agreements-card">
            <h2>{move || i18n.t("asm.agreements_title")}</h2>
            {move || banner.get().map(|b| view! { <p class="banner error" role="alert" id="agreements-error">{b}</p> })}
            {move || notice.get().map(|n| view! { <p class="banner ok" role="status" id="agreements-notice">{n}</p> })}
            <Show when=move || can_edit.get() && !candidates.get().is_empty()>
                <div class="rec-carry" id="carry-box">
                    <p>{move || i18n.t_with("asm.carry_text", &[("count", candidates.get().len().to_string())])}</p>
                    <ul class="rec-carry-list">
                        {move || candidates.get().into_iter().map(|g| view! { <li>{g.text}</li> }).collect_view()}
                    </ul>
                    <button type="button" class="primary" id="carry-over" disabled=move || carrying.get() on:click=carry>
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
                            <AgreementRow agreement=g members=members can_edit=can_edit can_follow=can_follow banner=banner/>
                        }
                    />
                </ul>
            </Show>
            <Show when=move || can_edit.get()>
                <AgreementForm id=id members=members/>
            </Show>
        </div>
    }
}

#[component]
fn AgreementRow(
    agreement: Agreement,
    members: RwSignal<Vec<Member>>,
    can_edit: Signal<bool>,
    can_follow: Signal<bool>,
    banner: RwSignal<Option<String>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let id = agreement.id;
    let status = agreement.status.clone();
    let responsible = agreement.responsible_id;
    let due = agreement.due_date.clone();
    let carried = agreement.carried_from_id.is_some();
    let deleting = RwSignal::new(false);
    let open = AgreementStatus::from_code(&status).is_some_and(AgreementStatus::is_open);

    let set_status = move |ev| {
        let value = event_target_value(&ev);
        spawn_local(async move {
            match api::assembly::set_agreement_status(id, &value).await {
                Ok(_) => banner.set(None),
                Err(e) => banner.set(Some(failure_text(i18n, "asm", &e, &[]))),
            }
            session.bump();
        });
    };
    let delete = move |_| {
        if !deleting.get_untracked() {
            deleting.set(true);
            return;
        }
        spawn_local(async move {
            match api::assembly::delete_agreement(id).await {
                Ok(_) => banner.set(None),
                Err(e) => {
                    deleting.set(false);
                    banner.set(Some(failure_text(i18n, "asm", &e, &[])));
                }
            }
            session.bump();
        });
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
            <Show when=move || can_edit.get()>
                <button type="button" class="secondary danger agr-delete" id=format!("agr-delete-{id}") on:click=delete>
                    {move || if deleting.get() { i18n.t("asm.agr_delete_again") } else { i18n.t("asm.agr_delete") }}
                </button>
            </Show>
            <HistoryButton table=AGREEMENT.id row=id/>
        </li>
    }
}

#[component]
fn AgreementForm(id: Uuid, members: RwSignal<Vec<Member>>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let text = RwSignal::new(String::new());
    let due = RwSignal::new(String::new());
    let responsible_select = NodeRef::<leptos::html::Select>::new();
    let errors = RwSignal::new(Vec::<ValidationError>::new());
    let banner = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let draft = Draft::new(
        format!("agreement.{id}"),
        vec![("text", text), ("due", due)],
    );

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
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
        let draft = draft.clone();
        busy.set(true);
        notice.set(None);
        spawn_local(async move {
            match api::assembly::add_agreement(id, &input).await {
                Ok(_) => {
                    errors.set(Vec::new());
                    banner.set(None);
                    notice.set(Some(i18n.t("asm.agr_added")));
                    draft.clear();
                    if let Some(s) = responsible_select.get_untracked() {
                        s.set_value("");
                    }
                    session.bump();
                }
                Err(e) => show_failure(
                    i18n,
                    "asm",
                    e,
                    &["text", "responsible_id", "due_date"],
                    errors,
                    banner,
                ),
            }
            busy.set(false);
        });
    };

    view! {
        <form class="rec-subform" id="agreement-form" on:submit=submit novalidate=true>
            <h3>{move || i18n.t("asm.agr_form_title")}</h3>
            {move || banner.get().map(|b| view! { <p class="banner error" role="alert" id="agreement-form-error">{b}</p> })}
            {move || notice.get().map(|n| view! { <p class="banner ok" role="status" id="agreement-notice">{n}</p> })}
            <label for="agr-text">{move || i18n.t("asm.agr_text")}</label>
            <textarea id="agr-text" rows="3"
                class:invalid=move || has_problem(errors, "text")
                prop:value=move || text.get()
                on:input=move |ev| text.set(event_target_value(&ev))></textarea>
            {field_problem(errors, "asm", "text", "agr-text")}
            <div class="row">
                <div>
                    <label for="agr-responsible">{move || i18n.t("asm.agr_responsible")}</label>
                    <select id="agr-responsible" node_ref=responsible_select
                        class:invalid=move || has_problem(errors, "responsible_id")>
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
                    {field_problem(errors, "asm", "responsible_id", "agr-responsible")}
                </div>
                <div>
                    <label for="agr-due">{move || i18n.t("asm.agr_due")}</label>
                    <input id="agr-due" inputmode="numeric" autocomplete="off"
                        placeholder=move || i18n.t("field.date_placeholder")
                        class:invalid=move || has_problem(errors, "due_date")
                        bind:value=due/>
                    {field_problem(errors, "asm", "due_date", "agr-due")}
                </div>
            </div>
            <button type="submit" class="primary" id="agr-save" disabled=move || busy.get()>
                {move || if busy.get() { i18n.t("common.saving") } else { i18n.t("asm.agr_save") }}
            </button>
        </form>
    }
}

/// The minutes text: editable while the acta is a draft, read-only once closed.
#[component]
fn Minutes(
    id: Uuid,
    detail: RwSignal<Option<AssemblyDetail>>,
    minutes: RwSignal<String>,
    minutes_saved: RwSignal<String>,
    can_edit: Signal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let errors = RwSignal::new(Vec::<ValidationError>::new());
    let banner = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let dirty = move || minutes.get() != minutes_saved.get();
    let closed = move || detail.get().is_some_and(|d| d.assembly.is_closed());

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        notice.set(None);
        let text = minutes.get_untracked();
        spawn_local(async move {
            match api::assembly::save_minutes(id, &text).await {
                Ok(_) => {
                    errors.set(Vec::new());
                    banner.set(None);
                    minutes_saved.set(text.trim().to_owned());
                    if minutes.get_untracked() == text {
                        minutes.set(text.trim().to_owned());
                    }
                    notice.set(Some(i18n.t("asm.minutes_saved")));
                    session.bump();
                }
                Err(e) => show_failure(i18n, "asm", e, &["minutes"], errors, banner),
            }
            busy.set(false);
        });
    };

    view! {
        <form class="card" id="minutes-form" on:submit=submit novalidate=true>
            <h2>{move || i18n.t("asm.minutes_title")}</h2>
            {move || banner.get().map(|b| view! { <p class="banner error" role="alert" id="minutes-error">{b}</p> })}
            <Show when=move || !closed()>
                <p class="hint">{move || i18n.t("asm.minutes_hint")}</p>
            </Show>
            <label for="asm-minutes" class="sr-only">{move || i18n.t("asm.minutes_title")}</label>
            <textarea id="asm-minutes" rows="10" class="rec-minutes"
                readonly=move || !can_edit.get()
                disabled=move || !can_edit.get()
                class:invalid=move || has_problem(errors, "minutes")
                prop:value=move || minutes.get()
                on:input=move |ev| { notice.set(None); minutes.set(event_target_value(&ev)) }></textarea>
            {field_problem(errors, "asm", "minutes", "asm-minutes")}
            <Show when=move || dirty() && can_edit.get()>
                <p class="hint rec-unsaved" id="minutes-unsaved">{move || i18n.t("asm.minutes_unsaved")}</p>
            </Show>
            {move || notice.get().map(|n| view! { <p class="banner ok" role="status" id="minutes-notice">{n}</p> })}
            <Show when=move || !closed()>
                <button type="submit" class="primary" id="minutes-save" disabled=move || busy.get() || !can_edit.get()>
                    {move || if busy.get() { i18n.t("common.saving") } else { i18n.t("asm.minutes_save") }}
                </button>
            </Show>
        </form>
    }
}

/// Closing the acta: the secretario's, final, after a confirmation.
#[component]
fn CloseActa(
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
fn Amendments(
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

/// Prints the acta: a PDF to sign (draft or closed), written to the Downloads folder.
#[component]
fn ActaPdf(id: Uuid) -> impl IntoView {
    let i18n = use_i18n();
    let message = RwSignal::new(None::<(bool, String)>);
    let busy = RwSignal::new(false);
    let export = move |_| {
        busy.set(true);
        spawn_local(async move {
            message.set(Some(match api::reports::export_acta(id).await {
                Ok(path) => (true, i18n.t_with("acta.exported", &[("path", path)])),
                Err(e) => (false, i18n.api_error_text(&e)),
            }));
            busy.set(false);
        });
    };
    view! {
        <button type="button" class="secondary" id="acta-pdf" disabled=move || busy.get() on:click=export>
            {move || i18n.t("acta.export")}
        </button>
        {move || message.get().map(|(ok, m)| view! {
            <p class=if ok { "banner ok wrap" } else { "banner error" } role="status" id="acta-pdf-message">{m}</p>
        })}
    }
}
