#!/usr/bin/env bash
# Fuzzes one parser with libFuzzer for a bounded time (not part of CI).
# Usage: scripts/fuzz.sh TARGET [seconds, default 120] [runs]
#   With runs, stops after that many executions or the seconds, whichever comes first.
#   TARGET: http1 (request/response heads, chunked framer), proxyconf (proxy.conf), sse (event feed),
#           admin (the admin API's JSON request bodies), etcd (etcd's gateway answers and watch lines)
# Crashes land in fuzz-out/TARGET/crashes/ (git-ignored); new inputs in fuzz-out/TARGET/corpus/.
# Reproduce one: fuzz-out/TARGET/fuzz-TARGET fuzz-out/TARGET/crashes/<file>
set -euo pipefail
cd "$(dirname "$0")/.."

target="${1:?usage: scripts/fuzz.sh http1|proxyconf|sse|admin|etcd [seconds] [runs]}"
seconds="${2:-120}"
max_len=4096
runs="${3:--1}"
case "$target" in
  http1)     module=HTTP1Fuzz;  dir=Fuzz/HTTP1;       sources=(Sources/HTTP1/*.swift) ;;
  # proxy.conf's interesting structure fits in 1 KiB, and every byte costs the whole builder.
  proxyconf) module=ConfigFuzz; dir=Fuzz/ProxyConfig; max_len=1024; sources=(Sources/ProxyConfig/*.swift Sources/ProxyConfig/*/*.swift) ;;
  sse)       module=SSEFuzz;    dir=Fuzz/SSE;         sources=(Sources/Proxy/Feed/SSEParser.swift) ;;
  admin)     module=AdminFuzz;  dir=Fuzz/Admin;       sources=(Sources/Admin/RequestBodies.swift) ;;
  # Named Cluster so the etcd files' `import Cluster` names this module (swiftc ignores it).
  etcd)      module=Cluster;    dir=Fuzz/Etcd;        sources=(Sources/Cluster/Store/CoordinationStore.swift
               Sources/Proxy/Etcd/EtcdLines.swift Sources/Proxy/Etcd/EtcdResponses.swift Sources/Proxy/Etcd/JSONAny.swift Sources/Proxy/Etcd/EtcdWatchMessages.swift) ;;
  *) echo "unknown target '$target': http1, proxyconf, sse, admin or etcd" >&2; exit 2 ;;
esac
out="fuzz-out/$target"
mkdir -p "$out/corpus" "$out/crashes"

# One module (-wmo, as SwiftPM release builds): the fuzz entry sees the sources' internal API.
# ld.gold warns "Cannot export local symbol" harmlessly.
swiftc -sanitize=fuzzer,address -suppress-warnings -parse-as-library -O -wmo -module-name "$module" \
  "${sources[@]}" "$dir/FuzzEntry.swift" -o "$out/fuzz-$target" 2>&1 \
  | grep -v "Cannot export local symbol" || true
[ -x "$out/fuzz-$target" ] || { echo "build failed" >&2; exit 1; }

dict=()
[ -f "$dir/fuzz.dict" ] && dict=(-dict="$dir/fuzz.dict")
[ -f "$dir/http.dict" ] && dict=(-dict="$dir/http.dict")

# The first corpus directory receives new inputs, so the committed seeds stay untouched.
# No allocation stacks (a tenth of the time goes to unwinding every malloc): to see them for
# a finding, run the binary on the crash file alone, without this setting.
status=0
ASAN_OPTIONS="malloc_context_size=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}" "$out/fuzz-$target" -max_total_time="$seconds" -runs="$runs" -max_len="$max_len" -print_final_stats=1 \
  "${dict[@]}" -artifact_prefix="$out/crashes/" \
  "$out/corpus" "$dir/corpus" >"$out/log.txt" 2>&1 || status=$?

tail -n 30 "$out/log.txt" | grep -E "^(#[0-9]+[[:space:]]+DONE|stat::|==[0-9]+==|SUMMARY)" || true
execs=$(grep -E "^stat::number_of_executed_units" "$out/log.txt" | awk '{print $2}' || true)
rate=$(grep -E "^stat::average_exec_per_sec" "$out/log.txt" | awk '{print $2}' || true)
elapsed=$(grep -oE "^Done [0-9]+ runs in [0-9]+ second" "$out/log.txt" | awk '{print $5}' || true)
corpus=$(grep -oE "^#[0-9]+[[:space:]]+DONE .*corp: [0-9]+/[^ ]+" "$out/log.txt" | sed -E 's/.*corp: //' || true)
echo "fuzz-$target: ${execs:-?} executions in ${elapsed:-$seconds}s, ${rate:-?} execs/s, corpus ${corpus:-?} (inputs/bytes), exit status $status"
ls "$out/crashes" | head
exit "$status"
