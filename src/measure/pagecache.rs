//! Page-cache control for cold starts: drop a model file's pages before a start, and
//! check how much of it is still resident, so "cold" is a measured fact, not a hope.

use std::fs::File;
use std::path::Path;

use crate::sample::PageCache;

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
}
