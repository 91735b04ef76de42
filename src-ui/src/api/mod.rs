//! One typed async function per shell command, so components never touch `JsValue`.
//!
//! Each goes through [`call`] (or [`call_raw`]) with the command's type from
//! `cosabi-api`: the command's name, its arguments and its result are the contract's,
//! never a string or a struct of this crate.

use cosabi_api::{self as c, Command, RawCommand};
use cosabi_core::clinic::{Clinic, NewClinic};
use cosabi_core::committee::{Member, NewMember};
use cosabi_core::ids::MemberId;
use cosabi_core::settings::Preference;
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;

pub mod actions;
pub mod assembly;
pub mod money;
pub mod photos;
pub mod reports;
pub mod session;
pub mod views;
pub mod worker;

#[wasm_bindgen]
extern "C" {
    // `catch`: outside the Tauri shell `__TAURI_INTERNALS__` is missing, and the
    // lookup must become an `Err`, not a crash.
    #[wasm_bindgen(catch, js_namespace = ["window", "__TAURI_INTERNALS__"], js_name = invoke)]
    async fn tauri_invoke(cmd: &str, args: JsValue) -> Result<JsValue, JsValue>;

    /// The same function with options: a `Uint8Array` as `args` travels as the raw
    /// request body, and `options.headers` (a plain object) as request headers.
    #[wasm_bindgen(catch, js_namespace = ["window", "__TAURI_INTERNALS__"], js_name = invoke)]
    async fn tauri_invoke_with(
        cmd: &str,
        args: JsValue,
        options: JsValue,
    ) -> Result<JsValue, JsValue>;
}

/// Calls command `C` on the host: its arguments as a camelCase JSON object, its
/// result read as `C::Output`. The only way the UI reaches the replica (with
/// [`call_raw`]). The host is the Tauri shell on the desktop, the web worker in the
/// web build ([`worker`]); the UI does not otherwise know which.
pub async fn call<C: Command>(command: &C) -> Result<C::Output, ApiError> {
    if !worker::in_shell() {
        let args = serde_json::to_string(command).map_err(|_| ApiError::code("unknown"))?;
        return answer_text(worker::call(C::NAME, args).await);
    }
    let args = serde_wasm_bindgen::to_value(command).map_err(|_| ApiError::code("unknown"))?;
    answer(tauri_invoke(C::NAME, args).await)
}

/// Calls raw command `C`: `bytes` travel as the request's body, `C`'s fields as its
/// `x-…` headers.
pub async fn call_raw<C: RawCommand>(command: &C, bytes: &[u8]) -> Result<C::Output, ApiError> {
    if !worker::in_shell() {
        return answer_text(worker::call_raw(C::NAME, command.headers(), bytes).await);
    }
    let body = js_sys::Uint8Array::from(bytes);
    let head = js_sys::Object::new();
    for (k, v) in command.headers() {
        js_sys::Reflect::set(&head, &JsValue::from_str(k), &JsValue::from_str(&v))
            .map_err(|_| ApiError::code("unknown"))?;
    }
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &JsValue::from_str("headers"), &head)
        .map_err(|_| ApiError::code("unknown"))?;
    answer(tauri_invoke_with(C::NAME, body.into(), options.into()).await)
}

/// The shell's answer: the output, or its error object (`no_shell` outside the shell).
fn answer<T: DeserializeOwned>(result: Result<JsValue, JsValue>) -> Result<T, ApiError> {
    match result {
        Ok(value) => serde_wasm_bindgen::from_value(value).map_err(|_| ApiError::code("unknown")),
        Err(err) => {
            Err(serde_wasm_bindgen::from_value(err).unwrap_or_else(|_| ApiError::code("no_shell")))
        }
    }
}

/// The worker's answer, as JSON text: the output, or its error object.
fn answer_text<T: DeserializeOwned>(result: Result<String, String>) -> Result<T, ApiError> {
    match result {
        Ok(text) => serde_json::from_str(&text).map_err(|_| ApiError::code("unknown")),
        Err(text) => Err(serde_json::from_str(&text).unwrap_or_else(|_| ApiError::code("unknown"))),
    }
}

/// A failed command, as the host reports it: a code the UI translates, and for
/// invalid input the problems per field. The contract's own type, so the UI reads
/// exactly what every host sends.
pub use cosabi_api::ApiError;

pub async fn get_clinic() -> Result<Option<Clinic>, ApiError> {
    call(&c::GetClinic {}).await
}

pub async fn create_clinic(input: &NewClinic) -> Result<Clinic, ApiError> {
    call(&c::CreateClinic {
        input: input.clone(),
    })
    .await
}

pub async fn load_demo() -> Result<Clinic, ApiError> {
    call(&c::LoadDemo {}).await
}

/// Leaves demo mode: the demo's records are removed and the first screen comes back.
pub async fn leave_demo() -> Result<(), ApiError> {
    call(&c::LeaveDemo {}).await
}

pub async fn list_members() -> Result<Vec<Member>, ApiError> {
    call(&c::ListMembers {}).await
}

pub async fn add_member(input: &NewMember) -> Result<Member, ApiError> {
    call(&c::AddMember {
        input: input.clone(),
    })
    .await
}

/// Corrects a member's name, term or gender.
pub async fn update_member(member: MemberId, input: &NewMember) -> Result<Member, ApiError> {
    call(&c::UpdateMember {
        member,
        input: input.clone(),
    })
    .await
}

/// Seats `input` in `member`'s place; `member`'s term ends the day before.
pub async fn replace_member(member: MemberId, input: &NewMember) -> Result<Member, ApiError> {
    call(&c::ReplaceMember {
        member,
        input: input.clone(),
    })
    .await
}

/// Ends `member`'s term on `on` (dd/mm/aaaa).
pub async fn end_term(member: MemberId, on: &str) -> Result<Member, ApiError> {
    call(&c::EndTerm {
        member,
        on: on.to_owned(),
    })
    .await
}

/// A device preference, by name: nothing else of the device's settings is reachable.
pub async fn get_preference(name: Preference) -> Result<Option<String>, ApiError> {
    call(&c::GetPreference { name }).await
}

pub async fn set_preference(name: Preference, value: &str) -> Result<(), ApiError> {
    call(&c::SetPreference {
        name,
        value: value.to_owned(),
    })
    .await
}

/// What was typed in form `form` and not yet saved.
pub async fn get_draft(form: &str) -> Result<Option<String>, ApiError> {
    call(&c::GetDraft {
        form: form.to_owned(),
    })
    .await
}

pub async fn set_draft(form: &str, text: &str) -> Result<(), ApiError> {
    call(&c::SetDraft {
        form: form.to_owned(),
        text: text.to_owned(),
    })
    .await
}
