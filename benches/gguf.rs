//! GGUF header parsing of a real model file (SmolLM2-135M Q4_1 from
//! scripts/fetch-test-models.sh): what `lfmbench models` and every run's pre-flight pay.
//! Skipped, with a message, when the file is absent.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};

fn header(c: &mut Criterion) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("models/cache/SmolLM2-135M-Instruct.Q4_1.gguf");
    if !path.exists() {
        eprintln!(
            "SKIPPED gguf bench: {} is missing (run scripts/fetch-test-models.sh)",
            path.display()
        );
        return;
    }
    c.bench_function("gguf read_info SmolLM2-135M", |b| {
        b.iter(|| lfmbench::gguf::read_info(black_box(&path)).map(|i| i.n_tensors))
    });
}

criterion_group!(benches, header);
criterion_main!(benches);
