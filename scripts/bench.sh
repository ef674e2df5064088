#!/usr/bin/env bash
# Benchmarks failover-proxy in one run against a direct connection and against HAProxy
# (and nginx as a proxy for HTTP), on loopback, and prints a table with ratios.
#
#   scripts/bench.sh [SECONDS]      # seconds per measurement, default 5
#   REPEAT=3 scripts/bench.sh 3     # runs per measurement (median reported), default 3
#   TCP_ONLY=1 scripts/bench.sh     # skip the HTTP table
#   TLS_ONLY=1 scripts/bench.sh     # only the TLS termination table
#   HTTP_ONLY=1 scripts/bench.sh    # only the HTTP table (and RSS at start)
#   PROXY_BIN=/tmp/fp-before scripts/bench.sh   # benchmark a saved binary (before/after)
#   SYSCALL_REQUESTS=20000 scripts/bench.sh     # requests counted under strace, default 20000
#
# Installs haproxy, nginx, wrk and iperf3 from Debian when missing. Not part of CI:
# numbers on a shared 2-core machine are noisy; each measurement is repeated REPEAT
# times, interleaved across the contenders (so a burst of load hits all of them alike),
# and the median is printed. Compare ratios within one run. Two rows hardly depend on the
# load of the machine: system calls per request (strace -c -f over a fixed number of
# requests) and CPU time per request (utime+stime from /proc/PID/stat).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-5}
REPEAT=${REPEAT:-3}
TCP_ONLY=${TCP_ONLY:-0}
TLS_ONLY=${TLS_ONLY:-0}
HTTP_ONLY=${HTTP_ONLY:-0}
SYSCALL_REQUESTS=${SYSCALL_REQUESTS:-20000}

need=()
for pkg in haproxy nginx wrk iperf3 python3 strace; do
  command -v "$pkg" >/dev/null 2>&1 || [ -x "/usr/sbin/$pkg" ] || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
HAPROXY=$(command -v haproxy || echo /usr/sbin/haproxy)
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

# PROXY_BIN=/path/to/failover-proxy benchmarks that binary instead (e.g. a saved "before").
if [ -z "${PROXY_BIN:-}" ]; then
  swift build -c release --static-swift-stdlib --product failover-proxy >/dev/null
  PROXY_BIN="$(swift build -c release --show-bin-path)/failover-proxy"
fi

TMP=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT

# Ports: backends 152xx, failover-proxy 153xx, HAProxy 154xx, nginx-as-proxy 155xx.
IPERF=15201; WEB=15280
FP_IPERF=15301; FP_WEB_TCP=15381; FP_WEB_HTTP=15382
HA_IPERF=15401; HA_WEB_TCP=15481; HA_WEB_HTTP=15482
NG_WEB_HTTP=15582
FP_TLS=15343; HA_TLS=15443

iperf3 -s -p $IPERF >/dev/null 2>&1 & PIDS+=($!)

# TLS: one throwaway ECDSA certificate for both proxies; a 1 GiB (sparse) file to download.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=localhost \
  -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout "$TMP/key.pem" -out "$TMP/cert.pem" >/dev/null 2>&1
cat "$TMP/cert.pem" "$TMP/key.pem" >"$TMP/haproxy.pem"
truncate -s 1G "$TMP/big.bin"
# Read once now: the first read of a sparse file fills the page cache at a fraction of the
# later speed (0.4 against 2.4-3.0 GB/s measured), which the first TLS download paid.
cat "$TMP/big.bin" >/dev/null
chmod 755 "$TMP"; chmod 644 "$TMP/big.bin"  # nginx workers run as nobody

cat >"$TMP/nginx-backend.conf" <<EOF
worker_processes 1;
daemon off;
pid $TMP/nginx-backend.pid;
error_log /dev/null;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  sendfile on;
  server { listen 127.0.0.1:$WEB; location / { return 200 "ok\n"; } location = /health { return 200 "ok\n"; }
           location = /big { alias $TMP/big.bin; } }
}
EOF
"$NGINX" -c "$TMP/nginx-backend.conf" -p "$TMP" >/dev/null 2>&1 & PIDS+=($!)

cat >"$TMP/nginx-proxy.conf" <<EOF
worker_processes 2;
daemon off;
pid $TMP/nginx-proxy.pid;
error_log /dev/null;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  upstream web { server 127.0.0.1:$WEB; keepalive 64; }
  server {
    listen 127.0.0.1:$NG_WEB_HTTP;
    location / { proxy_pass http://web; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
EOF
"$NGINX" -c "$TMP/nginx-proxy.conf" -p "$TMP" >/dev/null 2>&1 & PIDS+=($!)

cat >"$TMP/haproxy.cfg" <<EOF
global
  nbthread 2
  maxconn 4000
defaults
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  option splice-request
  option splice-response
listen iperf
  mode tcp
  bind 127.0.0.1:$HA_IPERF
  server a 127.0.0.1:$IPERF
listen webtcp
  mode tcp
  bind 127.0.0.1:$HA_WEB_TCP
  server a 127.0.0.1:$WEB
listen tlsweb
  mode tcp
  bind 127.0.0.1:$HA_TLS ssl crt $TMP/haproxy.pem
  server a 127.0.0.1:$WEB
listen webhttp
  mode http
  option http-keep-alive
  bind 127.0.0.1:$HA_WEB_HTTP
  http-reuse always
  server a 127.0.0.1:$WEB
EOF
start_haproxy() { "$HAPROXY" -f "$TMP/haproxy.cfg" -db >/dev/null 2>&1 & HAPROXY_PID=$!; PIDS+=($HAPROXY_PID); }
start_haproxy

cat >"$TMP/proxy.conf" <<EOF
shutdown-timeout 1s;
workers auto;
role iperf {
    listen 127.0.0.1:$FP_IPERF;
    mode tcp;
    # iperf3's server resets the data connection at the end of a test: a passive failure.
    # With fall 1 that took the only server down (no health check brings it back: checks
    # would confuse iperf3), and every later run failed. fall 100 keeps it up.
    health { interval 1h; timeout 1s; rise 1; fall 100; }
    server a 127.0.0.1:$IPERF;
}
role tlsweb {
    listen 127.0.0.1:$FP_TLS tls;
    mode tcp;
    tls-certificate $TMP/cert.pem;
    tls-key $TMP/key.pem;
    health { path /health; interval 1h; timeout 1s; rise 1; fall 1; }
    server a 127.0.0.1:$WEB;
}
role webtcp {
    listen 127.0.0.1:$FP_WEB_TCP;
    mode tcp;
    health { path /health; interval 1h; timeout 1s; rise 1; fall 1; }
    server a 127.0.0.1:$WEB;
}
EOF
if [ -d Sources/Proxy/HTTP ] && [ "$TCP_ONLY" != 1 ] && [ "$TLS_ONLY" != 1 ]; then
cat >>"$TMP/proxy.conf" <<EOF
role webhttp {
    listen 127.0.0.1:$FP_WEB_HTTP;
    mode http;
    health { path /health; interval 1h; timeout 1s; rise 1; fall 1; }
    server a 127.0.0.1:$WEB;
}
EOF
fi
start_proxy() { "$PROXY_BIN" run --config "$TMP/proxy.conf" 2>"$TMP/proxy.log" & PROXY_PID=$!; PIDS+=($PROXY_PID); }
start_proxy

wait_port() {
  for _ in $(seq 1 100); do
    python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$1),0.2).close()" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "port $1 did not open" >&2; cat "$TMP/proxy.log" >&2; exit 1
}
for p in $IPERF $WEB $NG_WEB_HTTP $HA_IPERF $HA_WEB_TCP $FP_IPERF $FP_WEB_TCP; do wait_port $p; done
sleep 1.5  # first health verdicts

# Memory per connection is measured on fresh processes: after load runs, either heap holds
# freed memory that new connections reuse, and RSS then says less than they cost.
fresh_proxies() {  # PORT...: restarts failover-proxy and HAProxy, waits for PORTs and first verdicts
  kill "$PROXY_PID" "$HAPROXY_PID" 2>/dev/null || true
  wait "$PROXY_PID" "$HAPROXY_PID" 2>/dev/null || true
  start_haproxy; start_proxy
  for p in "$@"; do wait_port "$p"; done
  sleep 1.5
}

gbits() {  # iperf3 throughput in Gbit/s; retried when the server is still busy with the last test
  local out
  for _ in 1 2 3; do
    sleep 0.5
    out=$(iperf3 -c 127.0.0.1 -p "$1" -t "$DURATION" -J 2>/dev/null \
      | python3 -c 'import json,sys; print("%.1f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/1e9))' 2>/dev/null) \
      && { echo "$out"; return; }
  done
  echo 0
}
wrk_rate() {  # requests/s and p99 (ms); extra args passed to wrk
  local port=$1; shift
  wrk -t1 -c50 -d"${DURATION}s" --latency "$@" "http://127.0.0.1:$port/" 2>/dev/null | python3 -c '
import sys, re
text = sys.stdin.read()
rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
p99 = re.search(r"\s99%\s+([\d.]+)(us|ms|s)", text)
count = re.search(r"(\d+) requests in", text)
scale = {"us": 0.001, "ms": 1, "s": 1000}
print("%d %.2f %d" % (float(rps.group(1)) if rps else 0, float(p99.group(1)) * scale[p99.group(2)] if p99 else 0,
                      int(count.group(1)) if count else 0))'
}
cpu_ticks() {  # utime+stime of PID so far, in clock ticks (fields 14 and 15 of /proc/PID/stat)
  awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$1/stat"
}
TICK_US=$((1000000 / $(getconf CLK_TCK)))
wrk_cpu() {  # PID PORT [wrk args]: requests/s, p99 (ms) and PID's CPU µs per request
  local pid=$1 port=$2; shift 2
  local t0 t1 r p n
  t0=$(cpu_ticks "$pid")
  read -r r p n <<<"$(wrk_rate "$port" "$@")"
  t1=$(cpu_ticks "$pid")
  echo "$r $p $(python3 -c 'import sys; t,n=int(sys.argv[1]),int(sys.argv[2]); print("%.1f" % (t/n) if n else 0)' $(((t1 - t0) * TICK_US)) "$n")"
}
cat >"$TMP/stop.lua" <<'EOF'
-- Stops the (single) wrk thread after WRK_LIMIT responses: a fixed count of requests.
local limit = tonumber(os.getenv("WRK_LIMIT"))
local seen = 0
function response()
  seen = seen + 1
  if seen >= limit then wrk.thread:stop() end
end
EOF
syscalls_per_request() {  # PID PORT: strace -c -f on every thread of PID over SYSCALL_REQUESTS requests
  local pid=$1 port=$2 out spid
  strace -c -f -p "$pid" -o "$TMP/strace.$pid" 2>/dev/null & spid=$!
  sleep 1  # attached to every thread
  out=$(WRK_LIMIT=$SYSCALL_REQUESTS wrk -t1 -c10 -d120s -s "$TMP/stop.lua" "http://127.0.0.1:$port/" 2>/dev/null)
  kill -INT "$spid"; wait "$spid" 2>/dev/null || true
  python3 -c '
import sys
calls, requests = 0, int(sys.argv[2] or 0)
for line in open(sys.argv[1]):
    p = line.split()
    if len(p) >= 5 and p[0][0].isdigit() and p[-1] != "total":
        calls += int(p[3])
print("%.2f" % (calls / requests) if requests else 0)' "$TMP/strace.$pid" "$(echo "$out" | awk '/requests in/ {print $1}')"
}
rss_keepalive() {  # PID PORT: RSS (KiB) of PID just before, and with, 1000 idle keep-alive connections that each made one request
  python3 - "$1" "$2" <<'EOF'
import socket, sys, time
pid, port = int(sys.argv[1]), int(sys.argv[2])
def rss():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"): return int(line.split()[1])
before = rss()
socks = []
for _ in range(1000):
    s = socket.create_connection(("127.0.0.1", port), 5)
    s.sendall(b"GET / HTTP/1.1\r\nHost: bench\r\n\r\n")
    data = b""
    while b"\r\n\r\n" not in data or not data.endswith(b"ok\n"):
        chunk = s.recv(4096)
        if not chunk: raise SystemExit("connection closed")
        data += chunk
    socks.append(s)
time.sleep(1.0)
print(before, rss())
for s in socks: s.close()
EOF
}
per_conn() { python3 -c "import sys; print('%.1f' % ((float(sys.argv[1]) - float(sys.argv[2])) / 1000))" "$1" "$2"; }
rss_now() {  # current RSS (KiB) of PID
  awk '/^VmRSS:/ {print $2}' "/proc/$1/status"
}
median() { python3 -c "import sys,statistics; m=statistics.median(float(x) for x in sys.argv[1:]); print(('%.2f' if m < 10 else '%.1f' if m < 100 else '%d') % m)" "$@"; }
rss_idle() {  # RSS (KiB) of PID just before, and while, 1000 idle connections are open through PORT
  python3 - "$1" "$2" <<'EOF'
import socket, sys, time
pid, port = int(sys.argv[1]), int(sys.argv[2])
def rss():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"): return int(line.split()[1])
before = rss()
socks = []
for _ in range(1000):
    socks.append(socket.create_connection(("127.0.0.1", port), 5))
time.sleep(1.0)
print(before, rss())
for s in socks: s.close()
EOF
}
ratio() { python3 -c "import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print('%.2f' % (a/b) if b else '-')" "$1" "$2"; }

echo "measuring: ${DURATION}s per run, median of $REPEAT, 2 event loops / 2 HAProxy threads / 2 nginx workers"
F_BASE=$(rss_now $PROXY_PID); H_BASE=$(rss_now $HAPROXY_PID)  # before any traffic
if [ "$TLS_ONLY" != 1 ] && [ "$HTTP_ONLY" != 1 ]; then
d_tp=(); f_tp=(); h_tp=(); d_cr=(); f_cr=(); h_cr=()
for _ in $(seq 1 "$REPEAT"); do
  d_tp+=("$(gbits $IPERF)"); f_tp+=("$(gbits $FP_IPERF)"); h_tp+=("$(gbits $HA_IPERF)")
done
for _ in $(seq 1 "$REPEAT"); do
  d_cr+=("$(wrk_rate $WEB -H "Connection: close" | cut -d' ' -f1)")
  f_cr+=("$(wrk_rate $FP_WEB_TCP -H "Connection: close" | cut -d' ' -f1)")
  h_cr+=("$(wrk_rate $HA_WEB_TCP -H "Connection: close" | cut -d' ' -f1)")
done
echo "runs: direct ${d_tp[*]} | proxy ${f_tp[*]} | haproxy ${h_tp[*]} Gbit/s; direct ${d_cr[*]} | proxy ${f_cr[*]} | haproxy ${h_cr[*]} conn/s"
D_TP=$(median "${d_tp[@]}"); F_TP=$(median "${f_tp[@]}"); H_TP=$(median "${h_tp[@]}")
D_CR=$(median "${d_cr[@]}"); F_CR=$(median "${f_cr[@]}"); H_CR=$(median "${h_cr[@]}")
fresh_proxies $FP_WEB_TCP $HA_WEB_TCP
read -r F_PRE F_RSS <<<"$(rss_idle $PROXY_PID $FP_WEB_TCP)"; read -r H_PRE H_RSS <<<"$(rss_idle $HAPROXY_PID $HA_WEB_TCP)"
F_PER=$(per_conn $F_RSS $F_PRE); H_PER=$(per_conn $H_RSS $H_PRE)

printf '\n## TCP (mode tcp)\n\n'
printf '| measure | direct | failover-proxy | HAProxy 2.6 (splice) | proxy/direct | proxy/HAProxy |\n|---|---|---|---|---|---|\n'
printf '| bulk throughput, Gbit/s (iperf3, 1 stream) | %s | %s | %s | %s | %s |\n' "$D_TP" "$F_TP" "$H_TP" "$(ratio $F_TP $D_TP)" "$(ratio $F_TP $H_TP)"
printf '| connection rate, conn/s (wrk, Connection: close) | %s | %s | %s | %s | %s |\n' "$D_CR" "$F_CR" "$H_CR" "$(ratio $F_CR $D_CR)" "$(ratio $F_CR $H_CR)"
printf '| RSS at start, no connections yet, KiB | - | %s | %s | - | %s |\n' "$F_BASE" "$H_BASE" "$(ratio $F_BASE $H_BASE)"
printf '| RSS at 1,000 idle connections, KiB | - | %s | %s | - | %s |\n' "$F_RSS" "$H_RSS" "$(ratio $F_RSS $H_RSS)"
printf '| KiB per idle connection (RSS with them − RSS just before, ÷ 1000) | - | %s | %s | - | %s |\n' "$F_PER" "$H_PER" "$(ratio $F_PER $H_PER)"
fi

if grep -q "role webhttp" "$TMP/proxy.conf"; then
  wait_port $FP_WEB_HTTP; wait_port $HA_WEB_HTTP
  d_r=(); d_p=(); f_r=(); f_p=(); h_r=(); h_p=(); n_r=(); n_p=(); f_c=(); h_c=()
  for _ in $(seq 1 "$REPEAT"); do
    read -r r p _ <<<"$(wrk_rate $WEB)"; d_r+=("$r"); d_p+=("$p")
    read -r r p c <<<"$(wrk_cpu $PROXY_PID $FP_WEB_HTTP)"; f_r+=("$r"); f_p+=("$p"); f_c+=("$c")
    read -r r p c <<<"$(wrk_cpu $HAPROXY_PID $HA_WEB_HTTP)"; h_r+=("$r"); h_p+=("$p"); h_c+=("$c")
    read -r r p _ <<<"$(wrk_rate $NG_WEB_HTTP)"; n_r+=("$r"); n_p+=("$p")
  done
  d_k=(); f_k=(); h_k=(); n_k=()
  for _ in $(seq 1 "$REPEAT"); do
    d_k+=("$(wrk_rate $WEB -H "Connection: close" | cut -d' ' -f1)")
    f_k+=("$(wrk_rate $FP_WEB_HTTP -H "Connection: close" | cut -d' ' -f1)")
    h_k+=("$(wrk_rate $HA_WEB_HTTP -H "Connection: close" | cut -d' ' -f1)")
    n_k+=("$(wrk_rate $NG_WEB_HTTP -H "Connection: close" | cut -d' ' -f1)")
  done
  echo "runs: direct ${d_r[*]} | proxy ${f_r[*]} | haproxy ${h_r[*]} | nginx ${n_r[*]} req/s; proxy ${f_c[*]} | haproxy ${h_c[*]} CPU µs/request"
  echo "runs: direct ${d_k[*]} | proxy ${f_k[*]} | haproxy ${h_k[*]} | nginx ${n_k[*]} conn/s (Connection: close)"
  D_RPS=$(median "${d_r[@]}"); F_RPS=$(median "${f_r[@]}"); H_RPS=$(median "${h_r[@]}"); N_RPS=$(median "${n_r[@]}")
  D_P99=$(median "${d_p[@]}"); F_P99=$(median "${f_p[@]}"); H_P99=$(median "${h_p[@]}"); N_P99=$(median "${n_p[@]}")
  F_CPU=$(median "${f_c[@]}"); H_CPU=$(median "${h_c[@]}")
  D_KC=$(median "${d_k[@]}"); F_KC=$(median "${f_k[@]}"); H_KC=$(median "${h_k[@]}"); N_KC=$(median "${n_k[@]}")
  F_SYS=$(syscalls_per_request $PROXY_PID $FP_WEB_HTTP); H_SYS=$(syscalls_per_request $HAPROXY_PID $HA_WEB_HTTP)
  fresh_proxies $FP_WEB_HTTP $HA_WEB_HTTP
  read -r F_KPRE F_KRSS <<<"$(rss_keepalive $PROXY_PID $FP_WEB_HTTP)"; read -r H_KPRE H_KRSS <<<"$(rss_keepalive $HAPROXY_PID $HA_WEB_HTTP)"
  F_KPER=$(per_conn $F_KRSS $F_KPRE); H_KPER=$(per_conn $H_KRSS $H_KPRE)
  printf '\n## HTTP (keep-alive, small responses, wrk -c50)\n\n'
  printf '| measure | direct nginx | failover-proxy | HAProxy 2.6 | nginx proxy_pass | proxy/direct | proxy/HAProxy | proxy/nginx |\n|---|---|---|---|---|---|---|---|\n'
  printf '| requests/s | %s | %s | %s | %s | %s | %s | %s |\n' "$D_RPS" "$F_RPS" "$H_RPS" "$N_RPS" "$(ratio $F_RPS $D_RPS)" "$(ratio $F_RPS $H_RPS)" "$(ratio $F_RPS $N_RPS)"
  printf '| p99 latency, ms | %s | %s | %s | %s | %s | %s | %s |\n' "$D_P99" "$F_P99" "$H_P99" "$N_P99" "$(ratio $F_P99 $D_P99)" "$(ratio $F_P99 $H_P99)" "$(ratio $F_P99 $N_P99)"
  printf '| CPU µs per request (utime+stime ÷ requests) | - | %s | %s | - | - | %s | - |\n' "$F_CPU" "$H_CPU" "$(ratio $F_CPU $H_CPU)"
  printf '| system calls per request (strace -c -f, %s requests, wrk -c10) | - | %s | %s | - | - | %s | - |\n' "$SYSCALL_REQUESTS" "$F_SYS" "$H_SYS" "$(ratio $F_SYS $H_SYS)"
  printf '| connection rate, conn/s (wrk, Connection: close) | %s | %s | %s | %s | %s | %s | %s |\n' "$D_KC" "$F_KC" "$H_KC" "$N_KC" "$(ratio $F_KC $D_KC)" "$(ratio $F_KC $H_KC)" "$(ratio $F_KC $N_KC)"
  printf '| RSS at 1,000 idle keep-alive connections (one request each), KiB | - | %s | %s | - | - | %s | - |\n' "$F_KRSS" "$H_KRSS" "$(ratio $F_KRSS $H_KRSS)"
  printf '| KiB per idle keep-alive connection (RSS with them − RSS just before, ÷ 1000) | - | %s | %s | - | - | %s | - |\n' "$F_KPER" "$H_KPER" "$(ratio $F_KPER $H_KPER)"
fi

if [ "$TCP_ONLY" != 1 ] && [ "$HTTP_ONLY" != 1 ]; then
  wait_port $FP_TLS; wait_port $HA_TLS
  handshakes() {  # new TLS sessions per second, one openssl s_time client
    openssl s_time -connect "127.0.0.1:$1" -new -time "$DURATION" 2>/dev/null \
      | python3 -c 'import re,sys; m=re.search(r"(\d+) connections in ([\d.]+)s", sys.stdin.read()); print("%d" % (int(m.group(1))/float(m.group(2))) if m else 0)'
  }
  tls_gbits() {  # one 1 GiB download over TLS (terminated by the proxy) from nginx
    curl -s -o /dev/null --cacert "$TMP/cert.pem" -w '%{speed_download}' "https://127.0.0.1:$1/big" \
      | python3 -c 'import sys; print("%.2f" % (float(sys.stdin.read() or 0)*8/1e9))'
  }
  f_hs=(); h_hs=(); f_tt=(); h_tt=()
  for _ in $(seq 1 "$REPEAT"); do
    f_hs+=("$(handshakes $FP_TLS)"); h_hs+=("$(handshakes $HA_TLS)")
    f_tt+=("$(tls_gbits $FP_TLS)"); h_tt+=("$(tls_gbits $HA_TLS)")
  done
  echo "runs: proxy ${f_hs[*]} | haproxy ${h_hs[*]} handshakes/s; proxy ${f_tt[*]} | haproxy ${h_tt[*]} Gbit/s"
  F_HS=$(median "${f_hs[@]}"); H_HS=$(median "${h_hs[@]}"); F_TT=$(median "${f_tt[@]}"); H_TT=$(median "${h_tt[@]}")
  printf '\n## TLS termination (mode tcp, same ECDSA P-256 certificate, TLS 1.3)\n\n'
  printf '| measure | failover-proxy | HAProxy 2.6 | proxy/HAProxy |\n|---|---|---|---|\n'
  printf '| full handshakes/s (openssl s_time -new, 1 client) | %s | %s | %s |\n' "$F_HS" "$H_HS" "$(ratio $F_HS $H_HS)"
  printf '| throughput, Gbit/s (curl, 1 GiB download) | %s | %s | %s |\n' "$F_TT" "$H_TT" "$(ratio $F_TT $H_TT)"
fi
