//! One entry point for every host: a command named by a string, with its JSON
//! arguments (or its headers and bytes), becomes a call of the host's handler for
//! that command's type.
//!
//! A host implements [`Handle<C>`] for every JSON command `C` and [`HandleRaw<C>`]
//! for every raw one. [`dispatch`] and [`dispatch_raw`] require [`Commands`], the
//! trait every host that handles *all* the contract's commands has: the match from
//! names to types is generated from the same declarations as the types and [`ALL`]
//! and [`RAW`], so a command added to the contract and not handled by a host is a
//! compile error in that host, never an `unknown_command` at run time.
//!
//! The futures are not required to be `Send`: a web worker's are not (JavaScript
//! values), and the desktop shell runs each call on a blocking thread of its own.
//!
//! [`ALL`]: crate::ALL
//! [`RAW`]: crate::RAW

use crate::{ApiError, ApiResult, Command, RawCommand, RAW, UNKNOWN_COMMAND};
use std::future::Future;

/// A host's handler of JSON command `C`.
pub trait Handle<C: Command> {
    /// Runs `C` with its arguments.
    fn handle(&self, args: C) -> impl Future<Output = ApiResult<C::Output>>;
}

/// A host's handler of raw command `C`: its header fields and its body.
pub trait HandleRaw<C: RawCommand> {
    /// Runs `C` with its header fields and the request's bytes.
    fn handle_raw(&self, args: C, body: Vec<u8>) -> impl Future<Output = ApiResult<C::Output>>;
}

/// A host of the whole contract: it handles every JSON and every raw command.
pub trait Commands: crate::JsonCommands + crate::RawCommands {}
impl<H: crate::JsonCommands + crate::RawCommands + ?Sized> Commands for H {}

/// Runs command `name` with `args`, the JSON object the UI sends (camelCase keys;
/// `null` counts as `{}`). `unknown_command` for a name outside the contract,
/// `bad_arguments` for arguments that are not the command's, or for a raw command.
pub async fn dispatch<H: Commands + ?Sized>(
    host: &H,
    name: &str,
    args: serde_json::Value,
) -> ApiResult<serde_json::Value> {
    if RAW.iter().any(|(n, _)| *n == name) {
        return Err(ApiError::bad_arguments(name, "a raw command takes bytes"));
    }
    match crate::dispatch_json(host, name, args).await {
        Some(answer) => answer,
        None => Err(ApiError::code(UNKNOWN_COMMAND)),
    }
}

/// Runs raw command `name` with the request's headers (`header(name)`, names `x-…`
/// lowercase) and its body. `unknown_command` for a name outside the contract,
/// `bad_arguments` for a header missing or malformed, or for a JSON command.
pub async fn dispatch_raw<H: Commands + ?Sized>(
    host: &H,
    name: &str,
    header: &dyn Fn(&str) -> Option<String>,
    body: Vec<u8>,
) -> ApiResult<serde_json::Value> {
    if crate::ALL.iter().any(|(n, _)| *n == name) {
        return Err(ApiError::bad_arguments(
            name,
            "a JSON command takes arguments",
        ));
    }
    match crate::dispatch_raw_commands(host, name, header, body).await {
        Some(answer) => answer,
        None => Err(ApiError::code(UNKNOWN_COMMAND)),
    }
}

/// One JSON command: its arguments read, its handler run, its output as JSON.
pub(crate) async fn run<C: Command, H: Handle<C> + ?Sized>(
    host: &H,
    args: serde_json::Value,
) -> ApiResult<serde_json::Value> {
    let args = match args {
        serde_json::Value::Null => serde_json::Value::Object(Default::default()),
        other => other,
    };
    let args: C = serde_json::from_value(args)
        .map_err(|e| ApiError::bad_arguments(C::NAME, e.to_string()))?;
    output(host.handle(args).await?)
}

/// One raw command: its header fields read, its handler run, its output as JSON.
pub(crate) async fn run_raw<C: RawCommand, H: HandleRaw<C> + ?Sized>(
    host: &H,
    header: &dyn Fn(&str) -> Option<String>,
    body: Vec<u8>,
) -> ApiResult<serde_json::Value> {
    let args = C::from_headers(header).ok_or_else(|| {
        ApiError::bad_arguments(C::NAME, format!("headers {:?} expected", C::HEADERS))
    })?;
    output(host.handle_raw(args, body).await?)
}

fn output<T: serde::Serialize>(out: T) -> ApiResult<serde_json::Value> {
    // The contract's outputs are plain data (no maps with non-string keys), so this
    // does not fail; if one ever did, the UI is told without a panic.
    serde_json::to_value(out).map_err(|e| {
        eprintln!("cosabi: an output does not serialise: {e}");
        ApiError::code("unknown")
    })
}
