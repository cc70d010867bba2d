//! A small blocking HTTP/1.1 client over `std::net::TcpStream`, written for measuring:
//! one request per connection (`Connection: close`), bodies framed by chunked encoding,
//! `Content-Length` or connection close, and an *idle* timeout on every read and write
//! (a stream that keeps delivering tokens never times out; one that stalls does).
//!
//! Plain `http://` only: the servers this backend is for (llama-server, Ollama, LM
//! Studio) listen on plain HTTP locally. Every failure is a [`Failure`] whose message
//! says what happened, where, and what to do.

use std::fmt;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// Largest response head (status line + headers) accepted.
const MAX_HEAD: usize = 64 * 1024;
/// Largest single line of a body read line by line (one SSE line).
pub const MAX_LINE: usize = 4 * 1024 * 1024;

/// What kind of failure; callers branch on this, users read the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Nothing listens at the address (connection refused).
    Refused,
    /// Name resolution or connecting failed otherwise.
    Connect,
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

pub use crate::config::endpoint::Endpoint;

/// A configured client for one server.
#[derive(Clone)]
pub struct Client {
    pub endpoint: Endpoint,
    api_key: Option<String>,
    /// Idle timeout: the longest wait for any byte (or for a write to proceed).
    pub timeout: Duration,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the key.
        f.debug_struct("Client")
            .field("endpoint", &self.endpoint)
            .field("api_key", &self.api_key.as_ref().map(|_| "<set>"))
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// A response whose head has been read; the body is read through [`Response::body`].
pub struct Response {
    pub status: u16,
    pub reason: String,
    pub content_type: Option<String>,
    /// When the status line arrived.
    pub head_at: Instant,
    body: BodyReader,
}

impl Client {
    pub fn new(endpoint: Endpoint, api_key: Option<String>, timeout: Duration) -> Client {
        Client {
            endpoint,
            api_key,
            timeout,
        }
    }

    /// The same client with another idle timeout (short probes).
    pub fn with_timeout(&self, timeout: Duration) -> Client {
        Client {
            timeout,
            ..self.clone()
        }
    }

    fn timeout_s(&self) -> String {
        format!("{:.1}", self.timeout.as_secs_f64())
    }

    /// Send one request and read the response head.
    pub fn send(
        &self,
        method: &str,
        path: &str,
        json_body: Option<&[u8]>,
        accept: &str,
    ) -> Result<Response, Failure> {
        let url = self.endpoint.url(path);
        let mut stream = self.connect()?;
        let mut head = format!(
            "{method} {}{path} HTTP/1.1\r\nHost: {}\r\nUser-Agent: lfmbench/{}\r\nAccept: {accept}\r\nConnection: close\r\n",
            self.endpoint.prefix,
            self.endpoint.authority(),
            env!("CARGO_PKG_VERSION"),
        );
        if let Some(key) = &self.api_key {
            head.push_str(&format!("Authorization: Bearer {key}\r\n"));
        }
        if let Some(b) = json_body {
            head.push_str(&format!(
                "Content-Type: application/json\r\nContent-Length: {}\r\n",
                b.len()
            ));
        }
        head.push_str("\r\n");
        let mut req = head.into_bytes();
        if let Some(b) = json_body {
            req.extend_from_slice(b);
        }
        stream
            .write_all(&req)
            .and_then(|()| stream.flush())
            .map_err(|e| {
                io_failure(
                    &e,
                    &format!("sending {method} {url}"),
                    &self.timeout_s(),
                    "the server accepted the connection but did not take the request",
                )
            })?;
        let mut r = BufReader::new(stream);
        let (status, reason, headers, head_at) = read_head(&mut r).map_err(|e| match e {
            HeadError::Io(e) => io_failure(
                &e,
                &format!("waiting for the response to {method} {url}"),
                &self.timeout_s(),
                "no response head arrived",
            ),
            HeadError::Eof => Failure::new(
                Kind::Closed,
                format!(
                    "{method} {url}: the server closed the connection without sending a response (did it crash, or is this port not an HTTP server?)"
                ),
            ),
            HeadError::Bad(msg) => Failure::new(
                Kind::Malformed,
                format!("{method} {url}: malformed HTTP response: {msg} (is this port an HTTP server?)"),
            ),
        })?;
        let header = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
        };
        let chunked =
            header("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
        let framing = if chunked {
            Framing::Chunked {
                left: 0,
                done: false,
                need_crlf: false,
            }
        } else if let Some(len) = header("content-length") {
            let n = len.trim().parse::<u64>().map_err(|_| {
                Failure::new(
                    Kind::Malformed,
                    format!("{method} {url}: malformed HTTP response: Content-Length `{len}`"),
                )
            })?;
            Framing::Length(n)
        } else {
            Framing::Close
        };
        Ok(Response {
            status,
            reason,
            content_type: header("content-type"),
            head_at,
            body: BodyReader { r, framing },
        })
    }

    fn connect(&self) -> Result<TcpStream, Failure> {
        let authority = self.endpoint.authority();
        let addrs: Vec<_> = (self.endpoint.host.as_str(), self.endpoint.port)
            .to_socket_addrs()
            .map_err(|e| {
                Failure::new(
                    Kind::Connect,
                    format!(
                        "cannot resolve `{}` ({e}); check base_url in models.toml",
                        self.endpoint.host
                    ),
                )
            })?
            .collect();
        let connect_timeout = self.timeout.min(Duration::from_secs(10));
        let mut last: Option<io::Error> = None;
        for a in &addrs {
            match TcpStream::connect_timeout(a, connect_timeout) {
                Ok(s) => {
                    let _ = s.set_nodelay(true);
                    s.set_read_timeout(Some(self.timeout))
                        .and_then(|()| s.set_write_timeout(Some(self.timeout)))
                        .map_err(|e| {
                            Failure::new(Kind::Io, format!("cannot set socket timeouts: {e}"))
                        })?;
                    return Ok(s);
                }
                Err(e) => last = Some(e),
            }
        }
        let e = last.unwrap_or_else(|| io::Error::other("the name resolved to no address"));
        Err(match e.kind() {
            io::ErrorKind::ConnectionRefused => Failure::new(
                Kind::Refused,
                format!(
                    "cannot connect to {authority}: connection refused, no server is listening there. Start the server (e.g. `llama-server -m MODEL.gguf --host {} --port {}`), check base_url in models.toml, or set `start_command` so that lfmbench starts it",
                    self.endpoint.host, self.endpoint.port
                ),
            ),
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => Failure::new(
                Kind::Connect,
                format!(
                    "cannot connect to {authority}: no answer within {:.1} s (wrong host, or a firewall dropping packets?)",
                    connect_timeout.as_secs_f64()
                ),
            ),
            _ => Failure::new(Kind::Connect, format!("cannot connect to {authority}: {e}")),
        })
    }
}

/// Map an I/O error met while `doing` to a failure; `what` says what was missing.
pub fn io_failure(e: &io::Error, doing: &str, timeout_s: &str, what: &str) -> Failure {
    match e.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => Failure::new(
            Kind::Timeout,
            format!(
                "timed out {doing}: the server sent nothing for {timeout_s} s ({what}). Raise `timeout_s` in the model's http table if the server is just slow"
            ),
        ),
        io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::BrokenPipe
        | io::ErrorKind::UnexpectedEof => Failure::new(
            Kind::Closed,
            format!(
                "connection lost {doing}: {e} (was the server stopped, killed, or did it crash?)"
            ),
        ),
        io::ErrorKind::InvalidData => {
            Failure::new(Kind::Malformed, format!("malformed response {doing}: {e}"))
        }
        _ => Failure::new(Kind::Io, format!("I/O error {doing}: {e}")),
    }
}

enum HeadError {
    Io(io::Error),
    Eof,
    Bad(String),
}

type Head = (u16, String, Vec<(String, String)>, Instant);

fn read_head(r: &mut BufReader<TcpStream>) -> Result<Head, HeadError> {
    let mut total = 0usize;
    let mut line = Vec::new();
    let mut status_line: Option<(u16, String, Instant)> = None;
    let mut headers = Vec::new();
    loop {
        line.clear();
        let n = read_line_limited(r, &mut line, MAX_HEAD - total).map_err(|e| {
            if e.kind() == io::ErrorKind::InvalidData {
                HeadError::Bad(format!("response head larger than {MAX_HEAD} bytes"))
            } else {
                HeadError::Io(e)
            }
        })?;
        if n == 0 {
            return Err(if status_line.is_none() && total == 0 {
                HeadError::Eof
            } else {
                HeadError::Bad("the connection closed inside the response head".into())
            });
        }
        total += n;
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        match &status_line {
            None => {
                let mut parts = text.splitn(3, ' ');
                let (Some(version), Some(code)) = (parts.next(), parts.next()) else {
                    return Err(HeadError::Bad(format!("status line `{}`", clip(text, 120))));
                };
                if !version.starts_with("HTTP/1.") {
                    return Err(HeadError::Bad(format!("status line `{}`", clip(text, 120))));
                }
                let code: u16 = code
                    .parse()
                    .map_err(|_| HeadError::Bad(format!("status line `{}`", clip(text, 120))))?;
                let reason = parts.next().unwrap_or("").to_string();
                status_line = Some((code, reason, Instant::now()));
            }
            Some((code, _, _)) => {
                if text.is_empty() {
                    // 1xx interim responses are followed by the real one.
                    if (100..200).contains(code) {
                        status_line = None;
                        headers.clear();
                        continue;
                    }
                    break;
                }
                let Some((k, v)) = text.split_once(':') else {
                    return Err(HeadError::Bad(format!("header line `{}`", clip(text, 120))));
                };
                headers.push((k.trim().to_string(), v.trim().to_string()));
            }
        }
    }
    let (code, reason, at) = status_line.ok_or(HeadError::Eof)?;
    Ok((code, reason, headers, at))
}

/// Read up to and including `\n` into `buf`, at most `limit` bytes; returns the count
/// (0 at end of stream). A longer line is an `InvalidData` error.
pub fn read_line_limited<R: BufRead + ?Sized>(
    r: &mut R,
    buf: &mut Vec<u8>,
    limit: usize,
) -> io::Result<usize> {
    let mut n = 0;
    loop {
        let available = match r.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok(n);
        }
        let (take, found) = match available.iter().position(|b| *b == b'\n') {
            Some(i) => (i + 1, true),
            None => (available.len(), false),
        };
        if n + take > limit {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("a line longer than {limit} bytes"),
            ));
        }
        buf.extend_from_slice(&available[..take]);
        r.consume(take);
        n += take;
        if found {
            return Ok(n);
        }
    }
}

fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max).collect();
        t.push('…');
        t
    }
}

/// Shorten `s` to at most `max` characters for a message.
pub fn clip_text(s: &str, max: usize) -> String {
    clip(s, max)
}

enum Framing {
    /// `need_crlf`: a chunk's data was read; its CRLF is consumed on the next read, so
    /// that data is handed out the moment it arrives.
    Chunked {
        left: u64,
        done: bool,
        need_crlf: bool,
    },
    Length(u64),
    Close,
}

/// The decoded body of a response.
pub struct BodyReader {
    r: BufReader<TcpStream>,
    framing: Framing,
}

impl Read for BodyReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        match &mut self.framing {
            Framing::Close => self.r.read(out),
            Framing::Length(left) => {
                if *left == 0 {
                    return Ok(0);
                }
                let max = out.len().min(usize::try_from(*left).unwrap_or(usize::MAX));
                let n = self.r.read(&mut out[..max])?;
                if n == 0 {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!("the body ended {left} bytes short of its Content-Length"),
                    ));
                }
                *left -= n as u64;
                Ok(n)
            }
            Framing::Chunked {
                left,
                done,
                need_crlf,
            } => {
                if *done {
                    return Ok(0);
                }
                if *need_crlf {
                    let mut crlf = Vec::new();
                    if read_line_limited(&mut self.r, &mut crlf, 2)? == 0 {
                        return Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            "the connection closed inside the chunked body",
                        ));
                    }
                    if crlf.trim_ascii() != b"" {
                        return Err(io::Error::new(
                            io::ErrorKind::InvalidData,
                            "chunked encoding: a chunk is not followed by CRLF",
                        ));
                    }
                    *need_crlf = false;
                }
                if *left == 0 {
                    let size = read_chunk_size(&mut self.r)?;
                    if size == 0 {
                        // Trailers, up to the empty line.
                        loop {
                            let mut l = Vec::new();
                            let n = read_line_limited(&mut self.r, &mut l, MAX_HEAD)?;
                            if n == 0 || l.trim_ascii().is_empty() {
                                break;
                            }
                        }
                        *done = true;
                        return Ok(0);
                    }
                    *left = size;
                }
                let max = out.len().min(usize::try_from(*left).unwrap_or(usize::MAX));
                let n = self.r.read(&mut out[..max])?;
                if n == 0 {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the connection closed inside a chunk of the body",
                    ));
                }
                *left -= n as u64;
                *need_crlf = *left == 0;
                Ok(n)
            }
        }
    }
}

fn read_chunk_size(r: &mut BufReader<TcpStream>) -> io::Result<u64> {
    let mut line = Vec::new();
    let n = read_line_limited(r, &mut line, 1024)?;
    if n == 0 {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the connection closed between chunks of the body",
        ));
    }
    let text = String::from_utf8_lossy(&line);
    let size = text.trim().split(';').next().unwrap_or("").trim();
    u64::from_str_radix(size, 16).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("chunked encoding: bad chunk size `{}`", clip(size, 40)),
        )
    })
}

impl Response {
    /// The body as a buffered reader.
    pub fn body(self) -> BufReader<BodyReader> {
        BufReader::new(self.body)
    }

    /// Read the whole body as text, at most `limit` bytes (the rest is dropped).
    pub fn text(self, limit: usize) -> io::Result<String> {
        let mut buf = Vec::new();
        self.body.take(limit as u64).read_to_end(&mut buf)?;
        Ok(String::from_utf8_lossy(&buf).into_owned())
    }

    /// Close the connection now (a stream we stop reading).
    pub fn close(self) {
        let _ = self.body.r.get_ref().shutdown(Shutdown::Both);
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
        clip(trimmed, 600)
    }
}

/// The message of an OpenAI-style error object, if `v` is one.
pub fn json_error_message(v: &serde_json::Value) -> Option<String> {
    let err = v.get("error").unwrap_or(v);
    if let Some(s) = err.as_str() {
        return Some(clip(s, 600));
    }
    let msg = err.get("message").and_then(|m| m.as_str())?;
    let kind = err
        .get("type")
        .and_then(|t| t.as_str())
        .map(|t| format!(" [{t}]"))
        .unwrap_or_default();
    Some(format!("{}{kind}", clip(msg, 600)))
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
    fn debug_never_shows_the_key() {
        let c = Client::new(
            Endpoint::parse("http://127.0.0.1:1").expect("url"),
            Some("sk-very-secret".into()),
            Duration::from_secs(1),
        );
        assert!(!format!("{c:?}").contains("sk-very-secret"));
    }
}
