//! Memory read bandwidth, measured once per run and stored in host.json, so the report
//! can set each model's decode speed beside its memory-bound ceiling (a roofline).
//!
//! **Method.** A buffer well beyond the last-level cache (64 MiB per thread, at least
//! 256 MiB, at most 1 GiB and a quarter of RAM) is filled with ones (so every page is
//! really backed; untouched zero pages would all map to one cached page), split into one
//! slice per physical core, and each thread scans its slice with `memchr` for a byte that
//! is not there. libc's `memchr` is vectorised in every build of libc, so the probe
//! reads at memory speed even in an unoptimised lfmbench build, where a Rust loop would
//! measure the CPU instead. Ten passes; the best one counts (the least disturbed by
//! other processes). Bytes read ÷ wall time of the pass, in GB/s (10⁹ bytes). It takes
//! well under a second.
//!
//! **What it is not.** A read-only streaming figure: the best a decode step can do is
//! read every weight once at this speed. Writes, the KV cache and compute are ignored,
//! so real decode stays below the bound.

use std::time::Instant;

const MIB: usize = 1 << 20;
const PASSES: usize = 10;

/// What the probe measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Probe {
    pub gbps: f64,
    pub buffer_bytes: usize,
    pub threads: usize,
}

/// Buffer size for `threads` threads on a machine with `memory_bytes` of RAM.
pub fn buffer_bytes(threads: usize, memory_bytes: u64) -> usize {
    let want = (threads.max(1) * 64 * MIB).clamp(256 * MIB, 1024 * MIB);
    let quarter = usize::try_from(memory_bytes / 4).unwrap_or(usize::MAX);
    if memory_bytes == 0 {
        want
    } else {
        want.min(quarter).max(16 * MIB)
    }
}

/// Scan `slice` for a byte it does not hold; returns whether it was found (never).
fn scan(slice: &[u8]) -> bool {
    // SAFETY: pointer and length come from a valid slice.
    let p = unsafe { libc::memchr(slice.as_ptr().cast(), 0, slice.len()) };
    !p.is_null()
}

/// Measure with `threads` threads over `bytes` bytes.
pub fn measure(threads: usize, bytes: usize) -> Option<Probe> {
    let threads = threads.max(1);
    let chunk = (bytes / threads).max(4096);
    let buf = vec![1u8; chunk * threads];
    let mut best = 0.0f64;
    for _ in 0..PASSES {
        let t0 = Instant::now();
        let found = std::thread::scope(|s| {
            let handles: Vec<_> = buf
                .chunks(chunk)
                .map(|c| s.spawn(move || scan(std::hint::black_box(c))))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or(true))
                .fold(false, |a, b| a | b)
        });
        let secs = t0.elapsed().as_secs_f64();
        if found || secs <= 0.0 {
            return None;
        }
        best = best.max(buf.len() as f64 / secs / 1e9);
    }
    (best.is_finite() && best > 0.0).then_some(Probe {
        gbps: best,
        buffer_bytes: buf.len(),
        threads,
    })
}

/// The probe as `lfmbench run` uses it: all physical cores, rounded to 0.1 GB/s.
pub fn probe_gbps() -> Option<f64> {
    let threads = super::host::physical_cores();
    let memory = sysinfo::System::new()
        .ok()
        .map(|mut s| {
            s.refresh_memory();
            s.total_memory()
        })
        .unwrap_or(0);
    measure(threads, buffer_bytes(threads, memory)).map(|p| (p.gbps * 10.0).round() / 10.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffer_is_beyond_caches_but_bounded() {
        assert_eq!(buffer_bytes(2, 24 << 30), 256 * MIB);
        assert_eq!(buffer_bytes(8, 24 << 30), 512 * MIB);
        assert_eq!(buffer_bytes(64, 24 << 30), 1024 * MIB);
        assert_eq!(buffer_bytes(2, 512 * MIB as u64), 128 * MIB);
        assert_eq!(buffer_bytes(2, 0), 256 * MIB);
    }

    #[test]
    #[ignore = "prints the full probe; run by hand"]
    fn full_probe_prints() {
        let t = Instant::now();
        let threads = crate::measure::host::physical_cores();
        let p = measure(threads, buffer_bytes(threads, 24 << 30));
        eprintln!("{p:?} in {:.3} s", t.elapsed().as_secs_f64());
    }

    #[test]
    fn a_small_probe_reports_a_positive_rate() {
        // Small buffer: this checks the mechanics, not the machine.
        let p = measure(2, 8 * MIB).expect("probe");
        assert!(p.gbps > 0.0 && p.buffer_bytes == 8 * MIB && p.threads == 2);
    }
}
