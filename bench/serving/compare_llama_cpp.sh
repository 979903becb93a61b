#!/usr/bin/env bash
# moeserve's server against llama.cpp's server (llama-cpp-python's llama_cpp.server) on the
# same GGUF and threads: bench_serving.py with CONCURRENCY streams, every request generating
# exactly MAX_TOKENS tokens (--fixed-length), servers alternating for ROUNDS rounds so that
# both see the same machine load. Prints each run's JSON line.
#
#   bench/serving/compare_llama_cpp.sh [ROUNDS=2] [CONCURRENCY=8] [REQUESTS=24] [MAX_TOKENS=64] [THREADS=2]
#
# Needs build-rel/app/moeserve (Release) and llama.cpp's venv (.venv-llama-cpp, see
# tools/requirements-llama-cpp.txt; llama_cpp.server also needs uvicorn, fastapi,
# sse-starlette, starlette-context and pydantic-settings there). llama_cpp.server runs one
# request at a time; by default a new request interrupts the one streaming (most requests
# then end after a few tokens), so it runs with --interrupt_requests False: requests queue.
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-2} concurrency=${2:-8} requests=${3:-24} max_tokens=${4:-64} threads=${5:-2}
model=models/SmolLM2-135M-Instruct.Q4_1.gguf
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
pid=
trap '[[ -n $pid ]] && kill $pid 2>/dev/null' EXIT

serve_and_measure() {  # LABEL COMMAND...
  local label=$1
  shift
  "$@" >/tmp/compare_server.log 2>&1 &
  pid=$!
  for _ in $(seq 300); do curl -sf "http://127.0.0.1:$port/v1/models" >/dev/null && break; sleep 0.2; done
  python3 bench/serving/bench_serving.py --url "http://127.0.0.1:$port" --label "$label" --requests 4 \
    --concurrency "$concurrency" --max-tokens 8 --fixed-length >/dev/null  # warm-up
  python3 bench/serving/bench_serving.py --url "http://127.0.0.1:$port" --label "$label" --requests "$requests" \
    --concurrency "$concurrency" --max-tokens "$max_tokens" --fixed-length
  kill $pid
  wait $pid 2>/dev/null || true
  pid=
}

for ((r = 0; r < rounds; ++r)); do
  serve_and_measure moeserve build-rel/app/moeserve serve --model "$model" --port "$port" --threads "$threads" \
    --kv-cache-gib 0.5 --log-level warn
  serve_and_measure llama.cpp .venv-llama-cpp/bin/python -m llama_cpp.server --model "$model" --port "$port" \
    --n_threads "$threads" --n_threads_batch "$threads" --n_ctx 4096 --interrupt_requests False
done
