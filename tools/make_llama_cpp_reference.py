#!/usr/bin/env python3
"""Writes tests/fixtures/llama_cpp/smollm2_gpl3_teacher_forced.json: llama.cpp's greedy
next-token predictions for the default model, teacher-forced over a fixed English text.

llama.cpp comes from llama-cpp-python (tools/requirements-llama-cpp.txt), built from its
sdist into its own venv .venv-llama-cpp at the repo root. Run with any python3: if
llama_cpp cannot be imported, this script creates that venv (pip build: minutes), then
re-runs itself with the venv's python:

    python3 tools/make_llama_cpp_reference.py [--n-tokens 1000] [--model PATH] [--out PATH]

The text (Debian base-files' GPL-3) is tokenized by llama.cpp's tokenizer from the GGUF,
BOS only if the GGUF's tokenizer.ggml.add_bos_token says so (false for SmolLM2), and cut
to the first --n-tokens tokens. One llama.cpp context evaluates them in one pass with
logits for every position (n_threads=2, f16 KV cache, no flash attention); for position i,
argmax[i] is the top logit's token id after tokens[0..i] and margin[i] is top-1 minus
top-2 logit (4 decimals). tokens, argmax and margin have the same length, so the last
prediction has no ground-truth token in the file.
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv-llama-cpp"
REQS = ROOT / "tools" / "requirements-llama-cpp.txt"


def ensure_llama_cpp():
    """Import llama_cpp, or build the venv and re-exec this script with its python."""
    try:
        import llama_cpp  # noqa: F401
        return
    except ImportError:
        pass
    py = VENV / "bin" / "python"
    if Path(sys.prefix).resolve() == VENV.resolve():
        sys.exit("llama_cpp missing from .venv-llama-cpp: pip install -r " + str(REQS.relative_to(ROOT)))
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    env = dict(os.environ)
    env.setdefault("CMAKE_BUILD_PARALLEL_LEVEL", str(os.cpu_count() or 2))
    subprocess.run([str(py), "-m", "pip", "install", "-r", str(REQS)], check=True, env=env)
    os.execv(str(py), [str(py), __file__] + sys.argv[1:])


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default=str(ROOT / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"))
    ap.add_argument("--text", default="/usr/share/common-licenses/GPL-3")
    ap.add_argument("--n-tokens", type=int, default=1000)
    ap.add_argument("--n-threads", type=int, default=2)
    ap.add_argument("--out", default=str(ROOT / "tests" / "fixtures" / "llama_cpp" / "smollm2_gpl3_teacher_forced.json"))
    args = ap.parse_args()
    ensure_llama_cpp()
    import numpy as np
    import llama_cpp

    n = args.n_tokens
    n_batch = 1 << (n - 1).bit_length()  # one decode call, one ubatch for all positions
    llm = llama_cpp.Llama(model_path=args.model, n_ctx=max(2048, n_batch), n_batch=n_batch,
                          n_ubatch=n_batch, logits_all=True, n_threads=args.n_threads,
                          n_threads_batch=args.n_threads, flash_attn=False, verbose=False)
    add_bos = bool(llama_cpp.llama_vocab_get_add_bos(llama_cpp.llama_model_get_vocab(llm.model)))
    text = Path(args.text).read_bytes()
    tokens = llm.tokenize(text, add_bos=add_bos, special=False)
    if len(tokens) < n:
        sys.exit(f"text has only {len(tokens)} tokens")
    tokens = tokens[:n]
    llm.eval(tokens)
    logits = np.asarray(llm.scores[:n], dtype=np.float32)
    top2 = np.argsort(-logits, axis=1, kind="stable")[:, :2]
    argmax = top2[:, 0]
    rows = np.arange(n)
    margin = logits[rows, top2[:, 0]] - logits[rows, top2[:, 1]]

    out = {
        "model_file": Path(args.model).name,
        "model_sha256": sha256(args.model),
        "llama_cpp_python": llama_cpp.__version__,
        "llama_cpp_system_info": llama_cpp.llama_print_system_info().decode().strip(),
        "text": args.text,
        "text_sha256": hashlib.sha256(text).hexdigest(),
        "add_bos": add_bos,
        "n_threads": args.n_threads,
        "n_ctx": llm.n_ctx(),
        "n_batch": n_batch,
        "kv_cache_type": "f16",
        "flash_attn": False,
        "note": "tokens = first n tokens of the text; argmax[i]/margin[i] = prediction after tokens[0..i]",
        "tokens": [int(t) for t in tokens],
        "argmax": [int(t) for t in argmax],
        "margin": [round(float(m), 4) for m in margin],
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    # One key per line, lists on one line each: small, diffable.
    body = ",\n".join(f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in out.items())
    Path(args.out).write_text("{\n" + body + "\n}\n")
    agree = int((argmax[:-1] == np.asarray(tokens[1:])).sum())
    print(f"wrote {args.out}: {n} tokens, add_bos={add_bos}, margin<0.1 at {int((margin < 0.1).sum())} "
          f"positions, argmax == next token at {agree}/{n - 1}")


if __name__ == "__main__":
    main()
