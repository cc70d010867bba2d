//! Suite and models.toml parsing, and their cross-validation, on arbitrary text.
//!
//! Input: `suite text` + `\n#--models--\n` + `models text` (either part may be garbage).
//! Each part is parsed alone (`parse_toml::<Suite>` / `<ModelsFile>`), every error is
//! rendered (line/column arithmetic, suggestions), and when the texts are UTF-8 both are
//! written to files and loaded together (`config::load`: the checks between them).
//! Nothing may panic; errors are the expected outcome.

#![no_main]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use lfmbench::config::{self, ModelsFile, Suite};

const SEP: &str = "\n#--models--\n";

/// A private folder for the two files, made once per process.
fn dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = std::env::temp_dir().join(format!("lfmbench-fuzz-config-{}", std::process::id()));
        std::fs::create_dir_all(&d).expect("temp dir");
        d
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (suite_text, models_text) = text.split_once(SEP).unwrap_or((text, ""));
    if let Err(e) = config::parse_toml::<Suite>(Path::new("suite.toml"), suite_text) {
        let _ = e.to_string();
    }
    if let Err(e) = config::parse_toml::<ModelsFile>(Path::new("models.toml"), models_text) {
        let _ = e.to_string();
    }
    let (s, m) = (dir().join("suite.toml"), dir().join("models.toml"));
    if std::fs::write(&s, suite_text).is_ok() && std::fs::write(&m, models_text).is_ok() {
        match config::load(&s, &m) {
            Ok(loaded) => {
                for id in loaded.model_ids() {
                    let _ = loaded.settings_for(&id);
                }
            }
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }
});
