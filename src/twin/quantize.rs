//! Quantization by llama.cpp itself (`llama_model_quantize`, as llama-quantize runs it),
//! so a twin gets exactly the per-tensor type mix a published file of that quant has;
//! and llama.cpp's dry run of it (`--dry-run`), which says which type each tensor would
//! get without reading or writing any tensor data.
//!
//! This is the only twin code that calls into llama.cpp.

use std::ffi::{CStr, CString, c_char, c_void};
use std::path::Path;
use std::sync::{Mutex, Once};

use anyhow::{Context, bail};

use crate::gguf::types;

/// Quantizations a twin can have: every llama.cpp file type that needs no importance
/// matrix. F16 is written directly (the converter's output), all others by llama.cpp.
pub const SUPPORTED: &[&str] = &[
    "F32", "F16", "BF16", "Q8_0", "Q6_K", "Q5_K_M", "Q5_K_S", "Q5_1", "Q5_0", "Q4_K_M", "Q4_K_S",
    "Q4_1", "Q4_0", "Q3_K_L", "Q3_K_M", "Q3_K_S", "Q2_K", "IQ4_NL", "IQ4_XS",
];

/// The `llama_ftype` of a supported quant name (case-insensitive), in canonical spelling.
pub fn parse_quant(name: &str) -> anyhow::Result<(&'static str, u32)> {
    let canon = SUPPORTED
        .iter()
        .find(|q| q.eq_ignore_ascii_case(name))
        .copied();
    match canon.and_then(|c| types::file_type_by_name(c).map(|f| (c, f))) {
        Some(q) => Ok(q),
        None => bail!(
            "quantization `{name}` is not available for twins\n  help: use one of {}",
            SUPPORTED.join(", ")
        ),
    }
}

/// Last lines llama.cpp logged (errors say why a quantization failed).
static LOG: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Everything llama.cpp logs while a dry run reads its per-tensor lines (None otherwise).
static CAPTURE: Mutex<Option<String>> = Mutex::new(None);

/// One quantization (or dry run) at a time: llama.cpp's log callback is process-wide, and
/// a quantization uses every core already.
static QUANTIZING: Mutex<()> = Mutex::new(());

unsafe extern "C" fn capture_log(
    level: llama_cpp_sys_2::ggml_log_level,
    text: *const c_char,
    _user: *mut c_void,
) {
    if text.is_null() {
        return;
    }
    // SAFETY: llama.cpp passes a NUL-terminated string valid for this call.
    let line = unsafe { CStr::from_ptr(text) }.to_string_lossy();
    if std::env::var_os("LFMBENCH_LLAMA_LOG").is_some() {
        eprint!("{line}");
    }
    if let Ok(mut capture) = CAPTURE.lock()
        && let Some(text) = capture.as_mut()
    {
        text.push_str(&line);
    }
    if (level == llama_cpp_sys_2::GGML_LOG_LEVEL_ERROR
        || level == llama_cpp_sys_2::GGML_LOG_LEVEL_WARN)
        && let Ok(mut log) = LOG.lock()
    {
        log.push(line.trim_end().to_string());
        if log.len() > 20 {
            log.remove(0);
        }
    }
}

/// llama.cpp's global initialisation. llama-cpp-2's `LlamaBackend::init` may be called
/// once per process only, and a worker or test may hold it; `llama_backend_init` itself
/// is idempotent (timer and fp16 tables), so it is called directly, once.
fn init_backend() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        // SAFETY: no arguments; safe to call before or after llama-cpp-2's own init.
        unsafe { llama_cpp_sys_2::llama_backend_init() };
    });
}

/// Quantize the GGUF at `input` to `output` as `ftype`, on `threads` threads.
pub fn quantize(input: &Path, output: &Path, ftype: u32, threads: u32) -> anyhow::Result<()> {
    let _one = QUANTIZING.lock().unwrap_or_else(|e| e.into_inner());
    run(input, output, ftype, threads, false)
}

/// The type llama.cpp would give each tensor of the GGUF at `input` when quantizing it
/// as `ftype`, in its dry run: (tensor name, ggml type), one per tensor. The tensor data
/// is never read, so `input` may be a header with a hole where the data would be.
pub fn dry_run(input: &Path, ftype: u32) -> anyhow::Result<Vec<(String, types::GgmlType)>> {
    let _one = QUANTIZING.lock().unwrap_or_else(|e| e.into_inner());
    *CAPTURE.lock().unwrap_or_else(|e| e.into_inner()) = Some(String::new());
    let result = run(input, Path::new(""), ftype, 1, true);
    let text = CAPTURE
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take()
        .unwrap_or_default();
    result?;
    parse_dry_run(&text).with_context(|| {
        format!(
            "cannot read llama.cpp's dry run of {} (its log format may have changed)",
            input.display()
        )
    })
}

/// The per-tensor lines of a dry run's log, as llama_model_quantize_impl
/// (src/llama-quant.cpp) prints them:
/// `[   3/ 148]  blk.0.ffn_up.weight - [ 1024,  4608, 1, 1], type =    f16, size =    9.00 MiB ->    2.53 MiB (q4_K)`
/// or, for a tensor kept as it is, `…, type =    f32, size =    0.004 MiB`.
pub fn parse_dry_run(log: &str) -> anyhow::Result<Vec<(String, types::GgmlType)>> {
    let by_name = |n: &str| {
        types::GGML_TYPES
            .iter()
            .copied()
            .find(|t| t.name.eq_ignore_ascii_case(n.trim()))
            .with_context(|| format!("unknown ggml type `{}`", n.trim()))
    };
    let mut out = Vec::new();
    let mut expected = None;
    for line in log.lines().map(str::trim) {
        let Some(rest) = line.strip_prefix('[') else {
            continue;
        };
        let Some((count, rest)) = rest.split_once(']') else {
            continue;
        };
        let Some((_, total)) = count.split_once('/') else {
            continue;
        };
        let (Ok(total), Some((name, rest))) =
            (total.trim().parse::<usize>(), rest.split_once(" - ["))
        else {
            continue;
        };
        let Some((_, rest)) = rest.split_once("type =") else {
            bail!("no `type =` in `{line}`");
        };
        let Some((from, size)) = rest.split_once(',') else {
            bail!("no size after the type in `{line}`");
        };
        let ty = match size.rsplit_once('(') {
            Some((_, to)) if size.contains("->") => by_name(to.trim_end_matches(')'))?,
            _ => by_name(from)?,
        };
        expected = Some(total);
        out.push((name.trim().to_string(), ty));
    }
    match expected {
        Some(n) if n == out.len() => Ok(out),
        Some(n) => bail!("{} tensor lines for {n} tensors", out.len()),
        None => bail!("no tensor lines"),
    }
}

fn run(input: &Path, output: &Path, ftype: u32, threads: u32, dry_run: bool) -> anyhow::Result<()> {
    init_backend();
    let cstr = |p: &Path| {
        CString::new(p.as_os_str().as_encoded_bytes())
            .with_context(|| format!("{}: a path with a NUL byte", p.display()))
    };
    let (cin, cout) = (cstr(input)?, cstr(output)?);
    if let Ok(mut log) = LOG.lock() {
        log.clear();
    }
    // SAFETY: returns a plain struct of defaults.
    let mut params = unsafe { llama_cpp_sys_2::llama_model_quantize_default_params() };
    params.nthread = i32::try_from(threads).unwrap_or(0);
    params.ftype = ftype as llama_cpp_sys_2::llama_ftype;
    params.dry_run = dry_run;
    // SAFETY: the callback only reads the text it is given; paths are valid C strings
    // and params lives across the call.
    let rc = unsafe {
        llama_cpp_sys_2::llama_log_set(Some(capture_log), std::ptr::null_mut());
        llama_cpp_sys_2::llama_model_quantize(cin.as_ptr(), cout.as_ptr(), &params)
    };
    if rc != 0 {
        let log = LOG.lock().map(|l| l.join("\n    ")).unwrap_or_default();
        bail!(
            "llama.cpp could not quantize {} to {} (llama_model_quantize returned {rc})\n    {log}",
            input.display(),
            types::file_type_name(ftype).unwrap_or("?"),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quant_names() {
        assert_eq!(parse_quant("q4_k_m").expect("ok"), ("Q4_K_M", 15));
        assert_eq!(parse_quant("Q4_1").expect("ok"), ("Q4_1", 3));
        assert_eq!(parse_quant("f16").expect("ok"), ("F16", 1));
        let e = parse_quant("IQ2_XXS").expect_err("needs an imatrix");
        assert!(e.to_string().contains("Q4_K_M"));
        assert!(parse_quant("Q4_K").is_err());
    }

    /// A failure inside llama.cpp comes back as an error with llama.cpp's own reason.
    #[test]
    fn failures_carry_llama_cpp_reason() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (inp, out) = (dir.path().join("in.gguf"), dir.path().join("out.gguf"));
        std::fs::write(&inp, b"not a model at all").expect("write");
        let e = quantize(&inp, &out, 15, 1).expect_err("not a model");
        let msg = format!("{e:#}");
        assert!(
            msg.contains("could not quantize") && msg.contains("in.gguf"),
            "{msg}"
        );
        assert!(
            msg.lines().count() > 1,
            "llama.cpp's log lines follow: {msg}"
        );
        assert!(!out.exists());
    }

    /// The dry run's per-tensor lines, whole or in the two pieces llama.cpp logs them in,
    /// amid other log lines; a missing line is an error, not a shorter list.
    #[test]
    fn dry_run_lines_are_read() {
        let log = concat!(
            "llama_model_loader: loaded meta data with 40 key-value pairs\n",
            "[   1/   3]                    token_embd.weight - [ 1024, 65536,     1,     1], type =    f16, ",
            "size =  128.000 MiB ->    52.50 MiB (q6_K)\n",
            "[   2/   3]           blk.2.ffn_gate_exps.weight - [ 2048,  1792,    32,     1], type =    f16, size =  224.00 MiB ->    63.00 MiB (q4_K)\n",
            "[   3/   3]              blk.0.attn_norm.weight - [ 1024,     1,     1,     1], type =    f32, size =    0.004 MiB\n",
            "llama_model_quantize_impl: model size  =   678.33 MiB (16.05 BPW)\n",
        );
        let t = parse_dry_run(log).expect("parsed");
        let names: Vec<(&str, &str)> = t.iter().map(|(n, ty)| (n.as_str(), ty.name)).collect();
        assert_eq!(
            names,
            [
                ("token_embd.weight", "Q6_K"),
                ("blk.2.ffn_gate_exps.weight", "Q4_K"),
                ("blk.0.attn_norm.weight", "F32")
            ]
        );
        let missing = log.replace("[   2/   3]", "");
        let e = parse_dry_run(&missing).expect_err("a line short");
        assert!(e.to_string().contains("2 tensor lines for 3"), "{e}");
        assert!(parse_dry_run("nothing here\n").is_err());
        let odd = log.replace("(q4_K)", "(q9_Z)");
        assert!(format!("{:#}", parse_dry_run(&odd).expect_err("odd type")).contains("q9_Z"));
    }
}
