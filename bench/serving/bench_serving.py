#!/usr/bin/env python3
"""Serving benchmark: an OpenAI-compatible server under streamed completions requests, as
`vllm bench serve` reports it: time to first token (TTFT), inter-token latency (ITL), time
per output token (TPOT), end-to-end latency (percentiles), and request and output-token
throughput. Standard library only (HTTP/1.1 over asyncio streams, one connection per
request).

Requests arrive by a Poisson process of --rate requests/s (inf: all at once), at most
--concurrency in flight; each prompt is a different slice of Debian's GPL-3 text; each asks
for --max-tokens tokens (temperature 0); a streamed chunk with text counts as one token.
Prints one JSON line.

    python3 bench/serving/bench_serving.py --url http://127.0.0.1:8000 --requests 32 --concurrency 8
"""
import argparse
import asyncio
import json
import os
import random
import statistics
import time

from urllib.parse import urlsplit


def percentiles(values, ps=(50, 90, 99)):
    if not values:
        return {}
    v = sorted(values)
    out = {f"p{p}": round(1000 * v[min(len(v) - 1, int(p / 100 * len(v)))], 2) for p in ps}
    out["mean"] = round(1000 * statistics.fmean(v), 2)
    return out


async def one(url, prompt, max_tokens, model, fixed_length):
    """One streamed request; the times at which text chunks arrived."""
    parts = urlsplit(url)
    request = {"model": model, "prompt": prompt, "max_tokens": max_tokens, "temperature": 0, "stream": True}
    if fixed_length:  # every request generates max_tokens: vLLM's and moeserve's ignore_eos, llama.cpp's min_tokens
        request.update(ignore_eos=True, min_tokens=max_tokens)
    body = json.dumps(request).encode()
    start = time.perf_counter()
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    writer.write(b"POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body))
    await writer.drain()
    status = (await reader.readline()).split()
    if len(status) < 2 or status[1] != b"200":
        raise RuntimeError(f"HTTP status {status}")
    chunked = False
    while (line := await reader.readline()) not in (b"\r\n", b""):
        if line.lower().startswith(b"transfer-encoding:") and b"chunked" in line.lower():
            chunked = True
    stamps, pending = [], b""

    def events(data):
        nonlocal pending
        pending += data
        *lines, pending = pending.split(b"\n")
        for line in lines:
            line = line.strip()
            if line.startswith(b"data: ") and line != b"data: [DONE]":
                event = json.loads(line[6:])
                if event.get("choices") and event["choices"][0].get("text"):
                    stamps.append(time.perf_counter())

    if chunked:
        while True:
            size_line = (await reader.readline()).strip()
            if not size_line:  # the server closed the connection without the last chunk
                break
            size = int(size_line.split(b";")[0], 16)
            if size == 0:
                break
            events(await reader.readexactly(size))
            await reader.readline()
    else:
        while data := await reader.read(65536):
            events(data)
    writer.close()
    return start, stamps, time.perf_counter()


async def run(args):
    text = open(args.text, encoding="utf-8").read().split()
    rng = random.Random(args.seed)
    prompts = []
    for _ in range(args.requests):
        at = rng.randrange(0, len(text) - args.prompt_words)
        prompts.append(" ".join(text[at:at + args.prompt_words]))
    sem = asyncio.Semaphore(args.concurrency)

    async def guarded(p):
        async with sem:
            return await one(args.url, p, args.max_tokens, args.model, args.fixed_length)

    tasks = []
    t0 = time.perf_counter()
    for p in prompts:
        tasks.append(asyncio.create_task(guarded(p)))
        if args.rate != float("inf"):
            await asyncio.sleep(rng.expovariate(args.rate))
    results = await asyncio.gather(*tasks)
    wall = time.perf_counter() - t0
    ttft, itl, tpot, e2e, tokens = [], [], [], [], 0
    for start, stamps, end in results:
        tokens += len(stamps)
        e2e.append(end - start)
        if stamps:
            ttft.append(stamps[0] - start)
            itl += [b - a for a, b in zip(stamps, stamps[1:])]
            if len(stamps) > 1:
                tpot.append((stamps[-1] - stamps[0]) / (len(stamps) - 1))
    print(json.dumps({
        "bench": "serving", "url": args.url, "label": args.label, "requests": args.requests,
        "concurrency": args.concurrency, "rate": args.rate, "max_tokens": args.max_tokens, "fixed_length": args.fixed_length,
        "prompt_words": args.prompt_words, "wall_s": round(wall, 3),
        "request_throughput": round(args.requests / wall, 3), "output_tok_s": round(tokens / wall, 2),
        "output_tokens": tokens, "ttft_ms": percentiles(ttft), "itl_ms": percentiles(itl),
        "tpot_ms": percentiles(tpot), "e2e_ms": percentiles(e2e), "machine": os.uname().nodename,
        "load": round(os.getloadavg()[0], 2)}))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--url", default="http://127.0.0.1:8000")
    ap.add_argument("--model", default="default")
    ap.add_argument("--label", default="")
    ap.add_argument("--requests", type=int, default=32)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--rate", type=float, default=float("inf"), help="requests/s (Poisson); inf: all at once")
    ap.add_argument("--max-tokens", type=int, default=64)
    ap.add_argument("--prompt-words", type=int, default=48)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--fixed-length", action="store_true",
                    help="ask every request to generate exactly --max-tokens (ignore_eos and min_tokens)")
    ap.add_argument("--text", default="/usr/share/common-licenses/GPL-3")
    asyncio.run(run(ap.parse_args()))


if __name__ == "__main__":
    main()
