#!/usr/bin/env python3
"""The serving path on a GPU with a model whose answers mean nothing (random weights,
tools/make_gpu_models.py): starts `moeserve serve --device cuda`, then through the official
openai client a chat completion, a streamed one with usage, completions with n = 2 and
logprobs, a seeded request twice (same text), concurrent streams, /health, and SIGTERM.
Prints one line per check and exits 1 if any failed.

    python3 tools/gpu_serve_smoke.py MOESERVE_BINARY MODEL_DIR [extra serve flags...]
"""
import concurrent.futures
import socket
import subprocess
import sys
import time
import urllib.request

import openai


def main():
    binary, model, *flags = sys.argv[1:]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = open(f"/tmp/serve-smoke-{port}.log", "w+")
    proc = subprocess.Popen([binary, "serve", "--model", model, "--port", str(port), "--device", "cuda", *flags],
                            stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if urllib.request.urlopen(base + "/health", timeout=2).status == 200:
                break
        except Exception:
            if proc.poll() is not None:
                break
            time.sleep(0.2)
    client = openai.OpenAI(base_url=base + "/v1", api_key="none", max_retries=0)
    failures = 0

    def check(name, fn):
        nonlocal failures
        try:
            detail = fn()
            print(f"PASS {name}: {detail}")
        except Exception as e:  # noqa: BLE001 - every failure is reported
            failures += 1
            print(f"FAIL {name}: {type(e).__name__}: {e}")

    msgs = [{"role": "user", "content": "Hello there"}]

    def chat():
        r = client.chat.completions.create(model="m", messages=msgs, max_tokens=16, temperature=0)
        assert r.usage.completion_tokens > 0 and r.choices[0].finish_reason in ("stop", "length")
        return f"{r.usage.prompt_tokens} prompt + {r.usage.completion_tokens} tokens"

    def stream():
        chunks = list(client.chat.completions.create(model="m", messages=msgs, max_tokens=16, stream=True,
                                                     stream_options={"include_usage": True}))
        assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0
        return f"{len(chunks)} chunks"

    def n_logprobs():
        r = client.completions.create(model="m", prompt="The", max_tokens=8, n=2, logprobs=2, temperature=1.0)
        assert len(r.choices) == 2
        for c in r.choices:
            assert len(c.logprobs.tokens) == len(c.logprobs.top_logprobs) > 0
            assert all(v <= 0 for v in c.logprobs.token_logprobs)
        return "2 choices with logprobs"

    def seeded():
        texts = [client.completions.create(model="m", prompt="Once", max_tokens=12, temperature=0.9, seed=5,
                                           extra_body={"ignore_eos": True}).choices[0].text for _ in range(2)]
        assert texts[0] == texts[1], texts
        return "same text twice"

    def concurrent_streams():
        def one(i):  # the usage chunk counts tokens (a chunk may hold several, or wait for a UTF-8 tail)
            chunks = list(client.completions.create(model="m", prompt=f"Item {i}", max_tokens=24, stream=True,
                                                    stream_options={"include_usage": True},
                                                    extra_body={"ignore_eos": True}))
            return chunks[-1].usage.completion_tokens
        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            counts = list(pool.map(one, range(16)))
        assert all(c == 24 for c in counts), counts
        return "16 streams of 24 tokens"

    def health():
        return f"status {urllib.request.urlopen(base + '/health', timeout=5).status}"

    for name, fn in [("chat", chat), ("stream", stream), ("n+logprobs", n_logprobs), ("seeded", seeded),
                     ("concurrent", concurrent_streams), ("health", health)]:
        check(name, fn)
    proc.terminate()
    try:
        rc = proc.wait(timeout=30)
        print(("PASS" if rc == 0 else "FAIL") + f" sigterm: exit {rc}")
        failures += rc != 0
    except subprocess.TimeoutExpired:
        proc.kill()
        print("FAIL sigterm: still running after 30 s")
        failures += 1
    log.seek(0)
    lines = log.read().splitlines()
    print("server log:", *[line for line in lines if "weights" in line or "serving" in line or "error" in line.lower()][:8],
          sep="\n  ")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
