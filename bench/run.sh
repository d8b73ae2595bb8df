#!/usr/bin/env bash
# Runs every benchmark against the build in $1 (default build/release) and prints the figures.
set -euo pipefail
build_dir=${1:-build/release}
for bench in "$build_dir"/bench/*_bench; do
  echo "== $(basename "$bench")"
  "$bench" --benchmark_counters_tabular=true --benchmark_min_time=0.5
done

# The backend benchmarks of issue #3 (bench/backend/backend_loadgen.cc): a real `hoptrace serve`
# pinned to CPU 1, the load generator on CPU 0. HOPTRACE_BENCH_SPANS is how many spans are stored for
# the query latencies: 1,000,000 by default (about 2 minutes); 10000000 for the issue's figure (the
# fill is bounded to 3 minutes, the rest is written through the store API and the output says so).
loadgen="$build_dir/bench/backend_loadgen"
if [[ -x "$loadgen" ]]; then
  echo "== backend_loadgen"
  "$loadgen" --query-spans "${HOPTRACE_BENCH_SPANS:-1000000}"
fi

# The web UI's first render of a 10,000- and a 50,000-span trace in headless Chromium (bench/ui).
if [[ -d ui/tests/node_modules ]]; then echo "== ui first_render"; node bench/ui/first_render.mjs "$build_dir"; fi

# Issue #8: the embedded store against ClickHouse, one node and two shards (real clickhouse-server
# processes), on the same spans; HOPTRACE_BENCH_CLICKHOUSE_SPANS of them (1,000,000 by default).
clickhouse_bench="$build_dir/bench/clickhouse_store_bench"
if [[ -x "$clickhouse_bench" && -x /usr/sbin/clickhouse-server ]]; then
  echo "== clickhouse_store_bench"
  "$clickhouse_bench" --spans "${HOPTRACE_BENCH_CLICKHOUSE_SPANS:-1000000}"
fi
