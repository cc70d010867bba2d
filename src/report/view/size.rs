//! Model size against speed and memory, for every model of a run whose file's parameters
//! were recorded: decode tokens/s at the shallowest named depth and peak RSS of the named
//! bench process, each a median over rounds with its interval.

use super::*;

/// One model by its size.
#[derive(Debug, Clone, PartialEq)]
pub struct SizeRow {
    pub model: String,
    pub colour: usize,
    /// models.toml `family` (lfm2, qwen3, gemma3, …).
    pub family: String,
    pub n_params: u64,
    pub quant: String,
    pub file_bytes: Option<u64>,
    /// (depth, decode tok/s).
    pub decode: Option<(u32, Estimate)>,
    pub peak_rss: Option<Estimate>,
}

pub(super) fn size_rows(run: &StoredRun, models: &[ModelView]) -> Vec<SizeRow> {
    let depth = decode_depths(&run.records).first().copied();
    let mut rows: Vec<SizeRow> = models
        .iter()
        .enumerate()
        .filter_map(|(colour, m)| {
            let f = run.meta.files.get(&m.id)?;
            Some(SizeRow {
                model: m.id.clone(),
                colour,
                family: run
                    .models
                    .models
                    .iter()
                    .find(|e| e.id == m.id)
                    .map_or_else(|| "other".to_string(), |e| e.family.clone()),
                n_params: f.n_params,
                quant: f.quant.clone(),
                file_bytes: m.file_bytes,
                decode: depth.and_then(|d| {
                    Some((
                        d,
                        m.metric(MetricName::DecodeTokensPerS { depth: d })?
                            .median
                            .clone(),
                    ))
                }),
                peak_rss: m.memory.as_ref().map(|x| x.peak.clone()),
            })
        })
        .collect();
    rows.sort_by(|a, b| a.n_params.cmp(&b.n_params).then(a.model.cmp(&b.model)));
    rows
}
