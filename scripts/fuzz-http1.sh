#!/usr/bin/env bash
# Fuzzes the HTTP1 parsers and framers with libFuzzer for a bounded time (not part of CI).
# Usage: scripts/fuzz-http1.sh [seconds, default 120]
# Crashes land in fuzz-out/http1/crashes/ (git-ignored); new inputs in fuzz-out/http1/corpus/.
# Reproduce one: fuzz-out/http1/fuzz-http1 fuzz-out/http1/crashes/<file>
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-120}"
out=fuzz-out/http1
mkdir -p "$out/corpus" "$out/crashes"

# One module (-wmo, as SwiftPM release builds): the fuzz entry sees the library's internal API. ld.gold warns
# "Cannot export local symbol" harmlessly.
swiftc -sanitize=fuzzer,address -parse-as-library -O -wmo -module-name HTTP1Fuzz \
  Sources/HTTP1/*.swift Fuzz/HTTP1/FuzzEntry.swift -o "$out/fuzz-http1" 2>&1 \
  | grep -v "Cannot export local symbol" || true
[ -x "$out/fuzz-http1" ] || { echo "build failed" >&2; exit 1; }

# The first corpus directory receives new inputs, so the committed seeds stay untouched.
status=0
"$out/fuzz-http1" -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 \
  -dict=Fuzz/HTTP1/http.dict -artifact_prefix="$out/crashes/" \
  "$out/corpus" Fuzz/HTTP1/corpus >"$out/log.txt" 2>&1 || status=$?

tail -n 30 "$out/log.txt" | grep -E "^(#[0-9]+ +DONE|stat::|==[0-9]+==|SUMMARY)" || true
execs=$(grep -E "^stat::number_of_executed_units" "$out/log.txt" | awk '{print $2}')
rate=$(grep -E "^stat::average_exec_per_sec" "$out/log.txt" | awk '{print $2}')
echo "fuzz-http1: ${execs:-?} executions in ${seconds}s, ${rate:-?} execs/s, exit status $status"
ls "$out/crashes" | head
exit "$status"
