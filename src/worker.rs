//! The child-process side of a run: load one model, run one job, stream records.
//!
//! `lfmbench run` re-invokes itself as `lfmbench __worker '<job json>'` once per model
//! per round, so that every measurement starts from a fresh process and a crash loses
//! only that process's job. The worker writes one [`WorkerMsg`] per line on stdout and
//! flushes each, so the parent stores every sample as soon as it exists. The messages are
//! [`crate::protocol`]'s; the measuring itself is [`crate::backend::workload`]'s.

use std::io::Write;

use anyhow::{Context, Result};

use crate::backend::Backend;
use crate::backend::workload::run_job;
use crate::config::BackendKind;
use crate::protocol::{Job, WorkerMsg};

fn emit(msg: &WorkerMsg) -> Result<()> {
    let mut line = serde_json::to_vec(msg)?;
    line.push(b'\n');
    let mut out = std::io::stdout().lock();
    out.write_all(&line)?;
    out.flush()?;
    Ok(())
}

/// Entry point of `lfmbench __worker JOB`.
pub fn main(job_json: &str) -> Result<()> {
    emit(&WorkerMsg::Started)?;
    let job: Job = serde_json::from_str(job_json).context("worker: malformed job")?;
    crate::fault::maybe_inject(&job.model, "start");
    if job.backend == BackendKind::Http {
        return crate::backend::http::run_worker(&job, &mut |m| emit(&m));
    }
    let mut backend =
        crate::backend::llama::Llama::new(job.path.clone(), job.chat_template.clone())?;
    emit(&WorkerMsg::Engine(backend.info()))?;
    run_job(&mut backend, &job, &mut |m| emit(&m))
}
