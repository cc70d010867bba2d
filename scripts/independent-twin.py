#!/usr/bin/env python3
"""An independent shape twin, for checking lfmbench's own twins against llama-bench.

lfmbench writes its twins with its own Rust GGUF writer (src/twin/). A mistake there (a
missing tensor, a wrong shape, a wrong hyperparameter key) would make a twin time unlike
the real model while still loading. This script builds the same twin a second way that
shares no code with lfmbench: llama.cpp's own Python GGUF library (gguf-py, from the
llama-cpp-python sdist), the Hugging Face tensor names of the published checkpoint mapped
to GGUF names by gguf-py's own TensorNameMap, and hyperparameters written the way
llama.cpp's converter (conversion/lfm2.py, conversion/base.py) writes them, from the
published config.json values transcribed below. The F16 result is then quantized by
llama.cpp's own llama-quantize.

    python3 scripts/independent-twin.py ARCH OUT.gguf [--gguf-py DIR]
    ARCH: lfm2-350m | qwen3-0.6b

Used by scripts/compare-llama-bench.sh --twins. Needs numpy and gguf-py (PyPI `gguf`, which
is llama.cpp's gguf-py, or --gguf-py pointing at a llama.cpp tree's gguf-py).
"""

import argparse
import sys

# config.json of the published checkpoints (huggingface.co/<repo>/blob/main/config.json).
CONFIGS = {
    # LiquidAI/LFM2-350M
    "lfm2-350m": {
        "architectures": ["Lfm2ForCausalLM"],
        "hidden_size": 1024,
        "intermediate_size": 6656,
        "block_auto_adjust_ff_dim": True,
        "block_ffn_dim_multiplier": 1.0,
        "block_multiple_of": 256,
        "conv_L_cache": 3,
        "layer_types": ["conv", "conv", "full_attention", "conv", "conv", "full_attention",
                        "conv", "conv", "full_attention", "conv", "full_attention", "conv",
                        "full_attention", "conv", "full_attention", "conv"],
        "max_position_embeddings": 128000,
        "norm_eps": 1e-05,
        "num_attention_heads": 16,
        "num_hidden_layers": 16,
        "num_key_value_heads": 8,
        "rope_theta": 1000000.0,
        "tie_embedding": True,
        "vocab_size": 65536,
    },
    # Qwen/Qwen3-0.6B
    "qwen3-0.6b": {
        "architectures": ["Qwen3ForCausalLM"],
        "head_dim": 128,
        "hidden_size": 1024,
        "intermediate_size": 3072,
        "max_position_embeddings": 40960,
        "num_attention_heads": 16,
        "num_hidden_layers": 28,
        "num_key_value_heads": 8,
        "rms_norm_eps": 1e-06,
        "rope_theta": 1000000,
        "tie_word_embeddings": True,
        "vocab_size": 151936,
    },
}


def hf_tensors(arch, c):
    """(HF name, shape in PyTorch order) of every weight of the checkpoint."""
    h, v = c["hidden_size"], c["vocab_size"]
    nh, nkv = c["num_attention_heads"], c["num_key_value_heads"]
    hd = c.get("head_dim", h // nh)

    def attention(p, out_proj, q_norm, k_norm):
        """Grouped-query attention with q/k norms; the two checkpoints name parts apart."""
        return [
            (p + "self_attn.q_proj.weight", (nh * hd, h)),
            (p + "self_attn.k_proj.weight", (nkv * hd, h)),
            (p + "self_attn.v_proj.weight", (nkv * hd, h)),
            (p + f"self_attn.{out_proj}.weight", (h, nh * hd)),
            (p + f"self_attn.{q_norm}.weight", (hd,)),
            (p + f"self_attn.{k_norm}.weight", (hd,)),
        ]

    out = [("model.embed_tokens.weight", (v, h))]
    if arch == "lfm2-350m":
        ff = int(2 * c["intermediate_size"] / 3)
        ff = int(c["block_ffn_dim_multiplier"] * ff)
        m = c["block_multiple_of"]
        ff = m * ((ff + m - 1) // m)
        for i, kind in enumerate(c["layer_types"]):
            p = f"model.layers.{i}."
            out += [(p + "operator_norm.weight", (h,)), (p + "ffn_norm.weight", (h,))]
            if kind == "conv":
                out += [
                    (p + "conv.conv.weight", (h, 1, c["conv_L_cache"])),
                    (p + "conv.in_proj.weight", (3 * h, h)),
                    (p + "conv.out_proj.weight", (h, h)),
                ]
            else:
                out += attention(p, "out_proj", "q_layernorm", "k_layernorm")
            out += [
                (p + "feed_forward.w1.weight", (ff, h)),
                (p + "feed_forward.w3.weight", (ff, h)),
                (p + "feed_forward.w2.weight", (h, ff)),
            ]
        out.append(("model.embedding_norm.weight", (h,)))
        return out, ff
    ff = c["intermediate_size"]
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        out += [
            (p + "input_layernorm.weight", (h,)),
            (p + "post_attention_layernorm.weight", (h,)),
        ]
        out += attention(p, "o_proj", "q_norm", "k_norm")
        out += [
            (p + "mlp.gate_proj.weight", (ff, h)),
            (p + "mlp.up_proj.weight", (ff, h)),
            (p + "mlp.down_proj.weight", (h, ff)),
        ]
    out.append(("model.norm.weight", (h,)))
    return out, ff


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("arch", choices=sorted(CONFIGS))
    ap.add_argument("out")
    ap.add_argument("--gguf-py", help="a llama.cpp tree's gguf-py (default: the installed gguf)")
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    if a.gguf_py:
        sys.path.insert(0, a.gguf_py)
    import numpy as np
    import gguf

    c = CONFIGS[a.arch]
    is_lfm2 = a.arch.startswith("lfm2")
    arch = gguf.MODEL_ARCH.LFM2 if is_lfm2 else gguf.MODEL_ARCH.QWEN3
    n_layer = c["num_hidden_layers"]
    names = gguf.get_tensor_name_map(arch, n_layer)
    w = gguf.GGUFWriter(a.out, gguf.MODEL_ARCH_NAMES[arch])
    tensors, ff = hf_tensors(a.arch, c)

    # Hyperparameters as conversion/base.py (TextModel) and conversion/lfm2.py write them.
    w.add_name(f"independent twin of {a.arch}")
    w.add_context_length(c["max_position_embeddings"])
    w.add_embedding_length(c["hidden_size"])
    w.add_block_count(n_layer)
    w.add_feed_forward_length(ff)
    w.add_head_count(c["num_attention_heads"])
    if is_lfm2:
        w.add_head_count_kv([c["num_key_value_heads"] if t != "conv" else 0 for t in c["layer_types"]])
        w.add_vocab_size(c["vocab_size"])
        w.add_shortconv_l_cache(c["conv_L_cache"])
        w.add_layer_norm_rms_eps(c["norm_eps"])
    else:
        w.add_head_count_kv(c["num_key_value_heads"])
        w.add_layer_norm_rms_eps(c["rms_norm_eps"])
        w.add_key_length(c["head_dim"])
        w.add_value_length(c["head_dim"])
    w.add_rope_freq_base(float(c["rope_theta"]))
    w.add_file_type(gguf.LlamaFileType.MOSTLY_F16)

    # A SentencePiece-style vocabulary of the real size: text quality is not the point,
    # only that llama.cpp loads it and the output layer has the real width.
    n_vocab = c["vocab_size"]
    toks = [b"<unk>", b"<s>", b"</s>"] + [f"t{i}".encode() for i in range(3, n_vocab)]
    types = [gguf.TokenType.UNKNOWN, gguf.TokenType.CONTROL, gguf.TokenType.CONTROL]
    types += [gguf.TokenType.NORMAL] * (n_vocab - 3)
    w.add_tokenizer_model("llama")
    w.add_token_list(toks)
    w.add_token_scores([0.0] * n_vocab)
    w.add_token_types(types)
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)
    w.add_unk_token_id(0)
    w.add_add_bos_token(is_lfm2)

    rng = np.random.default_rng(a.seed)
    for hf_name, shape in tensors:
        gg = names.get_name(hf_name, try_suffixes=(".weight",))
        if gg is None:
            sys.exit(f"gguf-py has no GGUF name for {hf_name}")
        if "conv.conv" in hf_name:
            # conversion/lfm2.py squeezes it to the 2-D tensor the conv op wants, and
            # conversion/base.py keeps it F32 (SHORTCONV_CONV)
            data = rng.standard_normal((shape[0], shape[2]), dtype=np.float32) * 0.02
        elif len(shape) == 1:  # norms stay F32 (conversion/base.py: 1-D tensors and norms)
            data = np.ones(shape, dtype=np.float32)
        else:
            # N(0, 0.02) times log-normal magnitudes of the tensor, its rows (output
            # features; tokens of an embedding) and columns, log2 spreads 0.35 / 0.35 /
            # 0.30: the value recipe lfmbench's twins follow (src/twin/generate.rs), since
            # llama.cpp's CPU decode speed depends on how block scales spread.
            x = rng.standard_normal(shape, dtype=np.float32) * 0.02
            x *= np.float32(2.0 ** rng.normal(0, 0.35))
            x *= np.exp2(rng.normal(0, 0.35, (shape[0], 1))).astype(np.float32)
            x *= np.exp2(rng.normal(0, 0.30, (1, shape[1]))).astype(np.float32)
            data = x.astype(np.float16)
            del x
        w.add_tensor(gg, data)
        del data
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


if __name__ == "__main__":
    main()
