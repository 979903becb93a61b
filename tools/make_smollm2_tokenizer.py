#!/usr/bin/env python3
"""Builds a Hugging Face tokenizer.json for SmolLM2 from the GGUF file (there is no model hub).

Reads the vocabulary of models/SmolLM2-135M-Instruct.Q4_1.gguf with the `gguf` package:
  tokenizer.ggml.tokens       the byte-level spellings, id = index
  tokenizer.ggml.merges       "left right", rank = index
  tokenizer.ggml.token_type   3 (control) = a special token: <|endoftext|>, <|im_start|>, ...
  tokenizer.ggml.pre          "smollm"
and builds a `tokenizers.Tokenizer` the way SmolLM2's own tokenizer.json is made:
  model          BPE(vocab, merges), no unk token, no dropout
  pre_tokenizer  Sequence([Digits(individual_digits=True),
                           ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True)])
  decoder        ByteLevel
  added tokens   the control tokens, special=True, normalized=False
then saves it (default models/SmolLM2-135M-Instruct.tokenizer.json).

Usage: .venv/bin/python tools/make_smollm2_tokenizer.py [--gguf PATH] [--out PATH] [--vocab-json PATH]
  --vocab-json also writes the raw GGUF vocabulary (tokens, token types, merges, pre, special
  ids) as JSON, for the C++ side to build a tokenizer the way a GGUF loader does.
"""
import argparse
import json
import os
import sys

from gguf import GGUFReader
from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_GGUF = os.path.join(ROOT, "models", "SmolLM2-135M-Instruct.Q4_1.gguf")
DEFAULT_OUT = os.path.join(ROOT, "models", "SmolLM2-135M-Instruct.tokenizer.json")
CONTROL = 3


def read_gguf_vocabulary(path):
    reader = GGUFReader(path)
    fields = reader.fields

    def value(key, default=None):
        field = fields.get(key)
        return default if field is None else field.contents()

    if value("tokenizer.ggml.model") != "gpt2":
        sys.exit(f"{path}: tokenizer.ggml.model is {value('tokenizer.ggml.model')!r}, not a byte-level BPE")
    return {
        "tokens": list(value("tokenizer.ggml.tokens")),
        "token_types": [int(t) for t in value("tokenizer.ggml.token_type")],
        "merges": list(value("tokenizer.ggml.merges")),
        "pre": value("tokenizer.ggml.pre"),
        "bos": value("tokenizer.ggml.bos_token_id", -1),
        "eos": value("tokenizer.ggml.eos_token_id", -1),
        "unk": value("tokenizer.ggml.unknown_token_id", -1),
        "pad": value("tokenizer.ggml.padding_token_id", -1),
        "add_bos": bool(value("tokenizer.ggml.add_bos_token", False)),
    }


def build_tokenizer(vocabulary):
    if vocabulary["pre"] != "smollm":
        sys.exit(f"tokenizer.ggml.pre is {vocabulary['pre']!r}; this script knows SmolLM2's ('smollm')")
    tokens = vocabulary["tokens"]
    vocab = {}
    for i, token in enumerate(tokens):
        vocab.setdefault(token, i)
    merges = []
    for line in vocabulary["merges"]:
        cut = line.index(" ", 1)  # as the C++ parse_merge: a left token may start with a space
        merges.append((line[:cut], line[cut + 1:]))
    tok = Tokenizer(models.BPE(vocab=vocab, merges=merges, dropout=None, unk_token=None, fuse_unk=False))
    tok.normalizer = None
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Digits(individual_digits=True),
         pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True)])
    tok.decoder = decoders.ByteLevel()
    specials = [AddedToken(tokens[i], special=True, normalized=False)
                for i, t in enumerate(vocabulary["token_types"]) if t == CONTROL]
    tok.add_special_tokens(specials)
    for i, t in enumerate(vocabulary["token_types"]):
        if t == CONTROL and tok.token_to_id(tokens[i]) != i:
            sys.exit(f"special token {tokens[i]!r} got id {tok.token_to_id(tokens[i])}, expected {i}")
    return tok


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gguf", default=DEFAULT_GGUF)
    parser.add_argument("--out", default=DEFAULT_OUT)
    parser.add_argument("--vocab-json", default=None)
    args = parser.parse_args()
    vocabulary = read_gguf_vocabulary(args.gguf)
    tok = build_tokenizer(vocabulary)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    tmp = args.out + ".tmp"
    tok.save(tmp)
    os.replace(tmp, args.out)
    if args.vocab_json:
        tmp = args.vocab_json + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(vocabulary, f, ensure_ascii=False)
        os.replace(tmp, args.vocab_json)
    print(f"wrote {args.out}: {tok.get_vocab_size()} tokens, {len(vocabulary['merges'])} merges")


if __name__ == "__main__":
    main()
