#!/usr/bin/env bash
# A soak of the proxy (not part of CI): `failover-proxy demo` on a copy of proxy.conf with
# shifted ports, mixed keep-alive and `Connection: close` HTTP load and TCP echo sessions,
# a failover every minute, a SIGHUP every two minutes and admin changes every 30 s; prints
# the proxy's RSS, descriptors and client errors each minute.
# Usage: scripts/soak.sh MINUTES        (BIN=path/to/failover-proxy to skip the release build)
set -euo pipefail
cd "$(dirname "$0")/.."

minutes="${1:?usage: scripts/soak.sh MINUTES}"
if [ -z "${BIN:-}" ]; then
  swift build -c release --product failover-proxy >/dev/null
  BIN="$(swift build -c release --show-bin-path)/failover-proxy"
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# Ports shifted by a random multiple of 1000 (all stay below the ephemeral range).
offset=$(( (RANDOM % 12 + 1) * 1000 ))
python3 - "$offset" proxy.conf "$work/proxy.conf" <<'PY'
import re, sys
offset, src, dst = int(sys.argv[1]), sys.argv[2], sys.argv[3]
text = open(src).read()
text = re.sub(r"127\.0\.0\.1:(\d+)", lambda m: "127.0.0.1:%d" % (int(m.group(1)) + offset), text)
text = text.replace("access-log stderr;", "")
open(dst, "w").write(text)
PY
exec python3 scripts/soak_driver.py "$BIN" "$work/proxy.conf" "$minutes" "$offset"
