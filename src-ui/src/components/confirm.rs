//! Asking before something that removes or seals: an in-app dialog (never
//! `window.confirm`, which the webview may not show and which cannot be styled or
//! translated). Focus starts on "Cancelar", the safe answer; Escape cancels; Tab and
//! Shift+Tab stay inside the dialog while it is open (WCAG 2.4.3, a modal keeps the
//! focus), and the focus goes back to what opened it when it closes.

use leptos::prelude::*;
use leptos::wasm_bindgen::JsCast;

/// The next button Tab (or Shift+Tab when `back`) reaches among `ids`, from the one
/// with the focus (`active`); from anywhere else, the first.
fn next_in_cycle<'a>(ids: &[&'a str], active: Option<&str>, back: bool) -> Option<&'a str> {
    let n = ids.len();
    if n == 0 {
        return None;
    }
    let next = match ids.iter().position(|i| Some(*i) == active) {
        None => 0,
        Some(at) if back => (at + n - 1) % n,
        Some(at) => (at + 1) % n,
    };
    Some(ids[next])
}

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
    // What had the focus before the dialog opened, to give it back on close.
    let opener = StoredValue::new_local(None::<web_sys::HtmlElement>);
    Effect::new(move |was_open: Option<bool>| {
        let is_open = open.get();
        if is_open && was_open != Some(true) {
            opener.set_value(
                document()
                    .active_element()
                    .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()),
            );
        }
        if is_open {
            if let Some(b) = cancel_ref.get() {
                let _ = b.focus();
            }
        } else if was_open == Some(true) {
            if let Some(e) = opener.get_value().filter(|e| e.is_connected()) {
                let _ = e.focus();
            }
        }
        is_open
    });
    let keep_focus_inside = move |ev: &leptos::ev::KeyboardEvent| {
        let (cancel_id, confirm_id) = (format!("{id}-cancel"), format!("{id}-confirm"));
        let mut ids = vec![cancel_id.as_str()];
        if !busy.get_untracked() {
            ids.push(confirm_id.as_str());
        }
        let active = document().active_element().map(|e| e.id());
        let Some(next) = next_in_cycle(&ids, active.as_deref(), ev.shift_key()) else {
            return;
        };
        ev.prevent_default();
        if let Some(b) = document()
            .get_element_by_id(next)
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = b.focus();
        }
    };
    view! {
        <Show when=move || open.get()>
            <div class="confirm-backdrop"
                on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                    // Shift+Tab may come as key "Unidentified" (GTK's ISO_Left_Tab):
                    // the physical key says Tab all the same.
                    if ev.key() == "Escape" {
                        open.set(false);
                    } else if ev.key() == "Tab" || ev.code() == "Tab" {
                        keep_focus_inside(&ev);
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

#[cfg(test)]
mod tests {
    use super::next_in_cycle;

    #[test]
    fn tab_cycles_inside_the_dialog() {
        let both = ["d-cancel", "d-confirm"];
        assert_eq!(
            next_in_cycle(&both, Some("d-cancel"), false),
            Some("d-confirm")
        );
        assert_eq!(
            next_in_cycle(&both, Some("d-confirm"), false),
            Some("d-cancel")
        );
        assert_eq!(
            next_in_cycle(&both, Some("d-cancel"), true),
            Some("d-confirm")
        );
        assert_eq!(
            next_in_cycle(&both, Some("d-confirm"), true),
            Some("d-cancel")
        );
        // From outside the dialog (the page behind it), back to its first button.
        assert_eq!(
            next_in_cycle(&both, Some("step-next"), false),
            Some("d-cancel")
        );
        assert_eq!(next_in_cycle(&both, None, true), Some("d-cancel"));
        // While confirming runs, only "Cancelar" can hold the focus.
        assert_eq!(
            next_in_cycle(&["d-cancel"], Some("d-cancel"), false),
            Some("d-cancel")
        );
        assert_eq!(next_in_cycle(&[], None, false), None);
    }
}
