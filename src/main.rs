//! The `lfmbench` binary: parse arguments, dispatch, pick the exit code. Everything else
//! lives in the library (src/lib.rs).

use std::process::ExitCode;

use clap::Parser;

use lfmbench::cli::{Cli, Command};
use lfmbench::{compare, fetch, models_cmd, report, runner, twin, worker};

fn main() -> ExitCode {
    // Before anything else: a binary built for another CPU stops here with advice
    // instead of crashing on an illegal instruction later.
    if let Err(why) = lfmbench::measure::isa::guard() {
        eprintln!("error: {why}");
        return ExitCode::from(2);
    }
    let cli = Cli::parse();
    match dispatch(cli.command) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
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
        Command::Worker { job } => worker::main(&job).map(|()| ExitCode::SUCCESS),
    }
}
