//! What `lfmbench --version` prints: this binary's version and the engine it was built
//! with — the llama-cpp-2 version, the Cargo features that change the engine, the ggml
//! backends compiled in, whether a GPU can be used, and llama.cpp's own system info (the
//! CPU features it was compiled for). Computed only when asked: the backend registry is
//! not touched on an ordinary start.

use crate::backend::llama;

/// The text after "lfmbench " for `--version`.
pub fn long() -> String {
    let features = llama::build_features();
    let features = if features.is_empty() {
        "none (CPU only)".to_string()
    } else {
        features.join(", ")
    };
    let backends = llama::registered_backends();
    let backends = if backends.is_empty() {
        "none registered".to_string()
    } else {
        backends.join(", ")
    };
    format!(
        "{}\nengine: llama.cpp through llama-cpp-2 {}\nbuild features: {features}\nggml backends: {backends}\nGPU offload: {}\nllama.cpp system info: {}",
        env!("CARGO_PKG_VERSION"),
        llama::LLAMA_CPP_2_VERSION,
        if llama::supports_gpu_offload() {
            "yes"
        } else {
            "no"
        },
        llama::system_info(),
    )
}
