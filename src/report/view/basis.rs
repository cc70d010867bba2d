//! What a machine's verdict rests on, for the line that states it: the engine build and
//! the instruction sets it uses (engine.json `isa`, else its system info), how quiet the
//! host was (jobs.jsonl `load`, where recorded), GPU offload as requested (the suite's `n_gpu_layers`) and as achieved (what
//! the engine reported), and which runs' rounds it counts. Fields an old run lacks read
//! "not recorded", never a guess.

use super::StoredRun;
use crate::config::DEFAULT_N_GPU_LAYERS;
use crate::measure::isa;

/// GPU offload, requested and achieved: two different facts.
#[derive(Debug, Clone, PartialEq)]
pub struct Offload {
    /// Layers the suite asked for, as each model ran with them: "99 layers", "none"
    /// (where nothing set them, lfmbench's default [`DEFAULT_N_GPU_LAYERS`], as the runner
    /// resolves them).
    pub requested: String,
    /// Where that was read: "n_gpu_layers = 99".
    pub requested_from: String,
    /// What the engine reported: "none, this build has no GPU backend", the devices it
    /// listed, or "not recorded".
    pub achieved: String,
    /// Where that was read: "engine.json gpu_offload = false".
    pub achieved_from: String,
    /// Offload was requested and the engine could not do it.
    pub requested_not_used: bool,
}

impl Offload {
    /// "99 layers (n_gpu_layers = 99)".
    pub fn requested_text(&self) -> String {
        with_source(&self.requested, &self.requested_from)
    }
    /// "none, this build has no GPU backend (engine.json gpu_offload = false)".
    pub fn achieved_text(&self) -> String {
        with_source(&self.achieved, &self.achieved_from)
    }
    /// For a verdict line: "GPU requested (99 layers), not used: this build has no GPU
    /// backend", "CPU only (no GPU layers requested)", or both facts side by side.
    pub fn words(&self) -> String {
        if self.requested_not_used {
            format!(
                "GPU requested ({}), not used: {}",
                self.requested,
                self.achieved.trim_start_matches("none, ")
            )
        } else if self.requested == "none" {
            "CPU only (no GPU layers requested)".into()
        } else {
            format!(
                "GPU offload requested: {}; achieved: {}",
                self.requested, self.achieved
            )
        }
    }
}

fn with_source(what: &str, from: &str) -> String {
    if from.is_empty() {
        what.to_string()
    } else {
        format!("{what} ({from})")
    }
}

/// How busy the host was, from the jobs' recorded load.
#[derive(Debug, Clone, PartialEq)]
pub enum Quiet {
    NotRecorded,
    Quiet {
        jobs: usize,
        worst_other_cpu: Option<f64>,
        bandwidth: Option<(f64, f64)>,
    },
    Busy {
        contended: usize,
        jobs: usize,
        worst_other_cpu: Option<f64>,
        bandwidth: Option<(f64, f64)>,
    },
}

/// The facts a verdict line states beside the decision.
#[derive(Debug, Clone, PartialEq)]
pub struct Basis {
    /// "llama.cpp llama-cpp-2 0.1.160".
    pub engine: String,
    /// The instruction sets the engine uses, and where that was read.
    pub isa: String,
    /// Set when the engine leaves some of the host's instruction sets unused.
    pub isa_warning: Option<String>,
    pub quiet: Quiet,
    pub offload: Offload,
    /// "5 rounds of run `X`" or "10 rounds of runs `A` and `B`, pooled".
    pub rounds: String,
}

fn strings(v: Option<&serde_json::Value>) -> Option<Vec<String>> {
    v?.as_array().map(|a| {
        a.iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect()
    })
}

/// The engine's instruction sets: engine.json `isa` (the engine's against the host's,
/// recorded since issue 12), else read from its system info string.
pub fn isa_text(engine: &serde_json::Value) -> String {
    if engine.is_null() {
        return "instruction sets not recorded (no engine.json)".into();
    }
    let isa = engine.get("isa").filter(|i| i.is_object());
    let (features, source) = match isa.and_then(|i| strings(i.get("engine_cpu_features"))) {
        Some(f) => (f, "engine.json isa"),
        None => match engine.get("system_info").and_then(|s| s.as_str()) {
            Some(info) => (isa::engine_cpu_features(info), "from its system info"),
            None => return "instruction sets not recorded".into(),
        },
    };
    let used = if features.is_empty() {
        "no instruction-set extension listed".to_string()
    } else {
        features.join(" ")
    };
    let left_out: Vec<String> = isa
        .and_then(|i| i.get("left_out"))
        .and_then(|l| l.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|x| x.get(0).and_then(|n| n.as_str()).map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let mut host = match isa.and_then(|i| strings(i.get("unused_host_features"))) {
        Some(u) if !u.is_empty() => format!("the host's {} unused", u.join(" ")),
        Some(_) => "every instruction set of the host used".into(),
        None => "the host's own not recorded".into(),
    };
    if !left_out.is_empty() {
        host.push_str(&format!(", {} left out on purpose", left_out.join(" ")));
    }
    format!("CPU: {used} ({source}; {host})")
}

/// The front page's validity warning for a machine whose engine leaves some of the
/// host's instruction sets unused (engine.json `isa.unused_host_features`; the sets left
/// out on purpose, such as AMX here, are named in the basis, not warned about).
pub fn isa_warning(engine: &serde_json::Value) -> Option<String> {
    let unused = strings(engine.get("isa")?.get("unused_host_features"))?;
    if unused.is_empty() {
        return None;
    }
    Some(format!(
        "the engine was built without the host's {}: speeds (prefill above all) understate \
         what llama.cpp built for this CPU reaches; rebuild with the instruction sets of the \
         machine (README, \"Instruction sets\") and measure again",
        unused.join(" ")
    ))
}

pub fn engine_text(engine: &serde_json::Value) -> String {
    let s = |k: &str| engine.get(k).and_then(|v| v.as_str()).unwrap_or("?");
    if engine.is_null() {
        "engine not recorded (no engine.json)".into()
    } else {
        format!("{} {}", s("engine"), s("version"))
    }
}

/// Requested (the settings each model ran with, else the suite's `[backend]`) against
/// achieved (engine.json).
pub fn offload(run: &StoredRun) -> Offload {
    let mut layers: Vec<u32> = run.meta.settings.values().map(|r| r.n_gpu_layers).collect();
    layers.sort_unstable();
    layers.dedup();
    // A run without recorded settings ran its suite's `[backend]`, resolved as the runner
    // resolves it: unset means lfmbench's default, which is what llama.cpp was given.
    let set = run.suite.backend.n_gpu_layers;
    let requested_n: u32 = match layers.as_slice() {
        [] => set.unwrap_or(DEFAULT_N_GPU_LAYERS),
        [.., last] => *last,
    };
    let (requested, requested_from) = match (layers.as_slice(), requested_n) {
        ([_, _, ..], _) => (
            format!(
                "{} layers",
                layers
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(" / ")
            ),
            "n_gpu_layers differs between models".to_string(),
        ),
        (_, 0) => ("none".into(), "n_gpu_layers = 0".into()),
        ([], n) if set.is_none() => (
            format!("{n} layers"),
            format!("n_gpu_layers not set: lfmbench's default {n}"),
        ),
        (_, n) => (format!("{n} layers"), format!("n_gpu_layers = {n}")),
    };
    let e = &run.engine;
    let devices: Vec<String> = e
        .get("devices")
        .and_then(|d| d.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|d| {
                    let name = d.get("name").and_then(|x| x.as_str())?;
                    Some(match d.get("type").and_then(|x| x.as_str()) {
                        Some(t) => format!("{name} ({t})"),
                        None => name.to_string(),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let (achieved, achieved_from, can): (String, String, Option<bool>) =
        match e.get("gpu_offload").and_then(|x| x.as_bool()) {
            _ if e.is_null() => ("not recorded".into(), "no engine.json".into(), None),
            Some(false) => (
                "none, this build has no GPU backend".into(),
                "engine.json gpu_offload = false".into(),
                Some(false),
            ),
            Some(true) if devices.is_empty() => (
                "possible, layers placed per device not recorded".into(),
                "engine.json gpu_offload = true".into(),
                Some(true),
            ),
            Some(true) => (
                format!("devices {}", devices.join(", ")),
                "engine.json devices".into(),
                Some(true),
            ),
            None => ("not recorded".into(), String::new(), None),
        };
    Offload {
        requested,
        requested_from,
        achieved,
        achieved_from,
        requested_not_used: requested_n > 0 && can == Some(false),
    }
}

/// How quiet the host was over the run's jobs: jobs with a recorded load, and those
/// `crate::verdict::noise` counts as contended (over a threshold by their own load, or in
/// a round whose bandwidth probe fell).
pub fn quiet(run: &StoredRun) -> Quiet {
    let loads: Vec<&crate::measure::noise::HostLoad> =
        run.jobs.iter().filter_map(|j| j.load.as_ref()).collect();
    if loads.is_empty() {
        return Quiet::NotRecorded;
    }
    let worst_other_cpu = loads
        .iter()
        .filter_map(|l| l.other_cpu_cores)
        .reduce(f64::max);
    let probes: Vec<f64> = loads
        .iter()
        .flat_map(|l| [l.probe_before_gbps, l.probe_after_gbps])
        .flatten()
        .filter(|g| g.is_finite() && *g > 0.0)
        .collect();
    let bandwidth = probes
        .iter()
        .copied()
        .reduce(f64::min)
        .zip(probes.iter().copied().reduce(f64::max));
    let contended = crate::verdict::noise::contended_jobs(&run.jobs).len();
    if contended == 0 {
        Quiet::Quiet {
            jobs: loads.len(),
            worst_other_cpu,
            bandwidth,
        }
    } else {
        Quiet::Busy {
            contended,
            jobs: loads.len(),
            worst_other_cpu,
            bandwidth,
        }
    }
}

impl Quiet {
    pub fn text(&self) -> String {
        let worst = |w: &Option<f64>| {
            w.map(|c| format!("; other processes used up to {c:.2} CPU"))
                .unwrap_or_default()
        };
        let bw = |b: &Option<(f64, f64)>| {
            b.map(|(lo, hi)| format!("; memory bandwidth {lo:.1}–{hi:.1} GB/s between rounds"))
                .unwrap_or_default()
        };
        match self {
            Quiet::NotRecorded => "host load not recorded".into(),
            Quiet::Quiet {
                jobs,
                worst_other_cpu,
                bandwidth,
            } => format!(
                "host quiet (none of {jobs} jobs contended{}{})",
                worst(worst_other_cpu),
                bw(bandwidth)
            ),
            Quiet::Busy {
                contended,
                jobs,
                worst_other_cpu,
                bandwidth,
            } => format!(
                "host busy: {contended} of {jobs} jobs contended{}{}",
                worst(worst_other_cpu),
                bw(bandwidth)
            ),
        }
    }
}

fn ids(runs: &[&str]) -> String {
    let quoted: Vec<String> = runs.iter().map(|r| format!("`{r}`")).collect();
    match quoted.as_slice() {
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
        [] => String::new(),
    }
}

pub fn basis(run: &StoredRun, runs: &[&str]) -> Basis {
    let rounds = if runs.len() > 1 {
        format!(
            "{} rounds of runs {}, pooled (same engine build, suite and models)",
            run.meta.rounds,
            ids(runs)
        )
    } else {
        format!("{} rounds of run {}", run.meta.rounds, ids(runs))
    };
    Basis {
        engine: engine_text(&run.engine),
        isa: isa_text(&run.engine),
        isa_warning: isa_warning(&run.engine),
        quiet: quiet(run),
        offload: offload(run),
        rounds,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instruction_sets_from_features_or_system_info() {
        let old = serde_json::json!({
            "engine": "llama.cpp",
            "version": "llama-cpp-2 0.1.160",
            "system_info": "CPU : SSE3 = 1 | AVX = 1 | AVX2 = 1 | AVX512 = 0 | LLAMAFILE = 1 |",
            "gpu_offload": false
        });
        assert_eq!(
            isa_text(&old),
            "CPU: SSE3 AVX AVX2 (from its system info; the host's own not recorded)"
        );
        // As the runner records it since issue 12 (measure::isa::IsaInfo).
        let new = serde_json::json!({
            "system_info": "CPU : SSE3 = 1 |",
            "isa": {
                "engine_cpu_features": ["AVX2", "AVX512"],
                "host_cpu_features": ["AVX2", "AVX512", "AVX512_BF16", "AMX_INT8"],
                "unused_host_features": ["AVX512_BF16"],
                "left_out": [["AMX_INT8", "crashes here"]],
                "built_for_target_cpu": "",
                "built_for_features": []
            }
        });
        assert_eq!(
            isa_text(&new),
            "CPU: AVX2 AVX512 (engine.json isa; the host's AVX512_BF16 unused, AMX_INT8 left out on purpose)"
        );
        assert_eq!(engine_text(&old), "llama.cpp llama-cpp-2 0.1.160");
        let warning = isa_warning(&new).expect("AVX512_BF16 unused: a warning");
        assert!(
            warning.contains("without the host's AVX512_BF16"),
            "{warning}"
        );
        assert_eq!(isa_warning(&old), None, "nothing recorded, nothing claimed");
        let mut all_used = new.clone();
        all_used["isa"]["unused_host_features"] = serde_json::json!([]);
        assert_eq!(isa_warning(&all_used), None);
        assert!(isa_text(&serde_json::Value::Null).contains("not recorded"));
    }

    #[test]
    fn quiet_texts() {
        assert_eq!(Quiet::NotRecorded.text(), "host load not recorded");
        let q = Quiet::Busy {
            contended: 3,
            jobs: 40,
            worst_other_cpu: Some(1.02),
            bandwidth: Some((27.94, 46.5)),
        };
        assert_eq!(
            q.text(),
            "host busy: 3 of 40 jobs contended; other processes used up to 1.02 CPU; \
             memory bandwidth 27.9–46.5 GB/s between rounds"
        );
    }
}
