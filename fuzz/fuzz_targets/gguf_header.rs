//! The GGUF header reader on arbitrary bytes: hostile counts, lengths, types and
//! offsets must give errors, never a panic, a hang or a huge allocation. The reader runs
//! over the bytes in memory (`gguf::reader::parse`), then the summary every command
//! shows (`gguf::info_of`) is taken from whatever parsed.

#![no_main]

use libfuzzer_sys::fuzz_target;
use lfmbench::gguf;

fuzz_target!(|data: &[u8]| {
    match gguf::reader::parse(data, data.len() as u64) {
        Ok(g) => {
            if let Err(e) = gguf::info_of(&g) {
                let _ = (e.to_string(), e.help());
            }
        }
        Err(e) => {
            let _ = (e.to_string(), e.help());
        }
    }
});
