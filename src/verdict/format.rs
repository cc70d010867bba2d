//! How the verdict writes numbers in its reasons and notes (and the reports, in their
//! tables): a value with its unit, about three significant digits, a statistic's name.

use crate::metric::Stat;
use crate::stats;

/// A value with its unit, for reasons and tables: ratios as "2.14×", bytes as MiB,
/// fractions (unit "") as percentages: "100 %", "62.5 %".
pub fn fmt_value(v: f64, unit: &str) -> String {
    if !v.is_finite() {
        return "—".into();
    }
    match unit {
        "×" => format!("{v:.2}×"),
        "bytes" => format!("{:.1} MiB", v / (1024.0 * 1024.0)),
        "" => fmt_percent(v),
        u => format!("{} {u}", fmt_num(v)),
    }
}

/// A fraction as a percentage: 1 → "100 %", 0.6 → "60 %", 0.625 → "62.5 %".
pub fn fmt_percent(v: f64) -> String {
    let p = v * 100.0;
    if (p - p.round()).abs() < 1e-9 {
        format!("{p:.0} %")
    } else {
        format!("{} %", fmt_num(p))
    }
}

/// Three significant digits or so: 1234 → "1234", 12.34 → "12.3", 1.234 → "1.23".
pub fn fmt_num(v: f64) -> String {
    let a = v.abs();
    if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// "median", "P95", ….
pub fn stat_label(stat: Stat) -> String {
    match stat {
        Stat::Median => "median".into(),
        Stat::Mean => "mean".into(),
        Stat::Min => "min".into(),
        Stat::Max => "max".into(),
        Stat::Percentile(p) => format!("P{}", stats::percentile::fmt_p(p)),
    }
}
