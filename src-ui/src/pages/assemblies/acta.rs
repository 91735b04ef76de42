//! One assembly and its acta: the header, the parts of the acta, and printing it.

use super::*;
use crate::api;
use crate::components::draft::Draft;
use crate::components::form::failure_text;
use crate::components::history::HistoryButton;
use crate::components::photos::PhotoStrip;
use crate::components::session::use_session;
use crate::i18n::use_i18n;
use cosabi_core::assembly::{Agreement, AssemblyDetail};
use cosabi_core::committee::{Member, Permission};
use cosabi_core::format::display_date;
use cosabi_core::schema::ASSEMBLY;
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;

/// One assembly and its acta.
#[component]
pub(super) fn AssemblyView(id: Uuid, selected: RwSignal<Option<Uuid>>) -> impl IntoView {
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

/// Prints the acta: a PDF to sign (draft or closed), written to the Downloads folder.
#[component]
pub(super) fn ActaPdf(id: Uuid) -> impl IntoView {
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
