//! The GGUF header reader on arbitrary bytes: hostile counts, lengths, types and
//! offsets must give errors, never a panic, a hang or a huge allocation. The reader runs
//! over the bytes in memory (`gguf::reader::parse`), then the summary every command
//! shows (`gguf::info_of`) is taken from whatever parsed, and the pre-flight's check of
//! a runnable model (`gguf::runnable::check`: weights per architecture, vocabulary
//! against the embedding) runs on it.

#![no_main]

use libfuzzer_sys::fuzz_target;
use lfmbench::gguf;

fuzz_target!(|data: &[u8]| {
    match gguf::reader::parse(data, data.len() as u64) {
        Ok(g) => match gguf::info_of(&g) {
            Ok(info) => {
                if let Err(e) = gguf::runnable::check(&g, &info.architecture) {
                    let _ = (e.to_string(), e.help());
                }
            }
            Err(e) => {
                let _ = (e.to_string(), e.help());
            }
        },
        Err(e) => {
            let _ = (e.to_string(), e.help());
        }
    }
});
