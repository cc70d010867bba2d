//! One model's part of the view, from the run's records: each metric's median with its
//! interval and spread, latency percentiles, memory, cold starts, the roofline share and
//! the notes its samples carry.

use super::*;

/// Metrics shown per model, in order; decode once per depth that was measured.
pub fn metric_list(records: &[Record]) -> Vec<(MetricName, String)> {
    let mut v: Vec<(MetricName, String)> = decode_depths(records)
        .into_iter()
        .map(|depth| {
            (
                MetricName::DecodeTokensPerS { depth },
                format!("decode tok/s, depth {depth}"),
            )
        })
        .collect();
    v.extend(
        crate::metric::prefill_metrics(records)
            .into_iter()
            .map(|m| {
                let label = match m {
                    MetricName::PrefillAtTokensPerS { tokens } => {
                        format!("prefill tok/s, {tokens} tokens")
                    }
                    MetricName::PrefillTtftMs { tokens } => {
                        format!("TTFT ms, {tokens}-token prompt")
                    }
                    _ => "prefill tok/s".to_string(),
                };
                (m, label)
            }),
    );
    v.extend([
        (MetricName::ChatTtftMs, "chat TTFT ms".to_string()),
        (MetricName::ChatItlMs, "chat inter-token ms".to_string()),
        (MetricName::ChatE2eMs, "chat end-to-end ms".to_string()),
        (
            MetricName::ChatTokensPerS,
            "chat generation tok/s".to_string(),
        ),
        (
            MetricName::ColdStartTotalMs,
            "cold start ms (cache dropped)".to_string(),
        ),
        (
            MetricName::ColdStartWarmTotalMs,
            "start ms (cache warm)".to_string(),
        ),
        (MetricName::PeakRssBytes, "peak RSS".to_string()),
        (
            MetricName::SustainedTokensPerS,
            "sustained decode tok/s (all windows)".to_string(),
        ),
        (
            MetricName::SustainedRatio,
            "sustained ratio (last ÷ first)".to_string(),
        ),
    ]);
    v
}

pub(super) fn rounds_of(records: &[Record], metric: MetricName, model: &str) -> Option<Rounds> {
    Rounds::new(metric.values_by_round(records, model)).ok()
}

pub(super) fn metric_row(
    records: &[Record],
    model: &str,
    metric: MetricName,
    label: &str,
) -> Option<MetricRow> {
    let rounds = rounds_of(records, metric, model)?;
    let q = Quantization::for_unit(metric.unit());
    let median = stats::estimate(&rounds, Stat::Median, q, metric.one_value_per_round()).ok()?;
    let all = rounds.pooled();
    let (min, max, mad) = match Sample::new(&all) {
        Ok(s) => (s.min(), s.max(), Some(stats::spread::mad(&s))),
        Err(_) => (median.point, median.point, None),
    };
    Some(MetricRow {
        metric,
        label: label.to_string(),
        median,
        min,
        max,
        mad,
    })
}

pub(super) fn latency_row(
    records: &[Record],
    model: &str,
    metric: MetricName,
) -> Option<LatencyRow> {
    let rounds = rounds_of(records, metric, model)?;
    let values = stats::sorted(&rounds.pooled());
    let max = *values.last()?;
    let q = Quantization::for_unit(metric.unit());
    let pct = [50.0, 95.0, 99.0]
        .into_iter()
        .map(|p| {
            let v = match q.percentile(&values, p) {
                Ok(v) => Pct::Value(v),
                Err(_) => Pct::TooFew {
                    needed: stats::min_samples_for(p),
                },
            };
            (p, v)
        })
        .collect();
    Some(LatencyRow {
        metric,
        label: match metric {
            MetricName::ChatTtftMs => "TTFT",
            MetricName::ChatItlMs => "inter-token",
            _ => "end-to-end",
        },
        n: values.len(),
        rounds: rounds.n_rounds(),
        pct,
        max,
        values: cdf_points(values, CDF_POINTS),
    })
}

/// At most `max` (≥ 2) evenly spaced order statistics of `sorted`, the first and the last
/// included; `sorted` itself when it is not longer.
pub fn cdf_points(sorted: Vec<f64>, max: usize) -> Vec<f64> {
    let n = sorted.len();
    if n <= max || max < 2 {
        return sorted;
    }
    (0..max)
        .map(|i| sorted[(i * (n - 1) + (max - 1) / 2) / (max - 1)])
        .collect()
}

pub(super) fn memory_view(records: &[Record], model: &str) -> Option<MemoryView> {
    let rounds = rounds_of(records, MetricName::PeakRssBytes, model)?;
    let peak = stats::pooled(&rounds, Stat::Median, Quantization::for_unit("bytes")).ok()?;
    let all = stats::sorted(&rounds.pooled());
    let (file_bytes, use_mmap) =
        records
            .iter()
            .filter(|r| r.model == model)
            .find_map(|r| match &r.body {
                Body::Memory(m) => Some((m.model_file_bytes, m.use_mmap)),
                _ => None,
            })?;
    let mine = || {
        records
            .iter()
            .filter(|r| r.model == model)
            .filter_map(|r| match &r.body {
                Body::Memory(m) => Some(m),
                _ => None,
            })
    };
    let platform = if mine().any(|m| m.counted_bytes() != m.peak_rss_bytes) {
        let rounds = rounds_of(records, MetricName::PeakBytes, model)?;
        let est = stats::pooled(&rounds, Stat::Median, Quantization::for_unit("bytes")).ok()?;
        let mut sources: Vec<String> = Vec::new();
        for m in mine() {
            let s = m.peak_source.clone().unwrap_or_else(|| m.source.clone());
            if !sources.contains(&s) {
                sources.push(s);
            }
        }
        Some((est, sources))
    } else {
        None
    };
    Some(MemoryView {
        peak,
        min: *all.first()?,
        max: *all.last()?,
        file_bytes,
        use_mmap,
        platform,
    })
}

pub(super) fn cold_views(records: &[Record], model: &str) -> Vec<ColdView> {
    type Group = (&'static str, fn(&PageCache) -> bool);
    let groups: [Group; 3] = [
        ("dropped", |p| *p == PageCache::Dropped),
        ("not dropped", |p| matches!(p, PageCache::NotDropped { .. })),
        ("warm", |p| *p == PageCache::Warm),
    ];
    let mut out = Vec::new();
    for (state, pick) in groups {
        let samples: Vec<(u32, &crate::sample::ColdStartSample)> = records
            .iter()
            .filter(|r| r.model == model)
            .filter_map(|r| match &r.body {
                Body::ColdStart(c) if pick(&c.page_cache) => Some((r.round, c)),
                _ => None,
            })
            .collect();
        if samples.is_empty() {
            continue;
        }
        let med = |f: fn(&crate::sample::ColdStartSample) -> f64| {
            let v: Vec<f64> = samples.iter().map(|(_, c)| f(c)).collect();
            stats::median(&v).unwrap_or(f64::NAN)
        };
        let mut by_round: BTreeMap<u32, Vec<f64>> = BTreeMap::new();
        for (r, c) in &samples {
            by_round.entry(*r).or_default().push(c.total_ms);
        }
        let Some(total) = Rounds::new(by_round)
            .ok()
            .and_then(|r| stats::pooled(&r, Stat::Median, Quantization::for_unit("ms")).ok())
        else {
            continue;
        };
        let resident: Vec<f64> = samples
            .iter()
            .filter_map(|(_, c)| c.resident_before)
            .collect();
        let resident_before = stats::median(&resident).map(|m| {
            let s = stats::sorted(&resident);
            (m, s[0], s[s.len() - 1])
        });
        let not_dropped_reason = samples.iter().find_map(|(_, c)| match &c.page_cache {
            PageCache::NotDropped { reason } => Some(reason.clone()),
            _ => None,
        });
        let not_really_cold = if state == "warm" {
            0
        } else {
            resident.iter().filter(|r| **r >= 0.5).count()
        };
        out.push(ColdView {
            state,
            not_dropped_reason,
            n: samples.len(),
            resident_before,
            not_really_cold,
            process_ms: med(|c| c.process_ms),
            load_ms: med(|c| c.load_ms),
            context_ms: med(|c| c.context_ms),
            first_token_ms: med(|c| c.first_token_ms),
            total,
        });
    }
    out
}

/// Decode at the shallowest depth against bandwidth ÷ file size.
pub(super) fn roofline(
    metrics: &[MetricRow],
    file_bytes: Option<u64>,
    gbps: Option<f64>,
) -> Option<Roofline> {
    let (file, gbps) = (file_bytes?, gbps?);
    if file == 0 || gbps <= 0.0 {
        return None;
    }
    let (depth, decode) = metrics.iter().find_map(|r| match r.metric {
        MetricName::DecodeTokensPerS { depth } => Some((depth, r.median.point)),
        _ => None,
    })?;
    let bound = gbps * 1e9 / file as f64;
    Some(Roofline {
        depth,
        bound_tokens_per_s: bound,
        decode_median: decode,
        percent: decode / bound * 100.0,
    })
}

pub(super) fn model_view(run: &StoredRun, id: &str, role: Role) -> ModelView {
    let records = &run.records;
    let metrics: Vec<MetricRow> = metric_list(records)
        .iter()
        .filter_map(|(m, label)| metric_row(records, id, *m, label))
        .collect();
    let latency = [
        MetricName::ChatTtftMs,
        MetricName::ChatItlMs,
        MetricName::ChatE2eMs,
    ]
    .into_iter()
    .filter_map(|m| latency_row(records, id, m))
    .collect();
    let memory = memory_view(records, id);
    let entry = run.models.models.iter().find(|e| e.id == id);
    let file_bytes = memory.as_ref().map(|m| m.file_bytes).or_else(|| {
        // Fall back on the input fingerprint of the model file.
        let path = entry?.path.as_ref()?.display().to_string();
        run.meta
            .inputs
            .iter()
            .find(|i| i.name.ends_with(&path))
            .map(|i| i.bytes)
    });
    let roofline = roofline(&metrics, file_bytes, run.host.memory_bandwidth_gbps);
    ModelView {
        id: id.to_string(),
        role,
        twin_of: run.twin_of(id).map(str::to_string),
        file_bytes,
        metrics,
        latency,
        memory,
        cold: cold_views(records, id),
        roofline,
        notes: notes(records, id),
        quality: super::quality::quality_view(run, id),
    }
}

/// The distinct `note`s of a model's samples, in order of first appearance.
pub(super) fn notes(records: &[Record], model: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in records.iter().filter(|r| r.model == model) {
        let note = match &r.body {
            Body::Decode(d) => d.note.as_ref(),
            Body::Prefill(p) => p.note.as_ref(),
            Body::Chat(c) => c.note.as_ref(),
            _ => None,
        };
        if let Some(n) = note
            && !out.contains(n)
        {
            out.push(n.clone());
        }
    }
    out
}
