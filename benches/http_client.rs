//! What the http backend's client itself adds to TTFT and ITL: the public backend entry
//! (`HttpBackend` behind the `Backend`/`Session` traits, as a worker drives it) against a
//! local streaming server in this process that answers at once and records the instant it
//! wrote each token, so that what is measured is the client's share alone:
//!
//! - `ttft`: request sent → first token event (connection, request, response head, SSE
//!   and JSON of the first chunk);
//! - `token delivery`: server wrote a token → the client reported it, averaged over the
//!   tokens of a stream (what the client adds to every inter-token gap);
//! - `stream of 64 tokens`: one whole request.
//!
//! The input is independent of the client's internals (settings from TOML, the traits
//! only), so the same file runs against another implementation of the client: copy it
//! and its `[[bench]]` entry there and compare on a quiet host. Numbers from a busy
//! machine mean nothing. `cargo bench --bench http_client`.

use std::hint::black_box;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use lfmbench::backend::http::HttpBackend;
use lfmbench::backend::{Backend, Eog, Session};
use lfmbench::config::BackendSettings;
use lfmbench::config::models::HttpSettings;

/// Tokens of each streamed answer.
const TOKENS: u32 = 64;

/// The instants the server wrote each token of the latest answer.
type Writes = Arc<Mutex<Vec<Instant>>>;

/// A streaming server on 127.0.0.1 that answers every chat request with `max_tokens`
/// one-token chunks as fast as it can (keep-alive honoured), llama-server's shape.
fn server() -> (u16, Writes) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let writes: Writes = Arc::default();
    let w = Arc::clone(&writes);
    std::thread::spawn(move || {
        for s in listener.incoming().flatten() {
            let w = Arc::clone(&w);
            std::thread::spawn(move || serve(s, &w));
        }
    });
    (port, writes)
}

fn serve(s: TcpStream, writes: &Writes) {
    let _ = s.set_nodelay(true);
    let Ok(read_half) = s.try_clone() else { return };
    let mut r = BufReader::new(read_half);
    let mut s = s;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let get = line.starts_with("GET ");
        let (mut len, mut close) = (0usize, false);
        loop {
            let mut h = String::new();
            if r.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end().to_ascii_lowercase();
            if h.is_empty() {
                break;
            }
            if let Some(v) = h.strip_prefix("content-length:") {
                len = v.trim().parse().unwrap_or(0);
            }
            close |= h == "connection: close";
        }
        let mut body = vec![0u8; len];
        if r.read_exact(&mut body).is_err() {
            return;
        }
        let ok = if get {
            let b = r#"{"object":"list","data":[{"id":"bench","owned_by":"bench"}]}"#;
            write!(
                s,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{b}",
                b.len()
            )
            .is_ok()
        } else {
            let text = String::from_utf8_lossy(&body);
            let max = text
                .split("\"max_tokens\":")
                .nth(1)
                .and_then(|t| t.split([',', '}']).next())
                .and_then(|n| n.trim().parse::<u32>().ok())
                .unwrap_or(TOKENS);
            stream(&mut s, max, writes)
        };
        if !ok || close {
            return;
        }
    }
}

fn stream(s: &mut TcpStream, n: u32, writes: &Writes) -> bool {
    let mut at = Vec::with_capacity(n as usize);
    let head =
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";
    if s.write_all(head.as_bytes()).is_err() {
        return false;
    }
    let chunk = |s: &mut TcpStream, data: &str| {
        let payload = format!("data: {data}\n\n");
        s.write_all(format!("{:x}\r\n{payload}\r\n", payload.len()).as_bytes())
            .and_then(|()| s.flush())
            .is_ok()
    };
    for i in 0..n {
        let data = format!(
            r#"{{"choices":[{{"index":0,"delta":{{"content":" w{i}"}},"finish_reason":null}}]}}"#
        );
        at.push(Instant::now());
        if !chunk(s, &data) {
            return false;
        }
    }
    let ok = chunk(
        s,
        r#"{"choices":[{"index":0,"delta":{},"finish_reason":"length"}]}"#,
    ) && chunk(
        s,
        &format!(r#"{{"choices":[],"usage":{{"prompt_tokens":8,"completion_tokens":{n}}}}}"#),
    ) && chunk(s, "[DONE]")
        && s.write_all(b"0\r\n\r\n").is_ok();
    if let Ok(mut w) = writes.lock() {
        *w = at;
    }
    ok
}

fn backend(port: u16) -> HttpBackend {
    let settings: HttpSettings = toml::from_str(&format!(
        "base_url = \"http://127.0.0.1:{port}\"\nmodel = \"bench\"\ntimeout_s = 30"
    ))
    .expect("http settings");
    HttpBackend::new(&settings).expect("backend")
}

/// One streamed answer of `n` tokens: (request start, token instants).
fn answer(session: &mut dyn Session, n: u32) -> (Instant, Vec<Instant>) {
    let prompt = session.chat_prompt("Say something.").expect("prompt");
    let mut at = Vec::with_capacity(n as usize);
    let t0 = Instant::now();
    session.prefill(&prompt).expect("prefill");
    let g = session
        .generate(n, Eog::Ignore, &mut |e| at.push(e.at))
        .expect("generate");
    assert_eq!(g.n_generated, n, "the stream was read whole");
    (t0, at)
}

fn client_overhead(c: &mut Criterion) {
    let (port, writes) = server();
    let settings = BackendSettings::default().resolve();
    let mut b = backend(port);
    // As a worker does first: ask the server about itself.
    black_box(b.info());
    let (mut session, _) = b.load(&settings).expect("session");
    let session = &mut *session;
    answer(session, TOKENS); // warm: connection, buffers

    let mut g = c.benchmark_group("http client");
    g.measurement_time(Duration::from_secs(5));
    g.bench_function("ttft (request -> first token)", |bch| {
        bch.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let (t0, at) = answer(session, 1);
                total += at[0].duration_since(t0);
            }
            total
        })
    });
    g.bench_function("token delivery (server write -> client event)", |bch| {
        bch.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let (_, at) = answer(session, TOKENS);
                let wrote = writes.lock().expect("writes").clone();
                assert_eq!(wrote.len(), at.len());
                let sum: Duration = at
                    .iter()
                    .zip(&wrote)
                    .map(|(c, s)| c.saturating_duration_since(*s))
                    .sum();
                total += sum / TOKENS;
            }
            total
        })
    });
    g.bench_function("stream of 64 tokens", |bch| {
        bch.iter(|| black_box(answer(session, TOKENS)))
    });
    g.finish();
}

criterion_group!(benches, client_overhead);
criterion_main!(benches);
