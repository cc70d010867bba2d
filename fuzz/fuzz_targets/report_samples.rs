//! The report over whatever samples.jsonl holds: the records `store::parse_lines` reads
//! from arbitrary bytes, whatever their values (huge, negative, zero, empty lists, odd
//! rounds and depths), go through the statistics, verdict, summary table, markdown,
//! terminal and JSON renderers and the charts, none of which may panic. The run around
//! the records is the smoke fixture's (tests/fixtures/runs/smoke). Slow per input (every
//! interval is a 10 000-resample bootstrap, every chart a PNG): `samples_jsonl` fuzzes
//! the reader itself at full speed.

#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use lfmbench::report;
use lfmbench::sample::Record;
use lfmbench::store::{self, StoredRun};

/// Records beyond this are dropped: the report's cost grows with them, and a few
/// records already reach every statistic.
const MAX_RECORDS: usize = 64;

fn fixture() -> &'static StoredRun {
    static RUN: OnceLock<StoredRun> = OnceLock::new();
    RUN.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/runs/smoke");
        store::load(&dir).expect("the smoke fixture run").without_samples()
    })
}

fuzz_target!(|data: &[u8]| {
    let mut warnings = Vec::new();
    let mut records: Vec<Record> = Vec::new();
    let r = store::parse_lines(data, Path::new("samples.jsonl"), &mut warnings, |x| {
        if records.len() < MAX_RECORDS {
            records.push(x)
        }
    });
    if let Err(e) = r {
        let _ = format!("{e:#}");
        return;
    }
    if records.is_empty() {
        return;
    }
    let mut run = fixture().clone();
    run.records = records;
    run.warnings = warnings;
    let _ = store::summary::table(&run).to_string();
    let pools = report::pools(std::slice::from_ref(&run));
    let views = report::views(&pools);
    let _ = report::terminal::render(&views, false);
    let _ = report::json::render(&views);
    if let Ok(f) = report::findings(&views) {
        let _ = (f.markdown.len(), f.charts.len());
    }
});
