//! Which device class a machine belongs to (`config::device`), why, and what that changes:
//! the targets its class overrides and the criteria it adds. The verdict of the machine is
//! computed on the suite as its class applies it; a machine matching no class keeps the
//! suite's own targets, and says so.

use crate::config::{ConfigError, DeviceClass, Devices, Suite};
use crate::measure::host::Host;
use crate::store::StoredRun;

/// A machine's class and what it changes.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceFit {
    /// The class matched; `None`: no class, the suite's targets apply.
    pub class: Option<String>,
    /// What matched (a class), or each class's first mismatch (none).
    pub why: Vec<String>,
    /// (criterion, the suite's target, the class's target) where they differ.
    pub overrides: Vec<(String, f64, f64)>,
    /// Criteria the class adds.
    pub added: Vec<String>,
    /// Where the classes were read: "the run's suite.toml" or the `--devices` file.
    pub source: String,
}

/// The GPU devices the engine listed (engine.json `devices` of a GPU kind), each as
/// "name description (backend)" so that a class's `gpu` pattern can name any of them;
/// none when the engine could not offload.
pub fn gpus(engine: &serde_json::Value) -> Vec<String> {
    if engine.get("gpu_offload").and_then(|x| x.as_bool()) == Some(false) {
        return Vec::new();
    }
    let devices: Vec<crate::device::Device> = engine
        .get("devices")
        .and_then(|d| serde_json::from_value(d.clone()).ok())
        .unwrap_or_default();
    devices
        .iter()
        .filter(|d| d.kind.is_gpu())
        .map(|d| format!("{} {} ({})", d.name, d.description, d.backend))
        .collect()
}

/// The classes in effect for a run: `devices` (from `--devices`), else the run's own suite.
pub fn classes_for(run: &StoredRun, devices: Option<&Devices>) -> Devices {
    match devices {
        Some(d) => d.clone(),
        None => Devices {
            file: run.dir.join("suite.toml"),
            text: run.suite_text.clone(),
            classes: run.suite.devices.clone(),
        },
    }
}

/// Check the classes against a run and its machine: targets naming the run's criteria,
/// and the machine in at most one class (file:line errors).
pub fn check(run: &StoredRun, devices: &Devices, machine: &str) -> Result<(), ConfigError> {
    crate::config::device::validate(
        &devices.file,
        &devices.text,
        &devices.classes,
        Some(&run.suite.criteria),
    )?;
    let hits = devices.matching(&run.host, &gpus(&run.engine));
    if hits.len() > 1 {
        return Err(devices.overlap_error(machine, &hits));
    }
    Ok(())
}

/// The machine's class (the first that matches: `check` refuses several), the suite as it
/// judges the machine, and the fit in words.
/// `source`: where the classes were read, in words.
pub fn fit(
    host: &Host,
    engine: &serde_json::Value,
    suite: &Suite,
    devices: &Devices,
    source: String,
) -> (Suite, DeviceFit) {
    let g = gpus(engine);
    let hit: Option<(&DeviceClass, Vec<String>)> = devices.matching(host, &g).into_iter().next();
    match hit {
        Some((c, why)) => {
            let applied = c.apply(suite);
            let overrides = suite
                .criteria
                .iter()
                .filter_map(|k| {
                    let t = c.targets.get(&k.name)?;
                    (*t != k.target).then(|| (k.name.clone(), k.target, *t))
                })
                .collect();
            (
                applied,
                DeviceFit {
                    class: Some(c.name.clone()),
                    why,
                    overrides,
                    added: c.criteria.iter().map(|k| k.name.clone()).collect(),
                    source,
                },
            )
        }
        None => (
            suite.clone(),
            DeviceFit {
                class: None,
                why: devices
                    .classes
                    .iter()
                    .filter_map(|c| {
                        c.rule
                            .check(host, &g)
                            .err()
                            .map(|e| format!("not `{}`: {e}", c.name))
                    })
                    .collect(),
                overrides: Vec::new(),
                added: Vec::new(),
                source,
            },
        ),
    }
}

/// Whether a model loads and generates on a machine, from its records.
#[derive(Debug, Clone, PartialEq)]
pub struct Compat {
    pub model: String,
    /// "published file" or "shape twin of …".
    pub file: String,
    /// Rounds with any sample (it loaded), and rounds recorded as failed.
    pub loaded_rounds: usize,
    pub failed_rounds: usize,
    /// The first failure's reason, when some round failed.
    pub first_failure: Option<String>,
    /// Valid generations (chat answers with a token, full decodes) of all generations.
    pub generated: usize,
    pub generations: usize,
}

/// [`Compat`] of `model` in `run`.
pub fn compat(run: &StoredRun, model: &str) -> Compat {
    use crate::sample::Body;
    let mut loaded: Vec<u32> = Vec::new();
    let mut failed: Vec<u32> = Vec::new();
    let mut first_failure = None;
    let (mut generated, mut generations) = (0, 0);
    for r in run.records.iter().filter(|r| r.model == model) {
        match &r.body {
            Body::Failure(f) => {
                failed.push(r.round);
                first_failure.get_or_insert_with(|| format!("{}: {}", f.stage, f.reason));
            }
            other => {
                loaded.push(r.round);
                let ok = match other {
                    Body::Chat(c) => Some(c.valid),
                    Body::Decode(d) => Some(d.valid),
                    _ => None,
                };
                if let Some(ok) = ok {
                    generations += 1;
                    generated += usize::from(ok);
                }
            }
        }
    }
    for v in [&mut loaded, &mut failed] {
        v.sort_unstable();
        v.dedup();
    }
    Compat {
        model: model.to_string(),
        file: match run.twin_of(model) {
            Some(of) => format!("shape twin of {of}"),
            None => "published file".into(),
        },
        loaded_rounds: loaded.len(),
        failed_rounds: failed.len(),
        first_failure,
        generated,
        generations,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gpus_are_the_engines_gpu_devices_by_name_description_and_backend() {
        let engine = serde_json::json!({
            "gpu_offload": true,
            "devices": [
                {"name": "CUDA0", "description": "NVIDIA H200", "backend": "CUDA", "kind": "gpu"},
                {"name": "CPU", "description": "AMD EPYC", "backend": "CPU", "kind": "cpu"}
            ]
        });
        assert_eq!(gpus(&engine), ["CUDA0 NVIDIA H200 (CUDA)"]);
        let mut off = engine.clone();
        off["gpu_offload"] = false.into();
        assert!(gpus(&off).is_empty());
        assert!(gpus(&serde_json::Value::Null).is_empty());
    }
}
