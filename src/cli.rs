//! Command-line interface: clap derive definitions only. Each subcommand's behaviour
//! lives in its own module; main.rs dispatches.

use std::path::PathBuf;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "lfmbench",
    version,
    about = "Measure LFM2 against baselines on llama.cpp and decide Go/No-Go with honest statistics"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// Output format of verdicts and tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
}

/// Which decision makes the exit status non-zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Exit 3 on NO-GO.
    NoGo,
    /// Exit 3 on NO-GO or CONDITIONAL (and INCONCLUSIVE).
    Conditional,
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The suite to run (e.g. suites/phase0.toml).
    #[arg(required_unless_present = "resume")]
    pub suite: Option<PathBuf>,
    /// The models catalogue.
    #[arg(long, default_value = "models.toml")]
    pub models: PathBuf,
    /// Run the models whose files are present and skip the others (default: refuse to start).
    #[arg(long)]
    pub keep_going: bool,
    /// Finish an interrupted run: only what is missing is run.
    #[arg(long, value_name = "RUN_DIR", conflicts_with = "suite")]
    pub resume: Option<PathBuf>,
    /// Where run folders are created.
    #[arg(long, default_value = "reports/runs")]
    pub out: PathBuf,
    /// Override the suite's rounds.
    #[arg(long)]
    pub rounds: Option<u32>,
    /// Keep adding interleaved rounds until every critical criterion is decided (its
    /// interval clear of its target and NO-GO line), on intervals valid however often they
    /// are looked at (a confidence sequence), or until --budget or --max-rounds stops it.
    /// The suite's `rounds` is not used.
    #[arg(long, conflicts_with_all = ["resume", "rounds"])]
    pub until_decided: bool,
    /// With --until-decided: start no round that would overrun this time (e.g. 30m, 90s,
    /// 1h, 1h30m); the rounds' time counts, and the run overruns it by at most one round.
    #[arg(long, value_name = "DURATION", requires = "until_decided")]
    pub budget: Option<String>,
    /// With --until-decided: the most rounds the plan may run, fixed before the first
    /// round [default: 30; 6 to 1000].
    #[arg(long, value_name = "N", requires = "until_decided")]
    pub max_rounds: Option<u32>,
    /// Override the suite's threads (0 = physical cores).
    #[arg(long)]
    pub threads: Option<u32>,
    /// Before each round, wait up to SECONDS for other processes to use less than a
    /// quarter of a CPU (the wait is reported and stored); rounds that still start on a
    /// busy host are marked contended.
    #[arg(long, value_name = "SECONDS")]
    pub wait_quiet: Option<u64>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
    /// The memory a worker may use (e.g. 6G), instead of what the host has available now
    /// (MemAvailable, or a cgroup's limit): each model's estimated need is held against it
    /// before anything starts; a model over it is refused, one close to it warned about.
    #[arg(long, value_name = "SIZE")]
    pub mem_available: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Run folders to report on (default: the newest under reports/runs).
    pub runs: Vec<PathBuf>,
    /// Where runs are looked for when none is named.
    #[arg(long, default_value = "reports/runs")]
    pub runs_dir: PathBuf,
    /// The markdown file to write; charts go to `charts/` beside it.
    #[arg(long, default_value = "reports/PHASE_0_FINDINGS.md")]
    pub out: PathBuf,
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
    /// Judge each machine by the `[[device]]` classes of this file (a suite, or classes
    /// alone) instead of those of the runs' own suite.
    #[arg(long, value_name = "FILE")]
    pub devices: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct TwinArgs {
    /// Catalogued architecture (see --list).
    #[arg(required_unless_present = "list")]
    pub arch: Option<String>,
    /// Quantization type, done by llama.cpp itself (F16, Q8_0, Q4_K_M, Q4_1, …).
    #[arg(long, default_value = "Q4_K_M")]
    pub quant: String,
    /// Output file.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Seed of the random weights.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// List the catalogue.
    #[arg(long)]
    pub list: bool,
    /// Print the file the twin would be (size, tensor types: llama.cpp's own dry run of
    /// the quantization) without writing it.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    pub old: PathBuf,
    pub new: PathBuf,
    /// Relative change (percent) below which a difference counts as UNCHANGED.
    #[arg(long, default_value_t = 5.0)]
    pub threshold: f64,
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// `regression`: exit 4 when anything REGRESSED.
    #[arg(long)]
    pub fail_on: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct FetchArgs {
    /// Model ids to fetch (default: every model with hf_repo and hf_file).
    #[arg(conflicts_with = "suite")]
    pub ids: Vec<String>,
    #[arg(long, default_value = "models.toml")]
    pub models: PathBuf,
    /// Fetch the models this suite names (candidate, baseline, others) that have
    /// hf_repo and hf_file.
    #[arg(long, value_name = "SUITE")]
    pub suite: Option<PathBuf>,
    /// Write a models file to run on: models.toml with `path` set to every fetched,
    /// sha256-checked file. A twin entry whose file could not be fetched stays a twin and
    /// says why (`stand_in`); such failures then do not fail the command. Write it beside
    /// models.toml: relative paths and twins resolve from its folder.
    #[arg(long, value_name = "OUT")]
    pub write_models: Option<PathBuf>,
}

/// `lfmbench run --help`: what its exit status means.
pub const RUN_EXIT_CODES: &str = "Exit status:
  0    the run did what was asked, whatever the verdict
  2    bad input (the message names the file, the line and the fix)
  3    --fail-on: the verdict is one it names
  5    a model that ran measured nothing for some workload (every round of it timed out,
       crashed or gave only invalid samples); stderr names the model, the workload and
       why, even with --keep-going (a model skipped before running is not this case)
  130  interrupted (every finished sample is kept; finish with --resume)";

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a suite: every model, every round, each in its own process.
    #[command(after_help = RUN_EXIT_CODES)]
    Run(RunArgs),
    /// List models.toml with what each GGUF file really is.
    Models {
        #[arg(long, default_value = "models.toml")]
        models: PathBuf,
    },
    /// Write the findings report (markdown + charts) from stored runs; never re-runs a model.
    Report(ReportArgs),
    /// Generate a shape twin: random weights in the exact shapes of a published model.
    Twin(TwinArgs),
    /// Compare two runs metric by metric: REGRESSED / IMPROVED / UNCHANGED.
    Compare(CompareArgs),
    /// Download the published GGUFs named in models.toml.
    Fetch(FetchArgs),
    /// Print a shell completion script, e.g. `lfmbench completions bash > ~/.local/share/bash-completion/completions/lfmbench`.
    Completions {
        /// The shell to complete in.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Internal: run one job in this process (used by `run`; not for users).
    #[command(hide = true, name = "__worker")]
    Worker {
        /// The job, as JSON.
        job: String,
    },
}

/// The command as shell completions offer it: the user's verbs, without hidden ones such as
/// `__worker` (clap_complete lists hidden subcommands too).
pub fn for_completion() -> clap::Command {
    let full = Cli::command();
    let visible: Vec<clap::Command> = full
        .get_subcommands()
        .filter(|c| !c.is_hide_set())
        .cloned()
        .collect();
    let mut cmd = clap::Command::new("lfmbench")
        .version(env!("CARGO_PKG_VERSION"))
        .subcommand_required(true)
        .subcommands(visible);
    if let Some(a) = full.get_about() {
        cmd = cmd.about(a.clone());
    }
    cmd
}
