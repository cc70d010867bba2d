//! Metric names used by criteria and reports, and how each one is read out of records.
//!
//! A metric name is `<source>.<field>`; decode takes an optional context depth,
//! `decode@2048.tokens_per_s`, prefill a prompt length (`prefill@1024.tokens_per_s`,
//! `prefill@1024.ttft_ms`) and memory the depth of a per-depth process
//! (`memory@2048.peak_rss_bytes`). Every metric yields, per model and configuration point
//! (the named point unless asked), the raw values of each round, so that statistics can
//! pool them or pair rounds across models.

use std::collections::BTreeMap;

use crate::sample::{Body, PageCache, Point, Record, SustainedWindow, WindowScore};

/// Every metric name a criterion may use (decode also as `decode@<depth>.tokens_per_s`).
pub const KNOWN: &[&str] = &[
    "decode.tokens_per_s",
    "prefill.tokens_per_s",
    "chat.ttft_ms",
    "chat.itl_ms",
    "chat.e2e_ms",
    "chat.tokens_per_s",
    "cold_start.total_ms",
    "cold_start_warm.total_ms",
    "memory.peak_rss_bytes",
    "memory.peak_bytes",
    "integration.valid_fraction",
    "report.complete",
    "quality.correct_fraction",
    "quality.bits_per_byte",
    "quality.perplexity",
    "sustained.tokens_per_s",
    "sustained.ratio",
];

/// A parsed metric name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricName {
    DecodeTokensPerS {
        depth: u32,
    },
    PrefillTokensPerS,
    ChatTtftMs,
    ChatItlMs,
    ChatE2eMs,
    /// Generated tokens ÷ (e2e − ttft) of each chat answer.
    ChatTokensPerS,
    /// Spawn → first token with the page cache dropped (warm where it cannot be dropped).
    ColdStartTotalMs,
    ColdStartWarmTotalMs,
    PeakRssBytes,
    /// Peak memory as the platform counts it: macOS the physical footprint's peak, else
    /// peak RSS plus the bytes placed on GPU devices ([`crate::sample::MemorySample::counted_bytes`]).
    PeakBytes,
    /// Fraction of chat answers that were valid (non-empty) — "the model generates real text".
    IntegrationValidFraction,
    /// 1 when the findings report has every section filled, else 0 (computed by the report).
    ReportComplete,
    /// Fraction of the answers with an expectation (chat prompts and question sets) that
    /// meet it; see `crate::quality`.
    QualityCorrectFraction,
    /// Negative log-likelihood of a fixed text's scored tokens in bits ÷ their UTF-8 bytes.
    QualityBitsPerByte,
    /// exp(mean negative log-likelihood per scored token), as llama-perplexity reports it.
    QualityPerplexity,
    /// Prefill tokens/s of the prompts of one length.
    PrefillAtTokensPerS {
        tokens: u32,
    },
    /// Time to first token after a synthetic prompt of one length (prefill + first pick).
    PrefillTtftMs {
        tokens: u32,
    },
    /// Peak RSS of the process that decoded at one depth, its context sized to it.
    PeakRssAtDepth {
        depth: u32,
    },
    /// The rate of every window of a sustained decode.
    SustainedTokensPerS,
    /// Per round: median rate of the last minute's windows ÷ that of the first minute's
    /// (see [`sustained_span_s`]); below 1 the machine slowed down under load.
    SustainedRatio,
}

impl MetricName {
    pub fn parse(name: &str) -> Result<MetricName, String> {
        if let Some(rest) = name.strip_prefix("decode@") {
            let (depth, field) = rest
                .split_once('.')
                .ok_or_else(|| format!("`{name}`: expected decode@<depth>.tokens_per_s"))?;
            let depth: u32 = depth
                .parse()
                .map_err(|_| format!("`{name}`: depth `{depth}` is not a whole number"))?;
            if field != "tokens_per_s" {
                return Err(format!("`{name}`: decode has only tokens_per_s"));
            }
            return Ok(MetricName::DecodeTokensPerS { depth });
        }
        for (prefix, what) in [("prefill@", "prompt length"), ("memory@", "depth")] {
            let Some(rest) = name.strip_prefix(prefix) else {
                continue;
            };
            let (n, field) = rest
                .split_once('.')
                .ok_or_else(|| format!("`{name}`: expected {prefix}<{what}>.<field>"))?;
            let n: u32 = n
                .parse()
                .map_err(|_| format!("`{name}`: {what} `{n}` is not a whole number"))?;
            return match (prefix, field) {
                ("prefill@", "tokens_per_s") => Ok(MetricName::PrefillAtTokensPerS { tokens: n }),
                ("prefill@", "ttft_ms") => Ok(MetricName::PrefillTtftMs { tokens: n }),
                ("prefill@", _) => Err(format!(
                    "`{name}`: prefill at a length has tokens_per_s and ttft_ms"
                )),
                (_, "peak_rss_bytes") => Ok(MetricName::PeakRssAtDepth { depth: n }),
                _ => Err(format!(
                    "`{name}`: memory at a depth has only peak_rss_bytes"
                )),
            };
        }
        Ok(match name {
            "decode.tokens_per_s" => MetricName::DecodeTokensPerS { depth: 0 },
            "prefill.tokens_per_s" => MetricName::PrefillTokensPerS,
            "chat.ttft_ms" => MetricName::ChatTtftMs,
            "chat.itl_ms" => MetricName::ChatItlMs,
            "chat.e2e_ms" => MetricName::ChatE2eMs,
            "chat.tokens_per_s" => MetricName::ChatTokensPerS,
            "cold_start.total_ms" => MetricName::ColdStartTotalMs,
            "cold_start_warm.total_ms" => MetricName::ColdStartWarmTotalMs,
            "memory.peak_rss_bytes" => MetricName::PeakRssBytes,
            "memory.peak_bytes" => MetricName::PeakBytes,
            "integration.valid_fraction" => MetricName::IntegrationValidFraction,
            "report.complete" => MetricName::ReportComplete,
            "quality.correct_fraction" => MetricName::QualityCorrectFraction,
            "quality.bits_per_byte" => MetricName::QualityBitsPerByte,
            "quality.perplexity" => MetricName::QualityPerplexity,
            "sustained.tokens_per_s" => MetricName::SustainedTokensPerS,
            "sustained.ratio" => MetricName::SustainedRatio,
            _ => return Err(format!("unknown metric `{name}`")),
        })
    }

    /// The name criteria use for the metric (what [`MetricName::parse`] reads), with the
    /// depth spelled out for decode: `decode@0.tokens_per_s`.
    pub fn name(self) -> String {
        match self {
            MetricName::DecodeTokensPerS { depth } => format!("decode@{depth}.tokens_per_s"),
            MetricName::PrefillTokensPerS => "prefill.tokens_per_s".into(),
            MetricName::ChatTtftMs => "chat.ttft_ms".into(),
            MetricName::ChatItlMs => "chat.itl_ms".into(),
            MetricName::ChatE2eMs => "chat.e2e_ms".into(),
            MetricName::ChatTokensPerS => "chat.tokens_per_s".into(),
            MetricName::ColdStartTotalMs => "cold_start.total_ms".into(),
            MetricName::ColdStartWarmTotalMs => "cold_start_warm.total_ms".into(),
            MetricName::PeakRssBytes => "memory.peak_rss_bytes".into(),
            MetricName::PeakBytes => "memory.peak_bytes".into(),
            MetricName::IntegrationValidFraction => "integration.valid_fraction".into(),
            MetricName::ReportComplete => "report.complete".into(),
            MetricName::QualityCorrectFraction => "quality.correct_fraction".into(),
            MetricName::QualityBitsPerByte => "quality.bits_per_byte".into(),
            MetricName::QualityPerplexity => "quality.perplexity".into(),
            MetricName::PrefillAtTokensPerS { tokens } => format!("prefill@{tokens}.tokens_per_s"),
            MetricName::PrefillTtftMs { tokens } => format!("prefill@{tokens}.ttft_ms"),
            MetricName::PeakRssAtDepth { depth } => format!("memory@{depth}.peak_rss_bytes"),
            MetricName::SustainedTokensPerS => "sustained.tokens_per_s".into(),
            MetricName::SustainedRatio => "sustained.ratio".into(),
        }
    }

    /// The quality metrics: measured once per run by default, never on a shape twin, and
    /// decided with their own intervals (`crate::quality`).
    pub fn is_quality(self) -> bool {
        matches!(
            self,
            MetricName::QualityCorrectFraction
                | MetricName::QualityBitsPerByte
                | MetricName::QualityPerplexity
        )
    }

    /// Unit shown beside values.
    pub fn unit(self) -> &'static str {
        match self {
            MetricName::DecodeTokensPerS { .. }
            | MetricName::PrefillTokensPerS
            | MetricName::PrefillAtTokensPerS { .. }
            | MetricName::SustainedTokensPerS
            | MetricName::ChatTokensPerS => "tok/s",
            MetricName::ChatTtftMs
            | MetricName::ChatItlMs
            | MetricName::ChatE2eMs
            | MetricName::PrefillTtftMs { .. }
            | MetricName::ColdStartTotalMs
            | MetricName::ColdStartWarmTotalMs => "ms",
            MetricName::PeakRssBytes
            | MetricName::PeakRssAtDepth { .. }
            | MetricName::PeakBytes => "bytes",
            MetricName::IntegrationValidFraction
            | MetricName::ReportComplete
            | MetricName::SustainedRatio
            | MetricName::QualityCorrectFraction
            | MetricName::QualityPerplexity => "",
            MetricName::QualityBitsPerByte => "bits/byte",
        }
    }

    /// Whether the values of one round are repetitions of one measurement (decode and
    /// prefill, llama-bench's `-r`) or a single value (memory, cold start, the valid
    /// fraction): a median is then taken over round values, each round reduced to the
    /// median of its repetitions (`crate::stats::order`). Chat latencies are one value
    /// per prompt, not repetitions, and are pooled over rounds; so are the windows of a
    /// sustained decode (one value per window of time, not repetitions).
    pub fn one_value_per_round(self) -> bool {
        !matches!(
            self,
            MetricName::ChatTtftMs
                | MetricName::ChatItlMs
                | MetricName::ChatE2eMs
                | MetricName::ChatTokensPerS
                | MetricName::SustainedTokensPerS
        )
    }

    /// Whether larger values are better (for comparisons and regressions).
    pub fn higher_is_better(self) -> bool {
        matches!(
            self,
            MetricName::DecodeTokensPerS { .. }
                | MetricName::PrefillTokensPerS
                | MetricName::PrefillAtTokensPerS { .. }
                | MetricName::SustainedTokensPerS
                | MetricName::SustainedRatio
                | MetricName::ChatTokensPerS
                | MetricName::IntegrationValidFraction
                | MetricName::ReportComplete
                | MetricName::QualityCorrectFraction
        )
    }

    /// Raw values of `model` at the suite's named point, grouped by round (BTreeMap:
    /// rounds in order). Invalid samples are left out here; they are reported separately,
    /// never averaged in. `ReportComplete` has no samples and yields nothing.
    pub fn values_by_round(self, records: &[Record], model: &str) -> BTreeMap<u32, Vec<f64>> {
        self.values_at(records, model, &Point::default())
    }

    /// Raw values of `model` at configuration `at` (its depth left unset), by round.
    pub fn values_at(self, records: &[Record], model: &str, at: &Point) -> BTreeMap<u32, Vec<f64>> {
        let mut out: BTreeMap<u32, Vec<f64>> = BTreeMap::new();
        let mut windows: BTreeMap<u32, Vec<&SustainedWindow>> = BTreeMap::new();
        for r in records.iter().filter(|r| r.model == model) {
            // Decode records of a per-depth process belong to its configuration; its
            // memory record is the memory at that depth, not the named point's.
            let here = match self {
                MetricName::DecodeTokensPerS { .. } => r.point.config() == *at,
                MetricName::PeakRssAtDepth { depth } => {
                    r.point.config() == *at && r.point.depth == Some(depth)
                }
                _ => r.point == *at,
            };
            if !here {
                continue;
            }
            let mut push = |v: f64| out.entry(r.round).or_default().push(v);
            match (self, &r.body) {
                (MetricName::DecodeTokensPerS { depth }, Body::Decode(d))
                    if d.depth == depth && d.valid =>
                {
                    push(d.tokens_per_s)
                }
                (MetricName::PrefillTokensPerS, Body::Prefill(p)) => push(p.tokens_per_s),
                (MetricName::PrefillAtTokensPerS { tokens }, Body::Prefill(p))
                    if p.n_tokens == tokens =>
                {
                    push(p.tokens_per_s)
                }
                (MetricName::PrefillTtftMs { tokens }, Body::Prefill(p))
                    if p.n_tokens == tokens =>
                {
                    if let Some(t) = p.ttft_ms {
                        push(t)
                    }
                }
                (MetricName::ChatTtftMs, Body::Chat(c)) if c.valid => push(c.ttft_ms),
                (MetricName::ChatItlMs, Body::Chat(c)) if c.valid => {
                    c.itl_ms.iter().for_each(|v| push(*v))
                }
                (MetricName::ChatE2eMs, Body::Chat(c)) if c.valid => push(c.e2e_ms),
                (MetricName::ChatTokensPerS, Body::Chat(c)) if c.valid && c.n_generated > 1 => {
                    let gen_ms = c.e2e_ms - c.ttft_ms;
                    if gen_ms > 0.0 {
                        push(f64::from(c.n_generated - 1) * 1000.0 / gen_ms)
                    }
                }
                (MetricName::ColdStartTotalMs, Body::ColdStart(c))
                    if c.page_cache != PageCache::Warm =>
                {
                    push(c.total_ms)
                }
                (MetricName::ColdStartWarmTotalMs, Body::ColdStart(c))
                    if c.page_cache == PageCache::Warm =>
                {
                    push(c.total_ms)
                }
                (MetricName::PeakRssBytes | MetricName::PeakRssAtDepth { .. }, Body::Memory(m)) => {
                    push(m.peak_rss_bytes as f64)
                }
                (MetricName::PeakBytes, Body::Memory(m)) => push(m.counted_bytes() as f64),
                (MetricName::IntegrationValidFraction, Body::Chat(c)) => {
                    push(if c.valid { 1.0 } else { 0.0 })
                }
                (MetricName::QualityCorrectFraction, Body::Chat(c) | Body::Answer(c)) => {
                    if let Some(ok) = c.correct {
                        push(if ok { 1.0 } else { 0.0 })
                    }
                }
                (MetricName::QualityBitsPerByte, Body::Perplexity(p)) => {
                    let (nll, _, bytes) = window_totals(&p.windows);
                    if bytes > 0 {
                        push(bits_per_byte(nll, bytes))
                    }
                }
                (MetricName::QualityPerplexity, Body::Perplexity(p)) => {
                    let (nll, tokens, _) = window_totals(&p.windows);
                    if tokens > 0 {
                        push(perplexity(nll, tokens))
                    }
                }
                (MetricName::SustainedTokensPerS, Body::Sustained(w)) => push(w.tokens_per_s),
                (MetricName::SustainedRatio, Body::Sustained(w)) => {
                    windows.entry(r.round).or_default().push(w)
                }
                _ => {}
            }
        }
        if matches!(
            self,
            MetricName::IntegrationValidFraction | MetricName::QualityCorrectFraction
        ) {
            for v in out.values_mut() {
                let frac = v.iter().sum::<f64>() / v.len() as f64;
                *v = vec![frac];
            }
        }
        for (round, w) in windows {
            if let Some(ratio) = sustained_ratio(&w) {
                out.insert(round, vec![ratio]);
            }
        }
        out
    }
}

/// `model`'s judged answers (chat prompts with an expectation, question sets) per
/// distinct prompt, in order of first appearance: (prompt, fraction of its answers that
/// were correct, answers). Repeats of a greedy answer carry no new information, so the
/// question, not the answer, is the unit of a correct fraction.
pub fn judged_by_question(records: &[Record], model: &str) -> Vec<(String, f64, usize)> {
    let mut out: Vec<(String, f64, usize)> = Vec::new();
    for r in records.iter().filter(|r| r.model == model) {
        let (Body::Chat(c) | Body::Answer(c)) = &r.body else {
            continue;
        };
        let Some(ok) = c.correct else { continue };
        let hit = if ok { 1.0 } else { 0.0 };
        match out.iter_mut().find(|(p, _, _)| *p == c.prompt) {
            Some((_, sum, n)) => {
                *sum += hit;
                *n += 1;
            }
            None => out.push((c.prompt.clone(), hit, 1)),
        }
    }
    for (_, sum, n) in &mut out {
        *sum /= *n as f64;
    }
    out
}

/// Every scored window of `model`'s perplexity records, and how many records (runs of a
/// text) they come from.
pub fn text_windows(records: &[Record], model: &str) -> (Vec<WindowScore>, usize) {
    let mut windows = Vec::new();
    let mut n = 0;
    for r in records.iter().filter(|r| r.model == model) {
        if let Body::Perplexity(p) = &r.body {
            windows.extend_from_slice(&p.windows);
            n += 1;
        }
    }
    (windows, n)
}

/// Σ nll (nats), Σ scored tokens and Σ scored bytes of a text's windows.
pub fn window_totals(windows: &[WindowScore]) -> (f64, u64, u64) {
    windows.iter().fold((0.0, 0, 0), |(n, t, b), w| {
        (n + w.nll, t + u64::from(w.tokens), b + w.bytes)
    })
}

/// Bits per byte: a negative log-likelihood of `nll_nats` (natural log) over text of
/// `bytes` UTF-8 bytes, in bits per byte: nll ÷ ln 2 ÷ bytes. Unlike perplexity it does
/// not depend on how a tokenizer cuts the text, so models with different vocabularies
/// compare.
pub fn bits_per_byte(nll_nats: f64, bytes: u64) -> f64 {
    nll_nats / std::f64::consts::LN_2 / bytes as f64
}

/// Perplexity: exp(mean negative log-likelihood per scored token).
pub fn perplexity(nll_nats: f64, tokens: u64) -> f64 {
    (nll_nats / tokens as f64).exp()
}

/// The span at each end of a sustained decode that its ratio compares: a minute, or half
/// the duration when it is shorter than two minutes.
pub fn sustained_span_s(duration_s: u32) -> f64 {
    (f64::from(duration_s) / 2.0).min(60.0)
}

/// Median rate of the windows inside the last span ÷ that of the windows inside the first
/// span (see [`sustained_span_s`]); `None` without a window in either span or a zero rate.
pub fn sustained_ratio(windows: &[&SustainedWindow]) -> Option<f64> {
    let duration = windows.first()?.duration_s;
    let span = sustained_span_s(duration);
    let end = f64::from(duration);
    let eps = 1e-6;
    let first: Vec<f64> = windows
        .iter()
        .filter(|w| w.end_s <= span + eps)
        .map(|w| w.tokens_per_s)
        .collect();
    let last: Vec<f64> = windows
        .iter()
        .filter(|w| w.start_s >= end - span - eps)
        .map(|w| w.tokens_per_s)
        .collect();
    let (a, b) = (median(&first)?, median(&last)?);
    (a > 0.0).then(|| b / a)
}

fn median(v: &[f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    Some(if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    })
}

/// The decode depths `records` measured at the named configuration, in order, each once.
pub fn decode_depths<'a>(records: impl IntoIterator<Item = &'a Record>) -> Vec<u32> {
    let mut depths: Vec<u32> = records
        .into_iter()
        .filter(|r| r.point.config().is_named())
        .filter_map(|r| match &r.body {
            Body::Decode(d) => Some(d.depth),
            _ => None,
        })
        .collect();
    depths.sort_unstable();
    depths.dedup();
    depths
}

/// The prefill metrics of some records: pooled over prompts when they measured one length,
/// one per length (prefill tok/s, then TTFT) when they measured several.
pub fn prefill_metrics<'a>(records: impl IntoIterator<Item = &'a Record>) -> Vec<MetricName> {
    let lengths = prefill_lengths(records);
    if lengths.len() < 2 {
        return vec![MetricName::PrefillTokensPerS];
    }
    let mut v: Vec<MetricName> = lengths
        .iter()
        .map(|&tokens| MetricName::PrefillAtTokensPerS { tokens })
        .collect();
    v.extend(
        lengths
            .iter()
            .map(|&tokens| MetricName::PrefillTtftMs { tokens }),
    );
    v
}

/// The prefill prompt lengths `records` measured at the named point, in order, each once.
pub fn prefill_lengths<'a>(records: impl IntoIterator<Item = &'a Record>) -> Vec<u32> {
    let mut v: Vec<u32> = records
        .into_iter()
        .filter(|r| r.point.is_named())
        .filter_map(|r| match &r.body {
            Body::Prefill(p) => Some(p.n_tokens),
            _ => None,
        })
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// A statistic over samples, as named in a criterion's `stat`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Stat {
    Median,
    Mean,
    Min,
    Max,
    /// Percentile in (0, 100].
    Percentile(f64),
}

impl Stat {
    pub fn parse(s: &str) -> Option<Stat> {
        Some(match s {
            "median" => Stat::Median,
            "mean" => Stat::Mean,
            "min" => Stat::Min,
            "max" => Stat::Max,
            _ => {
                let p: f64 = s.strip_prefix('p')?.parse().ok()?;
                if !(p > 0.0 && p <= 100.0) {
                    return None;
                }
                Stat::Percentile(p)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_depth_and_rejects_unknown() {
        assert_eq!(
            MetricName::parse("decode@2048.tokens_per_s"),
            Ok(MetricName::DecodeTokensPerS { depth: 2048 })
        );
        assert!(MetricName::parse("decode@x.tokens_per_s").is_err());
        assert_eq!(
            MetricName::parse("prefill@1024.ttft_ms"),
            Ok(MetricName::PrefillTtftMs { tokens: 1024 })
        );
        assert_eq!(
            MetricName::parse("memory@512.peak_rss_bytes"),
            Ok(MetricName::PeakRssAtDepth { depth: 512 })
        );
        assert!(MetricName::parse("memory@512.tokens_per_s").is_err());
        assert!(MetricName::parse("prefill@a.ttft_ms").is_err());
        assert!(MetricName::parse("chat.nope").is_err());
        for k in KNOWN {
            assert!(MetricName::parse(k).is_ok(), "{k}");
        }
    }

    #[test]
    fn names_read_back_as_the_same_metric() {
        for k in KNOWN {
            let m = MetricName::parse(k).expect("known");
            assert_eq!(MetricName::parse(&m.name()), Ok(m), "{k}");
        }
        assert_eq!(
            MetricName::DecodeTokensPerS { depth: 512 }.name(),
            "decode@512.tokens_per_s"
        );
        for m in [
            MetricName::PrefillAtTokensPerS { tokens: 64 },
            MetricName::PrefillTtftMs { tokens: 64 },
            MetricName::PeakRssAtDepth { depth: 2048 },
        ] {
            assert_eq!(MetricName::parse(&m.name()), Ok(m));
        }
    }

    fn window(index: u32, rate: f64, duration_s: u32, window_s: u32) -> SustainedWindow {
        SustainedWindow {
            index,
            start_s: f64::from(index * window_s),
            end_s: f64::from((index + 1) * window_s),
            tokens: rate as u32 * window_s,
            tokens_per_s: rate,
            duration_s,
            window_s,
            cooldown_s: 0,
            chunk: 64,
            cpu_mhz: None,
            temp_c: None,
        }
    }

    #[test]
    fn sustained_ratio_compares_the_last_minute_with_the_first() {
        // 5 minutes of 10 s windows, falling from 40 to 20 tok/s after the first minute.
        let w: Vec<SustainedWindow> = (0..30)
            .map(|i| window(i, if i < 6 { 40.0 } else { 20.0 }, 300, 10))
            .collect();
        let refs: Vec<&SustainedWindow> = w.iter().collect();
        assert_eq!(sustained_ratio(&refs), Some(0.5));
        // 10 s in 2 s windows: the halves, 5 s each, hold windows 0-1 and 3-4.
        let w: Vec<SustainedWindow> = [10.0, 10.0, 0.0, 9.0, 9.0]
            .iter()
            .enumerate()
            .map(|(i, r)| window(i as u32, *r, 10, 2))
            .collect();
        let refs: Vec<&SustainedWindow> = w.iter().collect();
        assert_eq!(sustained_span_s(10), 5.0);
        assert_eq!(sustained_ratio(&refs), Some(0.9));
        assert_eq!(sustained_ratio(&[]), None);
    }

    #[test]
    fn bits_per_byte_and_perplexity_by_hand() {
        // Two windows: 3 tokens with p = 1/2, 1/4, 1/8 (nll = 6 ln 2 nats = 6 bits) over
        // 4 bytes, and 1 token with p = 1/2 (1 bit) over 4 bytes: 7 bits ÷ 8 bytes.
        let ln2 = std::f64::consts::LN_2;
        let w = [
            WindowScore {
                nll: 6.0 * ln2,
                tokens: 3,
                bytes: 4,
            },
            WindowScore {
                nll: ln2,
                tokens: 1,
                bytes: 4,
            },
        ];
        let (nll, tokens, bytes) = window_totals(&w);
        assert_eq!((tokens, bytes), (4, 8));
        assert!((bits_per_byte(nll, bytes) - 0.875).abs() < 1e-12);
        // 7 bits over 4 tokens: perplexity 2^(7/4).
        assert!((perplexity(nll, tokens) - 2f64.powf(1.75)).abs() < 1e-12);
        let per_round = MetricName::QualityBitsPerByte.values_by_round(
            &[Record {
                model: "m".into(),
                round: 0,
                point: Point::default(),
                body: Body::Perplexity(crate::sample::PerplexitySample {
                    file: "t.txt".into(),
                    sha256: String::new(),
                    text_bytes: 100,
                    text_tokens: 30,
                    n_ctx: 8,
                    first: 4,
                    bos: true,
                    windows: w.to_vec(),
                    elapsed_ms: 1.0,
                }),
            }],
            "m",
        );
        assert_eq!(per_round.get(&0).map(Vec::len), Some(1));
        assert!((per_round[&0][0] - 0.875).abs() < 1e-12);
    }

    #[test]
    fn stat_names() {
        assert_eq!(Stat::parse("p95"), Some(Stat::Percentile(95.0)));
        assert_eq!(Stat::parse("p0"), None);
        assert_eq!(Stat::parse("median"), Some(Stat::Median));
    }
}
