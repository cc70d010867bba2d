//! "Validity problems": skipped models, workloads a model measured nothing of, zero-token
//! answers, short decodes and failed rounds, one by one.

use std::fmt::Write;

use super::text::{cell, fence, heading};
use crate::report::view::Problems;
use crate::sample::StopReason;

pub(super) fn validity(out: &mut String, p: &Problems, h: usize) {
    heading(out, h, "Validity problems");
    if p.is_empty() {
        let _ = writeln!(
            out,
            "None: every chat answer has at least one token, every decode produced every token asked for, no round failed and no model was skipped.\n"
        );
        return;
    }
    let _ = writeln!(
        out,
        "Everything listed here is left out of every statistic above, never averaged in.\n"
    );
    if let Some(note) = &p.incomplete {
        let _ = writeln!(out, "- The run is {}.\n", cell(note));
    }
    for s in &p.skipped {
        let _ = writeln!(out, "- `{}` was not run: {}", s.model, cell(&s.reason));
    }
    if !p.skipped.is_empty() {
        out.push('\n');
    }
    if !p.measured_nothing.is_empty() {
        heading(out, h + 1, "Measured nothing");
        let _ = writeln!(
            out,
            "These models ran but have no valid sample of a workload: every figure from it is NOT MEASURED (`lfmbench run` exits {} for this).\n\n| Model | Workload | State | Why |\n|---|---|---|---|",
            crate::store::gaps::EXIT_MEASURED_NOTHING
        );
        for g in &p.measured_nothing {
            let _ = writeln!(
                out,
                "| `{}` | {} | NOT MEASURED | {} |",
                g.model,
                g.workload,
                cell(&g.why)
            );
        }
        out.push('\n');
    }
    if !p.zero_token.is_empty() {
        heading(out, h + 1, "Zero-token answers");
        let _ = writeln!(
            out,
            "A chat answer with no token is a defect (a broken chat template or end-of-generation handling), not a fast answer.\n\n| Model | Round | Prompt | Template | Stop | Text | Why |\n|---|--:|---|---|---|---|---|"
        );
        for (model, round, c) in &p.zero_token {
            let _ = writeln!(
                out,
                "| `{model}` | {round} | {} | {} | {} | {} | {} |",
                cell(&c.prompt),
                cell(c.template.as_deref().unwrap_or("?")),
                match c.stop {
                    StopReason::EndOfGeneration => "end of generation",
                    StopReason::MaxTokens => "max tokens",
                    StopReason::ContextFull => "context full",
                },
                if c.text.is_empty() {
                    "(empty)".to_string()
                } else {
                    format!("`{}`", cell(&c.text).replace('`', "'"))
                },
                cell(c.invalid_reason.as_deref().unwrap_or("")),
            );
        }
        out.push('\n');
    }
    if !p.short_decodes.is_empty() {
        heading(out, h + 1, "Short decodes");
        let _ = writeln!(
            out,
            "| Model | Round | Depth | Generated | Why |\n|---|--:|--:|--:|---|"
        );
        for (model, round, d) in &p.short_decodes {
            let _ = writeln!(
                out,
                "| `{model}` | {round} | {} | {} of {} | {} |",
                d.depth,
                d.n_generated,
                d.n_requested,
                cell(d.invalid_reason.as_deref().unwrap_or(""))
            );
        }
        out.push('\n');
    }
    if !p.failures.is_empty() {
        heading(out, h + 1, "Failed rounds");
        for (model, round, f) in &p.failures {
            let mut how = Vec::new();
            if let Some(c) = f.exit_code {
                how.push(format!("exit code {c}"));
            }
            if let Some(s) = f.signal {
                how.push(format!("signal {s}"));
            }
            if f.timed_out {
                how.push("timed out".into());
            }
            let how = if how.is_empty() {
                String::new()
            } else {
                format!(" ({})", how.join(", "))
            };
            let _ = writeln!(
                out,
                "- `{model}`, round {round}, stage `{}`{how}: {}\n",
                f.stage,
                cell(&f.reason)
            );
            let _ = writeln!(out, "{}\n", fence(&f.stderr_tail));
        }
    }
    for w in &p.warnings {
        let _ = writeln!(out, "- Reading the run: {}", cell(w));
    }
    if !p.warnings.is_empty() {
        out.push('\n');
    }
}
