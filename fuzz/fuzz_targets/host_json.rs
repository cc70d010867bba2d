//! The host.json reader (`store::parse_json::<Host>`) on arbitrary bytes: errors name
//! the file, line and column; never a panic.

#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use lfmbench::measure::host::Host;
use lfmbench::store;

fuzz_target!(|data: &[u8]| {
    match store::parse_json::<Host>(Path::new("host.json"), data) {
        Ok(h) => {
            let _ = format!("{h:?}");
        }
        Err(e) => {
            let _ = format!("{e:#}");
        }
    }
});
