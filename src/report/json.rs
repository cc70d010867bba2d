//! `--format json`: the verdict of every run as one JSON document on stdout, for CI.

use serde::Serialize;

use crate::report::view::RunView;
use crate::verdict::{Completeness, Decision, Verdict};

#[derive(Serialize)]
struct Document<'a> {
    /// The worst decision over the runs (NO-GO > INCONCLUSIVE > CONDITIONAL > GO).
    decision: Decision,
    runs: Vec<RunDoc<'a>>,
}

#[derive(Serialize)]
struct RunDoc<'a> {
    run: &'a str,
    machine: &'a str,
    verdict: &'a Verdict,
    completeness: &'a Completeness,
}

/// Pretty JSON with a trailing newline.
pub fn render(views: &[RunView<'_>]) -> anyhow::Result<String> {
    let doc = Document {
        decision: super::worst(views),
        runs: views
            .iter()
            .map(|v| RunDoc {
                run: &v.run.meta.id,
                machine: &v.machine,
                verdict: &v.verdict,
                completeness: &v.completeness,
            })
            .collect(),
    };
    let mut s = serde_json::to_string_pretty(&doc)?;
    s.push('\n');
    Ok(s)
}
