//! One typed async function per shell command, so components never touch `JsValue`.

use cosabi_core::clinic::{Clinic, NewClinic};
use cosabi_core::committee::{Member, NewMember};
use cosabi_core::ids::MemberId;
use cosabi_core::settings::Preference;
use cosabi_core::ValidationError;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

pub mod actions;
pub mod assembly;
pub mod money;
pub mod photos;
pub mod reports;
pub mod session;
pub mod views;

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

/// Sends `bytes` as the raw body of command `cmd`, with `headers`.
pub(crate) async fn invoke_raw<T: DeserializeOwned>(
    cmd: &str,
    bytes: &[u8],
    headers: &[(&str, String)],
) -> Result<T, ApiError> {
    let body = js_sys::Uint8Array::from(bytes);
    let head = js_sys::Object::new();
    for (k, v) in headers {
        js_sys::Reflect::set(&head, &JsValue::from_str(k), &JsValue::from_str(v))
            .map_err(|_| ApiError::local("unknown"))?;
    }
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &JsValue::from_str("headers"), &head)
        .map_err(|_| ApiError::local("unknown"))?;
    match tauri_invoke_with(cmd, body.into(), options.into()).await {
        Ok(value) => serde_wasm_bindgen::from_value(value).map_err(|_| ApiError::local("unknown")),
        Err(err) => {
            Err(serde_wasm_bindgen::from_value(err).unwrap_or_else(|_| ApiError::local("no_shell")))
        }
    }
}

/// A failed command, as the shell reports it: a code the UI translates, and for
/// invalid input the problems per field.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ApiError {
    pub code: String,
    #[serde(default)]
    pub errors: Vec<ValidationError>,
}

impl ApiError {
    fn local(code: &str) -> Self {
        ApiError {
            code: code.to_owned(),
            errors: Vec::new(),
        }
    }
}

pub(crate) async fn invoke<A: Serialize, T: DeserializeOwned>(
    cmd: &str,
    args: &A,
) -> Result<T, ApiError> {
    let args = serde_wasm_bindgen::to_value(args).map_err(|_| ApiError::local("unknown"))?;
    match tauri_invoke(cmd, args).await {
        Ok(value) => serde_wasm_bindgen::from_value(value).map_err(|_| ApiError::local("unknown")),
        Err(err) => {
            Err(serde_wasm_bindgen::from_value(err).unwrap_or_else(|_| ApiError::local("no_shell")))
        }
    }
}

#[derive(Serialize)]
pub(crate) struct NoArgs {}

#[derive(Serialize)]
pub(crate) struct Input<'a, T> {
    pub input: &'a T,
}

pub async fn get_clinic() -> Result<Option<Clinic>, ApiError> {
    invoke("get_clinic", &NoArgs {}).await
}

pub async fn create_clinic(input: &NewClinic) -> Result<Clinic, ApiError> {
    invoke("create_clinic", &Input { input }).await
}

pub async fn load_demo() -> Result<Clinic, ApiError> {
    invoke("load_demo", &NoArgs {}).await
}

/// Leaves demo mode: the demo's records are removed and the first screen comes back.
pub async fn leave_demo() -> Result<(), ApiError> {
    invoke("leave_demo", &NoArgs {}).await
}

pub async fn list_members() -> Result<Vec<Member>, ApiError> {
    invoke("list_members", &NoArgs {}).await
}

pub async fn add_member(input: &NewMember) -> Result<Member, ApiError> {
    invoke("add_member", &Input { input }).await
}

#[derive(Serialize)]
struct MemberInput<'a> {
    member: MemberId,
    input: &'a NewMember,
}

/// Corrects a member's name, term or gender.
pub async fn update_member(member: MemberId, input: &NewMember) -> Result<Member, ApiError> {
    invoke("update_member", &MemberInput { member, input }).await
}

/// Seats `input` in `member`'s place; `member`'s term ends the day before.
pub async fn replace_member(member: MemberId, input: &NewMember) -> Result<Member, ApiError> {
    invoke("replace_member", &MemberInput { member, input }).await
}

#[derive(Serialize)]
struct EndTermArgs<'a> {
    member: MemberId,
    on: &'a str,
}

/// Ends `member`'s term on `on` (dd/mm/aaaa).
pub async fn end_term(member: MemberId, on: &str) -> Result<Member, ApiError> {
    invoke("end_term", &EndTermArgs { member, on }).await
}

#[derive(Serialize)]
struct PreferenceArgs<'a> {
    name: Preference,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<&'a str>,
}

#[derive(Serialize)]
struct DraftArgs<'a> {
    form: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<&'a str>,
}

/// A device preference, by name: nothing else of the device's settings is reachable.
pub async fn get_preference(name: Preference) -> Result<Option<String>, ApiError> {
    invoke("get_preference", &PreferenceArgs { name, value: None }).await
}

pub async fn set_preference(name: Preference, value: &str) -> Result<(), ApiError> {
    invoke(
        "set_preference",
        &PreferenceArgs {
            name,
            value: Some(value),
        },
    )
    .await
}

/// What was typed in form `form` and not yet saved.
pub async fn get_draft(form: &str) -> Result<Option<String>, ApiError> {
    invoke("get_draft", &DraftArgs { form, text: None }).await
}

pub async fn set_draft(form: &str, text: &str) -> Result<(), ApiError> {
    invoke(
        "set_draft",
        &DraftArgs {
            form,
            text: Some(text),
        },
    )
    .await
}
