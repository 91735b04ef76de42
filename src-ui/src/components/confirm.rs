//! Asking before something that removes or seals: an in-app dialog (never
//! `window.confirm`, which the webview may not show and which cannot be styled or
//! translated). Focus starts on "Cancelar", the safe answer; Escape cancels.

use leptos::prelude::*;

/// A modal question with a confirming and a cancelling button, shown while `open`.
#[component]
pub fn ConfirmDialog(
    /// Shown while true; cancelling sets it false.
    open: RwSignal<bool>,
    /// Element id of the dialog; its buttons are `<id>-confirm` and `<id>-cancel`.
    id: &'static str,
    /// The question, as the dialog's title.
    title: Signal<String>,
    /// What will happen, under the title.
    text: Signal<String>,
    /// The confirming button's words ("Sí, quitar").
    confirm_label: Signal<String>,
    /// The cancelling button's words.
    cancel_label: Signal<String>,
    /// Runs on confirm; the caller closes the dialog when it is done.
    on_confirm: Callback<()>,
    /// While true, the confirming button is disabled (the write is running).
    #[prop(into)]
    busy: Signal<bool>,
    /// What is said once confirming failed, if anything.
    #[prop(into)]
    error: Signal<Option<String>>,
    /// A final step (closing the acta) rather than a removal: styled apart.
    #[prop(optional)]
    sealing: bool,
) -> impl IntoView {
    let cancel_ref = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |_| {
        if open.get() {
            if let Some(b) = cancel_ref.get() {
                let _ = b.focus();
            }
        }
    });
    view! {
        <Show when=move || open.get()>
            <div class="confirm-backdrop"
                on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                    if ev.key() == "Escape" {
                        open.set(false);
                    }
                }>
                <div class="confirm-dialog" class:sealing=sealing id=id role="alertdialog" aria-modal="true"
                    aria-labelledby=format!("{id}-title") aria-describedby=format!("{id}-text")>
                    <h2 id=format!("{id}-title")>{move || title.get()}</h2>
                    <p id=format!("{id}-text")>{move || text.get()}</p>
                    {move || error.get().map(|e| view! { <p class="banner error" role="alert" id=format!("{id}-error")>{e}</p> })}
                    <div class="confirm-actions">
                        <button type="button" class="secondary" id=format!("{id}-cancel") node_ref=cancel_ref
                            on:click=move |_| open.set(false)>
                            {move || cancel_label.get()}
                        </button>
                        <button type="button" class="primary" class:danger=!sealing class:sealing=sealing
                            id=format!("{id}-confirm")
                            disabled=move || busy.get()
                            on:click=move |_| on_confirm.run(())>
                            {move || confirm_label.get()}
                        </button>
                    </div>
                </div>
            </div>
        </Show>
    }
}
