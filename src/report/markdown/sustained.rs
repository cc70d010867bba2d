//! "Sustained load": each model's decode rate per window against time, the sustained
//! ratio (last span ÷ first span), the CPU clock and temperature where the OS showed
//! them, and what a virtual machine cannot show.

use std::fmt::Write;

use super::charts::chart_link;
use super::text::{heading, interval, val};
use crate::report::charts::ChartRef;
use crate::report::view::RunView;

fn opt(v: Option<f64>, unit: &str) -> String {
    v.map_or("—".into(), |x| val(x, unit))
}

pub(super) fn sustained(out: &mut String, v: &RunView<'_>, charts: &[ChartRef], h: usize) {
    let Some(s) = &v.sustained else { return };
    heading(out, h, "Sustained load");
    let span = if s.span_s >= 60.0 {
        "minute".to_string()
    } else {
        format!("{:.0} s", s.span_s)
    };
    let _ = writeln!(
        out,
        "After {} s idle, each model decoded without a pause for {} s (a process of its own; the context restarted every {} tokens, so the depth cycles from 0 to {}), tokens counted per {} s window by their timestamps. Sustained ratio = median rate of the windows of the last {span} ÷ that of the first, per round, median over rounds (a run shorter than two minutes compares its halves): below 1 the machine slowed down under load (thermal throttling, a governor, a neighbour).\n",
        s.cooldown_s, s.duration_s, s.chunk, s.chunk, s.window_s
    );
    match (&s.vm, s.vm_known) {
        (Some(vm), _) => {
            let _ = writeln!(
                out,
                "**This host is a virtual machine** ({vm}): its guest sees neither the physical CPU's clock nor its temperature, and the hypervisor may move it between cores or hosts, so a flat curve here says nothing about thermal throttling. Measure sustained load on the device itself (a phone or a fanless laptop slows down as it heats).\n"
            );
        }
        (None, true) => {
            let _ = writeln!(
                out,
                "Nothing says this host is a virtual machine (no `hypervisor` CPU flag, DMI vendor or `systemd-detect-virt --vm`): the curve is the machine's own.\n"
            );
        }
        (None, false) => {
            let _ = writeln!(
                out,
                "This run did not record whether its host is a virtual machine; a VM cannot show thermal throttling.\n"
            );
        }
    }
    let _ = writeln!(
        out,
        "| Model | Rounds | First {span} tok/s | Last {span} tok/s | Sustained ratio | Interval (its level) | CPU MHz first → last | Temperature first / max |\n|---|--:|--:|--:|--:|--:|--:|--:|"
    );
    for m in &s.models {
        let mhz = match (m.mhz.first(), m.mhz.last()) {
            (Some(a), Some(b)) => format!("{:.0} → {:.0}", a.1, b.1),
            _ => "not shown by the OS".into(),
        };
        let temp = match (m.temp_first, m.temp_max) {
            (Some(a), Some(b)) => format!("{a:.1} / {b:.1} °C"),
            _ => "not shown by the OS".into(),
        };
        let (ratio, iv) = match &m.ratio {
            Some(e) => (val(e.point, ""), interval(e, "")),
            None => ("—".into(), "—".into()),
        };
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {ratio} | {iv} | {mhz} | {temp} |",
            m.model,
            m.rounds,
            opt(m.first, "tok/s"),
            opt(m.last, "tok/s"),
        );
    }
    out.push('\n');
    if let Some(c) = charts
        .iter()
        .find(|c| c.stem == "sustained" || c.stem.ends_with("-sustained"))
    {
        chart_link(out, c);
    }
}
