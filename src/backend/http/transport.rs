//! The HTTP client of the http backend: a [`ureq`] agent set up for measuring, and the
//! translation of every way a request can fail into a [`Failure`] that says what
//! happened, where, and what to do.
//!
//! - `http://` and `https://`; https verifies the server's certificate against the
//!   system's roots plus the model's `ca_file` ([`super::tls`]), never "accept any";
//! - the proxy the environment names for this server ([`super::proxy`]);
//! - an *idle* timeout (`timeout_s`) on every read and write, so a stream that keeps
//!   delivering tokens never times out and one that stalls does; connecting (TLS
//!   handshake and proxy tunnel included) gets at most 10 s of it;
//! - connections are kept alive and reused between requests of one worker, as OpenAI
//!   client libraries do: the first request of a worker pays the connection (and the TLS
//!   handshake), later ones do not; `info` makes the first request, before any sample;
//! - no redirects are followed and no compression is asked for (a decompressor would
//!   buffer the stream and blur token arrival times).

use std::io::{self, BufReader, Read};
use std::path::Path;
use std::time::{Duration, Instant};

use ureq::Agent;
use ureq::tls::TlsConfig;

use super::failure::{Failure, Kind};
use super::proxy::{self, Chosen};
use super::tls::Trust;
use crate::config::endpoint::Endpoint;

/// Largest single line of a body read line by line (one SSE line).
pub const MAX_LINE: usize = 4 * 1024 * 1024;
/// The longest a connection (TCP, proxy tunnel, TLS handshake) may take.
const CONNECT_MAX: Duration = Duration::from_secs(10);

/// A configured client for one server.
#[derive(Clone)]
pub struct Client {
    pub endpoint: Endpoint,
    api_key: Option<String>,
    /// Idle timeout: the longest wait for any byte (or for a write to proceed).
    pub timeout: Duration,
    /// The trust anchors (https only).
    pub trust: Option<Trust>,
    /// The proxy the environment names for this server.
    pub proxy: Option<Chosen>,
    /// Shared by clones (one connection pool).
    agent: Agent,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the key.
        f.debug_struct("Client")
            .field("endpoint", &self.endpoint)
            .field("api_key", &self.api_key.as_ref().map(|_| "<set>"))
            .field("timeout", &self.timeout)
            .field("proxy", &self.proxy)
            .finish()
    }
}

/// A response whose head has been read; the body is read through [`Response::body`].
pub struct Response {
    pub status: u16,
    pub reason: String,
    pub content_type: Option<String>,
    /// When the response head had arrived.
    pub head_at: Instant,
    body: ureq::Body,
}

impl Client {
    /// A client for `endpoint`: the proxy from the environment, and for https the
    /// system's roots plus `ca_file`.
    pub fn new(
        endpoint: Endpoint,
        api_key: Option<String>,
        timeout: Duration,
        ca_file: Option<&Path>,
    ) -> Result<Client, String> {
        let proxy = proxy::from_env(&endpoint)?;
        let proxy_tls = proxy
            .as_ref()
            .is_some_and(|p| p.shown.to_ascii_lowercase().starts_with("https://"));
        let trust = if endpoint.tls || proxy_tls {
            Some(Trust::load(ca_file)?)
        } else {
            None
        };
        let mut config = Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .user_agent(format!("lfmbench/{}", env!("CARGO_PKG_VERSION")))
            .proxy(proxy.as_ref().map(|p| p.proxy.clone()))
            .timeout_connect(Some(timeout.min(CONNECT_MAX)))
            .timeout_per_read(Some(timeout))
            .timeout_per_write(Some(timeout));
        if let Some(t) = &trust {
            config = config.tls_config(TlsConfig::builder().root_certs(t.roots.clone()).build());
        }
        Ok(Client {
            endpoint,
            api_key,
            timeout,
            trust,
            proxy,
            agent: config.build().into(),
        })
    }

    /// The same client (same connections) with another idle timeout, for short probes.
    pub fn with_timeout(&self, timeout: Duration) -> Client {
        Client {
            timeout,
            ..self.clone()
        }
    }

    fn timeout_s(&self) -> String {
        format!("{:.1}", self.timeout.as_secs_f64())
    }

    /// `GET path`, reading the response head.
    pub fn get(&self, path: &str, accept: &str) -> Result<Response, Failure> {
        let url = self.endpoint.url(path);
        let mut req = self.agent.get(&url).header("Accept", accept);
        if let Some(key) = &self.api_key {
            req = req.header("Authorization", format!("Bearer {key}"));
        }
        let req = req
            .config()
            .timeout_connect(Some(self.timeout.min(CONNECT_MAX)))
            .timeout_per_read(Some(self.timeout))
            .timeout_per_write(Some(self.timeout))
            .build();
        self.answer(req.call(), &format!("GET {url}"))
    }

    /// `POST path` with a JSON body, reading the response head.
    pub fn post_json(&self, path: &str, body: &[u8], accept: &str) -> Result<Response, Failure> {
        let url = self.endpoint.url(path);
        let mut req = self
            .agent
            .post(&url)
            .header("Accept", accept)
            .header("Content-Type", "application/json");
        if let Some(key) = &self.api_key {
            req = req.header("Authorization", format!("Bearer {key}"));
        }
        let req = req
            .config()
            .timeout_connect(Some(self.timeout.min(CONNECT_MAX)))
            .timeout_per_read(Some(self.timeout))
            .timeout_per_write(Some(self.timeout))
            .build();
        self.answer(req.send(body), &format!("POST {url}"))
    }

    fn answer(
        &self,
        r: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
        what: &str,
    ) -> Result<Response, Failure> {
        let head_at = Instant::now();
        let resp = r.map_err(|e| self.failure(e, what))?;
        let status = resp.status();
        let content_type = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        Ok(Response {
            status: status.as_u16(),
            reason: status.canonical_reason().unwrap_or("").to_string(),
            content_type,
            head_at,
            body: resp.into_body(),
        })
    }

    /// `via the proxy X (from HTTPS_PROXY)`, or "" without one.
    fn via(&self) -> String {
        self.proxy
            .as_ref()
            .map(|p| format!(" via the proxy {}", p.describe()))
            .unwrap_or_default()
    }

    /// What a failed request (before its response head) means, and what to do.
    fn failure(&self, e: ureq::Error, what: &str) -> Failure {
        let ep = &self.endpoint;
        let authority = ep.authority();
        let via = self.via();
        match e {
            ureq::Error::Io(io) if io.kind() == io::ErrorKind::ConnectionRefused => {
                match &self.proxy {
                    Some(p) => Failure::new(
                        Kind::Refused,
                        format!(
                            "cannot connect to the proxy {}: connection refused\n  help: start the proxy, fix {}, or add `{}` to NO_PROXY to reach the server directly",
                            p.describe(),
                            p.var,
                            ep.host
                        ),
                    ),
                    None => Failure::new(
                        Kind::Refused,
                        format!(
                            "cannot connect to {authority}: connection refused, no server is listening there. Start the server (e.g. `llama-server -m MODEL.gguf --host {} --port {}`), check base_url in models.toml, or set `start_command` so that lfmbench starts it",
                            ep.host, ep.port
                        ),
                    ),
                }
            }
            ureq::Error::HostNotFound => Failure::new(
                Kind::Connect,
                match &self.proxy {
                    Some(p) => format!(
                        "cannot resolve the proxy's host {}; check {}",
                        p.describe(),
                        p.var
                    ),
                    None => format!(
                        "cannot resolve `{}`; check base_url in models.toml",
                        ep.host
                    ),
                },
            ),
            ureq::Error::Timeout(ureq::Timeout::Connect | ureq::Timeout::Resolve) => Failure::new(
                Kind::Connect,
                format!(
                    "cannot connect to {authority}{via}: no answer within {:.1} s (wrong host, or a firewall dropping packets?)",
                    self.timeout.min(CONNECT_MAX).as_secs_f64()
                ),
            ),
            ureq::Error::Timeout(t) => {
                let doing = match t {
                    ureq::Timeout::PerWrite
                    | ureq::Timeout::SendRequest
                    | ureq::Timeout::SendBody => {
                        format!("sending {what}")
                    }
                    _ => format!("waiting for the response to {what}"),
                };
                timeout_failure(&doing, &self.timeout_s(), "no response head arrived")
            }
            ureq::Error::ConnectProxyFailed(why) => Failure::new(
                Kind::Connect,
                format!(
                    "the proxy {} did not open a tunnel to {authority}: {why}\n  help: check the proxy and its rules, or add `{}` to NO_PROXY to reach the server directly",
                    self.proxy
                        .as_ref()
                        .map(Chosen::describe)
                        .unwrap_or_else(|| "(unknown)".into()),
                    ep.host
                ),
            ),
            ureq::Error::Rustls(tls) => self.tls_failure(&tls),
            // rustls reports a refused handshake through the socket as an I/O error.
            ureq::Error::Io(io) if rustls_error(&io).is_some() => match rustls_error(&io) {
                Some(tls) => self.tls_failure(tls),
                None => Failure::new(Kind::Tls, format!("{what}: {io}")),
            },
            ureq::Error::Protocol(p) => {
                let hint = if ep.tls {
                    "is this port an HTTPS server?"
                } else {
                    "is this port an HTTP server? A server that speaks TLS needs https:// in base_url"
                };
                Failure::new(
                    Kind::Malformed,
                    format!("{what}: malformed HTTP response: {p} ({hint})"),
                )
            }
            ureq::Error::Io(io) => {
                let f = read_failure(io, &format!("sending {what}"), &self.timeout_s(), "");
                if f.kind == Kind::Closed {
                    let tls_hint = if ep.tls {
                        ""
                    } else {
                        " A server that speaks TLS needs https:// in base_url."
                    };
                    Failure::new(
                        Kind::Closed,
                        format!(
                            "{what}: the server closed the connection without sending a response (did it crash, or is this port not an HTTP server?){tls_hint}"
                        ),
                    )
                } else {
                    f
                }
            }
            other => Failure::new(Kind::Io, format!("{what}{via} failed: {other}")),
        }
    }

    fn tls_failure(&self, e: &rustls::Error) -> Failure {
        use rustls::CertificateError as C;
        let ep = &self.endpoint;
        let url = ep.url("");
        let trusted = self
            .trust
            .as_ref()
            .map(Trust::describe)
            .unwrap_or_else(|| "no root certificates".into());
        let ca_help = "if the server's certificate comes from a private or corporate authority, set `ca_file = \"path/to/ca.pem\"` in the model's http table (the authority's PEM certificate, relative to models.toml); lfmbench never turns certificate verification off";
        let msg = match e {
            rustls::Error::InvalidCertificate(c) => match c {
                C::UnknownIssuer | C::BadSignature | C::UnknownRevocationStatus => {
                    let empty = self.trust.as_ref().is_some_and(|t| t.system == 0);
                    let extra = if empty {
                        "; no system root certificates were found (install the ca-certificates package, or point SSL_CERT_FILE at a bundle)"
                    } else {
                        ""
                    };
                    format!(
                        "the certificate of {url} is not trusted: it is not signed by an authority lfmbench trusts (checked against {trusted}{extra}; {e})\n  help: {ca_help}"
                    )
                }
                C::NotValidForName | C::NotValidForNameContext { .. } => format!(
                    "the certificate of {url} is not valid for the name `{}` ({e})\n  help: write base_url with a name the certificate was issued for",
                    ep.host
                ),
                C::Expired
                | C::ExpiredContext { .. }
                | C::NotValidYet
                | C::NotValidYetContext { .. } => format!(
                    "the certificate of {url} is outside its validity period ({e})\n  help: renew the server's certificate, or check this machine's clock"
                ),
                _ => format!("the certificate of {url} was refused: {e}\n  help: {ca_help}"),
            },
            rustls::Error::InvalidMessage(_) | rustls::Error::InappropriateMessage { .. } => {
                format!(
                    "the TLS handshake with {url} failed: {e}\n  help: the server does not seem to speak TLS on this port; for a plain HTTP server write base_url as http://"
                )
            }
            _ => format!("the TLS handshake with {url} failed: {e}"),
        };
        Failure::new(Kind::Tls, msg)
    }
}

/// The TLS error inside an I/O error, if it carries one.
fn rustls_error(e: &io::Error) -> Option<&rustls::Error> {
    e.get_ref()?.downcast_ref::<rustls::Error>()
}

fn timeout_failure(doing: &str, timeout_s: &str, what: &str) -> Failure {
    let what = if what.is_empty() {
        String::new()
    } else {
        format!(" ({what})")
    };
    Failure::new(
        Kind::Timeout,
        format!(
            "timed out {doing}: the server sent nothing for {timeout_s} s{what}. Raise `timeout_s` in the model's http table if the server is just slow"
        ),
    )
}

/// Map an I/O error met while `doing` (reading a body, typically) to a failure; `what`
/// says what was missing. Errors of ureq carried inside the `io::Error` are unwrapped.
pub fn read_failure(e: io::Error, doing: &str, timeout_s: &str, what: &str) -> Failure {
    match ureq::Error::from(e) {
        ureq::Error::Timeout(_) => timeout_failure(doing, timeout_s, what),
        ureq::Error::Io(e) => match e.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => {
                timeout_failure(doing, timeout_s, what)
            }
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
        },
        ureq::Error::Protocol(p) => {
            Failure::new(Kind::Malformed, format!("malformed response {doing}: {p}"))
        }
        other => Failure::new(Kind::Io, format!("error {doing}: {other}")),
    }
}

impl Response {
    /// The body as a buffered reader (chunked encoding, Content-Length or
    /// connection-close framing undone by ureq).
    pub fn body(self) -> BufReader<ureq::BodyReader<'static>> {
        BufReader::new(self.body.into_reader())
    }

    /// Read the whole body as text, at most `limit` bytes (the rest is dropped).
    pub fn text(self, limit: usize) -> io::Result<String> {
        let mut buf = Vec::new();
        self.body
            .into_reader()
            .take(limit as u64)
            .read_to_end(&mut buf)?;
        Ok(String::from_utf8_lossy(&buf).into_owned())
    }

    /// Stop here: the connection is closed, not read to the end.
    pub fn close(self) {
        drop(self);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_key() {
        let c = Client::new(
            Endpoint::parse("http://127.0.0.1:1").expect("url"),
            Some("sk-very-secret".into()),
            Duration::from_secs(1),
            None,
        )
        .expect("client");
        assert!(!format!("{c:?}").contains("sk-very-secret"));
    }

    #[test]
    fn body_stalls_and_breaks_read_as_timeouts_and_closes() {
        let t = read_failure(
            io::Error::new(io::ErrorKind::TimedOut, "x"),
            "reading",
            "1.0",
            "the stream stalled",
        );
        assert_eq!(t.kind, Kind::Timeout);
        assert!(
            t.message
                .contains("sent nothing for 1.0 s (the stream stalled)"),
            "{t}"
        );
        let wrapped = ureq::Error::Timeout(ureq::Timeout::PerRead).into_io();
        assert_eq!(read_failure(wrapped, "r", "2.0", "").kind, Kind::Timeout);
        let c = read_failure(
            io::Error::new(io::ErrorKind::UnexpectedEof, "Peer disconnected"),
            "reading",
            "1.0",
            "",
        );
        assert_eq!(c.kind, Kind::Closed);
        assert!(c.message.contains("was the server stopped"), "{c}");
    }
}
