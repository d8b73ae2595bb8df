#!/usr/bin/env python3
"""Instructions per recorded span in a callgrind profile of sdk_span_bench, the export thread included.

    valgrind --tool=callgrind --callgrind-out-file=sdk.callgrind build/release/bench/sdk_span_bench \
      --benchmark_filter='StartEnd3Attributes/real_time/threads:1' --benchmark_min_time=0.2
    bench/sdk_callgrind_per_span.py sdk.callgrind

Prints the inclusive cost of RecordSpan (the recording threads) and of BatchSpanProcessor::Run (the
export thread), each divided by the number of RecordSpan calls (warm-up spans included on both sides).
Instruction counts do not move with the machine's load, unlike the benchmark's times.
"""
import re
import subprocess
import sys


def record_span_calls(profile_lines):
    names = {}
    calls = 0
    for i, line in enumerate(profile_lines):
        named = re.match(r'c?fn=\((\d+)\) (.*)', line)
        if named:
            names[named.group(1)] = named.group(2)
        called = re.match(r'cfn=\((\d+)\)', line)
        if called and 'RecordSpan' in names.get(called.group(1), '') and profile_lines[i + 1].startswith('calls='):
            calls += int(profile_lines[i + 1].split('=')[1].split()[0])
    return calls


def inclusive_cost(annotation, function):
    for line in annotation.splitlines():
        if re.search(function, line):
            return int(line.split()[0].replace(',', ''))
    return 0


def main(profile):
    with open(profile) as file:
        spans = record_span_calls(file.read().splitlines())
    annotation = subprocess.run(['callgrind_annotate', '--inclusive=yes', '--threshold=100', profile],
                                capture_output=True, text=True, check=True).stdout
    recording = inclusive_cost(annotation, r'RecordSpan\(hoptrace::sdk::Tracer&\) \[') / spans
    exporting = inclusive_cost(annotation, r'BatchSpanProcessor::Run\(\) \[') / spans
    print(f'{spans} spans: recording {recording:.0f}, export thread {exporting:.0f}, '
          f'total {recording + exporting:.0f} instructions per span')


if __name__ == '__main__':
    main(sys.argv[1])
