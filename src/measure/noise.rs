//! How quiet the host was while a job ran: CPU time taken by other processes, time stolen
//! by the hypervisor, the load average — and whether that makes the job `contended`.
//!
//! **Why.** On a 2-core machine, llama.cpp runs one thread per core; a single other
//! process taking part of a core stalls every step at the threads' barrier. Measured here:
//! the same Phase-0 suite on a busy host moved the decode ratio from 1.96× to 1.84× and
//! P95 time to first token from 146 to 441 ms, and nothing in a run said so.
//!
//! **Method (Linux).** The runner reads the host's CPU counters (`/proc/stat`, first
//! line: jiffies spent busy, idle and stolen over all CPUs) and its own CPU time
//! (`getrusage(RUSAGE_SELF)`) just before it spawns a worker and again after it reaps it;
//! the worker's own CPU time comes from `wait4`. What other processes used is
//!
//! > other = Δbusy − worker − runner  (CPU-seconds), reported as `other ÷ wall` cores,
//!
//! where busy counts user, nice, system, irq and softirq time. Steal (time the hypervisor
//! gave this VM's CPUs to someone else) is `Δsteal ÷ Δ(all)`. Elsewhere (macOS) only the
//! load average is recorded and nothing is judged: the counters are not read there.
//!
//! **Thresholds** ([`Thresholds::DEFAULT`]): a job is contended when other processes
//! used more than a quarter of a CPU on average over it, or when more than 5 % of the CPU
//! time was stolen. A quiet VM here measures 0.00–0.03 cores of other work (kernel
//! threads, the shell), and a single busy loop in another process reads ≈ 1 core: a
//! quarter core is far from both. Between rounds the runner also probes memory
//! bandwidth (`measure::bandwidth`); a round whose probe falls below 75 % of the run's
//! best probe is contended too (another VM on the same host can take bandwidth without
//! showing up as CPU time or steal).

use serde::{Deserialize, Serialize};

/// CPU counters at one instant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Snapshot {
    /// `/proc/stat` first line, in clock ticks: busy (user + nice + system + irq +
    /// softirq), idle (idle + iowait), steal. `None` where not available.
    pub ticks: Option<Ticks>,
    /// This process's own CPU time so far (user + system), in seconds.
    pub own_cpu_s: f64,
    /// 1-minute load average.
    pub load1: Option<f64>,
    pub at: std::time::Instant,
}

/// Cumulative CPU time of all CPUs, in clock ticks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Ticks {
    pub busy: u64,
    pub idle: u64,
    pub steal: u64,
}

/// How busy the host was during one job (or one wait), as stored with the job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HostLoad {
    /// Wall time the counters cover, seconds.
    pub wall_s: f64,
    /// CPU used by processes other than the worker and the runner, in CPUs (cores'
    /// worth) averaged over the job; `None` where the counters cannot be read.
    #[serde(default)]
    pub other_cpu_cores: Option<f64>,
    /// Fraction of all CPU time stolen by the hypervisor.
    #[serde(default)]
    pub steal_fraction: Option<f64>,
    /// The worker's own CPU time, seconds (wait4).
    #[serde(default)]
    pub worker_cpu_s: Option<f64>,
    /// 1-minute load average before and after.
    #[serde(default)]
    pub load1_before: Option<f64>,
    #[serde(default)]
    pub load1_after: Option<f64>,
    /// Above a threshold (see the module documentation).
    #[serde(default)]
    pub contended: bool,
    /// Which thresholds were crossed, with the measured values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
    /// Why the load was recorded but not judged (e.g. the work ran in a server process).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_judged: Option<String>,
    /// Memory-bandwidth probe (GB/s) before this job, when it was the first of its round.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe_before_gbps: Option<f64>,
    /// Memory-bandwidth probe (GB/s) after this job, when it was the last of its round.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe_after_gbps: Option<f64>,
    /// Seconds waited for a quiet host before this job's round (`--wait-quiet`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waited_s: Option<f64>,
}

/// When a job counts as contended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// Other processes' CPU, in CPUs, averaged over the job.
    pub max_other_cpu_cores: f64,
    /// Fraction of CPU time stolen.
    pub max_steal_fraction: f64,
    /// A round's bandwidth probe below this fraction of the run's best.
    pub min_bandwidth_fraction: f64,
}

impl Thresholds {
    pub const DEFAULT: Thresholds = Thresholds {
        max_other_cpu_cores: 0.25,
        max_steal_fraction: 0.05,
        min_bandwidth_fraction: 0.75,
    };
}

/// Clock ticks per second (`sysconf(_SC_CLK_TCK)`, 100 on every Linux in practice).
fn ticks_per_s() -> f64 {
    // SAFETY: sysconf has no preconditions.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 { t as f64 } else { 100.0 }
}

/// Parse the aggregate `cpu` line of `/proc/stat`.
pub fn parse_proc_stat(text: &str) -> Option<Ticks> {
    let line = text.lines().find(|l| l.starts_with("cpu "))?;
    let v: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .map(|x| x.parse().ok())
        .collect::<Option<_>>()?;
    // user nice system idle iowait irq softirq steal [guest guest_nice] — guest time is
    // already counted in user/nice.
    let at = |i: usize| v.get(i).copied().unwrap_or(0);
    if v.len() < 4 {
        return None;
    }
    Some(Ticks {
        busy: at(0) + at(1) + at(2) + at(5) + at(6),
        idle: at(3) + at(4),
        steal: at(7),
    })
}

/// Parse the first field of `/proc/loadavg`.
pub fn parse_loadavg(text: &str) -> Option<f64> {
    text.split_whitespace().next()?.parse().ok()
}

/// CPU time (user + system) of this process so far, seconds.
pub fn own_cpu_s() -> f64 {
    // SAFETY: rusage is plain old data; zeroed is valid.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: valid pointer.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) } != 0 {
        return 0.0;
    }
    timeval_s(u.ru_utime) + timeval_s(u.ru_stime)
}

pub fn timeval_s(t: libc::timeval) -> f64 {
    t.tv_sec as f64 + t.tv_usec as f64 / 1e6
}

/// Read the counters now.
pub fn snapshot() -> Snapshot {
    let ticks = std::fs::read_to_string("/proc/stat")
        .ok()
        .and_then(|t| parse_proc_stat(&t));
    let load1 = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|t| parse_loadavg(&t))
        .or_else(|| {
            let mut avg = [0f64; 3];
            // SAFETY: valid pointer to 3 doubles.
            (unsafe { libc::getloadavg(avg.as_mut_ptr(), 3) } >= 1).then_some(avg[0])
        });
    Snapshot {
        ticks,
        own_cpu_s: own_cpu_s(),
        load1,
        at: std::time::Instant::now(),
    }
}

/// What happened between two snapshots, given the CPU seconds that the measured child
/// (the worker) used in that time; judged against `th`.
pub fn between(
    before: &Snapshot,
    after: &Snapshot,
    worker_cpu_s: Option<f64>,
    th: &Thresholds,
) -> HostLoad {
    let wall_s = after.at.saturating_duration_since(before.at).as_secs_f64();
    let hz = ticks_per_s();
    let (other, steal) = match (before.ticks, after.ticks) {
        (Some(b), Some(a)) if wall_s > 0.0 => {
            let busy_s = a.busy.saturating_sub(b.busy) as f64 / hz;
            let steal_t = a.steal.saturating_sub(b.steal) as f64;
            let all_t = (a.busy + a.idle + a.steal).saturating_sub(b.busy + b.idle + b.steal);
            let runner_s = (after.own_cpu_s - before.own_cpu_s).max(0.0);
            let other_s = busy_s - worker_cpu_s.unwrap_or(0.0) - runner_s;
            (
                Some((other_s / wall_s).max(0.0)),
                (all_t > 0).then(|| steal_t / all_t as f64),
            )
        }
        _ => (None, None),
    };
    let mut load = HostLoad {
        wall_s,
        other_cpu_cores: other,
        steal_fraction: steal,
        worker_cpu_s,
        load1_before: before.load1,
        load1_after: after.load1,
        contended: false,
        reasons: Vec::new(),
        not_judged: None,
        probe_before_gbps: None,
        probe_after_gbps: None,
        waited_s: None,
    };
    judge(&mut load, th);
    load
}

/// Set `contended` and `reasons` from the measured values.
pub fn judge(load: &mut HostLoad, th: &Thresholds) {
    load.reasons.clear();
    if let Some(o) = load.other_cpu_cores
        && o > th.max_other_cpu_cores
    {
        load.reasons.push(format!(
            "other processes used {o:.2} CPUs (limit {:.2})",
            th.max_other_cpu_cores
        ));
    }
    if let Some(s) = load.steal_fraction
        && s > th.max_steal_fraction
    {
        load.reasons.push(format!(
            "{:.0} % of CPU time stolen by the hypervisor (limit {:.0} %)",
            s * 100.0,
            th.max_steal_fraction * 100.0
        ));
    }
    load.contended = !load.reasons.is_empty();
}

/// Is a round's bandwidth probe low enough, against the run's best, to call the round
/// contended? Returns the reason.
pub fn bandwidth_reason(gbps: f64, best_gbps: f64, th: &Thresholds) -> Option<String> {
    (best_gbps > 0.0 && gbps < best_gbps * th.min_bandwidth_fraction).then(|| {
        format!(
            "memory bandwidth {gbps:.1} GB/s, {:.0} % of the run's best {best_gbps:.1} GB/s (limit {:.0} %)",
            100.0 * gbps / best_gbps,
            th.min_bandwidth_fraction * 100.0
        )
    })
}

/// Measure other processes' CPU over `window` with nothing of ours running.
pub fn sample_idle(window: std::time::Duration, th: &Thresholds) -> HostLoad {
    let before = snapshot();
    std::thread::sleep(window);
    let after = snapshot();
    between(&before, &after, Some(0.0), th)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_stat_first_line() {
        let t = "cpu  100 5 50 1000 20 3 2 7 0 0\ncpu0 50 2 25 500 10 1 1 3 0 0\nintr 1 2\n";
        assert_eq!(
            parse_proc_stat(t),
            Some(Ticks {
                busy: 100 + 5 + 50 + 3 + 2,
                idle: 1020,
                steal: 7
            })
        );
        assert_eq!(parse_proc_stat("intr 1 2\n"), None);
        assert_eq!(parse_proc_stat("cpu  1 x 3 4\n"), None);
        assert_eq!(parse_loadavg("0.52 0.58 0.59 1/467 12345\n"), Some(0.52));
    }

    fn snap(busy: u64, idle: u64, steal: u64, own: f64, at: std::time::Instant) -> Snapshot {
        Snapshot {
            ticks: Some(Ticks { busy, idle, steal }),
            own_cpu_s: own,
            load1: Some(1.0),
            at,
        }
    }

    /// Arithmetic by hand: 10 s of wall time on a 2-CPU host at 100 ticks/s.
    #[test]
    fn other_cpu_is_busy_minus_worker_minus_runner() {
        if ticks_per_s() != 100.0 {
            return; // the hand figures below assume USER_HZ = 100
        }
        let t0 = std::time::Instant::now();
        let t1 = t0 + std::time::Duration::from_secs(10);
        // 1900 busy ticks = 19 CPU-s: the worker used 14, the runner 0.5 → 4.5 s other.
        let b = snap(0, 0, 0, 1.0, t0);
        let a = snap(1900, 60, 40, 1.5, t1);
        let l = between(&b, &a, Some(14.0), &Thresholds::DEFAULT);
        assert!(
            (l.other_cpu_cores.unwrap_or(0.0) - 0.45).abs() < 1e-9,
            "{l:?}"
        );
        assert!(
            (l.steal_fraction.unwrap_or(0.0) - 0.02).abs() < 1e-9,
            "{l:?}"
        );
        assert!(l.contended, "{l:?}");
        assert!(l.reasons[0].contains("0.45 CPUs"), "{:?}", l.reasons);
        // The same window with the worker using all of it: quiet.
        let l = between(&b, &a, Some(18.4), &Thresholds::DEFAULT);
        assert!(!l.contended, "{l:?}");
        // Steal alone.
        let a = snap(1000, 800, 200, 1.0, t1);
        let l = between(&b, &a, Some(10.0), &Thresholds::DEFAULT);
        assert!(l.contended && l.reasons[0].contains("stolen"), "{l:?}");
    }

    #[test]
    fn no_counters_no_judgement() {
        let t0 = std::time::Instant::now();
        let b = Snapshot {
            ticks: None,
            own_cpu_s: 0.0,
            load1: None,
            at: t0,
        };
        let l = between(&b, &b, None, &Thresholds::DEFAULT);
        assert_eq!(l.other_cpu_cores, None);
        assert!(!l.contended);
    }

    #[test]
    fn bandwidth_below_three_quarters_of_the_best_is_contended() {
        let th = Thresholds::DEFAULT;
        assert_eq!(bandwidth_reason(40.0, 46.5, &th), None);
        let r = bandwidth_reason(27.9, 46.5, &th).unwrap_or_default();
        assert!(r.contains("60 %"), "{r}");
    }

    /// A real busy loop in another process reads as about one CPU of other work.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_real_busy_process_is_seen() {
        let mut hog = std::process::Command::new("sh")
            .args(["-c", "while :; do :; done"])
            .spawn()
            .expect("spawn a busy loop");
        std::thread::sleep(std::time::Duration::from_millis(300));
        let l = sample_idle(std::time::Duration::from_secs(2), &Thresholds::DEFAULT);
        let _ = hog.kill();
        let _ = hog.wait();
        let other = l.other_cpu_cores.unwrap_or(0.0);
        assert!(
            other > 0.6,
            "a busy loop should read ≈ 1 CPU, read {other:.2}: {l:?}"
        );
        assert!(l.contended, "{l:?}");
    }
}
