//! The OpenAPI 3.1 description of the HTTP API, served at `/v1/openapi.json` and
//! committed as `docs/openapi.json` (a test keeps the two equal).

use serde_json::{json, Value};

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ErrorBody" } } }
    })
}

/// A programme view page: needs a session, cut to the account's scope.
fn programme_get(summary: &str) -> Value {
    json!({
        "summary": summary,
        "security": [{ "session": [] }],
        "parameters": [{ "name": "ejercicio", "in": "query", "required": false, "description": "Fiscal year (default: this year)", "schema": { "type": "integer" } }],
        "responses": {
            "200": { "description": "The page", "content": { "text/html": {}, "text/csv": {} } },
            "303": { "description": "No session: redirect to /programa/entrar" },
            "403": { "description": "Outside the account's scope" },
            "404": { "description": "No such state or clinic" }
        }
    })
}

fn programme_page(summary: &str, content_type: &str) -> Value {
    let mut get = programme_get(summary);
    get["responses"]["200"]["content"] = json!({ content_type: {} });
    json!({ "get": get })
}

/// The clinic's expediente: like a page, but a ZIP download.
fn expediente_get() -> Value {
    let mut get = programme_get("The clinic's expediente of the fiscal year (ZIP: actas, cuadernillo PDF and XLSX, receipt and action photos the server holds, indice.csv/html, completitud.csv/html), made from what its devices synced");
    get["responses"]["200"] = json!({
        "description": "The ZIP, with Content-Disposition: attachment; filename=\"expediente-<CLUES>-<year>.zip\"",
        "content": { "application/zip": {} }
    });
    get["responses"]["404"] =
        json!({ "description": "No such clinic, or it has not synced its records yet" });
    get["responses"]["503"] = json!({
        "description": "As many expedientes are being built as the server allows (COSABI_EXPEDIENTE_BUILDS_MAX); Retry-After says when to try again"
    });
    get
}

/// A public transparency page: no account; anything unpublished is the one 404.
fn transparency_get(summary: &str) -> Value {
    json!({
        "summary": summary,
        "parameters": [{ "name": "ejercicio", "in": "query", "required": false, "description": "Fiscal year, 2023 up to next year (default: this year); another value is the 404", "schema": { "type": "integer" } }],
        "responses": {
            "200": { "description": "The page (Content-Security-Policy: no script; cacheable for 5 minutes)", "content": { "text/html": {}, "text/csv": {} } },
            "404": { "description": "Not published: unknown or unlisted state, unregistered CLUES, malformed parameter (one page for all)", "content": { "text/html": {} } }
        }
    })
}

/// Adds to every operation the answers its extractors give on their own: 401 and
/// 403 where a device token is required, and for a request body 413 (over the
/// route's limit), 415 (another Content-Type) and 422 (the body does not fit the
/// schema), so the document lists every status a route can answer.
fn add_common_responses(doc: &mut Value) {
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for item in paths.values_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, op) in item.iter_mut() {
            if method == "parameters" {
                continue;
            }
            let device = op["security"]
                .as_array()
                .is_some_and(|s| s.iter().any(|r| r.get("device").is_some()));
            let body = op.get("requestBody").is_some();
            let head = method == "head";
            let Some(responses) = op["responses"].as_object_mut() else {
                continue;
            };
            let mut add = |status: &str, description: &str| {
                if !responses.contains_key(status) {
                    let r = if head {
                        json!({ "description": description })
                    } else {
                        error_response(description)
                    };
                    responses.insert(status.to_owned(), r);
                }
            };
            if device {
                add("401", "Missing or unknown device token");
                add("403", "Device revoked");
            }
            // The framework's own refusals of a body are plain text.
            if body {
                for (status, description) in [
                    ("413", "Body over the route's limit (plain text)"),
                    ("415", "Content-Type not the one documented (plain text)"),
                    ("422", "Body does not fit the schema (plain text)"),
                ] {
                    if !responses.contains_key(status) {
                        responses.insert(
                            status.to_owned(),
                            json!({ "description": description, "content": { "text/plain": {} } }),
                        );
                    }
                }
                // Malformed JSON or form bodies are plain text too.
                if let Some(r) = responses.get_mut("400") {
                    if let Some(content) = r.get_mut("content").and_then(Value::as_object_mut) {
                        content.entry("text/plain").or_insert(json!({}));
                    }
                }
            }
        }
    }
}

/// The login form and the sign-in.
fn sign_in_path() -> Value {
    json!({
        "get": { "summary": "The login form (HTML)", "responses": { "200": { "description": "The form" } } },
        "post": {
            "summary": "Sign in to the programme view",
            "requestBody": { "required": true, "content": { "application/x-www-form-urlencoded": { "schema": { "type": "object", "required": ["usuario", "contrasena"], "properties": { "usuario": { "type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[A-Za-z0-9._-]+$", "description": "Letters, digits, '.', '_' and '-'; longer names are refused before any lookup" }, "contrasena": { "type": "string", "format": "password", "maxLength": 256 } } } } } },
            "responses": {
                "303": { "description": "Signed in: Set-Cookie cosabi_sesion (Path=/), redirect to /programa" },
                "400": { "description": "A user name no account can have (over 64 characters, or other characters) or a password over 1,024 bytes: refused before any lookup", "content": { "text/html": {} } },
                "401": { "description": "Wrong user or password: the form again", "content": { "text/html": {} } },
                "413": { "description": "Body over 8 KiB (refused on its announced length, unread)" },
                "429": { "description": "Locked out after failed attempts; Retry-After says when to try again", "content": { "text/html": {} } },
                "503": { "description": "Every password check is busy; Retry-After: 1", "content": { "text/html": {} } }
            }
        }
    })
}

/// The document.
pub fn document() -> Value {
    let mut doc = document_as_written();
    add_common_responses(&mut doc);
    doc
}

fn document_as_written() -> Value {
    let sha = json!({
        "name": "sha256", "in": "path", "required": true,
        "description": "SHA-256 of the blob's bytes, 64 lowercase hex characters",
        "schema": { "type": "string", "pattern": "^[0-9a-f]{64}$" }
    });
    let offset_header =
        json!({ "description": "Bytes the server holds", "schema": { "type": "integer" } });
    let length_header = json!({ "description": "Total bytes of the blob, when known", "schema": { "type": "integer" } });
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Cosabi sync server",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Merges the replicas of community health committees (Comités de Salud para el Bienestar). Every /v1 operation but enroll needs a device token and only reads or writes that device's clinic."
        },
        "components": {
            "securitySchemes": {
                "device": { "type": "http", "scheme": "bearer", "description": "Device token from /v1/enroll" },
                "session": { "type": "apiKey", "in": "cookie", "name": "cosabi_sesion", "description": "Programme view session from the login form (HttpOnly, SameSite=Strict)" }
            },
            "schemas": {
                "ErrorBody": {
                    "type": "object", "required": ["code", "message"],
                    "properties": {
                        "code": { "type": "string", "enum": ["unauthorized", "revoked", "code_invalid", "too_many_attempts", "malformed", "too_large", "not_found", "offset_mismatch", "hash_mismatch", "protocol_too_new", "clinic_exists", "account_exists", "internal"] },
                        "message": { "type": "string" }
                    }
                },
                "EnrollRequest": {
                    "type": "object", "required": ["code", "device_name", "site"],
                    "properties": {
                        "code": { "type": "string", "description": "One-time code from the municipal office; case, spaces and dashes ignored" },
                        "device_name": { "type": "string", "maxLength": 80 },
                        "site": { "type": "string", "format": "uuid", "description": "The replica's site id" }
                    }
                },
                "EnrollResponse": {
                    "type": "object", "required": ["token", "device_id", "clinic_id", "clues", "clinic_name", "server_time_ms"],
                    "properties": {
                        "token": { "type": "string", "description": "Shown once; the server keeps only its hash" },
                        "device_id": { "type": "string" },
                        "clinic_id": { "type": "string", "format": "uuid" },
                        "clues": { "type": "string" },
                        "clinic_name": { "type": "string" },
                        "server_time_ms": { "type": "integer" }
                    }
                }
            }
        },
        "paths": {
            "/healthz": {
                "get": {
                    "summary": "Liveness",
                    "responses": { "200": { "description": "Up", "content": { "application/json": { "schema": { "type": "object", "properties": { "status": { "type": "string" }, "version": { "type": "string" } } } } } } }
                }
            },
            "/v1/openapi.json": {
                "get": { "summary": "This document", "responses": { "200": { "description": "OpenAPI 3.1" } } }
            },
            "/v1/enroll": {
                "post": {
                    "summary": "Exchange a one-time enrollment code for a device token",
                    "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/EnrollRequest" } } } },
                    "responses": {
                        "200": { "description": "Enrolled", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/EnrollResponse" } } } },
                        "400": error_response("Malformed JSON"),
                        "403": error_response("The code is wrong, used or expired: one answer for all three (code_invalid), byte for byte"),
                        "409": error_response("The site belongs to another device: take a fresh site and enroll again with the same code"),
                        "429": error_response("Too many wrong codes from this address, or from everyone; Retry-After says when to try again")
                    }
                }
            },
            "/v1/sync": {
                "post": {
                    "summary": "One sync round",
                    "description": "Body: postcard-encoded SyncRequest {protocol, schema_version, have: [(site, seq)], cursor, push: compressed page?}. Answer: postcard SyncResponse {protocol, server_time_ms, have, push: PushReport?, pull: compressed page?, cursor, more}. Pages are postcard change groups compressed with zstd (see ARCHITECTURE.md). Idempotent: changes are keyed by (site, seq).",
                    "security": [{ "device": [] }],
                    "requestBody": { "required": true, "content": { "application/octet-stream": { "schema": { "type": "string", "format": "binary", "maxLength": 4194304 } } } },
                    "responses": {
                        "200": { "description": "The round's answer", "content": { "application/octet-stream": { "schema": { "type": "string", "format": "binary" } } } },
                        "400": error_response("Malformed request or page"),
                        "401": error_response("Missing or unknown token"),
                        "403": error_response("Device revoked"),
                        "413": error_response("Body too large"),
                        "426": error_response("Protocol newer than the server")
                    }
                }
            },
            "/programa": programme_page("The states within the account's scope (HTML, es-MX)", "text/html"),
            "/programa.csv": programme_page("The states within the account's scope (CSV: estado,comites_instalados,centros_de_salud,…)", "text/csv"),
            "/programa/estado/{code}": {
                "parameters": [{ "name": "code", "in": "path", "required": true, "description": "Two-letter state code; with a .csv suffix, the CSV of its clinics", "schema": { "type": "string" } }],
                "get": programme_get("The clinics of a state within the account's scope (HTML, or CSV with .csv)")
            },
            "/programa/clinica/{clues}": {
                "parameters": [{ "name": "clues", "in": "path", "required": true, "description": "The clinic's CLUES; with a .csv suffix, its CSV line", "schema": { "type": "string" } }],
                "get": programme_get("One clinic (HTML, or CSV with .csv)")
            },
            "/programa/clinica/{clues}/expediente.zip": {
                "parameters": [{ "name": "clues", "in": "path", "required": true, "description": "The clinic's CLUES", "schema": { "type": "string" } }],
                "get": expediente_get()
            },
            "/programa/entrar": sign_in_path(),
            "/programa/salir": {
                "post": { "summary": "Sign out", "responses": { "303": { "description": "Session ended, cookie cleared, redirect to the form" } } }
            },
            "/transparencia": { "get": transparency_get("The states published in [transparency] states, with the seed table's committees installed / health centres and the year's money (HTML, es-MX; public)") },
            "/transparencia.csv": { "get": transparency_get("The same as CSV (estado,comites_instalados,centros_de_salud,…,clave_estado)") },
            "/transparencia/estado/{code}": {
                "parameters": [{ "name": "code", "in": "path", "required": true, "description": "Two-letter state code of a published state; with a .csv suffix, the CSV of its clinics", "schema": { "type": "string", "maxLength": 6 } }],
                "get": transparency_get("A published state: its line of the committee table, money, spending by category, actions, and its clinics (HTML, or CSV with .csv)")
            },
            "/transparencia/clinica/{clues}": {
                "parameters": [{ "name": "clues", "in": "path", "required": true, "description": "CLUES of a clinic of a published state; with a .csv suffix, one line per item shown (seccion: deposito, gasto, accion, asamblea, acuerdo)", "schema": { "type": "string", "maxLength": 16 } }],
                "get": transparency_get("One clinic: deposits, spending by category, actions with status and before/after photos, assemblies held and their agreements (responsible shown as a role); no names, suppliers or receipts")
            },
            "/transparencia/clinica/{clues}/foto/{sha256}": {
                "parameters": [
                    { "name": "clues", "in": "path", "required": true, "description": "CLUES of a clinic of a published state", "schema": { "type": "string", "maxLength": 16 } },
                    sha
                ],
                "get": {
                    "summary": "A before or after photo of one of the clinic's actions; never a receipt, an acta or a photo any other row names",
                    "responses": {
                        "200": { "description": "The photo (Content-Security-Policy: sandbox)", "content": { "image/jpeg": {}, "image/png": {} } },
                        "404": { "description": "Not a published action photo, or not uploaded yet (the same 404 page)", "content": { "text/html": {} } }
                    }
                }
            },
            "/app": {
                "get": { "summary": "The installable web app: a redirect to /app/", "responses": { "308": { "description": "To /app/" } } }
            },
            "/app/": {
                "get": {
                    "summary": "The web app's page (index.html of the build named by web_app; Content-Security-Policy allowing its own inline scripts by hash; Cache-Control: no-cache; ETag)",
                    "responses": {
                        "200": { "description": "The page", "content": { "text/html": {} } },
                        "304": { "description": "Unchanged (If-None-Match)" },
                        "404": { "description": "No web app installed on this server", "content": { "text/plain": {} } }
                    }
                }
            },
            "/app/{path}": {
                "parameters": [{ "name": "path", "in": "path", "required": true, "description": "A file of the build (scripts, WebAssembly, styles, icons, manifest, service worker)", "schema": { "type": "string", "maxLength": 256 } }],
                "get": {
                    "summary": "A file of the web app; hashed names cached for a year, others revalidated by ETag; gzip when accepted",
                    "responses": {
                        "200": { "description": "The file", "content": { "text/javascript": {}, "application/wasm": {}, "text/css": {}, "application/manifest+json": {}, "image/png": {} } },
                        "304": { "description": "Unchanged (If-None-Match)" },
                        "404": { "description": "Not a file of the build, or no web app installed", "content": { "text/plain": {} } }
                    }
                }
            },
            "/verificar": {
                "get": {
                    "summary": "The verification form (HTML, es-MX; public); with ?codigo=, a redirect to the code's page",
                    "parameters": [{ "name": "codigo", "in": "query", "required": false, "description": "A verification code as typed (case, spaces and hyphens are forgiven)", "schema": { "type": "string", "maxLength": 256 } }],
                    "responses": {
                        "200": { "description": "The form", "content": { "text/html": {} } },
                        "303": { "description": "To /verificar/{code}" },
                        "404": { "description": "Not a code (the same page as an unknown one)", "content": { "text/html": {} } }
                    }
                }
            },
            "/verificar/{code}": {
                "parameters": [{ "name": "code", "in": "path", "required": true, "description": "A document's verification code, <CLUES>-XXXX-XXXX (what its QR code opens)", "schema": { "type": "string" } }],
                "get": {
                    "summary": "Whether the document matches the clinic's synced records, as of when, and what changed since if it does not (HTML, es-MX; public)",
                    "responses": {
                        "200": { "description": "The verification", "content": { "text/html": {} } },
                        "404": { "description": "No document with that code (one page for an unknown code, an unknown clinic or a malformed code)", "content": { "text/html": {} } },
                        "503": { "description": "Too many verifications at once; Retry-After says when to try again", "content": { "text/html": {} } }
                    }
                }
            },
            "/verificar/archivo": {
                "post": {
                    "summary": "Whether a PDF is the very file Cosabi made, and its records' verification (HTML, es-MX; public)",
                    "requestBody": { "required": true, "content": { "multipart/form-data": { "schema": { "type": "object", "required": ["archivo"], "additionalProperties": false, "properties": { "archivo": { "type": "string", "format": "binary", "minLength": 1, "maxLength": 16777216 } } } } } },
                    "responses": {
                        "200": { "description": "The file's check (original, altered, or not a Cosabi document)", "content": { "text/html": {} } },
                        "400": { "description": "No file sent (the form again), or a malformed multipart body (text)", "content": { "text/html": {}, "text/plain": {} } },
                        "413": { "description": "Larger than 16 MB", "content": { "text/html": {} } },
                        "503": { "description": "Too many verifications at once", "content": { "text/html": {} } }
                    }
                }
            },
            "/v1/blobs/{sha256}": {
                "parameters": [sha],
                "head": {
                    "summary": "How much of a blob the server holds",
                    "security": [{ "device": [] }],
                    "responses": {
                        "200": { "description": "Known (complete when Upload-Offset = Upload-Length)", "headers": { "Upload-Offset": offset_header, "Upload-Length": length_header } },
                        "404": { "description": "Unknown to this clinic" }
                    }
                },
                "patch": {
                    "summary": "Append a chunk at an offset (resumable upload)",
                    "description": "Headers Upload-Offset (must equal the bytes held) and Upload-Length (total). When the last chunk arrives the SHA-256 is checked: a mismatch deletes the upload.",
                    "security": [{ "device": [] }],
                    "requestBody": { "required": true, "content": { "application/offset+octet-stream": { "schema": { "type": "string", "format": "binary", "maxLength": 1048576 } } } },
                    "responses": {
                        "204": { "description": "Stored", "headers": { "Upload-Offset": offset_header } },
                        "400": error_response("Bad name or headers"),
                        "409": error_response("Offset mismatch; Upload-Offset tells the right one"),
                        "413": error_response("Blob larger than 20 MiB"),
                        "422": error_response("Bytes do not hash to the name: nothing kept")
                    }
                },
                "get": {
                    "summary": "Download a complete blob (Range supported)",
                    "security": [{ "device": [] }],
                    "parameters": [{ "name": "Range", "in": "header", "required": false, "schema": { "type": "string", "example": "bytes=65536-" } }],
                    "responses": {
                        "200": { "description": "The bytes", "content": { "application/octet-stream": {} } },
                        "206": { "description": "The requested range", "content": { "application/octet-stream": {} } },
                        "404": { "description": "Not a complete blob of this clinic" },
                        "416": { "description": "Range not satisfiable" }
                    }
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    /// The committed copy must be what the server serves: regenerate it with
    /// `COSABI_WRITE_OPENAPI=1 cargo test -p cosabi-sync-server openapi`.
    #[test]
    fn committed_openapi_matches_the_served_one() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/openapi.json");
        let served = serde_json::to_string_pretty(&super::document()).unwrap() + "\n";
        if std::env::var_os("COSABI_WRITE_OPENAPI").is_some() {
            std::fs::write(&path, &served).unwrap();
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert_eq!(
            committed, served,
            "docs/openapi.json is stale: regenerate it (see the test's doc)"
        );
    }
}
