"""Drives scripts/soak.sh: runs `failover-proxy demo`, loads it, makes changes, reports.

Every process it starts it stops (the demo by PID, SIGTERM then SIGKILL). Only 127.0.0.1.
"""
import http.client, json, os, signal, socket, subprocess, sys, threading, time

binary, config, minutes, offset = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
HTTP_PORT, TCP_PORT, ADMIN_PORT = 8080 + offset, 9100 + offset, 9901 + offset
stop = threading.Event()
lock = threading.Lock()
counts = {"http_ok": 0, "http_err": 0, "tcp_ok": 0, "tcp_err": 0}
last_error = {}


def count(key, error=None):
    with lock:
        counts[key] += 1
        if error is not None:
            last_error[key] = repr(error)[:120]


def http_client(keep_alive):
    conn = None
    while not stop.is_set():
        headers = {} if keep_alive else {"Connection": "close"}
        for attempt in (0, 1):  # a reused connection the proxy closed meanwhile: one fresh retry
            reused = conn is not None
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", HTTP_PORT, timeout=10)
                conn.request("GET", "/", headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    raise RuntimeError("status %d" % response.status)
                if not keep_alive or response.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
                count("http_ok")
                break
            except Exception as error:  # noqa: BLE001 (a soak counts every failure)
                if conn is not None:
                    conn.close()
                conn = None
                if attempt == 1 or not reused:
                    count("http_err", error)
                    time.sleep(0.05)
                    break
        time.sleep(0.002)


def tcp_client():
    while not stop.is_set():
        try:
            with socket.create_connection(("127.0.0.1", TCP_PORT), timeout=10) as s:
                f = s.makefile("rwb")
                if not f.readline():
                    raise RuntimeError("no greeting")
                f.write(b"hello soak\n")
                f.flush()
                reply = f.readline()
                if reply != b"hello soak\n":
                    # b"" is the connection closed (a `stop` of its server); anything else
                    # would be bytes from elsewhere.
                    raise RuntimeError("bad echo: %r" % reply[:80])
            count("tcp_ok")
        except Exception as error:  # noqa: BLE001
            count("tcp_err", error)
            time.sleep(0.05)
        time.sleep(0.005)


def admin(method, path, body):
    try:
        conn = http.client.HTTPConnection("127.0.0.1", ADMIN_PORT, timeout=5)
        conn.request(method, path, body=json.dumps(body), headers={"Content-Type": "application/json"})
        status = conn.getresponse().status
        conn.close()
        return status
    except Exception:  # noqa: BLE001
        return None


def process_stats(pid):
    rss = 0
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    return rss, len(os.listdir("/proc/%d/fd" % pid))


demo = subprocess.Popen([binary, "demo", "--config", config], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                        stderr=subprocess.PIPE, text=True)
moves = []


def read_log():
    for line in demo.stderr:
        if 'msg="role moved"' in line:
            moves.append(line)


threading.Thread(target=read_log, daemon=True).start()
try:
    deadline = time.time() + 15
    while time.time() < deadline and admin("GET", "/readyz", None) is None:
        time.sleep(0.2)
    time.sleep(3)  # first health verdicts
    threads = [threading.Thread(target=http_client, args=(True,), daemon=True) for _ in range(4)]
    threads += [threading.Thread(target=http_client, args=(False,), daemon=True) for _ in range(2)]
    threads += [threading.Thread(target=tcp_client, daemon=True) for _ in range(2)]
    for t in threads:
        t.start()

    def type_line(line):
        demo.stdin.write(line + "\n")
        demo.stdin.flush()

    start = time.time()
    print("minute  rss_kib  fds  http_ok  http_err  tcp_ok  tcp_err  role_moves", flush=True)
    for minute in range(1, minutes + 1):
        for tick in range(4):  # every 15 s
            second = (minute - 1) * 60 + tick * 15
            if tick == 0:  # a failover each minute: the primaries one minute, the secondaries the next
                failing, returning = ("primary", "secondary") if minute % 2 else ("secondary", "primary")
                type_line("recover lpr-plugin " + returning)
                type_line("start lpr-tcp " + returning)
                time.sleep(3)
                type_line("fail lpr-plugin " + failing)
                type_line("stop lpr-tcp " + failing)
            if tick == 2 and minute % 2 == 0:
                demo.send_signal(signal.SIGHUP)
            if tick in (1, 3):
                admin("POST", "/api/roles/lpr-plugin/servers/tertiary/maintenance", {"enabled": tick == 1})
            wait = start + second + 15 - time.time()
            if wait > 0:
                time.sleep(wait)
        if demo.poll() is not None:
            print("the proxy exited with status %s" % demo.returncode, flush=True)
            break
        rss, fds = process_stats(demo.pid)
        with lock:
            snapshot = dict(counts)
        print("%6d  %7d  %3d  %7d  %8d  %6d  %7d  %10d" % (minute, rss, fds, snapshot["http_ok"], snapshot["http_err"],
                                                           snapshot["tcp_ok"], snapshot["tcp_err"], len(moves)), flush=True)
    stop.set()
    time.sleep(1)
    if last_error:
        print("last errors: %s" % last_error, flush=True)
finally:
    stop.set()
    if demo.poll() is None:
        demo.send_signal(signal.SIGTERM)
        try:
            demo.wait(timeout=15)
        except subprocess.TimeoutExpired:
            demo.kill()
            demo.wait()
