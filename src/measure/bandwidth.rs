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
//! **It must not inflate the workers' peak RSS.** On Linux a child started with
//! `vfork`/`posix_spawn` (as `std::process::Command` does) takes over the parent's
//! high-water RSS at `exec`, and `wait4` reports that as the child's `ru_maxrss`. A
//! probe that touched 256 MiB in the runner would make every worker look at least that
//! big. So the buffer is an explicit `mmap`, unmapped after the passes, and the
//! runner's high-water mark is then reset to its current RSS by writing `5` to
//! `/proc/self/clear_refs` (Linux ≥ 4.0). Where that file cannot be written, the probe
//! is not run at all (no bandwidth, honest memory figures).
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

/// An anonymous private mapping, unmapped on drop (so its pages really leave the
/// process, whatever the allocator would have kept).
struct Mapping {
    ptr: *mut u8,
    len: usize,
}

impl Mapping {
    fn new(len: usize) -> Option<Mapping> {
        // SAFETY: a fresh anonymous mapping; no file, no fixed address.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANON,
                -1,
                0,
            )
        };
        (p != libc::MAP_FAILED).then_some(Mapping { ptr: p.cast(), len })
    }
    fn as_mut_slice(&mut self) -> &mut [u8] {
        // SAFETY: ptr/len describe a live read-write mapping owned by self.
        unsafe { std::slice::from_raw_parts_mut(self.ptr, self.len) }
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: unmapping exactly what `new` mapped.
        unsafe { libc::munmap(self.ptr.cast(), self.len) };
    }
}

/// Where the runner's peak RSS can be reset after the probe (Linux); `None` elsewhere.
#[cfg(target_os = "linux")]
fn open_clear_refs() -> Result<Option<std::fs::File>, std::io::Error> {
    std::fs::OpenOptions::new()
        .write(true)
        .open("/proc/self/clear_refs")
        .map(Some)
}

#[cfg(not(target_os = "linux"))]
fn open_clear_refs() -> Result<Option<std::fs::File>, std::io::Error> {
    Ok(None)
}

/// Measure with `threads` threads over `bytes` bytes.
pub fn measure(threads: usize, bytes: usize) -> Option<Probe> {
    let threads = threads.max(1);
    let chunk = (bytes / threads).max(4096);
    let mut map = Mapping::new(chunk * threads)?;
    let buf = map.as_mut_slice();
    buf.fill(1);
    let buf: &[u8] = buf;
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
    let buffer_bytes = buf.len();
    drop(map);
    (best.is_finite() && best > 0.0).then_some(Probe {
        gbps: best,
        buffer_bytes,
        threads,
    })
}

/// The probe as `lfmbench run` uses it: all physical cores, rounded to 0.1 GB/s, and
/// this process's peak RSS reset afterwards (see the module documentation). `None`
/// when the probe could not run or its peak could not be reset.
pub fn probe_gbps() -> Option<f64> {
    use std::io::Write;
    let mut clear_refs = open_clear_refs().ok()?;
    let threads = super::host::physical_cores();
    let memory = sysinfo::System::new()
        .ok()
        .map(|mut s| {
            s.refresh_memory();
            s.total_memory()
        })
        .unwrap_or(0);
    let probe = measure(threads, buffer_bytes(threads, memory));
    if let Some(f) = clear_refs.as_mut() {
        // "5" resets the peak RSS to the current RSS (proc(5), clear_refs).
        f.write_all(b"5").ok()?;
    }
    probe.map(|p| (p.gbps * 10.0).round() / 10.0)
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

    #[cfg(target_os = "linux")]
    #[test]
    fn the_probe_leaves_the_peak_rss_where_it_was() {
        let before = crate::measure::rss::own_peak_rss_bytes().expect("rusage");
        let gbps = probe_gbps().expect("probe");
        assert!(gbps > 0.0);
        let hwm = std::fs::read_to_string("/proc/self/status").expect("status");
        let kb: u64 = hwm
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmHWM");
        // 256 MiB were touched; the high-water mark must not keep them.
        assert!(
            kb * 1024 < before.max(64 << 20) + (64 << 20),
            "VmHWM {kb} kB after the probe (peak before: {before} B)"
        );
    }

    #[test]
    fn a_small_probe_reports_a_positive_rate() {
        // Small buffer: this checks the mechanics, not the machine.
        let p = measure(2, 8 * MIB).expect("probe");
        assert!(p.gbps > 0.0 && p.buffer_bytes == 8 * MIB && p.threads == 2);
    }
}
