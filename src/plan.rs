//! Suite × models × rounds → the ordered list of worker jobs.
//!
//! Rounds are interleaved across models (A B C A B C …) so that the drift of a noisy
//! machine (thermal, background load) spreads evenly over the models instead of
//! favouring whichever ran first. Within a round, a model's cold starts run first (page
//! cache dropped, then warm), then its bench process at the named point, then — in the
//! first round only, unless a workload says `every_round` — its quality workloads in a
//! process of their own, then one process per decode depth of a depth sweep (its context
//! sized to the depth, so that its peak RSS is the memory of that depth), then one per
//! sweep point of the backend settings (`crate::config::sweep`), then its sustained decode.
//!
//! A shape twin runs no quality workload and its chat prompts carry no expectation: its
//! weights are random, so every quality metric is NOT MEASURED for it
//! ([`quality_not_measured`]), never a number. A model behind an http server gives no
//! logits: no perplexity.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::config::{BackendKind, ChatPrompt, Loaded, Resolved, Workload, sweep};
use crate::metric::MetricName;
use crate::protocol::{Job, JobKey, Part};
use crate::sample::{NotMeasured, Point};

/// A model that passed the pre-flight checks.
#[derive(Debug, Clone)]
pub struct ReadyModel {
    pub id: String,
    pub path: PathBuf,
    /// The architecture the file is a shape twin of, from its own GGUF metadata
    /// (`lfmbench.twin.of`), whatever models.toml calls it.
    pub twin_of: Option<String>,
    /// Why the model counts as a base model (not instruction-tuned), when it does: its
    /// chat answers are then shown as not meaningful.
    pub base_model: Option<String>,
    /// Sum of the file's tensor element counts (its parameters).
    pub n_params: Option<u64>,
    /// The file's quantization as its GGUF names it ("Q4_K_M").
    pub quant: Option<String>,
    /// Files of the other quantizations a sweep asks for (twins only), by name.
    pub quant_paths: Vec<(String, PathBuf)>,
}

impl ReadyModel {
    /// A model at `path` with nothing else known (tests, http models).
    pub fn at(id: &str, path: PathBuf) -> ReadyModel {
        ReadyModel {
            id: id.to_string(),
            path,
            twin_of: None,
            base_model: None,
            n_params: None,
            quant: None,
            quant_paths: Vec::new(),
        }
    }
}

/// One job with how to prepare for it.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedJob {
    pub key: JobKey,
    pub job: Job,
    /// Cold starts: `Some(true)` drop the page cache first, `Some(false)` leave it warm.
    pub drop_cache: Option<bool>,
}

pub fn plan(loaded: &Loaded, ready: &[ReadyModel]) -> Vec<PlannedJob> {
    let s = &loaded.suite.suite;
    let bench = bench_workloads(loaded);
    let cold_prompt = loaded.suite.workloads.iter().find_map(|w| match w {
        Workload::ColdStart { prompt } => Some(prompt.clone()),
        _ => None,
    });
    let mut out = Vec::new();
    for round in 0..s.rounds {
        for m in ready {
            let settings = loaded.settings_for(&m.id);
            let entry = loaded.model(&m.id);
            let backend = entry.map(|e| e.backend).unwrap_or_default();
            let http = entry
                .and_then(|e| e.http.clone())
                .filter(|_| backend == BackendKind::Http);
            // A server lfmbench does not start has no cold start to time (NOT MEASURED).
            let cold_prompt = cold_prompt.as_ref().filter(|_| {
                backend != BackendKind::Http
                    || http.as_ref().is_some_and(|h| h.start_command.is_some())
            });
            let job = |part: Part| Job {
                model: m.id.clone(),
                path: m.path.clone(),
                settings,
                chat_template: loaded.model(&m.id).and_then(|e| e.chat_template.clone()),
                round,
                warmup: s.warmup,
                part,
                backend,
                http: http.clone(),
                point: Point::default(),
            };
            let key = |part: &str| JobKey {
                model: m.id.clone(),
                round,
                part: part.into(),
            };
            if let Some(prompt) = cold_prompt {
                out.push(PlannedJob {
                    key: key("cold_start"),
                    job: job(Part::ColdStart {
                        prompt: prompt.clone(),
                    }),
                    drop_cache: Some(true),
                });
                out.push(PlannedJob {
                    key: key("cold_start_warm"),
                    job: job(Part::ColdStart {
                        prompt: prompt.clone(),
                    }),
                    drop_cache: Some(false),
                });
            }
            // A twin's chat text is random: nothing of it is judged, at any point.
            let bench = if m.twin_of.is_some() {
                without_expectations(&bench)
            } else {
                bench.clone()
            };
            let named: Vec<Workload> = bench
                .iter()
                .filter(|w| !is_depth_sweep(w))
                .cloned()
                .collect();
            if !named.is_empty() {
                out.push(PlannedJob {
                    key: key("bench"),
                    job: job(Part::Bench { workloads: named }),
                    drop_cache: None,
                });
            }
            let quality = quality_workloads(loaded, m, backend, round);
            if !quality.is_empty() {
                out.push(PlannedJob {
                    key: key("quality"),
                    job: job(Part::Quality { workloads: quality }),
                    drop_cache: None,
                });
            }
            for (depth, workloads) in per_depth(&bench) {
                let tokens = workloads
                    .iter()
                    .map(|w| match w {
                        Workload::Decode { tokens, .. } => *tokens,
                        _ => 0,
                    })
                    .max()
                    .unwrap_or(0);
                let n_ctx = depth.max(1) + tokens;
                let point = Point {
                    depth: Some(depth),
                    ..Point::default()
                };
                out.push(PlannedJob {
                    key: key(&format!("decode@{}", point.key())),
                    job: Job {
                        settings: Resolved {
                            n_ctx,
                            n_batch: settings.n_batch.min(n_ctx),
                            ..settings
                        },
                        point,
                        ..job(Part::Bench { workloads })
                    },
                    drop_cache: None,
                });
            }
            if backend == BackendKind::Llama {
                for (point, (settings, workloads)) in sweep_points(loaded, m, &settings, &bench) {
                    let path = match &point.quant {
                        Some(q) => match m
                            .quant_paths
                            .iter()
                            .find(|(n, _)| n.eq_ignore_ascii_case(q))
                        {
                            Some((_, p)) => p.clone(),
                            None => continue, // a file has one quantization
                        },
                        None => m.path.clone(),
                    };
                    out.push(PlannedJob {
                        key: key(&format!("bench@{}", point.key())),
                        job: Job {
                            path,
                            settings,
                            point,
                            ..job(Part::Bench { workloads })
                        },
                        drop_cache: None,
                    });
                }
            }
            for w in loaded
                .suite
                .workloads
                .iter()
                .filter(|_| backend == BackendKind::Llama)
            {
                if let Workload::Sustained {
                    duration_s,
                    window_s,
                    cooldown_s,
                    chunk,
                    rounds,
                    models,
                } = w
                    && round < *rounds
                    && (models.is_empty() || models.contains(&m.id))
                {
                    out.push(PlannedJob {
                        key: key("sustained"),
                        job: job(Part::Sustained {
                            duration_s: *duration_s,
                            window_s: *window_s,
                            cooldown_s: *cooldown_s,
                            chunk: *chunk,
                        }),
                        drop_cache: None,
                    });
                    break;
                }
            }
        }
    }
    out
}

/// A decode workload with more than one depth: each depth gets a process of its own.
fn is_depth_sweep(w: &Workload) -> bool {
    matches!(w, Workload::Decode { depths, .. } if depths.len() > 1)
}

/// The depths of the depth sweeps, each with the decodes to run at it (one depth each).
fn per_depth(bench: &[Workload]) -> BTreeMap<u32, Vec<Workload>> {
    let mut out: BTreeMap<u32, Vec<Workload>> = BTreeMap::new();
    for w in bench.iter().filter(|w| is_depth_sweep(w)) {
        if let Workload::Decode {
            tokens,
            depths,
            repetitions,
            ..
        } = w
        {
            for &d in depths {
                out.entry(d).or_default().push(Workload::Decode {
                    tokens: *tokens,
                    depths: vec![d],
                    repetitions: *repetitions,
                    sweep: None,
                });
            }
        }
    }
    out
}

/// The sweep points of one model, each with its settings and the workloads swept over
/// it, in the order the suite lists them.
fn sweep_points(
    loaded: &Loaded,
    m: &ReadyModel,
    named: &Resolved,
    bench: &[Workload],
) -> Vec<(Point, (Resolved, Vec<Workload>))> {
    let cores = crate::measure::host::physical_cores() as u32;
    let mut out: Vec<(Point, (Resolved, Vec<Workload>))> = Vec::new();
    for w in bench {
        let Some(sw) = w.sweep(loaded.suite.backend.sweep.as_ref()) else {
            continue;
        };
        for p in sweep::points(sw, named, m.quant.as_deref(), cores) {
            let w = w.clone();
            match out.iter_mut().find(|(q, _)| *q == p.point) {
                Some((_, (_, ws))) => ws.push(w),
                None => out.push((p.point, (p.settings, vec![w]))),
            }
        }
    }
    out
}

/// The quality workloads `m` runs in `round`: none on a shape twin; after the first round
/// only those marked `every_round`; no perplexity over http; a perplexity text's path
/// made absolute (it is relative to the suite; the worker runs elsewhere).
fn quality_workloads(
    loaded: &Loaded,
    m: &ReadyModel,
    backend: BackendKind,
    round: u32,
) -> Vec<Workload> {
    if m.twin_of.is_some() {
        return Vec::new();
    }
    loaded
        .suite
        .workloads
        .iter()
        .filter(|w| w.is_quality() && (round == 0 || w.every_round()))
        .filter(|w| !(backend == BackendKind::Http && matches!(w, Workload::Perplexity { .. })))
        .map(|w| match w {
            Workload::Perplexity { file, .. } => {
                let mut w = w.clone();
                if let Workload::Perplexity { file: f, .. } = &mut w {
                    let p = crate::config::questions::beside_suite(&loaded.suite_path, file);
                    *f = std::path::absolute(&p).unwrap_or(p);
                }
                w
            }
            _ => w.clone(),
        })
        .collect()
}

/// The bench workloads with every chat prompt's expectation dropped (for a shape twin,
/// whose text is random: nothing is judged).
fn without_expectations(workloads: &[Workload]) -> Vec<Workload> {
    workloads
        .iter()
        .map(|w| match w {
            Workload::Chat {
                max_tokens,
                prompts,
                repeat,
            } => Workload::Chat {
                max_tokens: *max_tokens,
                prompts: prompts
                    .iter()
                    .map(|p| ChatPrompt::plain(p.text.clone()))
                    .collect(),
                repeat: *repeat,
            },
            _ => w.clone(),
        })
        .collect()
}

/// Why a twin has no quality metric.
pub const RANDOM_WEIGHTS: &str = "random weights: a shape twin's answers and text scores say nothing about the real model's quality, so it is never judged on quality";

/// Why a model behind an http server has no perplexity.
pub const NO_LOGITS: &str = "served over http: a chat API gives no logits, so the text cannot be scored (perplexity and bits per byte are measured in-process only)";

/// The quality metrics of the suite that some ready models cannot have, and why: every one
/// for a shape twin, perplexity and bits per byte for a model behind an http server.
pub fn quality_not_measured(loaded: &Loaded, ready: &[ReadyModel]) -> Vec<NotMeasured> {
    let w = &loaded.suite.workloads;
    let judged = w.iter().any(|w| match w {
        Workload::Questions { .. } => true,
        Workload::Chat { prompts, .. } => prompts.iter().any(|p| p.expect.is_some()),
        _ => false,
    });
    let scored = w.iter().any(|w| matches!(w, Workload::Perplexity { .. }));
    let mut text_metrics = Vec::new();
    if scored {
        text_metrics.extend([
            MetricName::QualityBitsPerByte.name(),
            MetricName::QualityPerplexity.name(),
        ]);
    }
    let mut all = Vec::new();
    if judged {
        all.push(MetricName::QualityCorrectFraction.name());
    }
    all.extend(text_metrics.iter().cloned());
    let mut out = Vec::new();
    for m in ready {
        let backend = loaded.model(&m.id).map(|e| e.backend).unwrap_or_default();
        if m.twin_of.is_some() && !all.is_empty() {
            out.push(NotMeasured {
                model: m.id.clone(),
                metrics: all.clone(),
                reason: RANDOM_WEIGHTS.into(),
            });
        } else if backend == BackendKind::Http && !text_metrics.is_empty() {
            out.push(NotMeasured {
                model: m.id.clone(),
                metrics: text_metrics.clone(),
                reason: NO_LOGITS.into(),
            });
        }
    }
    out
}

/// Workloads of a suite that a bench process runs (cold start is its own process, so are
/// the quality workloads).
pub fn bench_workloads(loaded: &Loaded) -> Vec<Workload> {
    loaded
        .suite
        .workloads
        .iter()
        .filter(|w| {
            !matches!(w, Workload::ColdStart { .. } | Workload::Sustained { .. }) && !w.is_quality()
        })
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ModelsFile, Suite};

    fn loaded() -> Loaded {
        let suite: Suite = toml::from_str(
            r#"
[suite]
name = "t"
candidate = "a"
baseline = "b"
rounds = 2
[[workload]]
kind = "decode"
tokens = 8
[[workload]]
kind = "cold_start"
"#,
        )
        .expect("suite");
        let models: ModelsFile = toml::from_str(
            r#"
[[model]]
id = "a"
path = "a.gguf"
family = "x"
[[model]]
id = "b"
path = "b.gguf"
family = "x"
"#,
        )
        .expect("models");
        Loaded {
            suite_path: "s.toml".into(),
            suite_text: String::new(),
            suite,
            models_path: "models.toml".into(),
            models_text: String::new(),
            models,
        }
    }

    #[test]
    fn rounds_interleave_models_and_cold_starts_come_first() {
        let ready = vec![
            ReadyModel::at("a", "a.gguf".into()),
            ReadyModel::at("b", "b.gguf".into()),
        ];
        let jobs = plan(&loaded(), &ready);
        let order: Vec<String> = jobs
            .iter()
            .map(|j| format!("{}{}:{}", j.key.model, j.key.round, j.key.part))
            .collect();
        assert_eq!(
            order,
            [
                "a0:cold_start",
                "a0:cold_start_warm",
                "a0:bench",
                "b0:cold_start",
                "b0:cold_start_warm",
                "b0:bench",
                "a1:cold_start",
                "a1:cold_start_warm",
                "a1:bench",
                "b1:cold_start",
                "b1:cold_start_warm",
                "b1:bench",
            ]
        );
        assert!(jobs.iter().all(|j| match &j.job.part {
            Part::Bench { workloads } => workloads.iter().all(|w| w.kind() != "cold_start"),
            Part::ColdStart { .. } => j.drop_cache.is_some(),
            Part::Quality { .. } => false,
            Part::Sustained { .. } => false,
        }));
    }

    #[test]
    fn quality_runs_once_in_its_own_process_and_never_on_a_twin() {
        let mut l = loaded();
        l.suite_path = "suites/s.toml".into();
        let extra: Suite = toml::from_str(
            r#"
[suite]
name = "t"
candidate = "a"
baseline = "b"
[[workload]]
kind = "chat"
max_tokens = 8
prompts = [{ text = "Capital of France?", expect = "Paris" }, "Hello"]
[[workload]]
kind = "questions"
prompts = [{ text = "7 times 8?", expect = "56" }]
[[workload]]
kind = "perplexity"
file = "texts/t.txt"
sha256 = "00"
every_round = true
"#,
        )
        .expect("suite");
        l.suite.workloads.extend(extra.workloads);
        let ready = vec![
            ReadyModel::at("a", "a.gguf".into()),
            ReadyModel {
                twin_of: Some("qwen3-0.6b".into()),
                ..ReadyModel::at("b", "b.gguf".into())
            },
        ];
        let jobs = plan(&l, &ready);
        let quality: Vec<(String, u32, Vec<&str>)> = jobs
            .iter()
            .filter_map(|j| match &j.job.part {
                Part::Quality { workloads } => Some((
                    j.key.model.clone(),
                    j.key.round,
                    workloads.iter().map(|w| w.kind()).collect(),
                )),
                _ => None,
            })
            .collect();
        assert_eq!(
            quality,
            [
                ("a".to_string(), 0, vec!["questions", "perplexity"]),
                ("a".to_string(), 1, vec!["perplexity"]),
            ],
            "questions once, perplexity every round as asked; nothing for the twin"
        );
        for j in &jobs {
            match &j.job.part {
                Part::Bench { workloads } => {
                    assert!(workloads.iter().all(|w| !w.is_quality()), "{workloads:?}");
                    let Some(Workload::Chat { prompts, .. }) =
                        workloads.iter().find(|w| w.kind() == "chat")
                    else {
                        panic!("chat");
                    };
                    let judged = prompts.iter().any(|p| p.expect.is_some());
                    assert_eq!(judged, j.key.model == "a", "a twin's text is never judged");
                }
                Part::Quality { workloads } => {
                    for w in workloads {
                        if let Workload::Perplexity { file, .. } = w {
                            assert!(file.is_absolute(), "{file:?}");
                            assert!(file.ends_with("suites/texts/t.txt"), "{file:?}");
                        }
                    }
                }
                Part::ColdStart { .. } | Part::Sustained { .. } => {}
            }
        }
        let nm = quality_not_measured(&l, &ready);
        assert_eq!(nm.len(), 1, "{nm:?}");
        assert_eq!(nm[0].model, "b");
        assert_eq!(
            nm[0].metrics,
            [
                "quality.correct_fraction",
                "quality.bits_per_byte",
                "quality.perplexity"
            ]
        );
        assert!(
            nm[0].reason.starts_with("random weights"),
            "{}",
            nm[0].reason
        );
    }

    #[test]
    fn depth_and_setting_sweeps_get_processes_of_their_own() {
        let mut l = loaded();
        l.suite = toml::from_str(
            r#"
[suite]
name = "t"
candidate = "a"
baseline = "b"
rounds = 2
[backend]
threads = 2
n_ctx = 4096
n_batch = 256
sweep = { threads = [1, 2], quant = ["Q8_0"] }
[[workload]]
kind = "decode"
tokens = 64
depths = [0, 1024]
[[workload]]
kind = "prefill"
tokens = [64, 512]
sweep = { n_batch = [64, 256] }
[[workload]]
kind = "sustained"
duration_s = 10
window_s = 2
"#,
        )
        .expect("suite");
        let mut a = ReadyModel::at("a", "a.gguf".into());
        a.quant = Some("Q4_K_M".into());
        a.quant_paths = vec![("Q8_0".into(), "a-q8_0.gguf".into())];
        let mut b = ReadyModel::at("b", "b.gguf".into());
        b.quant = Some("Q4_K_M".into());
        let jobs = plan(&l, &[a, b]);
        let parts = |m: &str, round: u32| -> Vec<String> {
            jobs.iter()
                .filter(|j| j.key.model == m && j.key.round == round)
                .map(|j| j.key.part.clone())
                .collect()
        };
        assert_eq!(
            parts("a", 0),
            [
                "bench",
                "decode@depth=0",
                "decode@depth=1024",
                "bench@threads=1",
                "bench@quant=Q8_0",
                "bench@n_batch=64",
                "sustained"
            ]
        );
        // b is a file of one quantization: no Q8_0 point; sustained in round 0 only.
        assert_eq!(
            parts("b", 1),
            [
                "bench",
                "decode@depth=0",
                "decode@depth=1024",
                "bench@threads=1",
                "bench@n_batch=64"
            ]
        );
        let job = |part: &str| {
            &jobs
                .iter()
                .find(|j| j.key.model == "a" && j.key.part == part)
                .expect(part)
                .job
        };
        // A depth's process has a context sized to it and runs only that depth.
        let d = job("decode@depth=1024");
        assert_eq!(d.settings.n_ctx, 1024 + 64);
        assert_eq!(d.point.depth, Some(1024));
        assert!(matches!(&d.part, Part::Bench { workloads } if workloads.len() == 1));
        // The named bench runs the prefill, not the depth sweep.
        assert!(
            matches!(&job("bench").part, Part::Bench { workloads } if workloads.iter().all(|w| w.kind() == "prefill"))
        );
        // threads 1 runs decode (backend sweep); prefill has its own sweep (n_batch only).
        let t = job("bench@threads=1");
        assert_eq!(t.settings.threads, 1);
        assert!(
            matches!(&t.part, Part::Bench { workloads } if workloads.iter().map(|w| w.kind()).collect::<Vec<_>>() == ["decode"])
        );
        assert_eq!(job("bench@quant=Q8_0").path, PathBuf::from("a-q8_0.gguf"));
        let nb = job("bench@n_batch=64");
        assert_eq!((nb.settings.n_batch, nb.settings.threads), (64, 2));
        assert!(matches!(
            job("sustained").part,
            Part::Sustained {
                duration_s: 10,
                window_s: 2,
                ..
            }
        ));
    }

    #[test]
    fn http_models_carry_their_server_and_cold_start_only_when_started() {
        let mut l = loaded();
        let http: ModelsFile = toml::from_str(
            r#"
[[model]]
id = "a"
family = "x"
backend = "http"
http = { base_url = "http://127.0.0.1:8080" }
[[model]]
id = "b"
family = "x"
backend = "http"
http = { base_url = "http://127.0.0.1:8081", start_command = ["srv"] }
"#,
        )
        .expect("models");
        l.models = http;
        let ready = ["a", "b"].map(|id| ReadyModel::at(id, Default::default()));
        let jobs = plan(&l, &ready);
        let parts = |m: &str| -> Vec<String> {
            jobs.iter()
                .filter(|j| j.key.model == m && j.key.round == 0)
                .map(|j| j.key.part.clone())
                .collect()
        };
        assert_eq!(parts("a"), ["bench"], "a running server has no cold start");
        assert_eq!(parts("b"), ["cold_start", "cold_start_warm", "bench"]);
        assert!(jobs.iter().all(|j| j.job.backend == BackendKind::Http));
        assert!(jobs.iter().all(|j| j.job.http.as_ref().is_some_and(|h| {
            h.base_url
                .ends_with(if j.key.model == "a" { "8080" } else { "8081" })
        })));
    }
}
