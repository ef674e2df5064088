#!/usr/bin/env bash
# Cluster mode on one machine: a three-member etcd and three failover-proxy members on
# 127.0.0.1, one HTTP role on three demo servers. proxy-1 runs as `demo` (it also runs the
# demo servers and reads commands); proxy-2 and proxy-3 run in the background.
#
#   scripts/cluster-demo.sh            # Ctrl-C stops everything it started
#
# Ports: etcd 23791-23793 (peers 23801-23803); proxies 18080/18180/18280 (role) and
# 19901/19902/19903 (admin). Needs etcd-server (apt-get install etcd-server).
set -euo pipefail
cd "$(dirname "$0")/.."

command -v etcd >/dev/null || { echo "etcd is not installed: apt-get install etcd-server" >&2; exit 1; }
swift build -c release --product failover-proxy >/dev/null
bin="$(swift build -c release --show-bin-path)/failover-proxy"
work="$(mktemp -d /tmp/failover-cluster-demo.XXXXXX)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

cluster="e1=http://127.0.0.1:23801,e2=http://127.0.0.1:23802,e3=http://127.0.0.1:23803"
for i in 1 2 3; do
  etcd --name "e$i" --data-dir "$work/e$i" \
    --listen-client-urls "http://127.0.0.1:2379$i" --advertise-client-urls "http://127.0.0.1:2379$i" \
    --listen-peer-urls "http://127.0.0.1:2380$i" --initial-advertise-peer-urls "http://127.0.0.1:2380$i" \
    --initial-cluster "$cluster" --initial-cluster-state new --initial-cluster-token "demo-$$" \
    >"$work/e$i.log" 2>&1 &
  pids+=($!)
done
for _ in $(seq 1 100); do
  curl -sf http://127.0.0.1:23791/health >/dev/null && break
  sleep 0.1
done

for i in 1 2 3; do
  cat >"$work/proxy-$i.conf" <<CONF
admin { listen 127.0.0.1:1990$i; }
cluster {
    name demo;
    node proxy-$i;
    advertise 127.0.0.1:1990$i;
    etcd http://127.0.0.1:23791 http://127.0.0.1:23792 http://127.0.0.1:23793;
    lease-ttl 6s;
    stale-after 3s;
}
role lpr-plugin {
    listen 127.0.0.1:18$((i - 1))80;
    mode http;
    hold 5s;
    health { path /health; interval 500ms; timeout 400ms; rise 2; fall 2; }
    server primary   127.0.0.1:18081;
    server secondary 127.0.0.1:18082;
    server tertiary  127.0.0.1:18083;
}
CONF
done
# proxy-2 and proxy-3 start once proxy-1 (below, in the foreground) has started the demo
# servers, so their first health checks find them.
for i in 2 3; do
  (sleep 2; exec "$bin" run --config "$work/proxy-$i.conf" 2>"$work/proxy-$i.log") &
  pids+=($!)
done

cat <<'HELP'
Three members of cluster "demo" run: proxy-1 (this terminal, with the demo servers),
proxy-2 and proxy-3 (logs in the work directory). In a second terminal:

  curl -s 127.0.0.1:19901/api/cluster | python3 -m json.tool   # leader, members, freshness
  for p in 18080 18180 18280; do curl -s 127.0.0.1:$p/; done     # all three: served by primary
  curl -s -XPOST -H 'Content-Type: application/json' -d '{"enabled":true}' \
       127.0.0.1:19902/api/roles/lpr-plugin/servers/primary/maintenance   # through proxy-2
  for p in 18080 18180 18280; do curl -s 127.0.0.1:$p/; done     # all three: secondary
  curl -N 127.0.0.1:19903/events                                 # the same ids on every member

Here, type `fail lpr-plugin secondary` (its health fails: every member moves), `status`,
or Ctrl-C to stop everything. Kill a member (`kill -9` the leader's pid: see `ps`) and watch another lead with
no role moving; the status pages are http://127.0.0.1:19901/ … 19903/.
HELP
"$bin" demo --config "$work/proxy-1.conf"
