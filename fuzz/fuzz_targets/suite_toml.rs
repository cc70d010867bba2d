//! The suite parser on arbitrary text, loaded against the repository's models.toml
//! (`config::load`: parsing, every check between suite and models, settings per model),
//! then planned as `lfmbench run` plans it. Nothing may panic, hang or allocate without
//! bound; errors are the expected outcome.

#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use lfmbench::config;
use lfmbench::plan::ReadyModel;

/// A private folder with models.toml, made once per process.
fn dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = std::env::temp_dir().join(format!("lfmbench-fuzz-suite-{}", std::process::id()));
        std::fs::create_dir_all(&d).expect("temp dir");
        let models = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../models.toml");
        std::fs::copy(models, d.join("models.toml")).expect("models.toml");
        d
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let s = dir().join("suite.toml");
    if std::fs::write(&s, text).is_err() {
        return;
    }
    match config::load(&s, &dir().join("models.toml")) {
        Ok(loaded) => {
            let ready: Vec<ReadyModel> = loaded
                .model_ids()
                .into_iter()
                .map(|id| ReadyModel {
                    path: PathBuf::from(format!("{id}.gguf")),
                    id,
                    twin_of: None,
                })
                .collect();
            let jobs = lfmbench::plan::plan(&loaded, &ready);
            let _ = jobs.len();
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
