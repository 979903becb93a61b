#!/usr/bin/env python3
"""Agreement of our byte-level BPE with Hugging Face tokenizers, over a >= 1 MB corpus.

Run by CTest with the project's .venv interpreter (tokenizers 0.23.3, gguf):
  1. builds SmolLM2's tokenizer.json from the GGUF (tools/make_smollm2_tokenizer.py) if it is
     missing or older than the GGUF or the script, and dumps the GGUF vocabulary as JSON;
  2. assembles the corpus and a chat-formatted text (tools/make_tokenizer_corpus.py);
  3. encodes both with HF and with moeserve_tokenize and requires identical ids:
       smollm/plain      the corpus, special-token strings as text (HF encode_special_tokens)
       smollm/trusted    the chat text, special tokens parsed
       smollm/gguf       the corpus, our tokenizer built from the GGUF vocabulary (as a GGUF
                         loader builds it) instead of tokenizer.json
       gpt2, gpt2-prefix, llama3, qwen2
                         the corpus, SmolLM2's vocabulary under those families' pre-tokenizers
                         (llama3 also with ignore_merges and "a b" string merges)
  4. decodes our ids (streamed through the detokenizer, checked against one-call decode) and
     requires the corpus and the chat text back, byte for byte.
Exit status 0 when everything agrees; 1 with the first difference otherwise.

Usage: hf_agreement.py --tool PATH --work DIR [--root REPO]
"""
import argparse
import copy
import json
import os
import subprocess
import sys
import time

from tokenizers import Tokenizer

LLAMA3 = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|"
          r"\s*[\r\n]+|\s+(?!\S)|\s+")
QWEN2 = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|"
         r"\s*[\r\n]+|\s+(?!\S)|\s+")


def byte_level(add_prefix_space, use_regex):
    return {"type": "ByteLevel", "add_prefix_space": add_prefix_space, "trim_offsets": True, "use_regex": use_regex}


def split(pattern):
    return {"type": "Split", "pattern": {"Regex": pattern}, "behavior": "Isolated", "invert": False}


def variants(base):
    """SmolLM2's vocabulary under other families' pre-tokenizers."""
    out = {}
    v = copy.deepcopy(base)
    v["pre_tokenizer"] = byte_level(False, True)
    out["gpt2"] = v
    v = copy.deepcopy(base)
    v["pre_tokenizer"] = byte_level(True, True)
    out["gpt2-prefix"] = v
    v = copy.deepcopy(base)
    v["pre_tokenizer"] = {"type": "Sequence", "pretokenizers": [split(LLAMA3), byte_level(False, False)]}
    v["model"]["ignore_merges"] = True
    v["model"]["merges"] = [" ".join(m) if isinstance(m, list) else m for m in v["model"]["merges"]]
    out["llama3"] = v
    v = copy.deepcopy(base)
    v["pre_tokenizer"] = {"type": "Sequence", "pretokenizers": [split(QWEN2), byte_level(False, False)]}
    out["qwen2"] = v
    return out


def run_tool(tool, args, data):
    p = subprocess.run([tool] + args, input=data, capture_output=True)
    if p.returncode != 0:
        sys.exit(f"moeserve_tokenize {' '.join(args)} failed ({p.returncode}): {p.stderr.decode(errors='replace')}")
    return p.stdout


def first_difference(hf, ours, tok, text):
    n = min(len(hf), len(ours))
    i = next((k for k in range(n) if hf[k] != ours[k]), n)
    lo = max(0, i - 4)
    hf_tokens = [tok.id_to_token(k) for k in hf[lo:i + 6]]
    our_tokens = [tok.id_to_token(k) for k in ours[lo:i + 6]]
    offset = len(tok.decode(hf[:lo], skip_special_tokens=False).encode())
    return (f"first difference at token {i} (of {len(hf)} HF / {len(ours)} ours), near byte {offset}:\n"
            f"  HF:   {hf[lo:i + 6]} {hf_tokens}\n  ours: {ours[lo:i + 6]} {our_tokens}\n"
            f"  text: {text.encode()[offset:offset + 80]!r}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tool", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))))
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    started = time.monotonic()

    gguf = os.path.join(args.root, "models", "SmolLM2-135M-Instruct.Q4_1.gguf")
    if not os.path.exists(gguf):
        sys.exit(f"{gguf} is missing: run tools/install-deps --model")
    maker = os.path.join(args.root, "tools", "make_smollm2_tokenizer.py")
    tokenizer_json = os.path.join(args.root, "models", "SmolLM2-135M-Instruct.tokenizer.json")
    vocab_json = os.path.join(args.work, "smollm2.gguf-vocab.json")
    stale = (not os.path.exists(tokenizer_json) or
             os.path.getmtime(tokenizer_json) < max(os.path.getmtime(gguf), os.path.getmtime(maker)))
    if stale or not os.path.exists(vocab_json):
        subprocess.run([sys.executable, maker, "--gguf", gguf, "--out", tokenizer_json, "--vocab-json", vocab_json],
                       check=True)

    corpus_path = os.path.join(args.work, "corpus.txt")
    chat_path = os.path.join(args.work, "chat.txt")
    made = subprocess.run([sys.executable, os.path.join(args.root, "tools", "make_tokenizer_corpus.py"), corpus_path,
                           "--chat-out", chat_path], check=True, capture_output=True, text=True)
    summary = json.loads(made.stdout)
    corpus_bytes = open(corpus_path, "rb").read()
    chat_bytes = open(chat_path, "rb").read()
    corpus = corpus_bytes.decode("utf-8")
    chat = chat_bytes.decode("utf-8")
    if len(corpus_bytes) < 1_000_000:
        sys.exit(f"the corpus has only {len(corpus_bytes)} bytes")

    base = json.load(open(tokenizer_json, encoding="utf-8"))
    cases = []  # (name, HF tokenizer, tool args, text, trusted)
    hf = Tokenizer.from_file(tokenizer_json)
    cases.append(("smollm/plain", hf, ["--tokenizer", tokenizer_json], corpus, False))
    cases.append(("smollm/trusted", hf, ["--tokenizer", tokenizer_json, "--mode", "trusted"], chat, True))
    cases.append(("smollm/gguf", hf, ["--gguf-vocab-json", vocab_json], corpus, False))
    for name, spec in variants(base).items():
        path = os.path.join(args.work, f"variant-{name}.tokenizer.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(spec, f, ensure_ascii=False)
        cases.append((name, Tokenizer.from_str(json.dumps(spec)), ["--tokenizer", path], corpus, False))

    failures = 0
    total = 0
    for name, tok, tool_args, text, trusted in cases:
        t0 = time.monotonic()
        tok.encode_special_tokens = not trusted
        expected = tok.encode(text, add_special_tokens=False).ids
        t1 = time.monotonic()
        data = text.encode("utf-8")
        ours = [int(x) for x in run_tool(args.tool, tool_args, data).split()]
        t2 = time.monotonic()
        total += len(expected)
        same = ours == expected
        print(f"{name:16s} {len(data):8d} bytes {len(expected):7d} tokens  "
              f"{'identical' if same else 'DIFFERENT'}  (HF {t1 - t0:.2f} s, ours incl. load {t2 - t1:.2f} s)")
        if not same:
            failures += 1
            print("  " + first_difference(expected, ours, tok, text))
            continue
        if name in ("smollm/plain", "smollm/trusted"):
            ids = " ".join(map(str, ours)).encode()
            decode_args = ["--tokenizer", tokenizer_json, "--decode", "--check-stream"]
            if trusted:
                decode_args.append("--keep-special")
            back = run_tool(args.tool, decode_args, ids)
            if back != data:
                failures += 1
                n = next((k for k in range(min(len(back), len(data))) if back[k] != data[k]), min(len(back), len(data)))
                print(f"  decode: the text does not come back; first difference at byte {n}: "
                      f"{back[n:n + 40]!r} vs {data[n:n + 40]!r}")
            else:
                print(f"  decode (streamed, checked against one-call decode): the text comes back byte for byte")
            if tok.decode(expected, skip_special_tokens=False) != text:
                failures += 1
                print("  HF's own decode does not give the text back (the oracle is broken)")

    agree = "100%" if failures == 0 else "NOT 100%"
    print(f"corpus {summary['bytes']} bytes (sha256 {summary['sha256'][:16]}), sections {summary['sections']}; "
          f"chat text {summary['chat_bytes']} bytes")
    print(f"agreement: {agree} of {total} tokens over {len(cases)} cases, {time.monotonic() - started:.1f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
