//! The server under abuse, each case against the real server process on 127.0.0.1:
//! sign-ins with names no account can have are refused before any lookup or
//! password check; oversize sign-in bodies are 413; password checks past the bound
//! are 503 with `Retry-After`; a wrong, a used and an expired enrollment code are one
//! refusal, byte for byte, limited per address and overall; and a flood of hostile
//! requests leaves a log of bounded size with no escape sequence in it.
//!
//! Every loop is bounded; nothing waits a fixed time.

mod support;

use cosabi_sync_server::ratelimit::{ENROLL_FAILURES_OVERALL, ENROLL_FAILURES_PER_ADDRESS};
use std::net::IpAddr;
use support::*;

/// `application/x-www-form-urlencoded` sign-in of `user` with a wrong password.
async fn try_sign_in(
    http: &reqwest::Client,
    server: &Server,
    user: &str,
) -> reqwest::Result<reqwest::Response> {
    http.post(format!("{}/programa/entrar", server.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("usuario={user}&contrasena=no-es-la-clave"))
        .send()
        .await
}

async fn sign_in(http: &reqwest::Client, server: &Server, user: &str) -> reqwest::Response {
    try_sign_in(http, server, user).await.unwrap()
}

/// The value of one unlabelled metric in `/metrics` (0 when absent).
async fn metric(server: &Server, name: &str) -> f64 {
    let text = browser()
        .get(format!("{}/metrics", server.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
        .map_or(0.0, |v| v.trim().parse().unwrap())
}

const CHECKS: &str = "cosabi_sign_in_password_checks_total";

#[tokio::test]
async fn long_user_names_are_refused_before_any_lookup() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), "127.0.0.1:0");
    let http = browser();
    assert_eq!(metric(&server, CHECKS).await, 0.0);
    for name in ["a".repeat(65), "ñ".repeat(65), "b".repeat(8000)] {
        let resp = sign_in(&http, &server, &name).await;
        assert_eq!(resp.status(), 400, "{} characters", name.chars().count());
        assert!(resp.text().await.unwrap().contains("Usuario o contraseña"));
    }
    // No password was checked for them (no lookup, no Argon2)…
    assert_eq!(metric(&server, CHECKS).await, 0.0);
    // …while a name of 64 characters is checked (and refused: it has no account).
    let resp = sign_in(&http, &server, &"a".repeat(64)).await;
    assert_eq!(resp.status(), 401);
    assert_eq!(metric(&server, CHECKS).await, 1.0);
}

/// The status line the server answers a sign-in whose headers announce
/// `content_length` bytes, before any byte of the body is sent.
async fn status_before_body(server: &Server, content_length: usize) -> String {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let mut stream = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(
            format!(
                "POST /programa/entrar HTTP/1.1\r\nHost: {}\r\n\
                 Content-Type: application/x-www-form-urlencoded\r\n\
                 Content-Length: {content_length}\r\n\r\n",
                server.addr
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let mut line = String::new();
    BufReader::new(stream).read_line(&mut line).await.unwrap();
    line.trim_end().to_owned()
}

#[tokio::test]
async fn oversize_sign_in_bodies_are_413() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), "127.0.0.1:0");
    let http = browser();
    // Refused on the announced length, without reading (or waiting for) the body.
    for bytes in [8 * 1024 + 1, 2 * 1024 * 1024] {
        assert_eq!(
            status_before_body(&server, bytes).await,
            "HTTP/1.1 413 Payload Too Large"
        );
    }
    let resp = sign_in(&http, &server, &"a".repeat(9 * 1024)).await;
    assert_eq!(resp.status(), 413);
    // Just under the limit is read (and refused as a name, not as a body).
    let resp = sign_in(&http, &server, &"a".repeat(8 * 1024 - 64)).await;
    assert_eq!(resp.status(), 400);
    assert_eq!(metric(&server, CHECKS).await, 0.0);
}

/// Sign-ins at once per round, and rounds at most, until one finds every password
/// check busy (one check takes tens of milliseconds, so the first round does).
const BUSY_ROUND_SIGN_INS: usize = 8;
const BUSY_ROUNDS_MAX: usize = 20;

#[tokio::test]
async fn password_checks_past_the_bound_are_503_with_retry_after() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("server.log");
    let server = Server::start_logged(dir.path(), &[("COSABI_SIGN_IN_PARALLEL", "1")], &log);
    let http = browser();
    let mut busy = None;
    let mut checked = 0;
    for round in 0..BUSY_ROUNDS_MAX {
        let answers = futures::future::join_all((0..BUSY_ROUND_SIGN_INS).map(|i| {
            let http = http.clone();
            let server = &server;
            // A name of its own each: no lockout gets in the way.
            async move { sign_in(&http, server, &format!("nadie-{round}-{i}")).await }
        }))
        .await;
        for resp in answers {
            match resp.status().as_u16() {
                401 => checked += 1,
                503 => busy = Some(resp),
                other => panic!("unexpected {other}"),
            }
        }
        if busy.is_some() {
            break;
        }
    }
    let busy = busy.expect("no sign-in found the password check busy");
    assert_eq!(busy.headers()["retry-after"], "1");
    assert!(busy.text().await.unwrap().contains("ocupado"));
    // The ones that got the check were checked; the 503s never queued one.
    assert!(checked >= 1);
    assert_eq!(metric(&server, CHECKS).await, f64::from(checked));
}

/// `POST /v1/enroll` with `code` from `from` (a 127.0.0.0/8 address); returns the
/// status, the `Retry-After` header and the body.
async fn enroll_from(
    server: &Server,
    from: IpAddr,
    code: &str,
) -> (u16, Option<String>, String, Vec<u8>) {
    let http = reqwest::Client::builder()
        .local_address(from)
        .build()
        .unwrap();
    let resp = http
        .post(format!("{}/v1/enroll", server.url))
        .json(&serde_json::json!({
            "code": code,
            "device_name": "tableta",
            "site": uuid::Uuid::now_v7(),
        }))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let retry = resp
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let content_type = resp.headers()["content-type"].to_str().unwrap().to_owned();
    (
        status,
        retry,
        content_type,
        resp.bytes().await.unwrap().to_vec(),
    )
}

fn loopback(last: u8) -> IpAddr {
    IpAddr::from([127, 0, 0, last])
}

#[tokio::test]
async fn enrollment_refusals_are_one_answer_and_limited() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), "127.0.0.1:0");
    let clues = "VZIMB000417";
    let used = add_clinic(&server.db, clues);
    let ok = enroll_from(&server, loopback(1), &used).await;
    assert_eq!(ok.0, 200, "{}", String::from_utf8_lossy(&ok.3));
    let expired = code_in(&admin(
        &server.db,
        &["clinic", "code", "--clues", clues, "--days", "0"],
    ));
    // A used, an expired and a wrong code: the same answer, byte for byte.
    let answers = [
        enroll_from(&server, loopback(1), &used).await,
        enroll_from(&server, loopback(1), &expired).await,
        enroll_from(&server, loopback(1), "ZZZZ-ZZZZ-ZZ").await,
    ];
    for a in &answers {
        assert_eq!(a.0, 403);
        assert_eq!(
            (&a.1, &a.2, &a.3),
            (&answers[0].1, &answers[0].2, &answers[0].3)
        );
    }
    // The address is refused once it has used up its failures, before any lookup:
    // even a good code is refused then…
    let good = new_code(&server.db, clues);
    let mut failures = answers.len() as u32;
    while failures < ENROLL_FAILURES_PER_ADDRESS {
        assert_eq!(
            enroll_from(&server, loopback(1), "ZZZZ-ZZZZ-ZZ").await.0,
            403
        );
        failures += 1;
    }
    let limited = enroll_from(&server, loopback(1), &good).await;
    assert_eq!(limited.0, 429);
    let wait: u64 = limited.1.expect("Retry-After").parse().unwrap();
    assert!(wait >= 1);
    // …while another address enrolls with it.
    assert_eq!(enroll_from(&server, loopback(2), &good).await.0, 200);
    // Failures from many addresses add up to the overall limit: then everyone waits.
    let good = new_code(&server.db, clues);
    let mut address = 3u8;
    while failures < ENROLL_FAILURES_OVERALL {
        for _ in 0..ENROLL_FAILURES_PER_ADDRESS.min(ENROLL_FAILURES_OVERALL - failures) {
            let a = enroll_from(&server, loopback(address), "ZZZZ-ZZZZ-ZZ").await;
            assert_eq!(a.0, 403);
            failures += 1;
        }
        address += 1;
    }
    assert_eq!(enroll_from(&server, loopback(250), &good).await.0, 429);
}

/// Hostile requests of each kind in the flood.
const FLOOD_EACH: usize = 40;
/// What the flood may add to the log at most (it was 2 MB per request).
const FLOOD_LOG_BYTES_MAX: u64 = 256 * 1024;

#[tokio::test]
async fn a_flood_leaves_a_bounded_log_without_escapes() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("server.log");
    // The production default (info), and debug for the server's own messages
    // (refusals' details).
    let server = Server::start_logged(
        dir.path(),
        &[("RUST_LOG", "info,cosabi_sync_server=debug")],
        &log,
    );
    add_account(&server.db, "ana", "programa");
    let before = std::fs::metadata(&log).unwrap().len();
    // A connection per request: the server closes those it answered 413 unread.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let escape = "%1B%5B2J%1B%5D0%3Bpwned%07";
    for i in 0..FLOOD_EACH {
        // A 2 MB name, a name just under the body limit, names with escapes, and
        // wrong passwords for a real account (logged by its validated name).
        // (The server answers 413 on the announced length and closes: the client may
        // see its write cut.)
        let _ = try_sign_in(&http, &server, &"x".repeat(2 * 1024 * 1024)).await;
        sign_in(&http, &server, &format!("{escape}{}", "y".repeat(7000))).await;
        sign_in(&http, &server, &format!("ana{escape}{i}")).await;
        sign_in(&http, &server, "ana").await;
        // Enrollment codes and device names full of escapes, as long as fits.
        http.post(format!("{}/v1/enroll", server.url))
            .json(&serde_json::json!({
                "code": format!("\u{1b}[2J{}", "Z".repeat(3000)),
                "device_name": "\u{1b}[2J".repeat(500),
                "site": uuid::Uuid::now_v7(),
            }))
            .send()
            .await
            .unwrap();
        // Unknown long paths and a malformed sync body with a bogus token.
        http.get(format!(
            "{}/programa/estado/{}",
            server.url,
            "%1B".repeat(2000)
        ))
        .send()
        .await
        .unwrap();
        http.post(format!("{}/v1/sync", server.url))
            .bearer_auth("x".repeat(4000))
            .body(vec![0xFFu8; 4096])
            .send()
            .await
            .unwrap();
    }
    // Served to the end: the server still answers.
    assert_eq!(
        http.get(format!("{}/healthz", server.url))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let text = std::fs::read_to_string(&log).unwrap();
    let added = text.len() as u64 - before;
    assert!(
        added <= FLOOD_LOG_BYTES_MAX,
        "the flood wrote {added} bytes of log"
    );
    assert!(
        !text.contains('\u{1b}'),
        "an escape sequence reached the log"
    );
    assert!(
        text.lines().all(|l| l.len() < 1024),
        "a log line over 1 KiB: {:?}",
        text.lines().map(str::len).max()
    );
    // The failures were logged, by the account's name.
    assert!(text.contains("programme sign-in refused"), "{text}");
}
