#!/usr/bin/env python3
"""The Python side of bench_tokenizer: Hugging Face tokenizers and tiktoken on the same corpus.

Run by bench_tokenizer (bench/tokenizer/main.cpp) with the project's .venv interpreter; prints
one JSON object per line on stdout:
  {"impl": "hf_tokenizers", "version": ..., "seconds": [...], "tokens": N, "ids_fnv1a": "...",
   "load_seconds": ...}
  {"impl": "tiktoken", ..., "ids_equal_hf": bool, "token_agreement": fraction}

HF: Tokenizer.from_file(tokenizer.json), encode(corpus, add_special_tokens=False) with
encode_special_tokens = True (the whole corpus as plain text), single-threaded.

tiktoken cannot download encodings here, so one is built from SmolLM2's vocabulary:
mergeable_ranks = {the bytes of each single-byte token: its byte value, the bytes of each
merge's result: 256 + the merge's rank}, and one regex that approximates SmolLM2's two-step
pre-tokenizer (Digits, then GPT-2's regex) as GPT-2's regex with "\\p{N}" as its first
alternative. tiktoken ranks tokens, not pairs, and the one regex lets a digit end a
whitespace run differently, so its ids may differ slightly from HF's: "boundary_agreement" is
|A & B| / |A | B| over the byte offsets where tokens end (A: HF's, B: tiktoken's), and
"ids_equal_hf" whether the ids are identical. Timed: encode_ordinary(corpus), single-threaded.

Every figure: one discarded warm-up run, then --reps timed runs.
Usage: python_side.py --corpus PATH --tokenizer PATH [--reps N] [--only hf,tiktoken]
"""
import argparse
import json
import sys
import time

SMOLLM_TIKTOKEN_PATTERN = (r"\p{N}|'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+")


def fnv1a(ids):
    h = 0xCBF29CE484222325
    for i in ids:
        for b in int(i).to_bytes(4, "little", signed=True):
            h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def timed(fn, reps):
    fn()  # warm-up
    seconds = []
    result = None
    for _ in range(reps):
        t0 = time.perf_counter()
        result = fn()
        seconds.append(time.perf_counter() - t0)
    return seconds, result


def byte_level_decoder():
    """GPT-2's byte-level alphabet, code point -> byte."""
    keep = list(range(0x21, 0x7F)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    table = {}
    n = 0
    for b in range(256):
        if b in keep:
            table[chr(b)] = b
        else:
            table[chr(0x100 + n)] = b
            n += 1
    return table


def ends(lengths):
    out = set()
    pos = 0
    for n in lengths:
        pos += n
        out.add(pos)
    return out


def token_bytes(tokenizer_json):
    """The bytes of each id of a byte-level vocabulary."""
    spec = json.load(open(tokenizer_json, encoding="utf-8"))
    to_byte = byte_level_decoder()
    out = {}
    for token, i in spec["model"]["vocab"].items():
        try:
            out[i] = bytes(to_byte[c] for c in token)
        except KeyError:
            out[i] = token.encode("utf-8")
    for t in spec.get("added_tokens", []):
        out.setdefault(t["id"], t["content"].encode("utf-8"))
    return out


def build_tiktoken(tokenizer_json):
    import tiktoken
    spec = json.load(open(tokenizer_json, encoding="utf-8"))
    vocab = spec["model"]["vocab"]
    to_byte = byte_level_decoder()

    def raw(token):
        return bytes(to_byte[c] for c in token)

    ranks = {}
    rank_to_id = {}
    for b in range(256):
        spelling = next(c for c, v in to_byte.items() if v == b)
        ranks[bytes([b])] = b
        rank_to_id[b] = vocab.get(spelling)  # None: a byte the vocabulary lacks (HF drops it)
    for i, merge in enumerate(spec["model"]["merges"]):
        left, right = merge if isinstance(merge, list) else merge.split(" ", 1)
        merged = raw(left + right)
        if merged not in ranks:
            ranks[merged] = 256 + i
            rank_to_id[256 + i] = vocab[left + right]
    specials = {t["content"]: 10_000_000 + k for k, t in enumerate(spec.get("added_tokens", []))}
    enc = tiktoken.Encoding("smollm2_from_ranks", pat_str=SMOLLM_TIKTOKEN_PATTERN, mergeable_ranks=ranks,
                            special_tokens=specials)
    return enc, rank_to_id, tiktoken.__version__


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--tokenizer", required=True)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--only", default="hf,tiktoken")
    args = parser.parse_args()
    wanted = set(args.only.split(","))
    text = open(args.corpus, "rb").read().decode("utf-8")
    nbytes = len(text.encode("utf-8"))

    hf_ids = None
    if "hf" in wanted:
        import tokenizers
        t0 = time.perf_counter()
        tok = tokenizers.Tokenizer.from_file(args.tokenizer)
        load = time.perf_counter() - t0
        tok.encode_special_tokens = True
        seconds, enc = timed(lambda: tok.encode(text, add_special_tokens=False), args.reps)
        hf_ids = enc.ids
        print(json.dumps({"impl": "hf_tokenizers", "version": tokenizers.__version__, "bytes": nbytes,
                          "seconds": seconds, "tokens": len(hf_ids), "ids_fnv1a": fnv1a(hf_ids),
                          "load_seconds": load}), flush=True)

    if "tiktoken" in wanted:
        t0 = time.perf_counter()
        enc, rank_to_id, version = build_tiktoken(args.tokenizer)
        load = time.perf_counter() - t0
        seconds, ranks = timed(lambda: enc.encode_ordinary(text), args.reps)
        ids = [rank_to_id[r] for r in ranks if rank_to_id[r] is not None]
        line = {"impl": "tiktoken", "version": version, "bytes": nbytes, "seconds": seconds, "tokens": len(ids),
                "ids_fnv1a": fnv1a(ids), "load_seconds": load}
        if hf_ids is not None:
            line["ids_equal_hf"] = ids == hf_ids
            id_bytes = token_bytes(args.tokenizer)
            ours = ends(len(enc.decode_single_token_bytes(r)) for r in ranks)
            theirs = ends(len(id_bytes[i]) for i in hf_ids)
            line["boundary_agreement"] = len(ours & theirs) / max(1, len(ours | theirs))
        print(json.dumps(line), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
