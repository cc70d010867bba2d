//! Value types that enforce what the statistics assume: finite values, and enough of
//! them. Built once at the edge (from records), so the functions downstream never meet
//! a NaN or an empty slice.

use std::collections::BTreeMap;

/// Why a statistic cannot be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StatsError {
    #[error("no samples")]
    Empty,
    #[error("value #{index} is {value}, not a finite number")]
    NotFinite { index: usize, value: f64 },
    #[error("value #{index} is {value}; percentiles need values >= 0")]
    Negative { index: usize, value: f64 },
    #[error("{got} sample(s), {needed} needed for {what}")]
    TooFew {
        needed: usize,
        got: usize,
        what: String,
    },
    #[error("no round has samples of both models, so no ratio can be paired")]
    NoPairs,
    #[error("the baseline's value is 0 in round {round}; a ratio to it is undefined")]
    ZeroDenominator { round: u32 },
    #[error("sequential plan: {0}")]
    BadPlan(String),
    #[error(
        "{rounds} rounds, but the sequential plan allows at most {max}; stop at {max} (what is not decided then is INCONCLUSIVE)"
    )]
    BeyondPlan { rounds: usize, max: usize },
}

pub(super) fn check_finite(values: &[f64]) -> Result<(), StatsError> {
    match values.iter().position(|v| !v.is_finite()) {
        Some(index) => Err(StatsError::NotFinite {
            index,
            value: values[index],
        }),
        None => Ok(()),
    }
}

/// At least two finite values (criterion.rs' `Sample` invariant): enough for a spread
/// and for a bootstrap.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    values: Vec<f64>,
    sorted: Vec<f64>,
}

impl Sample {
    pub fn new(values: &[f64]) -> Result<Sample, StatsError> {
        check_finite(values)?;
        if values.len() < 2 {
            return Err(StatsError::TooFew {
                needed: 2,
                got: values.len(),
                what: "a spread or an interval".into(),
            });
        }
        Ok(Sample {
            values: values.to_vec(),
            sorted: super::sorted(values),
        })
    }
    pub fn values(&self) -> &[f64] {
        &self.values
    }
    /// At least 2.
    pub fn len(&self) -> usize {
        self.values.len()
    }
    /// Never true: a `Sample` holds at least 2 values.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
    pub fn min(&self) -> f64 {
        self.sorted[0]
    }
    pub fn max(&self) -> f64 {
        self.sorted[self.sorted.len() - 1]
    }
    pub fn median(&self) -> f64 {
        super::quantile_sorted(&self.sorted, 0.5).unwrap_or(f64::NAN)
    }
}

/// One model's values of one metric, grouped by round. Rounds are the unit of
/// independence (each is a fresh process), so intervals resample whole rounds.
/// Invariants: at least one round, no empty round, every value finite.
#[derive(Debug, Clone, PartialEq)]
pub struct Rounds {
    rounds: Vec<(u32, Vec<f64>)>,
}

impl Rounds {
    /// Empty rounds are dropped; no round left is [`StatsError::Empty`].
    pub fn new(by_round: BTreeMap<u32, Vec<f64>>) -> Result<Rounds, StatsError> {
        let rounds: Vec<(u32, Vec<f64>)> = by_round
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .collect();
        if rounds.is_empty() {
            return Err(StatsError::Empty);
        }
        for (_, v) in &rounds {
            check_finite(v)?;
        }
        Ok(Rounds { rounds })
    }

    /// Rounds in order, each with its values.
    pub fn rounds(&self) -> &[(u32, Vec<f64>)] {
        &self.rounds
    }
    pub fn n_rounds(&self) -> usize {
        self.rounds.len()
    }
    /// Every value, rounds in order.
    pub fn pooled(&self) -> Vec<f64> {
        self.rounds
            .iter()
            .flat_map(|(_, v)| v.iter().copied())
            .collect()
    }
    pub fn get(&self, round: u32) -> Option<&[f64]> {
        self.rounds
            .iter()
            .find(|(r, _)| *r == round)
            .map(|(_, v)| v.as_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_refuses_nan_infinity_and_fewer_than_two() {
        assert!(matches!(
            Sample::new(&[1.0, f64::NAN]),
            Err(StatsError::NotFinite { index: 1, .. })
        ));
        assert!(matches!(
            Sample::new(&[f64::INFINITY, 1.0]),
            Err(StatsError::NotFinite { index: 0, .. })
        ));
        assert!(matches!(
            Sample::new(&[1.0]),
            Err(StatsError::TooFew {
                needed: 2,
                got: 1,
                ..
            })
        ));
        let s = Sample::new(&[3.0, 1.0, 2.0]).expect("valid");
        assert_eq!((s.min(), s.median(), s.max(), s.len()), (1.0, 2.0, 3.0, 3));
        assert_eq!(s.values(), &[3.0, 1.0, 2.0]);
    }

    #[test]
    fn rounds_drop_empty_rounds_and_refuse_nan() {
        let mut m = BTreeMap::new();
        m.insert(0, vec![1.0, 2.0]);
        m.insert(1, vec![]);
        m.insert(2, vec![3.0]);
        let r = Rounds::new(m).expect("valid");
        assert_eq!(r.n_rounds(), 2);
        assert_eq!(r.pooled(), vec![1.0, 2.0, 3.0]);
        assert_eq!(r.get(2), Some(&[3.0][..]));
        assert_eq!(r.get(1), None);

        let mut bad = BTreeMap::new();
        bad.insert(0, vec![f64::NAN]);
        assert!(matches!(
            Rounds::new(bad),
            Err(StatsError::NotFinite { .. })
        ));
        assert_eq!(Rounds::new(BTreeMap::new()), Err(StatsError::Empty));
    }
}
