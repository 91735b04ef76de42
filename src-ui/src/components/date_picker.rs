//! A calendar beside every date field: the field keeps taking dd/mm/aaaa typed, and
//! "Calendario" opens a month to tap a day in, which writes dd/mm/aaaa into it. A
//! hand-built month grid: WebKitGTK's `<input type=date>` shows no picker, and a
//! native picker would show the system's date format, not dd/mm/aaaa.

use crate::i18n::use_i18n;
use chrono::{Datelike, NaiveDate};
use leptos::prelude::*;

/// The first day of the month `months` away from `d`'s.
fn month_start(d: NaiveDate, months: i32) -> NaiveDate {
    let index = d.year() * 12 + d.month0() as i32 + months;
    NaiveDate::from_ymd_opt(index.div_euclid(12), index.rem_euclid(12) as u32 + 1, 1).unwrap_or(d)
}

/// The month's days in weeks from Monday; `None` pads before the 1st and after the last.
fn weeks(first: NaiveDate) -> Vec<[Option<NaiveDate>; 7]> {
    let pad = first.weekday().num_days_from_monday() as usize;
    let next = month_start(first, 1);
    let days: Vec<NaiveDate> = first.iter_days().take_while(|d| *d < next).collect();
    let mut cells: Vec<Option<NaiveDate>> = vec![None; pad];
    cells.extend(days.into_iter().map(Some));
    while cells.len() % 7 != 0 {
        cells.push(None);
    }
    cells
        .chunks(7)
        .map(|w| [w[0], w[1], w[2], w[3], w[4], w[5], w[6]])
        .collect()
}

/// "Calendario" for the date field `for_id`, whose text is `value`.
#[component]
pub fn DatePicker(value: RwSignal<String>, for_id: &'static str) -> impl IntoView {
    let i18n = use_i18n();
    let open = RwSignal::new(false);
    let shown = RwSignal::new(crate::pages::money::today_date());
    let toggle = move |_| {
        if !open.get_untracked() {
            let base = cosabi_core::format::read_date_input(&value.get_untracked())
                .unwrap_or_else(|_| crate::pages::money::today_date());
            shown.set(month_start(base, 0));
        }
        open.update(|o| *o = !*o);
    };
    let pick = move |d: NaiveDate| {
        value.set(d.format("%d/%m/%Y").to_string());
        open.set(false);
        if let Some(input) = document().get_element_by_id(for_id) {
            use wasm_bindgen::JsCast;
            if let Ok(input) = input.dyn_into::<web_sys::HtmlElement>() {
                let _ = input.focus();
            }
        }
    };
    let month_name = move |d: NaiveDate| {
        format!(
            "{} {}",
            i18n.t(&format!("cal.month.{}", d.month())),
            d.year()
        )
    };
    let calendar_id = format!("{for_id}-calendar");
    view! {
        <button type="button" class="secondary date-open" id=format!("{for_id}-open")
            aria-expanded=move || open.get().to_string() aria-controls=calendar_id.clone()
            on:click=toggle>
            {move || i18n.t("cal.open")}
        </button>
        <Show when=move || open.get()>
            <div class="calendar" id=calendar_id.clone() role="group"
                aria-label=move || i18n.t("cal.label")
                on:keydown=move |ev: leptos::ev::KeyboardEvent| if ev.key() == "Escape" { open.set(false) }>
                <div class="cal-head">
                    <button type="button" class="secondary cal-prev" aria-label=move || i18n.t("cal.prev")
                        on:click=move |_| shown.update(|d| *d = month_start(*d, -1))>"‹"</button>
                    <span class="cal-month" aria-live="polite">{move || month_name(shown.get())}</span>
                    <button type="button" class="secondary cal-next" aria-label=move || i18n.t("cal.next")
                        on:click=move |_| shown.update(|d| *d = month_start(*d, 1))>"›"</button>
                </div>
                <table class="cal-grid">
                    <thead><tr>
                        {(1..=7).map(|i| view! {
                            <th scope="col" abbr=move || i18n.t(&format!("cal.weekday.{i}"))>
                                {move || i18n.t(&format!("cal.weekday_short.{i}"))}
                            </th>
                        }).collect_view()}
                    </tr></thead>
                    <tbody>
                        {move || {
                            let selected = cosabi_core::format::read_date_input(&value.get()).ok();
                            weeks(shown.get()).into_iter().map(|week| view! {
                                <tr>{week.into_iter().map(|day| match day {
                                    Some(d) => view! {
                                        <td><button type="button" class="cal-day"
                                            class:selected=selected == Some(d)
                                            aria-pressed=(selected == Some(d)).to_string()
                                            aria-label=d.format("%d/%m/%Y").to_string()
                                            on:click=move |_| pick(d)>{d.day()}</button></td>
                                    }.into_any(),
                                    None => view! { <td></td> }.into_any(),
                                }).collect_view()}</tr>
                            }).collect_view()
                        }}
                    </tbody>
                </table>
            </div>
        </Show>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn months_step_across_years() {
        assert_eq!(month_start(ymd(2026, 1, 31), -1), ymd(2025, 12, 1));
        assert_eq!(month_start(ymd(2026, 12, 3), 1), ymd(2027, 1, 1));
        assert_eq!(month_start(ymd(2026, 3, 15), 0), ymd(2026, 3, 1));
    }

    #[test]
    fn a_month_in_weeks_from_monday() {
        // March 2026 starts on a Sunday: six padded cells, 31 days, five weeks and one.
        let w = weeks(ymd(2026, 3, 1));
        assert_eq!(w.len(), 6);
        assert_eq!(w[0][6], Some(ymd(2026, 3, 1)));
        assert!(w[0][..6].iter().all(Option::is_none));
        let days: Vec<_> = w.iter().flatten().flatten().collect();
        assert_eq!(days.len(), 31);
        // February 2027 starts on a Monday and fills four weeks exactly.
        assert_eq!(weeks(ymd(2027, 2, 1)).len(), 4);
    }
}
