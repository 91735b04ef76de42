//! "Verificar un documento": a printed or shared acta, cuadernillo or expediente
//! checked offline against this device's records — by the code printed on it, a
//! photo of its QR code, or the PDF file itself.

use crate::api::reports::{self, FileCheck, Verdict, Verification};
use crate::components::photos::read_first_file;
use crate::i18n::use_i18n;
use leptos::prelude::*;

/// What the last check found.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Verified(Verification),
    /// `Some(true)`: the very file Cosabi made; `Some(false)`: altered.
    File(Option<bool>, Option<Verification>),
    Unknown(String),
}

/// What is checked: a typed code, or the file input holding a photo or the PDF.
#[derive(Clone)]
enum Check {
    Code(String),
    Photo(leptos::web_sys::HtmlInputElement),
    File(leptos::web_sys::HtmlInputElement),
}

#[component]
pub fn VerifyDocument() -> impl IntoView {
    let i18n = use_i18n();
    let code = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let outcome = RwSignal::new(None::<Outcome>);
    let photo_ref = NodeRef::<leptos::html::Input>::new();
    let file_ref = NodeRef::<leptos::html::Input>::new();

    // One check at a time: by the code typed, a photo of the QR code, or the file.
    let check = Action::new_local(move |what: &Check| {
        let what = what.clone();
        async move {
            match what {
                Check::Code(typed) => match reports::verify_document(&typed).await {
                    Ok(Some(v)) => outcome.set(Some(Outcome::Verified(v))),
                    Ok(None) => outcome.set(Some(Outcome::Unknown(typed))),
                    Err(e) => error.set(Some(i18n.api_error_text(&e))),
                },
                Check::Photo(input) => {
                    if let Some(bytes) = read_first_file(&input).await {
                        match reports::verify_document_photo(&bytes).await {
                            Ok(scan) => {
                                code.set(scan.code.clone());
                                outcome.set(Some(match scan.verification {
                                    Some(v) => Outcome::Verified(v),
                                    None => Outcome::Unknown(scan.code),
                                }));
                            }
                            Err(e) => error.set(Some(i18n.api_error_text(&e))),
                        }
                    }
                    input.set_value("");
                }
                Check::File(input) => {
                    if let Some(bytes) = read_first_file(&input).await {
                        match reports::verify_document_file(&bytes).await {
                            Ok(FileCheck::Original { verification }) => {
                                outcome.set(Some(Outcome::File(Some(true), Some(verification))))
                            }
                            Ok(FileCheck::Altered { verification, .. }) => {
                                outcome.set(Some(Outcome::File(Some(false), verification)))
                            }
                            Ok(FileCheck::Unknown) => outcome.set(Some(Outcome::File(None, None))),
                            Err(e) => error.set(Some(i18n.api_error_text(&e))),
                        }
                    }
                    input.set_value("");
                }
            }
        }
    });
    let busy = check.pending();

    let by_code = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let typed = code.get_untracked();
        if typed.trim().is_empty() || busy.get_untracked() {
            return;
        }
        error.set(None);
        check.dispatch_local(Check::Code(typed));
    };
    let by_photo = move |_| {
        if let Some(input) = photo_ref.get_untracked() {
            error.set(None);
            check.dispatch_local(Check::Photo(input));
        }
    };
    let by_file = move |_| {
        if let Some(input) = file_ref.get_untracked() {
            error.set(None);
            check.dispatch_local(Check::File(input));
        }
    };

    view! {
        <form class="card form" id="verify-document" on:submit=by_code novalidate=true>
            <h2>{move || i18n.t("verify.title")}</h2>
            <p class="muted">{move || i18n.t("verify.lead")}</p>
            <label for="verify-code">{move || i18n.t("verify.code")}</label>
            <input id="verify-code" autocomplete="off" autocapitalize="characters" spellcheck="false"
                maxlength="64" placeholder="VZIMB000417-7K3M-QX9P" bind:value=code/>
            <div class="button-row">
                <button type="submit" class="primary" id="verify-submit" disabled=move || busy.get()>
                    {move || i18n.t("verify.check")}
                </button>
                <label class="button secondary" for="verify-photo">{move || i18n.t("verify.scan")}</label>
                <input type="file" id="verify-photo" class="photo-input" accept="image/*" capture="environment"
                    node_ref=photo_ref on:change=by_photo/>
                <label class="button secondary" for="verify-file">{move || i18n.t("verify.file")}</label>
                <input type="file" id="verify-file" class="photo-input" accept="application/pdf,.pdf"
                    node_ref=file_ref on:change=by_file/>
            </div>
            {move || error.get().map(|e| view! { <p class="banner error" role="alert" id="verify-error">{e}</p> })}
            <div id="verify-result" role="status" aria-live="polite">
                {move || outcome.get().map(|o| view! { <OutcomeView outcome=o/> })}
            </div>
        </form>
    }
}

#[component]
fn OutcomeView(outcome: Outcome) -> impl IntoView {
    let i18n = use_i18n();
    match outcome {
        Outcome::Unknown(code) => view! {
            <p class="banner error wrap" id="verify-verdict" data-verdict="unknown">
                {i18n.t_with("verify.unknown", &[("code", code)])}
            </p>
        }
        .into_any(),
        Outcome::File(None, _) => view! {
            <p class="banner error wrap" id="verify-file-verdict" data-file="unknown">{i18n.t("verify.file_unknown")}</p>
        }
        .into_any(),
        Outcome::File(Some(original), v) => view! {
            <p class=if original { "banner ok wrap" } else { "banner error wrap" } id="verify-file-verdict"
                data-file=if original { "original" } else { "altered" }>
                {i18n.t(if original { "verify.file_original" } else { "verify.file_altered" })}
            </p>
            {v.map(|v| view! { <VerificationView v=v/> })}
        }
        .into_any(),
        Outcome::Verified(v) => view! { <VerificationView v=v/> }.into_any(),
    }
}

#[component]
fn VerificationView(v: Verification) -> impl IntoView {
    let i18n = use_i18n();
    let (class, key, code) = match v.verdict {
        Verdict::Matches => ("banner ok wrap", "verify.matches", "matches"),
        Verdict::ChangedSince => ("banner warn wrap", "verify.changed_since", "changed_since"),
        Verdict::DoesNotMatch if v.devices_behind == 1 => {
            ("banner error wrap", "verify.behind_one", "does_not_match")
        }
        Verdict::DoesNotMatch if v.devices_behind > 1 => {
            ("banner error wrap", "verify.behind_many", "does_not_match")
        }
        Verdict::DoesNotMatch => ("banner error wrap", "verify.rewritten", "does_not_match"),
    };
    let changes = v.changes.clone();
    view! {
        <p class=class id="verify-verdict" data-verdict=code>
            {i18n.t_with(key, &[("n", v.devices_behind.to_string())])}
        </p>
        <dl class="seal-facts">
            <dt>{i18n.t("verify.document")}</dt><dd id="verify-doc">{v.document.clone()}</dd>
            <dt>{i18n.t("verify.clinic")}</dt><dd>{v.clinic.clone()}</dd>
            <dt>{i18n.t("verify.generated_at")}</dt><dd>{v.generated_at.clone()}</dd>
            {v.generated_by.clone().map(|by| view! { <dt>{i18n.t("verify.generated_by")}</dt><dd>{by}</dd> })}
            <dt>{i18n.t("verify.records")}</dt><dd>{v.records.to_string()}</dd>
            <dt>{i18n.t("verify.code")}</dt><dd class="wrap">{v.code.clone()}</dd>
        </dl>
        <Show when=move || !changes.is_empty()>
            <h3>{i18n.t("verify.changes")}</h3>
        </Show>
        <ul class="gaps" id="verify-changes">
            {v.changes.iter().map(|c| view! { <li class="gap wrap">{c.clone()}</li> }).collect_view()}
        </ul>
    }
}
