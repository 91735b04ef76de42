//! Amounts as people read them: `$1,234,567.89`, allowed to wrap at its thousands
//! separators (never inside a group) so a seven-figure amount fits a narrow column.

use cosabi_core::Centavos;
use leptos::prelude::*;

/// `amount` formatted with the shared helper, with a line-break opportunity after
/// each comma.
pub fn amount_view(amount: Centavos) -> impl IntoView {
    let text = amount.to_string();
    let parts: Vec<String> = text.split(',').map(str::to_owned).collect();
    let last = parts.len().saturating_sub(1);
    parts
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            if i < last {
                view! { {p}","<wbr/> }.into_any()
            } else {
                view! { {p} }.into_any()
            }
        })
        .collect_view()
}

/// What is left to spend: on the card and in cash.
pub fn left_to_spend(card: Centavos, cash: Centavos) -> Centavos {
    card.checked_add(cash).unwrap_or(card)
}
