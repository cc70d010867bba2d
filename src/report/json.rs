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
    /// The run's id; for pooled runs, their ids joined by " + ".
    run: &'a str,
    /// The runs pooled into this verdict.
    runs: &'a [String],
    machine: &'a str,
    /// `host.json` `label`.
    label: &'a str,
    /// Why these runs are not pooled with other runs of the same label.
    #[serde(skip_serializing_if = "Option::is_none")]
    apart: Option<&'a str>,
    /// What the verdict rests on besides its models.
    rests_on: RestsOn<'a>,
    /// The device class the machine was judged as (`null`: none matched, the suite's own
    /// targets applied).
    device_class: Option<&'a str>,
    verdict: &'a Verdict,
    completeness: &'a Completeness,
}

#[derive(Serialize)]
struct RestsOn<'a> {
    models: String,
    engine: &'a str,
    instruction_sets: &'a str,
    host: String,
    gpu_offload_requested: String,
    gpu_offload_achieved: String,
    rounds: &'a str,
}

/// Pretty JSON with a trailing newline.
pub fn render(views: &[RunView<'_>]) -> anyhow::Result<String> {
    let doc = Document {
        decision: super::worst(views),
        runs: views
            .iter()
            .map(|v| RunDoc {
                run: &v.run.meta.id,
                runs: &v.runs,
                machine: &v.machine,
                label: &v.label,
                apart: v.apart.as_deref(),
                rests_on: RestsOn {
                    models: v.verdict.basis(),
                    engine: &v.basis.engine,
                    instruction_sets: &v.basis.isa,
                    host: v.basis.quiet.text(),
                    gpu_offload_requested: v.basis.offload.requested_text(),
                    gpu_offload_achieved: v.basis.offload.achieved_text(),
                    rounds: &v.basis.rounds,
                },
                device_class: v.device.class.as_deref(),
                verdict: &v.verdict,
                completeness: &v.completeness,
            })
            .collect(),
    };
    let mut s = serde_json::to_string_pretty(&doc)?;
    s.push('\n');
    Ok(s)
}
