//! llama.cpp through llama-cpp-2: the only file that imports `llama_cpp_2`.

use std::num::NonZeroU32;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use llama_cpp_2::context::LlamaContext;
use llama_cpp_2::context::params::LlamaContextParams;
use llama_cpp_2::llama_backend::LlamaBackend;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::params::LlamaModelParams;
use llama_cpp_2::model::{LlamaChatMessage, LlamaChatTemplate, LlamaModel};
use llama_cpp_2::token::LlamaToken;

use super::llama_log;
use super::{Backend, EngineInfo, Eog, Generation, LoadTimes, Prompt, Session, TokenEvent};
use crate::config::Resolved;
use crate::device::{self, Device, DeviceKind, Placement};
use crate::sample::StopReason;

/// The llama-cpp-2 version pinned in Cargo.toml (a test keeps the two in step).
pub const LLAMA_CPP_2_VERSION: &str = "0.1.160";

/// Cargo features of this build that change the engine.
pub fn build_features() -> Vec<String> {
    let mut f = Vec::new();
    if cfg!(feature = "metal") {
        f.push("metal".to_string());
    }
    if cfg!(feature = "cuda") {
        f.push("cuda".to_string());
    }
    if cfg!(feature = "vulkan") {
        f.push("vulkan".to_string());
    }
    f
}

/// llama.cpp's own description of the build (SIMD, BLAS, …).
pub fn system_info() -> String {
    // SAFETY: returns a pointer to a static, NUL-terminated string.
    let p = unsafe { llama_cpp_sys_2::llama_print_system_info() };
    if p.is_null() {
        return String::new();
    }
    // SAFETY: non-null, NUL-terminated, static lifetime.
    unsafe { std::ffi::CStr::from_ptr(p) }
        .to_string_lossy()
        .trim()
        .to_string()
}

/// The ggml backends compiled into this build ("CPU", and "Metal", "CUDA", "Vulkan" …
/// where a GPU feature is on), as llama.cpp's backend registry lists them.
pub fn registered_backends() -> Vec<String> {
    // SAFETY: the registry is built once by ggml itself; indices below its count are valid
    // and each name is a static NUL-terminated string (or null).
    let n = unsafe { llama_cpp_sys_2::ggml_backend_reg_count() };
    (0..n)
        .filter_map(|i| {
            let p = unsafe {
                llama_cpp_sys_2::ggml_backend_reg_name(llama_cpp_sys_2::ggml_backend_reg_get(i))
            };
            // SAFETY: non-null, NUL-terminated, static lifetime.
            (!p.is_null()).then(|| {
                unsafe { std::ffi::CStr::from_ptr(p) }
                    .to_string_lossy()
                    .into_owned()
            })
        })
        .collect()
}

/// Whether this build can offload layers to a GPU (a GPU device is present and supported).
pub fn supports_gpu_offload() -> bool {
    // SAFETY: a pure query of the backend registry.
    unsafe { llama_cpp_sys_2::llama_supports_gpu_offload() }
}

/// The backend devices llama.cpp lists (name, type, memory), with what their backends
/// logged when they started (Metal's GPU family and simdgroup support, CUDA's compute
/// capability). Initialises llama.cpp's backends in this process if nothing has yet,
/// with the log routed to [`llama_log`] first so that those start-up lines are kept.
pub fn devices() -> Vec<Device> {
    llama_log::install();
    static INIT: std::sync::Once = std::sync::Once::new();
    INIT.call_once(|| {
        // SAFETY: idempotent global set-up (timer, fp16 tables, backend registry); safe
        // before or after llama-cpp-2's own `LlamaBackend::init`.
        unsafe { llama_cpp_sys_2::llama_backend_init() };
    });
    let mut out: Vec<Device> = llama_cpp_2::list_llama_ggml_backend_devices()
        .into_iter()
        .map(|d| {
            use llama_cpp_2::LlamaBackendDeviceType as T;
            Device {
                name: d.name,
                description: d.description,
                backend: d.backend,
                kind: match d.device_type {
                    T::Cpu => DeviceKind::Cpu,
                    T::Gpu => DeviceKind::Gpu,
                    T::IntegratedGpu => DeviceKind::IntegratedGpu,
                    T::Accelerator => DeviceKind::Accelerator,
                    _ => DeviceKind::Unknown,
                },
                memory_total_bytes: d.memory_total as u64,
                memory_free_bytes: d.memory_free as u64,
                props: Default::default(),
            }
        })
        .collect();
    device::log::annotate(&mut out, &llama_log::since(0));
    out
}

/// A llama.cpp engine for one GGUF file.
pub struct Llama {
    backend: LlamaBackend,
    path: PathBuf,
    fallback_template: Option<String>,
    model: Option<LlamaModel>,
}

impl Llama {
    /// Initialise llama.cpp (once per process) for the model at `path`; llama.cpp's own
    /// log is kept in memory (for the devices and the placement of the model), and
    /// echoed to stderr only when LFMBENCH_LLAMA_LOG is set.
    pub fn new(path: PathBuf, fallback_template: Option<String>) -> Result<Llama> {
        llama_log::install();
        let backend = LlamaBackend::init().context("cannot initialise llama.cpp")?;
        Ok(Llama {
            backend,
            path,
            fallback_template,
            model: None,
        })
    }
}

impl Backend for Llama {
    fn info(&self) -> EngineInfo {
        EngineInfo {
            engine: "llama.cpp".into(),
            version: format!("llama-cpp-2 {LLAMA_CPP_2_VERSION}"),
            build_features: build_features(),
            system_info: system_info(),
            gpu_offload: self.backend.supports_gpu_offload(),
            devices: devices(),
            isa: Some(crate::measure::isa::IsaInfo::of(&system_info())),
        }
    }

    fn devices(&self) -> Vec<Device> {
        devices()
    }

    fn load(&mut self, s: &Resolved) -> Result<(Box<dyn Session + '_>, LoadTimes)> {
        let devices = devices();
        let log_mark = llama_log::mark();
        let t0 = Instant::now();
        let params = LlamaModelParams::default()
            .with_n_gpu_layers(s.n_gpu_layers)
            .with_use_mmap(s.use_mmap);
        let model = LlamaModel::load_from_file(&self.backend, &self.path, &params).map_err(|e| {
            anyhow!(
                "llama.cpp could not load {}: {e}\n  help: check that the file is a complete GGUF of an architecture this llama.cpp knows (`lfmbench models` shows what it is)",
                self.path.display()
            )
        })?;
        let load_ms = ms_since(t0);
        let model = self.model.insert(model);
        let t1 = Instant::now();
        let threads = i32::try_from(s.threads).unwrap_or(i32::MAX);
        let cparams = LlamaContextParams::default()
            .with_n_ctx(NonZeroU32::new(s.n_ctx))
            .with_n_batch(s.n_batch)
            .with_n_ubatch(s.n_batch)
            .with_n_threads(threads)
            .with_n_threads_batch(threads);
        let ctx = model.new_context(&self.backend, cparams).with_context(|| {
            format!(
                "llama.cpp could not create a context of n_ctx = {} (out of memory?)",
                s.n_ctx
            )
        })?;
        let context_ms = ms_since(t1);
        let placement =
            device::log::placement(&llama_log::since(log_mark), &devices, s.n_gpu_layers);
        let template = match model.chat_template(None) {
            Ok(t) => Some((t, "gguf".to_string())),
            Err(_) => match &self.fallback_template {
                Some(name) => Some((
                    LlamaChatTemplate::new(name)?,
                    format!("built-in `{name}` (the GGUF has none)"),
                )),
                None => None,
            },
        };
        let session = LlamaSession {
            model,
            ctx,
            template,
            n_batch: s.n_batch as usize,
            n_past: 0,
            last_logits: None,
            rng: 0x9E37_79B9_7F4A_7C15,
            placement,
        };
        Ok((
            Box::new(session),
            LoadTimes {
                load_ms,
                context_ms,
            },
        ))
    }
}

/// One step of xorshift64: cheap, seeded, reproducible token ids for synthetic prompts.
fn xorshift(state: &mut u64) -> u64 {
    let mut x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    x
}

fn ms_since(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

struct LlamaSession<'m> {
    model: &'m LlamaModel,
    ctx: LlamaContext<'m>,
    /// The chat template and where it came from.
    template: Option<(LlamaChatTemplate, String)>,
    n_batch: usize,
    /// Tokens in the context so far.
    n_past: i32,
    /// Index in the last batch whose logits were requested.
    last_logits: Option<i32>,
    /// xorshift state for synthetic prompts (fixed seed: reproducible).
    rng: u64,
    /// Where llama.cpp put the model, as it logged the load.
    placement: Placement,
}

impl LlamaSession<'_> {
    fn n_ctx(&self) -> i32 {
        i32::try_from(self.ctx.n_ctx()).unwrap_or(i32::MAX)
    }

    /// Greedy choice over the last logits: plain argmax, cheap next to a decode step.
    fn argmax(&self) -> Result<LlamaToken> {
        let idx = self
            .last_logits
            .ok_or_else(|| anyhow!("generate called before any prompt was evaluated"))?;
        let logits = self.ctx.get_logits_ith(idx);
        let mut best = 0usize;
        let mut best_v = f32::NEG_INFINITY;
        for (i, v) in logits.iter().enumerate() {
            if *v > best_v {
                best_v = *v;
                best = i;
            }
        }
        Ok(LlamaToken(i32::try_from(best)?))
    }

    fn decode_tokens(&mut self, tokens: &[LlamaToken], want_last_logits: bool) -> Result<()> {
        if tokens.is_empty() {
            return Ok(());
        }
        if self.n_past + tokens.len() as i32 > self.n_ctx() {
            bail!(
                "{} more tokens do not fit the context ({} used of n_ctx = {})",
                tokens.len(),
                self.n_past,
                self.n_ctx()
            );
        }
        let mut batch = LlamaBatch::new(self.n_batch, 1);
        let n_chunks = tokens.len().div_ceil(self.n_batch);
        for (ci, chunk) in tokens.chunks(self.n_batch).enumerate() {
            batch.clear();
            let last_chunk = ci + 1 == n_chunks;
            for (i, t) in chunk.iter().enumerate() {
                let logits = want_last_logits && last_chunk && i + 1 == chunk.len();
                batch.add(*t, self.n_past, &[0], logits)?;
                self.n_past += 1;
            }
            self.ctx
                .decode(&mut batch)
                .map_err(|e| anyhow!("llama_decode failed: {e}"))?;
            if last_chunk && want_last_logits {
                self.last_logits = Some(batch.n_tokens() - 1);
            }
        }
        self.ctx.synchronize();
        Ok(())
    }

    fn next_random(&mut self) -> u64 {
        xorshift(&mut self.rng)
    }
}

impl Session for LlamaSession<'_> {
    fn placement(&self) -> Option<Placement> {
        Some(self.placement.clone())
    }

    fn chat_prompt(&self, user: &str) -> Result<Prompt> {
        let (tmpl, source) = self.template.as_ref().ok_or_else(|| {
            anyhow!("the model has no chat template in its GGUF metadata (tokenizer.chat_template)\n  help: set `chat_template = \"<name>\"` on the model in models.toml to use one of llama.cpp's built-in templates (chatml, gemma, llama3, …)")
        })?;
        let msg = LlamaChatMessage::new("user".into(), user.into())?;
        let text = self
            .model
            .apply_chat_template(tmpl, &[msg], true)
            .map_err(|e| anyhow!("llama.cpp could not apply the model's chat template: {e}"))?;
        // The template writes its own BOS where the model wants one; adding another
        // through tokenization would double it.
        let vocab = self.model.vocab();
        let bos_text = vocab.token_to_piece(vocab.bos(), true, None);
        let add_bos = vocab.should_add_bos() && !text.as_bytes().starts_with(&bos_text);
        let tokens = vocab.tokenize(text.as_bytes(), add_bos, true);
        Ok(Prompt {
            text,
            tokens: tokens.into_iter().map(|t| t.0).collect(),
            template: Some(source.clone()),
        })
    }

    fn synthetic_prompt(&self, n: u32) -> Result<Prompt> {
        // Same recipe as llama-bench: BOS (if the model uses one) then random ids.
        let vocab = self.model.vocab();
        let n_vocab = u64::try_from(vocab.n_tokens()).unwrap_or(1).max(1);
        let mut rng = self.rng;
        let mut tokens = Vec::with_capacity(n as usize);
        if vocab.should_add_bos() && n > 0 {
            tokens.push(vocab.bos().0);
        }
        while tokens.len() < n as usize {
            tokens.push(i32::try_from(xorshift(&mut rng) % n_vocab)?);
        }
        Ok(Prompt {
            text: String::new(),
            tokens,
            template: None,
        })
    }

    fn reset(&mut self) -> Result<()> {
        self.ctx.clear_kv_cache();
        self.n_past = 0;
        self.last_logits = None;
        let _ = self.next_random();
        Ok(())
    }

    fn prefill(&mut self, prompt: &Prompt) -> Result<()> {
        let tokens: Vec<LlamaToken> = prompt.tokens.iter().map(|t| LlamaToken(*t)).collect();
        self.decode_tokens(&tokens, true)
    }

    fn generate(
        &mut self,
        max_tokens: u32,
        eog: Eog,
        on_token: &mut dyn FnMut(TokenEvent),
    ) -> Result<Generation> {
        let vocab = self.model.vocab();
        let mut bytes = Vec::new();
        let mut n = 0u32;
        let mut stop = StopReason::MaxTokens;
        while n < max_tokens {
            let tok = self.argmax()?;
            let at = Instant::now();
            if eog == Eog::Stop && vocab.is_eog(tok) {
                stop = StopReason::EndOfGeneration;
                break;
            }
            on_token(TokenEvent { index: n, at });
            n += 1;
            bytes.extend(vocab.token_to_piece(tok, false, None));
            if n == max_tokens {
                break;
            }
            if self.n_past >= self.n_ctx() {
                stop = StopReason::ContextFull;
                break;
            }
            self.decode_tokens(&[tok], true)?;
        }
        Ok(Generation {
            n_generated: n,
            stop,
            text: String::from_utf8_lossy(&bytes).into_owned(),
        })
    }

    fn text_tokens(&self, text: &str) -> Result<(Vec<i32>, Option<i32>)> {
        // As llama-perplexity: add_special (BOS where the model adds one), no parsing of
        // special-token text.
        let vocab = self.model.vocab();
        let tokens = vocab.tokenize(text.as_bytes(), true, false);
        let bos = vocab.should_add_bos().then(|| vocab.bos().0);
        Ok((tokens.into_iter().map(|t| t.0).collect(), bos))
    }

    fn piece_bytes(&self, token: i32) -> Result<u64> {
        Ok(self
            .model
            .vocab()
            .token_to_piece(LlamaToken(token), false, None)
            .len() as u64)
    }

    fn window_nll(&mut self, window: &[i32], first: usize) -> Result<Vec<f64>> {
        if window.len() > self.n_ctx() as usize {
            bail!(
                "a window of {} tokens does not fit the context (n_ctx = {})",
                window.len(),
                self.n_ctx()
            );
        }
        self.ctx.clear_kv_cache();
        self.n_past = 0;
        self.last_logits = None;
        let mut out = Vec::with_capacity(window.len().saturating_sub(first + 1));
        let mut batch = LlamaBatch::new(self.n_batch, 1);
        for (ci, chunk) in window.chunks(self.n_batch).enumerate() {
            batch.clear();
            let base = ci * self.n_batch;
            for (i, t) in chunk.iter().enumerate() {
                batch.add(LlamaToken(*t), (base + i) as i32, &[0], base + i >= first)?;
            }
            self.ctx
                .decode(&mut batch)
                .map_err(|e| anyhow!("llama_decode failed: {e}"))?;
            for i in 0..chunk.len() {
                let pos = base + i;
                if pos >= first && pos + 1 < window.len() {
                    let logits = self.ctx.get_logits_ith(i as i32);
                    let next = usize::try_from(window[pos + 1])?;
                    if next >= logits.len() {
                        bail!("token {next} is outside the vocabulary ({})", logits.len());
                    }
                    out.push(super::quality::token_nll(logits, next));
                }
            }
        }
        // The context now holds the window; the next prompt starts from an empty one.
        self.ctx.clear_kv_cache();
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn pinned_version_matches_cargo_toml() {
        let manifest = include_str!("../../Cargo.toml");
        let want = format!("llama-cpp-2 = \"={}\"", super::LLAMA_CPP_2_VERSION);
        assert!(manifest.contains(&want), "Cargo.toml must pin {want}");
    }
}
