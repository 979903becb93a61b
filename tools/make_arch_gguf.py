#!/usr/bin/env python3
"""Converts the transformers fixtures of tests/fixtures/arch (llama, qwen3, qwen3_moe) into
GGUF files the way llama.cpp's converter lays them out, so that the CPU backend's logits
from GGUF can be checked against the same expected logits:

  - metadata under the GGUF architecture name (llama, qwen3, qwen3moe);
  - tensors renamed to GGUF names (token_embd, blk.N.attn_q, ...), kept float32;
  - llama's q/k rows permuted for llama.cpp's interleaved rotary pairs (as the converter
    does), so that a correct reader must rotate GGUF llama pairs (2i, 2i+1);
  - a MoE layer's experts stacked into one [experts, rows, cols] tensor per projection
    (blk.N.ffn_gate_exps, ...); a dense layer of a MoE model keeps ffn_gate/up/down.

Usage: .venv/bin/python tools/make_arch_gguf.py OUT_DIR   (writes OUT_DIR/<name>.gguf)
"""
import json
import re
import struct
import sys
from pathlib import Path

import gguf
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
ARCH = {"llama": "llama", "qwen3": "qwen3", "qwen3_moe": "qwen3moe"}
NAMES = [
    (r"model\.embed_tokens\.weight", "token_embd.weight"),
    (r"model\.norm\.weight", "output_norm.weight"),
    (r"lm_head\.weight", "output.weight"),
    (r"model\.layers\.(\d+)\.input_layernorm\.weight", "blk.{0}.attn_norm.weight"),
    (r"model\.layers\.(\d+)\.post_attention_layernorm\.weight", "blk.{0}.ffn_norm.weight"),
    (r"model\.layers\.(\d+)\.self_attn\.q_proj\.weight", "blk.{0}.attn_q.weight"),
    (r"model\.layers\.(\d+)\.self_attn\.k_proj\.weight", "blk.{0}.attn_k.weight"),
    (r"model\.layers\.(\d+)\.self_attn\.v_proj\.weight", "blk.{0}.attn_v.weight"),
    (r"model\.layers\.(\d+)\.self_attn\.o_proj\.weight", "blk.{0}.attn_output.weight"),
    (r"model\.layers\.(\d+)\.self_attn\.q_norm\.weight", "blk.{0}.attn_q_norm.weight"),
    (r"model\.layers\.(\d+)\.self_attn\.k_norm\.weight", "blk.{0}.attn_k_norm.weight"),
    (r"model\.layers\.(\d+)\.mlp\.gate_proj\.weight", "blk.{0}.ffn_gate.weight"),
    (r"model\.layers\.(\d+)\.mlp\.up_proj\.weight", "blk.{0}.ffn_up.weight"),
    (r"model\.layers\.(\d+)\.mlp\.down_proj\.weight", "blk.{0}.ffn_down.weight"),
    (r"model\.layers\.(\d+)\.mlp\.gate\.weight", "blk.{0}.ffn_gate_inp.weight"),
]
EXPERT = re.compile(r"model\.layers\.(\d+)\.mlp\.experts\.(\d+)\.(gate|up|down)_proj\.weight")


def read_safetensors(path):
    data = path.read_bytes()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", name
        a, b = info["data_offsets"]
        out[name] = np.frombuffer(data[8 + n + a:8 + n + b], dtype=np.float32).reshape(info["shape"])
    return out


def permute_for_interleaved(w, heads):
    """llama.cpp's converter: rows of each head reordered so pairs (i, i + d/2) become (2i, 2i + 1)."""
    return w.reshape(heads, 2, w.shape[0] // heads // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def convert(name, out_dir):
    src = ROOT / "tests" / "fixtures" / "arch" / name
    cfg = json.loads((src / "config.json").read_text())
    tensors = read_safetensors(src / "model.safetensors")
    arch = ARCH[name]
    w = gguf.GGUFWriter(str(out_dir / f"{name}.gguf"), arch)
    head_dim = cfg.get("head_dim") or cfg["hidden_size"] // cfg["num_attention_heads"]
    w.add_block_count(cfg["num_hidden_layers"])
    w.add_context_length(cfg["max_position_embeddings"])
    w.add_embedding_length(cfg["hidden_size"])
    w.add_feed_forward_length(cfg["intermediate_size"])
    w.add_head_count(cfg["num_attention_heads"])
    w.add_head_count_kv(cfg["num_key_value_heads"])
    w.add_key_length(head_dim)
    w.add_value_length(head_dim)
    w.add_rope_dimension_count(head_dim)
    w.add_rope_freq_base(cfg["rope_parameters"]["rope_theta"])
    w.add_layer_norm_rms_eps(cfg["rms_norm_eps"])
    w.add_vocab_size(cfg["vocab_size"])
    if arch == "qwen3moe":
        w.add_expert_count(cfg["num_local_experts"] if "num_local_experts" in cfg else cfg["num_experts"])
        w.add_expert_used_count(cfg["num_experts_per_tok"])
        w.add_expert_feed_forward_length(cfg["moe_intermediate_size"])
        w.add_expert_weights_norm(bool(cfg["norm_topk_prob"]))
    experts = {}
    for tname, t in tensors.items():
        m = EXPERT.fullmatch(tname)
        if m:
            experts.setdefault((int(m[1]), m[3]), {})[int(m[2])] = t
            continue
        for pattern, target in NAMES:
            m = re.fullmatch(pattern, tname)
            if m:
                break
        else:
            sys.exit(f"{name}: no GGUF name for {tname}")
        if arch == "llama" and target.endswith(("attn_q.weight", "attn_k.weight")):
            heads = cfg["num_attention_heads"] if "attn_q" in target else cfg["num_key_value_heads"]
            t = permute_for_interleaved(t, heads)
        w.add_tensor(target.format(*m.groups()), np.ascontiguousarray(t))
    for (layer, proj), per_expert in sorted(experts.items()):
        stacked = np.stack([per_expert[e] for e in sorted(per_expert)])
        w.add_tensor(f"blk.{layer}.ffn_{proj}_exps.weight", np.ascontiguousarray(stacked))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    for name in ARCH:
        convert(name, out)


if __name__ == "__main__":
    main()
