//! `lfmbench run`: check inputs ([`preflight`]), plan the jobs (`crate::plan`), run each
//! in a worker process ([`execute`], [`spawn`]), store every record as it arrives and what
//! the workers say about the engine and its GPU ([`engine`]), survive
//! crashes, hangs and interruptions ([`interrupt`]), pick up where a run stopped
//! ([`resume`]) and close it with its summary ([`finish`]); with `--until-decided`, look
//! after every round and stop once the critical criteria are decided ([`until`]).

mod engine;
mod execute;
mod finish;
mod interrupt;
mod memory;
mod preflight;
mod quiet;
mod resume;
mod spawn;
mod until;

use std::collections::HashSet;
use std::process::ExitCode;

use anyhow::{Result, bail};

use crate::backend::http::server as http_server;
use crate::cli::RunArgs;
use crate::config::{self, Loaded};
use crate::measure::host;
use crate::store::{self, RunMeta, RunState, RunWriter, Skipped};
use execute::execute_or_mark;
use finish::{finish, print_not_measured};
use preflight::preflight;
use resume::{input_hashes, resume};

/// `lfmbench run`
pub fn cli(args: &RunArgs) -> Result<ExitCode> {
    interrupt::ignore_file_size_signal();
    if let Some(dir) = &args.resume {
        return resume(dir, args);
    }
    let Some(suite_path) = &args.suite else {
        bail!("name a suite, e.g. `lfmbench run suites/phase0.toml`");
    };
    let sequential = match args.until_decided {
        true => Some(until::new_plan(args.max_rounds, args.budget.as_deref())?),
        false => None,
    };
    let mut loaded = config::load(suite_path, &args.models)?;
    apply_overrides(&mut loaded, args)?;
    if let Some(seq) = &sequential {
        until::check_suite(&loaded.suite, suite_path)?;
        // Every round the plan may run is planned (interleaved) before the first starts.
        loaded.suite.suite.rounds = seq.max_rounds as u32;
    }
    config::check_host(&loaded, host::logical_cpus(), args.threads)?;
    let (ready, mut problems) = preflight(&loaded);
    let ready = memory_check(&loaded, ready, &mut problems, args)?;
    if !problems.is_empty() {
        eprintln!("These models cannot run:");
        for p in &problems {
            eprintln!("  - {}: {}", p.model, p.message);
        }
        if !args.keep_going {
            bail!(
                "{} of {} models cannot run; nothing was started\n  help: fix the files above, or pass --keep-going to run the {} that can",
                problems.len(),
                problems.len() + ready.len(),
                ready.len()
            );
        }
        eprintln!("--keep-going: running the {} models that can.", ready.len());
    }
    if ready.is_empty() {
        bail!("no model of the suite can run");
    }
    engine::warn_at_start(&loaded, &ready);
    let host = host::Host {
        memory_bandwidth_gbps: crate::measure::bandwidth::probe_gbps(),
        ..host::fingerprint()
    };
    let meta = RunMeta {
        schema_version: crate::sample::SCHEMA_VERSION,
        id: format!(
            "{}-{}",
            store::time::now_compact(),
            sanitize(&loaded.suite.suite.name)
        ),
        suite: loaded.suite.suite.name.clone(),
        started_utc: store::time::now_utc(),
        finished_utc: None,
        state: RunState::Running,
        note: None,
        models: ready.iter().map(|m| m.id.clone()).collect(),
        skipped: problems
            .iter()
            .map(|p| Skipped {
                model: p.model.clone(),
                reason: p.message.clone(),
            })
            .collect(),
        not_measured: [
            http_server::not_measured(
                &loaded,
                &ready.iter().map(|m| m.id.clone()).collect::<Vec<_>>(),
            ),
            crate::plan::quality_not_measured(&loaded, &ready),
        ]
        .concat(),
        rounds: loaded.suite.suite.rounds,
        twins: ready
            .iter()
            .filter_map(|m| Some((m.id.clone(), m.twin_of.clone()?)))
            .collect(),
        base_models: ready
            .iter()
            .filter_map(|m| Some((m.id.clone(), m.base_model.clone()?)))
            .collect(),
        inputs: input_hashes(&loaded, &ready),
        settings: ready
            .iter()
            .map(|m| (m.id.clone(), loaded.settings_for(&m.id)))
            .collect(),
        files: ready
            .iter()
            .filter_map(|m| {
                let facts = store::FileFacts {
                    n_params: m.n_params?,
                    quant: m.quant.clone()?,
                };
                Some((m.id.clone(), facts))
            })
            .collect(),
        suite_path: Some(suite_path.clone()),
        models_path: Some(args.models.clone()),
        sequential,
    };
    let suite_text = effective_suite_text(&loaded)?;
    let mut writer = RunWriter::create(&args.out, meta, &suite_text, &loaded.models_text, &host)?;
    eprintln!("run folder: {}", writer.dir.display());
    print_not_measured(&writer.meta.not_measured);
    quiet::warn_at_start(&loaded, &ready);
    let watch = quiet::Watch::new(args.wait_quiet.map(std::time::Duration::from_secs));
    let until = until::Until::of(&writer)?;
    if let (Some(u), Some(seq)) = (&until, &writer.meta.sequential) {
        u.announce(seq.budget_s);
    }
    execute_or_mark(&loaded, &ready, &mut writer, &HashSet::new(), watch, until)?;
    finish(writer, args)
}

/// Hold each ready model's estimated memory need against what is available: a model
/// that cannot fit becomes a problem (refused, or skipped under --keep-going), one close to
/// the limit is warned about. A model whose need cannot be estimated runs unchecked.
fn memory_check(
    loaded: &Loaded,
    ready: Vec<crate::plan::ReadyModel>,
    problems: &mut Vec<preflight::Problem>,
    args: &RunArgs,
) -> Result<Vec<crate::plan::ReadyModel>> {
    let (available, source) = match &args.mem_available {
        Some(s) => (memory::parse_size(s)?, "--mem-available".to_string()),
        None => match memory::available() {
            Some(a) => a,
            None => return Ok(ready),
        },
    };
    let mut out = Vec::new();
    for m in ready {
        let is_http = loaded
            .model(&m.id)
            .is_some_and(|e| e.backend == config::BackendKind::Http);
        let r = loaded.settings_for(&m.id);
        let need = match is_http {
            true => None,
            false => memory::estimate(&m.path, r.n_ctx, r.n_batch).ok(),
        };
        match need.map(|n| memory::judge(&n, available, &source)) {
            Some(memory::Fit::TooBig(why)) => problems.push(preflight::Problem {
                model: m.id.clone(),
                message: format!("{}: not enough memory: {why}", m.path.display()),
            }),
            Some(memory::Fit::Close(why)) => {
                eprintln!("warning: {}: {why}", m.id);
                out.push(m);
            }
            _ => out.push(m),
        }
    }
    Ok(out)
}

/// Apply `--rounds` and `--threads`.
fn apply_overrides(loaded: &mut Loaded, args: &RunArgs) -> Result<()> {
    if let Some(r) = args.rounds {
        if r == 0 {
            bail!(
                "--rounds 0 measures nothing\n  help: give 1 or more (3+ for intervals that mean something)"
            );
        }
        // The suite's own rounds are held to this at load; the flag must not get round it
        // (every job is planned before the first starts).
        if r > config::MAX_ROUNDS {
            bail!(
                "--rounds {r} is more than lfmbench plans ({})\n  help: each round is a fresh process per model; 5 to 20 rounds give intervals that mean something",
                config::MAX_ROUNDS
            );
        }
        loaded.suite.suite.rounds = r;
    }
    if let Some(t) = args.threads {
        loaded.suite.backend.threads = Some(t);
    }
    Ok(())
}

/// The suite as it was run (with command-line overrides applied), stored in the run.
fn effective_suite_text(loaded: &Loaded) -> Result<String> {
    Ok(toml::to_string_pretty(&loaded.suite)?)
}

fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}
