//! The PIN field. A PIN may be typed or pasted (from a note, a message, a password
//! manager): nothing blocks paste, and whatever arrives is reduced to its digits, so
//! " 1357\n" or "13 57" pasted from a message is the PIN 1357. No `maxlength`: the
//! browser would cut a pasted "13 57 90" before the spaces are dropped; the digits are
//! cut to [`PIN_DIGITS_MAX`] instead.

use leptos::prelude::*;

/// Longest PIN, in digits (the replica refuses longer ones too).
pub const PIN_DIGITS_MAX: usize = 6;

/// The digits of what was typed or pasted, at most [`PIN_DIGITS_MAX`].
pub fn pin_digits(raw: &str) -> String {
    raw.chars()
        .filter(char::is_ascii_digit)
        .take(PIN_DIGITS_MAX)
        .collect()
}

/// A PIN field bound to `value`: hidden as typed, the phone's number pad, no autofill
/// (a shared device), paste allowed.
#[component]
pub fn PinInput(
    /// The element id, which the field's `<label for>` names.
    id: &'static str,
    /// The PIN typed so far (digits only).
    value: RwSignal<String>,
) -> impl IntoView {
    let on_input = move |ev| {
        let digits = pin_digits(&event_target_value(&ev));
        // Set even when unchanged, so a refused character disappears from the field.
        value.set(digits);
    };
    view! {
        <input id=id type="password" inputmode="numeric" pattern="[0-9]*" autocomplete="off"
            prop:value=move || value.get() on:input=on_input/>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pasted_pin_keeps_its_digits() {
        assert_eq!(pin_digits(" 1357\n"), "1357");
        assert_eq!(pin_digits("13 57 90"), "135790");
        assert_eq!(pin_digits("1234567"), "123456");
        assert_eq!(pin_digits("abc"), "");
    }
}
