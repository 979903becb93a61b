#!/usr/bin/env python3
"""Makes the architecture fixtures: tiny random-weight models of every architecture we
implement (llama, qwen3, qwen3_moe, ernie4_5_moe), saved as Hugging Face checkpoints
(config.json + model.safetensors), with the logits transformers computes for fixed token
sequences (teacher-forced, every position, float32). Our CPU backend's logits are tested
against them.

Runs where transformers and torch are installed (the GPU machine; no network needed):
    python3 tools/make_arch_fixtures.py OUT_DIR
writes OUT_DIR/<arch>/{config.json, model.safetensors, expected.safetensors} and
OUT_DIR/manifest.json (versions, seeds, shapes). Weights are drawn from N(0, 0.1) and
norm gains from 1 + N(0, 0.1), so that every parameter matters to the logits; routers'
correction biases too.
"""
import json
import os
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch  # noqa: E402
import transformers  # noqa: E402
from safetensors.torch import save_file  # noqa: E402

SEED = 1234
PROMPTS = [[5], [17, 3, 250, 9, 41, 300, 2], [(i * 37 + 11) % 320 for i in range(23)]]

COMMON = dict(vocab_size=320, hidden_size=64, num_attention_heads=4, num_key_value_heads=2,
              max_position_embeddings=256, rms_norm_eps=1e-5, hidden_act="silu",
              bos_token_id=1, eos_token_id=2, pad_token_id=0)

CONFIGS = {
    "llama": ("LlamaConfig", dict(COMMON, num_hidden_layers=2, intermediate_size=128, rope_theta=10000.0,
                                  tie_word_embeddings=False, attention_bias=False)),
    "qwen3": ("Qwen3Config", dict(COMMON, num_hidden_layers=2, intermediate_size=128, head_dim=32,
                                  rope_theta=1000000.0, tie_word_embeddings=False)),
    "qwen3_moe": ("Qwen3MoeConfig", dict(COMMON, num_hidden_layers=3, intermediate_size=128, head_dim=32,
                                         rope_theta=1000000.0, tie_word_embeddings=False, num_experts=8,
                                         num_experts_per_tok=2, moe_intermediate_size=32, norm_topk_prob=True,
                                         decoder_sparse_step=1, mlp_only_layers=[0])),
    "ernie4_5_moe": ("Ernie4_5_MoeConfig", dict(COMMON, num_hidden_layers=3, intermediate_size=128,
                                                rope_theta=500000.0, tie_word_embeddings=True, use_bias=False,
                                                moe_num_experts=8, moe_k=2, moe_intermediate_size=32,
                                                moe_num_shared_experts=1, moe_layer_start_index=1,
                                                moe_layer_end_index=-1, moe_layer_interval=1)),
}


def randomize(model, generator):
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("norm.weight") or "layernorm" in name or name.endswith("_norm.weight"):
                p.copy_(1.0 + 0.1 * torch.randn(p.shape, generator=generator))
            else:
                p.copy_(0.1 * torch.randn(p.shape, generator=generator))
        for name, b in model.named_buffers():
            if "correction_bias" in name or "moe_statics" in name:
                b.copy_(0.1 * torch.randn(b.shape, generator=generator))


def main(out_dir):
    manifest = {"transformers": transformers.__version__, "torch": torch.__version__, "seed": SEED,
                "prompts": PROMPTS, "models": {}}
    for arch, (class_name, kwargs) in CONFIGS.items():
        config = getattr(transformers, class_name)(**kwargs)
        torch.manual_seed(SEED)
        model = transformers.AutoModelForCausalLM.from_config(config).to(torch.float32).eval()
        generator = torch.Generator().manual_seed(SEED)
        randomize(model, generator)
        target = os.path.join(out_dir, arch)
        model.save_pretrained(target, safe_serialization=True)
        expected = {}
        with torch.no_grad():
            for i, ids in enumerate(PROMPTS):
                input_ids = torch.tensor([ids], dtype=torch.long)
                logits = model(input_ids=input_ids).logits[0].to(torch.float32).contiguous()
                expected[f"input_ids.{i}"] = input_ids[0].to(torch.int32).contiguous()
                expected[f"logits.{i}"] = logits
        save_file(expected, os.path.join(target, "expected.safetensors"))
        manifest["models"][arch] = {"class": class_name, "parameters": sum(p.numel() for p in model.parameters()),
                                    "tensors": sorted(n for n, _ in model.state_dict().items())}
        print(f"{arch}: {manifest['models'][arch]['parameters']} parameters, logits of {len(PROMPTS)} prompts")
    with open(os.path.join(out_dir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "arch_fixtures")
