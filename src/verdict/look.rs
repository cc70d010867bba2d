//! One look of a run made with `--until-decided`, after a complete round: for each
//! watched criterion (`super::sequential`) its values so far — read as the verdict reads
//! them (`super::criterion::round_values`) —, the plan's interval and whether it is clear
//! of the target and of the NO-GO line.

use super::criterion::round_values;
use super::sequential::watched;
use super::types::Inputs;
use crate::stats::Plan;
use crate::store::sequential::CriterionLook;

/// Every watched criterion of `inputs.suite` at this look, in the suite's order.
pub fn look(plan: &Plan, inputs: &Inputs<'_>) -> Vec<CriterionLook> {
    let (watched, _) = watched(inputs.suite);
    watched
        .into_iter()
        .map(|c| {
            let lines: Vec<f64> = std::iter::once(c.target).chain(c.no_go).collect();
            let mut out = CriterionLook {
                name: c.name.clone(),
                values: 0,
                lo: None,
                hi: None,
                decided: false,
                why: None,
            };
            let values = match round_values(c, inputs) {
                Ok(v) => v,
                Err(why) => {
                    out.why = Some(why);
                    return out;
                }
            };
            out.values = values.len();
            match plan.look(&values, &lines) {
                Ok(l) => {
                    out.decided = l.decided;
                    out.lo = l.interval.map(|i| i.lo);
                    out.hi = l.interval.map(|i| i.hi);
                    if l.interval.is_none() {
                        out.why = Some(match plan.first_interval_at() {
                            Some(first) => format!("no interval before {first} rounds"),
                            None => {
                                format!("a plan of {} rounds gives no interval", plan.max_rounds())
                            }
                        });
                    }
                }
                Err(e) => out.why = Some(e.to_string()),
            }
            out
        })
        .collect()
}
