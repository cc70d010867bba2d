//! How quiet the host is, as the runner sees it: warnings at start (instruction sets the
//! engine leaves unused; threads plus the load already there beyond the CPUs), the host
//! load around every job, a memory-bandwidth probe before and after every round, live
//! warnings when a job or a round was contended, and the optional wait for a quiet host
//! before each round (`--wait-quiet SECONDS`). The measuring itself is
//! `measure::noise`; what it means for a criterion is decided from the stored records.

use std::time::{Duration, Instant};

use crate::config::Loaded;
use crate::measure::noise::{self, HostLoad, Snapshot, Thresholds};
use crate::measure::{bandwidth, host, isa};
use crate::plan::ReadyModel;

/// Warnings before anything runs: the engine's instruction sets against the host's, and
/// threads plus the load already on the host against its CPUs.
pub fn warn_at_start(loaded: &Loaded, ready: &[ReadyModel]) {
    let llama = ready.iter().any(|m| {
        loaded
            .model(&m.id)
            .is_some_and(|e| e.backend == crate::config::BackendKind::Llama)
    });
    if llama {
        let host = isa::host_ggml_features(&isa::host_flags());
        let engine = isa::engine_cpu_features(&crate::backend::llama::system_info());
        let unused = isa::unused(&host, &engine);
        if !unused.is_empty() {
            eprintln!(
                "warning: this CPU has {} but the engine (llama.cpp) was built without: its figures are slower than llama.cpp as users deploy it here, and the report marks them\n  help: build lfmbench on this machine with its .cargo/config.toml (target-cpu=native); an explicit RUSTFLAGS replaces it",
                unused.join(", ")
            );
        }
    }
    let cpus = host::logical_cpus();
    let threads = ready
        .iter()
        .map(|m| loaded.settings_for(&m.id).threads as usize)
        .max()
        .unwrap_or(0);
    let th = Thresholds::DEFAULT;
    let idle = noise::sample_idle(Duration::from_millis(1000), &th);
    if let Some(other) = idle.other_cpu_cores
        && overcommitted(threads, other, cpus, &th)
    {
        eprintln!(
            "warning: {threads} engine threads plus the {other:.1} CPUs other processes are using now exceed this host's {cpus} CPUs: expect contended rounds (see --wait-quiet)"
        );
    }
}

/// Whether `threads` engine threads beside `other` CPUs of other processes' load will
/// contend on `cpus` CPUs: the load beyond the CPUs the engine leaves free is more than a
/// job may meet before it is marked contended (a shell or a kernel thread using 0.03 of a
/// CPU on a host where the engine takes every CPU is not worth a warning).
fn overcommitted(threads: usize, other: f64, cpus: usize, th: &Thresholds) -> bool {
    threads as f64 + other > cpus as f64 + th.max_other_cpu_cores
}

/// The runner's view of host load over a run.
pub struct Watch {
    th: Thresholds,
    /// `--wait-quiet`: how long to wait for a quiet host before a round, at most.
    wait_quiet: Option<Duration>,
    /// The best bandwidth probe of this run so far, GB/s.
    best_gbps: f64,
    /// Probing costs about a second; off where the probe cannot run.
    probing: bool,
}

/// What the start of a round measured, stored with the round's first job.
#[derive(Debug, Clone, Copy, Default)]
pub struct RoundStart {
    pub probe_gbps: Option<f64>,
    pub waited_s: Option<f64>,
}

impl Watch {
    pub fn new(wait_quiet: Option<Duration>) -> Watch {
        Watch {
            th: Thresholds::DEFAULT,
            wait_quiet,
            best_gbps: 0.0,
            probing: true,
        }
    }

    /// Before the first job of a round: wait for a quiet host if asked, then probe.
    pub fn start_round(&mut self, round: u32) -> RoundStart {
        let waited_s = self
            .wait_quiet
            .map(|limit| self.wait_for_quiet(round, limit));
        RoundStart {
            probe_gbps: self.probe(round, "start"),
            waited_s,
        }
    }

    /// After the last job of a round.
    pub fn end_round(&mut self, round: u32) -> Option<f64> {
        self.probe(round, "end")
    }

    fn probe(&mut self, round: u32, when: &str) -> Option<f64> {
        if !self.probing {
            return None;
        }
        let gbps = bandwidth::probe_gbps();
        let Some(g) = gbps else {
            self.probing = false;
            return None;
        };
        if let Some(why) = noise::bandwidth_reason(g, self.best_gbps, &self.th) {
            eprintln!("warning: round {} ({when}) was contended: {why}", round + 1);
        }
        self.best_gbps = self.best_gbps.max(g);
        gbps
    }

    /// Sample 2-second windows until other processes use less than the threshold, or
    /// `limit` passes. Returns the seconds waited.
    fn wait_for_quiet(&self, round: u32, limit: Duration) -> f64 {
        let t0 = Instant::now();
        let mut said = false;
        loop {
            let l = noise::sample_idle(Duration::from_secs(2), &self.th);
            if !l.contended {
                if said {
                    eprintln!("host quiet after {:.0} s", t0.elapsed().as_secs_f64());
                }
                return t0.elapsed().as_secs_f64();
            }
            if t0.elapsed() >= limit {
                eprintln!(
                    "warning: round {}: the host did not become quiet within {} s ({}); running anyway, its jobs will be marked contended",
                    round + 1,
                    limit.as_secs(),
                    l.reasons.join("; ")
                );
                return t0.elapsed().as_secs_f64();
            }
            if !said {
                eprintln!(
                    "round {}: waiting for a quiet host ({}; at most {} s)…",
                    round + 1,
                    l.reasons.join("; "),
                    limit.as_secs()
                );
                said = true;
            }
        }
    }

    /// The load over one job, given the worker's CPU time (`None` for a job whose work
    /// ran in a process lfmbench does not account, e.g. an http server: recorded, not
    /// judged).
    pub fn job(
        &self,
        before: &Snapshot,
        after: &Snapshot,
        worker_cpu_s: Option<f64>,
        start: RoundStart,
        probe_after: Option<f64>,
    ) -> HostLoad {
        let mut load = noise::between(before, after, worker_cpu_s, &self.th);
        if worker_cpu_s.is_none() {
            load.contended = false;
            load.reasons.clear();
            load.not_judged = Some(
                "the work ran in a server process whose CPU time lfmbench does not read".into(),
            );
        }
        load.probe_before_gbps = start.probe_gbps;
        load.waited_s = start.waited_s;
        load.probe_after_gbps = probe_after;
        load
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_load_beyond_the_spare_cpus_and_the_contention_threshold_warns() {
        let th = Thresholds::DEFAULT;
        // Every CPU to the engine: a trace of other load is no warning, a busy process is.
        assert!(!overcommitted(2, 0.0, 2, &th));
        assert!(!overcommitted(2, 0.04, 2, &th));
        assert!(!overcommitted(2, 0.25, 2, &th));
        assert!(overcommitted(2, 0.3, 2, &th));
        assert!(overcommitted(2, 1.0, 2, &th));
        // Spare CPUs absorb other load first.
        assert!(!overcommitted(2, 1.2, 4, &th));
        assert!(overcommitted(4, 1.0, 4, &th));
    }
}
