//! The comparison as a terminal table, its notes and a one-line summary.

use comfy_table::{Cell, CellAlignment, Table, presets::UTF8_FULL_CONDENSED};

use super::change::Change;
use super::runs::Comparison;

fn fmt_value(v: f64, unit: &str) -> String {
    match unit {
        "bytes" => format!("{:.1} MiB", v / (1024.0 * 1024.0)),
        "ms" => format!("{v:.1} ms"),
        "tok/s" => format!("{v:.1} tok/s"),
        _ => format!("{v:.3}"),
    }
}

fn fmt_pct(v: f64) -> String {
    if v.is_finite() {
        format!("{:+.1}%", v * 100.0)
    } else {
        "—".into()
    }
}

/// The comparison as a terminal table followed by notes and a one-line summary.
pub fn render_table(c: &Comparison) -> String {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED);
    t.set_header([
        "model", "metric", "OLD P50", "NEW P50", "change", "95% CI", "verdict", "note",
    ]);
    for r in &c.rows {
        let ci = r.delta.interval.map_or("—".to_string(), |[lo, hi]| {
            format!("[{}, {}]", fmt_pct(lo), fmt_pct(hi))
        });
        t.add_row(vec![
            Cell::new(&r.model),
            Cell::new(&r.metric),
            Cell::new(fmt_value(r.old.median, &r.unit)).set_alignment(CellAlignment::Right),
            Cell::new(fmt_value(r.new.median, &r.unit)).set_alignment(CellAlignment::Right),
            Cell::new(fmt_pct(r.delta.change)).set_alignment(CellAlignment::Right),
            Cell::new(ci),
            Cell::new(r.delta.verdict.to_string()),
            Cell::new(r.delta.note.as_deref().unwrap_or("")),
        ]);
    }
    let mut out = format!(
        "OLD {} ({})\nNEW {} ({})\n{t}\n",
        c.old.id, c.old.machine, c.new.id, c.new.machine
    );
    for n in &c.notes {
        out.push_str(&format!("note: {n}\n"));
    }
    out.push_str(&format!(
        "{} regressed, {} improved, {} unchanged (threshold ±{}%, {:.0}% bootstrap intervals, {} resamples)\n",
        c.count(Change::Regressed),
        c.count(Change::Improved),
        c.count(Change::Unchanged),
        c.threshold_pct,
        c.level * 100.0,
        c.resamples
    ));
    out
}
