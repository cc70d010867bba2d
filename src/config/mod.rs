//! Configuration: the suite file and models.toml, loaded with errors that name the file,
//! the line and the fix, then cross-checked against each other.

pub mod ca_file;
pub mod device;
pub mod endpoint;
mod error;
pub mod expect;
pub mod models;
pub mod questions;
pub mod suite;
pub mod sweep;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use device::Devices;
use error::strsim_distance;
pub use error::{ConfigError, line_col, parse_toml};
pub use expect::ChatPrompt;
pub use models::{BackendKind, ModelEntry, ModelsFile};
pub use suite::{Criterion, Decision, Op, Suite, Versus, Workload};
pub use suite::{DeviceClass, DeviceMatch};
pub use sweep::{At, Counts, Sweep};

/// Backend settings: the suite's `[backend]` defaults, a model's `overrides`.
/// `None` means "not set here"; [`BackendSettings::resolve`] fills the final values.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackendSettings {
    /// CPU threads; 0 = all physical cores.
    #[serde(default)]
    pub threads: Option<u32>,
    #[serde(default)]
    pub n_ctx: Option<u32>,
    #[serde(default)]
    pub n_batch: Option<u32>,
    /// Layers offloaded to the GPU (99 = all); ignored on a CPU-only build.
    #[serde(default)]
    pub n_gpu_layers: Option<u32>,
    #[serde(default)]
    pub use_mmap: Option<bool>,
    /// Lists of settings to measure at besides these (suite `[backend]` only; see
    /// [`sweep`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sweep: Option<Sweep>,
}

/// `n_gpu_layers` when neither the suite nor the model sets it: every layer on the GPU
/// where the build has one.
pub const DEFAULT_N_GPU_LAYERS: u32 = 99;

/// Backend settings with every value decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolved {
    pub threads: u32,
    pub n_ctx: u32,
    pub n_batch: u32,
    pub n_gpu_layers: u32,
    pub use_mmap: bool,
}

impl BackendSettings {
    /// `self` over `under`: a value set here wins.
    pub fn over(&self, under: &BackendSettings) -> BackendSettings {
        BackendSettings {
            threads: self.threads.or(under.threads),
            n_ctx: self.n_ctx.or(under.n_ctx),
            n_batch: self.n_batch.or(under.n_batch),
            n_gpu_layers: self.n_gpu_layers.or(under.n_gpu_layers),
            use_mmap: self.use_mmap.or(under.use_mmap),
            sweep: self.sweep.clone().or_else(|| under.sweep.clone()),
        }
    }

    /// Final values; `threads = 0` becomes the number of physical cores.
    pub fn resolve(&self) -> Resolved {
        let threads = match self.threads.unwrap_or(0) {
            0 => crate::measure::host::physical_cores() as u32,
            n => n,
        };
        Resolved {
            threads,
            n_ctx: self.n_ctx.unwrap_or(2048),
            n_batch: self.n_batch.unwrap_or(512),
            n_gpu_layers: self.n_gpu_layers.unwrap_or(DEFAULT_N_GPU_LAYERS),
            use_mmap: self.use_mmap.unwrap_or(true),
        }
    }
}

fn read(file: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(file).map_err(|e| {
        ConfigError::new(file, format!("cannot read: {e}"))
            .help("check the path; suites live in suites/, models in models.toml")
    })
}

/// A suite and the models file it is run with, loaded and cross-checked.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub suite_path: PathBuf,
    pub suite_text: String,
    pub suite: Suite,
    pub models_path: PathBuf,
    pub models_text: String,
    pub models: ModelsFile,
}

impl Loaded {
    /// Model ids in suite order: candidate, baseline, others.
    pub fn model_ids(&self) -> Vec<String> {
        let s = &self.suite.suite;
        let mut ids = vec![s.candidate.clone(), s.baseline.clone()];
        for o in &s.others {
            if !ids.contains(o) {
                ids.push(o.clone());
            }
        }
        ids
    }

    pub fn model(&self, id: &str) -> Option<&ModelEntry> {
        self.models.models.iter().find(|m| m.id == id)
    }

    /// The folder relative model paths are taken from.
    pub fn models_base(&self) -> PathBuf {
        self.models_path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
    }

    /// Backend settings for one model: its overrides over the suite's defaults.
    pub fn settings_for(&self, id: &str) -> Resolved {
        let over = self
            .model(id)
            .map(|m| m.overrides.clone())
            .unwrap_or_default();
        over.over(&self.suite.backend).resolve()
    }
}

/// Load models.toml alone.
pub fn load_models(path: &Path) -> Result<(String, ModelsFile), ConfigError> {
    let text = read(path)?;
    let mut models: ModelsFile = parse_toml(path, &text)?;
    validate_models(path, &text, &models)?;
    // A relative ca_file is relative to models.toml, wherever lfmbench (or its worker)
    // runs from.
    for h in models.models.iter_mut().filter_map(|m| m.http.as_mut()) {
        if let Some(ca) = &mut h.ca_file {
            *ca = beside(path, ca);
        }
    }
    Ok((text, models))
}

/// `p` taken relative to the folder of `file` (absolute paths unchanged).
fn beside(file: &Path, p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        file.parent().unwrap_or(Path::new("")).join(p)
    }
}

fn validate_models(path: &Path, text: &str, models: &ModelsFile) -> Result<(), ConfigError> {
    let mut seen: Vec<&str> = Vec::new();
    for m in &models.models {
        let needle = format!("\"{}\"", m.id);
        if seen.contains(&m.id.as_str()) {
            let second = text
                .match_indices(&needle)
                .nth(1)
                .map(|(p, _)| line_col(text, p));
            let mut e = ConfigError::new(path, format!("model id `{}` is defined twice", m.id))
                .help("give every [[model]] its own id");
            if let Some((l, c)) = second {
                e.line = Some(l);
                e.column = Some(c);
            }
            return Err(e);
        }
        seen.push(&m.id);
        match (&m.path, &m.twin, m.backend) {
            (Some(_), Some(_), _) => {
                return Err(ConfigError::new(path, format!("model `{}` sets both `path` and `twin`", m.id))
                    .at_text(text, &needle)
                    .help("a model is either a file (`path`) or a generated shape twin (`twin`), not both"));
            }
            (None, None, BackendKind::Llama) => {
                return Err(ConfigError::new(
                    path,
                    format!("model `{}` has neither `path` nor `twin`", m.id),
                )
                .at_text(text, &needle)
                .help("add `path = \"models/<file>.gguf\"` or `twin = \"<architecture>\"`"));
            }
            _ => {}
        }
        if m.backend == BackendKind::Http && m.http.is_none() {
            return Err(ConfigError::new(
                path,
                format!(
                    "model `{}` uses backend = \"http\" without an [model.http] table",
                    m.id
                ),
            )
            .at_text(text, &needle)
            .help("add `http = { base_url = \"http://127.0.0.1:8080\", model = \"…\" }`"));
        }
        validate_http(path, text, m, &needle)?;
        if let Some(h) = &m.sha256
            && (h.len() != 64 || !h.chars().all(|c| c.is_ascii_hexdigit()))
        {
            return Err(ConfigError::new(
                path,
                format!("model `{}`: sha256 must be 64 hex digits", m.id),
            )
            .at_text(text, h)
            .help("paste the output of `sha256sum FILE`, or remove the line"));
        }
    }
    Ok(())
}

/// The http table of a model: only with backend = "http", and every field usable.
fn validate_http(path: &Path, text: &str, m: &ModelEntry, needle: &str) -> Result<(), ConfigError> {
    let err = |msg: String, help: &str| {
        Err(ConfigError::new(path, format!("model `{}`: {msg}", m.id))
            .at_text(text, needle)
            .help(help))
    };
    let Some(h) = &m.http else {
        return Ok(());
    };
    if m.backend != BackendKind::Http {
        return err(
            "has an http table but backend is not \"http\"".into(),
            "add `backend = \"http\"` to measure it through its server, or remove the http table",
        );
    }
    if m.twin.is_some() {
        return err(
            "a twin cannot be served over http".into(),
            "remove `twin`; an http model may name the file its server reads with `path`",
        );
    }
    let endpoint = match endpoint::Endpoint::parse(&h.base_url) {
        Ok(e) => e,
        Err(e) => {
            return err(
                format!("base_url {e}"),
                "e.g. base_url = \"http://127.0.0.1:8080\"",
            );
        }
    };
    if let Some(ca) = &h.ca_file {
        let written = ca.display().to_string();
        let err_at = |msg: String, help: &str| {
            Err(ConfigError::new(path, format!("model `{}`: {msg}", m.id))
                .at_text(text, &written)
                .help(help))
        };
        if !endpoint.tls {
            return err_at(
                "ca_file is set but base_url is plain http:// (a CA file only matters for https)"
                    .into(),
                "write base_url as https://… if the server speaks TLS, or remove ca_file",
            );
        }
        if let Err(e) = ca_file::read_ca_file(&beside(path, ca)) {
            return err_at(
                format!("ca_file: {e}"),
                "point ca_file at the PEM certificate of the authority that signed the server's certificate (a path relative to models.toml)",
            );
        }
    }
    if h.pid.is_some() && h.start_command.is_some() {
        return err(
            "sets both `pid` and `start_command`".into(),
            "`pid` names a server that is already running; `start_command` has lfmbench start one. Keep one",
        );
    }
    if let Some(cmd) = &h.start_command
        && cmd.first().is_none_or(|p| p.trim().is_empty())
    {
        return err(
            "start_command is empty".into(),
            "give the program and its arguments, e.g. [\"llama-server\", \"-m\", \"model.gguf\", \"--port\", \"8080\"]",
        );
    }
    if h.timeout_s == Some(0) {
        return err(
            "http timeout_s = 0 would fail every request at once".into(),
            "set the seconds a request may wait for the server, e.g. 60, or remove it",
        );
    }
    if let Some(var) = &h.api_key_env {
        let valid = !var.is_empty()
            && var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !var.starts_with(|c: char| c.is_ascii_digit());
        if !valid {
            // Never echo the value: it may be a pasted key.
            return err(
                "api_key_env is not the name of an environment variable".into(),
                "api_key_env names a variable that holds the key (e.g. api_key_env = \"MY_KEY\" and `export MY_KEY=…`); never put the key itself in models.toml, it is stored with every run",
            );
        }
    }
    Ok(())
}

/// The most rounds a suite may ask for (a round is a process per model: 10 000 rounds of
/// a small model already take days).
pub const MAX_ROUNDS: u32 = 10_000;

/// Load a suite and models.toml and check that they fit together.
pub fn load(suite_path: &Path, models_path: &Path) -> Result<Loaded, ConfigError> {
    let suite_text = read(suite_path)?;
    let mut suite: Suite = parse_toml(suite_path, &suite_text)?;
    include_quality_files(suite_path, &suite_text, &mut suite)?;
    let (models_text, models) = load_models(models_path)?;
    let loaded = Loaded {
        suite_path: suite_path.to_path_buf(),
        suite_text,
        suite,
        models_path: models_path.to_path_buf(),
        models_text,
        models,
    };
    validate(&loaded)?;
    Ok(loaded)
}

/// The files quality workloads name, relative to the suite: a question file's prompts
/// are read into its workload; a perplexity text is checked against its pin (the worker
/// reads it, and checks it again).
fn include_quality_files(
    suite_path: &Path,
    suite_text: &str,
    suite: &mut Suite,
) -> Result<(), ConfigError> {
    for w in &mut suite.workloads {
        match w {
            Workload::Questions {
                prompts_file: Some(file),
                sha256,
                prompts,
                ..
            } => {
                let more = questions::read(suite_path, suite_text, file, sha256.as_deref())?;
                prompts.extend(more);
            }
            Workload::Perplexity { file, sha256, .. } => {
                let path = questions::beside_suite(suite_path, file);
                let shown = file.display().to_string();
                let got = crate::digest::sha256_file(&path).map_err(|e| {
                    ConfigError::new(
                        suite_path,
                        format!("perplexity file `{shown}`: cannot read {}: {e:#}", path.display()),
                    )
                    .at_text(suite_text, &shown)
                    .help("`file` is relative to the suite's folder (e.g. \"texts/alice29.txt\" beside suites/phase0.toml)")
                })?;
                if !got.eq_ignore_ascii_case(sha256) {
                    return Err(ConfigError::new(
                        suite_path,
                        format!("perplexity file `{shown}` has sha256 {got}, the suite pins {sha256}"),
                    )
                    .at_text(suite_text, sha256.as_str())
                    .help("the text changed: its perplexity would not compare with earlier runs. If the change is meant, update the pin (and say so)"));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Settings this host cannot honour, refused before anything runs: more threads than
/// it has logical CPUs. `cli_threads` is `--threads` when given (it replaced the suite's
/// value, so the error names the flag instead of a line).
pub fn check_host(
    l: &Loaded,
    logical_cpus: usize,
    cli_threads: Option<u32>,
) -> Result<(), ConfigError> {
    let too_many = |t: Option<u32>| t.filter(|&t| t as usize > logical_cpus);
    let help = format!(
        "this host has {logical_cpus} logical CPUs: use at most {logical_cpus} threads (0 = one per physical core); more threads than CPUs time-slice and measure the scheduler, not the model"
    );
    for id in l.model_ids() {
        let Some(m) = l.model(&id) else { continue };
        if let Some(t) = too_many(m.overrides.threads) {
            return Err(ConfigError::new(
                &l.models_path,
                format!("model `{id}` overrides threads = {t}, more than this host's {logical_cpus} logical CPUs"),
            )
            .at_text(&l.models_text, &format!("id = \"{id}\""))
            .help(help));
        }
    }
    if let Some(t) = too_many(l.suite.backend.threads) {
        if cli_threads == Some(t) {
            return Err(ConfigError::new(
                Path::new("--threads"),
                format!("{t} threads, more than this host's {logical_cpus} logical CPUs"),
            )
            .help(help));
        }
        let at = l
            .suite_text
            .find("[backend]")
            .and_then(|b| l.suite_text[b..].find("threads").map(|i| b + i));
        let mut e = ConfigError::new(
            &l.suite_path,
            format!(
                "threads = {t} in [backend], more than this host's {logical_cpus} logical CPUs"
            ),
        )
        .help(help);
        if let Some(pos) = at {
            let (line, col) = line_col(&l.suite_text, pos);
            e.line = Some(line);
            e.column = Some(col);
        }
        return Err(e);
    }
    let mut lists: Vec<&Sweep> = l.suite.backend.sweep.iter().collect();
    lists.extend(l.suite.workloads.iter().filter_map(|w| w.sweep(None)));
    for s in lists {
        if let Some(t) = too_many(s.threads.iter().copied().max()) {
            return Err(at_list(
                ConfigError::new(
                    &l.suite_path,
                    format!("threads = {t} in a sweep, more than this host's {logical_cpus} logical CPUs"),
                ),
                &l.suite_text,
                "threads",
                &t.to_string(),
            )
            .help(help));
        }
    }
    Ok(())
}

fn validate(l: &Loaded) -> Result<(), ConfigError> {
    let p = &l.suite_path;
    let t = &l.suite_text;
    let s = &l.suite.suite;
    if s.candidate == s.baseline {
        return Err(ConfigError::new(
            p,
            format!("candidate and baseline are both `{}`", s.candidate),
        )
        .at_text(t, "baseline")
        .help("a ratio needs two different models: set `baseline` to another models.toml id"));
    }
    if s.rounds == 0 {
        return Err(ConfigError::new(p, "rounds = 0 measures nothing")
            .at_text(t, "rounds")
            .help("set rounds to 3 or more (5 is the default) so medians and intervals mean something"));
    }
    // Every job is planned before the first starts: a mistyped huge count would exhaust
    // memory before anything ran (found by the suite_toml fuzz target).
    if s.rounds > MAX_ROUNDS {
        return Err(ConfigError::new(
            p,
            format!("rounds = {} is more than lfmbench plans ({MAX_ROUNDS})", s.rounds),
        )
        .at_text(t, "rounds")
        .help("each round is a fresh process per model; 5 to 20 rounds give intervals that mean something"));
    }
    if s.timeout_s == 0 {
        return Err(
            ConfigError::new(p, "timeout_s = 0 would kill every round at once")
                .at_text(t, "timeout_s")
                .help("set timeout_s to the seconds one round may take, e.g. 600"),
        );
    }
    let known: Vec<&str> = l.models.models.iter().map(|m| m.id.as_str()).collect();
    for id in l.model_ids() {
        if !known.contains(&id.as_str()) {
            let close = known
                .iter()
                .min_by_key(|k| strsim_distance(&id, k))
                .map(|k| format!("did you mean `{k}`? "))
                .unwrap_or_default();
            return Err(ConfigError::new(
                p,
                format!("model `{id}` is not in {}", l.models_path.display()),
            )
            .at_text(t, &format!("\"{id}\""))
            .help(format!("{close}known ids: {}", known.join(", "))));
        }
    }
    if l.suite.workloads.is_empty() {
        return Err(ConfigError::new(p, "the suite has no [[workload]]")
            .help("add at least one, e.g. [[workload]] kind = \"decode\" tokens = 128"));
    }
    for id in l.model_ids() {
        let r = l.settings_for(&id);
        if r.n_ctx == 0 || r.n_batch == 0 {
            return Err(ConfigError::new(
                p,
                format!("model `{id}`: n_ctx and n_batch must be above 0"),
            )
            .at_text(t, "[backend]"));
        }
        for w in &l.suite.workloads {
            let (need, what) = match w {
                // In u64: a depth near u32::MAX plus the tokens must not wrap to a small
                // number that fits (found by reasoning over the config_toml fuzz target).
                Workload::Decode { tokens, depths, .. } => (
                    u64::from(depths.iter().max().copied().unwrap_or(0)) + u64::from(*tokens),
                    "decode depth + tokens",
                ),
                Workload::Prefill { tokens, .. } => (u64::from(tokens.max()), "prefill tokens"),
                Workload::Chat { max_tokens, .. } => (u64::from(*max_tokens), "chat max_tokens"),
                Workload::ColdStart { .. } => (0, ""),
                Workload::Questions { max_tokens, .. } => {
                    (u64::from(*max_tokens), "questions max_tokens")
                }
                Workload::Perplexity { n_ctx, .. } => (u64::from(*n_ctx), "perplexity n_ctx"),
                Workload::Sustained { chunk, .. } => (u64::from(*chunk) + 1, "sustained chunk + 1"),
            };
            if need > u64::from(r.n_ctx) {
                return Err(ConfigError::new(
                    p,
                    format!(
                        "{what} = {need} does not fit n_ctx = {} of model `{id}`",
                        r.n_ctx
                    ),
                )
                .at_text(t, &format!("kind = \"{}\"", w.kind()))
                .help(
                    "lower the token count or raise n_ctx in [backend] (or the model's overrides)",
                ));
            }
            if let Workload::Chat { prompts, .. } = w
                && prompts.is_empty()
            {
                return Err(ConfigError::new(p, "a chat workload has no prompts")
                    .at_text(t, "kind = \"chat\"")
                    .help("add prompts = [\"…\"]"));
            }
            if let Workload::Chat { prompts, .. } | Workload::Questions { prompts, .. } = w {
                expect::check_prompts(p, t, prompts)?;
            }
            validate_quality_workload(p, t, w)?;
            let zero = match w {
                Workload::Decode { tokens, .. } => *tokens == 0,
                Workload::Prefill { tokens, .. } => tokens.values().contains(&0),
                _ => false,
            };
            if zero {
                return Err(ConfigError::new(
                    p,
                    format!("a {} workload with tokens = 0 measures nothing", w.kind()),
                )
                .at_text(t, &format!("kind = \"{}\"", w.kind())));
            }
            check_repetitions(p, t, w)?;
        }
    }
    validate_sweeps(l)?;
    validate_pairs(l)?;
    for c in &l.suite.criteria {
        check_criterion(p, t, c)?;
        validate_quality_criterion(p, t, c)?;
        validate_criterion_point(l, c)?;
    }
    device::validate(p, t, &l.suite.devices, Some(&l.suite.criteria))?;
    if let Some(d) = &l.suite.decision {
        let n = l.suite.criteria.iter().filter(|c| !c.advisory).count() as u32;
        if d.pass_at_least > n {
            return Err(ConfigError::new(
                p,
                format!(
                    "pass_at_least = {} but the suite has only {n} criteria that count (advisory ones do not)",
                    d.pass_at_least
                ),
            )
            .at_text(t, "pass_at_least")
            .help("lower pass_at_least or add criteria"));
        }
    }
    Ok(())
}

/// A quality workload: its questions all judged, its windows sensible.
fn validate_quality_workload(p: &Path, t: &str, w: &Workload) -> Result<(), ConfigError> {
    match w {
        Workload::Questions { prompts, .. } => {
            if prompts.is_empty() {
                return Err(ConfigError::new(p, "a questions workload has no questions")
                    .at_text(t, "kind = \"questions\"")
                    .help("add prompts_file = \"questions.toml\" with its sha256, or prompts = [{ text = \"…\", expect = \"…\" }]"));
            }
            if let Some(q) = prompts.iter().find(|q| q.expect.is_none()) {
                return Err(ConfigError::new(
                    p,
                    format!("question `{}` has no expectation: it cannot be judged", q.text),
                )
                .at_text(t, &q.text)
                .help("add expect = \"…\" or expect_regex = '…' (plain prompts belong in a chat workload)"));
            }
        }
        Workload::Perplexity { n_ctx, chunks, .. } => {
            if *n_ctx < 16 {
                return Err(ConfigError::new(
                    p,
                    format!(
                        "perplexity n_ctx = {n_ctx}: a window that short scores almost nothing"
                    ),
                )
                .at_text(t, "kind = \"perplexity\"")
                .help("use n_ctx = 512 (llama-perplexity's default) or more"));
            }
            if *chunks == Some(0) {
                return Err(ConfigError::new(p, "perplexity chunks = 0 scores nothing")
                    .at_text(t, "chunks")
                    .help("remove `chunks` to score every window, or give 1 or more"));
            }
        }
        _ => {}
    }
    Ok(())
}

/// Place an error at the line of a list that holds `value` under key `key` (e.g. the
/// `threads = [1, 2, 4]` that lists 4), else at the first `key`.
fn at_list(e: ConfigError, text: &str, key: &str, value: &str) -> ConfigError {
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        if let Some(k) = line.find(key) {
            let rest = &line[k + key.len()..];
            let listed = rest
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .any(|w| w.eq_ignore_ascii_case(value));
            if listed && rest.contains('[') {
                let (l, c) = line_col(text, pos + k);
                return ConfigError {
                    line: Some(l),
                    column: Some(c),
                    ..e
                };
            }
        }
        pos += line.len();
    }
    e.at_text(text, key)
}

/// Every sweep of the suite: lists that measure something, valid values, not in a model's
/// overrides.
fn validate_sweeps(l: &Loaded) -> Result<(), ConfigError> {
    let p = &l.suite_path;
    let t = &l.suite_text;
    for id in l.model_ids() {
        if let Some(m) = l.model(&id)
            && m.overrides.sweep.is_some()
        {
            return Err(ConfigError::new(
                &l.models_path,
                format!("model `{id}`: a sweep belongs to the suite, not to a model's overrides"),
            )
            .at_text(&l.models_text, "sweep")
            .help("move `sweep = { … }` into the suite's [backend] or a [[workload]]"));
        }
    }
    let mut sweeps: Vec<&Sweep> = l.suite.backend.sweep.iter().collect();
    for w in &l.suite.workloads {
        if let Workload::Decode { sweep: Some(s), .. } | Workload::Prefill { sweep: Some(s), .. } =
            w
        {
            sweeps.push(s);
        }
    }
    for s in sweeps {
        if s.is_empty() {
            return Err(ConfigError::new(p, "a sweep with no list measures nothing")
                .at_text(t, "sweep")
                .help("give at least one of threads = [..], n_batch = [..], quant = [..], or remove the sweep"));
        }
        if s.n_batch.contains(&0) {
            return Err(at_list(
                ConfigError::new(p, "n_batch = 0 in a sweep evaluates nothing"),
                t,
                "n_batch",
                "0",
            )
            .help("list batch sizes above 0, e.g. n_batch = [64, 256, 512]"));
        }
        for id in l.model_ids() {
            let r = l.settings_for(&id);
            if let Some(b) = s.n_batch.iter().find(|b| **b > r.n_ctx) {
                return Err(at_list(
                    ConfigError::new(
                        p,
                        format!(
                            "n_batch = {b} in a sweep is above n_ctx = {} of model `{id}`",
                            r.n_ctx
                        ),
                    ),
                    t,
                    "n_batch",
                    &b.to_string(),
                )
                .help(
                    "a batch larger than the context is cut to it; list batch sizes up to n_ctx",
                ));
            }
        }
        for q in &s.quant {
            if q.trim().is_empty() {
                return Err(ConfigError::new(p, "an empty quantization name in a sweep")
                    .at_text(t, "quant")
                    .help("name quantizations as twins take them, e.g. quant = [\"Q4_K_M\", \"Q8_0\"]"));
            }
        }
    }
    for w in &l.suite.workloads {
        if let Workload::Sustained {
            duration_s,
            window_s,
            chunk,
            rounds,
            models,
            ..
        } = w
        {
            let ids = l.model_ids();
            if let Some(x) = models.iter().find(|x| !ids.contains(x)) {
                return Err(ConfigError::new(
                    p,
                    format!("sustained workload: `{x}` is not a model of the suite"),
                )
                .at_text(t, &format!("\"{x}\""))
                .help("list ids of [suite] (candidate, baseline, others), or remove `models` to run it for every model"));
            }
            let bad = if *window_s == 0 {
                Some("window_s = 0: a window must last at least a second")
            } else if duration_s < window_s {
                Some("duration_s is shorter than one window_s")
            } else if *chunk < 2 {
                Some("chunk must be at least 2 tokens")
            } else if *rounds == 0 {
                Some("rounds = 0 measures nothing")
            } else {
                None
            };
            if let Some(why) = bad {
                return Err(ConfigError::new(p, format!("sustained workload: {why}"))
                    .at_text(t, "kind = \"sustained\"")
                    .help("e.g. duration_s = 300, window_s = 10, chunk = 64, rounds = 1 (the defaults)"));
            }
        }
    }
    Ok(())
}

/// Quality criteria: a correct fraction compares with the baseline as a difference, a
/// ratio of fractions is refused; `baseline_difference` is for quality metrics only; an
/// advisory criterion cannot be critical nor a NO-GO line.
fn validate_quality_criterion(p: &Path, t: &str, c: &Criterion) -> Result<(), ConfigError> {
    use crate::metric::MetricName;
    let at = format!("name = \"{}\"", c.name);
    let err = |msg: &str, help: &str| {
        Err(
            ConfigError::new(p, format!("criterion `{}`: {msg}", c.name))
                .at_text(t, &at)
                .help(help.to_string()),
        )
    };
    let metric = MetricName::parse(&c.metric).ok();
    let quality = metric.is_some_and(MetricName::is_quality);
    if c.vs == Versus::BaselineDifference && !quality {
        return err(
            "vs = \"baseline_difference\" is for quality metrics",
            "use vs = \"baseline\" (candidate ÷ baseline, paired by round)",
        );
    }
    if metric == Some(MetricName::QualityCorrectFraction) && c.vs == Versus::Baseline {
        return err(
            "a ratio of correct fractions is not defined when the baseline answers none right",
            "compare them as a difference: vs = \"baseline_difference\", e.g. op = \">=\", target = -0.10",
        );
    }
    if c.advisory && (c.critical || c.no_go.is_some()) {
        return err(
            "an advisory criterion cannot be critical nor have a `no_go` line",
            "advisory criteria are shown but never decide: remove `critical`/`no_go`, or `advisory`",
        );
    }
    Ok(())
}

/// `pairs`: each a candidate and a baseline among the suite's models.
fn validate_pairs(l: &Loaded) -> Result<(), ConfigError> {
    let ids = l.model_ids();
    for [a, b] in &l.suite.suite.pairs {
        for x in [a, b] {
            if !ids.contains(x) {
                return Err(ConfigError::new(
                    &l.suite_path,
                    format!("pair [`{a}`, `{b}`]: `{x}` is not a model of the suite"),
                )
                .at_text(&l.suite_text, "pairs")
                .help("add it to `others` in [suite], or correct the id"));
            }
        }
        if a == b {
            return Err(ConfigError::new(
                &l.suite_path,
                format!("pair [`{a}`, `{b}`] compares a model with itself"),
            )
            .at_text(&l.suite_text, "pairs"));
        }
    }
    Ok(())
}

/// A criterion's `at`, `candidate` and `baseline` name what the suite measures.
fn validate_criterion_point(l: &Loaded, c: &Criterion) -> Result<(), ConfigError> {
    let p = &l.suite_path;
    let t = &l.suite_text;
    let ids = l.model_ids();
    for id in [&c.candidate, &c.baseline].into_iter().flatten() {
        if !ids.contains(id) {
            return Err(ConfigError::new(
                p,
                format!("criterion `{}`: `{id}` is not a model of the suite", c.name),
            )
            .at_text(t, &format!("\"{id}\""))
            .help("name a model of [suite] (candidate, baseline or others)"));
        }
    }
    let Some(at) = &c.at else { return Ok(()) };
    let mut lists: Vec<&Sweep> = l.suite.backend.sweep.iter().collect();
    for w in &l.suite.workloads {
        if let Some(s) = w.sweep(None) {
            lists.push(s);
        }
    }
    let named = &l.suite.backend;
    let measured = |listed: bool, is_named: bool| listed || is_named;
    let ok = at.threads.is_none_or(|v| {
        measured(
            lists.iter().any(|s| s.threads.contains(&v)),
            named.threads == Some(v),
        )
    }) && at.n_batch.is_none_or(|v| {
        measured(
            lists.iter().any(|s| s.n_batch.contains(&v)),
            named.n_batch == Some(v),
        )
    }) && at.quant.as_ref().is_none_or(|v| {
        lists
            .iter()
            .any(|s| s.quant.iter().any(|q| q.eq_ignore_ascii_case(v)))
            || ids
                .iter()
                .filter_map(|id| l.model(id)?.quant.as_ref())
                .any(|q| q.eq_ignore_ascii_case(v))
    });
    if at.threads.is_none() && at.n_batch.is_none() && at.quant.is_none() {
        return Err(
            ConfigError::new(p, format!("criterion `{}`: `at` names no setting", c.name))
                .at_text(t, "at =")
                .help("e.g. at = { threads = 1 }, or remove `at` to judge the named point"),
        );
    }
    if !ok {
        return Err(ConfigError::new(
            p,
            format!(
                "criterion `{}`: at {} is not a point the suite measures",
                c.name,
                at.label()
            ),
        )
        .at_text(t, "at =")
        .help("add the value to a `sweep` list, or judge a listed one"));
    }
    Ok(())
}

/// One criterion's metric, stat and target (the suite's, or a device class's).
pub(crate) fn check_criterion(p: &Path, t: &str, c: &Criterion) -> Result<(), ConfigError> {
    if let Err(msg) = crate::metric::MetricName::parse(&c.metric) {
        return Err(
            ConfigError::new(p, format!("criterion `{}`: {msg}", c.name))
                .at_text(t, &format!("\"{}\"", c.metric))
                .help(format!(
                    "known metrics: {}",
                    crate::metric::KNOWN.join(", ")
                )),
        );
    }
    if crate::metric::Stat::parse(&c.stat).is_none() {
        return Err(ConfigError::new(
            p,
            format!("criterion `{}`: unknown stat `{}`", c.name, c.stat),
        )
        .at_text(t, &format!("\"{}\"", c.stat))
        .help("use one of: median, mean, p50, p90, p95, p99, min, max"));
    }
    if !c.target.is_finite() {
        return Err(ConfigError::new(
            p,
            format!("criterion `{}`: target is not a finite number", c.name),
        ));
    }
    Ok(())
}

/// `repetitions` of a decode or prefill workload: at least 1, at most
/// [`suite::MAX_REPETITIONS`].
fn check_repetitions(p: &Path, t: &str, w: &Workload) -> Result<(), ConfigError> {
    let n = w.repetitions();
    let problem = if n == 0 {
        "repetitions = 0 measures nothing"
    } else if n > suite::MAX_REPETITIONS {
        "repetitions is above the limit"
    } else {
        return Ok(());
    };
    Err(ConfigError::new(
        p,
        format!("a {} workload: {problem} ({n})", w.kind()),
    )
    .at_text(t, "repetitions")
    .help(format!(
        "set repetitions between 1 and {} ({} is the default): each round takes that many measured repetitions and keeps their median; for tighter intervals add rounds instead",
        suite::MAX_REPETITIONS,
        suite::DEFAULT_REPETITIONS
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_is_one_based() {
        assert_eq!(line_col("ab\ncd", 0), (1, 1));
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
    }

    /// `suite` loaded against a models.toml of two llama models `a` and `b`.
    fn load_ab(suite: &str) -> Result<Loaded, ConfigError> {
        let dir = tempfile::tempdir().expect("tmp");
        let suite_path = dir.path().join("s.toml");
        let models = dir.path().join("models.toml");
        std::fs::write(
            &models,
            "[[model]]\nid = \"a\"\npath = \"a.gguf\"\nfamily = \"llama\"\n\n[[model]]\nid = \"b\"\npath = \"b.gguf\"\nfamily = \"llama\"\n",
        )
        .expect("models");
        std::fs::write(&suite_path, suite).expect("suite");
        load(&suite_path, &models)
    }

    /// A decode depth near u32::MAX plus its tokens is refused as too long for n_ctx, not
    /// wrapped around to a small number (a debug build panicked on the overflow).
    #[test]
    fn a_huge_decode_depth_does_not_overflow() {
        let e = load_ab(
            "[suite]\nname = \"x\"\ncandidate = \"a\"\nbaseline = \"b\"\nrounds = 1\n\n[backend]\nn_ctx = 256\n\n[[workload]]\nkind = \"decode\"\ntokens = 2\ndepths = [4294967295]\n",
        )
        .expect_err("does not fit");
        assert!(
            e.to_string()
                .contains("decode depth + tokens = 4294967297 does not fit n_ctx = 256"),
            "{e}"
        );
    }

    /// A huge round count is refused at load, before the plan would hold every job.
    #[test]
    fn rounds_are_bounded() {
        let e = load_ab(
            "[suite]\nname = \"x\"\ncandidate = \"a\"\nbaseline = \"b\"\nrounds = 400000000\n\n[[workload]]\nkind = \"prefill\"\ntokens = 8\n",
        )
        .expect_err("too many rounds");
        assert_eq!(e.line, Some(5), "{e}");
        assert!(
            e.to_string().contains("rounds = 400000000 is more than"),
            "{e}"
        );
    }

    #[test]
    fn unknown_key_gets_did_you_mean() {
        let text =
            "[suite]\nname = \"x\"\ncandidate = \"a\"\nbaseline = \"b\"\nrounds = 2\nrouns = 3\n";
        let e = parse_toml::<Suite>(Path::new("s.toml"), text).expect_err("unknown key");
        assert_eq!(e.line, Some(6), "{e}");
        assert!(e.to_string().contains("did you mean `rounds`"), "{e}");
    }

    fn http_models(entry: &str) -> Result<ModelsFile, ConfigError> {
        let text =
            format!("[[model]]\nid = \"h\"\nfamily = \"llama\"\nbackend = \"http\"\n{entry}\n");
        let p = Path::new("models.toml");
        let m: ModelsFile = parse_toml(p, &text)?;
        validate_models(p, &text, &m)?;
        Ok(m)
    }

    #[test]
    fn http_models_validate() {
        let m = http_models(
            "http = { base_url = \"http://127.0.0.1:8080\", model = \"m\", api_key_env = \"MY_KEY\", timeout_s = 5 }",
        )
        .expect("valid");
        assert_eq!(m.models[0].http.as_ref().and_then(|h| h.timeout_s), Some(5));
        for (entry, want) in [
            (
                "http = { base_url = \"ftp://x\" }",
                "not an http:// or https:// URL",
            ),
            (
                "http = { base_url = \"http://h:1\", ca_file = \"ca.pem\" }",
                "ca_file is set but base_url is plain http://",
            ),
            (
                "http = { base_url = \"https://h\", ca_file = \"/nonexistent/lfmbench-ca.pem\" }",
                "ca_file: cannot read /nonexistent/lfmbench-ca.pem",
            ),
            (
                "http = { base_url = \"http://h:1\", pid = 1, start_command = [\"s\"] }",
                "both `pid` and `start_command`",
            ),
            (
                "http = { base_url = \"http://h:1\", start_command = [] }",
                "start_command is empty",
            ),
            (
                "http = { base_url = \"http://h:1\", api_key_env = \"sk-abc123\" }",
                "not the name",
            ),
            (
                "http = { base_url = \"http://h:1\", timeout_s = 0 }",
                "timeout_s = 0",
            ),
            ("twin = \"x\"\nhttp = { base_url = \"http://h:1\" }", "twin"),
        ] {
            let e = http_models(entry).expect_err(entry);
            assert!(e.to_string().contains(want), "{entry}: {e}");
            assert!(!e.to_string().contains("sk-abc123"), "{e}");
        }
        let e = http_models("").expect_err("no table");
        assert!(
            e.to_string().contains("without an [model.http] table"),
            "{e}"
        );
    }

    #[test]
    fn ca_file_is_checked_at_load_and_taken_relative_to_models_toml() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(dir.path().join("certs")).expect("mkdir");
        let models = dir.path().join("models.toml");
        let entry = |ca: &str| {
            format!(
                "[[model]]\nid = \"h\"\nfamily = \"llama\"\nbackend = \"http\"\nhttp = {{ base_url = \"https://llm.internal:8443\", ca_file = \"{ca}\" }}\n"
            )
        };
        std::fs::write(&models, entry("certs/ca.pem")).expect("write");
        let e = load_models(&models).expect_err("missing file");
        assert_eq!(e.line, Some(5), "{e}");
        assert!(e.to_string().contains("ca_file: cannot read"), "{e}");
        assert!(e.to_string().contains("certs/ca.pem"), "{e}");

        std::fs::write(dir.path().join("certs/ca.pem"), "not a certificate\n").expect("write");
        let e = load_models(&models).expect_err("no certificate");
        assert!(e.to_string().contains("holds no certificate"), "{e}");
        assert!(e.to_string().contains("help: point ca_file"), "{e}");

        let key = rcgen::KeyPair::generate().expect("key");
        let mut params = rcgen::CertificateParams::new(Vec::new()).expect("params");
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let ca = params.self_signed(&key).expect("self-signed CA");
        std::fs::write(dir.path().join("certs/ca.pem"), ca.pem()).expect("write");
        let (_, m) = load_models(&models).expect("valid ca_file");
        let got = m.models[0]
            .http
            .as_ref()
            .and_then(|h| h.ca_file.clone())
            .expect("ca_file");
        assert_eq!(
            got,
            dir.path().join("certs/ca.pem"),
            "resolved beside models.toml"
        );
    }

    #[test]
    fn every_shipped_suite_loads_against_models_toml() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut n = 0;
        for e in std::fs::read_dir(root.join("suites")).expect("suites/") {
            let p = e.expect("entry").path();
            // A question file (`questions::`) lives beside the suites; it has no [suite].
            let is_suite = std::fs::read_to_string(&p)
                .ok()
                .and_then(|t| t.parse::<toml::Table>().ok())
                .is_some_and(|t| t.contains_key("suite"));
            if p.extension().is_some_and(|x| x == "toml") && is_suite {
                load(&p, &root.join("models.toml")).unwrap_or_else(|e| panic!("{e}"));
                n += 1;
            }
        }
        assert!(n >= 3, "phase0, smoke and family at least");
    }

    /// The family suite pairs each LFM2 size with the Qwen3 and the Gemma3 size nearest in
    /// parameters, by the catalogue's counts.
    #[test]
    fn family_pairs_are_the_nearest_peers_in_parameters() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let l = load(&root.join("suites/family.toml"), &root.join("models.toml"))
            .expect("family loads");
        let params = |id: &str| -> f64 {
            let twin = l
                .model(id)
                .and_then(|m| m.twin.clone())
                .unwrap_or_else(|| id.into());
            crate::twin::catalogue::find(&twin)
                .unwrap_or_else(|| panic!("{id} not in the catalogue"))
                .n_params as f64
        };
        let ids = l.model_ids();
        let fam = |f: &str| -> Vec<String> {
            ids.iter()
                .filter(|id| l.model(id).is_some_and(|m| m.family == f))
                .cloned()
                .collect()
        };
        let mut pairs: Vec<(String, String)> = l
            .suite
            .suite
            .pairs
            .iter()
            .map(|[a, b]| (a.clone(), b.clone()))
            .collect();
        pairs.push((
            l.suite.suite.candidate.clone(),
            l.suite.suite.baseline.clone(),
        ));
        for lfm in fam("lfm2") {
            for peers in [fam("qwen3"), fam("gemma3")] {
                let nearest = peers
                    .iter()
                    .min_by(|a, b| {
                        let d = |x: &String| (params(x) - params(&lfm)).abs();
                        d(a).total_cmp(&d(b))
                    })
                    .expect("a peer");
                assert!(
                    pairs.contains(&(lfm.clone(), nearest.clone())),
                    "{lfm} is not paired with its nearest peer {nearest}"
                );
            }
        }
        assert_eq!(pairs.len(), 2 * fam("lfm2").len(), "{pairs:?}");
    }

    #[test]
    fn settings_layer_model_over_suite() {
        let suite = BackendSettings {
            threads: Some(2),
            n_ctx: Some(1024),
            ..Default::default()
        };
        let model = BackendSettings {
            n_ctx: Some(4096),
            ..Default::default()
        };
        let r = model.over(&suite).resolve();
        assert_eq!((r.threads, r.n_ctx, r.n_batch), (2, 4096, 512));
    }
}
