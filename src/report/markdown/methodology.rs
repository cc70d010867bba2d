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
    if views
        .iter()
        .any(|v| crate::report::view::curves::has_sweeps(v.run))
    {
        let _ = writeln!(
            out,
            "- **Sweeps.** A decode with several depths runs each depth in a bench process of its own whose context is sized to depth + tokens, so its peak RSS is the memory of that depth (`memory@D.peak_rss_bytes`); a prefill with several lengths also times the first token after each (`prefill@N.ttft_ms`). A swept backend setting (threads, n_batch, quant) varies alone around the named point (the suite's `[backend]` and each model's own file), each value in a bench process of its own in every round, interleaved like every other job; a twin is generated once per swept quantization, a model file has only its own. Ratios along a sweep are paired by round at each point; a gate is crossed where the ratio's whole interval is on its passing side."
        );
    }
    if views.iter().any(|v| v.sustained.is_some()) {
        let _ = writeln!(
            out,
            "- **Sustained load** (`sustained.*`): after the stated idle time, a process of its own decodes without a pause for the stated duration, restarting its context every `chunk` tokens; the last contexts are cut to what the measured rate fits in the time left; every token's timestamp is counted into its window, and tokens after the end are not counted. At each window's end it reads the CPU clock (cpufreq `scaling_cur_freq`, else /proc/cpuinfo) and the hottest sensor (thermal zones, else hwmon) where the OS shows them. `sustained.ratio` = median window rate of the last minute ÷ that of the first (half the run each when shorter than two minutes), per round. The host records whether it is a VM (`systemd-detect-virt --vm`, the `hypervisor` CPU flag, the DMI vendor): a VM cannot show thermal throttling."
        );
    }
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
        "- **Text quality** is not measured by any criterion: \"Real backend integration\" only checks that answers have tokens. Answers are kept in samples.jsonl for a reader to judge."
    );
    out.push('\n');
}
