//! The GGUF header reader on arbitrary bytes: hostile counts, lengths, types and
//! offsets must give errors, never a panic, a hang or a huge allocation.
//!
//! `read_info` takes a path, so each input is written to one private file first.

#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

fn file() -> &'static PathBuf {
    static FILE: OnceLock<PathBuf> = OnceLock::new();
    FILE.get_or_init(|| {
        std::env::temp_dir().join(format!("lfmbench-fuzz-gguf-{}.gguf", std::process::id()))
    })
}

fuzz_target!(|data: &[u8]| {
    if std::fs::write(file(), data).is_ok() {
        if let Err(e) = lfmbench::gguf::read_info(file()) {
            let _ = format!("{e:#}");
        }
    }
});
