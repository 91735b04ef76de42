//! The web app at `/app`: the built files of Cosabi's installable offline web app
//! (a phone installs it from `https://<server>/app`), served from a directory named
//! by `web_app` in the configuration (`--web-app`, `COSABI_WEB_APP`).
//!
//! The directory is read once at start, whole, into memory: a build is a few MB, a
//! file changed under a running server cannot be half-served, and nothing outside
//! the directory can ever be reached (no path from a request touches the disk). What
//! is read is bounded ([`FILES_MAX`], [`BYTES_MAX`]) and only known kinds of file are
//! kept, each with its MIME type.
//!
//! Every answer carries a Content-Security-Policy: scripts only from this origin
//! (plus WebAssembly, and the inline scripts of `index.html`, each allowed by its
//! SHA-256), no plugins, no framing, fetches only to this server. Caching:
//! file names with a content hash (`cosabi-ui-0123456789abcdef.js`) never change, so
//! they are cached for a year; everything else (`index.html`, the service worker,
//! the manifest) is revalidated on each use, cheaply, by its ETag. Text and
//! WebAssembly are sent compressed to clients that accept it: brotli where the build
//! holds a `<file>.br` beside the file (the web build writes them at brotli's best,
//! too slow to do at each start) and it decompresses to exactly the file, else
//! gzip, made when the server starts.

use anyhow::{bail, Context};
use axum::extract::{Path as UrlPath, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use base64::Engine as _;
use bytes::Bytes;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::Path;

use crate::AppState;

/// Files a build may hold at most (today's has about a dozen).
pub const FILES_MAX: usize = 500;
/// Bytes a build may hold at most, all files together.
pub const BYTES_MAX: u64 = 64 * 1024 * 1024;
/// How deep folders may nest inside the build.
const DEPTH_MAX: usize = 4;
/// A hashed file's lifetime in caches: a year (its name changes with its content).
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Everything else is checked with the server on each use (by ETag).
const REVALIDATE: &str = "no-cache";

/// The kinds of file served, by extension, with their MIME type and whether they
/// are worth compressing.
const KINDS: &[(&str, &str, bool)] = &[
    ("html", "text/html; charset=utf-8", true),
    ("js", "text/javascript; charset=utf-8", true),
    ("mjs", "text/javascript; charset=utf-8", true),
    ("wasm", "application/wasm", true),
    ("css", "text/css; charset=utf-8", true),
    ("json", "application/json", true),
    ("webmanifest", "application/manifest+json", true),
    ("svg", "image/svg+xml", true),
    ("txt", "text/plain; charset=utf-8", true),
    ("png", "image/png", false),
    ("ico", "image/x-icon", false),
    ("woff2", "font/woff2", false),
];

/// One file of the build, ready to send.
#[derive(Debug)]
struct Asset {
    body: Bytes,
    /// The body gzip-compressed, when that is smaller.
    gzip: Option<Bytes>,
    /// The body brotli-compressed by the build (`<file>.br`), checked, when smaller.
    brotli: Option<Bytes>,
    mime: &'static str,
    etag: HeaderValue,
    immutable: bool,
}

/// The built web app, read from its directory.
#[derive(Debug)]
pub struct WebApp {
    /// By path inside the build, `/`-separated (`index.html`, `icons/192.png`).
    files: BTreeMap<String, Asset>,
    csp: HeaderValue,
}

/// Whether `name` carries a content hash as the build tools write it: its stem ends
/// with `-` and 16 or more hex digits (`cosabi-ui-0123456789abcdef_bg.wasm`).
pub fn is_hashed(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or(name);
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-')
        .is_some_and(|(_, h)| h.len() >= 16 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The `'sha256-…'` sources of the inline scripts of an HTML page (a `<script>`
/// without `src`), which its policy allows and nothing else inline.
pub fn inline_script_hashes(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let Some(open_end) = after.find('>') else {
            break;
        };
        let tag = &after[..open_end];
        let body_start = open_end + 1;
        let Some(close) = after[body_start..].find("</script") else {
            break;
        };
        let body = &after[body_start..body_start + close];
        if !tag.contains(" src=") && !body.trim().is_empty() {
            let digest = Sha256::digest(body.as_bytes());
            out.push(format!(
                "'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            ));
        }
        rest = &after[body_start + close..];
    }
    out
}

/// The policy of every answer under `/app`, allowing the page's own inline scripts.
fn policy(inline: &[String]) -> String {
    let mut script = String::from("'self' 'wasm-unsafe-eval'");
    for h in inline {
        script.push(' ');
        script.push_str(h);
    }
    format!(
        "default-src 'self'; script-src {script}; worker-src 'self'; connect-src 'self'; \
         img-src 'self' data: blob:; style-src 'self'; style-src-attr 'unsafe-inline'; \
         font-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'self'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

/// The build's brotli-compressed copy of `body` at `path`, if there is one and it is
/// what it says: it decompresses to exactly `body` (read no further than one byte
/// past it) and is smaller. A wrong or stale copy is left out, and logged.
fn brotli_copy(path: &Path, body: &[u8], name: &str) -> anyhow::Result<Option<Bytes>> {
    use std::io::Read as _;
    let compressed = match std::fs::read(path) {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let mut plain = Vec::with_capacity(body.len());
    let read = brotli_decompressor::Decompressor::new(compressed.as_slice(), 64 * 1024)
        .take(body.len() as u64 + 1)
        .read_to_end(&mut plain);
    if read.is_err() || plain != body {
        tracing::warn!(path = %name, "web app: its .br copy is not the file, left out");
        return Ok(None);
    }
    Ok((compressed.len() < body.len()).then(|| Bytes::from(compressed)))
}

/// Whether the request's `Accept-Encoding` accepts `coding` (by name or `*`, with
/// no `q=0`).
fn accepts(request: &HeaderMap, coding: &str) -> bool {
    request
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|e| {
            let mut parts = e.split(';');
            let name = parts.next().unwrap_or("").trim();
            let refused = parts.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q == 0.0)
            });
            (name.eq_ignore_ascii_case(coding) || name == "*") && !refused
        })
}

fn gzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes)?;
    enc.finish()
}

impl WebApp {
    /// Reads the build in `dir`: it must hold `index.html`; files of unknown kinds
    /// and hidden files are left out (and logged); links are not followed.
    pub fn load(dir: &Path) -> anyhow::Result<WebApp> {
        let mut files = BTreeMap::new();
        let mut total = 0u64;
        let mut pending = vec![(dir.to_path_buf(), String::new(), 0usize)];
        while let Some((folder, prefix, depth)) = pending.pop() {
            let entries = std::fs::read_dir(&folder)
                .with_context(|| format!("cannot read the web app folder {}", folder.display()))?;
            for entry in entries {
                let entry = entry?;
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.starts_with('.') {
                    continue;
                }
                let kind = entry.file_type()?;
                let path = format!("{prefix}{name}");
                if kind.is_dir() {
                    if depth + 1 > DEPTH_MAX {
                        bail!("the web app folder nests deeper than {DEPTH_MAX} folders at {path}");
                    }
                    pending.push((entry.path(), format!("{path}/"), depth + 1));
                    continue;
                }
                // A compressed copy, read with the file it copies.
                if name.ends_with(".br") {
                    continue;
                }
                if !kind.is_file() {
                    tracing::warn!(%path, "web app: not a regular file, left out");
                    continue;
                }
                let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
                let Some(&(_, mime, compress)) =
                    KINDS.iter().find(|(e, _, _)| Some(*e) == ext.as_deref())
                else {
                    tracing::warn!(%path, "web app: a kind of file it does not serve, left out");
                    continue;
                };
                if files.len() >= FILES_MAX {
                    bail!("the web app folder holds more than {FILES_MAX} files");
                }
                let body = std::fs::read(entry.path())
                    .with_context(|| format!("cannot read {}", entry.path().display()))?;
                total += body.len() as u64;
                if total > BYTES_MAX {
                    bail!("the web app folder holds more than {BYTES_MAX} bytes");
                }
                let etag = format!("\"{}\"", hex::encode(&Sha256::digest(&body)[..12]));
                let (gzip, brotli) = if compress {
                    let z = gzip(&body)?;
                    let mut br = entry.path().into_os_string();
                    br.push(".br");
                    (
                        (z.len() < body.len()).then(|| Bytes::from(z)),
                        brotli_copy(Path::new(&br), &body, &path)?,
                    )
                } else {
                    (None, None)
                };
                files.insert(
                    path,
                    Asset {
                        immutable: is_hashed(&name),
                        body: Bytes::from(body),
                        gzip,
                        brotli,
                        mime,
                        etag: HeaderValue::from_str(&etag)?,
                    },
                );
            }
        }
        let index = files.get("index.html").with_context(|| {
            format!(
                "{} has no index.html: is it a built web app?",
                dir.display()
            )
        })?;
        let html = std::str::from_utf8(&index.body).context("index.html is not UTF-8")?;
        let csp = HeaderValue::from_str(&policy(&inline_script_hashes(html)))?;
        Ok(WebApp { files, csp })
    }

    /// How many files were read, and their bytes (as sent uncompressed).
    pub fn size(&self) -> (usize, u64) {
        (
            self.files.len(),
            self.files.values().map(|a| a.body.len() as u64).sum(),
        )
    }

    /// The answer for `path` inside the build (`""` is `index.html`).
    fn answer(&self, path: &str, request: &HeaderMap) -> Response {
        let path = if path.is_empty() { "index.html" } else { path };
        let Some(asset) = self.files.get(path) else {
            return self.secured(
                (
                    StatusCode::NOT_FOUND,
                    [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                    "No existe ese archivo de la aplicación.",
                )
                    .into_response(),
            );
        };
        let cache = if asset.immutable {
            IMMUTABLE
        } else {
            REVALIDATE
        };
        let fresh = request
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.split(',')
                    .any(|t| t.trim() == "*" || t.trim().as_bytes() == asset.etag.as_bytes())
            });
        let mut resp = if fresh {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            let encoded = match (&asset.brotli, &asset.gzip) {
                (Some(b), _) if accepts(request, "br") => Some(("br", b)),
                (_, Some(z)) if accepts(request, "gzip") => Some(("gzip", z)),
                _ => None,
            };
            match encoded {
                Some((coding, bytes)) => (
                    [
                        (header::CONTENT_TYPE, asset.mime),
                        (header::CONTENT_ENCODING, coding),
                    ],
                    bytes.clone(),
                )
                    .into_response(),
                _ => ([(header::CONTENT_TYPE, asset.mime)], asset.body.clone()).into_response(),
            }
        };
        let h = resp.headers_mut();
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
        h.insert(header::ETAG, asset.etag.clone());
        if asset.gzip.is_some() || asset.brotli.is_some() {
            h.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
        }
        self.secured(resp)
    }

    /// The headers every answer under `/app` carries.
    fn secured(&self, mut resp: Response) -> Response {
        let h = resp.headers_mut();
        h.insert(header::CONTENT_SECURITY_POLICY, self.csp.clone());
        h.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        h.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
        resp
    }
}

async fn app_root() -> Redirect {
    Redirect::permanent("/app/")
}

async fn index(State(state): State<AppState>, headers: HeaderMap) -> Response {
    serve(&state, "", &headers)
}

async fn file(
    State(state): State<AppState>,
    UrlPath(path): UrlPath<String>,
    headers: HeaderMap,
) -> Response {
    serve(&state, &path, &headers)
}

fn serve(state: &AppState, path: &str, headers: &HeaderMap) -> Response {
    match &state.web_app {
        Some(app) => app.answer(path, headers),
        None => (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "La aplicación web no está instalada en este servidor (opción web_app).",
        )
            .into_response(),
    }
}

/// `/app`, `/app/` and every file of the build.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/app", get(app_root))
        .route("/app/", get(index))
        .route("/app/{*path}", get(file))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names_are_the_build_tools_ones() {
        assert!(is_hashed("cosabi-ui-0123456789abcdef.js"));
        assert!(is_hashed("cosabi-ui-0123456789abcdef_bg.wasm"));
        assert!(is_hashed("styles-a1b2c3d4e5f60718.css"));
        assert!(!is_hashed("index.html"));
        assert!(!is_hashed("sw.js"));
        assert!(!is_hashed("manifest.webmanifest"));
        assert!(!is_hashed("cosabi-ui.js"));
        assert!(!is_hashed("icon-192.png"));
    }

    #[test]
    fn inline_scripts_are_allowed_by_their_hash_and_no_other() {
        let html = r#"<html><head><script type="module">import init from '/app/x.js'; init();</script>
            <script src="/app/y.js"></script><script>  </script></head></html>"#;
        let hashes = inline_script_hashes(html);
        assert_eq!(hashes.len(), 1);
        let expected = base64::engine::general_purpose::STANDARD
            .encode(Sha256::digest(b"import init from '/app/x.js'; init();"));
        assert_eq!(hashes[0], format!("'sha256-{expected}'"));
        let p = policy(&hashes);
        assert!(p.contains(&hashes[0]));
        let scripts = p
            .split(';')
            .find(|d| d.trim().starts_with("script-src"))
            .unwrap();
        assert!(!scripts.contains("unsafe-inline"), "{scripts}");
        assert!(p.contains("frame-ancestors 'none'"));
    }
}
