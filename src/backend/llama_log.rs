//! llama.cpp's and ggml's log, kept in memory: what the devices said when their backends
//! started and what llama.cpp placed where when it loaded a model (`crate::device::log`
//! reads it). Debug lines are left out; the text is capped so a long run cannot grow it
//! without bound. Error lines also go to stderr (a failed worker's record keeps its
//! stderr); with `LFMBENCH_LLAMA_LOG` set every line does.
//!
//! The callback must be installed before llama.cpp's backend registry is first touched
//! (`LlamaBackend::init`), since ggml-metal and ggml-cuda describe their devices then.

use std::ffi::{CStr, c_char, c_void};
use std::sync::{Mutex, Once};

/// At most this much text is kept (a model load logs tens of kB, debug lines aside).
const CAP_BYTES: usize = 4 << 20;

struct Log {
    text: String,
    /// Level of the last line, for continuation pieces (GGML_LOG_LEVEL_CONT).
    last_level: llama_cpp_sys_2::ggml_log_level,
}

static LOG: Mutex<Log> = Mutex::new(Log {
    text: String::new(),
    last_level: llama_cpp_sys_2::GGML_LOG_LEVEL_INFO,
});

static ECHO: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

unsafe extern "C" fn keep(
    level: llama_cpp_sys_2::ggml_log_level,
    text: *const c_char,
    _user: *mut c_void,
) {
    if text.is_null() {
        return;
    }
    let Ok(mut log) = LOG.lock() else { return };
    let level = if level == llama_cpp_sys_2::GGML_LOG_LEVEL_CONT {
        log.last_level
    } else {
        level
    };
    log.last_level = level;
    let echo = ECHO.load(std::sync::atomic::Ordering::Relaxed);
    let keep = level != llama_cpp_sys_2::GGML_LOG_LEVEL_DEBUG && log.text.len() < CAP_BYTES;
    // Errors always reach stderr, so a failed load's record carries llama.cpp's reason.
    let error = level == llama_cpp_sys_2::GGML_LOG_LEVEL_ERROR;
    if !(echo || keep || error) {
        return;
    }
    // SAFETY: ggml passes a NUL-terminated string valid for the call.
    let piece = unsafe { CStr::from_ptr(text) }.to_string_lossy();
    if echo || error {
        eprint!("{piece}");
    }
    if keep {
        log.text.push_str(&piece);
    }
}

/// Route llama.cpp's and ggml's log here, once per process.
pub fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        ECHO.store(
            std::env::var_os("LFMBENCH_LLAMA_LOG").is_some(),
            std::sync::atomic::Ordering::Relaxed,
        );
        // SAFETY: `keep` only reads the text it is given; it lives for the whole process.
        unsafe { llama_cpp_sys_2::llama_log_set(Some(keep), std::ptr::null_mut()) };
    });
}

/// How much text is kept so far: a mark to read from with [`since`].
pub fn mark() -> usize {
    LOG.lock().map(|l| l.text.len()).unwrap_or(0)
}

/// The text kept since `mark`.
pub fn since(mark: usize) -> String {
    LOG.lock()
        .map(|l| l.text.get(mark..).unwrap_or("").to_string())
        .unwrap_or_default()
}
