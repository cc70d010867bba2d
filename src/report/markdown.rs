//! PHASE_0_FINDINGS.md: the verdict first, then the evidence, then how it was measured.
//! A pure function of the view-model: no clock, no paths outside the report folder.

use std::fmt::Write;

use crate::metric::MetricName;
use crate::report::charts::ChartRef;
use crate::report::view::{ColdView, ModelView, Pct, Problems, Role, RunView};
use crate::sample::StopReason;
use crate::stats::bootstrap::{LEVEL, RESAMPLES, SEED};
use crate::stats::{Estimate, percentile};
use crate::verdict::{CriterionResult, Decision, State, fmt_num};

const MIB: f64 = 1024.0 * 1024.0;

/// A value in its metric's unit, for tables (bytes as MiB).
fn val(v: f64, unit: &str) -> String {
    if !v.is_finite() {
        return "—".into();
    }
    match unit {
        "bytes" => format!("{:.1} MiB", v / MIB),
        "" => format!("{v:.2}"),
        "×" => format!("{v:.2}×"),
        _ => fmt_num(v),
    }
}

fn interval(e: &Estimate, unit: &str) -> String {
    match e.interval {
        Some(i) => format!("{}–{}", val(i.lo, unit), val(i.hi, unit)),
        None => "—".into(),
    }
}

/// Table cell text: pipes escaped, line breaks shown as ⏎.
fn cell(s: &str) -> String {
    s.replace('|', "\\|")
        .replace("\r\n", " ⏎ ")
        .replace('\n', " ⏎ ")
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / MIB)
}

fn decision_word(d: Decision) -> String {
    format!("**{d}**")
}

fn state_word(s: State) -> String {
    match s {
        State::Pass | State::Fail => format!("**{s}**"),
        _ => format!("*{s}*"),
    }
}

fn measured(c: &CriterionResult) -> String {
    match &c.estimate {
        Some(e) => val(e.point, &c.unit),
        None => "—".into(),
    }
}

fn target(c: &CriterionResult) -> String {
    format!("{} {}", c.op, val(c.target, &c.unit))
}

fn metric_text(c: &CriterionResult) -> String {
    let mut s = format!("`{}` {}", c.metric, c.stat);
    if let Some(b) = &c.baseline {
        s.push_str(&format!(", ÷ `{b}`"));
    }
    s
}

fn heading(out: &mut String, level: usize, text: &str) {
    let _ = writeln!(out, "{} {text}\n", "#".repeat(level));
}

/// The whole findings document.
pub fn render(views: &[RunView<'_>], charts: &[Vec<ChartRef>]) -> String {
    render_with(views, charts, &[])
}

/// [`render`], naming the runs that were asked for but could not be read (`left_out`:
/// why each was, naming its file).
pub fn render_with(views: &[RunView<'_>], charts: &[Vec<ChartRef>], left_out: &[String]) -> String {
    let mut out = String::new();
    let multi = views.len() > 1;
    match views {
        [v] => {
            let _ = writeln!(
                out,
                "# Phase 0 findings: suite `{}`\n",
                v.run.suite.suite.name
            );
            verdict_single(&mut out, v);
        }
        _ => {
            let _ = writeln!(out, "# Phase 0 findings: {} runs\n", views.len());
            verdict_multi(&mut out, views);
            device_matrix(&mut out, views);
        }
    }
    let _ = writeln!(
        out,
        "_Written by `lfmbench report` from stored samples only; the same runs always give this same file._\n"
    );
    if !left_out.is_empty() {
        let _ = writeln!(
            out,
            "**{} run(s) left out**: named but unreadable, so not in any figure below.\n",
            left_out.len()
        );
        for l in left_out {
            let _ = writeln!(out, "- {}", cell(&l.replace('\n', " ")));
        }
        out.push('\n');
    }
    for (i, v) in views.iter().enumerate() {
        let level = if multi {
            heading(
                &mut out,
                2,
                &format!("Machine `{}` — run `{}`", v.machine, v.run.meta.id),
            );
            verdict_single(&mut out, v);
            3
        } else {
            2
        };
        let no_charts = Vec::new();
        run_sections(&mut out, v, charts.get(i).unwrap_or(&no_charts), level);
    }
    methodology(&mut out, views);
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

fn verdict_single(out: &mut String, v: &RunView<'_>) {
    let verdict = &v.verdict;
    let _ = writeln!(
        out,
        "**Verdict: {}** — {}.\n",
        verdict.decision,
        verdict.counts()
    );
    let _ = writeln!(
        out,
        "| Criterion | Metric | Measured | 95% interval | Target | NO-GO if not | Result |"
    );
    let _ = writeln!(out, "|---|---|--:|--:|--:|--:|---|");
    for c in &verdict.criteria {
        let name = if c.critical {
            format!("{} (critical)", cell(&c.name))
        } else {
            cell(&c.name)
        };
        let no_go = c
            .no_go
            .map_or("—".into(), |l| format!("{} {}", c.op, val(l, &c.unit)));
        let _ = writeln!(
            out,
            "| {name} | {} | {} | {} | {} | {no_go} | {} |",
            metric_text(c),
            measured(c),
            c.estimate
                .as_ref()
                .map_or("—".into(), |e| interval(e, &c.unit)),
            target(c),
            state_word(c.state),
        );
    }
    out.push('\n');
    if !verdict.reasons.is_empty() {
        let _ = writeln!(out, "Why not GO:\n");
        for r in &verdict.reasons {
            let _ = writeln!(out, "- {}", cell(r));
        }
        out.push('\n');
    }
    // A GO can leave non-critical criteria open; say why they are.
    let open: Vec<&CriterionResult> = verdict
        .criteria
        .iter()
        .filter(|c| verdict.decision == Decision::Go && c.state != State::Pass)
        .collect();
    if !open.is_empty() {
        let _ = writeln!(out, "Not passed, without blocking GO:\n");
        for c in open {
            let _ = writeln!(
                out,
                "- {} {}: {}",
                cell(&c.name),
                c.state,
                cell(&crate::verdict::why(c))
            );
        }
        out.push('\n');
    }
    let _ = writeln!(out, "Criteria, as defined:\n");
    for c in &verdict.criteria {
        let _ = writeln!(out, "- **{}** — {}", cell(&c.name), cell(&c.definition));
    }
    out.push('\n');
}

fn verdict_multi(out: &mut String, views: &[RunView<'_>]) {
    let _ = writeln!(out, "Verdict per machine:\n");
    for v in views {
        let _ = writeln!(
            out,
            "- `{}`: {} — {}",
            v.machine,
            decision_word(v.verdict.decision),
            cell(&v.verdict.counts())
        );
        for r in &v.verdict.reasons {
            let _ = writeln!(out, "  - {}", cell(r));
        }
    }
    out.push('\n');
    let mut names: Vec<(String, String)> = Vec::new();
    for v in views {
        for c in &v.verdict.criteria {
            if !names.iter().any(|(n, _)| n == &c.name) {
                names.push((c.name.clone(), target(c)));
            }
        }
    }
    let _ = write!(out, "| Criterion | Target |");
    for v in views {
        let _ = write!(out, " {} |", cell(&v.machine));
    }
    let _ = write!(out, "\n|---|--:|");
    for _ in views {
        out.push_str("---|");
    }
    out.push('\n');
    for (name, tgt) in &names {
        let _ = write!(out, "| {} | {tgt} |", cell(name));
        for v in views {
            let c = v.verdict.criteria.iter().find(|c| &c.name == name);
            let text = match c {
                Some(c) => match &c.estimate {
                    Some(e) if e.interval.is_some() => format!(
                        "{} {} ({})",
                        state_word(c.state),
                        val(e.point, &c.unit),
                        interval(e, &c.unit)
                    ),
                    Some(e) => format!("{} {}", state_word(c.state), val(e.point, &c.unit)),
                    None => state_word(c.state),
                },
                None => "not in this suite".into(),
            };
            let _ = write!(out, " {text} |");
        }
        out.push('\n');
    }
    out.push('\n');
}

fn device_matrix(out: &mut String, views: &[RunView<'_>]) {
    heading(out, 2, "Device matrix");
    let _ = writeln!(
        out,
        "Medians per machine (one column per `host.label`); `—` where a machine has no valid sample.\n"
    );
    let mut models: Vec<String> = Vec::new();
    for v in views {
        for m in &v.models {
            if !models.contains(&m.id) {
                models.push(m.id.clone());
            }
        }
    }
    let _ = write!(out, "| Model | Metric |");
    for v in views {
        let _ = write!(out, " {} |", cell(&v.machine));
    }
    let _ = write!(out, "\n|---|---|");
    for _ in views {
        out.push_str("--:|");
    }
    out.push('\n');
    type Row = (&'static str, fn(&ModelView) -> Option<String>);
    let rows: [Row; 6] = [
        ("decode tok/s (shallowest depth)", |m| {
            m.metrics
                .iter()
                .find(|r| matches!(r.metric, MetricName::DecodeTokensPerS { .. }))
                .map(|r| fmt_num(r.median.point))
        }),
        ("decode, % of bandwidth bound", |m| {
            m.roofline.as_ref().map(|r| format!("{:.0} %", r.percent))
        }),
        ("prefill tok/s", |m| {
            m.metric(MetricName::PrefillTokensPerS)
                .map(|r| fmt_num(r.median.point))
        }),
        ("chat TTFT ms", |m| {
            m.metric(MetricName::ChatTtftMs)
                .map(|r| fmt_num(r.median.point))
        }),
        ("cold start ms (cache dropped)", |m| {
            m.metric(MetricName::ColdStartTotalMs)
                .map(|r| fmt_num(r.median.point))
        }),
        ("peak RSS", |m| {
            m.memory.as_ref().map(|x| val(x.peak.point, "bytes"))
        }),
    ];
    for id in &models {
        for (label, f) in &rows {
            let _ = write!(out, "| `{id}` | {label} |");
            for v in views {
                let text = v.model(id).and_then(f).unwrap_or_else(|| "—".into());
                let _ = write!(out, " {text} |");
            }
            out.push('\n');
        }
    }
    out.push('\n');
    let _ = write!(
        out,
        "| Machine | CPU | Cores (physical/logical) | Threads | Memory | Bandwidth | Engine |\n|---|---|--:|--:|--:|--:|---|\n"
    );
    for v in views {
        let h = &v.run.host;
        let _ = writeln!(
            out,
            "| {} | {} | {}/{} | {} | {:.1} GiB | {} | {} |",
            cell(&v.machine),
            cell(&h.cpu),
            h.physical_cores,
            h.logical_cores,
            match v.run.suite.backend.threads.unwrap_or(0) {
                0 => h.physical_cores.to_string(),
                n => n.to_string(),
            },
            h.memory_bytes as f64 / (MIB * 1024.0),
            h.memory_bandwidth_gbps
                .map_or("not probed".into(), |b| format!("{b:.1} GB/s")),
            cell(&engine_line(&v.run.engine)),
        );
    }
    out.push('\n');
}

fn engine_line(e: &serde_json::Value) -> String {
    let s = |k: &str| e.get(k).and_then(|v| v.as_str()).unwrap_or("?").to_string();
    if e.is_null() {
        return "unknown (no engine.json)".into();
    }
    format!("{} ({})", s("engine"), s("version"))
}

fn run_sections(out: &mut String, v: &RunView<'_>, charts: &[ChartRef], h: usize) {
    run_header(out, v);
    per_model(out, v, h);
    comparisons(out, v, h);
    charts_section(out, charts, h);
    memory(out, v, charts, h);
    roofline(out, v, h);
    cold_start(out, v, charts, h);
    latency(out, v, charts, h);
    validity(out, &v.problems, h);
    twins(out, v, h);
    environment(out, v, h);
    completeness(out, v, h);
}

fn run_header(out: &mut String, v: &RunView<'_>) {
    let m = &v.run.meta;
    let s = &v.run.suite.suite;
    let state = match m.state {
        crate::store::RunState::Complete => "complete",
        crate::store::RunState::Incomplete => "incomplete",
        crate::store::RunState::Running => "not finished",
    };
    let _ = writeln!(
        out,
        "Run `{}` of suite `{}` ({state}; {} rounds, warm-up {}; started {}) on `{}`.",
        m.id, s.name, m.rounds, s.warmup, m.started_utc, v.machine
    );
    let others: Vec<String> = v
        .models
        .iter()
        .filter(|x| x.role == Role::Other)
        .map(|x| format!("`{}`", x.id))
        .collect();
    let _ = writeln!(
        out,
        "Candidate `{}`, baseline `{}`{}.\n",
        s.candidate,
        s.baseline,
        if others.is_empty() {
            String::new()
        } else {
            format!(", alongside {}", others.join(", "))
        }
    );
}

fn per_model(out: &mut String, v: &RunView<'_>, h: usize) {
    heading(out, h, "Results per model");
    let _ = writeln!(
        out,
        "Median over every valid sample of every round, with its 95% bootstrap interval over rounds; n counts samples (rounds in brackets); MAD is the median absolute deviation.\n"
    );
    for m in &v.models {
        let twin = if m.twin_of.is_some() {
            ", shape twin"
        } else {
            ""
        };
        heading(
            out,
            h + 1,
            &format!("`{}` ({}{twin})", m.id, m.role.label()),
        );
        if m.metrics.is_empty() {
            let _ = writeln!(out, "No valid sample (see Validity problems).\n");
            continue;
        }
        let _ = writeln!(
            out,
            "| Metric | n (rounds) | Median | 95% interval | Min–max | MAD |\n|---|--:|--:|--:|--:|--:|"
        );
        for r in &m.metrics {
            let u = r.metric.unit();
            let _ = writeln!(
                out,
                "| {} | {} ({}) | {} | {} | {}–{} | {} |",
                r.label,
                r.median.n,
                r.median.rounds,
                val(r.median.point, u),
                interval(&r.median, u),
                val(r.min, u),
                val(r.max, u),
                r.mad.map_or("—".into(), |x| val(x, u)),
            );
        }
        out.push('\n');
        if !m.notes.is_empty() {
            let _ = writeln!(out, "How the backend took these samples:\n");
            for n in &m.notes {
                let _ = writeln!(out, "- {n}");
            }
            out.push('\n');
        }
    }
}

fn reading(metric: MetricName, e: &Estimate) -> &'static str {
    let Some(i) = e.interval else {
        return "one round: no interval";
    };
    // Above 1: the candidate has more of the metric; whether that is better depends on it.
    let more = if i.lo > 1.0 {
        true
    } else if i.hi < 1.0 {
        false
    } else {
        return "no clear difference";
    };
    match (metric.unit(), more) {
        ("tok/s", true) => "candidate faster",
        ("tok/s", false) => "candidate slower",
        ("bytes", true) => "candidate larger",
        ("bytes", false) => "candidate smaller",
        ("ms", true) => "candidate slower",
        ("ms", false) => "candidate quicker",
        _ if more == metric.higher_is_better() => "candidate better",
        _ => "candidate worse",
    }
}

fn comparisons(out: &mut String, v: &RunView<'_>, h: usize) {
    heading(out, h, "Candidate against each other model");
    if v.comparisons.is_empty() {
        let _ = writeln!(out, "Nothing to compare: the candidate was not run.\n");
        return;
    }
    let _ = writeln!(
        out,
        "Ratio = candidate ÷ other, taken per round from the two models' medians in that round (they ran side by side), then the median over rounds; 95% bootstrap interval over rounds. \"No clear difference\" means the interval contains 1.\n"
    );
    let cand = v.run.suite.suite.candidate.as_str();
    for c in &v.comparisons {
        heading(
            out,
            h + 1,
            &format!("`{cand}` ÷ `{}` ({})", c.other, c.other_role.label()),
        );
        let _ = writeln!(
            out,
            "| Metric | `{cand}` | `{}` | Ratio | 95% interval | Rounds | Reading |\n|---|--:|--:|--:|--:|--:|---|",
            c.other
        );
        for r in &c.rows {
            let u = r.metric.unit();
            match &r.ratio {
                Ok(e) => {
                    let _ = writeln!(
                        out,
                        "| {} | {} | {} | {} | {} | {} | {} |",
                        r.label,
                        val(r.candidate_median, u),
                        val(r.other_median, u),
                        val(e.point, "×"),
                        interval(e, "×"),
                        e.rounds,
                        reading(r.metric, e)
                    );
                }
                Err(why) => {
                    let _ = writeln!(
                        out,
                        "| {} | {} | {} | — | — | 0 | {} |",
                        r.label,
                        val(r.candidate_median, u),
                        val(r.other_median, u),
                        cell(why)
                    );
                }
            }
        }
        out.push('\n');
    }
}

fn chart_link(out: &mut String, c: &ChartRef) {
    let _ = writeln!(
        out,
        "![{}]({})\n\n[PNG]({}) · {}\n",
        c.alt, c.svg, c.png, c.title
    );
}

fn charts_section(out: &mut String, charts: &[ChartRef], h: usize) {
    heading(out, h, "Charts");
    if charts.is_empty() {
        let _ = writeln!(out, "No chart: no model has measured data.\n");
        return;
    }
    let _ = writeln!(
        out,
        "SVG and PNG of the same figures, under `charts/`; memory, cold start and latency charts sit in their sections below.\n"
    );
    if let Some(c) = charts.iter().find(|c| c.stem.ends_with("throughput")) {
        chart_link(out, c);
    }
}

fn memory(out: &mut String, v: &RunView<'_>, charts: &[ChartRef], h: usize) {
    heading(out, h, "Memory");
    let _ = writeln!(
        out,
        "Peak RSS is the bench process's own high-water mark of resident memory (Linux: the worker's VmHWM; elsewhere `wait4` `ru_maxrss`; each record stores its source), one per round. With mmap the weights count in RSS only as their pages are touched; what RSS holds beyond the file is KV cache, compute buffers and the runtime.\n"
    );
    let rows: Vec<_> = v
        .models
        .iter()
        .filter_map(|m| Some((m, m.memory.as_ref()?)))
        .collect();
    if rows.is_empty() {
        let _ = writeln!(out, "No peak RSS sample.\n");
        return;
    }
    let _ = writeln!(
        out,
        "| Model | Peak RSS (median) | 95% interval | Min–max | Model file | RSS − file | RSS ÷ file | mmap |\n|---|--:|--:|--:|--:|--:|--:|---|"
    );
    for (m, x) in rows {
        let extra = x.peak.point - x.file_bytes as f64;
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {}–{} | {} | {}{} | {} | {} |",
            m.id,
            val(x.peak.point, "bytes"),
            interval(&x.peak, "bytes"),
            val(x.min, "bytes"),
            val(x.max, "bytes"),
            mib(x.file_bytes),
            if extra < 0.0 { "−" } else { "" },
            val(extra.abs(), "bytes"),
            if x.file_bytes > 0 {
                format!("{:.2}", x.peak.point / x.file_bytes as f64)
            } else {
                "—".into()
            },
            if x.use_mmap { "yes" } else { "no" },
        );
    }
    out.push('\n');
    if let Some(c) = charts.iter().find(|c| c.stem.ends_with("memory")) {
        chart_link(out, c);
    }
}

fn roofline(out: &mut String, v: &RunView<'_>, h: usize) {
    heading(out, h, "Roofline: decode against memory bandwidth");
    let Some(bw) = v.run.host.memory_bandwidth_gbps else {
        let _ = writeln!(
            out,
            "Memory bandwidth was not probed for this run (host.json has none), so no bound can be drawn.\n"
        );
        return;
    };
    let _ = writeln!(
        out,
        "Measured read bandwidth: **{bw:.1} GB/s** (all physical cores scanning a buffer far larger than the last-level cache; best of 10 passes). Each decoded token reads every weight once, so decode cannot beat bandwidth ÷ bytes of weights. The model file size stands in for the weights read per token: it slightly overstates them (the file also holds the tokenizer and metadata, and embedding rows are looked up, not streamed) and ignores the KV cache and recurrent state read at depth — so the bound is approximate, and real decode also pays for compute.\n"
    );
    let rows: Vec<_> = v
        .models
        .iter()
        .filter_map(|m| Some((m, m.roofline.as_ref()?)))
        .collect();
    if rows.is_empty() {
        let _ = writeln!(out, "No model has both a decode speed and a file size.\n");
        return;
    }
    let _ = writeln!(
        out,
        "| Model | Model file | Bound (tok/s) | Decode (median tok/s) | Depth | % of bound |\n|---|--:|--:|--:|--:|--:|"
    );
    for (m, r) in rows {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | {:.0} % |",
            m.id,
            m.file_bytes.map_or("—".into(), mib),
            fmt_num(r.bound_tokens_per_s),
            fmt_num(r.decode_median),
            r.depth,
            r.percent
        );
    }
    out.push('\n');
}

fn cold_row(out: &mut String, id: &str, c: &ColdView) {
    let resident = c
        .resident_before
        .map_or("not measured".into(), |(m, lo, hi)| {
            if lo == hi {
                format!("{:.0} %", m * 100.0)
            } else {
                format!("{:.0} % ({:.0}–{:.0} %)", m * 100.0, lo * 100.0, hi * 100.0)
            }
        });
    let _ = writeln!(
        out,
        "| `{id}` | {} | {} | {resident} | {} | {} | {} | {} | {} | {} |",
        c.state,
        c.n,
        fmt_num(c.process_ms),
        fmt_num(c.load_ms),
        fmt_num(c.context_ms),
        fmt_num(c.first_token_ms),
        fmt_num(c.total.point),
        interval(&c.total, "ms"),
    );
}

fn cold_start(out: &mut String, v: &RunView<'_>, charts: &[ChartRef], h: usize) {
    heading(out, h, "Cold start");
    let _ = writeln!(
        out,
        "A fresh process from spawn to its first generated token, split into process start (spawn → the worker's `main`), model load (open, mmap, tensor setup), context creation (KV cache) and first token (a short chat prompt prefilled, one token sampled). \"dropped\": the model file was evicted from the page cache first (`posix_fadvise(DONTNEED)`); \"warm\": started right after, with the file cached. \"Resident before\" is the fraction of the file in the page cache just before the spawn (`mincore`), so a cold start that was not really cold shows. Medians over rounds, in ms.\n"
    );
    let any = v.models.iter().any(|m| !m.cold.is_empty());
    if !any {
        let _ = writeln!(out, "No cold start was measured.\n");
        return;
    }
    let _ = writeln!(
        out,
        "| Model | Page cache | n | Resident before | Process | Load | Context | First token | Total | 95% interval |\n|---|---|--:|--:|--:|--:|--:|--:|--:|--:|"
    );
    let mut reasons = Vec::new();
    for m in &v.models {
        for c in &m.cold {
            cold_row(out, &m.id, c);
            if c.not_really_cold > 0 {
                reasons.push(format!(
                    "`{}`: {} of {} starts meant to be cold found half the model file or more still in the page cache (another process mapping the file keeps its pages resident); those were warm starts in fact",
                    m.id, c.not_really_cold, c.n
                ));
            }
            if let Some(r) = &c.not_dropped_reason {
                reasons.push(format!("`{}`: the cache could not be dropped: {}", m.id, r));
            }
        }
    }
    out.push('\n');
    for r in &reasons {
        let _ = writeln!(out, "- {}", cell(r));
    }
    if !reasons.is_empty() {
        out.push('\n');
    }
    if let Some(c) = charts.iter().find(|c| c.stem.ends_with("cold_start")) {
        chart_link(out, c);
    }
}

fn pct(p: &Pct, n: usize) -> String {
    match p {
        Pct::Value(v) => fmt_num(*v),
        Pct::TooFew { needed } => format!("needs {needed} (n = {n})"),
    }
}

fn latency(out: &mut String, v: &RunView<'_>, charts: &[ChartRef], h: usize) {
    heading(out, h, "Latency distributions");
    let _ = writeln!(
        out,
        "Valid chat answers only. TTFT: prompt submitted → first generated token; inter-token: gaps between consecutive tokens of an answer; end-to-end: prompt submitted → last token. Percentiles come from an HDR histogram with 3 significant digits (at most 0.1 % above the sample at that rank); a percentile is shown only when at least one sample lies above its rank — P95 needs 20 samples, P99 needs 100.\n"
    );
    let any = v.models.iter().any(|m| !m.latency.is_empty());
    if !any {
        let _ = writeln!(out, "No valid chat answer was measured.\n");
        return;
    }
    let _ = writeln!(
        out,
        "| Model | Latency (ms) | n (rounds) | P50 | P95 | P99 | Max |\n|---|---|--:|--:|--:|--:|--:|"
    );
    for m in &v.models {
        for r in &m.latency {
            let get = |p: f64| {
                r.pct
                    .iter()
                    .find(|(q, _)| *q == p)
                    .map_or("—".into(), |(_, x)| pct(x, r.n))
            };
            let _ = writeln!(
                out,
                "| `{}` | {} | {} ({}) | {} | {} | {} | {} |",
                m.id,
                r.label,
                r.n,
                r.rounds,
                get(50.0),
                get(95.0),
                get(99.0),
                fmt_num(r.max),
            );
        }
    }
    out.push('\n');
    for stem in ["ttft", "itl"] {
        if let Some(c) = charts.iter().find(|c| c.stem.ends_with(stem)) {
            chart_link(out, c);
        }
    }
}

fn fence(text: &str) -> String {
    let t = text.replace("```", "'''");
    if t.trim().is_empty() {
        "```text\n(no stderr output)\n```".into()
    } else {
        format!("```text\n{}\n```", t.trim_end())
    }
}

fn validity(out: &mut String, p: &Problems, h: usize) {
    heading(out, h, "Validity problems");
    if p.is_empty() {
        let _ = writeln!(
            out,
            "None: every chat answer has at least one token, every decode produced every token asked for, no round failed and no model was skipped.\n"
        );
        return;
    }
    let _ = writeln!(
        out,
        "Everything listed here is left out of every statistic above, never averaged in.\n"
    );
    if let Some(note) = &p.incomplete {
        let _ = writeln!(out, "- The run is {}.\n", cell(note));
    }
    for s in &p.skipped {
        let _ = writeln!(out, "- `{}` was not run: {}", s.model, cell(&s.reason));
    }
    if !p.skipped.is_empty() {
        out.push('\n');
    }
    if !p.zero_token.is_empty() {
        heading(out, h + 1, "Zero-token answers");
        let _ = writeln!(
            out,
            "A chat answer with no token is a defect (a broken chat template or end-of-generation handling), not a fast answer.\n\n| Model | Round | Prompt | Template | Stop | Text | Why |\n|---|--:|---|---|---|---|---|"
        );
        for (model, round, c) in &p.zero_token {
            let _ = writeln!(
                out,
                "| `{model}` | {round} | {} | {} | {} | {} | {} |",
                cell(&c.prompt),
                cell(c.template.as_deref().unwrap_or("?")),
                match c.stop {
                    StopReason::EndOfGeneration => "end of generation",
                    StopReason::MaxTokens => "max tokens",
                    StopReason::ContextFull => "context full",
                },
                if c.text.is_empty() {
                    "(empty)".to_string()
                } else {
                    format!("`{}`", cell(&c.text).replace('`', "'"))
                },
                cell(c.invalid_reason.as_deref().unwrap_or("")),
            );
        }
        out.push('\n');
    }
    if !p.short_decodes.is_empty() {
        heading(out, h + 1, "Short decodes");
        let _ = writeln!(
            out,
            "| Model | Round | Depth | Generated | Why |\n|---|--:|--:|--:|---|"
        );
        for (model, round, d) in &p.short_decodes {
            let _ = writeln!(
                out,
                "| `{model}` | {round} | {} | {} of {} | {} |",
                d.depth,
                d.n_generated,
                d.n_requested,
                cell(d.invalid_reason.as_deref().unwrap_or(""))
            );
        }
        out.push('\n');
    }
    if !p.failures.is_empty() {
        heading(out, h + 1, "Failed rounds");
        for (model, round, f) in &p.failures {
            let mut how = Vec::new();
            if let Some(c) = f.exit_code {
                how.push(format!("exit code {c}"));
            }
            if let Some(s) = f.signal {
                how.push(format!("signal {s}"));
            }
            if f.timed_out {
                how.push("timed out".into());
            }
            let how = if how.is_empty() {
                String::new()
            } else {
                format!(" ({})", how.join(", "))
            };
            let _ = writeln!(
                out,
                "- `{model}`, round {round}, stage `{}`{how}: {}\n",
                f.stage,
                cell(&f.reason)
            );
            let _ = writeln!(out, "{}\n", fence(&f.stderr_tail));
        }
    }
    for w in &p.warnings {
        let _ = writeln!(out, "- Reading the run: {}", cell(w));
    }
    if !p.warnings.is_empty() {
        out.push('\n');
    }
}

fn twins(out: &mut String, v: &RunView<'_>, h: usize) {
    let twins: Vec<_> = v.models.iter().filter(|m| m.twin_of.is_some()).collect();
    if twins.is_empty() {
        return;
    }
    heading(out, h, "Shape twins");
    for m in twins {
        let _ = writeln!(
            out,
            "- `{}` is a shape twin of `{}`: random weights in the published shapes and quantization. Its memory and prefill speed stand for the real model's; **text quality was not measured for it — its text is random.**",
            m.id,
            m.twin_of.as_deref().unwrap_or("?")
        );
    }
    let _ = writeln!(
        out,
        "\nDecode speed of a twin can differ from the real model's: on CPU, llama.cpp's decode speed depends on the weight values (how its block scales spread), not only on shapes and types. Twins' magnitudes are spread like real checkpoints'; measured against the two real files the registries ship, a SmolLM2-135M Q4_1 twin decodes at 0.98× the real file and a Gemma3-270M Q4_K_M twin at 1.085× (lfmbench's README, \"Shape twins\"). A decode criterion decided on twins should be confirmed on the published GGUFs (`lfmbench fetch`).\n"
    );
}

fn environment(out: &mut String, v: &RunView<'_>, h: usize) {
    heading(out, h, "Environment");
    let host = &v.run.host;
    let e = &v.run.engine;
    let s = |k: &str| e.get(k).and_then(|x| x.as_str()).unwrap_or("?").to_string();
    let features = e
        .get("build_features")
        .and_then(|f| f.as_array())
        .map(|a| {
            let v: Vec<&str> = a.iter().filter_map(|x| x.as_str()).collect();
            if v.is_empty() {
                "none (CPU build)".to_string()
            } else {
                v.join(", ")
            }
        })
        .unwrap_or_else(|| "?".into());
    let b = &v.run.suite.backend;
    let threads = match b.threads.unwrap_or(0) {
        0 => format!("all physical cores ({})", host.physical_cores),
        n => n.to_string(),
    };
    let opt = |x: Option<u32>| x.map_or("default".into(), |n| n.to_string());
    let rows: Vec<(&str, String)> = vec![
        ("Machine label", host.label.clone()),
        ("CPU", host.cpu.clone()),
        (
            "Cores",
            format!(
                "{} physical, {} logical",
                host.physical_cores, host.logical_cores
            ),
        ),
        (
            "Memory",
            format!("{:.1} GiB", host.memory_bytes as f64 / (MIB * 1024.0)),
        ),
        (
            "Read bandwidth",
            host.memory_bandwidth_gbps
                .map_or("not probed".into(), |b| format!("{b:.1} GB/s")),
        ),
        ("OS", format!("{} (kernel {})", host.os, host.kernel)),
        ("Architecture", host.arch.clone()),
        ("lfmbench", host.lfmbench_version.clone()),
        (
            "Engine",
            if e.is_null() {
                "unknown (engine.json missing)".into()
            } else {
                format!("{} — {}", s("engine"), s("version"))
            },
        ),
        ("Build features", features),
        (
            "GPU offload",
            match e.get("gpu_offload").and_then(|x| x.as_bool()) {
                Some(true) => "yes".into(),
                Some(false) => "no".into(),
                None => "?".into(),
            },
        ),
        ("Engine system info", format!("`{}`", s("system_info"))),
        ("Threads", threads),
        (
            "Context / batch",
            format!("n_ctx {}, n_batch {}", opt(b.n_ctx), opt(b.n_batch)),
        ),
        ("GPU layers", opt(b.n_gpu_layers)),
        (
            "mmap",
            b.use_mmap.map_or("default (yes)".into(), |m| {
                if m { "yes" } else { "no" }.to_string()
            }),
        ),
    ];
    let _ = writeln!(out, "| | |\n|---|---|");
    for (k, val) in rows {
        let _ = writeln!(out, "| {k} | {} |", cell(&val));
    }
    out.push('\n');
    let overrides: Vec<String> = v
        .run
        .models
        .models
        .iter()
        .filter(|m| v.run.meta.models.contains(&m.id))
        .filter(|m| m.overrides != crate::config::BackendSettings::default())
        .map(|m| format!("`{}`: {:?}", m.id, m.overrides))
        .collect();
    for o in overrides {
        let _ = writeln!(out, "- Override for {}", cell(&o));
    }
    let _ = writeln!(out, "Workloads of the suite, as run:\n");
    for w in &v.run.suite.workloads {
        let text = match w {
            crate::config::Workload::Decode { tokens, depths } => format!(
                "decode: {tokens} tokens one at a time at depth {}",
                depths
                    .iter()
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            crate::config::Workload::Prefill { tokens } => {
                format!("prefill: {tokens} prompt tokens")
            }
            crate::config::Workload::Chat {
                max_tokens,
                prompts,
                repeat,
            } => format!(
                "chat: {} prompt(s) × {repeat} per round, at most {max_tokens} tokens, greedy",
                prompts.len()
            ),
            crate::config::Workload::ColdStart { prompt } => {
                format!(
                    "cold start: first token of the chat prompt `{}`",
                    cell(prompt)
                )
            }
        };
        let _ = writeln!(out, "- {text}");
    }
    out.push('\n');
}

fn completeness(out: &mut String, v: &RunView<'_>, h: usize) {
    heading(out, h, "Completeness");
    if v.completeness.missing.is_empty() {
        let _ = writeln!(
            out,
            "Every required section (results per model, candidate vs baseline, memory, cold start, latency, roofline, environment) has measured data for the candidate and the baseline: `report.complete` = 1.\n"
        );
    } else {
        let _ = writeln!(
            out,
            "`report.complete` = 0; these required sections lack measured data:\n"
        );
        for m in &v.completeness.missing {
            let _ = writeln!(out, "- {}", cell(m));
        }
        out.push('\n');
    }
}

/// How the bench processes' model files sat in the page cache, from the memory samples.
fn page_cache_method(views: &[RunView<'_>]) -> String {
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

fn methodology(out: &mut String, views: &[RunView<'_>]) {
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
        "- **Text quality** is not measured by any criterion: \"Real backend integration\" only checks that answers have tokens. Answers are kept in samples.jsonl for a reader to judge."
    );
    out.push('\n');
}
