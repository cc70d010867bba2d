//! The data behind "Recommendation and risks": for each criterion, how far its interval
//! stands from its target and NO-GO line (the margin before it flips), and how many
//! rounds an undecided one would need if the spread stays as measured; what the verdict
//! rests on; and the one next measurement that would most change the decision. Pure
//! functions over the verdict and the run; the wording and the links are the markdown's.
//!
//! **Rounds to decide.** An interval's half-width on the side facing a line shrinks about
//! as 1/√rounds (the order-statistic interval of a median, like the bootstrap's, narrows
//! with the standard error of the median). With h the half-width towards the line at n
//! rounds and d the distance from the point estimate to the line, the interval clears
//! the line at about n·(h/d)² rounds. A point on the line never clears it. This is a
//! projection from the measured spread, not a promise: the point itself moves as rounds
//! come in.

use crate::verdict::{CriterionResult, State, Verdict};

/// How a criterion stands against one line (its target or its NO-GO line).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Margin {
    pub line: f64,
    /// Distance from the interval's nearer bound to the line, positive when the whole
    /// interval is on the line's passing side, negative when wholly on its failing side
    /// (then the distance from the far bound), 0 when it straddles.
    pub clear_by: f64,
    /// The interval straddles the line.
    pub straddles: bool,
    /// Rounds in all that would clear the line, when it straddles (see the module doc);
    /// `None` when the point sits on the line.
    pub rounds_to_clear: Option<usize>,
}

/// One criterion, as the advice reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Standing {
    pub name: String,
    pub critical: bool,
    pub state: State,
    pub unit: String,
    pub op: String,
    pub point: f64,
    /// (lo, hi, level) when the estimate has an interval.
    pub interval: Option<(f64, f64, f64)>,
    pub rounds: usize,
    pub target: Option<Margin>,
    pub no_go: Option<Margin>,
    pub noisy_host: bool,
    /// Why there is no estimate, or its note.
    pub note: Option<String>,
}

/// The next measurement that would most change the decision.
#[derive(Debug, Clone, PartialEq)]
pub enum Next {
    /// A critical criterion rests on contended samples: rerun it on a quiet host.
    QuietHost { criterion: String },
    /// Run `more` rounds (to `total`) to decide `criterion`, the critical one needing
    /// the fewest.
    MoreRounds {
        criterion: String,
        more: usize,
        total: usize,
    },
    /// A critical criterion has no estimate at all: measure it (its note says why).
    Measure { criterion: String, why: String },
    /// The verdict rests on shape twins: measure the published files.
    RealFiles,
    /// Every critical criterion is decided: the closest to flipping, and its margin.
    Decided { criterion: String },
}

/// The advice of one machine.
#[derive(Debug, Clone, PartialEq)]
pub struct Advice {
    pub standings: Vec<Standing>,
    pub next: Option<Next>,
}

/// Whether `value op line` holds.
fn holds(op: &str, value: f64, line: f64) -> bool {
    match op {
        ">=" => value >= line,
        ">" => value > line,
        "<=" => value <= line,
        "<" => value < line,
        _ => false,
    }
}

/// Rounds in all at which an interval with half-width `h` towards a line `d` away from
/// the point clears it, from `n` rounds now (see the module documentation).
pub fn rounds_to_clear(n: usize, h: f64, d: f64) -> Option<usize> {
    if d.is_nan() || d <= 0.0 || !h.is_finite() || n == 0 {
        return None;
    }
    if h < d {
        return Some(n);
    }
    let r = (n as f64 * (h / d).powi(2)).ceil();
    (r.is_finite() && r < 1e9).then_some(r as usize)
}

/// The margin of an estimate against `line` under `op`.
pub fn margin(op: &str, point: f64, lo: f64, hi: f64, n: usize, line: f64) -> Margin {
    let lo_ok = holds(op, lo, line);
    let hi_ok = holds(op, hi, line);
    let (clear_by, straddles) = match (lo_ok, hi_ok) {
        (true, true) => ((lo - line).abs().min((hi - line).abs()), false),
        (false, false) => (-(lo - line).abs().min((hi - line).abs()), false),
        _ => (0.0, true),
    };
    let rounds_to_clear = straddles
        .then(|| {
            let h = if point >= line {
                point - lo
            } else {
                hi - point
            };
            rounds_to_clear(n, h, (point - line).abs())
        })
        .flatten();
    Margin {
        line,
        clear_by,
        straddles,
        rounds_to_clear,
    }
}

fn standing(c: &CriterionResult) -> Standing {
    let mut s = Standing {
        name: c.name.clone(),
        critical: c.critical,
        state: c.state,
        unit: c.unit.clone(),
        op: c.op.clone(),
        point: f64::NAN,
        interval: None,
        rounds: 0,
        target: None,
        no_go: None,
        noisy_host: c.noisy_host,
        note: c.note.clone(),
    };
    let Some(e) = &c.estimate else { return s };
    s.point = e.point;
    s.rounds = e.rounds;
    let (lo, hi) = match e.interval {
        Some(i) => {
            s.interval = Some((i.lo, i.hi, i.level));
            (i.lo, i.hi)
        }
        // Decided on its value (min, max, report.complete): a zero-width interval.
        None if matches!(c.state, State::Pass | State::Fail) => (e.point, e.point),
        None => return s,
    };
    s.target = Some(margin(&c.op, e.point, lo, hi, e.rounds, c.target));
    s.no_go = c
        .no_go
        .map(|line| margin(&c.op, e.point, lo, hi, e.rounds, line));
    s
}

/// The advice of one machine's verdict; `on_twins`: the verdict rests on shape twins.
pub fn advice(verdict: &Verdict) -> Advice {
    let standings: Vec<Standing> = verdict.criteria.iter().map(standing).collect();
    let critical_open: Vec<&Standing> = standings
        .iter()
        .filter(|s| s.critical && matches!(s.state, State::Inconclusive | State::NotMeasured))
        .collect();
    let next = if let Some(s) = critical_open.iter().find(|s| s.noisy_host) {
        Some(Next::QuietHost {
            criterion: s.name.clone(),
        })
    } else if let Some((s, total)) = critical_open
        .iter()
        .filter_map(|s| {
            let need = [s.target, s.no_go]
                .iter()
                .flatten()
                .filter(|m| m.straddles)
                .map(|m| m.rounds_to_clear)
                .collect::<Option<Vec<usize>>>()?;
            need.into_iter().max().map(|t| (*s, t))
        })
        .min_by_key(|(_, t)| *t)
    {
        Some(Next::MoreRounds {
            criterion: s.name.clone(),
            more: total.saturating_sub(s.rounds),
            total,
        })
    } else if let Some(s) = critical_open.first() {
        Some(Next::Measure {
            criterion: s.name.clone(),
            why: s.note.clone().unwrap_or_else(|| "no estimate".into()),
        })
    } else if !verdict.twins.is_empty() {
        Some(Next::RealFiles)
    } else {
        standings
            .iter()
            .filter(|s| s.critical)
            .filter_map(|s| Some((s, relative(s)?)))
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(s, _)| Next::Decided {
                criterion: s.name.clone(),
            })
    };
    Advice { standings, next }
}

/// The smaller margin of a decided criterion relative to its line (for "closest to
/// flipping").
pub fn relative(s: &Standing) -> Option<f64> {
    [s.target, s.no_go]
        .iter()
        .flatten()
        .filter(|m| !m.straddles)
        .map(|m| {
            if m.line != 0.0 {
                (m.clear_by / m.line).abs()
            } else {
                m.clear_by.abs()
            }
        })
        .reduce(f64::min)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_to_clear_scale_with_the_square_of_the_spread() {
        // Half-width 0.4 towards a line 0.2 away at 5 rounds: (0.4/0.2)² × 5 = 20.
        assert_eq!(rounds_to_clear(5, 0.4, 0.2), Some(20));
        // Already clear: the rounds now.
        assert_eq!(rounds_to_clear(5, 0.1, 0.2), Some(5));
        // On the line: never.
        assert_eq!(rounds_to_clear(5, 0.4, 0.0), None);
    }

    #[test]
    fn margins_against_a_line_by_the_operator() {
        // >= 2.0, interval 2.1–2.5: clear by 0.1.
        let m = margin(">=", 2.3, 2.1, 2.5, 10, 2.0);
        assert!(!m.straddles && (m.clear_by - 0.1).abs() < 1e-12, "{m:?}");
        // <= 0.5, interval 0.6–0.8: wholly on the failing side, by 0.1.
        let m = margin("<=", 0.7, 0.6, 0.8, 10, 0.5);
        assert!(!m.straddles && (m.clear_by + 0.1).abs() < 1e-12, "{m:?}");
        // >= 1.0, interval 0.12–2.72, point 1.52: the lower half-width 1.40 against a
        // distance 0.52 → 5 × (1.40/0.52)² = 36.2 → 37 rounds.
        let m = margin(">=", 1.52, 0.12, 2.72, 5, 1.0);
        assert!(m.straddles);
        assert_eq!(m.rounds_to_clear, Some(37));
    }
}
