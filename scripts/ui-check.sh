#!/usr/bin/env bash
# What an operator sees: headless screenshots of the status page (http://127.0.0.1:9901/)
# before and after a failover, saved under screenshots/ (git-ignored). Not run in CI.
#
#   scripts/ui-check.sh            # installs Chromium on Debian if missing, runs `demo`
#
# The failover is a maintenance call on the primary of the first role, through the admin API.
set -euo pipefail
cd "$(dirname "$0")/.."

ADMIN=http://127.0.0.1:9901
OUT=screenshots
ROLE=${ROLE:-lpr-plugin}
SERVER=${SERVER:-primary}

browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then
    echo "installing chromium…" >&2
    if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium
    else sudo apt-get update -qq && sudo apt-get install -y -qq chromium; fi
    browser=$(command -v chromium)
fi

mkdir -p "$OUT"
swift build --product failover-proxy >&2
.build/debug/failover-proxy demo --config proxy.conf </dev/null >"$OUT/demo.log" 2>&1 &
demo=$!
trap 'kill "$demo" 2>/dev/null; wait "$demo" 2>/dev/null || true' EXIT

for _ in $(seq 1 100); do
    curl -fsS "$ADMIN/readyz" >/dev/null 2>&1 && break
    sleep 0.2
done
curl -fsS "$ADMIN/readyz" >/dev/null || { echo "the demo did not become ready; see $OUT/demo.log" >&2; exit 1; }
sleep 1.5  # a few health checks, so the page shows check latencies

shot() {
    # --timeout: the page fetches /api/roles and keeps /events open, so wait a fixed time
    # (a virtual-time budget never ends while the event stream is open).
    "$browser" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --hide-scrollbars \
        --window-size=1280,900 --timeout=3000 --screenshot="$OUT/$1" "$ADMIN/" >/dev/null 2>&1
    echo "saved $OUT/$1" >&2
}

shot before-failover.png
curl -fsS -X POST -H 'Content-Type: application/json' -d '{"enabled":true}' \
    "$ADMIN/api/roles/$ROLE/servers/$SERVER/maintenance" >/dev/null
sleep 0.5
shot after-failover.png
curl -fsS -X POST -H 'Content-Type: application/json' -d '{"enabled":false}' \
    "$ADMIN/api/roles/$ROLE/servers/$SERVER/maintenance" >/dev/null
