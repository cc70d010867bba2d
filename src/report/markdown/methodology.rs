//! "Methodology": how every number was measured and decided, written once for the whole
//! document from the runs' own settings and samples, with the simulated coverage of the
//! intervals at the report's round counts, and, for runs made with `--until-decided`, the
//! sequential method and its simulated false-decision rate.

use std::fmt::Write;

use super::text::heading;
use crate::report::view::sequential::{SIMULATED_MAX_ROUNDS, SequentialView};
use crate::report::view::{COVERAGE_MAX_ROUNDS, RunView};
use crate::stats::bootstrap::{LEVEL, RESAMPLES, SEED as BOOT_SEED};
use crate::stats::coverage::{
    BOOTSTRAP_P95_COVERAGE_5_ROUNDS, CoverageRow, EXPERIMENTS, POOLED_P95, SEED,
};
use crate::stats::interval::fmt_level;
use crate::stats::{Method, percentile};
use crate::store::sequential::fmt_duration;
use crate::verdict::fmt_percent;

/// How the bench processes' model files sat in the page cache, from the memory samples.
pub(super) fn page_cache_method(views: &[RunView<'_>]) -> String {
    let (settled, read_back, unknown) = views.iter().fold((0, 0, 0), |(s, r, u), v| {
        let c = v.page_cache;
        (s + c.settled, r + c.read_back, u + c.unknown)
    });
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

/// The measured repetitions per round of decode and prefill, as the samples say: "3",
/// "1 / 3" where runs differ.
fn repetitions(views: &[RunView<'_>]) -> String {
    let mut seen: Vec<u32> = views
        .iter()
        .flat_map(|v| v.repetitions.decode.iter().chain(&v.repetitions.prefill))
        .copied()
        .collect();
    seen.sort_unstable();
    seen.dedup();
    if seen.is_empty() {
        return "no".into();
    }
    seen.iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(" / ")
}

/// The simulated coverage of the intervals at the report's round counts, one table.
fn coverage(out: &mut String, views: &[RunView<'_>]) {
    let mut rows: Vec<&CoverageRow> = Vec::new();
    for r in views.iter().flat_map(|v| &v.coverage) {
        if !rows
            .iter()
            .any(|x| x.rounds == r.rounds && x.statistic == r.statistic)
        {
            rows.push(r);
        }
    }
    rows.sort_by_key(|r| r.rounds);
    let _ = writeln!(
        out,
        "- **Simulated coverage.** How often each interval holds the true value in {EXPERIMENTS} synthetic runs with a known truth (`stats::coverage`, seed {SEED:#x}): decode-like rounds of 3 repetitions, log-normal (skewed) with a round-to-round spread of 15 % and 5 % between repetitions, a shared drift of ±10 % across the run, 1 round in 10 slowed by 40 % for every model and 1 in 20 stalled by 30 % for one model alone. The P95 row is a stored simulation of the same kind for chat latencies (4 prompts × 2 per round).\n"
    );
    let _ = writeln!(
        out,
        "  | Rounds | Interval of | Method | Stated level | Simulated coverage |\n  |--:|---|---|--:|--:|"
    );
    for r in &rows {
        let _ = writeln!(
            out,
            "  | {} | {} | {} | {} | {:.1} % ± {:.1} % |",
            r.rounds,
            r.statistic,
            r.method,
            fmt_level(r.stated),
            100.0 * r.coverage,
            100.0 * r.mc_error
        );
    }
    let _ = writeln!(
        out,
        "  | 5 | {POOLED_P95} | {} | nominal {} | {:.1} % (stored) |\n",
        Method::ClusterBootstrap,
        fmt_level(LEVEL),
        100.0 * BOOTSTRAP_P95_COVERAGE_5_ROUNDS
    );
    let beyond: Vec<String> = views
        .iter()
        .filter(|v| v.coverage.is_empty())
        .map(|v| v.run.meta.rounds.to_string())
        .collect();
    if !beyond.is_empty() {
        let _ = writeln!(
            out,
            "  Not simulated at {} round(s) (one round has no interval; beyond {COVERAGE_MAX_ROUNDS} rounds the simulation is left out, and the order-statistic level is exact for independent rounds).\n",
            beyond.join(", ")
        );
    }
}

/// Runs made with `--until-decided`: the method, what it cites, and how its plan behaves
/// in simulation (computed by the view, never typed in).
fn sequential(out: &mut String, views: &[RunView<'_>]) {
    let runs: Vec<(&RunView<'_>, &SequentialView)> = views
        .iter()
        .filter_map(|v| Some((v, v.sequential.as_ref()?)))
        .collect();
    if runs.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "- **Run until decided** (`lfmbench run --until-decided`). After every complete round the run looked at each critical criterion that is a median of one value per round (a ratio to the baseline, one ratio per round; or a metric measured once per round) and stopped when every one was decided — its interval clear of the target and of the NO-GO line —, when another round would have overrun the budget (a round's time taken as the median of the rounds so far, so the budget is overrun by at most one round), or at the plan's last round. Looking at a fixed-sample interval after every round decides falsely far more often than its level says, so these criteria are judged on a **confidence sequence** ({}): an exact repeated sign test whose boundaries spend α over the plan's N rounds, N fixed before the first round, with the Pocock-type spending function α · ln(1 + (e − 1) · n/N) of Lan & DeMets (1983, \"Discrete sequential boundaries for clinical trials\", *Biometrika* 70, 659–663); each look's interval is intersected with the earlier ones (Howard, Ramdas, McAuliffe & Sekhon 2021, \"Time-uniform, nonparametric, nonasymptotic confidence sequences\", *Ann. Statist.* 49), so a line once decided stays decided. With probability at least 1 − α spent the true median lies in the interval of every look at once: stopping at any look keeps the false-decision rate of each criterion at or under α. Distribution-free: the rounds need only be independent. There is no interval before the plan's first (the range of fewer rounds misses too often), and a criterion still undecided when the run stopped is INCONCLUSIVE with why it stopped. Other criteria are judged as in any run.",
        Method::ConfidenceSequence
    );
    for (v, s) in runs {
        let first = s.first_interval_at.map_or("no interval".to_string(), |n| {
            format!("first interval after {n} rounds")
        });
        let budget = s.budget_s.map_or("no budget".to_string(), |b| {
            format!("a budget of {}", fmt_duration(b))
        });
        let outcome = s
            .outcome
            .clone()
            .unwrap_or_else(|| "it did not finish (interrupted)".into());
        let _ = write!(
            out,
            "  - {}: a plan of at most {} rounds at α = {}, whose boundaries spend {} (its intervals say {}), {first}, {budget}; {outcome} ({} look(s)).",
            v.machine,
            s.max_rounds,
            fmt_percent(s.alpha),
            fmt_percent(s.alpha_spent),
            fmt_level(1.0 - s.alpha_spent),
            s.looks
        );
        match (&s.on_line, &s.far) {
            (Some(on), Some(far)) => {
                let mc = (on.false_decisions * (1.0 - on.false_decisions)
                    / on.experiments.max(1) as f64)
                    .sqrt();
                let _ = writeln!(
                    out,
                    " Simulated with this plan over {} runs of the synthetic rounds above (seeded): with the true ratio on its target, {:.1} % ± {:.1} % of runs decided (falsely); with the true ratio {:.1} × its target, {:.1} % decided, in a median of {} rounds.",
                    on.experiments,
                    100.0 * on.false_decisions,
                    100.0 * mc,
                    far.truth / far.target,
                    100.0 * far.decided,
                    far.median_rounds
                );
            }
            _ => {
                let _ = writeln!(
                    out,
                    " Not simulated: plans of more than {SIMULATED_MAX_ROUNDS} rounds are left out (the boundaries' error is exact by construction)."
                );
            }
        }
    }
    out.push('\n');
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
        "- **Rounds.** Every model runs {} round(s) (pooled runs count the rounds of all of them); each round is a fresh worker process per model, and rounds are interleaved across models (A B A B …) so that a machine's drift spreads over all models. Inside a round each workload first runs {} unmeasured warm-up repetition(s); decode (at each depth) and prefill then take {} measured repetition(s) (llama-bench `-r`), and the round's value is their median. Rounds, not repetitions, are what intervals count.",
        rounds.join(" / "),
        warmup.join(" / "),
        repetitions(views)
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
        "- **Memory** (`memory.peak_rss_bytes`): the bench process's peak RSS as the OS accounts it (Linux: VmHWM of the worker's own address space, read by the worker after its workloads; elsewhere `wait4` `ru_maxrss`). `memory.peak_bytes` is peak memory as the platform counts it: on macOS the worker's lifetime peak physical footprint (the ledger Activity Monitor and memory pressure use, which counts GPU buffers of unified memory that RSS may not), elsewhere the peak RSS plus the bytes llama.cpp placed on GPU devices (none on a CPU run, where the two are equal); each memory record names its source."
    );
    let _ = writeln!(
        out,
        "- **Intervals, and the level each achieves.** A median of one value per round (decode and prefill, each round's value the median of its repetitions; memory; cold start) and a candidate ÷ baseline ratio (one ratio per round, from the two models' values in that round, then the median of the ratios) get the distribution-free order-statistic interval: with n independent rounds, [X(k), X(n−k+1)] covers the median with probability 1 − 2·P(Bin(n, ½) ≤ k − 1) whatever the distribution. At 5 rounds the widest such interval, the range of the values, reaches {} and is labelled so, never 95 %; from 6 rounds on the two neighbouring order statistics are interpolated to {} (Hettmansperger & Sheather 1986). A statistic pooled over several values per round (P95 of time to first token over prompts and rounds, chat medians) gets a percentile bootstrap that resamples whole rounds ({RESAMPLES} resamples, fixed seed {BOOT_SEED:#x}, SplitMix64): its {} is only nominal, and few rounds rarely hold the rare slow rounds a P95 is made of, so its upper bound is no evidence. min and max have no interval. Every interval in this report is labelled with the level it achieves.",
        fmt_level(crate::stats::order::order_coverage(5, 1)),
        fmt_level(LEVEL),
        fmt_level(LEVEL)
    );
    coverage(out, views);
    sequential(out, views);
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
        "- **Criteria.** One rule for every line: PASS when the whole interval meets the target, FAIL when the whole interval misses it, INCONCLUSIVE when it straddles the target or the NO-GO line (the reason names which) or the samples cannot carry the statistic; a bound exactly on a line counts on the side the criterion's operator gives it (`>= 1.5` holds at 1.5). NOT MEASURED when there is no valid sample (a model skipped or failed), or when a criterion about text (`integration.valid_fraction`, `quality.*`) would judge a shape twin, whose random weights say nothing about text — never a silent pass. min/max statistics and `report.complete` are decided on the value itself."
    );
    let _ = writeln!(
        out,
        "- **Decision.** NO-GO when a criterion's whole interval lies beyond its `no_go` line (the same rule as FAIL against the target); INCONCLUSIVE when an interval straddles a NO-GO line or a NO-GO line cannot be judged (no interval, not measured) — NO-GO can then be neither claimed nor ruled out —, when a critical criterion is inconclusive or not measured (and none failed), or when the suite has no criteria; GO when every critical criterion passes and at least `pass_at_least` criteria pass; CONDITIONAL otherwise, with the reasons listed under the verdict."
    );
    let _ = writeln!(
        out,
        "- **Documentation** (`report.complete`): the share of the plan's week-4 deliverables — performance comparison, memory profile, device compatibility matrix, recommendations, risk assessment — that this report holds, each computed from measured data (see Deliverables); a deliverable no section produces is missing, and the criterion does not pass."
    );
    let _ = writeln!(
        out,
        "- **Machines.** A machine is its `host.json` label. Runs of one label with the same engine build, suite and models file are pooled into one verdict (their rounds side by side, each round's pairing kept); runs of one label that differ are shown apart, each named with what differs."
    );
    let _ = writeln!(
        out,
        "- **Roofline.** Bound = measured read bandwidth ÷ model file size (see Roofline); % of bound = median decode ÷ bound.\n- **Minimum hardware.** Decode ≈ f · BW ÷ B (tokens/s), with BW the measured read bandwidth, B the bytes read per token (the model file at depth 0, where the KV cache is empty; deeper, B grows by the KV cache read) and f the fraction of the bound a machine achieves. f is fitted per model as the median of decode · B ÷ BW over the machines measured; the bandwidth needed for R tokens/s is R · B ÷ f, and each machine's predicted decode f · BW ÷ B is shown against its measured one (with one machine the fit reproduces it by construction). RAM needed is the largest median peak RSS over the machines, at the context the model ran with.\n- **Recommendation and risks.** A criterion's margin is the distance from its interval's nearer bound to the line (target or NO-GO line), on the passing side or beyond it. For an interval straddling a line, the rounds that would decide it are projected from the measured spread: the half-width h towards the line shrinks about as 1/√rounds, so with the median d away from the line the interval clears it at about n · (h ÷ d)² rounds (n the rounds now); a median on the line is never decided by rounds alone. The next measurement is, in this order: a rerun on a quiet host when a critical criterion rests on contended samples; the fewest more rounds that decide an undecided critical criterion; a critical criterion not measured; the published files when the verdict rests on shape twins; else the critical criterion nearest to flipping."
    );
    let _ = writeln!(
        out,
        "- **Correct answers** (`quality.correct_fraction`): chat prompts and question sets may say what a correct answer contains (`expect`: the text as a whole word, any letter case) or matches (`expect_regex`); an answer is correct, wrong (kept with its text) or invalid (no token; counted wrong). The fraction is over distinct questions — greedy decoding answers a repeated question the same way, so repeats add no information — with a Wilson score 95% interval; a difference between two models gets Newcombe's interval from the two Wilson intervals, which treats their answers as independent and so errs wide. A question set runs once per model per run unless the suite says `every_round`. \"Real backend integration\" still only checks that answers have tokens (and is NOT MEASURED on shape twins)."
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
