//! Page-cache control: drop a model file's pages before a cold start and check how much
//! of it is still resident, so "cold" is a measured fact, not a hope; and settle a file
//! before a bench process, so every model's file is cached the same way.
//!
//! Why settling matters: with mmap, how a file's pages sit in the page cache changes
//! decode speed. Measured on this project's 2-core Linux VM (ext4, large folios), one
//! Gemma3-270M file in llama-bench, tg64, 1 thread: a byte-identical copy just written
//! decoded 8-12% faster than the original, and a freshly generated twin up to 20%
//! faster than the same bytes cached long before; dropped and read back sequentially,
//! the original and its copy agreed within 1%. A comparison of two models whose files
//! have different histories (one just generated, one downloaded last week) would measure
//! the page cache, not the models.
//!
//! Two runs at once: nothing here writes a file (it opens read-only, advises, maps and
//! reads), so a second process probing or settling the same model cannot corrupt
//! anything. It can disturb a measurement: pages another process maps are not dropped,
//! so a cold start next to a run that has the file mapped is not cold — which is why each
//! cold start stores the resident fraction measured just before it, and the report counts
//! starts that were not really cold.

use std::fs::File;
use std::path::Path;

use crate::sample::{PageCache, Settle};

/// Ask the OS to drop `path`'s pages from the page cache.
///
/// Linux: `posix_fadvise(POSIX_FADV_DONTNEED)` after `fdatasync`; it drops clean pages
/// that no process maps. Other platforms have no unprivileged way: the result says so.
pub fn drop_file(path: &Path) -> PageCache {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let f = match File::open(path) {
            Ok(f) => f,
            Err(e) => {
                return PageCache::NotDropped {
                    reason: format!("cannot open {}: {e}", path.display()),
                };
            }
        };
        // Dirty pages (a twin just written) are not dropped: write them out first.
        let _ = f.sync_data();
        // SAFETY: a valid open descriptor.
        let r = unsafe { libc::posix_fadvise(f.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED) };
        if r != 0 {
            return PageCache::NotDropped {
                reason: format!(
                    "posix_fadvise failed: {}",
                    std::io::Error::from_raw_os_error(r)
                ),
            };
        }
        PageCache::Dropped
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (path, File::open(path));
        PageCache::NotDropped {
            reason: format!(
                "{} has no unprivileged call to drop one file from the page cache (macOS needs `sudo purge`); this start ran with whatever was cached",
                std::env::consts::OS
            ),
        }
    }
}

/// Drop `path` from the page cache, then read it back sequentially in one pass (what a
/// process that loads the file from storage leaves behind), so the next process maps it
/// in the same state whatever the file's history.
pub fn settle_file(path: &Path) -> Settle {
    let dropped = drop_file(path);
    let read = File::open(path).and_then(|f| {
        let mut r = std::io::BufReader::with_capacity(4 << 20, f);
        std::io::copy(&mut r, &mut std::io::sink())
    });
    match (dropped, read) {
        (_, Err(e)) => Settle::ReadBack {
            reason: format!("cannot read {} back: {e}", path.display()),
        },
        (PageCache::NotDropped { reason }, Ok(_)) => Settle::ReadBack { reason },
        (_, Ok(_)) => Settle::Settled,
    }
}

/// Fraction of `path`'s pages resident in memory now (mincore), if it can be told.
pub fn resident_fraction(path: &Path) -> Option<f64> {
    let f = File::open(path).ok()?;
    let len = f.metadata().ok()?.len() as usize;
    if len == 0 {
        return Some(0.0);
    }
    #[cfg(unix)]
    {
        use std::os::fd::AsRawFd;
        // SAFETY: sysconf has no preconditions.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as usize;
        // SAFETY: mapping a file we opened read-only, length from its metadata.
        let addr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ,
                libc::MAP_SHARED,
                f.as_raw_fd(),
                0,
            )
        };
        if addr == libc::MAP_FAILED {
            return None;
        }
        let pages = len.div_ceil(page);
        let mut vec = vec![0u8; pages];
        // SAFETY: addr/len come from mmap above; vec has one byte per page.
        let r = unsafe { libc::mincore(addr, len, vec.as_mut_ptr().cast()) };
        // SAFETY: unmapping what we mapped.
        unsafe { libc::munmap(addr, len) };
        if r != 0 {
            return None;
        }
        let resident = vec.iter().filter(|b| **b & 1 == 1).count();
        Some(resident as f64 / pages as f64)
    }
    #[cfg(not(unix))]
    {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[cfg(target_os = "linux")]
    #[test]
    fn dropping_a_written_file_empties_its_residency() {
        let mut f = tempfile::NamedTempFile::new().expect("tmp");
        f.write_all(&vec![7u8; 1 << 20]).expect("write");
        f.as_file().sync_all().expect("sync");
        assert_eq!(drop_file(f.path()), PageCache::Dropped);
        let after = resident_fraction(f.path()).expect("mincore");
        assert!(after < 0.5, "still resident after drop: {after}");
        let _ = std::fs::read(f.path()).expect("read back");
        let warm = resident_fraction(f.path()).expect("mincore");
        assert!(warm > 0.9, "not resident after reading: {warm}");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_settled_file_is_fully_resident() {
        let mut f = tempfile::NamedTempFile::new().expect("tmp");
        f.write_all(&vec![7u8; 3 << 20]).expect("write");
        assert_eq!(settle_file(f.path()), Settle::Settled);
        let warm = resident_fraction(f.path()).expect("mincore");
        assert!(warm > 0.99, "not resident after settling: {warm}");
        let gone = settle_file(Path::new("/nonexistent/model.gguf"));
        assert!(
            matches!(gone, Settle::ReadBack { reason } if reason.contains("/nonexistent/model.gguf"))
        );
    }
}
