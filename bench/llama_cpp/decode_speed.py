#!/usr/bin/env python3
"""Batch-1 decode speed of llama.cpp (llama-cpp-python) on the default GGUF, as a baseline.

Run with the llama.cpp venv (python3 tools/make_llama_cpp_reference.py creates it, or
python3 -m venv .venv-llama-cpp && .venv-llama-cpp/bin/pip install -r tools/requirements-llama-cpp.txt):

    .venv-llama-cpp/bin/python bench/llama_cpp/decode_speed.py [--threads 2 1] [--gen 128] [--repeats 5]

Per run: clear the KV cache, decode a fixed prompt (the first --prompt-tokens tokens of
GPL-3, no BOS) in one batch, then --gen single-token llama_decode calls, each fed the argmax
of the previous logits (greedy, EOS ignored). Only llama_decode calls and the argmax are
timed, through the low-level API. One warm-up run per config is not counted. Prints one
JSON line per --threads value: median/min/max tokens/s of decode and of prompt processing,
plus llama.cpp's own timings (llama_perf_context) for the same runs.
"""
import argparse
import ctypes
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

try:
    import llama_cpp
except ImportError:
    sys.exit("llama_cpp missing: run with .venv-llama-cpp/bin/python (see the docstring)")

ROOT = Path(__file__).resolve().parent.parent.parent


def decode(ctx, toks):
    arr = (llama_cpp.llama_token * len(toks))(*toks)
    if llama_cpp.llama_decode(ctx, llama_cpp.llama_batch_get_one(arr, len(toks))) != 0:
        sys.exit("llama_decode failed")


def one_run(llm, prompt, n_gen):
    ctx, n_vocab = llm.ctx, llm.n_vocab()
    llama_cpp.llama_memory_clear(llama_cpp.llama_get_memory(ctx), True)
    llama_cpp.llama_perf_context_reset(ctx)
    t0 = time.perf_counter()
    decode(ctx, prompt)
    t1 = time.perf_counter()
    for _ in range(n_gen):
        logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(ctx, -1), shape=(n_vocab,))
        decode(ctx, [int(logits.argmax())])
    t2 = time.perf_counter()
    p = llama_cpp.llama_perf_context(ctx)
    return {"pp": len(prompt) / (t1 - t0), "tg": n_gen / (t2 - t1),
            "pp_llama": 1e3 * p.n_p_eval / p.t_p_eval_ms if p.t_p_eval_ms > 0 else None,
            "tg_llama": 1e3 * p.n_eval / p.t_eval_ms if p.t_eval_ms > 0 else None}


def summary(xs):
    xs = [x for x in xs if x is not None]
    if not xs:
        return None
    return {"median": round(statistics.median(xs), 2), "min": round(min(xs), 2), "max": round(max(xs), 2)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default=str(ROOT / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"))
    ap.add_argument("--text", default="/usr/share/common-licenses/GPL-3")
    ap.add_argument("--threads", type=int, nargs="+", default=[2], help="one config per value")
    ap.add_argument("--prompt-tokens", type=int, default=32)
    ap.add_argument("--gen", type=int, default=128, help="generated (decoded) tokens per run")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()

    for nt in args.threads:
        ctx = 1 << (args.prompt_tokens + args.gen).bit_length()  # room for the prompt and the generated tokens
        llm = llama_cpp.Llama(model_path=args.model, n_ctx=ctx, n_batch=ctx, n_threads=nt,
                              n_threads_batch=nt, flash_attn=False, verbose=False)
        prompt = llm.tokenize(Path(args.text).read_bytes(), add_bos=False)[: args.prompt_tokens]
        one_run(llm, prompt, args.gen)  # warm-up
        runs = [one_run(llm, prompt, args.gen) for _ in range(args.repeats)]
        print(json.dumps({
            "bench": "llama_cpp_decode", "model_file": Path(args.model).name,
            "llama_cpp_python": llama_cpp.__version__, "machine": os.uname().nodename,
            "n_threads": nt, "prompt_tokens": len(prompt), "gen_tokens": args.gen, "repeats": args.repeats,
            "decode_tok_s": summary([r["tg"] for r in runs]),
            "prompt_tok_s": summary([r["pp"] for r in runs]),
            "llama_perf_decode_tok_s": summary([r["tg_llama"] for r in runs]),
            "llama_perf_prompt_tok_s": summary([r["pp_llama"] for r in runs]),
            "cpu": llama_cpp.llama_print_system_info().decode().strip(),
        }), flush=True)
        del llm


if __name__ == "__main__":
    main()
