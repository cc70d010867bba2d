//! "Shape twins": which models were twins, and what a twin's numbers do and do not mean.

use std::fmt::Write;

use super::text::{cell, heading};
use crate::report::view::RunView;

pub(super) fn twins(out: &mut String, v: &RunView<'_>, h: usize) {
    let twins: Vec<_> = v.models.iter().filter(|m| m.twin_of.is_some()).collect();
    if twins.is_empty() {
        return;
    }
    heading(out, h, "Shape twins");
    for m in twins {
        let _ = writeln!(
            out,
            "- `{}` is a shape twin of `{}`: random weights in the published shapes and quantization. Its memory and prefill speed stand for the real model's; **text quality was not measured for it — its text is random.**",
            m.id,
            m.twin_of.as_deref().unwrap_or("?")
        );
        // Set by `lfmbench fetch --write-models` when the published file could not be had.
        if let Some(why) = v
            .run
            .models
            .models
            .iter()
            .find(|e| e.id == m.id)
            .and_then(|e| e.stand_in.as_deref())
        {
            let _ = writeln!(
                out,
                "  It ran as a **stand-in for the published file**: {}.",
                cell(why.trim_end_matches('.'))
            );
        }
    }
    let _ = writeln!(
        out,
        "\nDecode speed of a twin can differ from the real model's: on CPU, llama.cpp's decode speed depends on the weight values (how its block scales spread), not only on shapes and types. Twins' magnitudes are spread like real checkpoints'; measured against the two real files the registries ship, a SmolLM2-135M Q4_1 twin decodes at 0.98× the real file and a Gemma3-270M Q4_K_M twin at 1.085× (lfmbench's README, \"Shape twins\"). A decode criterion decided on twins should be confirmed on the published GGUFs (`lfmbench fetch`).\n"
    );
}
