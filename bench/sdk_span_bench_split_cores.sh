#!/bin/bash
# One recording thread on one CPU, the BatchSpanProcessor's export thread on another (or the same), to
# measure what a span costs when its record and the rings' cells cross between cores, without the
# scheduler deciding where the threads run (docs/benchmarks.md, SDK, fourth pass).
#   bench/sdk_span_bench_split_cores.sh build/release/bench/sdk_span_bench 0 1   # split
#   bench/sdk_span_bench_split_cores.sh build/release/bench/sdk_span_bench 0 0   # one core
set -eu
binary=$1 record_cpu=$2 export_cpu=$3
output=$(mktemp)
trap 'rm -f "$output"' EXIT
taskset -c "$record_cpu" "$binary" --benchmark_counters_tabular=true --benchmark_min_time=1 \
  --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
  --benchmark_filter='StartEnd3Attributes/real_time/threads:1$' > "$output" 2>&1 &
pid=$!
sleep 0.3  # the benchmark runs on the main thread; the processor's worker has started by now
for task in /proc/"$pid"/task/*; do
  tid=${task##*/}
  if [ "$tid" != "$pid" ]; then taskset -p -c "$export_cpu" "$tid" > /dev/null; fi
done
wait "$pid"
grep -E '^-|^Benchmark|median' "$output"
