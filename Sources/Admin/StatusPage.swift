/// `GET /`: one self-contained page (no external assets). It draws every role from
/// `/api/roles`, refetches on each `/events` message (and every few seconds, for sessions
/// and check latencies), and calls the JSON API from its buttons. The token, when the
/// proxy needs one, is kept in the browser's localStorage.
enum StatusPage {
    static let html: [UInt8] = Array(text.utf8)

    static let text = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>failover-proxy</title>
<style>
  :root { --bg:#f4f6f8; --card:#fff; --ink:#1d2733; --muted:#6b7785; --line:#e3e8ee;
          --up:#1a9c4a; --down:#d23c3c; --maint:#c98a00; --unknown:#8a96a3; --accent:#2563eb; }
  * { box-sizing: border-box; }
  body { margin:0; font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; background:var(--bg); color:var(--ink); }
  header { display:flex; align-items:center; gap:16px; padding:14px 24px; background:#17212b; color:#fff; }
  header h1 { font-size:17px; margin:0; font-weight:600; letter-spacing:.2px; }
  header .grow { flex:1; }
  #conn { font-size:12px; color:#b8c4d0; display:flex; align-items:center; gap:6px; }
  #conn .dot { width:8px; height:8px; border-radius:50%; background:var(--unknown); }
  #conn.live .dot { background:#3ddc84; }
  #token { background:#25313d; border:1px solid #3a4856; color:#fff; border-radius:6px; padding:5px 8px; width:180px; font-size:12px; }
  main { max-width:1180px; margin:0 auto; padding:20px 24px 40px; }
  .role { background:var(--card); border:1px solid var(--line); border-radius:10px; margin-bottom:20px; box-shadow:0 1px 2px rgba(16,24,40,.04); }
  .role-head { display:flex; align-items:center; gap:12px; padding:14px 18px; border-bottom:1px solid var(--line); flex-wrap:wrap; }
  .role-head h2 { margin:0; font-size:16px; }
  .badge { font-size:11px; text-transform:uppercase; letter-spacing:.5px; padding:2px 7px; border-radius:999px; background:#eef2f6; color:var(--muted); font-weight:600; }
  .hosted { color:var(--muted); }
  .hosted b { color:var(--ink); }
  .hosted.none b { color:var(--down); }
  .role-head .grow { flex:1; }
  .toggle { display:flex; align-items:center; gap:8px; color:var(--muted); font-size:13px; cursor:pointer; user-select:none; }
  .switch { width:34px; height:20px; border-radius:999px; background:#cfd6de; position:relative; transition:background .15s; }
  .switch::after { content:""; position:absolute; top:2px; left:2px; width:16px; height:16px; border-radius:50%; background:#fff; transition:left .15s; box-shadow:0 1px 2px rgba(0,0,0,.25); }
  .toggle.on .switch { background:var(--accent); }
  .toggle.on .switch::after { left:16px; }
  table { width:100%; border-collapse:collapse; table-layout:fixed; }
  col.c-led { width:44px; } col.c-prio { width:48px; } col.c-server { width:20%; } col.c-state { width:130px; }
  col.c-sessions { width:90px; } col.c-actions { width:340px; }
  td { overflow:hidden; text-overflow:ellipsis; }
  th { text-align:left; font-size:11px; text-transform:uppercase; letter-spacing:.5px; color:var(--muted); font-weight:600; padding:8px 12px; border-bottom:1px solid var(--line); }
  td { padding:10px 12px; border-bottom:1px solid var(--line); vertical-align:middle; }
  tr:last-child td { border-bottom:none; }
  tr.active td { background:#f2fbf5; }
  .led { width:12px; height:12px; border-radius:50%; background:#d5dbe1; display:inline-block; box-shadow:inset 0 1px 2px rgba(0,0,0,.15); }
  .led.on { background:#22c55e; box-shadow:0 0 0 3px rgba(34,197,94,.2), 0 0 8px rgba(34,197,94,.8); }
  .prio { color:var(--muted); font-variant-numeric:tabular-nums; width:28px; }
  .name { font-weight:600; }
  .addr { color:var(--muted); font-family:ui-monospace,SFMono-Regular,Menlo,monospace; font-size:12px; }
  .state { font-weight:600; font-size:12px; padding:2px 8px; border-radius:999px; }
  .state.up { color:var(--up); background:#e6f6ec; }
  .state.down { color:var(--down); background:#fbeaea; }
  .state.maintenance { color:var(--maint); background:#fbf3df; }
  .state.unknown { color:var(--unknown); background:#eef1f4; }
  .num { font-variant-numeric:tabular-nums; }
  .check { font-size:12px; }
  .check .ok { color:var(--up); } .check .bad { color:var(--down); }
  .check .lat { color:var(--muted); }
  .actions { white-space:nowrap; text-align:right; }
  button { font:inherit; font-size:12px; border:1px solid var(--line); background:#fff; color:var(--ink); border-radius:6px; padding:4px 9px; cursor:pointer; margin-left:4px; }
  button:hover:not(:disabled) { border-color:#b9c3ce; background:#f7f9fb; }
  button:disabled { opacity:.4; cursor:default; }
  button.primary { border-color:var(--accent); color:var(--accent); }
  button.warn { border-color:#e8c56a; color:#8a6000; }
  .cluster-store { padding:8px 18px; font-size:12px; color:var(--muted); border-bottom:1px solid var(--line); }
  #events { background:var(--card); border:1px solid var(--line); border-radius:10px; }
  #events h3 { margin:0; padding:12px 18px; font-size:13px; border-bottom:1px solid var(--line); }
  #events ol { list-style:none; margin:0; padding:4px 0; max-height:220px; overflow:auto; font-size:12px; }
  #events li { padding:4px 18px; display:flex; gap:12px; }
  #events li .t { color:var(--muted); font-family:ui-monospace,monospace; }
  #events li.failover { font-weight:600; color:#1e40af; }
  #events .empty { color:var(--muted); padding:8px 18px; }
  #toast { position:fixed; bottom:18px; right:18px; background:#17212b; color:#fff; padding:10px 14px; border-radius:8px; font-size:13px; opacity:0; transition:opacity .2s; max-width:420px; }
  #toast.show { opacity:.95; } #toast.error { background:#9b1c1c; }
</style>
</head>
<body>
<header>
  <h1>failover-proxy</h1>
  <span id="conn"><span class="dot"></span><span id="conn-text">connecting…</span></span>
  <span class="grow"></span>
  <input id="token" type="password" placeholder="admin token (if required)" autocomplete="off">
</header>
<main>
  <section id="cluster" class="role" hidden></section>
  <div id="roles"></div>
  <section id="events"><h3>Recent events</h3><ol id="event-list"><li class="empty">No events yet.</li></ol></section>
</main>
<div id="toast"></div>
<script>
"use strict";
const tokenInput = document.getElementById("token");
tokenInput.value = localStorage.getItem("failover-proxy-token") || "";
tokenInput.addEventListener("change", () => localStorage.setItem("failover-proxy-token", tokenInput.value.trim()));

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v; else if (k.startsWith("on")) e.addEventListener(k.slice(2), v); else if (v !== false && v != null) e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c != null) e.append(c);
  return e;
}
function toast(text, error) {
  const t = document.getElementById("toast");
  t.textContent = text; t.className = "show" + (error ? " error" : "");
  clearTimeout(toast.timer); toast.timer = setTimeout(() => t.className = "", 3500);
}
function ago(iso) {
  const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  return s < 1 ? "just now" : s < 60 ? Math.floor(s) + "s ago" : Math.floor(s / 60) + "m ago";
}
const enc = encodeURIComponent;

async function call(method, path, body) {
  const headers = { "Content-Type": "application/json" };
  const token = tokenInput.value.trim();
  if (token) headers["Authorization"] = "Bearer " + token;
  try {
    const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const data = await r.json().catch(() => ({}));
    if (!r.ok) toast((data.error || r.statusText) + " (" + r.status + ")", true);
    else toast("done");
  } catch (e) { toast(String(e), true); }
  refresh();
}

function render(roles) {
  const root = document.getElementById("roles");
  root.replaceChildren(...roles.map(role => {
    const base = "/api/roles/" + enc(role.name);
    const failback = el("span", { class: "toggle" + (role.failback ? " on" : ""), title: "failback: force execution on the highest-priority server",
      onclick: () => call("PUT", base + "/failback", { enabled: !role.failback }) }, el("span", { class: "switch" }), "failback " + (role.failback ? "on" : "off"));
    const head = el("div", { class: "role-head" }, el("h2", {}, role.name), el("span", { class: "badge" }, role.mode),
      el("span", { class: "hosted" + (role.active ? "" : " none") }, "hosted on ", el("b", {}, role.active || "no server")),
      el("span", { class: "grow" }), failback);
    const rows = role.servers.map((s, i) => {
      const sb = base + "/servers/" + enc(s.name);
      const c = s.lastCheck;
      const check = c ? el("span", { class: "check" }, el("span", { class: c.passed ? "ok" : "bad" }, c.passed ? "✓ " : "✗ "), c.detail,
        el("span", { class: "lat" }, " · " + c.durationMs.toFixed(1) + " ms · " + ago(c.at))) : el("span", { class: "check lat" }, "no check yet");
      const maint = s.state === "maintenance";
      return el("tr", { class: s.active ? "active" : "" },
        el("td", {}, el("span", { class: "led" + (s.active ? " on" : ""), title: s.active ? "hosts the role" : "" })),
        el("td", { class: "prio" }, "#" + (i + 1)),
        el("td", {}, el("div", { class: "name" }, s.name), el("div", { class: "addr" }, s.address)),
        el("td", {}, el("span", { class: "state " + s.state }, s.state)),
        el("td", { class: "num" }, String(s.sessions)),
        el("td", {}, check),
        el("td", { class: "actions" },
          el("button", { title: "move up", disabled: i === 0, onclick: () => call("POST", sb + "/move", { position: i - 1 }) }, "▲"),
          el("button", { title: "move down", disabled: i === role.servers.length - 1, onclick: () => call("POST", sb + "/move", { position: i + 1 }) }, "▼"),
          el("button", { class: maint ? "" : "warn", onclick: () => call("POST", sb + "/maintenance", { enabled: !maint }) }, maint ? "end maintenance" : "maintenance"),
          el("button", { class: "primary", disabled: s.active || s.state !== "up", onclick: () => call("POST", base + "/activate", { server: s.name }) }, "activate")));
    });
    const cols = el("colgroup", {}, ...["led", "prio", "server", "state", "sessions", "check", "actions"].map(c => el("col", { class: "c-" + c })));
    const table = el("table", {}, cols, el("thead", {}, el("tr", {}, el("th", {}), el("th", {}, "#"), el("th", {}, "server"), el("th", {}, "state"),
      el("th", {}, "sessions"), el("th", {}, "last check"), el("th", {}))), el("tbody", {}, ...rows));
    return el("section", { class: "role" }, head, table);
  }));
}

// Cluster mode: the members, which one leads, and whether each is fresh (404 without a cluster).
function renderCluster(c) {
  const box = document.getElementById("cluster");
  box.hidden = false;
  const rows = c.members.map(m => el("tr", {},
    el("td", {}, m.leader ? "★ " : "", m.node, m.node === c.node ? " (this member)" : ""),
    el("td", {}, m.advertise || "—"),
    el("td", {}, el("span", { class: "state " + (m.fresh ? "up" : "down") }, m.fresh ? "fresh" : "behind")),
    el("td", {}, String(m.acked))));
  box.replaceChildren(
    el("div", { class: "role-head" }, el("h2", {}, "cluster " + c.name), el("span", { class: "badge" }, "cluster"),
       el("span", { class: "hosted" }, "leader ", el("b", {}, c.leader || "none")),
       el("span", { class: "state " + (c.fresh ? "up" : "down") }, c.fresh ? "this member is fresh" : "this member is STALE")),
    el("div", { class: "cluster-store" }, "etcd " + (c.store.connected || "— no endpoint answers") +
       " · revision " + c.revision + (c.store.error ? " · last error: " + c.store.error : "")),
    el("table", {}, el("thead", {}, el("tr", {}, el("th", {}, "member"), el("th", {}, "admin address"),
      el("th", {}, "state"), el("th", {}, "acknowledged revision"))), el("tbody", {}, ...rows)));
}

let fetching = false, again = false, clustered = true;
async function refresh() {
  if (fetching) { again = true; return; }
  fetching = true;
  try {
    const r = await fetch("/api/roles", { cache: "no-store" });
    if (r.ok) render((await r.json()).roles);
    if (clustered) {
      const c = await fetch("/api/cluster", { cache: "no-store" });
      if (c.ok) renderCluster(await c.json()); else if (c.status === 404) clustered = false;
    }
  } catch (e) { /* the event stream shows the connection state */ }
  fetching = false;
  if (again) { again = false; refresh(); }
}

function logEvent(type, e) {
  const list = document.getElementById("event-list");
  if (list.querySelector(".empty")) list.replaceChildren();
  const time = new Date(e.at).toLocaleTimeString();
  const text = type === "failover" ? e.role + ": " + (e.from || "none") + " → " + (e.to || "none") + " (" + e.reason + ")"
                                   : e.role + "/" + e.server + " is " + e.state;
  list.prepend(el("li", { class: type }, el("span", { class: "t" }, time), text));
  while (list.children.length > 50) list.lastChild.remove();
}

function connect() {
  const conn = document.getElementById("conn"), text = document.getElementById("conn-text");
  const source = new EventSource("/events?lastEventId=0");  // recent history first, then live
  source.onopen = () => { conn.className = "live"; text.textContent = "live"; refresh(); };
  source.onerror = () => { conn.className = ""; text.textContent = "reconnecting…"; };
  for (const type of ["failover", "health"]) {
    source.addEventListener(type, m => { try { logEvent(type, JSON.parse(m.data)); } catch (e) {} refresh(); });
  }
}
refresh();
connect();
setInterval(refresh, 3000);
</script>
</body>
</html>
"""#
}
