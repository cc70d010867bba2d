//! The OpenAI chat-completion stream of one request, read as it arrives: content chunks
//! timed the moment their event is complete, `finish_reason`, the `usage` report
//! (`stream_options.include_usage`) and llama-server's `timings`.
//!
//! The server-sent-events framing (`data:` lines, blank line ends an event) is read
//! here, line by line over the body ureq decodes, rather than through an SSE crate, on
//! purpose: the parsers on crates.io follow the browser's EventSource rules, which skip
//! any line that is no SSE field, so a proxy's HTML error page or a garbled stream would
//! read as an empty stream instead of failing with the line that is wrong; and the
//! maintained ones are async (futures streams), while the worker times each event on a
//! blocking read. The framing is a dozen lines of `read_until` with tests below.

use std::io::{self, BufRead, Read};
use std::time::Instant;

use serde_json::Value;

use super::failure::{Failure, Kind, clip_text, json_error_message};
use super::transport::{MAX_LINE, read_failure};

/// One dispatched event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The `event:` field, when the server set one.
    pub name: Option<String>,
    /// The `data:` lines, joined by `\n`.
    pub data: String,
    /// When the event was complete (its terminating blank line arrived).
    pub at: Instant,
    /// 1-based line number of the event's first line, for messages.
    pub line: usize,
}

#[derive(Debug)]
pub enum SseError {
    Io(io::Error),
    /// A line that is no server-sent-event field.
    Malformed {
        line: usize,
        text: String,
    },
}

/// Reads events from a byte stream, strictly: a line that is not a known SSE field is an
/// error rather than silently skipped, so a garbage stream fails loudly.
pub struct EventReader<R> {
    r: R,
    line: usize,
}

impl<R: BufRead> EventReader<R> {
    pub fn new(r: R) -> EventReader<R> {
        EventReader { r, line: 0 }
    }

    /// The next event; `Ok(None)` at the end of the stream.
    pub fn next_event(&mut self) -> Result<Option<Event>, SseError> {
        let mut data: Option<String> = None;
        let mut name = None;
        let mut first_line = 0;
        let mut buf = Vec::new();
        loop {
            buf.clear();
            let n = read_line(&mut self.r, &mut buf).map_err(SseError::Io)?;
            if n == 0 {
                // End of stream: a pending event without its blank line still counts.
                return Ok(data.map(|data| Event {
                    name,
                    data,
                    at: Instant::now(),
                    line: first_line,
                }));
            }
            self.line += 1;
            let text = std::str::from_utf8(&buf).map_err(|_| SseError::Malformed {
                line: self.line,
                text: format!("(not UTF-8) {}", String::from_utf8_lossy(&buf)),
            })?;
            let text = text.trim_end_matches(['\r', '\n']);
            if text.is_empty() {
                if let Some(data) = data.take() {
                    return Ok(Some(Event {
                        name,
                        data,
                        at: Instant::now(),
                        line: first_line,
                    }));
                }
                name = None;
                continue;
            }
            if text.starts_with(':') {
                continue; // comment / keep-alive
            }
            if data.is_none() && name.is_none() {
                first_line = self.line;
            }
            let (field, value) = match text.split_once(':') {
                Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
                None => (text, ""),
            };
            match field {
                "data" => {
                    let d = data.get_or_insert_with(String::new);
                    if !d.is_empty() {
                        d.push('\n');
                    }
                    d.push_str(value);
                }
                "event" => name = Some(value.to_string()),
                "id" | "retry" => {}
                _ => {
                    return Err(SseError::Malformed {
                        line: self.line,
                        text: text.to_string(),
                    });
                }
            }
        }
    }
}

/// Read up to and including `\n` into `buf`; returns the count (0 at end of stream). A
/// line longer than [`MAX_LINE`] is an `InvalidData` error, not an unbounded buffer.
fn read_line<R: BufRead>(r: &mut R, buf: &mut Vec<u8>) -> io::Result<usize> {
    let n = r
        .by_ref()
        .take(MAX_LINE as u64 + 1)
        .read_until(b'\n', buf)?;
    if n > MAX_LINE {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("a line longer than {MAX_LINE} bytes"),
        ));
    }
    Ok(n)
}

/// Token counts the server reported (`usage`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Usage {
    pub prompt_tokens: Option<u32>,
    pub completion_tokens: Option<u32>,
}

/// llama-server's own `timings` of a request (absent from other servers).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Timings {
    pub prompt_n: Option<f64>,
    pub prompt_ms: Option<f64>,
    pub prompt_per_second: Option<f64>,
    pub predicted_n: Option<f64>,
    pub predicted_ms: Option<f64>,
    pub predicted_per_second: Option<f64>,
}

impl Timings {
    fn from_json(v: &Value) -> Option<Timings> {
        let f = |k: &str| v.get(k).and_then(Value::as_f64).filter(|x| x.is_finite());
        let t = Timings {
            prompt_n: f("prompt_n"),
            prompt_ms: f("prompt_ms"),
            prompt_per_second: f("prompt_per_second"),
            predicted_n: f("predicted_n"),
            predicted_ms: f("predicted_ms"),
            predicted_per_second: f("predicted_per_second"),
        };
        (t != Timings::default()).then_some(t)
    }
}

/// What one streamed chat completion delivered.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StreamSummary {
    /// Events that carried non-empty content (or reasoning) text.
    pub chunks: u32,
    pub text: String,
    pub finish_reason: Option<String>,
    pub usage: Option<Usage>,
    pub timings: Option<Timings>,
    /// `data: [DONE]` arrived.
    pub done: bool,
    pub first_at: Option<Instant>,
    pub last_at: Option<Instant>,
}

/// Read a chat-completion stream to its end, calling `on_chunk(index, at)` for every
/// content chunk the moment it is complete. `what` names the request in messages
/// ("POST http://…/v1/chat/completions"); `timeout_s` is the idle timeout.
pub fn read_chat_stream<R: BufRead>(
    r: R,
    what: &str,
    timeout_s: &str,
    on_chunk: &mut dyn FnMut(u32, Instant),
) -> Result<StreamSummary, Failure> {
    let mut events = EventReader::new(r);
    let mut s = StreamSummary::default();
    let mut n_events = 0u32;
    loop {
        let ev = match events.next_event() {
            Ok(Some(ev)) => ev,
            Ok(None) => break,
            Err(SseError::Io(e)) => {
                let shown = e.to_string();
                let mut f = read_failure(
                    e,
                    &format!(
                        "reading the stream of {what} after {} content chunks",
                        s.chunks
                    ),
                    timeout_s,
                    "the stream stalled",
                );
                if f.kind == Kind::Closed {
                    f.message = format!(
                        "the stream of {what} broke after {} content chunks ({shown}): the server went away mid-stream (was it stopped, killed, or did it crash?)",
                        s.chunks
                    );
                }
                return Err(f);
            }
            Err(SseError::Malformed { line, text }) => {
                return Err(Failure::new(
                    Kind::Malformed,
                    format!(
                        "malformed stream from {what}: line {line} is not a server-sent event (`data: …`): `{}`",
                        clip_text(&text, 200)
                    ),
                ));
            }
        };
        n_events += 1;
        let data = ev.data.trim();
        if data == "[DONE]" {
            s.done = true;
            break;
        }
        let v: Value = serde_json::from_str(data).map_err(|e| {
            Failure::new(
                Kind::Malformed,
                format!(
                    "malformed stream from {what}: event {n_events} (line {}) is not JSON ({e}): `{}`",
                    ev.line,
                    clip_text(data, 200)
                ),
            )
        })?;
        if ev.name.as_deref() == Some("error") || v.get("error").is_some_and(|e| !e.is_null()) {
            let msg = json_error_message(&v).unwrap_or_else(|| clip_text(data, 600));
            return Err(Failure::new(
                Kind::Server,
                format!(
                    "the server reported an error in the stream of {what} after {} content chunks: {msg}",
                    s.chunks
                ),
            ));
        }
        if !v.is_object() {
            return Err(Failure::new(
                Kind::Malformed,
                format!(
                    "malformed stream from {what}: event {n_events} is not a JSON object: `{}`",
                    clip_text(data, 200)
                ),
            ));
        }
        if let Some(choice) = v
            .get("choices")
            .and_then(Value::as_array)
            .and_then(|c| c.first())
        {
            let delta = choice.get("delta");
            let piece = |k: &str| {
                delta
                    .and_then(|d| d.get(k))
                    .and_then(Value::as_str)
                    .filter(|t| !t.is_empty())
            };
            // Reasoning text (thinking models) is generated tokens too.
            let content = piece("content");
            let reasoning = piece("reasoning_content").or_else(|| piece("reasoning"));
            if content.is_some() || reasoning.is_some() {
                on_chunk(s.chunks, ev.at);
                s.chunks += 1;
                s.first_at.get_or_insert(ev.at);
                s.last_at = Some(ev.at);
                if let Some(t) = content {
                    s.text.push_str(t);
                }
            }
            if let Some(fr) = choice.get("finish_reason").and_then(Value::as_str) {
                s.finish_reason = Some(fr.to_string());
            }
        }
        if let Some(u) = v.get("usage").filter(|u| u.is_object()) {
            let n = |k: &str| {
                u.get(k)
                    .and_then(Value::as_u64)
                    .and_then(|x| u32::try_from(x).ok())
            };
            s.usage = Some(Usage {
                prompt_tokens: n("prompt_tokens"),
                completion_tokens: n("completion_tokens"),
            });
        }
        if let Some(t) = v.get("timings").and_then(Timings::from_json) {
            s.timings = Some(t);
        }
    }
    if !s.done && s.finish_reason.is_none() {
        return Err(Failure::new(
            Kind::Closed,
            if n_events == 0 {
                format!(
                    "the stream of {what} ended before its first event: the server closed the connection (was it stopped, killed, or did it crash?)"
                )
            } else {
                format!(
                    "the stream of {what} ended after {} content chunks without a finish_reason or `data: [DONE]`: the server closed the connection mid-stream (was it stopped, killed, or did it crash?)",
                    s.chunks
                )
            },
        ));
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<(StreamSummary, Vec<u32>), Failure> {
        let mut idx = Vec::new();
        let s = read_chat_stream(text.as_bytes(), "POST x", "1.0", &mut |i, _| idx.push(i))?;
        Ok((s, idx))
    }

    const LLAMA_SERVER: &str = concat!(
        "data: {\"choices\":[{\"finish_reason\":null,\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":null}}]}\n\n",
        "data: {\"choices\":[{\"finish_reason\":null,\"index\":0,\"delta\":{\"content\":\"The\"}}]}\n\n",
        ": keep-alive comment\n\n",
        "data: {\"choices\":[{\"finish_reason\":null,\"index\":0,\"delta\":{\"content\":\" capital\"}}]}\r\n\r\n",
        "data: {\"choices\":[{\"finish_reason\":\"length\",\"index\":0,\"delta\":{}}]}\n\n",
        "data: {\"choices\":[],\"usage\":{\"completion_tokens\":2,\"prompt_tokens\":31,\"total_tokens\":33},",
        "\"timings\":{\"prompt_n\":31,\"prompt_ms\":20.5,\"prompt_per_second\":1512.2,\"predicted_n\":2,\"predicted_ms\":9.0,\"predicted_per_second\":111.1}}\n\n",
        "data: [DONE]\n\n",
    );

    #[test]
    fn llama_server_stream_is_read_whole() {
        let (s, idx) = read(LLAMA_SERVER).expect("stream");
        assert_eq!(idx, [0, 1]);
        assert_eq!(s.chunks, 2);
        assert_eq!(s.text, "The capital");
        assert_eq!(s.finish_reason.as_deref(), Some("length"));
        assert!(s.done);
        let u = s.usage.expect("usage");
        assert_eq!((u.prompt_tokens, u.completion_tokens), (Some(31), Some(2)));
        let t = s.timings.expect("timings");
        assert_eq!(t.predicted_per_second, Some(111.1));
        assert_eq!(t.prompt_n, Some(31.0));
    }

    #[test]
    fn multi_line_data_and_no_usage() {
        let text = "data: {\"choices\":[{\"delta\":\ndata: {\"content\":\"hi\"}}]}\n\ndata: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n";
        let (s, _) = read(text).expect("stream");
        assert_eq!((s.chunks, s.text.as_str()), (1, "hi"));
        assert_eq!(s.usage, None);
        assert_eq!(s.timings, None);
    }

    #[test]
    fn garbage_is_malformed() {
        let e = read("HTTP is fun\nnot an event\n").expect_err("garbage");
        assert_eq!(e.kind, Kind::Malformed);
        assert!(
            e.message.contains("line 1 is not a server-sent event"),
            "{e}"
        );
        let e = read("data: {not json\n\n").expect_err("bad json");
        assert_eq!(e.kind, Kind::Malformed);
        assert!(e.message.contains("event 1 (line 1) is not JSON"), "{e}");
    }

    #[test]
    fn cut_stream_is_closed() {
        let cut = "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\ndata: {\"choices\":[{\"delta\":{\"content\":\"b\"}}]}\n\n";
        let e = read(cut).expect_err("cut");
        assert_eq!(e.kind, Kind::Closed);
        assert!(e.message.contains("after 2 content chunks"), "{e}");
        let e = read("").expect_err("empty");
        assert!(e.message.contains("before its first event"), "{e}");
    }

    #[test]
    fn events_are_framed_by_blank_lines_whatever_the_line_ending() {
        let text = "event: message\r\nid: 7\r\nretry: 10\r\ndata: {\"choices\":[{\"delta\":{\"content\":\"x\"},\"finish_reason\":\"stop\"}]}\r\n\r\n";
        let (s, idx) = read(text).expect("CRLF stream without [DONE]");
        assert_eq!((idx, s.text.as_str()), (vec![0], "x"));
        assert!(!s.done && s.finish_reason.as_deref() == Some("stop"));
    }

    #[test]
    fn a_line_past_the_limit_fails_instead_of_growing_without_bound() {
        let mut text = String::from("data: ");
        text.push_str(&"x".repeat(MAX_LINE + 10));
        let e = read(&text).expect_err("too long");
        assert_eq!(e.kind, Kind::Malformed);
        assert!(e.message.contains("a line longer than"), "{e}");
    }

    #[test]
    fn error_event_carries_the_server_message() {
        let text = "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\ndata: {\"error\":{\"message\":\"context full\",\"type\":\"exceed_context_size_error\"}}\n\n";
        let e = read(text).expect_err("error");
        assert_eq!(e.kind, Kind::Server);
        assert!(
            e.message
                .contains("after 1 content chunks: context full [exceed_context_size_error]"),
            "{e}"
        );
    }
}
