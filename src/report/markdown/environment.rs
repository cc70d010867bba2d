//! "Environment": host, engine, settings and workloads as run.

use std::fmt::Write;

use super::gpu;
use super::text::{MIB, cell, heading};
use crate::report::view::RunView;

pub(super) fn environment(out: &mut String, v: &RunView<'_>, h: usize) {
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
        ("Read bandwidth", bandwidth(v)),
        ("OS", format!("{} (kernel {})", host.os, host.kernel)),
        (
            "Virtual machine",
            match host.virtualization.as_deref() {
                None => "not recorded".into(),
                Some("none") => "no (nothing says so)".into(),
                Some(v) => format!("yes: {v}"),
            },
        ),
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
        ("Engine instruction sets", v.basis.isa.clone()),
        ("GPU offload requested", v.basis.offload.requested_text()),
        ("GPU offload achieved", gpu::achieved(&v.basis.offload)),
        ("Devices", gpu::environment_devices(&v.gpu.devices)),
        ("Engine system info", format!("`{}`", s("system_info"))),
        ("Host load", v.basis.quiet.text()),
        (
            "Runs",
            v.runs
                .iter()
                .map(|r| format!("`{r}`"))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        ("Threads", threads),
        (
            "Context / batch",
            format!("n_ctx {}, n_batch {}", opt(b.n_ctx), opt(b.n_batch)),
        ),
        ("GPU layers", gpu::environment_layers(&v.gpu)),
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
    gpu::placement_table(out, &v.gpu);
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
    // How the run really ran (runs before per-depth processes and first tokens did not).
    let (per_depth, first_token) = (v.curves.per_depth_processes, v.curves.first_token);
    for w in &v.run.suite.workloads {
        let list = |v: &[u32]| {
            v.iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut text = match w {
            crate::config::Workload::Decode {
                tokens,
                depths,
                repetitions,
                ..
            } => format!(
                "decode: {tokens} tokens one at a time at depth {}{}; {}",
                list(depths),
                if depths.len() > 1 && per_depth {
                    " (each depth in a process of its own, its context sized to depth + tokens)"
                } else {
                    ""
                },
                repetitions_text(&v.repetitions.decode, *repetitions)
            ),
            crate::config::Workload::Prefill {
                tokens,
                repetitions,
                ..
            } => {
                format!(
                    "prefill: {} prompt tokens{}; {}",
                    list(tokens.values()),
                    if first_token {
                        ", then the first token"
                    } else {
                        ""
                    },
                    repetitions_text(&v.repetitions.prefill, *repetitions)
                )
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
            crate::config::Workload::Questions {
                prompts_file,
                sha256,
                max_tokens,
                prompts,
                every_round,
            } => format!(
                "questions: {} question(s){}, at most {max_tokens} tokens, greedy, {}",
                prompts.len(),
                prompts_file.as_ref().map_or(String::new(), |f| format!(
                    " from `{}` (sha256 {})",
                    cell(&f.display().to_string()),
                    sha256.as_deref().unwrap_or("?")
                )),
                if *every_round {
                    "every round"
                } else {
                    "once per model"
                }
            ),
            crate::config::Workload::Perplexity {
                file,
                sha256,
                n_ctx,
                chunks,
                every_round,
            } => format!(
                "perplexity: `{}` (sha256 {sha256}) in windows of {n_ctx} tokens{}, {}",
                cell(&file.display().to_string()),
                chunks.map_or(String::new(), |c| format!(", the first {c} windows")),
                if *every_round {
                    "every round"
                } else {
                    "once per model"
                }
            ),
            crate::config::Workload::Sustained {
                duration_s,
                window_s,
                cooldown_s,
                chunk,
                rounds,
                models,
            } => format!(
                "sustained: {duration_s} s of decode without a pause in windows of {window_s} s after {cooldown_s} s idle, context restarted every {chunk} tokens, in the first {rounds} round(s), for {}",
                if models.is_empty() {
                    "every model".to_string()
                } else {
                    models
                        .iter()
                        .map(|m| format!("`{m}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            ),
        };
        if let Some(sw) = w.sweep(b.sweep.as_ref()) {
            let mut parts = Vec::new();
            if !sw.threads.is_empty() {
                parts.push(format!("threads {}", list(&sw.threads)));
            }
            if !sw.n_batch.is_empty() {
                parts.push(format!("n_batch {}", list(&sw.n_batch)));
            }
            if !sw.quant.is_empty() {
                parts.push(format!("quant {}", sw.quant.join(", ")));
            }
            text.push_str(&format!(
                "; swept over {} (each alone, the rest at the named point)",
                parts.join("; ")
            ));
        }
        let _ = writeln!(out, "- {text}");
    }
    out.push('\n');
}

/// The bandwidth probe; for pooled runs the best probe, with every run's.
fn bandwidth(v: &RunView<'_>) -> String {
    let probes: Vec<f64> = v.bandwidths.iter().flatten().copied().collect();
    match (v.run.host.memory_bandwidth_gbps, probes.as_slice()) {
        (None, _) => "not probed".into(),
        (Some(b), [_, _, ..]) => format!(
            "{b:.1} GB/s (the best of the pooled runs' probes: {} GB/s)",
            probes
                .iter()
                .map(|p| format!("{p:.1}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        (Some(b), _) => format!("{b:.1} GB/s"),
    }
}

/// How many measured repetitions a round took, as its samples say (`seen`, from the
/// view; a run made before repetitions has one, whatever its suite.toml now parses to).
fn repetitions_text(seen: &[u32], suite: u32) -> String {
    match seen {
        [] => format!("{suite} measured repetition(s) per round (none stored)"),
        [1] => "1 measured repetition per round (the round's value)".into(),
        [n] => format!("{n} measured repetitions per round, the round's value their median"),
        many => format!(
            "{} measured repetitions per round (differing between rounds), the round's value their median",
            many.iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(" or ")
        ),
    }
}
