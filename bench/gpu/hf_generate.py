#!/usr/bin/env python3
"""The peer of bench/gpu/engine_throughput: HF transformers' generate on the same config
with random BF16 weights made on the GPU, greedy, every output forced to full length:

    one stream   prompt 32, output 256: decode tokens/s (output time less the first token's)
    N streams    prompt 512, output 256 each, one batch: output tokens/s

Settings: `--cache static` (transformers' StaticCache) and, with --compile, the forward
under torch.compile (transformers' fastest documented setting; compilation time excluded by
a warm-up of the same shapes). Prints one JSON line per figure.

    python3 bench/gpu/hf_generate.py config/models/Qwen3-30B-A3B --streams 8 [--compile]
"""
import argparse
import json
import time

import torch
import transformers


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("config_dir")
    ap.add_argument("--streams", default="8")
    ap.add_argument("--compile", action="store_true")
    ap.add_argument("--cache", default="static")
    args = ap.parse_args()
    config = transformers.AutoConfig.from_pretrained(args.config_dir)
    torch.manual_seed(0)
    start = time.time()
    with torch.device("cuda"):
        model = transformers.AutoModelForCausalLM.from_config(config, dtype=torch.bfloat16)
    model.eval()
    load = time.time() - start
    if args.compile:
        model.forward = torch.compile(model.forward, mode="reduce-overhead", fullgraph=False)
    head = {"bench": "hf_generate", "transformers": transformers.__version__, "torch": torch.__version__,
            "model": args.config_dir, "cache": args.cache, "compile": args.compile,
            "device": torch.cuda.get_device_name(), "load_seconds": round(load, 1)}

    def timed(batch, prompt, new):
        ids = torch.randint(0, config.vocab_size, (batch, prompt), device="cuda")
        torch.cuda.synchronize()
        t = time.time()
        out = model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=new, min_new_tokens=new,
                             do_sample=False, cache_implementation=args.cache, pad_token_id=0)
        torch.cuda.synchronize()
        assert out.shape[1] == prompt + new
        return time.time() - t

    with torch.inference_mode():
        timed(1, 32, 8)  # warm-up (and compilation)
        first, whole = timed(1, 32, 1), timed(1, 32, 257)
        print(json.dumps({**head, "scenario": "one_stream", "decode_tok_s": round(256 / (whole - first), 2)}), flush=True)
        for n in (int(s) for s in args.streams.split(",")):
            timed(n, 512, 8)
            t = timed(n, 512, 256)
            print(json.dumps({**head, "scenario": "streams", "streams": n, "seconds": round(t, 2),
                              "output_tok_s": round(n * 256 / t, 1)}), flush=True)


if __name__ == "__main__":
    main()
