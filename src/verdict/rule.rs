//! The one rule every line is judged by — a criterion's target and its NO-GO line alike:
//! where the estimate's interval stands against `op line`, and how that reads in a note.
//!
//! The whole interval satisfies `op line`: [`Standing::Holds`]; the whole interval
//! violates it: [`Standing::Violates`]; part of it each: [`Standing::Straddles`]. A bound
//! exactly on the line counts on the side `op` puts it (`>= 1.5` holds at 1.5, `> 1.5`
//! does not), so "touching" is decided by the same comparison as every other value.
//! Without an interval a statistic decided on its value (min, max, the report's own
//! deliverables) is judged on the value; any other is [`Standing::Undecided`].

use super::format::fmt_value;
use super::types::Standing;
use crate::config::Op;
use crate::stats::{Estimate, Interval};

/// Where `est` stands against `op line`; `on_value`: the statistic has no interval by
/// nature and is decided on its value.
pub fn standing(est: &Estimate, op: Op, line: f64, on_value: bool) -> Standing {
    match est.interval {
        Some(i) => match (op.holds(i.lo, line), op.holds(i.hi, line)) {
            (true, true) => Standing::Holds,
            (false, false) => Standing::Violates,
            _ => Standing::Straddles,
        },
        None if on_value => {
            if op.holds(est.point, line) {
                Standing::Holds
            } else {
                Standing::Violates
            }
        }
        None => Standing::Undecided,
    }
}

/// "the 93.8 % interval (order statistics) 1.87×–2.03×": an interval with the level it
/// achieves and its method, as notes and reasons name it.
pub fn interval_text(i: &Interval, unit: &str) -> String {
    format!(
        "the {} {}–{}",
        i.label(),
        fmt_value(i.lo, unit),
        fmt_value(i.hi, unit)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::Method;

    fn est(lo: f64, hi: f64) -> Estimate {
        Estimate {
            point: (lo + hi) / 2.0,
            interval: Some(Interval {
                lo,
                hi,
                level: 0.9375,
                method: Method::OrderStatistics,
            }),
            n: 5,
            rounds: 5,
            no_interval: None,
        }
    }

    #[test]
    fn a_bound_on_the_line_counts_on_the_side_op_gives_it() {
        assert_eq!(
            standing(&est(1.5, 1.8), Op::Ge, 1.5, false),
            Standing::Holds
        );
        assert_eq!(
            standing(&est(1.5, 1.8), Op::Gt, 1.5, false),
            Standing::Straddles
        );
        assert_eq!(
            standing(&est(1.2, 1.5), Op::Ge, 1.5, false),
            Standing::Straddles
        );
        assert_eq!(
            standing(&est(1.2, 1.5), Op::Gt, 1.5, false),
            Standing::Violates
        );
        assert_eq!(
            standing(&est(0.6, 0.7), Op::Le, 0.7, false),
            Standing::Holds
        );
        assert_eq!(
            standing(&est(0.71, 0.9), Op::Le, 0.7, false),
            Standing::Violates
        );
    }

    #[test]
    fn without_an_interval_only_a_value_statistic_is_judged() {
        let mut e = est(1.0, 1.0);
        e.interval = None;
        assert_eq!(standing(&e, Op::Ge, 1.0, true), Standing::Holds);
        assert_eq!(standing(&e, Op::Gt, 1.0, true), Standing::Violates);
        assert_eq!(standing(&e, Op::Ge, 0.5, false), Standing::Undecided);
        let i = est(1.87, 2.03).interval.expect("interval");
        assert_eq!(
            interval_text(&i, "×"),
            "the 93.8 % interval (order statistics) 1.87×–2.03×"
        );
    }
}
