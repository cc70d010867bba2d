//! "Device matrix" (several machines): each model's medians per machine, then the machines
//! side by side — host, engine and its instruction sets, bandwidth, GPU offload requested
//! and achieved ("GPU requested, not used: …" where it was not), how quiet the host was.

use std::fmt::Write;

use super::text::{MIB, cell, heading, val};
use crate::metric::MetricName;
use crate::report::view::{ModelView, RunView};
use crate::verdict::fmt_num;

pub(super) fn device_matrix(out: &mut String, views: &[RunView<'_>]) {
    heading(out, 2, "Device matrix");
    let _ = writeln!(
        out,
        "Medians per machine (one column per machine label; runs of one label pooled unless their engine build, suite or models differ); `—` where a machine has no valid sample.\n"
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
        "| Machine | CPU | Cores (physical/logical) | Threads | Memory | Bandwidth | Engine | Instruction sets | GPU offload requested | GPU offload achieved | Host load |\n|---|---|--:|--:|--:|--:|---|---|---|---|---|\n"
    );
    for v in views {
        let h = &v.run.host;
        let _ = writeln!(
            out,
            "| {} | {} | {}/{} | {} | {:.1} GiB | {} | {} | {} | {} | {} | {} |",
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
            cell(&v.basis.engine),
            cell(&v.basis.isa),
            cell(&v.basis.offload.requested_text()),
            cell(&super::gpu::achieved(&v.basis.offload)),
            cell(&v.basis.quiet.text()),
        );
    }
    out.push('\n');
}
