//! The `lfmbench` binary: parse arguments, dispatch, pick the exit code. Everything else
//! lives in the library (src/lib.rs).

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;

use clap::{CommandFactory, FromArgMatches};

use lfmbench::cli::{self, Cli, Command};
use lfmbench::{compare, fetch, models_cmd, report, runner, twin, version, worker};

fn main() -> ExitCode {
    // Before anything else: a binary built for another CPU stops here with advice
    // instead of crashing on an illegal instruction later.
    if let Err(why) = lfmbench::measure::isa::guard() {
        eprintln!("error: {why}");
        return ExitCode::from(2);
    }
    let mut cmd = Cli::command();
    // The engine's build is asked of llama.cpp only when it is to be printed, so that an
    // ordinary start (a worker's cold start above all) does no extra work.
    if std::env::args_os().skip(1).any(|a| a == "--version") {
        let long: &'static str = Box::leak(version::long().into_boxed_str());
        cmd = cmd.long_version(long);
    }
    let cli = Cli::from_arg_matches(&cmd.get_matches()).unwrap_or_else(|e| e.exit());
    match dispatch(cli.command) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            if lfmbench::store::is_write_failure(&e) {
                ExitCode::from(lfmbench::store::EXIT_WRITE_FAILED)
            } else {
                ExitCode::from(2)
            }
        }
    }
}

fn dispatch(cmd: Command) -> anyhow::Result<ExitCode> {
    match cmd {
        Command::Run(args) => runner::cli(&args),
        Command::Models { models } => models_cmd::cli(&models),
        Command::Report(args) => report::cli(&args),
        Command::Twin(args) => twin::cli(&args),
        Command::Compare(args) => compare::cli(&args),
        Command::Fetch(args) => fetch::cli(&args),
        Command::Completions { shell } => {
            // Into a buffer first: clap_complete panics when its writer fails (a closed pipe).
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut cli::for_completion(), "lfmbench", &mut script);
            let mut out = std::io::stdout().lock();
            out.write_all(&script)
                .and_then(|()| out.flush())
                .context("cannot write the completion script to stdout")?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Worker { job } => worker::main(&job).map(|()| ExitCode::SUCCESS),
    }
}
