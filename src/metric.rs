//! Metric names used by criteria and reports, and how each one is read out of records.
//!
//! A metric name is `<source>.<field>`; decode takes an optional context depth,
//! `decode@2048.tokens_per_s`. Every metric yields, per model, the raw values of each
//! round, so that statistics can pool them or pair rounds across models.

use std::collections::BTreeMap;

use crate::sample::{Body, PageCache, Record};

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
        }
    }

    /// Unit shown beside values.
    pub fn unit(self) -> &'static str {
        match self {
            MetricName::DecodeTokensPerS { .. }
            | MetricName::PrefillTokensPerS
            | MetricName::ChatTokensPerS => "tok/s",
            MetricName::ChatTtftMs
            | MetricName::ChatItlMs
            | MetricName::ChatE2eMs
            | MetricName::ColdStartTotalMs
            | MetricName::ColdStartWarmTotalMs => "ms",
            MetricName::PeakRssBytes | MetricName::PeakBytes => "bytes",
            MetricName::IntegrationValidFraction | MetricName::ReportComplete => "",
        }
    }

    /// Whether the values of one round are repetitions of one measurement (decode and
    /// prefill, llama-bench's `-r`) or a single value (memory, cold start, the valid
    /// fraction): a median is then taken over round values, each round reduced to the
    /// median of its repetitions (`crate::stats::order`). Chat latencies are one value
    /// per prompt, not repetitions, and are pooled over rounds.
    pub fn one_value_per_round(self) -> bool {
        !matches!(
            self,
            MetricName::ChatTtftMs
                | MetricName::ChatItlMs
                | MetricName::ChatE2eMs
                | MetricName::ChatTokensPerS
        )
    }

    /// Whether larger values are better (for comparisons and regressions).
    pub fn higher_is_better(self) -> bool {
        matches!(
            self,
            MetricName::DecodeTokensPerS { .. }
                | MetricName::PrefillTokensPerS
                | MetricName::ChatTokensPerS
                | MetricName::IntegrationValidFraction
                | MetricName::ReportComplete
        )
    }

    /// Raw values of `model`, grouped by round (BTreeMap: rounds in order). Invalid
    /// samples are left out here; they are reported separately, never averaged in.
    /// `ReportComplete` has no samples and yields nothing.
    pub fn values_by_round(self, records: &[Record], model: &str) -> BTreeMap<u32, Vec<f64>> {
        let mut out: BTreeMap<u32, Vec<f64>> = BTreeMap::new();
        for r in records.iter().filter(|r| r.model == model) {
            let mut push = |v: f64| out.entry(r.round).or_default().push(v);
            match (self, &r.body) {
                (MetricName::DecodeTokensPerS { depth }, Body::Decode(d))
                    if d.depth == depth && d.valid =>
                {
                    push(d.tokens_per_s)
                }
                (MetricName::PrefillTokensPerS, Body::Prefill(p)) => push(p.tokens_per_s),
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
                (MetricName::PeakRssBytes, Body::Memory(m)) => push(m.peak_rss_bytes as f64),
                (MetricName::PeakBytes, Body::Memory(m)) => push(m.counted_bytes() as f64),
                (MetricName::IntegrationValidFraction, Body::Chat(c)) => {
                    push(if c.valid { 1.0 } else { 0.0 })
                }
                _ => {}
            }
        }
        if self == MetricName::IntegrationValidFraction {
            for v in out.values_mut() {
                let frac = v.iter().sum::<f64>() / v.len() as f64;
                *v = vec![frac];
            }
        }
        out
    }
}

/// The decode depths `records` measured, in order, each once.
pub fn decode_depths<'a>(records: impl IntoIterator<Item = &'a Record>) -> Vec<u32> {
    let mut depths: Vec<u32> = records
        .into_iter()
        .filter_map(|r| match &r.body {
            Body::Decode(d) => Some(d.depth),
            _ => None,
        })
        .collect();
    depths.sort_unstable();
    depths.dedup();
    depths
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
    }

    #[test]
    fn stat_names() {
        assert_eq!(Stat::parse("p95"), Some(Stat::Percentile(95.0)));
        assert_eq!(Stat::parse("p0"), None);
        assert_eq!(Stat::parse("median"), Some(Stat::Median));
    }
}
