#!/usr/bin/env bash
# The server's own cost per streamed token (HTTP, JSON, actor hops, scheduling,
# detokenization, SSE), with the model replaced by the synthetic executor: CONNECTIONS
# clients (wrk, one thread) each stream completions of TOKENS tokens for SECONDS; the
# server's CPU time (user + system, from /proc) divided by the tokens streamed. Prints one
# JSON line. Needs a Release build with benchmarks (build-rel) and wrk (Debian package).
#
#   bench/serving/frontend_cost.sh [CONNECTIONS=1000] [TOKENS=64] [SECONDS=20] [IO_THREADS=1] [LOG_LEVEL=warn]
set -euo pipefail
cd "$(dirname "$0")/../.."
connections=${1:-1000} tokens=${2:-64} seconds=${3:-20} io_threads=${4:-1} log_level=${5:-warn}
server=${FRONTEND_SERVER:-build-rel/bench/serving/frontend_server}
model=${MODEL:-models/SmolLM2-135M-Instruct.Q4_1.gguf}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT

"$server" --model "$model" --port "$port" --max-num-seqs "$connections" --max-queued-requests "$connections" \
  --max-num-batched-tokens $((connections * 8)) --io-threads "$io_threads" --log-level "$log_level" \
  --kv-cache-gib 4 >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done

cat >"$work/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"prompt": "Tell me about the sea.", "max_tokens": $tokens, "ignore_eos": true, "stream": true}'
LUA
cpu_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
# A short warm-up, then the measured run.
wrk -t1 -c"$connections" -d3s -s "$work/post.lua" "http://127.0.0.1:$port/v1/completions" >/dev/null
before=$(cpu_ticks)
wrk -t1 -c"$connections" -d"${seconds}s" --latency -s "$work/post.lua" "http://127.0.0.1:$port/v1/completions" \
  >"$work/wrk.txt"
after=$(cpu_ticks)
requests=$(awk '/requests in/ {print $1}' "$work/wrk.txt")
errors=$(awk '/Non-2xx/ {print $NF}' "$work/wrk.txt")
p50=$(awk '$1 == "50%" {print $2}' "$work/wrk.txt")
p99=$(awk '$1 == "99%" {print $2}' "$work/wrk.txt")
hz=$(getconf CLK_TCK)
python3 - "$requests" "$tokens" "$before" "$after" "$hz" "$seconds" "$connections" "${errors:-0}" "$p50" "$p99" \
  "$(git rev-parse --short HEAD)" "$(nproc)" "$io_threads" <<'PY'
import json, sys
requests, tokens, before, after, hz, seconds, conns, errors, p50, p99, commit, cores, io = sys.argv[1:]
streamed = int(requests) * int(tokens)
cpu = (int(after) - int(before)) / int(hz)
print(json.dumps({"bench": "frontend_cost", "commit": commit, "cores": int(cores), "connections": int(conns),
                  "tokens_per_request": int(tokens), "io_threads": int(io), "seconds": int(seconds),
                  "requests": int(requests), "non_2xx": int(errors), "tokens_streamed": streamed,
                  "tokens_per_s": round(streamed / int(seconds)), "server_cpu_s": round(cpu, 2),
                  "server_cpu_us_per_token": round(cpu / streamed * 1e6, 2) if streamed else None,
                  "request_latency_p50": p50, "request_latency_p99": p99}))
PY
