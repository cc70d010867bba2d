//! The model architectures the linked llama.cpp can load.
//!
//! `KNOWN` is the `LLM_ARCH_NAMES` table of the vendored llama.cpp
//! (`llama-cpp-sys-2-0.1.160/llama.cpp/src/llama-arch.cpp`), without `clip` (a dummy
//! entry only llama-quantize uses) and `(unknown)`. It was extracted with
//!
//! ```sh
//! sed -n '/LLM_ARCH_NAMES = {/,/^};/p' src/llama-arch.cpp | grep -o '"[^"]*"' \
//!   | grep -v '"(unknown)"\|"clip"'
//! ```
//!
//! and a unit test re-reads that source (found through `cargo metadata`) and fails when the
//! two differ, so a llama-cpp-2 upgrade shows up here.

/// The llama-cpp-sys-2 version whose llama.cpp this list describes.
pub const LLAMA_CPP_SYS_VERSION: &str = "0.1.160";

/// Architecture names (`general.architecture`) llama.cpp knows, in its own order.
pub const KNOWN: &[&str] = &[
    "llama",
    "llama4",
    "deci",
    "falcon",
    "grok",
    "gpt2",
    "gptj",
    "gptneox",
    "mpt",
    "baichuan",
    "starcoder",
    "refact",
    "bert",
    "modern-bert",
    "nomic-bert",
    "nomic-bert-moe",
    "neo-bert",
    "jina-bert-v2",
    "jina-bert-v3",
    "eurobert",
    "bloom",
    "stablelm",
    "qwen",
    "qwen2",
    "qwen2moe",
    "qwen2vl",
    "qwen3",
    "qwen3moe",
    "qwen3next",
    "qwen3vl",
    "qwen3vlmoe",
    "qwen35",
    "qwen35moe",
    "clef",
    "qwen4exp",
    "phi2",
    "phi3",
    "phimoe",
    "plamo",
    "plamo2",
    "plamo3",
    "codeshell",
    "orion",
    "internlm2",
    "minicpm",
    "minicpm3",
    "gemma",
    "gemma2",
    "gemma3",
    "gemma3n",
    "gemma4",
    "gemma4-assistant",
    "gemma-embedding",
    "starcoder2",
    "mamba",
    "mamba2",
    "maple",
    "jamba",
    "falcon-h1",
    "xverse",
    "command-r",
    "cohere2",
    "cohere2moe",
    "dbrx",
    "olmo",
    "olmo2",
    "olmoe",
    "muse-glimmer",
    "openelm",
    "arctic",
    "deepseek",
    "deepseek2",
    "deepseek2-ocr",
    "deepseek32",
    "deepseek4",
    "chatglm",
    "glm4",
    "glm4moe",
    "glm-dsa",
    "bitnet",
    "t5",
    "t5encoder",
    "jais",
    "jais2",
    "nemotron",
    "nemotron_h",
    "nemotron_h_moe",
    "exaone",
    "exaone4",
    "exaone-moe",
    "rwkv6",
    "rwkv6qwen2",
    "rwkv7",
    "arwkv7",
    "granite",
    "granitemoe",
    "granitehybrid",
    "graniteswitch",
    "granite_swa",
    "chameleon",
    "wavtokenizer-dec",
    "plm",
    "bailingmoe",
    "bailingmoe2",
    "bailingmoe3",
    "dots1",
    "dots3note",
    "arcee",
    "afmoe",
    "laguna",
    "ernie4_5",
    "ernie4_5-moe",
    "hunyuan-moe",
    "hunyuan-dense",
    "hunyuan_vl",
    "hy_v3",
    "hy_v4",
    "smollm3",
    "gpt-oss",
    "lfm2",
    "lfm2moe",
    "dream",
    "smallthinker",
    "llada",
    "llada-moe",
    "seed_oss",
    "grovemoe",
    "apertus",
    "minimax-01",
    "hrm_text",
    "minimax-m2",
    "minimax-m3",
    "cogvlm",
    "rnd1",
    "pangu-embedded",
    "mistral3",
    "eagle3",
    "dflash",
    "mistral4",
    "paddleocr",
    "mimo2",
    "step35",
    "spark2_5",
    "llama-embed",
    "maincoder",
    "kimi-linear",
    "kimi-k3",
    "glm5-next",
    "talkie",
    "mellum",
    "nanbeige",
    "qwen3tts",
    "pockettts",
];

/// Does the linked llama.cpp know this architecture?
pub fn is_known(arch: &str) -> bool {
    KNOWN.contains(&arch)
}

/// Where the vendored llama.cpp's sources are, if they can be found: through
/// `cargo metadata` (the package's manifest path), else in cargo's registry folder.
#[cfg(test)]
pub fn vendored_llama_cpp() -> Option<std::path::PathBuf> {
    use std::path::PathBuf;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let from_metadata = std::process::Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--offline"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| serde_json::from_slice::<serde_json::Value>(&o.stdout).ok())
        .and_then(|m| {
            m["packages"].as_array()?.iter().find_map(|p| {
                (p["name"] == "llama-cpp-sys-2" && p["version"] == LLAMA_CPP_SYS_VERSION)
                    .then(|| p["manifest_path"].as_str().map(PathBuf::from))
                    .flatten()
            })
        })
        .and_then(|m| m.parent().map(|d| d.join("llama.cpp")));
    if let Some(d) = from_metadata.filter(|d| d.is_dir()) {
        return Some(d);
    }
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))?;
    std::fs::read_dir(home.join("registry/src"))
        .ok()?
        .filter_map(Result::ok)
        .map(|e| {
            e.path()
                .join(format!("llama-cpp-sys-2-{LLAMA_CPP_SYS_VERSION}/llama.cpp"))
        })
        .find(|d| d.is_dir())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// KNOWN is exactly llama-arch.cpp's LLM_ARCH_NAMES (less `clip` and `(unknown)`).
    #[test]
    fn known_matches_vendored_llama_arch_cpp() {
        let Some(dir) = vendored_llama_cpp() else {
            eprintln!(
                "SKIPPED: the vendored llama.cpp sources of llama-cpp-sys-2 {LLAMA_CPP_SYS_VERSION} were not found (cargo metadata, CARGO_HOME)"
            );
            return;
        };
        let src =
            std::fs::read_to_string(dir.join("src/llama-arch.cpp")).expect("read llama-arch.cpp");
        let start = src
            .find("LLM_ARCH_NAMES = {")
            .expect("LLM_ARCH_NAMES in llama-arch.cpp");
        let table = &src[start..];
        let table = &table[..table.find("};").expect("end of LLM_ARCH_NAMES")];
        let names: Vec<&str> = table
            .lines()
            .filter(|l| l.trim_start().starts_with("{ LLM_ARCH_"))
            .filter_map(|l| l.split('"').nth(1))
            .filter(|n| *n != "(unknown)" && *n != "clip")
            .collect();
        assert_eq!(names, KNOWN, "update KNOWN from {}", dir.display());
        for a in ["lfm2", "lfm2moe", "qwen3", "gemma3", "llama"] {
            assert!(is_known(a));
        }
        assert!(!is_known("lfm3"));
    }
}
