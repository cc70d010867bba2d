//! The `lfmbench` binary: parse arguments, dispatch, pick the exit code. Everything else
//! lives in the library (src/lib.rs).

use std::process::ExitCode;

use clap::Parser;

use lfmbench::cli::{Cli, Command};
use lfmbench::{models_cmd, report, runner, twin, worker};

fn main() -> ExitCode {
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
        Command::Compare(_) => anyhow::bail!("compare is not implemented yet"),
        Command::Fetch(_) => anyhow::bail!("fetch is not implemented yet"),
        Command::Worker { job } => worker::main(&job).map(|()| ExitCode::SUCCESS),
    }
}
