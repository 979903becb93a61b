#!/usr/bin/env bash
# Batch-1 prompt and decode speed of moeserve's CPU backend and of llama.cpp on the same
# GGUF, the same threads and the same prompt, alternating engines for ROUNDS rounds so that
# both see the same machine load. Prints each engine's JSON lines.
#
#   bench/cpu/compare_llama_cpp.sh [ROUNDS] [THREADS] [PROMPT_TOKENS] [GEN]
#
# Needs a Release build of bench_decode in build-rel/ (cmake -B build-rel -DCMAKE_BUILD_TYPE=Release
# -DMOESERVE_BUILD_BENCH=ON; cmake --build build-rel --target bench_decode) and llama.cpp's
# venv (python3 tools/make_llama_cpp_reference.py creates it).
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3} threads=${2:-2} prompt=${3:-32} gen=${4:-128}
model=models/SmolLM2-135M-Instruct.Q4_1.gguf
for ((r = 0; r < rounds; ++r)); do
  build-rel/bench/cpu/bench_decode --model "$model" --threads "$threads" --prompt-tokens "$prompt" --gen "$gen"
  .venv-llama-cpp/bin/python bench/llama_cpp/decode_speed.py --model "$model" --threads "$threads" \
    --prompt-tokens "$prompt" --gen "$gen" 2>/dev/null | tail -n 1
done
