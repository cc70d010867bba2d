//! Quantization by llama.cpp itself (`llama_model_quantize`, as llama-quantize runs it),
//! so a twin gets exactly the per-tensor type mix a published file of that quant has.
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
}
