#!/usr/bin/env python3
"""Measures llama.cpp's teacher-forced argmax agreement with ITSELF: the noise floor of the
tests/fixtures/llama_cpp/smollm2_gpl3_teacher_forced.json agreement metric.

Re-evaluates the fixture's tokens under several legitimate llama.cpp settings (KV cache type,
flash attention, batch size, one token per decode call, thread count) and prints, per
variant, how many of the first n-1 positions give the fixture's argmax, and how many of the
disagreements have fixture margin >= 0.1, plus the max and mean |logit difference| from
variant 1 (the fixture's settings, recomputed). Run with the llama.cpp venv's python:

    .venv-llama-cpp/bin/python tools/llama_cpp_self_agreement.py [--fixture PATH] [--model PATH] [--write]

With --write, the fixture gains what its test needs to judge another engine fairly:
"self_agreement" (variant name -> agreeing positions, of the first n-1) and "stable" (per
position: every variant that ran gives the fixture's argmax there).
"""
import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_llama_cpp_reference import ROOT, ensure_llama_cpp, sha256  # noqa: E402

F16, F32, Q8_0 = 1, 0, 8  # ggml_type values

# name, overrides of the fixture's settings (n_batch None = one batch for all tokens)
VARIANTS = [
    ("fixture settings", {}),
    ("KV cache f32", {"type_k": F32, "type_v": F32}),
    ("flash attention on", {"flash_attn": True}),
    ("n_batch = n_ubatch = 32", {"n_batch": 32}),
    ("1 token per llama_decode", {"n_batch": 1}),
    ("n_threads = 1", {"n_threads": 1}),
    ("KV cache q8_0 + flash attn", {"type_k": Q8_0, "type_v": Q8_0, "flash_attn": True}),
]


def run_variant(llama_cpp, np, model, tokens, fx, over):
    """Teacher-forced logits for tokens under the fixture's settings with `over` applied."""
    n = len(tokens)
    n_batch = over.get("n_batch") or 1 << (n - 1).bit_length()
    n_threads = over.get("n_threads", fx["n_threads"])
    llm = llama_cpp.Llama(model_path=model, n_ctx=fx["n_ctx"], n_batch=n_batch, n_ubatch=n_batch,
                          logits_all=True, n_threads=n_threads, n_threads_batch=n_threads,
                          flash_attn=over.get("flash_attn", False), type_k=over.get("type_k", F16),
                          type_v=over.get("type_v", F16), verbose=False)
    try:
        llm.eval(tokens)  # decodes in chunks of n_batch tokens
        return np.asarray(llm.scores[:n], dtype=np.float32).copy()
    finally:
        llm.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--fixture", default=str(ROOT / "tests" / "fixtures" / "llama_cpp" / "smollm2_gpl3_teacher_forced.json"))
    ap.add_argument("--model", default=str(ROOT / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"))
    ap.add_argument("--only", type=int, nargs="*", help="variant numbers (1-based) to run; default all")
    ap.add_argument("--write", action="store_true", help="record self_agreement and stable in the fixture")
    args = ap.parse_args()
    ensure_llama_cpp()
    import numpy as np
    import llama_cpp

    fx = json.loads(Path(args.fixture).read_text())
    if sha256(args.model) != fx["model_sha256"]:
        sys.exit(f"{args.model} is not the fixture's model ({fx['model_file']})")
    tokens = fx["tokens"]
    ref = np.asarray(fx["argmax"])
    margin = np.asarray(fx["margin"])
    m = len(tokens) - 1  # positions with a ground-truth next token, as in the engine's test
    print(f"llama-cpp-python {llama_cpp.__version__} (fixture made with {fx['llama_cpp_python']}); "
          f"{m} positions; fixture: n_threads={fx['n_threads']}, n_ctx={fx['n_ctx']}, "
          f"n_batch={fx['n_batch']}, KV {fx['kv_cache_type']}, flash_attn={fx['flash_attn']}")
    print(f"{'#':>2} {'variant':<28} {'agree':>9} {'%':>7} {'disagree':>8} {'m>=0.1':>6} {'max|dlogit|':>11} {'mean|dlogit|':>12}")
    ref_logits = None
    stable = np.ones(len(tokens), dtype=bool)
    self_agreement = {}
    for k, (name, over) in enumerate(VARIANTS, 1):
        if args.only and k not in args.only:
            continue
        try:
            logits = run_variant(llama_cpp, np, args.model, tokens, fx, over)
        except Exception as e:  # noqa: BLE001 - report and go on with the other variants
            print(f"{k:>2} {name:<28} FAILED: {type(e).__name__}: {e}")
            continue
        if k == 1:
            ref_logits = logits
        am = logits[:m].argmax(axis=1)
        dis = am != ref[:m]
        stable[:m] &= ~dis
        self_agreement[name] = m - int(dis.sum())
        agree = m - int(dis.sum())
        big = int((dis & (margin[:m] >= 0.1)).sum())
        d = np.abs(logits - ref_logits) if ref_logits is not None else None
        dmax, dmean = (f"{float(d.max()):.4f}", f"{float(d.mean()):.4f}") if d is not None else ("-", "-")
        print(f"{k:>2} {name:<28} {agree:>4}/{m} {100.0 * agree / m:>6.2f}% {m - agree:>8} {big:>6} {dmax:>11} {dmean:>12}",
              flush=True)
    if args.write:
        fx["self_agreement"] = self_agreement
        fx["stable"] = [bool(v) for v in stable]
        Path(args.fixture).write_text(json.dumps(fx, separators=(",", ":")) + "\n")
        print(f"wrote self_agreement and stable ({int(stable[:m].sum())} of {m} positions) to {args.fixture}")


if __name__ == "__main__":
    main()
