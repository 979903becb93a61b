#!/usr/bin/env python3
"""Makes random-weight Hugging Face checkpoints of real architectures and sizes for the GPU
machine's serving checks (tools/gpu-run --server), where no model hub is reachable:

    smollm2-arch   llama with SmolLM2-135M's config (30 layers, hidden 576, GQA 9/3)
    qwen3-moe-s    qwen3_moe, 4 layers, 32 experts (top 4) of 256, hidden 512, q/k norms
    ernie-moe-s    ernie4_5_moe, 4 layers (MoE from layer 1), 16 experts (top 4) + 1 shared

each in BF16 (model.safetensors + config.json), with the SmolLM2 tokenizer and chat
template (tokenizer.json, tokenizer_config.json) taken from TOKENIZER_DIR, so every model
has a 49,152-token vocabulary. Weights N(0, 0.02) as transformers initialises them.

    python3 tools/make_gpu_models.py TOKENIZER_DIR OUT_DIR
"""
import os
import shutil
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch  # noqa: E402
import transformers  # noqa: E402

VOCAB = 49152
COMMON = dict(vocab_size=VOCAB, bos_token_id=1, eos_token_id=2, pad_token_id=2, rms_norm_eps=1e-5, hidden_act="silu",
              max_position_embeddings=8192)
MODELS = {
    "smollm2-arch": ("LlamaConfig", dict(COMMON, hidden_size=576, intermediate_size=1536, num_hidden_layers=30,
                                         num_attention_heads=9, num_key_value_heads=3, rope_theta=100000.0,
                                         tie_word_embeddings=True)),
    "qwen3-moe-s": ("Qwen3MoeConfig", dict(COMMON, hidden_size=512, intermediate_size=1024, num_hidden_layers=4,
                                           num_attention_heads=8, num_key_value_heads=4, head_dim=64,
                                           rope_theta=1000000.0, tie_word_embeddings=False, num_experts=32,
                                           num_experts_per_tok=4, moe_intermediate_size=256, norm_topk_prob=True,
                                           decoder_sparse_step=1, mlp_only_layers=[])),
    "ernie-moe-s": ("Ernie4_5_MoeConfig", dict(COMMON, hidden_size=512, intermediate_size=1024, num_hidden_layers=4,
                                              num_attention_heads=8, num_key_value_heads=2, rope_theta=500000.0,
                                              tie_word_embeddings=True, use_bias=False, moe_num_experts=16, moe_k=4,
                                              moe_intermediate_size=256, moe_num_shared_experts=1,
                                              moe_layer_start_index=1, moe_layer_end_index=-1, moe_layer_interval=1)),
}


def main():
    tokenizer_dir, out = sys.argv[1], sys.argv[2]
    torch.manual_seed(7)
    for name, (config_class, kwargs) in MODELS.items():
        config = getattr(transformers, config_class)(**kwargs)
        model = transformers.AutoModelForCausalLM.from_config(config, dtype=torch.bfloat16)
        path = os.path.join(out, name)
        model.save_pretrained(path)
        for f in ("tokenizer.json", "tokenizer_config.json"):
            shutil.copy(os.path.join(tokenizer_dir, f), path)
        print(f"{name}: {sum(p.numel() for p in model.parameters()) / 1e6:.1f}M parameters -> {path}")


if __name__ == "__main__":
    main()
