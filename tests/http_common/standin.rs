//! Stand-in servers for the http backend tests, all on 127.0.0.1 and bounded in time: an
//! OpenAI-compatible server (plain HTTP, or HTTPS with a certificate a test-made
//! authority signed), whose behaviour per connection is a function; and an HTTP CONNECT
//! proxy that records every tunnel it opens.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub const KEY: &str = "sk-lfmbench-test-7f3a9c2e";
pub const KEY_ENV: &str = "LFMBENCH_TEST_HTTP_KEY";

/// A stand-in stops accepting after this long, whatever happens to the test.
const LIFETIME: Duration = Duration::from_secs(120);

/// One accepted connection, plain or TLS.
pub trait Conn: Read + Write + Send {
    /// Close both directions now (a server that dies mid-stream).
    fn kill(&mut self);
    /// End the connection cleanly (TLS: close_notify).
    fn finish(&mut self) {}
}

impl Conn for TcpStream {
    fn kill(&mut self) {
        let _ = self.shutdown(Shutdown::Both);
    }
}

type Tls = rustls::StreamOwned<rustls::ServerConnection, TcpStream>;

impl Conn for Tls {
    fn kill(&mut self) {
        let _ = self.sock.shutdown(Shutdown::Both);
    }
    fn finish(&mut self) {
        self.conn.send_close_notify();
        let _ = self.flush();
    }
}

/// One request as the stand-in read it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub authorization: Option<String>,
    pub body: Value,
}

pub type Behaviour = fn(&mut dyn Conn, &Request);

/// A stand-in server: every connection is answered by `behaviour` on its own thread;
/// stops accepting when dropped (or after two minutes at most).
pub struct StandIn {
    pub port: u16,
    stop: Arc<AtomicBool>,
    pub seen: Arc<Mutex<Vec<Request>>>,
}

impl Drop for StandIn {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

impl StandIn {
    /// The requests read so far.
    pub fn requests(&self) -> Vec<Request> {
        self.seen.lock().expect("seen").clone()
    }
}

/// A plain-HTTP stand-in.
pub fn stand_in(behaviour: Behaviour) -> StandIn {
    serve(behaviour, None)
}

/// An HTTPS stand-in presenting `cert` (signed by a test authority).
pub fn stand_in_tls(behaviour: Behaviour, cert: &ServerCert) -> StandIn {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der.clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(cert.key_der.clone().into()),
        )
        .expect("server certificate");
    serve(behaviour, Some(Arc::new(config)))
}

fn serve(behaviour: Behaviour, tls: Option<Arc<rustls::ServerConfig>>) -> StandIn {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    listener.set_nonblocking(true).expect("nonblocking");
    let stop = Arc::new(AtomicBool::new(false));
    let seen: Arc<Mutex<Vec<Request>>> = Arc::default();
    let (stop2, seen2) = (Arc::clone(&stop), Arc::clone(&seen));
    std::thread::spawn(move || {
        let deadline = Instant::now() + LIFETIME;
        while !stop2.load(Ordering::SeqCst) && Instant::now() < deadline {
            match listener.accept() {
                Ok((s, _)) => {
                    let seen = Arc::clone(&seen2);
                    let tls = tls.clone();
                    std::thread::spawn(move || {
                        let _ = s.set_nonblocking(false);
                        let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
                        let mut conn: Box<dyn Conn> = match tls {
                            Some(config) => match rustls::ServerConnection::new(config) {
                                Ok(c) => Box::new(rustls::StreamOwned::new(c, s)),
                                Err(_) => return,
                            },
                            None => Box::new(s),
                        };
                        // A TLS handshake the client refuses ends here: no request.
                        if let Some(req) = read_request(&mut *conn) {
                            if let Ok(mut v) = seen.lock() {
                                v.push(req.clone());
                            }
                            behaviour(&mut *conn, &req);
                            conn.finish();
                        }
                    });
                }
                Err(_) => std::thread::sleep(Duration::from_millis(5)),
            }
        }
    });
    StandIn { port, stop, seen }
}

fn read_request(s: &mut dyn Conn) -> Option<Request> {
    let mut r = BufReader::new(s);
    let mut line = String::new();
    r.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let path = parts.next()?.to_string();
    let mut len = 0usize;
    let mut authorization = None;
    loop {
        let mut h = String::new();
        r.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':')?;
        match k.to_ascii_lowercase().as_str() {
            "content-length" => len = v.trim().parse().ok()?,
            "authorization" => authorization = Some(v.trim().to_string()),
            _ => {}
        }
    }
    let mut body = vec![0u8; len];
    r.read_exact(&mut body).ok()?;
    Some(Request {
        method,
        path,
        authorization,
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    })
}

pub fn respond(s: &mut dyn Conn, status: &str, content_type: &str, body: &str) {
    let _ = write!(
        s,
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = s.flush();
}

pub fn start_stream(s: &mut dyn Conn) {
    let _ = write!(
        s,
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    let _ = s.flush();
}

/// One server-sent event as one HTTP chunk.
pub fn event(s: &mut dyn Conn, data: &str) {
    let payload = format!("data: {data}\n\n");
    let _ = write!(s, "{:x}\r\n{payload}\r\n", payload.len());
    let _ = s.flush();
}

pub fn end_stream(s: &mut dyn Conn) {
    let _ = write!(s, "0\r\n\r\n");
    let _ = s.flush();
}

pub fn content(text: &str) -> String {
    json!({"choices": [{"index": 0, "delta": {"content": text}, "finish_reason": null}]})
        .to_string()
}

/// Answer the side endpoints (model list, health) like a server would.
pub fn side_endpoints(s: &mut dyn Conn, req: &Request) -> bool {
    if req.method == "GET" {
        match req.path.as_str() {
            "/v1/models" => respond(
                s,
                "200 OK",
                "application/json",
                r#"{"object":"list","data":[{"id":"stand-in","owned_by":"test"}]}"#,
            ),
            "/health" => respond(s, "200 OK", "application/json", r#"{"status":"ok"}"#),
            _ => respond(s, "404 Not Found", "application/json", r#"{"error":"no"}"#),
        }
        return true;
    }
    false
}

/// A llama-server-like stream: chat answers 3 tokens and stops (usage counting the
/// end-of-generation token, as llama-server does); ignore_eos generates max_tokens.
pub fn llama_like(s: &mut dyn Conn, req: &Request) {
    well_behaved(s, req, true, true);
}

/// As [`llama_like`] without usage or timings (a minimal OpenAI-compatible server).
pub fn minimal(s: &mut dyn Conn, req: &Request) {
    well_behaved(s, req, false, true);
}

/// As [`llama_like`], asking for no API key.
pub fn llama_like_open(s: &mut dyn Conn, req: &Request) {
    well_behaved(s, req, true, false);
}

fn well_behaved(s: &mut dyn Conn, req: &Request, report: bool, key: bool) {
    if side_endpoints(s, req) {
        return;
    }
    if key && req.authorization.as_deref() != Some(&format!("Bearer {KEY}")) {
        respond(
            s,
            "401 Unauthorized",
            "application/json",
            r#"{"error":{"message":"Invalid API Key","type":"authentication_error"}}"#,
        );
        return;
    }
    let max = req.body["max_tokens"].as_u64().unwrap_or(16) as u32;
    let ignore_eos = req.body["ignore_eos"].as_bool().unwrap_or(false);
    let words = req.body["messages"][0]["content"]
        .as_str()
        .map_or(0, |t| t.split_whitespace().count()) as u32;
    let n = if ignore_eos { max } else { max.min(3) };
    start_stream(s);
    event(
        s,
        &json!({"choices": [{"index": 0, "delta": {"role": "assistant", "content": null}}]})
            .to_string(),
    );
    for i in 0..n {
        event(s, &content(&format!("t{i} ")));
    }
    let finish = if n < max { "stop" } else { "length" };
    event(
        s,
        &json!({"choices": [{"index": 0, "delta": {}, "finish_reason": finish}]}).to_string(),
    );
    if report {
        let counted = if finish == "stop" { n + 1 } else { n };
        let prompt_n = words + 10;
        event(
            s,
            &json!({
                "choices": [],
                "usage": {"prompt_tokens": prompt_n, "completion_tokens": counted},
                "timings": {
                    "prompt_n": prompt_n, "prompt_ms": 12.5,
                    "prompt_per_second": f64::from(prompt_n) / 12.5 * 1000.0,
                    "predicted_n": counted, "predicted_ms": 40.0,
                    "predicted_per_second": f64::from(counted.saturating_sub(1)) / 40.0 * 1000.0
                }
            })
            .to_string(),
        );
    }
    event(s, "[DONE]");
    end_stream(s);
}

/// A certificate authority made for one test.
pub struct TestCa {
    issuer: rcgen::CertifiedIssuer<'static, rcgen::KeyPair>,
}

/// A server certificate and its private key (DER).
pub struct ServerCert {
    pub der: rustls::pki_types::CertificateDer<'static>,
    pub key_der: Vec<u8>,
}

impl TestCa {
    pub fn new(name: &str) -> TestCa {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        params.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::DigitalSignature,
            rcgen::KeyUsagePurpose::CrlSign,
        ];
        let key = rcgen::KeyPair::generate().expect("CA key");
        TestCa {
            issuer: rcgen::CertifiedIssuer::self_signed(params, key).expect("CA certificate"),
        }
    }

    /// The authority's certificate, PEM (what `ca_file` names).
    pub fn pem(&self) -> String {
        self.issuer.pem()
    }

    /// A server certificate for `names` (host names or IP addresses).
    pub fn server_cert(&self, names: &[&str]) -> ServerCert {
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let mut params = rcgen::CertificateParams::new(names).expect("params");
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "lfmbench stand-in");
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
        params.use_authority_key_identifier_extension = true;
        let key = rcgen::KeyPair::generate().expect("server key");
        let cert = params.signed_by(&key, &self.issuer).expect("sign");
        ServerCert {
            der: cert.der().clone(),
            key_der: key.serialize_der(),
        }
    }
}

/// An HTTP CONNECT proxy on 127.0.0.1 that records the target of every tunnel and
/// relays bytes both ways; stops accepting when dropped (or after two minutes).
pub struct Proxy {
    pub port: u16,
    stop: Arc<AtomicBool>,
    pub tunnels: Arc<Mutex<Vec<String>>>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

impl Proxy {
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The `host:port` of every CONNECT so far.
    pub fn targets(&self) -> Vec<String> {
        self.tunnels.lock().expect("tunnels").clone()
    }
}

pub fn connect_proxy() -> Proxy {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    listener.set_nonblocking(true).expect("nonblocking");
    let stop = Arc::new(AtomicBool::new(false));
    let tunnels: Arc<Mutex<Vec<String>>> = Arc::default();
    let (stop2, tunnels2) = (Arc::clone(&stop), Arc::clone(&tunnels));
    std::thread::spawn(move || {
        let deadline = Instant::now() + LIFETIME;
        while !stop2.load(Ordering::SeqCst) && Instant::now() < deadline {
            match listener.accept() {
                Ok((s, _)) => {
                    let tunnels = Arc::clone(&tunnels2);
                    std::thread::spawn(move || tunnel(s, &tunnels));
                }
                Err(_) => std::thread::sleep(Duration::from_millis(5)),
            }
        }
    });
    Proxy {
        port,
        stop,
        tunnels,
    }
}

fn tunnel(client: TcpStream, tunnels: &Mutex<Vec<String>>) {
    let _ = client.set_nonblocking(false);
    let _ = client.set_read_timeout(Some(Duration::from_secs(30)));
    let Ok(read_half) = client.try_clone() else {
        return;
    };
    let mut r = BufReader::new(read_half);
    let mut line = String::new();
    if r.read_line(&mut line).is_err() {
        return;
    }
    let mut parts = line.split_whitespace();
    let (Some("CONNECT"), Some(target)) = (parts.next(), parts.next()) else {
        let mut c = client;
        let _ = c.write_all(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n");
        return;
    };
    let target = target.to_string();
    loop {
        let mut h = String::new();
        match r.read_line(&mut h) {
            Ok(0) | Err(_) => return,
            Ok(_) if h.trim().is_empty() => break,
            Ok(_) => {}
        }
    }
    if let Ok(mut t) = tunnels.lock() {
        t.push(target.clone());
    }
    let mut client = client;
    let Ok(upstream) = TcpStream::connect(&target) else {
        let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
        return;
    };
    let _ = client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
    let _ = upstream.set_read_timeout(Some(Duration::from_secs(30)));
    let (Ok(mut up_w), Ok(mut down_w)) = (upstream.try_clone(), client.try_clone()) else {
        return;
    };
    let mut up_r = upstream;
    // Client → server: what the BufReader already holds, then the rest of the socket.
    let to_server = std::thread::spawn(move || {
        let pending = r.buffer().to_vec();
        let _ = up_w.write_all(&pending);
        let mut rest = r.into_inner();
        let _ = std::io::copy(&mut rest, &mut up_w);
        let _ = up_w.shutdown(Shutdown::Write);
    });
    let _ = std::io::copy(&mut up_r, &mut down_w);
    let _ = down_w.shutdown(Shutdown::Both);
    let _ = to_server.join();
}
