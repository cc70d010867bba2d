//! Pre-flight knows what a model is (issue 15): a valid GGUF that llama.cpp could not
//! run is refused before any worker starts, with its own message, and the real binary
//! exits 2 without creating a run. The files are written by lfmbench's own GGUF writer:
//! a tiny llama-architecture model (2 layers, 64 wide) with SmolLM2's real tokenizer,
//! complete or with a part missing.

mod util;

use std::path::Path;

use lfmbench::gguf::types::{F16, F32};
use lfmbench::gguf::writer::{TensorSpec, Writer};
use lfmbench::gguf::{self, Value};
use util::{Sandbox, text};

/// SmolLM2's metadata with the model made tiny, and the tensors llama.cpp's llama
/// loader requires for it.
fn tiny_llama() -> Writer {
    let real = gguf::read(&util::smol()).expect("SmolLM2 header");
    let mut w = Writer::new();
    for (k, v) in &real.kv {
        w.set(k, v.clone());
    }
    let n_vocab = match real.get("tokenizer.ggml.tokens") {
        Some(Value::Array(_, t)) => t.len() as u64,
        other => panic!("SmolLM2 has no token list: {other:?}"),
    };
    for (k, v) in [
        ("llama.block_count", 2),
        ("llama.embedding_length", 64),
        ("llama.feed_forward_length", 128),
        ("llama.attention.head_count", 4),
        ("llama.attention.head_count_kv", 4),
        ("llama.rope.dimension_count", 16),
        ("general.file_type", 1),
    ] {
        w.set(k, Value::U32(v));
    }
    w.add_tensor(TensorSpec::new("token_embd.weight", &[64, n_vocab], F16));
    w.add_tensor(TensorSpec::new("output_norm.weight", &[64], F32));
    for il in 0..2 {
        let b = |s: &str| format!("blk.{il}.{s}.weight");
        for n in ["attn_norm", "ffn_norm"] {
            w.add_tensor(TensorSpec::new(b(n), &[64], F32));
        }
        for n in ["attn_q", "attn_k", "attn_v", "attn_output"] {
            w.add_tensor(TensorSpec::new(b(n), &[64, 64], F16));
        }
        w.add_tensor(TensorSpec::new(b("ffn_gate"), &[64, 128], F16));
        w.add_tensor(TensorSpec::new(b("ffn_up"), &[64, 128], F16));
        w.add_tensor(TensorSpec::new(b("ffn_down"), &[128, 64], F16));
    }
    w
}

/// Write `w` to `path` with all-zero tensor data.
fn write(w: &Writer, path: &Path) {
    let f = std::io::BufWriter::new(std::fs::File::create(path).expect("create"));
    w.write(f, &mut |_, t, out| {
        std::io::copy(
            &mut std::io::Read::take(std::io::repeat(0), t.n_bytes()),
            out,
        )
        .map(|_| ())
    })
    .expect("write gguf");
}

/// A decode-only suite on `smol`, small enough to start in a second.
const SUITE: &str = r#"
[suite]
name = "preflight"
candidate = "smol"
baseline = "gemma"
rounds = 1
warmup = 0
timeout_s = 120

[backend]
n_ctx = 256
n_batch = 64

[[workload]]
kind = "decode"
tokens = 4
depths = [0]
repetitions = 1
"#;

#[test]
fn non_runnable_gguf_files_are_refused_at_preflight_each_with_its_own_message() {
    let sb = Sandbox::new();
    sb.write("suite.toml", SUITE);
    let models = std::fs::read_to_string(sb.path().join("models.toml")).expect("models");
    let smol = util::smol().display().to_string();
    let bad = sb.path().join("bad.gguf");
    sb.write(
        "models.toml",
        &models.replace(&smol, &bad.display().to_string()),
    );

    let mut header_only = Writer::new();
    header_only.set("general.architecture", Value::str("llama"));
    let mut vocab_only = tiny_llama();
    vocab_only.tensors.clear();
    let mut missing = tiny_llama();
    missing
        .tensors
        .retain(|t| t.name != "blk.1.ffn_down.weight" && t.name != "blk.0.attn_v.weight");
    let mut unknown = tiny_llama();
    unknown.set("general.architecture", Value::str("lfm3"));
    let mut mismatched = tiny_llama();
    if let Some((_, Value::Array(_, tokens))) = mismatched
        .kv
        .iter_mut()
        .find(|(k, _)| k == "tokenizer.ggml.tokens")
    {
        tokens.pop();
    }
    // (what to write, bytes to cut from its end, words the error must hold)
    let cases: Vec<(&str, Writer, u64, Vec<&str>)> = vec![
        (
            "header only",
            header_only,
            0,
            vec!["no tensors", "metadata only", "download or convert"],
        ),
        (
            "vocabulary only",
            vocab_only,
            0,
            vec!["no tensors", "vocabulary (tokenizer) only", "full .gguf"],
        ),
        (
            "tensors missing",
            missing,
            0,
            vec![
                "2 of the weights a `llama` model needs are missing",
                "blk.0.attn_v.weight | blk.0.attn_qkv.weight",
                "blk.1.ffn_down.weight",
            ],
        ),
        (
            "unknown architecture",
            unknown,
            0,
            vec!["architecture `lfm3` is unknown", "llama-cpp-2 0.1.160"],
        ),
        (
            "data beyond the end of the file",
            tiny_llama(),
            1000,
            vec!["truncated", "the tensor data", "download it again"],
        ),
        (
            "vocabulary and embedding disagree",
            mismatched,
            0,
            vec!["49151 tokens", "49152 rows"],
        ),
    ];
    for (what, w, cut, want) in cases {
        write(&w, &bad);
        if cut > 0 {
            let f = std::fs::OpenOptions::new()
                .write(true)
                .open(&bad)
                .expect("open");
            let len = f.metadata().expect("len").len();
            f.set_len(len - cut).expect("truncate");
        }
        let o = sb.run(&["run", "suite.toml"]);
        assert_eq!(o.status.code(), Some(2), "{what}: {}", text(&o));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!err.contains("panicked"), "{what}: {err}");
        for w in want.iter().chain(&["bad.gguf", "smol", "--keep-going"]) {
            assert!(err.contains(w), "{what}: expected `{w}` in:\n{err}");
        }
        assert!(
            !sb.path().join("reports/runs").exists(),
            "{what}: a run started"
        );
    }

    // The complete tiny model passes pre-flight, and llama.cpp does load and run it: the
    // table of required weights asks for no more than llama.cpp does.
    write(&tiny_llama(), &bad);
    let o = sb.run(&["run", "suite.toml"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let decodes: Vec<serde_json::Value> = sb
        .records()
        .into_iter()
        .filter(|r| r["model"] == "smol" && r["kind"] == "decode")
        .collect();
    assert_eq!(decodes.len(), 1, "{}", text(&o));
    assert_eq!(decodes[0]["valid"], true, "{decodes:?}");
}
