//! lfmbench: measure LFM2 against baselines on llama.cpp and decide Go/No-Go.
//!
//! Data flows one way: `config` (suite + models) → `plan` → `backend` (driven by `worker`
//! in child processes that `runner` spawns, speaking `protocol`) → `sample` records →
//! `store` (files under reports/) → `stats` → `verdict` → `report` (terminal, markdown,
//! charts). Each stage is usable and testable without the ones after it; ARCHITECTURE.md
//! lists every module and which may use which (tests/architecture.rs holds the code to it).

pub mod backend;
pub mod cli;
pub mod compare;
pub mod config;
pub mod device;
pub mod digest;
pub mod fault;
pub mod fetch;
pub mod gguf;
pub mod measure;
pub mod metric;
pub mod models_cmd;
pub mod plan;
pub mod protocol;
pub mod report;
pub mod runner;
pub mod sample;
pub mod stats;
pub mod store;
pub mod twin;
pub mod verdict;
pub mod version;
pub mod worker;
