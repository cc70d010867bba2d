//! What an interval is and what it claims: [`Interval`] (bounds, the coverage level it
//! achieves, the [`Method`] that built it) and [`Estimate`] (a point with its interval),
//! as stored in verdicts and printed by reports.
//!
//! **The level is the one achieved, not the one wished for.** An order-statistic
//! interval of 5 rounds covers the median with probability 1 − 2 · 0.5⁵ = 93.75 % at
//! best, so it says 0.9375 and prints "93.8 % interval (order statistics)", never
//! "95 %". [`Method`] says how far the level can be trusted (exact, approximate, or
//! nominal and measured by simulation: see `crate::stats::coverage`).

use std::fmt;

use serde::Serialize;

/// The nominal level every interval aims at; [`Interval::level`] says what it reaches.
pub const LEVEL: f64 = 0.95;

/// How an interval was built; its name is printed beside the level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// `[X(k), X(n−k+1)]` of the sorted values: covers the median with the exact
    /// binomial probability 1 − 2·P(Bin(n, ½) ≤ k − 1) for any continuous distribution
    /// (distribution-free; ties only raise it).
    OrderStatistics,
    /// Hettmansperger & Sheather (1986) interpolation between two neighbouring
    /// order-statistic intervals to reach the nominal level: exact for symmetric
    /// distributions, close for skewed ones (simulated coverage in
    /// `crate::stats::coverage`).
    InterpolatedOrderStatistics,
    /// Percentile bootstrap resampling whole rounds (clusters): the level is nominal;
    /// its coverage at the suite's round counts is measured by simulation
    /// (`crate::stats::coverage`).
    ClusterBootstrap,
    /// A confidence sequence (`crate::stats::sequential`): the level holds at every look
    /// of the plan at once, so it stays valid however many rounds were looked at.
    ConfidenceSequence,
    /// Wilson's score interval of a fraction (`crate::stats::quality`): coverage close to
    /// the nominal level, not exact.
    Wilson,
    /// Newcombe's hybrid score interval of a difference of two fractions, from their
    /// Wilson intervals (`crate::stats::quality`).
    Newcombe,
    /// Percentile bootstrap resampling the windows of a scored text
    /// (`crate::stats::quality`); nominal level.
    WindowBootstrap,
}

impl Method {
    /// Human name, as a report prints it.
    pub fn name(self) -> &'static str {
        match self {
            Method::OrderStatistics => "order statistics",
            Method::InterpolatedOrderStatistics => "interpolated order statistics",
            Method::ClusterBootstrap => "bootstrap over rounds",
            Method::ConfidenceSequence => "sequential order statistics",
            Method::Wilson => "Wilson score",
            Method::Newcombe => "Newcombe, from Wilson intervals",
            Method::WindowBootstrap => "bootstrap over text windows",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    pub lo: f64,
    pub hi: f64,
    /// The coverage it achieves (0.9375 for the range of 5 rounds), not a wish; for
    /// [`Method::ClusterBootstrap`] the nominal level.
    pub level: f64,
    pub method: Method,
}

impl Interval {
    /// "93.8 % interval (order statistics)"; a bootstrap's level is only nominal, and
    /// says so: "nominal 95 % interval (bootstrap over rounds)".
    pub fn label(&self) -> String {
        let nominal = if matches!(
            self.method,
            Method::ClusterBootstrap | Method::Wilson | Method::Newcombe | Method::WindowBootstrap
        ) {
            "nominal "
        } else {
            ""
        };
        format!(
            "{nominal}{} interval ({})",
            fmt_level(self.level),
            self.method
        )
    }

    /// Where `line` lies relative to the interval. A line on a bound is
    /// [`Side::Within`]: the interval is not clear of it.
    pub fn side_of(&self, line: f64) -> Side {
        if line < self.lo {
            Side::Below
        } else if line > self.hi {
            Side::Above
        } else {
            Side::Within
        }
    }

    /// The whole interval lies strictly on one side of `line`.
    pub fn clear_of(&self, line: f64) -> bool {
        self.side_of(line) != Side::Within
    }
}

/// Where a line (a target, a NO-GO line) lies relative to an interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The line is below the whole interval.
    Below,
    /// The line is inside the interval or on a bound: undecided.
    Within,
    /// The line is above the whole interval.
    Above,
}

/// A level as a report prints it: "95 %", "93.8 %", "99.2 %".
pub fn fmt_level(level: f64) -> String {
    let pct = level * 100.0;
    if (pct - pct.round()).abs() < 0.05 {
        format!("{pct:.0} %")
    } else {
        format!("{pct:.1} %")
    }
}

/// A statistic with its interval, as stored in verdicts and reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Estimate {
    pub point: f64,
    /// `None` when there is no interval (see `no_interval`).
    pub interval: Option<Interval>,
    /// Values the point was computed from (for a ratio: paired rounds).
    pub n: usize,
    /// Rounds that contributed.
    pub rounds: usize,
    /// Why there is no interval.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_interval: Option<String>,
}

impl Estimate {
    /// The level the interval achieves, if there is one.
    pub fn level(&self) -> Option<f64> {
        self.interval.map(|i| i.level)
    }
    /// The method of the interval, if there is one.
    pub fn method(&self) -> Option<Method> {
        self.interval.map(|i| i.method)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_say_the_achieved_level_and_the_method() {
        let i = Interval {
            lo: 1.0,
            hi: 2.0,
            level: 1.0 - 2.0 * 0.5f64.powi(5),
            method: Method::OrderStatistics,
        };
        assert_eq!(i.label(), "93.8 % interval (order statistics)");
        let j = Interval {
            level: 0.95,
            method: Method::InterpolatedOrderStatistics,
            ..i
        };
        assert_eq!(j.label(), "95 % interval (interpolated order statistics)");
        let b = Interval {
            method: Method::ClusterBootstrap,
            ..j
        };
        assert_eq!(b.label(), "nominal 95 % interval (bootstrap over rounds)");
        assert_eq!(fmt_level(1.0 - 2.0 / 256.0), "99.2 %");
        assert_eq!(fmt_level(0.5), "50 %");
    }

    #[test]
    fn sides_of_a_line() {
        let i = Interval {
            lo: 1.0,
            hi: 2.0,
            level: 0.95,
            method: Method::OrderStatistics,
        };
        assert_eq!(i.side_of(0.5), Side::Below);
        assert_eq!(i.side_of(2.5), Side::Above);
        assert_eq!(i.side_of(1.0), Side::Within, "a bound is not clear of it");
        assert_eq!(i.side_of(1.5), Side::Within);
        assert!(i.clear_of(0.99) && !i.clear_of(2.0));
    }
}
