//! The samples.jsonl reader (`store::parse_lines::<Record>`) on arbitrary bytes: bad
//! lines (junk, another schema, a torn last line, an over-long line) are skipped with a
//! warning that names the file and the line, never a panic. What parses is grouped as
//! every statistic groups it (`MetricName::values_by_round` for each metric the records
//! name) and summarised as the end-of-run table does.

#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use lfmbench::metric::MetricName;
use lfmbench::report::view::metric_list;
use lfmbench::sample::Record;
use lfmbench::store;

fuzz_target!(|data: &[u8]| {
    let mut warnings = Vec::new();
    let mut records: Vec<Record> = Vec::new();
    let r = store::parse_lines(data, Path::new("samples.jsonl"), &mut warnings, |x| {
        records.push(x)
    });
    if let Err(e) = r {
        let _ = format!("{e:#}");
    }
    for w in &warnings {
        assert!(
            w.starts_with("samples.jsonl"),
            "a warning that does not name its file: {w}"
        );
    }
    let mut models: Vec<&str> = records.iter().map(|r| r.model.as_str()).collect();
    models.sort_unstable();
    models.dedup();
    for (metric, _) in metric_list(&records)
        .into_iter()
        .chain([(MetricName::IntegrationValidFraction, String::new())])
    {
        for m in &models {
            let by_round = metric.values_by_round(&records, m);
            let _ = lfmbench::stats::Rounds::new(by_round);
        }
    }
});
