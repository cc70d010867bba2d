//! The run summary: per model and metric, n / median / min / max — written as
//! summary.csv in the run folder and printed as a table at the end of a run.

use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};

use crate::metric::MetricName;
use crate::stats;
use crate::store::StoredRun;

/// Metrics summarised at the end of a run, in display order.
fn summary_metrics(run: &StoredRun) -> Vec<(String, MetricName)> {
    let mut depths: Vec<u32> = run
        .records
        .iter()
        .filter_map(|r| match &r.body {
            crate::sample::Body::Decode(d) => Some(d.depth),
            _ => None,
        })
        .collect();
    depths.sort_unstable();
    depths.dedup();
    let mut v: Vec<(String, MetricName)> = depths
        .into_iter()
        .map(|d| {
            (
                format!("decode@{d} tok/s"),
                MetricName::DecodeTokensPerS { depth: d },
            )
        })
        .collect();
    v.extend(
        crate::metric::prefill_metrics(&run.records)
            .into_iter()
            .map(|m| match m {
                MetricName::PrefillAtTokensPerS { tokens } => {
                    (format!("prefill@{tokens} tok/s"), m)
                }
                MetricName::PrefillTtftMs { tokens } => (format!("prefill@{tokens} TTFT ms"), m),
                _ => ("prefill tok/s".to_string(), m),
            }),
    );
    v.extend([
        ("TTFT ms".to_string(), MetricName::ChatTtftMs),
        ("ITL ms".to_string(), MetricName::ChatItlMs),
        ("E2E ms".to_string(), MetricName::ChatE2eMs),
        ("cold start ms".to_string(), MetricName::ColdStartTotalMs),
        (
            "warm start ms".to_string(),
            MetricName::ColdStartWarmTotalMs,
        ),
        ("peak RSS MiB".to_string(), MetricName::PeakRssBytes),
        (
            "correct answers".to_string(),
            MetricName::QualityCorrectFraction,
        ),
        ("bits per byte".to_string(), MetricName::QualityBitsPerByte),
        (
            "sustained tok/s".to_string(),
            MetricName::SustainedTokensPerS,
        ),
        ("sustained ratio".to_string(), MetricName::SustainedRatio),
        ("peak memory MiB".to_string(), MetricName::PeakBytes),
    ]);
    v
}

/// One row: model, metric, n, median, min, max.
pub struct Row {
    pub model: String,
    pub metric: String,
    pub n: usize,
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

pub fn rows(run: &StoredRun) -> Vec<Row> {
    let mut out = Vec::new();
    for model in &run.meta.models {
        for (label, m) in summary_metrics(run) {
            let mut vals: Vec<f64> = m
                .values_by_round(&run.records, model)
                .into_values()
                .flatten()
                .collect();
            if m.unit() == "bytes" {
                vals.iter_mut().for_each(|v| *v /= 1024.0 * 1024.0);
            }
            let s = stats::sorted(&vals);
            let (Some(min), Some(max), Some(median)) =
                (s.first(), s.last(), stats::quantile_sorted(&s, 0.5))
            else {
                continue;
            };
            out.push(Row {
                model: model.clone(),
                metric: label,
                n: s.len(),
                median,
                min: *min,
                max: *max,
            });
        }
    }
    out
}

pub fn write_csv(run: &StoredRun) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["model", "metric", "n", "median", "min", "max"])?;
    for r in rows(run) {
        w.write_record([
            r.model,
            r.metric,
            r.n.to_string(),
            format!("{:.3}", r.median),
            format!("{:.3}", r.min),
            format!("{:.3}", r.max),
        ])?;
    }
    let bytes = w.into_inner().map_err(|e| anyhow::anyhow!("csv: {e}"))?;
    crate::store::write_atomic(&run.dir.join("summary.csv"), &bytes)
}

/// Models as columns, metrics as rows: "median (min–max)".
pub fn table(run: &StoredRun) -> Table {
    let rows = rows(run);
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED);
    let mut header = vec!["metric (median, min–max)".to_string()];
    header.extend(run.meta.models.iter().map(|m| {
        if run.twin_of(m).is_some() {
            format!("{m} (twin)")
        } else {
            m.clone()
        }
    }));
    t.set_header(header);
    for (label, _) in summary_metrics(run) {
        let mut line = vec![label.clone()];
        let mut any = false;
        for m in &run.meta.models {
            match rows.iter().find(|r| &r.model == m && r.metric == label) {
                Some(r) => {
                    any = true;
                    line.push(format!(
                        "{} ({}–{}) n={}",
                        fmt(r.median),
                        fmt(r.min),
                        fmt(r.max),
                        r.n
                    ));
                }
                None => line.push("—".into()),
            }
        }
        if any {
            t.add_row(line);
        }
    }
    t
}

fn fmt(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}
