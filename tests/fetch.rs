//! `lfmbench fetch` against a local stand-in for the model hub on 127.0.0.1: the real
//! binary, the real hf-hub client, never a real hub.
//!
//! The stand-in answers what hf-hub 0.4's blocking client asks for a file:
//! `GET /<repo>/resolve/main/<file>` with `Range: bytes=0-0` (metadata: it reads `etag`,
//! `x-repo-commit` and the size from `content-range`), then the same URL with
//! `Range: bytes=<start>-` for the content (a resumed download starts past 0).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

const REPO: &str = "acme/tiny-GGUF";
const FILE: &str = "tiny-Q4_K_M.gguf";
const COMMIT: &str = "0123456789abcdef0123456789abcdef01234567";

/// Deterministic content that looks like a GGUF and is big enough to stream in pieces.
fn content() -> Vec<u8> {
    let mut v = b"GGUF".to_vec();
    let mut x: u32 = 0x1234_5678;
    while v.len() < 300_000 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        v.extend_from_slice(&x.to_le_bytes());
    }
    v
}

fn sha256_hex(b: &[u8]) -> String {
    Sha256::digest(b)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The hub stand-in: serves `FILE` of `REPO`, records every request line and Range.
struct Hub {
    endpoint: String,
    requests: Arc<Mutex<Vec<String>>>,
    _thread: JoinHandle<()>,
}

impl Hub {
    /// A hub that publishes the file's sha256 as its etag, as the real hub does for LFS
    /// and Xet files.
    fn start(body: Vec<u8>) -> Hub {
        let etag = sha256_hex(&body);
        Hub::start_with_etag(body, etag)
    }

    /// A hub whose etag for the file is `etag` (a git-style sha1 for a mirror that
    /// publishes no sha256, or a wrong sha256).
    fn start_with_etag(body: Vec<u8>, etag: String) -> Hub {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let endpoint = format!("http://{}", listener.local_addr().expect("addr"));
        listener.set_nonblocking(true).expect("nonblocking");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&requests);
        let thread = std::thread::spawn(move || {
            // Bounded: at most 32 connections, and never past 120 s.
            let deadline = Instant::now() + Duration::from_secs(120);
            let mut served = 0;
            while served < 32 && Instant::now() < deadline {
                match listener.accept() {
                    Ok((stream, _)) => {
                        served += 1;
                        serve(stream, &body, &etag, &log);
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        std::thread::sleep(Duration::from_millis(10));
                    }
                    Err(_) => break,
                }
            }
        });
        Hub {
            endpoint,
            requests,
            _thread: thread,
        }
    }

    fn requests(&self) -> Vec<String> {
        self.requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

fn serve(stream: TcpStream, body: &[u8], etag: &str, log: &Mutex<Vec<String>>) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(match stream.try_clone() {
        Ok(s) => s,
        Err(_) => return,
    });
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let mut range = None;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).map_or(true, |n| n == 0) || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':')
            && k.eq_ignore_ascii_case("range")
        {
            range = Some(v.trim().to_string());
        }
    }
    let mut parts = request_line.split_whitespace();
    let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    log.lock().unwrap_or_else(|p| p.into_inner()).push(format!(
        "{method} {path} range={}",
        range.as_deref().unwrap_or("-")
    ));
    let mut out = stream;
    if path != format!("/{REPO}/resolve/main/{FILE}") {
        let _ = out.write_all(
            b"HTTP/1.1 404 Not Found\r\ncontent-length: 9\r\nconnection: close\r\n\r\nnot found",
        );
        return;
    }
    let size = body.len();
    let (start, end) = range
        .as_deref()
        .and_then(|r| r.strip_prefix("bytes="))
        .and_then(|r| r.split_once('-'))
        .map(|(s, e)| {
            let s: usize = s.parse().unwrap_or(0);
            let e: usize = e.parse().unwrap_or(size - 1);
            (s.min(size), e.min(size - 1))
        })
        .unwrap_or((0, size - 1));
    let chunk = if start <= end {
        &body[start..=end]
    } else {
        &[][..]
    };
    let head = format!(
        "HTTP/1.1 206 Partial Content\r\netag: \"{etag}\"\r\nx-repo-commit: {COMMIT}\r\ncontent-range: bytes {start}-{end}/{size}\r\ncontent-length: {}\r\naccept-ranges: bytes\r\nconnection: close\r\n\r\n",
        chunk.len()
    );
    let _ = out.write_all(head.as_bytes());
    if method != "HEAD" {
        let _ = out.write_all(chunk);
    }
    let _ = out.flush();
    // Drain anything left so the client sees a clean close.
    let _ = reader.read(&mut [0u8; 64]);
}

/// A folder with a models.toml naming the stand-in's file.
fn models_dir(sha256: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let pin = sha256.map_or(String::new(), |s| format!("sha256 = \"{s}\"\n"));
    std::fs::write(
        dir.path().join("models.toml"),
        format!(
            "[[model]]\nid = \"tiny-real\"\npath = \"models/{FILE}\"\nfamily = \"llama\"\nhf_repo = \"{REPO}\"\nhf_file = \"{FILE}\"\n{pin}\n\
             [[model]]\nid = \"tiny\"\ntwin = \"tiny\"\nfamily = \"llama\"\nhf_repo = \"{REPO}\"\nhf_file = \"{FILE}\"\n"
        ),
    )
    .expect("write models.toml");
    dir
}

/// `lfmbench fetch ARGS` with the hub at `endpoint` and its cache in `dir/hf`. Proxy
/// variables are cleared so that 127.0.0.1 is reached directly.
fn fetch(dir: &Path, endpoint: &str, args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_lfmbench"));
    c.current_dir(dir)
        .arg("fetch")
        .args(args)
        .env("HF_HOME", dir.join("hf"))
        .env("HF_ENDPOINT", endpoint)
        .env("NO_COLOR", "1");
    for v in [
        "ALL_PROXY",
        "all_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "HF_TOKEN",
    ] {
        c.env_remove(v);
    }
    c.output().expect("spawn lfmbench")
}

fn text(o: &Output) -> String {
    format!(
        "status: {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Every regular file under `dir` whose length is `len`.
fn files_of_len(dir: &Path, len: u64) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let Ok(ft) = e.file_type() else { continue };
            if ft.is_dir() {
                stack.push(e.path());
            } else if ft.is_file() && e.metadata().is_ok_and(|m| m.len() == len) {
                out.push(e.path());
            }
        }
    }
    out
}

#[test]
fn fetch_downloads_verifies_links_and_then_works_from_the_cache() {
    let body = content();
    let hub = Hub::start(body.clone());
    let dir = models_dir(Some(&sha256_hex(&body)));
    let o = fetch(dir.path(), &hub.endpoint, &[]);
    assert!(o.status.success(), "{}", text(&o));
    let linked = dir.path().join("models").join(FILE);
    assert_eq!(std::fs::read(&linked).expect("models/ link"), body);
    assert!(
        std::fs::symlink_metadata(&linked).is_ok_and(|m| m.file_type().is_symlink()),
        "models/{FILE} should be a link into the cache"
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("matches models.toml"), "{}", text(&o));
    // Two entries name the same file: fetched once, the twin entry told what to write.
    assert!(
        out.contains(&format!("path = \"models/{FILE}\"")),
        "{}",
        text(&o)
    );
    assert_eq!(
        files_of_len(&dir.path().join("hf"), body.len() as u64).len(),
        1
    );
    let n = hub.requests().len();
    assert!(n >= 2, "metadata + content requests: {:?}", hub.requests());

    // Again: served from the cache, the hub is not asked.
    let o = fetch(dir.path(), &hub.endpoint, &["tiny-real"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(hub.requests().len(), n, "{:?}", hub.requests());
}

#[test]
fn fetch_resumes_a_partial_download() {
    let body = content();
    let hub = Hub::start(body.clone());
    let dir = models_dir(None);
    let blobs = dir.path().join("hf/hub/models--acme--tiny-GGUF/blobs");
    std::fs::create_dir_all(&blobs).expect("blobs");
    let half = body.len() / 2;
    std::fs::write(
        blobs.join(format!("{}.part", sha256_hex(&body))),
        &body[..half],
    )
    .expect("part file");
    let o = fetch(dir.path(), &hub.endpoint, &["tiny-real"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        std::fs::read(dir.path().join("models").join(FILE)).expect("file"),
        body
    );
    let asked = hub.requests();
    assert!(
        asked
            .iter()
            .any(|r| r.ends_with(&format!("range=bytes={half}-"))),
        "expected a request from byte {half}: {asked:?}"
    );
    // Unpinned: the hash is printed, ready to pin.
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains(&format!("sha256 = \"{}\"", sha256_hex(&body))),
        "{}",
        text(&o)
    );
}

#[test]
fn a_sha256_mismatch_fails_clearly_and_leaves_no_file() {
    let body = content();
    let hub = Hub::start(body.clone());
    let dir = models_dir(Some(&"0".repeat(64)));
    let o = fetch(dir.path(), &hub.endpoint, &["tiny-real"]);
    assert!(!o.status.success(), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("tiny-real") && err.contains("sha256") && err.contains("deleted"),
        "{}",
        text(&o)
    );
    assert!(
        std::fs::symlink_metadata(dir.path().join("models").join(FILE)).is_err(),
        "nothing may be left in models/"
    );
    assert_eq!(
        files_of_len(&dir.path().join("hf"), body.len() as u64),
        Vec::<PathBuf>::new(),
        "the bad download must be gone from the cache"
    );
}

#[test]
fn an_unreachable_hub_names_the_model_and_the_ways_out() {
    // A port that was free a moment ago: connecting is refused at once.
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let dir = models_dir(None);
    let o = fetch(
        dir.path(),
        &format!("http://127.0.0.1:{port}"),
        &["tiny-real"],
    );
    assert!(!o.status.success(), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    for needle in [
        "tiny-real",
        "no network / hub unreachable",
        "HF_ENDPOINT",
        "by hand into models/",
    ] {
        assert!(err.contains(needle), "`{needle}` missing:\n{}", text(&o));
    }
}

#[test]
fn a_missing_file_on_the_hub_is_a_404_with_a_hint() {
    let hub = Hub::start(content());
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("models.toml"),
        format!(
            "[[model]]\nid = \"typo\"\npath = \"models/x.gguf\"\nfamily = \"llama\"\nhf_repo = \"{REPO}\"\nhf_file = \"nope.gguf\"\n"
        ),
    )
    .expect("write");
    let o = fetch(dir.path(), &hub.endpoint, &[]);
    assert!(!o.status.success(), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("HTTP 404") && err.contains("hf_file"),
        "{}",
        text(&o)
    );
}

/// A suite over `candidate` and `baseline`, one short decode.
fn suite(candidate: &str, baseline: &str) -> String {
    format!(
        "[suite]\nname = \"pub\"\ncandidate = \"{candidate}\"\nbaseline = \"{baseline}\"\nrounds = 1\nwarmup = 1\ntimeout_s = 300\n\n\
         [backend]\nn_ctx = 256\nn_batch = 32\n\n\
         [[workload]]\nkind = \"decode\"\ntokens = 4\ndepths = [0]\n"
    )
}

/// models.toml of the nightly's shape: the candidate and the baseline are shape twins
/// with a published file each; the baseline's file is not on the hub.
fn twin_catalogue(dir: &Path, quant: &str) {
    std::fs::write(
        dir.join("models.toml"),
        format!(
            "[[model]]\nid = \"cand\"\ntwin = \"smollm2-135m\"\nquant = \"{quant}\"\nfamily = \"llama\"\nhf_repo = \"{REPO}\"\nhf_file = \"{FILE}\"\n\n\
             [[model]]\nid = \"base\"\ntwin = \"smollm2-135m\"\nquant = \"{quant}\"\nfamily = \"llama\"\nhf_repo = \"{REPO}\"\nhf_file = \"gone.gguf\"\n\n\
             [[model]]\nid = \"unnamed\"\ntwin = \"smollm2-135m\"\nfamily = \"llama\"\nhf_repo = \"{REPO}\"\nhf_file = \"other.gguf\"\n"
        ),
    )
    .expect("write models.toml");
    std::fs::write(dir.join("suite.toml"), suite("cand", "base")).expect("write suite");
}

fn models_file(path: &Path) -> toml::Table {
    toml::from_str(&std::fs::read_to_string(path).expect("models file")).expect("toml")
}

fn entry<'a>(t: &'a toml::Table, id: &str) -> &'a toml::Table {
    t["model"]
        .as_array()
        .expect("[[model]]")
        .iter()
        .filter_map(|m| m.as_table())
        .find(|m| m["id"].as_str() == Some(id))
        .unwrap_or_else(|| panic!("no model {id} in {t:?}"))
}

/// The nightly's switch: fetch what the suite names, write a models file that runs the
/// published file where it was fetched and the twin (saying why) where it was not.
#[test]
fn write_models_points_at_fetched_files_and_keeps_twins_as_stand_ins() {
    let body = content();
    let hub = Hub::start(body.clone());
    let dir = tempfile::tempdir().expect("tempdir");
    twin_catalogue(dir.path(), "Q4_K_M");
    let args = ["--suite", "suite.toml", "--write-models", "models.run.toml"];
    let o = fetch(dir.path(), &hub.endpoint, &args);
    // A file that could not be fetched does not fail the command: its twin stands in.
    assert!(o.status.success(), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("warning: `base` will run as its shape twin"),
        "{}",
        text(&o)
    );
    let written = std::fs::read_to_string(dir.path().join("models.run.toml")).expect("written");
    assert!(written.contains("\n# published: cand\n"), "{written}");
    assert!(written.contains("\n# stand-ins: base\n"), "{written}");
    let t = models_file(&dir.path().join("models.run.toml"));
    let cand = entry(&t, "cand");
    assert_eq!(cand["path"].as_str(), Some(&*format!("models/{FILE}")));
    assert_eq!(cand["sha256"].as_str(), Some(&*sha256_hex(&body)));
    assert!(
        !cand.contains_key("twin") && !cand.contains_key("quant"),
        "{cand:?}"
    );
    assert!(!cand.contains_key("stand_in"), "{cand:?}");
    let base = entry(&t, "base");
    assert_eq!(base["twin"].as_str(), Some("smollm2-135m"));
    let why = base["stand_in"].as_str().expect("stand_in");
    assert!(
        why.contains(&format!("{REPO}/gone.gguf")) && why.contains("HTTP 404"),
        "{why}"
    );
    // Not named by the suite: neither fetched nor marked.
    let unnamed = entry(&t, "unnamed");
    assert!(!unnamed.contains_key("stand_in") && !unnamed.contains_key("path"));
    assert!(
        !hub.requests().iter().any(|r| r.contains("other.gguf")),
        "{:?}",
        hub.requests()
    );
    // The file reads back as a valid catalogue: `lfmbench models` accepts it.
    let o = Command::new(env!("CARGO_BIN_EXE_lfmbench"))
        .current_dir(dir.path())
        .args(["models", "--models", "models.run.toml"])
        .output()
        .expect("spawn");
    assert!(
        o.status.success() && String::from_utf8_lossy(&o.stdout).contains("cand"),
        "{}",
        text(&o)
    );
}

#[test]
fn ids_and_suite_are_exclusive_and_a_suite_without_hub_files_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    twin_catalogue(dir.path(), "Q4_K_M");
    let o = fetch(
        dir.path(),
        "http://127.0.0.1:9",
        &["cand", "--suite", "suite.toml"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("cannot be used with"),
        "{}",
        text(&o)
    );
    std::fs::write(
        dir.path().join("models.toml"),
        "[[model]]\nid = \"cand\"\ntwin = \"smollm2-135m\"\nfamily = \"llama\"\n\n[[model]]\nid = \"base\"\ntwin = \"smollm2-135m\"\nfamily = \"llama\"\n",
    )
    .expect("models");
    let o = fetch(
        dir.path(),
        "http://127.0.0.1:9",
        &["--suite", "suite.toml", "--write-models", "m.toml"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("suite.toml") && err.contains("nothing to fetch"),
        "{}",
        text(&o)
    );
    assert!(!dir.path().join("m.toml").exists());
}

/// A mirror that publishes no sha256 (its etag is a git sha1): the hash is recorded at
/// the first fetch, and a cached copy that no longer matches it is fetched again.
#[test]
fn without_a_published_sha256_the_first_fetch_is_recorded_and_checked_later() {
    let body = content();
    let hub = Hub::start_with_etag(
        body.clone(),
        "0123456789abcdef0123456789abcdef01234567".into(),
    );
    let dir = models_dir(None);
    let o = fetch(dir.path(), &hub.endpoint, &["tiny-real"]);
    assert!(o.status.success(), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("the hub publishes none") && out.contains("recorded in"),
        "{}",
        text(&o)
    );
    let blob = dir
        .path()
        .join("hf/hub/models--acme--tiny-GGUF/blobs/0123456789abcdef0123456789abcdef01234567");
    let record = dir.path().join(
        "hf/hub/models--acme--tiny-GGUF/lfmbench-sha256/0123456789abcdef0123456789abcdef01234567",
    );
    assert_eq!(
        std::fs::read_to_string(&record).expect("record").trim(),
        sha256_hex(&body)
    );
    // The cached copy goes bad (same size, one byte changed).
    let mut bad = body.clone();
    bad[1000] ^= 0xff;
    std::fs::write(&blob, &bad).expect("corrupt the blob");
    let n = hub.requests().len();
    let o = fetch(dir.path(), &hub.endpoint, &["tiny-real"]);
    assert!(o.status.success(), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("the cached copy failed its check")
            && err.contains("its first fetch recorded"),
        "{}",
        text(&o)
    );
    assert!(
        hub.requests().len() > n,
        "downloaded again: {:?}",
        hub.requests()
    );
    assert_eq!(std::fs::read(&blob).expect("blob"), body);
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("matches the hash recorded at its first fetch"),
        "{}",
        text(&o)
    );
}

/// The hub's published sha256 (the etag it gives an LFS file) is checked: a download that
/// does not match it is deleted, and with --write-models the twin stands in, saying why.
#[test]
fn a_download_that_differs_from_the_hub_sha256_is_deleted_and_a_twin_stands_in() {
    let body = content();
    let hub = Hub::start_with_etag(body.clone(), sha256_hex(b"another file"));
    let dir = tempfile::tempdir().expect("tempdir");
    twin_catalogue(dir.path(), "Q4_K_M");
    let o = fetch(
        dir.path(),
        &hub.endpoint,
        &["--suite", "suite.toml", "--write-models", "models.run.toml"],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("the hub publishes"),
        "{}",
        text(&o)
    );
    assert_eq!(
        files_of_len(&dir.path().join("hf"), body.len() as u64),
        Vec::<PathBuf>::new(),
        "the bad download must be gone"
    );
    let t = models_file(&dir.path().join("models.run.toml"));
    let why = entry(&t, "cand")["stand_in"]
        .as_str()
        .expect("stand_in")
        .to_string();
    assert!(
        why.contains("sha256") && why.contains("the hub publishes"),
        "{why}"
    );
    let written = std::fs::read_to_string(dir.path().join("models.run.toml")).expect("written");
    assert!(written.contains("\n# published: none\n"), "{written}");
}

/// End to end, as the nightly does it: the real SmolLM2 file served by the hub stand-in
/// is fetched for the candidate; the baseline's file is missing, so its twin runs; the
/// run measures the published file, and the report names the stand-in and why.
#[test]
fn a_run_on_the_written_models_file_measures_the_published_file_and_reports_the_stand_in() {
    let smol = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("models/cache/SmolLM2-135M-Instruct.Q4_1.gguf");
    let body = std::fs::read(&smol).unwrap_or_else(|e| {
        panic!(
            "{}: {e}: run scripts/fetch-test-models.sh first",
            smol.display()
        )
    });
    let hub = Hub::start(body.clone());
    let dir = tempfile::tempdir().expect("tempdir");
    twin_catalogue(dir.path(), "Q4_1");
    let o = fetch(
        dir.path(),
        &hub.endpoint,
        &["--suite", "suite.toml", "--write-models", "models.run.toml"],
    );
    assert!(o.status.success(), "{}", text(&o));
    let lfm = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_lfmbench"))
            .current_dir(dir.path())
            .args(args)
            .env("NO_COLOR", "1")
            .output()
            .expect("spawn lfmbench")
    };
    let o = lfm(&[
        "run",
        "suite.toml",
        "--models",
        "models.run.toml",
        "--out",
        "runs",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let run = std::fs::read_dir(dir.path().join("runs"))
        .expect("runs")
        .next()
        .expect("a run")
        .expect("entry")
        .path();
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("run.json")).expect("run.json"))
            .expect("json");
    // The candidate ran on the published file (not a twin by its own metadata either);
    // the baseline on its twin.
    assert_eq!(meta["twins"]["base"], "smollm2-135m", "{meta}");
    assert!(meta["twins"].get("cand").is_none(), "{meta}");
    let records = std::fs::read_to_string(run.join("samples.jsonl")).expect("samples");
    assert!(
        records.lines().any(|l| l.contains("\"model\":\"cand\"")),
        "no sample of the candidate:\n{records}"
    );
    let report = dir.path().join("report/FINDINGS.md");
    let o = lfm(&[
        "report",
        run.to_str().expect("utf-8"),
        "--out",
        report.to_str().expect("utf-8"),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let md = std::fs::read_to_string(&report).expect("report");
    let twins = md
        .split("Shape twins")
        .nth(1)
        .expect("a Shape twins section");
    assert!(
        twins.contains("`base` is a shape twin")
            && twins.contains("stand-in for the published file")
            && twins.contains("gone.gguf could not be fetched")
            && twins.contains("HTTP 404"),
        "{md}"
    );
    assert!(!twins.contains("`cand` is a shape twin"), "{md}");
}
