//! A failed request as lfmbench reports it: a [`Kind`] callers branch on and a message a
//! user can act on (what happened, where, what to do), plus the helpers that pull a
//! server's own words out of an error body.

use std::fmt;

/// What kind of failure; callers branch on this, users read the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Nothing listens at the address (connection refused).
    Refused,
    /// Name resolution, connecting or a proxy tunnel failed otherwise.
    Connect,
    /// The TLS handshake failed: the server's certificate is not trusted, or it does not
    /// speak TLS.
    Tls,
    /// The server sent nothing for the idle timeout.
    Timeout,
    /// The server closed or reset the connection early.
    Closed,
    /// An HTTP status of 400 or above.
    Status(u16),
    /// Bytes that are not valid HTTP, SSE or JSON of the expected shape.
    Malformed,
    /// The server reported an error inside a 200 stream.
    Server,
    /// Any other I/O error.
    Io,
}

/// A failed request, with a message a user can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub kind: Kind,
    pub message: String,
}

impl Failure {
    pub fn new(kind: Kind, message: impl Into<String>) -> Failure {
        Failure {
            kind,
            message: message.into(),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

/// Shorten `s` to at most `max` characters for a message.
pub fn clip_text(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max).collect();
        t.push('…');
        t
    }
}

/// The server's own words from an error body: `{"error": {"message": …}}`,
/// `{"error": "…"}`, `{"message": …}`, or the text itself.
pub fn server_message(body: &str) -> String {
    let trimmed = body.trim();
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(trimmed)
        && let Some(m) = json_error_message(&v)
    {
        return m;
    }
    if trimmed.is_empty() {
        "(empty body)".into()
    } else {
        clip_text(trimmed, 600)
    }
}

/// The message of an OpenAI-style error object, if `v` is one.
pub fn json_error_message(v: &serde_json::Value) -> Option<String> {
    let err = v.get("error").unwrap_or(v);
    if let Some(s) = err.as_str() {
        return Some(clip_text(s, 600));
    }
    let msg = err.get("message").and_then(|m| m.as_str())?;
    let kind = err
        .get("type")
        .and_then(|t| t.as_str())
        .map(|t| format!(" [{t}]"))
        .unwrap_or_default();
    Some(format!("{}{kind}", clip_text(msg, 600)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_messages_are_extracted() {
        assert_eq!(
            server_message(r#"{"error":{"code":500,"message":"boom","type":"server_error"}}"#),
            "boom [server_error]"
        );
        assert_eq!(
            server_message(r#"{"error":"model not found"}"#),
            "model not found"
        );
        assert_eq!(server_message("plain text\n"), "plain text");
        assert_eq!(server_message(""), "(empty body)");
    }

    #[test]
    fn long_text_is_clipped_on_a_character_boundary() {
        assert_eq!(clip_text("héllo", 2), "hé…");
        assert_eq!(clip_text("ok", 2), "ok");
    }
}
