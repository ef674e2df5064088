#!/usr/bin/env bash
# Cluster mode, measured (not part of CI): a three-member etcd and three failover-proxy
# members on loopback, in front of one nginx backend pair.
#
#   scripts/cluster-bench.sh [SECONDS] [MOVES]    # wrk seconds per run (default 8), planned moves (default 20)
#
# Prints (1) how long a change takes from the leader's decision to the last member's data
# plane following it ("role decision" on the leader to the last "role moved" line, from the
# members' own logs, millisecond timestamps), for MOVES planned moves (each is two writes:
# "no server", acknowledgements, then the new server) and as many failure moves; and
# (2) requests/s of one member with the cluster block against the same member without it
# (wrk -t2 -c64, median of 3, interleaved). Installs etcd-server, nginx and wrk when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-8}
MOVES=${2:-20}

need=()
command -v etcd >/dev/null || need+=(etcd-server)
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx)
command -v curl >/dev/null || need+=(curl)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
swift build -c release --static-swift-stdlib --product failover-proxy >/dev/null
BIN="$(swift build -c release --show-bin-path)/failover-proxy"

TMP=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT

# Ports: etcd 162x1 (peers 162x2), backends 16301-16302, members 1640x (role) and 1650x (admin).
cluster=""
for i in 1 2 3; do cluster+="${cluster:+,}e$i=http://127.0.0.1:162${i}2"; done
for i in 1 2 3; do
  etcd --name "e$i" --data-dir "$TMP/e$i" --listen-client-urls "http://127.0.0.1:162${i}1" \
    --advertise-client-urls "http://127.0.0.1:162${i}1" --listen-peer-urls "http://127.0.0.1:162${i}2" \
    --initial-advertise-peer-urls "http://127.0.0.1:162${i}2" --initial-cluster "$cluster" \
    --initial-cluster-state new --initial-cluster-token "bench-$$" >"$TMP/e$i.log" 2>&1 & PIDS+=($!)
done
for _ in $(seq 1 100); do curl -sf http://127.0.0.1:16211/health >/dev/null && break; sleep 0.1; done

cat >"$TMP/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $TMP/nginx.pid;
error_log /dev/null;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  server { listen 127.0.0.1:16301; listen 127.0.0.1:16302; location / { return 200 "ok\n"; } }
}
CONF
"$NGINX" -c "$TMP/nginx.conf" -p "$TMP" >/dev/null 2>&1 & PIDS+=($!)

role() {  # $1: listen port
  cat <<CONF
role bench {
    listen 127.0.0.1:$1;
    mode http;
    hold 5s;
    drain-timeout 1s;
    health { path /; interval 200ms; timeout 500ms; rise 1; fall 1; }
    server primary   127.0.0.1:16301;
    server secondary 127.0.0.1:16302;
}
CONF
}
for i in 1 2 3; do
  { echo "admin { listen 127.0.0.1:1650$i; }"
    echo "cluster { name bench; node m$i; etcd http://127.0.0.1:16211 http://127.0.0.1:16221 http://127.0.0.1:16231; lease-ttl 10s; stale-after 5s; }"
    role "1640$i"; } >"$TMP/m$i.conf"
  "$BIN" run --config "$TMP/m$i.conf" 2>"$TMP/m$i.log" & PIDS+=($!)
done
{ echo "admin { listen 127.0.0.1:16509; }"; role 16409; } >"$TMP/single.conf"
"$BIN" run --config "$TMP/single.conf" 2>"$TMP/single.log" & PIDS+=($!)
for port in 16401 16402 16403 16409; do
  for _ in $(seq 1 100); do [ "$(curl -s -o /dev/null -w '%{http_code}' "127.0.0.1:$port/")" = 200 ] && break; sleep 0.1; done
done

# (1) Propagation: planned moves (maintenance on and off the active server, through member 2).
active() { curl -s 127.0.0.1:16501/api/roles/bench | python3 -c 'import json,sys; print(json.load(sys.stdin)["active"])'; }
for n in $(seq 1 "$MOVES"); do
  server=$(active)
  curl -s -o /dev/null -XPOST -H 'Content-Type: application/json' -d '{"enabled":true}' \
    "127.0.0.1:16502/api/roles/bench/servers/$server/maintenance"
  curl -s -o /dev/null -XPOST -H 'Content-Type: application/json' -d '{"enabled":false}' \
    "127.0.0.1:16502/api/roles/bench/servers/$server/maintenance"
  sleep 0.3
done
python3 - "$TMP" <<'PY'
import re, sys, datetime, statistics
tmp = sys.argv[1]
def ts(line):
    t = re.search(r'^(\S+Z)', line).group(1)
    return datetime.datetime.strptime(t, "%Y-%m-%dT%H:%M:%S.%fZ").timestamp() * 1000
decisions, moved, held = [], {}, {}
for i in (1, 2, 3):
    for line in open(f"{tmp}/m{i}.log"):
        if 'msg="role decision"' in line and "reason=maintenance" in line:
            decisions.append(ts(line))
        m = re.search(r'msg="role (moved|held for a planned move)" epoch=(\d+)', line)
        if m and "reason=maintenance" in line:
            (moved if m.group(1) == "moved" else held).setdefault(int(m.group(2)), []).append(ts(line))
decisions.sort()
def delays(lines):
    out = []
    for epoch, times in sorted(lines.items()):
        if len(times) < 3: continue
        start = max([d for d in decisions if d <= min(times)] or [min(times)])
        out.append(max(times) - start)
    return out
for name, what in (("one write (the 'no server' step)", held), ("a whole planned move (two writes, the acks between)", moved)):
    d = delays(what)
    if d:
        print(f"{name}: leader's decision -> last member's data plane: median {statistics.median(d):.0f} ms, "
              f"max {max(d):.0f} ms over {len(d)} moves (millisecond log timestamps)")
    else:
        print(f"{name}: none found in the logs")
PY

# (2) Request rate: member 1 (cluster) against the same role without a cluster block.
rate() { wrk -t2 -c64 -d"${DURATION}s" "http://127.0.0.1:$1/" 2>/dev/null | awk '/Requests\/sec/ {print $2}'; }
c=(); s=()
for _ in 1 2 3; do c+=("$(rate 16401)"); s+=("$(rate 16409)"); done
python3 - "${c[@]}" "${s[@]}" <<'PY'
import sys, statistics
v = [float(x) for x in sys.argv[1:]]
c, s = statistics.median(v[:3]), statistics.median(v[3:])
print(f"requests/s, one member with cluster: {c:,.0f}; same member without: {s:,.0f}; ratio {c / s:.3f}")
PY
