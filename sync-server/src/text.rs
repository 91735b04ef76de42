//! Text that came from outside (a request, a device's synced record) made safe for
//! where it goes: a terminal ([`for_terminal`]) or a log line ([`for_log`]).

/// Whether `c` must not reach a terminal: C0 controls (ESC among them), DEL, C1
/// controls (U+0080–U+009F, which some terminals read as escape sequences), and the
/// bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069,
/// plus the marks U+200E, U+200F and U+061C) that can make a line read as something
/// it is not.
pub fn is_unsafe_for_terminal(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// `text` without any character a terminal could act on ([`is_unsafe_for_terminal`]):
/// what the admin CLI prints of anything it did not write itself (device names,
/// clinic names, user names). The escape sequence `"\x1b[2J"` becomes the harmless
/// `"[2J"`.
pub fn for_terminal(text: &str) -> String {
    text.chars()
        .filter(|c| !is_unsafe_for_terminal(*c))
        .collect()
}

/// Characters of request-derived text kept in a log line.
pub const LOG_CHARS_MAX: usize = 64;

/// Request-derived `text` as a log field: at most [`LOG_CHARS_MAX`] characters,
/// control and bidi characters escaped (`\u{1b}`), and `…(N bytes)` when cut, so
/// no request can write more than a line's worth into the log, or forge one.
pub fn for_log(text: &str) -> String {
    let mut out = String::new();
    for (kept, c) in text.chars().enumerate() {
        if kept == LOG_CHARS_MAX {
            out.push_str(&format!("…({} bytes)", text.len()));
            return out;
        }
        if is_unsafe_for_terminal(c) || c == '\\' {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_text_loses_escapes_controls_and_bidi() {
        assert_eq!(for_terminal("tablet\x1b[2J de Ana"), "tablet[2J de Ana");
        assert_eq!(
            for_terminal("a\u{7f}b\u{9b}c\u{202e}d\u{2066}e\r\n\tf\u{0}"),
            "abcdef"
        );
        // Letters with accents and other scripts stay.
        assert_eq!(
            for_terminal("Teléfono de Señora Ñuñez"),
            "Teléfono de Señora Ñuñez"
        );
    }

    #[test]
    fn log_text_is_bounded_and_escaped() {
        let long = "a".repeat(2 * 1024 * 1024);
        let logged = for_log(&long);
        assert!(logged.len() < 100, "{}", logged.len());
        assert!(logged.ends_with("…(2097152 bytes)"), "{logged}");
        assert_eq!(for_log("ana\x1b[2J\nx"), "ana\\u{1b}[2J\\nx");
        assert_eq!(for_log("ana"), "ana");
    }
}
