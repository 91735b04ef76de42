//! The web build's host: the replica runs in a dedicated Web Worker (`worker.js`,
//! the `cosabi-worker` crate), and a command is a message to it.
//!
//! A request is `{ id, name, args }` (the command's JSON text) or, for a raw command,
//! `{ id, name, headers, body }` (the bytes as a `Uint8Array`, transferred, not
//! copied); the worker answers `{ id, ok }` (the output's JSON text) or `{ id, err }`
//! (the error object's JSON text). Answers may come in any order: each call waits
//! for its own id. The worker is started on the first call and lives as long as the
//! page.

use super::ApiError;
use futures::channel::oneshot;
use std::cell::RefCell;
use std::collections::HashMap;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// The worker's script, next to `index.html`.
const WORKER_SCRIPT: &str = "worker.js";

/// What a call receives: the JSON text of the output, or of the error object.
type Answer = Result<String, String>;

struct Bridge {
    worker: web_sys::Worker,
    next_id: u32,
    waiting: HashMap<u32, oneshot::Sender<Answer>>,
    // Kept alive as long as the worker: dropping them would detach the handlers.
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
}

thread_local! {
    static BRIDGE: RefCell<Option<Bridge>> = const { RefCell::new(None) };
}

/// Whether this page runs inside the Tauri shell (else it is the web build).
pub fn in_shell() -> bool {
    web_sys::window()
        .map(|w| {
            js_sys::Reflect::has(&w, &JsValue::from_str("__TAURI_INTERNALS__")).unwrap_or(false)
        })
        .unwrap_or(false)
}

fn get(obj: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn set(obj: &js_sys::Object, key: &str, value: &JsValue) -> Result<(), ApiError> {
    js_sys::Reflect::set(obj, &JsValue::from_str(key), value)
        .map(|_| ())
        .map_err(|_| ApiError::code("unknown"))
}

/// An error object as JSON text, for answers made on this side.
fn error_text(code: &str) -> String {
    format!(r#"{{"code":"{code}","errors":[]}}"#)
}

fn start() -> Result<Bridge, ApiError> {
    let options = web_sys::WorkerOptions::new();
    options.set_type(web_sys::WorkerType::Module);
    let worker = web_sys::Worker::new_with_options(WORKER_SCRIPT, &options)
        .map_err(|_| ApiError::code("no_worker"))?;
    let on_message =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(|event: web_sys::MessageEvent| {
            let data = event.data();
            let Some(id) = get(&data, "id").as_f64() else {
                return;
            };
            let answer = match get(&data, "ok").as_string() {
                Some(ok) => Ok(ok),
                None => Err(get(&data, "err")
                    .as_string()
                    .unwrap_or_else(|| error_text("unknown"))),
            };
            let sender =
                BRIDGE.with_borrow_mut(|b| b.as_mut().and_then(|b| b.waiting.remove(&(id as u32))));
            if let Some(sender) = sender {
                let _ = sender.send(answer);
            }
        });
    // The script failed to load or threw before answering: every call waiting now
    // gets an error instead of waiting for ever, and the next call starts it again.
    let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(|_event: web_sys::Event| {
        if let Some(bridge) = BRIDGE.with_borrow_mut(Option::take) {
            bridge.worker.terminate();
            for (_, sender) in bridge.waiting {
                let _ = sender.send(Err(error_text("no_worker")));
            }
        }
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    Ok(Bridge {
        worker,
        next_id: 1,
        waiting: HashMap::new(),
        _on_message: on_message,
        _on_error: on_error,
    })
}

/// Posts `message` (with `transfer`) once an id is set on it, and waits for its answer.
async fn post(message: js_sys::Object, transfer: Option<js_sys::Array>) -> Answer {
    let receiver = BRIDGE.with_borrow_mut(|slot| -> Result<_, ApiError> {
        if slot.is_none() {
            *slot = Some(start()?);
        }
        let bridge = slot.as_mut().ok_or_else(|| ApiError::code("no_worker"))?;
        let id = bridge.next_id;
        bridge.next_id = bridge.next_id.wrapping_add(1).max(1);
        set(&message, "id", &JsValue::from(id))?;
        let posted = match &transfer {
            Some(t) => bridge.worker.post_message_with_transfer(&message, t),
            None => bridge.worker.post_message(&message),
        };
        posted.map_err(|_| ApiError::code("no_worker"))?;
        let (sender, receiver) = oneshot::channel();
        bridge.waiting.insert(id, sender);
        Ok(receiver)
    });
    match receiver {
        Ok(receiver) => receiver
            .await
            .unwrap_or_else(|_| Err(error_text("no_worker"))),
        Err(e) => Err(error_text(&e.code)),
    }
}

/// Sends JSON command `name` with its arguments (`args`, JSON text).
pub async fn call(name: &str, args: String) -> Answer {
    let message = js_sys::Object::new();
    let sent = set(&message, "name", &JsValue::from_str(name))
        .and_then(|_| set(&message, "args", &JsValue::from_str(&args)));
    if sent.is_err() {
        return Err(error_text("unknown"));
    }
    post(message, None).await
}

/// Sends raw command `name`: `headers` as a plain object, `bytes` as its body.
pub async fn call_raw(name: &str, headers: Vec<(&'static str, String)>, bytes: &[u8]) -> Answer {
    let body = js_sys::Uint8Array::from(bytes);
    let head = js_sys::Object::new();
    let message = js_sys::Object::new();
    let built = (|| {
        for (k, v) in headers {
            set(&head, k, &JsValue::from_str(&v))?;
        }
        set(&message, "name", &JsValue::from_str(name))?;
        set(&message, "headers", &head)?;
        set(&message, "body", &body)
    })();
    if built.is_err() {
        return Err(error_text("unknown"));
    }
    let transfer = js_sys::Array::of1(&body.buffer());
    post(message, Some(transfer)).await
}
