//! One assembly and its acta, in the steps a secretary follows while the assembly
//! talks: Asistencia → Orden del día → Acuerdos → Desarrollo → Cierre.
//!
//! Every step stays mounted and only the current one is shown, so going to another
//! step never loses what was typed; the free texts of the acta (`ActaTexts`) live
//! here, saved as typed (`components::autosave`), and are written to the record on
//! every step change.

use super::*;
use crate::api;
use crate::components::autosave::Autosave;
use crate::components::form::failure_text;
use crate::components::history::HistoryButton;
use crate::components::photos::PhotoStrip;
use crate::components::session::use_session;
use crate::i18n::use_i18n;
use cosabi_core::assembly::{Agreement, Assembly, AssemblyDetail};
use cosabi_core::committee::{Member, Permission};
use cosabi_core::format::display_date;
use cosabi_core::schema::ASSEMBLY;
use leptos::prelude::*;
use uuid::Uuid;

/// The steps of the acta, in the order they happen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Step {
    Attendance,
    Agenda,
    Agreements,
    Minutes,
    Closing,
}

impl Step {
    pub(super) const ALL: [Step; 5] = [
        Step::Attendance,
        Step::Agenda,
        Step::Agreements,
        Step::Minutes,
        Step::Closing,
    ];

    /// The step's name in element ids and translation keys.
    pub(super) fn code(self) -> &'static str {
        match self {
            Step::Attendance => "attendance",
            Step::Agenda => "agenda",
            Step::Agreements => "agreements",
            Step::Minutes => "minutes",
            Step::Closing => "closing",
        }
    }

    fn index(self) -> usize {
        Step::ALL.iter().position(|s| *s == self).unwrap_or(0)
    }

    fn next(self) -> Option<Step> {
        Step::ALL.get(self.index() + 1).copied()
    }

    fn previous(self) -> Option<Step> {
        self.index().checked_sub(1).map(|i| Step::ALL[i])
    }

    /// Whether the acta already holds something for this step.
    fn done(self, d: &AssemblyDetail, agreements: usize) -> bool {
        match self {
            Step::Attendance => d.attendance.iter().any(|e| e.present),
            Step::Agenda => !d.assembly.agenda.is_empty(),
            Step::Agreements => agreements > 0,
            Step::Minutes => !d.assembly.minutes.trim().is_empty(),
            Step::Closing => d.assembly.is_closed(),
        }
    }
}

/// The acta's free texts, each saved as typed.
#[derive(Clone, Copy)]
pub(super) struct ActaTexts {
    pub minutes: Autosave,
    pub agenda: Autosave,
    pub community_count: Autosave,
    pub community_names: Autosave,
}

impl ActaTexts {
    fn new(id: Uuid, detail: RwSignal<Option<AssemblyDetail>>) -> ActaTexts {
        let session = use_session();
        let minutes = Autosave::new(
            format!("acta-minutes.{id}"),
            "asm",
            move |text: String| async move {
                api::assembly::save_minutes(id, &text).await.map(|_| {
                    // The closing step's summary reads the minutes; no reload per pause.
                    detail.update(|d| {
                        if let Some(d) = d {
                            d.assembly.minutes = text.trim().to_owned();
                        }
                    });
                })
            },
        );
        let agenda = Autosave::new(
            format!("acta-agenda.{id}"),
            "asm",
            move |text: String| async move {
                // The agenda alone: a header corrected meanwhile is not written back.
                api::assembly::save_agenda(id, &text)
                    .await
                    .map(|_| session.bump())
            },
        );
        let community_count = Autosave::new(
            format!("acta-community.{id}"),
            "asm",
            move |text: String| async move {
                api::assembly::set_community_attendees(id, &text)
                    .await
                    .map(|_| session.bump())
            },
        );
        let community_names = Autosave::new(
            format!("acta-names.{id}"),
            "asm",
            move |text: String| async move {
                api::assembly::set_community_names(id, &text)
                    .await
                    .map(|_| session.bump())
            },
        );
        ActaTexts {
            minutes,
            agenda,
            community_count,
            community_names,
        }
    }

    /// The record was read: each text follows it unless something is being typed.
    fn loaded(self, a: &Assembly) {
        let editable = !a.is_closed();
        self.minutes.loaded(a.minutes.clone(), editable);
        self.agenda.loaded(a.agenda.join("\n"), editable);
        self.community_count
            .loaded(a.community_attendees.to_string(), editable);
        self.community_names
            .loaded(a.community_names.join("\n"), editable);
    }

    /// Writes whatever is typed and not yet in the record (on a step change).
    fn flush(self) {
        for t in [
            self.minutes,
            self.agenda,
            self.community_count,
            self.community_names,
        ] {
            t.flush();
        }
    }
}

/// "Cerrada el 03/12/2026 a las 10:32 por Ana López, Secretaria", or `None` while the
/// acta is a draft.
pub(super) fn closed_line(i18n: I18n, a: &Assembly, members: &[Member]) -> Option<String> {
    if !a.is_closed() {
        return None;
    }
    let closer = a.closed_by.and_then(|m| members.iter().find(|x| x.id == m));
    let name = match (closer, a.closed_by) {
        (Some(m), _) => m.name.clone(),
        (None, Some(id)) => id.to_string(),
        (None, None) => return Some(i18n.t("asm.status_closed_text")),
    };
    let Some(at) = a.closed_at.as_deref() else {
        return Some(i18n.t_with("asm.status_closed_by", &[("name", name)]));
    };
    let shown = stamp(at);
    let (date, time) = shown.split_once(' ').unwrap_or((shown.as_str(), ""));
    let mut line = i18n.t_with(
        "asm.closed_line",
        &[
            ("date", date.to_owned()),
            ("time", time.to_owned()),
            ("name", name),
        ],
    );
    if let Some(m) = closer {
        line.push_str(&i18n.t_with(
            "asm.closed_line_office",
            &[("role", i18n.role(&m.role, &m.gender))],
        ));
    }
    Some(line)
}

/// One assembly and its acta, step by step.
#[component]
pub(super) fn AssemblyView(id: Uuid, selected: RwSignal<Option<Uuid>>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let detail = RwSignal::new(None::<AssemblyDetail>);
    let agreements = RwSignal::new(Vec::<Agreement>::new());
    let candidates = RwSignal::new(Vec::<Agreement>::new());
    let state = RwSignal::new(0u8); // 0 loading, 1 loaded, 2 gone
    let load_error = RwSignal::new(None::<String>);
    let editing = RwSignal::new(false);
    let texts = ActaTexts::new(id, detail);
    // The step shown; a closed acta opens on its closing, a draft on attendance.
    let step = RwSignal::new(None::<Step>);

    // The acta as recorded, read again whenever the replica changes; the steps work
    // on their copy (`detail`), which follows every read.
    let record = LocalResource::new(move || {
        session.track();
        async move {
            let assembly = api::assembly::get_assembly(id).await;
            let draft = matches!(&assembly, Ok(Some(d)) if !d.assembly.is_closed());
            let carry = if draft {
                api::assembly::carry_over_candidates(id).await.ok()
            } else {
                Some(Vec::new())
            };
            let listed = api::assembly::list_agreements(id).await;
            (assembly, carry, listed)
        }
    });
    Effect::new(move |_| {
        let Some((assembly, carry, listed)) = record.get() else {
            return;
        };
        match assembly {
            Ok(Some(d)) => {
                texts.loaded(&d.assembly);
                let draft = !d.assembly.is_closed();
                if step.get_untracked().is_none() {
                    step.set(Some(if draft {
                        Step::Attendance
                    } else {
                        Step::Closing
                    }));
                }
                detail.set(Some(d));
                state.set(1);
                load_error.set(None);
                if let Some(c) = carry {
                    candidates.set(c);
                }
            }
            Ok(None) => state.set(2),
            Err(e) => load_error.set(Some(failure_text(i18n, "asm", &e, &[]))),
        }
        match listed {
            Ok(list) => agreements.set(list),
            Err(e) => load_error.set(Some(failure_text(i18n, "asm", &e, &[]))),
        }
    });
    let members = committee();

    let closed = Signal::derive(move || detail.get().is_some_and(|d| d.assembly.is_closed()));
    let can_edit = Signal::derive(move || !closed.get() && session.can(Permission::Assembly));
    let can_assembly = Signal::derive(move || session.can(Permission::Assembly));
    let go = Callback::new(move |to: Step| {
        texts.flush();
        step.set(Some(to));
        // The new step starts at its top, under the step indicator.
        if let Some(nav) = document().get_element_by_id("acta-steps") {
            nav.scroll_into_view();
        }
    });
    let hidden_unless = move |s: Step| step.get() != Some(s);
    // The header form sends the agenda on screen and the community count on record.
    let current_rest = Callback::new(move |_: ()| {
        let community = detail
            .get_untracked()
            .map(|d| d.assembly.community_attendees.to_string())
            .unwrap_or_default();
        (texts.agenda.text.get_untracked(), community)
    });

    view! {
        <div id="assembly-detail" class="rec-detail acta">
            <button type="button" class="secondary rec-back" id="asm-back"
                on:click=move |_| { texts.flush(); selected.set(None) }>
                {move || format!("← {}", i18n.t("asm.back"))}
            </button>
            {move || load_error.get().map(|e| view! { <p class="banner error" role="alert" id="assembly-detail-error">{e}</p> })}
            {move || match state.get() {
                0 => view! { <p class="loading">{i18n.t("common.loading")}</p> }.into_any(),
                2 => view! { <p class="banner error" id="assembly-gone">{i18n.t("asm.gone")}</p> }.into_any(),
                _ => ().into_any(),
            }}
            <Show when=move || detail.get().is_some()>
                <ActaHeader id=id detail=detail members=members can_edit=can_edit editing=editing/>
                <Show when=move || editing.get() && !closed.get()>
                    {move || detail.get_untracked().map(|d| view! {
                        <AssemblyForm
                            editing=Some((d.assembly, current_rest))
                            on_saved=Callback::new(move |_| { editing.set(false); session.bump(); })
                            on_cancel=Callback::new(move |_| editing.set(false))/>
                    })}
                </Show>

                <StepNav step=step detail=detail agreements=agreements go=go/>
                <div class="acta-body">
                    <section class="acta-step-body" id="step-body-attendance" hidden=move || hidden_unless(Step::Attendance)>
                        <Attendance id=id detail=detail members=members can_edit=can_edit texts=texts/>
                    </section>
                    <section class="acta-step-body" id="step-body-agenda" hidden=move || hidden_unless(Step::Agenda)>
                        <Agenda detail=detail can_edit=can_edit texts=texts/>
                    </section>
                    <section class="acta-step-body" id="step-body-agreements" hidden=move || hidden_unless(Step::Agreements)>
                        <Agreements id=id agreements=agreements candidates=candidates members=members
                            can_edit=can_edit can_follow=can_assembly/>
                    </section>
                    <section class="acta-step-body" id="step-body-minutes" hidden=move || hidden_unless(Step::Minutes)>
                        <Minutes detail=detail can_edit=can_edit texts=texts/>
                    </section>
                    <section class="acta-step-body" id="step-body-closing" hidden=move || hidden_unless(Step::Closing)>
                        <CloseActa id=id detail=detail agreements=agreements members=members texts=texts/>
                        <Show when=move || closed.get()>
                            <Amendments id=id detail=detail can_add=can_assembly/>
                        </Show>
                        <div class="card" id="acta-photo">
                            <h2>{move || i18n.t("asm.photo_title")}</h2>
                            <p class="hint">{move || i18n.t("asm.photo_hint")}</p>
                            <PhotoStrip owner_table=ASSEMBLY.id owner=id kind="acta" can_add=can_assembly/>
                        </div>
                    </section>
                </div>
                <StepButtons step=step go=go/>
            </Show>
        </div>
    }
}

/// Kind, date, place, the acta's state, opening it, correcting its header, printing.
#[component]
fn ActaHeader(
    id: Uuid,
    detail: RwSignal<Option<AssemblyDetail>>,
    members: Signal<Vec<Member>>,
    can_edit: Signal<bool>,
    editing: RwSignal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let closed = move || detail.get().is_some_and(|d| d.assembly.is_closed());
    let open = Action::new_local(move |_: &()| async move {
        let done = api::assembly::open_acta(id).await;
        if done.is_ok() {
            session.bump();
        }
        done.map(|_| ())
    });
    let open_error = move || {
        open.value()
            .get()
            .and_then(|r| r.err())
            .map(|e| failure_text(i18n, "asm", &e, &[]))
    };

    view! {
        <div class="card rec-card acta-header">
            {move || detail.get().map(|d| {
                let a = d.assembly.clone();
                let kind = a.kind.clone();
                let opened = a.opened_at.clone().zip(a.opened_by);
                let is_closed = a.is_closed();
                view! {
                    <p class="rec-date">{display_date(&a.date)}</p>
                    <h1 id="assembly-title">{move || i18n.t_with("asm.detail_title", &[("kind", kind_label(i18n, &kind))])}</h1>
                    <p class="rec-sub" id="assembly-place">{a.place.clone()}</p>
                    <p class="acta-status" class:closed=is_closed id="acta-status">
                        {move || match (closed_line(i18n, &a, &members.get()), &opened) {
                            (Some(line), _) => line,
                            (None, Some((at, m))) => i18n.t_with("asm.status_opened", &[("at", stamp(at)), ("name", member_name(&members.get(), *m))]),
                            (None, None) => i18n.t("asm.status_draft_unopened"),
                        }}
                    </p>
                }
            })}
            <Show when=move || closed()>
                <p class="banner rec-locked" id="acta-locked">{move || i18n.t("asm.closed_explain")}</p>
            </Show>
            <Show when=move || can_edit.get() && detail.get().is_some_and(|d| d.assembly.opened_at.is_none())>
                <button type="button" class="primary" id="asm-open" disabled=move || open.pending().get()
                    on:click=move |_| { open.dispatch(()); }>
                    {move || i18n.t("asm.open")}
                </button>
                <p class="hint">{move || i18n.t("asm.open_hint")}</p>
            </Show>
            {move || open_error().map(|e| view! { <p class="banner error" role="alert" id="asm-open-error">{e}</p> })}
            <div class="acta-header-actions">
                <Show when=move || can_edit.get() && !editing.get()>
                    <button type="button" class="secondary" id="asm-edit" on:click=move |_| editing.set(true)>
                        {move || i18n.t("asm.edit")}
                    </button>
                </Show>
                <ActaPdf id=id/>
                <HistoryButton table=ASSEMBLY.id row=id/>
            </div>
            <MayHint permission=Permission::Assembly signed_out="asm.sign_in_hint" denied="asm.sign_in_hint" id="asm-detail-may"/>
        </div>
    }
}

/// The step indicator: every step reachable by tap or keyboard, the current one
/// marked (`aria-current="step"`), the ones the acta already holds ticked.
#[component]
fn StepNav(
    step: RwSignal<Option<Step>>,
    detail: RwSignal<Option<AssemblyDetail>>,
    agreements: RwSignal<Vec<Agreement>>,
    go: Callback<Step>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <nav class="acta-steps" id="acta-steps" aria-label=move || i18n.t("asm.steps_label")>
            <ol>
                {Step::ALL.into_iter().map(|s| {
                    let current = move || step.get() == Some(s);
                    let done = move || detail.get().is_some_and(|d| s.done(&d, agreements.get().len()));
                    let number = s.index() + 1;
                    view! {
                        <li class:current=current>
                            <button type="button" class="acta-step" id=format!("step-{}", s.code())
                                class:current=current class:done=done
                                aria-current=move || current().then_some("step")
                                on:click=move |_| go.run(s)>
                                <span class="acta-step-mark" aria-hidden="true">
                                    {move || if done() && !current() { "✓".to_owned() } else { number.to_string() }}
                                </span>
                                <span class="acta-step-label">{move || i18n.t(&format!("asm.step.{}", s.code()))}</span>
                                <span class="sr-only">{move || if done() { i18n.t("asm.step_done") } else { String::new() }}</span>
                            </button>
                        </li>
                    }
                }).collect_view()}
            </ol>
        </nav>
    }
}

/// Anterior / Siguiente, under the step.
#[component]
fn StepButtons(step: RwSignal<Option<Step>>, go: Callback<Step>) -> impl IntoView {
    let i18n = use_i18n();
    let label = move |s: Option<Step>| s.map(|s| i18n.t(&format!("asm.step.{}", s.code())));
    view! {
        <div class="acta-step-buttons">
            {move || step.get().and_then(Step::previous).map(|p| view! {
                <button type="button" class="secondary" id="step-prev" on:click=move |_| go.run(p)>
                    <span class="step-go">{move || i18n.t("asm.step_prev")}</span>
                    <span class="step-go-to">{move || label(Some(p))}</span>
                </button>
            })}
            {move || step.get().and_then(Step::next).map(|n| view! {
                <button type="button" class="primary" id="step-next" on:click=move |_| go.run(n)>
                    <span class="step-go">{move || i18n.t("asm.step_next")}</span>
                    <span class="step-go-to">{move || label(Some(n))}</span>
                </button>
            })}
        </div>
    }
}

/// Prints the acta: a PDF to sign (draft or closed), written to the downloads
/// folder and shown by name and folder with "Abrir".
#[component]
pub(super) fn ActaPdf(id: Uuid) -> impl IntoView {
    let i18n = use_i18n();
    let export =
        Action::new_local(move |_: &()| async move { api::reports::export_acta(id).await });
    view! {
        <button type="button" class="secondary" id="acta-pdf" disabled=move || export.pending().get()
            on:click=move |_| { export.dispatch(()); }>
            {move || i18n.t("acta.export")}
        </button>
        {move || export.value().get().map(|r| match r {
            Ok(path) => view! {
                <ul class="written" id="acta-pdf-message">
                    <crate::components::saved_file::SavedFile path=path detail=None/>
                </ul>
            }.into_any(),
            Err(e) => view! { <p class="banner error" role="alert" id="acta-pdf-message">{i18n.api_error_text(&e)}</p> }.into_any(),
        })}
    }
}
