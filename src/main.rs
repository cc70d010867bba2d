//! lfmbench: measure LFM2 against baselines on llama.cpp and decide Go/No-Go.
//!
//! Data flows one way: config → plan → backend (in worker processes) → samples → store →
//! stats → verdict → render. main.rs only parses arguments, dispatches and picks the
//! exit code.

mod backend;
mod cli;
mod config;
mod fault;
mod gguf;
mod measure;
mod metric;
mod models_cmd;
mod plan;
mod report;
mod runner;
mod sample;
mod stats;
mod store;
mod twin;
mod verdict;
mod worker;

use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command};

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
