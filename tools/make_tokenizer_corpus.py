#!/usr/bin/env python3
"""Assembles the tokenizer test corpus (>= 1 MB of UTF-8) from files a Debian 12 machine has.

Deterministic for a given machine: fixed file lists, fixed random seeds. Sections:
  prose       /usr/share/common-licenses/* (package base-files)
  code        libstdc++ headers under /usr/include/c++/12/bits (g++-12) and Python modules
              under /usr/lib/python3.11 (libpython3.11-stdlib)
  chinese     the zh_CN gettext catalogs of coreutils, bash, tar, grep, sed, findutils, dpkg
              (/usr/share/locale/zh_CN/LC_MESSAGES/*.mo, packages of those names): each
              English message followed by its Chinese translation
  emoji       generated: emoji of Unicode 14 with skin tones, ZWJ sequences, flags, keycaps,
              variation selectors, inside sentences
  whitespace  generated: runs of spaces, tabs, CR LF, blank lines, NBSP, ideographic and em
              spaces, trailing whitespace
  scripts     generated: words in Greek, Cyrillic, Hebrew, Arabic, Devanagari, Thai, Hangul,
              kana, CJK; numbers in ASCII, Arabic-Indic, fullwidth, superscript, Roman and
              circled digits; English contractions in mixed case
  specials    special-token strings of SmolLM2 (<|im_start|>, <file_sep>, ...) inside text
  unicode     generated: random code points of planes 0-3 and 14 (no surrogates, private use or
              C0/C1 controls; unassigned ones included, since what Python 3.11's Unicode 14
              calls unassigned may be a letter to a newer Unicode)
  recent      every letter and digit that Unicode 15, 16 and 17 added (which PCRE2 10.42 does
              not know and Hugging Face's Oniguruma and Rust do), between spaces, digits,
              apostrophes and letters
A missing file is skipped; generated filler tops the corpus up to --min-bytes. The pieces are
cut into paragraphs and shuffled (fixed seed) so that scripts meet at their boundaries.

With --chat-out, also writes a chat-formatted text (SmolLM2's template) made from corpus
paragraphs, with special tokens also dropped at random places (mid-word, next to digits and
spaces), for the trusted-mode agreement test.

Usage: python3 tools/make_tokenizer_corpus.py OUT [--chat-out PATH] [--min-bytes N]
"""
import argparse
import glob
import hashlib
import json
import os
import random
import struct
import sys
import unicodedata

LICENSES = ["GPL-3", "Apache-2.0", "LGPL-2.1", "MPL-2.0", "Artistic", "GFDL-1.3", "BSD", "CC0-1.0"]
CPP_HEADERS = ["stl_vector.h", "stl_tree.h", "basic_string.h", "hashtable.h", "stl_deque.h",
               "shared_ptr_base.h", "unique_ptr.h", "stl_list.h", "regex.h", "chrono.h"]
PYTHON_MODULES = ["textwrap.py", "json/decoder.py", "json/encoder.py", "string.py", "shlex.py",
                  "fnmatch.py", "heapq.py", "bisect.py", "graphlib.py", "colorsys.py"]
CATALOGS = ["coreutils", "bash", "tar", "grep", "sed", "findutils", "dpkg", "diffutils"]
SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<repo_name>", "<reponame>", "<file_sep>",
            "<filename>", "<gh_stars>", "<issue_start>", "<issue_comment>", "<issue_closed>",
            "<jupyter_start>", "<jupyter_text>", "<jupyter_code>", "<jupyter_output>", "<jupyter_script>",
            "<empty_output>"]


def read_text(path, limit):
    try:
        with open(path, "rb") as f:
            data = f.read(limit)
    except OSError:
        return None
    return data.decode("utf-8", errors="replace")


def read_mo(path):
    """The (msgid, msgstr) pairs of a GNU gettext .mo catalog."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return []
    if len(data) < 28:
        return []
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic == 0x950412DE else ">"
    _, count, orig_off, trans_off = struct.unpack(endian + "4I", data[4:20])
    pairs = []
    for i in range(count):
        ol, oo = struct.unpack(endian + "2I", data[orig_off + 8 * i: orig_off + 8 * i + 8])
        tl, to = struct.unpack(endian + "2I", data[trans_off + 8 * i: trans_off + 8 * i + 8])
        msgid = data[oo:oo + ol].decode("utf-8", errors="replace")
        msgstr = data[to:to + tl].decode("utf-8", errors="replace")
        if msgid and msgstr:
            pairs.append((msgid.replace("\x00", " | "), msgstr.replace("\x00", " | ")))
    return pairs


def assigned(cp):
    if 0xD800 <= cp <= 0xDFFF or (cp & 0xFFFE) == 0xFFFE or 0xFDD0 <= cp <= 0xFDEF:
        return False
    cat = unicodedata.category(chr(cp))
    return cat not in ("Cn", "Co", "Cs")


def emoji_section(rng, target):
    singles = [cp for lo, hi in [(0x1F300, 0x1F5FF), (0x1F600, 0x1F64F), (0x1F680, 0x1F6FF),
                                 (0x1F900, 0x1F9FF), (0x2600, 0x26FF)] for cp in range(lo, hi + 1) if assigned(cp)]
    people = [0x1F466, 0x1F467, 0x1F468, 0x1F469, 0x1F9D1, 0x1F44D, 0x1F44B, 0x1F64F]
    zwj = ["\U0001F469\u200D\U0001F4BB", "\U0001F468\u200D\U0001F469\u200D\U0001F467\u200D\U0001F466",
           "\U0001F3F3\uFE0F\u200D\U0001F308", "\U0001F9D1\u200D\U0001F680", "\u2764\uFE0F\u200D\U0001F525"]
    flags = ["US", "CN", "JP", "DE", "FR", "BR", "IN", "KR", "GB", "ZA"]
    words = "the quick brown fox jumps over lazy dogs and we love it so much today".split()
    out = []
    size = 0
    while size < target:
        parts = []
        for _ in range(rng.randint(4, 14)):
            r = rng.random()
            if r < 0.45:
                parts.append(rng.choice(words))
            elif r < 0.65:
                parts.append("".join(chr(rng.choice(singles)) for _ in range(rng.randint(1, 4))))
            elif r < 0.75:
                parts.append(chr(rng.choice(people)) + chr(rng.randint(0x1F3FB, 0x1F3FF)))
            elif r < 0.83:
                parts.append(rng.choice(zwj))
            elif r < 0.9:
                parts.append("".join(chr(0x1F1E6 + ord(c) - ord("A")) for c in rng.choice(flags)))
            elif r < 0.95:
                parts.append(rng.choice("0123456789#*") + "\uFE0F\u20E3")
            else:
                parts.append(rng.choice(["\u2764\uFE0F", "\u263A\uFE0F", "\u2600\uFE0F", "\u2B50"]))
        sep = rng.choice([" ", "", "  ", "\n"])
        line = sep.join(parts) + rng.choice([".", "!", "", " 🎉", "?!"]) + "\n"
        out.append(line)
        size += len(line.encode())
    return "".join(out)


def whitespace_section(rng, target):
    spaces = [" ", "  ", "   ", "    ", "\t", "\t\t", " \t ", "\u00A0", "\u3000", "\u2003", "\u2009", "\u200A"]
    breaks = ["\n", "\n\n", "\n\n\n", "\r\n", "\r\n\r\n", "\r", " \n", "\t\n", "   \n\n  ", "\n \n", "\x0B", "\x0C"]
    words = ["alpha", "beta", "x", "if", "{", "}", "return", "42", "7", "foo()", "a,b", "...", "--", "#"]
    out = []
    size = 0
    while size < target:
        chunk = []
        for _ in range(rng.randint(5, 25)):
            r = rng.random()
            if r < 0.4:
                chunk.append(rng.choice(words))
            elif r < 0.7:
                chunk.append(rng.choice(spaces) * rng.randint(1, 6))
            elif r < 0.9:
                chunk.append(rng.choice(breaks))
            else:
                chunk.append(" " * rng.randint(8, 70))
        text = "".join(chunk)
        out.append(text)
        size += len(text.encode())
    return "".join(out)


def scripts_section(rng, target):
    ranges = {
        "greek": [(0x391, 0x3A9), (0x3B1, 0x3C9)], "cyrillic": [(0x410, 0x44F)], "hebrew": [(0x5D0, 0x5EA)],
        "arabic": [(0x621, 0x64A)], "devanagari": [(0x915, 0x939), (0x93E, 0x94C)], "thai": [(0xE01, 0xE30)],
        "hangul": [(0xAC00, 0xD7A3)], "hiragana": [(0x3041, 0x3096)], "katakana": [(0x30A1, 0x30FA)],
        "cjk": [(0x4E00, 0x9FFF)], "latin": [(0xC0, 0xFF), (0x100, 0x17F)],
    }
    digit_sets = ["0123456789", "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669",
                  "\uFF10\uFF11\uFF12\uFF13\uFF14\uFF15\uFF16\uFF17\uFF18\uFF19", "\u00B2\u00B3\u00B9\u2070\u2074",
                  "\u2160\u2161\u2162\u216B", "\u2460\u2461\u2462\u2473", "\u0966\u0967\u0968", "\u00BD\u00BC"]
    contractions = ["don't", "I'LL", "we'Ve", "it's", "They'RE", "she'd", "I'm", "you'll", "o'clock", "rock'n'roll",
                    "'s", "''", "'quoted'"]
    names = sorted(ranges)
    out = []
    size = 0
    while size < target:
        parts = []
        for _ in range(rng.randint(6, 18)):
            r = rng.random()
            if r < 0.6:
                lo, hi = rng.choice(ranges[rng.choice(names)])
                parts.append("".join(chr(rng.randint(lo, hi)) for _ in range(rng.randint(1, 9))))
            elif r < 0.8:
                digits = rng.choice(digit_sets)
                parts.append("".join(rng.choice(digits) for _ in range(rng.randint(1, 12))))
            elif r < 0.9:
                parts.append(rng.choice(contractions))
            else:
                parts.append(rng.choice(["3.14159", "1,000,000", "0x7fff", "2024-11-21", "12:30:45", "1e-9", "v2.0.1",
                                         "$4.99", "-17", "50%", "#1"]))
        line = rng.choice([" ", " ", "", ", "]).join(parts) + rng.choice([".", "。", "!", "؟", "\n", " "]) + "\n"
        out.append(line)
        size += len(line.encode())
    return "".join(out)


def specials_section(rng, target):
    words = ["Use", "the", "token", "to", "end", "a", "turn", "x", "42", " ", "\n", "<", "|", ">", "im_start", "<|im",
             "end|>", "<<|im_end|>>", "<|endoftext|><|endoftext|>"]
    out = []
    size = 0
    while size < target:
        parts = [rng.choice(SPECIALS) if rng.random() < 0.3 else rng.choice(words) for _ in range(rng.randint(5, 15))]
        line = rng.choice(["", " "]).join(parts) + "\n"
        out.append(line)
        size += len(line.encode())
    return "".join(out)


def unicode_section(rng, target):
    out = []
    size = 0
    while size < target:
        chars = []
        for _ in range(rng.randint(10, 60)):
            while True:
                r = rng.random()
                # Planes 0-3 and the tags and variation selectors of plane 14: SmolLM2's vocabulary
                # has no token for the lead bytes F1 and F2 (planes 4-11), so text there cannot
                # come back from its ids (HF and we both drop bytes the vocabulary lacks).
                if r < 0.4:
                    cp = rng.randint(0x20, 0x2FFF)
                elif r < 0.95:
                    cp = rng.randint(0x20, 0x3FFFF)
                else:
                    cp = rng.randint(0xE0000, 0xE01EF)
                if 0xD800 <= cp <= 0xDFFF:
                    continue
                if unicodedata.category(chr(cp)) not in ("Co", "Cc", "Cs"):
                    break
            chars.append(chr(cp))
            if rng.random() < 0.15:
                chars.append(" ")
        line = "".join(chars) + "\n"
        out.append(line)
        size += len(line.encode())
    return "".join(out)


# Letters and digits that Unicode 15, 16 and 17 added (first, last code point).
RECENT = [(0x1C89, 0x1C8A), (0xA7CB, 0xA7CD), (0xA7DA, 0xA7DC), (0x105C0, 0x105F3), (0x10D40, 0x10D65),
          (0x10D6F, 0x10D85), (0x10EC2, 0x10EC4), (0x1123F, 0x11240), (0x11380, 0x113B7), (0x113D1, 0x113D3),
          (0x116D0, 0x116E3), (0x11BC0, 0x11BF9), (0x11DE0, 0x11DE9), (0x11F02, 0x11F59), (0x1342F, 0x1342F),
          (0x13441, 0x13446), (0x13460, 0x13560), (0x16100, 0x16139), (0x16D40, 0x16D79), (0x16FF4, 0x16FF6),
          (0x18CFF, 0x18CFF), (0x1B132, 0x1B132), (0x1B155, 0x1B155), (0x1CCF0, 0x1CCF9), (0x1D2C0, 0x1D2D3),
          (0x1DF25, 0x1DF2A), (0x1E030, 0x1E06D), (0x1E4D0, 0x1E4F9), (0x1E5D0, 0x1E5FA), (0x2B739, 0x2B739),
          (0x2EBF0, 0x2EC40), (0x31350, 0x313A0)]


def recent_section(rng):
    glue = [" ", "", "", "1", " 2", "'s", "'S", "a", "\n", "  ", "\t"]
    parts = []
    for lo, hi in RECENT:
        for cp in range(lo, hi + 1):
            parts.append(chr(cp) + rng.choice(glue))
    text = "".join(parts)
    return "\n".join(text[i:i + 120] for i in range(0, len(text), 120)) + "\n"


def paragraphs(text, rng, lo=1500, hi=6000):
    """Cuts text into pieces of lo..hi bytes at line ends where possible."""
    pieces = []
    pos = 0
    while pos < len(text):
        end = min(len(text), pos + rng.randint(lo, hi) // 2)  # characters, roughly half the bytes
        nl = text.find("\n", end)
        if nl != -1 and nl - end < 400:
            end = nl + 1
        pieces.append(text[pos:end])
        pos = end
    return pieces


def chat_text(pieces, rng, target):
    out = []
    size = 0
    i = 0
    while size < target and i + 1 < len(pieces):
        user, reply = pieces[i], pieces[i + 1]
        i += 2
        if rng.random() < 0.5:
            cut = rng.randint(0, len(reply))
            reply = reply[:cut] + rng.choice(SPECIALS) + reply[cut:]
        turn = ("<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
                f"<|im_start|>user\n{user}<|im_end|>\n<|im_start|>assistant\n{reply}<|im_end|>\n")
        if rng.random() < 0.2:
            turn += rng.choice(SPECIALS) * rng.randint(1, 3)
        out.append(turn)
        size += len(turn.encode())
    return "".join(out)


def build(min_bytes):
    rng = random.Random(20241121)
    sections = {}

    prose = [read_text(f"/usr/share/common-licenses/{name}", 120_000) for name in LICENSES]
    sections["prose"] = "\n\n".join(t for t in prose if t)

    code = [read_text(f"/usr/include/c++/12/bits/{name}", 60_000) for name in CPP_HEADERS]
    code += [read_text(f"/usr/lib/python3.11/{name}", 40_000) for name in PYTHON_MODULES]
    sections["code"] = "\n\n".join(t for t in code if t)

    chinese = []
    budget = 300_000
    for name in CATALOGS:
        for msgid, msgstr in read_mo(f"/usr/share/locale/zh_CN/LC_MESSAGES/{name}.mo"):
            entry = f"{msgid}\n{msgstr}\n"
            budget -= len(entry.encode())
            if budget < 0:
                break
            chinese.append(entry)
    sections["chinese"] = "".join(chinese)

    sections["emoji"] = emoji_section(random.Random(1), 70_000)
    sections["whitespace"] = whitespace_section(random.Random(2), 60_000)
    sections["scripts"] = scripts_section(random.Random(3), 110_000)
    sections["specials"] = specials_section(random.Random(4), 20_000)
    sections["unicode"] = unicode_section(random.Random(5), 60_000)
    sections["recent"] = recent_section(random.Random(8))

    total = sum(len(t.encode()) for t in sections.values())
    if total < min_bytes:  # a machine without some of the files: top up with generated text
        filler = random.Random(6)
        sections["filler"] = (scripts_section(filler, (min_bytes - total) // 2) +
                              whitespace_section(filler, (min_bytes - total) // 4) +
                              emoji_section(filler, (min_bytes - total) // 4 + 4096))

    pieces = []
    for name in sorted(sections):
        pieces.extend(paragraphs(sections[name], rng))
    rng.shuffle(pieces)
    corpus = "\n\n".join(pieces)
    return corpus, pieces, {name: len(t.encode()) for name, t in sections.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--chat-out", default=None)
    parser.add_argument("--chat-bytes", type=int, default=400_000)
    parser.add_argument("--min-bytes", type=int, default=1_100_000)
    args = parser.parse_args()
    corpus, pieces, sizes = build(args.min_bytes)
    data = corpus.encode("utf-8")
    with open(args.out + ".tmp", "wb") as f:
        f.write(data)
    os.replace(args.out + ".tmp", args.out)
    summary = {"corpus": args.out, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(), "sections": sizes}
    if args.chat_out:
        chat = chat_text(pieces, random.Random(7), args.chat_bytes).encode("utf-8")
        with open(args.chat_out + ".tmp", "wb") as f:
            f.write(chat)
        os.replace(args.chat_out + ".tmp", args.chat_out)
        summary["chat_bytes"] = len(chat)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
