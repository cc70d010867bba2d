//! "Device matrix" (several runs): the machines side by side — host, engine, bandwidth, and
//! each criterion's value per machine.

use std::fmt::Write;

use super::text::{MIB, cell, heading, val};
use crate::metric::MetricName;
use crate::report::view::{ModelView, RunView};
use crate::verdict::fmt_num;

pub(super) fn device_matrix(out: &mut String, views: &[RunView<'_>]) {
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
            m.metrics
                .iter()
                .find(|r| {
                    matches!(
                        r.metric,
                        MetricName::PrefillTokensPerS | MetricName::PrefillAtTokensPerS { .. }
                    )
                })
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

pub(super) fn engine_line(e: &serde_json::Value) -> String {
    let s = |k: &str| e.get(k).and_then(|v| v.as_str()).unwrap_or("?").to_string();
    if e.is_null() {
        return "unknown (no engine.json)".into();
    }
    format!("{} ({})", s("engine"), s("version"))
}
