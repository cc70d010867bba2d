//! Minimum hardware per model, derived from the machines measured: the RAM it needs (peak
//! RSS at the suite's context, the largest over machines) and the memory bandwidth it
//! needs for interactive decode rates, from the roofline relation fitted to the machines.
//!
//! **The relation.** Decoding a token reads every weight once (and the KV cache at
//! depth), so decode ≈ f · BW ÷ B, with BW the measured read bandwidth, B the bytes read
//! per token (the model file at depth 0, where the KV cache is empty) and f the fraction
//! of the bound a machine achieves (compute, caches and threads decide it). f is fitted
//! per model as the median of fᵢ = decodeᵢ · B ÷ BWᵢ over the machines with a bandwidth
//! probe and a decode at depth 0; the bandwidth for R tokens/s is then R · B ÷ f, and each
//! machine's predicted decode f · BWᵢ ÷ B is set against its measured one. With one
//! machine the fit reproduces it by construction: the prediction is tested only by a
//! second machine. Deeper contexts read the KV cache too: the bandwidth needed at depth d
//! scales by decode(0) ÷ decode(d) as measured on the same machine.

use super::{ModelView, RunView};
use crate::metric::MetricName;

/// The interactive decode rates requirements are stated for (tokens/s), as issue #20
/// asks: 10 is about reading speed, 20 a fluent stream.
pub const INTERACTIVE_RATES: [f64; 2] = [10.0, 20.0];

/// One machine's point of the fit.
#[derive(Debug, Clone, PartialEq)]
pub struct MachinePoint {
    pub machine: String,
    pub bandwidth_gbps: f64,
    pub measured: f64,
    pub predicted: f64,
    /// fᵢ of this machine.
    pub fraction: f64,
}

/// What one model needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Requirement {
    pub model: String,
    /// (machine, median peak RSS in bytes) per machine measured.
    pub rss: Vec<(String, f64)>,
    /// n_ctx the RSS was measured at (the settings' largest), when recorded.
    pub n_ctx: Option<u32>,
    pub file_bytes: Option<u64>,
    /// The fitted fraction f and the machines it comes from.
    pub fraction: Option<f64>,
    pub points: Vec<MachinePoint>,
    /// (rate, GB/s needed at depth 0) for each of [`INTERACTIVE_RATES`].
    pub bandwidth_for: Vec<(f64, f64)>,
    /// (depth, decode(0) ÷ decode(depth)) at the deepest depth measured, median over
    /// machines.
    pub depth_factor: Option<(u32, f64)>,
}

fn decode_at(m: &ModelView, depth: u32) -> Option<f64> {
    m.metric(MetricName::DecodeTokensPerS { depth })
        .map(|r| r.median.point)
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    v.retain(|x| x.is_finite());
    crate::stats::median(&v)
}

/// The fraction of the bandwidth bound achieved, fitted over machines: the median of
/// decode · bytes ÷ bandwidth over (GB/s, tokens/s) pairs.
pub fn fit_fraction(bytes_per_token: f64, pairs: &[(f64, f64)]) -> Option<f64> {
    median(
        pairs
            .iter()
            .map(|(bw, d)| d * bytes_per_token / (bw * 1e9))
            .collect(),
    )
    .filter(|f| *f > 0.0)
}

/// The bandwidth (GB/s) that decodes `rate` tokens/s at fraction `f` of the bound.
pub fn bandwidth_for(rate: f64, bytes_per_token: f64, f: f64) -> f64 {
    rate * bytes_per_token / f / 1e9
}

/// The requirements of every model of the views, in the order they first appear.
pub fn requirements(views: &[RunView<'_>]) -> Vec<Requirement> {
    let mut ids: Vec<String> = Vec::new();
    for v in views {
        for m in &v.models {
            if !ids.contains(&m.id) {
                ids.push(m.id.clone());
            }
        }
    }
    ids.iter()
        .map(|id| {
            let on: Vec<(&RunView<'_>, &ModelView)> = views
                .iter()
                .filter_map(|v| v.model(id).map(|m| (v, m)))
                .collect();
            let file_bytes = on.iter().find_map(|(_, m)| m.file_bytes).filter(|b| *b > 0);
            let rss = on
                .iter()
                .filter_map(|(v, m)| Some((v.machine.clone(), m.memory.as_ref()?.peak.point)))
                .collect();
            let n_ctx = on
                .iter()
                .filter_map(|(v, _)| v.run.meta.settings.get(id).map(|s| s.n_ctx))
                .max();
            let raw: Vec<(String, f64, f64)> = on
                .iter()
                .filter_map(|(v, m)| {
                    Some((
                        v.machine.clone(),
                        v.run.host.memory_bandwidth_gbps?,
                        decode_at(m, 0)?,
                    ))
                })
                .filter(|(_, bw, d)| *bw > 0.0 && *d > 0.0)
                .collect();
            let (fraction, points, bandwidth_for) = match file_bytes {
                Some(b) if !raw.is_empty() => {
                    let b = b as f64;
                    let fr = |bw: f64, d: f64| d * b / (bw * 1e9);
                    let pairs: Vec<(f64, f64)> = raw.iter().map(|(_, bw, d)| (*bw, *d)).collect();
                    match fit_fraction(b, &pairs) {
                        Some(f) if f > 0.0 => (
                            Some(f),
                            raw.iter()
                                .map(|(name, bw, d)| MachinePoint {
                                    machine: name.clone(),
                                    bandwidth_gbps: *bw,
                                    measured: *d,
                                    predicted: f * bw * 1e9 / b,
                                    fraction: fr(*bw, *d),
                                })
                                .collect(),
                            INTERACTIVE_RATES
                                .iter()
                                .map(|r| (*r, bandwidth_for(*r, b, f)))
                                .collect(),
                        ),
                        _ => (None, Vec::new(), Vec::new()),
                    }
                }
                _ => (None, Vec::new(), Vec::new()),
            };
            let depth_factor = on
                .iter()
                .filter_map(|(_, m)| {
                    // From the figures, not the samples (dropped once summarised).
                    let deepest = m
                        .metrics
                        .iter()
                        .filter_map(|r| match r.metric {
                            MetricName::DecodeTokensPerS { depth } => Some(depth),
                            _ => None,
                        })
                        .max()?;
                    (deepest > 0).then_some(())?;
                    Some((deepest, decode_at(m, 0)? / decode_at(m, deepest)?))
                })
                .fold(Vec::<(u32, f64)>::new(), |mut acc, x| {
                    acc.push(x);
                    acc
                });
            let depth_factor = depth_factor.iter().map(|(d, _)| *d).max().and_then(|deep| {
                median(
                    depth_factor
                        .iter()
                        .filter(|(d, _)| *d == deep)
                        .map(|(_, f)| *f)
                        .collect(),
                )
                .map(|f| (deep, f))
            });
            Requirement {
                model: id.clone(),
                rss,
                n_ctx,
                file_bytes,
                fraction,
                points,
                bandwidth_for,
                depth_factor,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fit_is_the_median_fraction_and_inverts_to_bandwidth() {
        // 100 MB per token: 50 GB/s giving 250 tok/s is half the bound (500); 20 GB/s
        // giving 40 tok/s is a fifth (200); 10 GB/s giving 30 tok/s is 0.3.
        let b = 100e6;
        let f = fit_fraction(b, &[(50.0, 250.0), (20.0, 40.0), (10.0, 30.0)]).expect("fit");
        assert!((f - 0.3).abs() < 1e-12, "{f}");
        // 10 tok/s of 100 MB at 30 % of the bound needs 10 × 0.1 GB ÷ 0.3 = 3.33 GB/s.
        assert!((bandwidth_for(10.0, b, f) - 10.0 / 3.0).abs() < 1e-9);
        assert_eq!(fit_fraction(b, &[]), None);
    }
}
