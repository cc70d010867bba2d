//! Sweeps: a suite's lists of configurations to measure, and which points they make.
//!
//! A workload (decode, prefill) or the `[backend]` may name lists of backend settings,
//! `sweep = { threads = [1, 2], n_batch = [64, 256], quant = ["Q4_K_M", "Q8_0"] }`; a
//! workload's own `sweep` replaces the backend's. Each parameter varies on its own, the
//! others held at the suite's *named point* (the `[backend]` values and each model's own
//! file): one curve per parameter, not their product. A point equal to the named point is
//! the named point and is measured once. Prefill takes a list of prompt lengths
//! (`tokens = [64, 256]`, [`Counts`]); decode already takes `depths`.
//!
//! Pure: which points a suite measures for one model ([`points`]), nothing runs here.

use serde::de::{self, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::Resolved;
use crate::sample::Point;

/// Lists of backend settings to measure at (each varied alone).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sweep {
    /// CPU threads (0 = one per physical core).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub threads: Vec<u32>,
    /// Batch sizes (n_batch = n_ubatch): prefill speed depends on it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub n_batch: Vec<u32>,
    /// Quantizations; for a shape twin one twin is generated per quantization. A model
    /// file has one quantization: a file's other points are not measured (the report says so).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quant: Vec<String>,
}

impl Sweep {
    pub fn is_empty(&self) -> bool {
        self.threads.is_empty() && self.n_batch.is_empty() && self.quant.is_empty()
    }
}

/// A criterion's configuration: one value of a swept setting (`at = { threads = 1 }`).
/// Absent, a criterion judges the named point.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct At {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threads: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n_batch: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quant: Option<String>,
}

impl At {
    /// The records' point for one model: a value equal to the model's named one is the
    /// named point (its records carry no point).
    pub fn point_for(&self, named: &Resolved, named_quant: Option<&str>) -> Point {
        Point {
            threads: self.threads.filter(|t| *t != named.threads),
            n_batch: self.n_batch.filter(|b| *b != named.n_batch),
            quant: self
                .quant
                .clone()
                .filter(|q| !named_quant.is_some_and(|n| n.eq_ignore_ascii_case(q))),
            depth: None,
        }
    }

    /// How the report names it: "threads 1", "quant Q8_0".
    pub fn label(&self) -> String {
        let mut parts = Vec::new();
        if let Some(t) = self.threads {
            parts.push(format!("threads {t}"));
        }
        if let Some(b) = self.n_batch {
            parts.push(format!("n_batch {b}"));
        }
        if let Some(q) = &self.quant {
            parts.push(format!("quant {q}"));
        }
        parts.join(", ")
    }
}

/// One sweep point of a model: its record point, its settings and, for a quantization,
/// which quantization it needs.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepPoint {
    pub point: Point,
    pub settings: Resolved,
}

/// The points `sweep` makes for a model whose named settings are `named` (threads
/// resolved) and whose file is `named_quant`: every listed value but the named one, in
/// list order, threads first, then n_batch, then quant; `threads = 0` resolves to
/// `physical_cores`. Duplicates are measured once.
pub fn points(
    sweep: &Sweep,
    named: &Resolved,
    named_quant: Option<&str>,
    physical_cores: u32,
) -> Vec<SweepPoint> {
    let mut out: Vec<SweepPoint> = Vec::new();
    let mut push = |point: Point, settings: Resolved| {
        if !point.is_named() && !out.iter().any(|p| p.point == point) {
            out.push(SweepPoint { point, settings });
        }
    };
    for &t in &sweep.threads {
        let t = if t == 0 { physical_cores } else { t };
        let at = At {
            threads: Some(t),
            ..At::default()
        };
        push(
            at.point_for(named, named_quant),
            Resolved {
                threads: t,
                ..*named
            },
        );
    }
    for &b in &sweep.n_batch {
        let at = At {
            n_batch: Some(b),
            ..At::default()
        };
        push(
            at.point_for(named, named_quant),
            Resolved {
                n_batch: b,
                ..*named
            },
        );
    }
    for q in &sweep.quant {
        let at = At {
            quant: Some(q.clone()),
            ..At::default()
        };
        push(at.point_for(named, named_quant), *named);
    }
    out
}

/// One count or a list of them: `tokens = 512` or `tokens = [64, 256, 1024]`. Written
/// back as it was given (a single value stays a number).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counts(pub Vec<u32>);

impl Counts {
    pub fn one(n: u32) -> Counts {
        Counts(vec![n])
    }
    pub fn values(&self) -> &[u32] {
        &self.0
    }
    pub fn max(&self) -> u32 {
        self.0.iter().copied().max().unwrap_or(0)
    }
    /// More than one value: a sweep.
    pub fn is_sweep(&self) -> bool {
        self.0.len() > 1
    }
}

impl Serialize for Counts {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0.as_slice() {
            [one] => s.serialize_u32(*one),
            many => many.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Counts {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Counts, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Counts;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a whole number of tokens, or a list of them like [64, 256, 1024]")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Counts, E> {
                u32::try_from(v)
                    .map(Counts::one)
                    .map_err(|_| E::custom(format!("{v} is not a token count (0 to 4294967295)")))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Counts, E> {
                u32::try_from(v)
                    .map(Counts::one)
                    .map_err(|_| E::custom(format!("{v} is not a token count (0 to 4294967295)")))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Counts, A::Error> {
                let mut v = Vec::new();
                while let Some(n) = seq.next_element::<u32>()? {
                    v.push(n);
                }
                if v.is_empty() {
                    return Err(de::Error::custom(
                        "an empty list measures nothing: give at least one token count",
                    ));
                }
                Ok(Counts(v))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named() -> Resolved {
        Resolved {
            threads: 2,
            n_ctx: 512,
            n_batch: 64,
            n_gpu_layers: 0,
            use_mmap: true,
        }
    }

    #[test]
    fn the_named_value_is_not_a_point_of_its_own() {
        let s = Sweep {
            threads: vec![1, 2, 0, 1],
            n_batch: vec![64, 128],
            quant: vec!["q4_k_m".into(), "Q8_0".into()],
        };
        let p = points(&s, &named(), Some("Q4_K_M"), 2);
        let labels: Vec<String> = p.iter().map(|p| p.point.label()).collect();
        // threads 2 and 0 (= 2 physical cores) are the named point; 1 is listed twice.
        assert_eq!(labels, ["threads 1", "n_batch 128", "quant Q8_0"]);
        assert_eq!(p[0].settings.threads, 1);
        assert_eq!(p[1].settings.n_batch, 128);
        assert_eq!(
            p[1].settings.threads, 2,
            "other settings stay at the named point"
        );
    }

    #[test]
    fn counts_read_one_or_many_and_write_back_the_same_shape() {
        #[derive(Deserialize, Serialize)]
        struct W {
            tokens: Counts,
        }
        let one: W = toml::from_str("tokens = 512").expect("one");
        assert_eq!(one.tokens, Counts::one(512));
        assert_eq!(toml::to_string(&one).expect("ser").trim(), "tokens = 512");
        let many: W = toml::from_str("tokens = [64, 256]").expect("many");
        assert!(many.tokens.is_sweep());
        assert_eq!(
            toml::to_string(&many).expect("ser").trim(),
            "tokens = [64, 256]"
        );
        for bad in ["tokens = []", "tokens = -1", "tokens = \"x\""] {
            assert!(toml::from_str::<W>(bad).is_err(), "{bad}");
        }
    }
}
