//! `lfmbench models`: models.toml with what each GGUF file really is.

use std::path::Path;
use std::process::ExitCode;

use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};

use crate::config;

pub fn cli(models_path: &Path) -> anyhow::Result<ExitCode> {
    let (_, models) = config::load_models(models_path)?;
    let base = models_path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED);
    t.set_header([
        "id",
        "family",
        "file",
        "architecture",
        "params",
        "quant",
        "size",
        "chat template",
        "status",
    ]);
    for m in &models.models {
        let path = m.resolved_path(&base);
        let file = path
            .as_ref()
            .map_or("—".to_string(), |p| p.display().to_string());
        let row = match path.as_deref().map(crate::gguf::read_info) {
            Some(Ok(info)) => {
                let status = match &info.twin {
                    Some(tw) => format!(
                        "twin of {} (seed {}): random weights, speed/memory only",
                        tw.of, tw.seed
                    ),
                    None => "ok".into(),
                };
                vec![
                    m.id.clone(),
                    m.family.clone(),
                    file,
                    info.architecture,
                    format!("{:.1} M", info.n_params as f64 / 1e6),
                    info.quant,
                    format!("{:.1} MB", info.file_bytes as f64 / 1e6),
                    if info.has_chat_template { "yes" } else { "NO" }.into(),
                    status,
                ]
            }
            Some(Err(e)) => {
                let status = if path.as_ref().is_some_and(|p| !p.exists()) {
                    if m.is_twin() {
                        "twin not generated yet (made on first run)".to_string()
                    } else {
                        format!(
                            "missing — {}",
                            m.how_to_get.as_deref().unwrap_or("see models.toml")
                        )
                    }
                } else {
                    format!("unreadable: {e:#}")
                };
                vec![
                    m.id.clone(),
                    m.family.clone(),
                    file,
                    "—".into(),
                    "—".into(),
                    "—".into(),
                    "—".into(),
                    "—".into(),
                    status,
                ]
            }
            None => vec![
                m.id.clone(),
                m.family.clone(),
                file,
                "—".into(),
                "—".into(),
                "—".into(),
                "—".into(),
                "—".into(),
                format!("{:?} backend", m.backend),
            ],
        };
        t.add_row(row);
    }
    println!("{t}");
    Ok(ExitCode::SUCCESS)
}
