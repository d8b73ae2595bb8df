#!/usr/bin/env bash
# Runs every benchmark against the build in $1 (default build/release) and prints the figures.
set -euo pipefail
build_dir=${1:-build/release}
for bench in "$build_dir"/bench/*_bench; do
  echo "== $(basename "$bench")"
  "$bench" --benchmark_counters_tabular=true --benchmark_min_time=0.5
done
