#!/usr/bin/env python3
"""Oracle test of moeserve's chat-template engine against Python's jinja2.

Renders every template x conversation pair of tests/fixtures/chat_templates twice: with
jinja2 configured exactly as Hugging Face transformers configures it for chat templates
(ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True) with the loopcontrols
extension, its tojson filter with ensure_ascii=False, its raise_exception and strftime_now
globals, and a `generation` block like its AssistantTracker), and with moeserve's
`moeserve_render_template` tool. The outputs must be byte-identical; where jinja2 fails, the
C++ renderer must fail too (with the same message for raise_exception()).

Templates: SmolLM2's real template from the default model's GGUF metadata
(tokenizer.chat_template, special tokens from its vocabulary), and the stand-ins listed in
templates.json. Conversations: conversations/*.json, in OpenAI's message shape with keys in
the order the C++ builder produces (model/chat/chat_context.hpp). Feature templates
(features/*.jinja) are rendered once each with features/context.json.

Then --random N small templates drawn from a grammar of expressions, filters, tests, methods
and statements (deterministic, --seed) are rendered with features/context.json; they must
agree as well (identical output, or both fail).

For every successful pair the trust segmentation (--segments) is checked too: the segments
concatenate to the output, adjacent segments differ in trust, and every occurrence of the
marker INJECT (only ever in message contents) lies in an untrusted segment.

Usage: check_chat_templates.py --renderer BIN --fixtures DIR --gguf MODEL.gguf
Prints one line per mismatch and a summary; exits non-zero on any mismatch.
"""

import argparse
import copy
import datetime
import json
import pathlib
import random
import subprocess
import sys
import tempfile

import jinja2
import jinja2.ext
from jinja2 import nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

FIXED_NOW = datetime.datetime(2024, 7, 26, 9, 30, 5)
INJECTION_MARKER = "INJECT"
MIN_IDENTICAL_PAIRS = 30


class GenerationBlock(jinja2.ext.Extension):
    """{% generation %}...{% endgeneration %}: renders its body, as transformers' tracker does."""

    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
        return nodes.CallBlock(self.call_method("_render"), [], [], body).set_lineno(lineno)

    def _render(self, caller):
        return caller()


def make_environment():
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def strftime_now(format):
        return FIXED_NOW.strftime(format)

    env = ImmutableSandboxedEnvironment(
        trim_blocks=True, lstrip_blocks=True, extensions=[GenerationBlock, jinja2.ext.loopcontrols]
    )
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def ordered(d, keys, what):
    unknown = set(d) - set(keys)
    if unknown:
        raise ValueError(f"{what}: unknown keys {sorted(unknown)}")
    return {k: d[k] for k in keys if k in d}


def canonical_part(p):
    p = ordered(p, ["type", "text", "image_url"], "content part")
    if p.get("type") == "text":
        return {"type": "text", "text": p.get("text", "")}
    if p.get("type") == "image_url":
        return {"type": "image_url", "image_url": {"url": p["image_url"]["url"]}}
    return {"type": p["type"]}


def canonical_call(c):
    c = ordered(c, ["id", "type", "function"], "tool call")
    f = ordered(c["function"], ["name", "arguments"], "tool call function")
    out = {}
    if "id" in c:
        out["id"] = c["id"]
    out["type"] = "function"
    out["function"] = {"name": f.get("name", ""), "arguments": f.get("arguments")}
    return out


def canonical_message(m):
    """The dict the C++ builder produces for a message, keys in its order."""
    m = ordered(m, ["role", "content", "reasoning_content", "tool_calls", "tool_call_id", "name"], "message")
    out = {"role": m["role"]}
    if "content" in m:
        c = m["content"]
        out["content"] = [canonical_part(p) for p in c] if isinstance(c, list) else c
    for key in ("reasoning_content", "tool_calls", "tool_call_id", "name"):
        if key in m:
            out[key] = [canonical_call(c) for c in m[key]] if key == "tool_calls" else m[key]
    return out


def canonical_tool(t):
    t = ordered(t, ["type", "function"], "tool")
    f = ordered(t["function"], ["name", "description", "parameters"], "tool function")
    return {"type": "function", "function": f}


def render_with_jinja(env, source, context):
    """('ok', text) | ('raised', message) | ('error', description)."""
    context = copy.deepcopy(context)  # jinja2's filters may change lists in place (indent's +=)
    tools = context.get("tools")
    variables = {
        "messages": [canonical_message(m) for m in context.get("messages", [])],
        "tools": [canonical_tool(t) for t in tools] if tools is not None else None,
        "documents": None,
        "add_generation_prompt": context.get("add_generation_prompt", False),
    }
    variables.update(context.get("special_tokens", {}))
    variables.update(context.get("template_kwargs", {}))
    try:
        return ("ok", env.from_string(source).render(**variables))
    except jinja2.exceptions.TemplateError as e:
        if type(e) is jinja2.exceptions.TemplateError:
            return ("raised", str(e))
        return ("error", f"{type(e).__name__}: {e}")
    except Exception as e:  # TypeError, ValueError, ... raised by the template's operations
        return ("error", f"{type(e).__name__}: {e}")


def render_with_moeserve(renderer, template_path, context_path, segments=False):
    """('ok', text or segments) | ('raised', message) | ('error', description)."""
    cmd = [renderer, "--now", FIXED_NOW.strftime("%Y-%m-%d %H:%M:%S")]
    if segments:
        cmd.append("--segments")
    proc = subprocess.run(cmd + [str(template_path), str(context_path)], capture_output=True, timeout=60)
    if proc.returncode == 0:
        text = proc.stdout.decode("utf-8")
        return ("ok", json.loads(text) if segments else text)
    err = proc.stderr.decode("utf-8", "replace").strip()
    if proc.returncode == 2:
        kind, _, rest = err.partition(" error: ")
        if kind == "raised":
            # "line L, column C: message"
            return ("raised", rest.split(": ", 1)[1] if ": " in rest else rest)
        return ("error", err)
    raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {err}")


def first_difference(a, b):
    n = min(len(a), len(b))
    i = next((k for k in range(n) if a[k] != b[k]), n)
    return f"first difference at {i}: jinja2 {a[max(0, i - 40):i + 40]!r} vs moeserve {b[max(0, i - 40):i + 40]!r}"


def check_segments(segments, text):
    """Problems with a --segments answer for output `text`, as a list of strings."""
    problems = []
    if "".join(s["text"] for s in segments) != text:
        problems.append("segments do not concatenate to the output")
    for a, b in zip(segments, segments[1:]):
        if a["trusted"] == b["trusted"]:
            problems.append("adjacent segments with the same trust")
            break
    if any(not s["text"] for s in segments):
        problems.append("an empty segment")
    pos = 0
    for s in segments:
        if s["trusted"] and INJECTION_MARKER in s["text"]:
            problems.append(f"{INJECTION_MARKER!r} in a trusted segment at byte {pos}")
        pos += len(s["text"].encode("utf-8"))
    return problems


class RandomTemplates:
    """Small random templates over the feature context, avoiding the documented differences
    (dict views and Markup are never printed; integers stay small)."""

    ATOMS = ["1", "0", "-2", "3.5", "0.1", "'a'", "'Ab c'", "''", "' x '", "none", "true", "false", "[]", "[1, 2]",
             "['b', 'a']", "{'k': 1}", "(1,)", "count", "ratio", "label", "items", "nested", "flag", "missing",
             "messages", "messages[0]", "messages[1].content", "tools[0].function", "nested.k", "items[1:]",
             "label[::-1]", "nested.missing", "messages[-1].reasoning_content"]
    FILTERS = ["length", "trim", "upper", "lower", "title", "capitalize", "first", "last", "list", "string", "int",
               "float", "abs", "round", "round(1, 'floor')", "sort", "unique|list", "reverse|list", "join(',')",
               "default('d')", "default('e', true)", "tojson", "tojson(indent=1)", "items|list", "dictsort",
               "dictsort(reverse=true)", "min", "max", "sum", "wordcount", "count", "replace('a', 'b')",
               "map('string')|list", "map(attribute='role')|list", "select|list", "reject|list", "indent(2)",
               "center(7)", "batch(2)|list", "batch(3, 0)|list", "selectattr('role')|list",
               "sort(attribute='role')|list", "rejectattr('role', 'equalto', 'user')|list"]
    TESTS = ["defined", "undefined", "none", "string", "number", "integer", "float", "mapping", "sequence",
             "iterable", "odd", "even", "true", "false", "boolean", "lower", "upper", "callable", "divisibleby 2",
             "eq 1", "in [1, 'a']", "sameas none"]
    BINOPS = ["+", "-", "*", "/", "//", "%", "~", "==", "!=", "<", ">=", "in", "not in", "and", "or"]
    METHODS = ["strip()", "upper()", "split()", "split(',')", "rsplit(' ', 1)", "startswith('a')", "endswith('c')",
               "replace('a', 'z')", "find('b')", "count('a')", "lstrip('A')", "title()", "items()|list",
               "keys()|list", "values()|list", "get('k')", "get('zz', 5)", "index(1)", "splitlines()", "isdigit()",
               "format(1)", "center(9, '*')"]
    ITERABLES = ["items", "nested", "label", "messages", "[1, 2, 3]", "missing", "range(3)", "nested.items()"]

    def __init__(self, seed):
        self.r = random.Random(seed)

    def expr(self, depth=0):
        r, c = self.r.random(), self.r.choice
        if depth > 2 or r < 0.3:
            return c(self.ATOMS)
        if r < 0.45:
            return f"{self.expr(depth + 1)}|{c(self.FILTERS)}"
        if r < 0.55:
            return f"({self.expr(depth + 1)} is {c(['', 'not '])}{c(self.TESTS)})"
        if r < 0.75:
            return f"({self.expr(depth + 1)} {c(self.BINOPS)} {self.expr(depth + 1)})"
        if r < 0.82:
            return f"({self.expr(depth + 1)} if {self.expr(depth + 1)} else {self.expr(depth + 1)})"
        if r < 0.9:
            return f"{c(self.ATOMS)}.{c(self.METHODS)}"
        if r < 0.95:
            return f"[{self.expr(depth + 1)}, {self.expr(depth + 1)}]"
        return f"not {self.expr(depth + 1)}"

    def statement(self, depth=0):
        r, c = self.r.random(), self.r.choice
        if depth > 1 or r < 0.4:
            return "{{ " + self.expr() + " }}" + c(["", " ", "\n", "|"])
        if r < 0.55:
            return ("{% if " + self.expr() + " %}" + self.statement(depth + 1) + "{% else %}" +
                    self.statement(depth + 1) + "{% endif %}\n")
        if r < 0.7:
            return ("{% for x in " + c(self.ITERABLES) + " %}{{ loop.index }}{{ x }}" + self.statement(depth + 1) +
                    "{% endfor %}")
        if r < 0.8:
            return "{% set v = " + self.expr() + " %}{{ v }}"
        if r < 0.9:
            return "  {%- if true -%}\n  " + self.statement(depth + 1) + "\n  {%+ endif %}\n"
        return "{% set ns = namespace(a=0) %}{% for i in [1, 2] %}{% set ns.a = ns.a + i %}{% endfor %}{{ ns.a }}"

    def template(self):
        return "".join(self.statement() for _ in range(self.r.randint(1, 3)))

    # Whitespace control: text around tags with "-" and "+" markers, comments, raw blocks.
    TEXTS = ["", " ", "  ", "\t", "\n", "\n\n", " \n ", "a", "b c", "\u3000", "\u00a0", " x\n  ", "\r\n", "\n\t "]

    def marker(self, plus=True):
        return self.r.choice(["", "-", "+"] if plus else ["", "-"])

    def tag(self):
        k, c = self.r.random(), self.r.choice
        if k < 0.3:
            return ("{%" + self.marker() + " if true " + self.marker() + "%}" + self.text_run() + "{%" + self.marker() +
                    " endif " + self.marker() + "%}")
        if k < 0.5:
            return "{{" + self.marker(False) + " 'v' " + self.marker(False) + "}}"
        if k < 0.65:
            return "{#" + self.marker() + " c " + self.marker() + "#}"
        if k < 0.75:
            return "{%" + self.marker() + " set z = 1 " + self.marker() + "%}"
        if k < 0.85:
            return ("{%" + self.marker() + " raw " + self.marker(False) + "%}" + c(self.TEXTS) + "{{ x }}" +
                    c(self.TEXTS) + "{%" + self.marker() + " endraw " + self.marker() + "%}")
        return ("{%" + self.marker() + " for i in [1, 2] " + self.marker() + "%}" + self.text_run() + "{%" +
                self.marker() + " endfor " + self.marker() + "%}")

    def text_run(self):
        pieces = []
        for _ in range(self.r.randint(1, 3)):
            pieces.append(self.r.choice(self.TEXTS) + (self.tag() if self.r.random() < 0.4 else ""))
        return "".join(pieces)

    def whitespace_template(self):
        c = self.r.choice
        return "".join(c(self.TEXTS) + self.tag() for _ in range(self.r.randint(1, 4))) + c(self.TEXTS)


def load_gguf_template(path):
    import gguf  # from the project's .venv

    reader = gguf.GGUFReader(str(path))

    def field_string(name, index=0):
        f = reader.fields[name]
        return bytes(f.parts[f.data[index]]).decode("utf-8")

    def field_int(name):
        f = reader.fields[name]
        return int(f.parts[f.data[0]][0])

    source = field_string("tokenizer.chat_template")
    special = {}
    for key, var in (("bos", "bos_token"), ("eos", "eos_token"), ("unknown", "unk_token"), ("padding", "pad_token")):
        name = f"tokenizer.ggml.{key}_token_id"
        if name in reader.fields:
            special[var] = field_string("tokenizer.ggml.tokens", field_int(name))
    return source, special


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--renderer", required=True)
    ap.add_argument("--fixtures", required=True, type=pathlib.Path)
    ap.add_argument("--gguf", required=True, type=pathlib.Path)
    ap.add_argument("--verbose", action="store_true", help="also list the pairs that fail in both")
    ap.add_argument("--random", type=int, default=500, help="random templates to compare (default 500)")
    ap.add_argument("--seed", type=int, default=20240726, help="seed of the random templates")
    args = ap.parse_args()

    env = make_environment()
    manifest = json.loads((args.fixtures / "templates.json").read_text(encoding="utf-8"))
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="chat_templates_"))

    templates = []  # (name, path, source, special tokens)
    smollm2_source, smollm2_special = load_gguf_template(args.gguf)
    smollm2_path = tmp / "smollm2.jinja"
    smollm2_path.write_bytes(smollm2_source.encode("utf-8"))
    templates.append(("smollm2 (GGUF)", smollm2_path, smollm2_source, smollm2_special))
    for entry in manifest["templates"]:
        path = args.fixtures / entry["file"]
        templates.append((entry["file"], path, path.read_text(encoding="utf-8"), entry.get("special_tokens", {})))

    conversations = []
    for path in sorted((args.fixtures / "conversations").glob("*.json")):
        conversations.append((path.stem, json.loads(path.read_text(encoding="utf-8"))))

    identical = agree_on_error = segment_checks = 0
    mismatches = []

    def compare(label, source, template_path, context):
        nonlocal identical, agree_on_error, segment_checks
        context_path = tmp / "context.json"
        context_path.write_text(json.dumps(context, ensure_ascii=False), encoding="utf-8")
        expected = render_with_jinja(env, source, context)
        actual = render_with_moeserve(args.renderer, template_path, context_path)
        if expected[0] == "ok" and actual[0] == "ok":
            if expected[1] != actual[1]:
                mismatches.append(f"{label}: output differs, {first_difference(expected[1], actual[1])}")
                return
            identical += 1
            _, segments = render_with_moeserve(args.renderer, template_path, context_path, segments=True)
            problems = check_segments(segments, actual[1])
            segment_checks += 1
            for p in problems:
                mismatches.append(f"{label}: {p}")
        elif expected[0] != "ok" and actual[0] != "ok":
            if expected[0] == "raised" and (actual[0] != "raised" or actual[1] != expected[1]):
                mismatches.append(f"{label}: jinja2 raised {expected[1]!r}, moeserve: {actual[1]!r}")
                return
            agree_on_error += 1
            if args.verbose:
                print(f"both fail: {label}: jinja2 {expected[1]!r}, moeserve {actual[1]!r}")
        else:
            mismatches.append(f"{label}: jinja2 {expected[0]} {str(expected[1])[:200]!r}, "
                              f"moeserve {actual[0]} {str(actual[1])[:200]!r}")

    for name, path, source, special in templates:
        for conv_name, conv in conversations:
            context = dict(conv)
            context["special_tokens"] = special
            compare(f"{name} x {conv_name}", source, path, context)
    pairs_identical = identical

    features = sorted((args.fixtures / "features").glob("*.jinja"))
    feature_context = json.loads((args.fixtures / "features" / "context.json").read_text(encoding="utf-8"))
    for path in features:
        compare(f"feature {path.name}", path.read_text(encoding="utf-8"), path, feature_context)
    features_identical = identical - pairs_identical

    generator = RandomTemplates(args.seed)
    random_path = tmp / "random.jinja"
    for i in range(args.random):
        source = generator.whitespace_template() if i % 3 == 0 else generator.template()
        random_path.write_bytes(source.encode("utf-8"))
        compare(f"random template {i} {source!r}", source, random_path, feature_context)
    random_identical = identical - pairs_identical - features_identical

    for m in mismatches:
        print("MISMATCH", m)
    pairs = len(templates) * len(conversations)
    print(f"chat templates: {pairs_identical} of {pairs} template x conversation pairs byte-identical to jinja2, "
          f"{features_identical} of {len(features)} feature templates identical, {random_identical} of {args.random} "
          f"random templates identical; {agree_on_error} fail in both (same message for raise_exception); "
          f"{segment_checks} segmentations checked; {len(mismatches)} mismatches")
    if pairs_identical < MIN_IDENTICAL_PAIRS:
        print(f"too few identical pairs (fewer than {MIN_IDENTICAL_PAIRS}): fixtures missing?")
        return 1
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
