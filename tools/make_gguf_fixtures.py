#!/usr/bin/env python3
"""Writes the GGUF test fixtures of model_io_tests, with gguf-py as the oracle.

Run with the project's venv (tools/install-deps creates it):

    .venv/bin/python tools/make_gguf_fixtures.py            # all fixtures
    .venv/bin/python tools/make_gguf_fixtures.py --check    # regenerate into a temp dir, compare bytes
    .venv/bin/python tools/make_gguf_fixtures.py --verify   # recheck the committed fixtures with gguf-py

--verify (run by CTest as model_io_fixtures_match_gguf_py) does not depend on numpy's
random streams: it recomputes every expected value from the committed quantized data (and
from the model, when present) with gguf-py's dequantize and compares bit patterns.

Files written to tests/fixtures/gguf/ (deterministic: fixed seed, fixed values):

  dequant.gguf     For each type T of F32 F16 BF16 Q8_0 Q4_0 Q4_1 Q4_K Q6_K: a tensor "T"
                   of numpy shape (3, 512) in that type, and "T.expected", the float32
                   values gguf-py's dequantize gives for it. Q8_0/Q4_0/Q4_1/BF16 data come
                   from gguf-py's quantize of seeded normal data; gguf-py cannot quantize
                   Q4_K/Q6_K, so their blocks are seeded random bytes with finite half
                   scales (every 6-bit scale/min pattern appears). F16 and BF16 include
                   signed zeros, subnormals, infinities and NaNs.
  metadata.gguf    One key of every GGUF value type and one array of every element type
                   (values listed in METADATA below and repeated in the C++ test), with
                   general.alignment = 64 and two small F32 tensors.
  smollm2_expected.gguf
                   Rows of the default model (models/SmolLM2-135M-Instruct.Q4_1.gguf),
                   dequantized by gguf-py: for each tensor in MODEL_ROWS, an F32 tensor of
                   the same name holding the listed rows, and "<name>.rows" (u32 array) with
                   their indices. Skipped (with a message) when the model is missing.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

import gguf
from gguf import GGMLQuantizationType as QT
from gguf import GGUFValueType as VT

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "tests" / "fixtures" / "gguf"
MODEL = ROOT / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"
SEED = 20240601
SHAPE = (3, 512)  # rows x row length; 512 = 2 super-blocks of the k-quants

# key -> (value type, value, array element type or None)
METADATA: dict[str, tuple[VT, object, VT | None]] = {
    "test.u8": (VT.UINT8, 200, None),
    "test.i8": (VT.INT8, -100, None),
    "test.u16": (VT.UINT16, 60000, None),
    "test.i16": (VT.INT16, -30000, None),
    "test.u32": (VT.UINT32, 4000000000, None),
    "test.i32": (VT.INT32, -2000000000, None),
    "test.f32": (VT.FLOAT32, 3.25, None),
    "test.bool": (VT.BOOL, True, None),
    "test.string": (VT.STRING, "h\u00e9llo w\u00f6rld \u2713", None),
    "test.u64": (VT.UINT64, 2**63 + 5, None),
    "test.i64": (VT.INT64, -(2**62) - 7, None),
    "test.f64": (VT.FLOAT64, 0.1, None),
    "test.arr.u8": (VT.ARRAY, [0, 1, 255], VT.UINT8),
    "test.arr.i8": (VT.ARRAY, [-128, 0, 127], VT.INT8),
    "test.arr.u16": (VT.ARRAY, [0, 65535], VT.UINT16),
    "test.arr.i16": (VT.ARRAY, [-32768, 32767], VT.INT16),
    "test.arr.u32": (VT.ARRAY, [7, 4294967295], VT.UINT32),
    "test.arr.i32": (VT.ARRAY, [-1, 0, 2147483647], VT.INT32),
    "test.arr.f32": (VT.ARRAY, [1.5, -2.25, 0.001], VT.FLOAT32),
    "test.arr.bool": (VT.ARRAY, [True, False, True], VT.BOOL),
    "test.arr.string": (VT.ARRAY, ["a", "", "\u00fcn\u00efcode", "with space"], VT.STRING),
    "test.arr.u64": (VT.ARRAY, [2**64 - 1, 0], VT.UINT64),
    "test.arr.i64": (VT.ARRAY, [-(2**63), 2**63 - 1], VT.INT64),
    "test.arr.f64": (VT.ARRAY, [0.1, -1e300], VT.FLOAT64),
}

# tensor -> rows to record (token_embd.weight is the model's one Q8_0 tensor)
MODEL_ROWS: dict[str, list[int]] = {
    "token_embd.weight": [0, 1, 2, 1000, 49151],
    "blk.0.attn_q.weight": [0, 1, 575],
    "blk.29.ffn_down.weight": [0, 575],
    "output_norm.weight": [0],
}


def _writer(path: Path, arch: str) -> gguf.GGUFWriter:
    return gguf.GGUFWriter(path, arch)


def _finish(w: gguf.GGUFWriter) -> None:
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def _f16_specials() -> np.ndarray:
    bits = [0x0000, 0x8000, 0x0001, 0x8001, 0x03FF, 0x0400, 0x7BFF, 0xFBFF, 0x7C00, 0xFC00, 0x7E00, 0x7C01, 0xFE17]
    return np.array(bits, dtype=np.uint16).view(np.float16)


def _k_quant_blocks(rng: np.random.Generator, qtype: QT, n_blocks: int) -> np.ndarray:
    """Random blocks with finite, moderate half scales at the places ggml keeps them."""
    _, type_size = gguf.GGML_QUANT_SIZES[qtype]
    blocks = rng.integers(0, 256, size=(n_blocks, type_size), dtype=np.uint8)
    if qtype == QT.Q4_K:  # d at 0, dmin at 2
        scales = rng.uniform(1e-4, 5e-2, size=(n_blocks, 2)).astype(np.float16)
        blocks[:, 0:4] = scales.view(np.uint8).reshape(n_blocks, 4)
    elif qtype == QT.Q6_K:  # d at the end (208)
        d = (rng.uniform(1e-4, 5e-2, size=(n_blocks, 1)) * rng.choice([-1, 1], size=(n_blocks, 1))).astype(np.float16)
        blocks[:, 208:210] = d.view(np.uint8).reshape(n_blocks, 2)
    else:
        raise ValueError(qtype)
    return blocks


def write_dequant(path: Path) -> None:
    rng = np.random.default_rng(SEED)
    w = _writer(path, "fixture")
    w.add_uint32("fixture.seed", SEED)
    types = [QT.F32, QT.F16, QT.BF16, QT.Q8_0, QT.Q4_0, QT.Q4_1, QT.Q4_K, QT.Q6_K]
    w.add_array("fixture.types", [t.name for t in types])
    rows, cols = SHAPE
    for qtype in types:
        data = (rng.standard_normal(SHAPE) * rng.uniform(0.01, 3.0, size=(rows, 1))).astype(np.float32)
        if qtype == QT.F32:
            data.flat[:5] = [0.0, -0.0, np.inf, -np.inf, np.float32(1e-45)]
            w.add_tensor(qtype.name, data)
            expected = gguf.quants.dequantize(data, qtype)
        elif qtype == QT.F16:
            half = data.astype(np.float16)
            specials = _f16_specials()
            half.flat[: specials.size] = specials
            w.add_tensor(qtype.name, half)
            expected = gguf.quants.dequantize(half, qtype)
        elif qtype in (QT.Q4_K, QT.Q6_K):
            block_size, type_size = gguf.GGML_QUANT_SIZES[qtype]
            blocks = _k_quant_blocks(rng, qtype, rows * cols // block_size)
            raw = blocks.reshape(rows, cols // block_size * type_size)
            w.add_tensor(qtype.name, raw, raw_dtype=qtype)
            expected = gguf.quants.dequantize(raw, qtype)
        else:
            if qtype == QT.BF16:
                data.flat[:6] = [0.0, -0.0, np.inf, -np.inf, np.nan, np.float32(1e-40)]
            else:  # an all-zero block (d = 0) and a constant block
                data[0, :32] = 0.0
                data[1, 32:64] = 0.75
            raw = gguf.quants.quantize(data, qtype)
            w.add_tensor(qtype.name, raw, raw_dtype=qtype)
            expected = gguf.quants.dequantize(raw, qtype)
        expected = np.ascontiguousarray(expected, dtype=np.float32).reshape(SHAPE)
        w.add_tensor(qtype.name + ".expected", expected)
    _finish(w)


def write_metadata(path: Path) -> None:
    w = _writer(path, "fixture")
    w.add_custom_alignment(64)
    for key, (vtype, value, sub_type) in METADATA.items():
        w.add_key_value(key, value, vtype, sub_type=sub_type)
    w.add_tensor("small.a", np.arange(5, dtype=np.float32) * 0.5)  # 20 bytes: the next tensor is padded
    w.add_tensor("small.b", np.array([[1.0, -2.0], [3.5, 1e-3]], dtype=np.float32))
    _finish(w)


def write_model_expected(path: Path, model: Path) -> bool:
    if not model.is_file():
        print(f"make_gguf_fixtures: {model} is missing (tools/install-deps --model); skipping {path.name}")
        return False
    reader = gguf.GGUFReader(model)
    tensors = {t.name: t for t in reader.tensors}
    w = _writer(path, "fixture")
    w.add_uint64("model.file_size", model.stat().st_size)
    w.add_uint32("model.tensor_count", len(reader.tensors))
    for name, rows in MODEL_ROWS.items():
        t = tensors[name]
        data = np.asarray(t.data)
        if data.ndim == 1:
            data = data.reshape(1, -1)
        picked = np.ascontiguousarray(data[rows])
        values = gguf.quants.dequantize(picked, t.tensor_type)
        w.add_key_value(name + ".rows", rows, VT.ARRAY, sub_type=VT.UINT32)
        w.add_string(name + ".type", t.tensor_type.name)
        w.add_tensor(name, np.ascontiguousarray(values, dtype=np.float32).reshape(len(rows), -1))
    _finish(w)
    return True


def _bits(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float32).view(np.uint32).ravel()


def _field(reader: gguf.GGUFReader, key: str):
    field = reader.fields[key]
    return field.contents(), [VT(t) for t in field.types]


def verify(model: Path) -> int:
    """Recomputes the committed fixtures' expected values with gguf-py; returns the failures."""
    failures = 0

    def report(ok: bool, what: str) -> None:
        nonlocal failures
        failures += 0 if ok else 1
        print(f"{'ok  ' if ok else 'FAIL'} {what}")

    r = gguf.GGUFReader(OUT_DIR / "dequant.gguf")
    tensors = {t.name: t for t in r.tensors}
    types, _ = _field(r, "fixture.types")
    report(types == ["F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q4_K", "Q6_K"], "dequant.gguf types")
    for name in types:
        t = tensors[name]
        got = gguf.quants.dequantize(np.asarray(t.data), t.tensor_type)
        report(t.tensor_type.name == name and np.array_equal(_bits(got), _bits(tensors[name + ".expected"].data)),
               f"dequant.gguf {name} matches gguf-py's dequantize")

    r = gguf.GGUFReader(OUT_DIR / "metadata.gguf")
    for key, (vtype, value, sub_type) in METADATA.items():
        contents, field_types = _field(r, key)
        want_types = [vtype] + ([sub_type] if sub_type is not None else [])
        if vtype in (VT.FLOAT32,) or sub_type == VT.FLOAT32:
            same = np.array_equal(np.float32(contents), np.float32(value))
        else:
            same = contents == value
        report(field_types == want_types and same, f"metadata.gguf {key}")
    report(r.alignment == 64 and [t.name for t in r.tensors] == ["small.a", "small.b"], "metadata.gguf layout")

    if not model.is_file():
        print(f"skip smollm2_expected.gguf: {model} is missing")
        return failures
    expected = gguf.GGUFReader(OUT_DIR / "smollm2_expected.gguf")
    size, _ = _field(expected, "model.file_size")
    report(size == model.stat().st_size, "smollm2_expected.gguf was made from this model file")
    source = {t.name: t for t in gguf.GGUFReader(model).tensors}
    for t in expected.tensors:
        rows, _ = _field(expected, t.name + ".rows")
        s = source[t.name]
        data = np.asarray(s.data)
        data = data.reshape(1, -1) if data.ndim == 1 else data
        got = gguf.quants.dequantize(np.ascontiguousarray(data[rows]), s.tensor_type)
        report(np.array_equal(_bits(got), _bits(t.data)), f"smollm2_expected.gguf {t.name} ({s.tensor_type.name}) rows {rows}")
    return failures


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="compare with the committed fixtures, write nothing")
    ap.add_argument("--verify", action="store_true", help="recheck the committed fixtures with gguf-py, write nothing")
    ap.add_argument("--model", type=Path, default=MODEL)
    args = ap.parse_args()
    if args.verify:
        failures = verify(args.model)
        print(f"make_gguf_fixtures --verify: {failures} failure(s)")
        return 1 if failures else 0

    jobs = [
        ("dequant.gguf", write_dequant),
        ("metadata.gguf", write_metadata),
        ("smollm2_expected.gguf", lambda p: write_model_expected(p, args.model)),
    ]
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, job in jobs:
            tmp_path = Path(tmp) / name
            if job(tmp_path) is False:
                continue
            target = OUT_DIR / name
            if args.check:
                same = target.is_file() and target.read_bytes() == tmp_path.read_bytes()
                print(f"{name}: {'up to date' if same else 'DIFFERS'}")
                failed += 0 if same else 1
            else:
                shutil.copyfile(tmp_path, target)
                print(f"wrote {target.relative_to(ROOT)} ({target.stat().st_size} bytes)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
