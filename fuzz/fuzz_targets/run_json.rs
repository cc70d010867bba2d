//! The run.json reader (`store::parse_meta`) on arbitrary bytes: another version's
//! schema, a torn write, binary junk must give an error naming the file and its line,
//! never a panic. What parses is used as `report` and `--resume` use it.

#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use lfmbench::store;

fuzz_target!(|data: &[u8]| {
    match store::parse_meta(Path::new("run.json"), data) {
        Ok(meta) => {
            let _ = format!("{meta:?}");
            let _ = meta.models.iter().filter(|m| meta.twins.contains_key(*m)).count();
        }
        Err(e) => {
            let _ = format!("{e:#}");
        }
    }
});
