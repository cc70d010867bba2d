//! "Methodology": how every number was measured and decided, written from the runs' own
//! settings.

use std::fmt::Write;

use super::text::heading;
use crate::report::view::RunView;
use crate::sample::{Body, Settle};
use crate::stats::bootstrap::{LEVEL, RESAMPLES, SEED};
use crate::stats::percentile;

/// How the bench processes' model files sat in the page cache, from the memory samples.
pub(super) fn page_cache_method(views: &[RunView<'_>]) -> String {
    let (mut settled, mut read_back, mut unknown) = (0usize, 0usize, 0usize);
    for r in views.iter().flat_map(|v| &v.run.records) {
        if let Body::Memory(m) = &r.body {
            match &m.page_cache {
                Some(Settle::Settled) => settled += 1,
                Some(Settle::ReadBack { .. }) => read_back += 1,
                None => unknown += 1,
            }
        }
    }
    let why = "with mmap, how a file sits in the page cache changes decode speed (on Linux by up to 20%: a file just written maps faster than the same bytes cached long ago)";
    let total = settled + read_back + unknown;
    if total > 0 && settled == total {
        format!(
            "- **Page cache.** Before each bench process its model file was dropped from the page cache and read back sequentially, so every model's file was cached the same way: {why}."
        )
    } else if unknown == total {
        format!(
            "- **Page cache.** Every bench process mapped its model file as it happened to be cached (runs made before lfmbench settled files, or a server's): {why}, so a difference between models can carry a difference between their files' histories."
        )
    } else {
        format!(
            "- **Page cache.** Of {total} bench processes, {settled} had their model file dropped from the page cache and read back first, {read_back} only read back (the file could not be dropped) and {unknown} mapped it as it happened to be cached: {why}, so figures of files not settled can carry that difference."
        )
    }
}

pub(super) fn methodology(out: &mut String, views: &[RunView<'_>]) {
    heading(out, 2, "Methodology");
    let rounds: Vec<String> = views
        .iter()
        .map(|v| v.run.meta.rounds.to_string())
        .collect();
    let warmup: Vec<String> = views
        .iter()
        .map(|v| v.run.suite.suite.warmup.to_string())
        .collect();
    let _ = writeln!(
        out,
        "- **Rounds.** Every model runs {} round(s); each round is a fresh worker process per model, and rounds are interleaved across models (A B A B …) so that a machine's drift spreads over all models. Inside a round each workload first runs {} unmeasured warm-up repetition(s).",
        rounds.join(" / "),
        warmup.join(" / ")
    );
    let _ = writeln!(out, "{}", page_cache_method(views));
    let _ = writeln!(
        out,
        "- **Decode** (`decode.tokens_per_s`): the context is filled to the depth (untimed), then tokens are generated one at a time with end-of-generation ignored (llama-bench `tg`); rate = (n − 1) ÷ (time of the last token − time of the first), exactly n − 1 decode steps. A decode that produced fewer tokens than asked is invalid and left out."
    );
    let _ = writeln!(
        out,
        "- **Prefill** (`prefill.tokens_per_s`): a synthetic prompt of the given length evaluated in batches of n_batch (llama-bench `pp`), tokens ÷ wall time."
    );
    let _ = writeln!(
        out,
        "- **Chat** (`chat.*`): each prompt through the model's own chat template (or the catalogue's fallback), greedy, at most max_tokens; TTFT, the gaps between tokens and end-to-end time are timestamps of each token as it becomes available. A zero-token answer is invalid and left out of every latency; `integration.valid_fraction` is the share of valid answers."
    );
    let _ = writeln!(
        out,
        "- **Cold start** (`cold_start.total_ms`): see Cold start above; `cold_start_warm.total_ms` is the same with the file cached."
    );
    let _ = writeln!(
        out,
        "- **Memory** (`memory.peak_rss_bytes`): the bench process's peak RSS as the OS accounts it (Linux: VmHWM of the worker's own address space, read by the worker after its workloads; elsewhere `wait4` `ru_maxrss`)."
    );
    let _ = writeln!(
        out,
        "- **Intervals.** 95% percentile bootstrap with {RESAMPLES} resamples and a fixed seed ({SEED:#x}, SplitMix64), so the same samples always give the same interval. Whole rounds are resampled (values within one process are not independent). A ratio is computed per round from the two models' statistics in that round, and the per-round ratios are bootstrapped; the ratio shown is their median. With few rounds a percentile bootstrap is too narrow (with 2 rounds it is just their range): treat such intervals as indicative. min and max have no interval."
    );
    let _ = writeln!(
        out,
        "- **Percentiles.** HDR histogram, {} significant digits (latencies recorded in whole microseconds; a percentile is the top of its bucket, at most 0.1 % above the sample at its rank, nearest-rank definition). A percentile P is reported only with n ≥ 1 ÷ (1 − P/100) samples (P{} needs {}, P{} needs {}); with fewer it is not reported and a criterion on it is INCONCLUSIVE.",
        percentile::SIGNIFICANT_DIGITS,
        95,
        percentile::min_samples_for(95.0),
        99,
        percentile::min_samples_for(99.0)
    );
    let _ = writeln!(
        out,
        "- **Criteria.** PASS when the whole {:.0}% interval meets the target, FAIL when the whole interval misses it, INCONCLUSIVE when it straddles the target or the samples cannot carry the statistic, NOT MEASURED when there is no valid sample (a model skipped or failed) — never a silent pass. min/max statistics and `report.complete` are decided on the value itself.",
        LEVEL * 100.0
    );
    let _ = writeln!(
        out,
        "- **Decision.** NO-GO when a criterion's measured value is on the wrong side of its `no_go` line; GO when every critical criterion passes and at least `pass_at_least` criteria pass; INCONCLUSIVE when a critical criterion is inconclusive or not measured (and none failed) or the suite has no criteria; CONDITIONAL otherwise, with the reasons listed under the verdict."
    );
    let _ = writeln!(
        out,
        "- **Roofline.** Bound = measured read bandwidth ÷ model file size (see Roofline); % of bound = median decode ÷ bound."
    );
    let _ = writeln!(
        out,
        "- **Correct answers** (`quality.correct_fraction`): chat prompts and question sets may say what a correct answer contains (`expect`: the text as a whole word, any letter case) or matches (`expect_regex`); an answer is correct, wrong (kept with its text) or invalid (no token; counted wrong). The fraction is over distinct questions — greedy decoding answers a repeated question the same way, so repeats add no information — with a Wilson score 95% interval; a difference between two models gets Newcombe's interval from the two Wilson intervals, which treats their answers as independent and so errs wide. A question set runs once per model per run unless the suite says `every_round`. \"Real backend integration\" still only checks that answers have tokens."
    );
    let _ = writeln!(
        out,
        "- **Bits per byte and perplexity** (`quality.bits_per_byte`, `quality.perplexity`): the fixed text is read whole (one trailing newline dropped), tokenized with the model's BOS, and cut into non-overlapping windows of n_ctx tokens, each evaluated from an empty context with its first token replaced by BOS where the model uses one — as llama.cpp's `llama-perplexity` does. Only the second half of each window is scored: the logits at positions n_ctx/2 … n_ctx − 2 predict the tokens at n_ctx/2 + 1 … n_ctx − 1. Perplexity = exp(Σ −ln p ÷ scored tokens). Bits per byte = Σ −log₂ p of the scored tokens ÷ the UTF-8 bytes of those same tokens' pieces (the text that was scored: about half of each window, not the whole file). Both are exact for the text; their 95% intervals resample whole windows (bootstrap, 10 000 resamples, fixed seed) and say how much the value depends on which passages were scored. A ratio or difference between two models resamples each one's windows independently (their windows cover different bytes), which errs wide."
    );
    let _ = writeln!(
        out,
        "- **Base models and twins.** A model with no chat template in its GGUF and no instruct-like `general.finetune` (or `instruct = false` in models.toml) is named a base model wherever its chat answers appear: its latencies stand, its answers are not meaningful. A shape twin has random weights: every quality metric is NOT MEASURED for it, never a number. Advisory criteria are decided like the others and shown, but never counted in the decision."
    );
    out.push('\n');
}
