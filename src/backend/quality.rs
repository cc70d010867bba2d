//! The perplexity workload on any [`Session`] (a question set is chat answers judged,
//! which `workload` runs): a text's perplexity scored window by window exactly as
//! llama.cpp's `llama-perplexity` does (tools/perplexity/perplexity.cpp, `perplexity()`):
//!
//! - the file is read whole and one trailing newline dropped (its `-f`), then tokenized
//!   with the model's special tokens added (BOS where the model uses one), special-token
//!   text not parsed;
//! - it needs at least 2 × n_ctx tokens; the first ⌊tokens ÷ n_ctx⌋ windows of n_ctx
//!   tokens are scored (at most `chunks` of them), without overlap, each from an empty
//!   context, its first token replaced by BOS where the model adds one;
//! - in each window only the second half is scored: the logits at positions
//!   first = n_ctx ÷ 2 … n_ctx − 2 predict the tokens at first + 1 … n_ctx − 1, so every
//!   scored token has at least n_ctx ÷ 2 tokens of context;
//! - −ln p(token) = max + ln Σ exp(logit − max) − logit(token), summed in f64.
//!
//! Bits per byte divide the scored tokens' negative log-likelihood (in bits) by the UTF-8
//! bytes of those same tokens' pieces: the text that was scored, not the whole file.

use std::time::Instant;

use anyhow::{Context, Result, bail};

use super::Session;
use crate::sample::{PerplexitySample, WindowScore};

/// The windows of a text of `n_tokens` tokens: where each starts, and where scoring
/// starts inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowPlan {
    pub n_ctx: usize,
    pub first: usize,
    pub starts: Vec<usize>,
}

/// Windows as llama-perplexity lays them out (see the module documentation).
pub fn plan_windows(n_tokens: usize, n_ctx: usize, chunks: Option<u32>) -> Result<WindowPlan> {
    if n_ctx < 2 {
        bail!("a perplexity window of {n_ctx} tokens scores nothing");
    }
    if n_tokens < 2 * n_ctx {
        bail!(
            "the text is {n_tokens} tokens long; scoring windows of n_ctx = {n_ctx} needs at least {} (as llama-perplexity does)\n  help: use a longer text or a smaller n_ctx",
            2 * n_ctx
        );
    }
    let mut n = n_tokens / n_ctx;
    if let Some(c) = chunks {
        n = n.min(c as usize);
    }
    Ok(WindowPlan {
        n_ctx,
        first: n_ctx / 2,
        starts: (0..n).map(|i| i * n_ctx).collect(),
    })
}

/// −ln softmax(logits)[token], as llama-perplexity's `log_softmax` computes it (float
/// differences, a double sum).
pub fn token_nll(logits: &[f32], token: usize) -> f64 {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let sum: f64 = logits.iter().map(|l| f64::from((l - max).exp())).sum();
    f64::from(max) + sum.ln() - f64::from(logits[token])
}

/// The text a perplexity workload scores: the file, one trailing newline dropped.
pub fn read_text(path: &std::path::Path, sha256: &str) -> Result<String> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("cannot read the perplexity text {}", path.display()))?;
    let got = crate::digest::sha256_bytes(&bytes);
    if !got.eq_ignore_ascii_case(sha256) {
        bail!(
            "{}: sha256 is {got}, the suite pins {sha256}; the text changed since the suite was loaded",
            path.display()
        );
    }
    let mut text = String::from_utf8(bytes)
        .map_err(|_| anyhow::anyhow!("{}: not UTF-8 text", path.display()))?;
    if text.ends_with('\n') {
        text.pop();
    }
    Ok(text)
}

/// Score `text` in windows on `s`.
pub fn perplexity(
    s: &mut dyn Session,
    file: &str,
    sha256: &str,
    text: &str,
    n_ctx: u32,
    chunks: Option<u32>,
) -> Result<PerplexitySample> {
    let t0 = Instant::now();
    let (tokens, bos) = s.text_tokens(text)?;
    let plan = plan_windows(tokens.len(), n_ctx as usize, chunks)?;
    let mut windows = Vec::with_capacity(plan.starts.len());
    let mut window = Vec::with_capacity(plan.n_ctx);
    for &start in &plan.starts {
        window.clear();
        window.extend_from_slice(&tokens[start..start + plan.n_ctx]);
        if let Some(b) = bos {
            window[0] = b;
        }
        let nll = s.window_nll(&window, plan.first)?;
        let want = plan.n_ctx - 1 - plan.first;
        if nll.len() != want {
            bail!(
                "the backend scored {} tokens of a window, {want} expected",
                nll.len()
            );
        }
        let mut bytes = 0;
        for &t in &window[plan.first + 1..] {
            bytes += s.piece_bytes(t)?;
        }
        windows.push(WindowScore {
            nll: nll.iter().sum(),
            tokens: want as u32,
            bytes,
        });
    }
    Ok(PerplexitySample {
        file: file.to_string(),
        sha256: sha256.to_string(),
        text_bytes: text.len() as u64,
        text_tokens: tokens.len() as u32,
        n_ctx,
        first: plan.first as u32,
        bos: bos.is_some(),
        windows,
        elapsed_ms: t0.elapsed().as_secs_f64() * 1000.0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_follow_llama_perplexity() {
        let p = plan_windows(1100, 512, None).expect("plan");
        assert_eq!(p.starts, [0, 512], "floor(1100 / 512) windows, no overlap");
        assert_eq!(p.first, 256);
        assert_eq!(
            plan_windows(5000, 512, Some(3)).expect("plan").starts.len(),
            3
        );
        let e = plan_windows(1000, 512, None).expect_err("too short");
        assert!(format!("{e}").contains("needs at least 1024"), "{e}");
    }

    #[test]
    fn token_nll_is_minus_log_softmax() {
        // logits ln 1, ln 2, ln 1: softmax 1/4, 1/2, 1/4.
        let l = [0.0f32, 2f32.ln(), 0.0];
        assert!((token_nll(&l, 1) - 2f64.ln()).abs() < 1e-6);
        assert!((token_nll(&l, 0) - 4f64.ln()).abs() < 1e-6);
    }
}
