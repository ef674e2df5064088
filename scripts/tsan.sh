#!/usr/bin/env bash
# The integration tests under ThreadSanitizer: `scripts/tsan.sh [filter]` (default
# IntegrationTests). Slow: a build of its own in .build-tsan, one test at a time.
# Every report is written to .build-tsan/tsan.log; the last line counts them.
# scripts/tsan.supp holds the suppressions, each with the reason it is not a race.
set -uo pipefail
cd "$(dirname "$0")/.."
filter="${1:-IntegrationTests}"
scratch=.build-tsan
export TSAN_OPTIONS="suppressions=$PWD/scripts/tsan.supp halt_on_error=0 history_size=4 ${TSAN_OPTIONS:-}"
nice -n 5 swift build --build-tests --sanitize=thread --scratch-path "$scratch" || exit 1
# --no-parallel: several tests count the process's open fds, which concurrent tests would disturb.
nice -n 5 swift test --skip-build --sanitize=thread --scratch-path "$scratch" --no-parallel --filter "$filter" \
  > "$scratch/tsan.log" 2>&1
status=$?
grep -E "^(SUMMARY: ThreadSanitizer|Test run with|✘)" "$scratch/tsan.log" | sort | uniq -c | sort -rn
echo "ThreadSanitizer reports: $(grep -c 'WARNING: ThreadSanitizer' "$scratch/tsan.log")"
exit $status
