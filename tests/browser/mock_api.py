#!/usr/bin/env python3
"""A stand-in for the engine's control API, to develop and self-test the live page
(engine/app/web/index.html) and tests/browser/live_page.js without a build: it serves the page at
GET / (with the strict Content-Security-Policy the engine may send), the JSON shapes of
/trading/status, /health, /positions, /orders, /decisions, /executions, a Prometheus /metrics with
the tick-to-order histogram, and the four token-guarded controls. A background "market" makes one
decision per symbol and tick (buy 1 below 2 shares, else sell 1), which opens an order that fills
on the next tick, unless the kill switch is engaged or the state is not ACTIVE.

The feed is "connecting" (and /trading/health 503) until --warmup seconds after the first GET /, and
no position exists before then, so the page has to show the change.

Fault switches (--fault NAME, repeatable) break one thing each, so that the browser test can be
shown to catch it (tests/browser/self_test.sh):
  no-positions    /trading/positions is always empty
  no-decisions    /trading/decisions is always empty
  kill-ignored    POST /trading/kill-switch answers ok but changes nothing
  reject-token    every control answers 401
  console-error   the page is served with an inline console.error
  page-error      the page is served with an inline script that throws
  external-script the page is served with a <script src> from another origin (the CSP refuses it)
  feed-down       the feed never goes live

usage: mock_api.py [--port 0] [--token T] [--page PATH] [--warmup S] [--no-csp] [--audit PATH]
                   [--decisions-source memory|postgres] [--fault NAME]...
Prints "mock API on http://127.0.0.1:PORT" once it listens, then the engine's "control API on ..."
line (for fake_torghut.py); ends cleanly on SIGTERM.
"""
import argparse
import json
import os
import random
import signal
import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CSP = "default-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'"
SYMBOLS = ["ALFA", "BRVO", "CHRL", "DLTA"]
BOUNDS = [1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3]


def now_ts():
    return datetime.now(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def dec(x):
    return ("%.4f" % x).rstrip("0").rstrip(".") or "0"


class Histogram:
    def __init__(self):
        self.counts = [0] * (len(BOUNDS) + 1)
        self.sum = 0.0
        self.n = 0

    def observe(self, v):
        i = next((k for k, b in enumerate(BOUNDS) if v <= b), len(BOUNDS))
        self.counts[i] += 1
        self.sum += v
        self.n += 1

    def text(self, name, help_text):
        out = ["# HELP %s %s" % (name, help_text), "# TYPE %s histogram" % name]
        cum = 0
        for b, c in zip(BOUNDS + [None], self.counts):
            cum += c
            out.append('%s_bucket{le="%s"} %d' % (name, "+Inf" if b is None else repr(b), cum))
        out.append("%s_sum %.9f" % (name, self.sum))
        out.append("%s_count %d" % (name, self.n))
        return "\n".join(out) + "\n"


class Engine:
    def __init__(self, args):
        self.args = args
        self.faults = set(args.fault or [])
        self.lock = threading.Lock()
        self.start = time.time()
        self.kill = False
        self.state = "ACTIVE"
        self.qty = {s: 0 for s in SYMBOLS}
        self.entry = {s: 0.0 for s in SYMBOLS}
        self.price = {s: 20.0 + 10 * i for i, s in enumerate(SYMBOLS)}
        self.realized = {s: 0.0 for s in SYMBOLS}
        self.open = []
        self.orders = []
        self.decisions = []
        self.executions = []
        self.seq = 0
        self.next_order = 1
        self.counters = dict(market_events=0, decisions=0, rejections=0, orders=0, fills=0)
        self.frames = 0
        self.last_decision_at = None
        self.controls = []
        self.tick_hist = Histogram()
        self.frame_hist = Histogram()
        self.unauthorized = 0
        self.first_page_at = None  # the warm-up starts with the first GET /

    def live(self):
        first = self.first_page_at
        return "feed-down" not in self.faults and first is not None and time.time() - first >= self.args.warmup

    def step(self):
        """One market tick per symbol: fills the open orders, then one decision per symbol."""
        with self.lock:
            if not self.live():
                return
            self.frames += 1
            for o in self.open:
                s, q, p = o["symbol"], float(o["qty"]), self.price[o["symbol"]]
                if o["side"] == "buy":
                    self.entry[s] = (self.entry[s] * self.qty[s] + p * q) / (self.qty[s] + q)
                    self.qty[s] += q
                else:
                    self.realized[s] += (p - self.entry[s]) * q
                    self.qty[s] -= q
                o.update(status="filled", filled_qty=o["qty"], filled_avg_price=dec(p), updated_at=now_ts())
                self.counters["fills"] += 1
                self.seq += 1
                self.executions.append(dict(seq=self.seq, kind="execution", ts=now_ts(), order_id=o["order_id"],
                                            client_order_id=o["client_order_id"], symbol=s, side=o["side"],
                                            status="filled", qty=o["qty"], last_qty=o["qty"], last_price=dec(p),
                                            filled_qty=o["qty"], filled_avg_price=dec(p)))
            self.open = []
            for s in SYMBOLS:
                self.price[s] = max(1.0, self.price[s] * (1 + random.gauss(0, 0.002)))
                self.counters["market_events"] += 1
                side = "buy" if self.qty[s] < 2 else "sell"  # 0, 1, 2, 1, 2, ...: flat only at the start
                qty = "1"
                self.counters["decisions"] += 1
                self.seq += 1
                ts = now_ts()
                self.last_decision_at = ts
                d = dict(seq=self.seq, kind="decision", ts=ts, strategy_id=1, symbol=s, action=side, type="market",
                         time_in_force="day", qty=qty, reference_price=dec(self.price[s]), event_ts=ts,
                         decision_hash="%032x" % random.getrandbits(128), rationale="probe")
                if self.kill or self.state != "ACTIVE":
                    self.counters["rejections"] += 1
                    d["rationale"] = "probe (vetoed: %s)" % ("kill switch" if self.kill else self.state)
                    self.decisions.append(d)
                    continue
                self.decisions.append(d)
                o = dict(client_order_id="tg-%d-%d" % (os.getpid(), self.next_order), order_id=self.next_order,
                         symbol=s, side=side, type="market", qty=qty, filled_qty="0", filled_avg_price=None,
                         status="new", submitted_at=ts, updated_at=ts)
                self.next_order += 1
                self.counters["orders"] += 1
                self.open.append(o)
                self.orders.append(o)
                lat = random.lognormvariate(-11.0, 0.6)  # about 17 us
                self.tick_hist.observe(lat)
                self.frame_hist.observe(lat * 1.3)
            del self.decisions[:-500]
            del self.executions[:-500]
            del self.orders[:-500]

    # ---- views ----
    def status(self):
        live = self.live()
        return dict(enabled=not self.kill and self.state == "ACTIVE", mode="paper", trading_state=self.state,
                    kill_switch=self.kill, llm_enabled=False, last_decision_at=self.last_decision_at,
                    feed=dict(source="iex", url="ws://127.0.0.1:9/v2/iex", state="live" if live else "connecting",
                              frames=self.frames, events=self.counters["market_events"], decode_errors=0,
                              reconnects=0, lag_p99_us=42),
                    broker=dict(kind="paper", reconciled=live, stream_state="n/a", rest_requests=0, rest_429=0),
                    counters=dict(self.counters), realized_pnl=dec(sum(self.realized.values())),
                    unrealized_pnl=dec(self.unrealized()), run_id="mock-%d" % os.getpid(),
                    uptime_seconds=int(time.time() - self.start))

    def unrealized(self):
        return sum((self.price[s] - self.entry[s]) * self.qty[s] for s in SYMBOLS if self.qty[s] > 0)

    def positions(self):
        rows = []
        if "no-positions" not in self.faults:
            for s in SYMBOLS:
                q = self.qty[s]
                if q > 0:
                    rows.append(dict(symbol=s, qty=dec(q), avg_entry_price=dec(self.entry[s]),
                                     market_price=dec(self.price[s]), market_value=dec(q * self.price[s]),
                                     unrealized_pl=dec((self.price[s] - self.entry[s]) * q),
                                     realized_pl=dec(self.realized[s])))
        return dict(positions=rows, realized_pl=dec(sum(self.realized.values())), unrealized_pl=dec(self.unrealized()))

    def metrics(self):
        return (self.tick_hist.text("torghut_tick_to_order_seconds", "Trade print received to order sent.") +
                self.frame_hist.text("torghut_frame_to_order_seconds", "Frame received to order sent.") +
                "# HELP torghut_kill_switch 1 while the kill switch is engaged.\n# TYPE torghut_kill_switch gauge\n"
                "torghut_kill_switch %d\n" % self.kill +
                "# HELP torghut_orders_total Orders sent.\n# TYPE torghut_orders_total counter\n"
                "torghut_orders_total %d\n" % self.counters["orders"] +
                "# HELP torghut_control_unauthorized_total Controls refused for their token.\n"
                "# TYPE torghut_control_unauthorized_total counter\n"
                "torghut_control_unauthorized_total %d\n" % self.unauthorized)


def listing(rows, query):
    limit = int(query.get("limit", ["50"])[0])
    sym = query.get("symbol", [None])[0]
    since = query.get("since", [None])[0]
    out = [r for r in reversed(rows) if (sym is None or r["symbol"] == sym) and (since is None or r["ts"] >= since)]
    return out[:limit]


def postgres_shape(d):
    """A decision row as the Postgres table would return it (columns, the decision nested)."""
    return dict(id=d["seq"], symbol=d["symbol"], status="submitted", created_at=d["ts"], rationale=d["rationale"],
                decision_json=json.dumps({k: d[k] for k in ("action", "qty", "type", "reference_price", "strategy_id")}))


def make_handler(eng, page_bytes):
    args = eng.args

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *a):  # quiet; the browser test reads stdout
            pass

        def send(self, code, body, ctype="application/json", extra=None):
            data = body if isinstance(body, bytes) else (json.dumps(body) if ctype == "application/json" else body).encode()
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            u = urlsplit(self.path)
            q = parse_qs(u.query)
            with eng.lock:
                if u.path == "/":
                    if eng.first_page_at is None:
                        eng.first_page_at = time.time()
                    extra = {} if args.no_csp else {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff"}
                    return self.send(200, page_bytes, "text/html; charset=utf-8", extra)
                if u.path == "/healthz":
                    return self.send(200, {"status": "ok"})
                if u.path == "/trading/status":
                    return self.send(200, eng.status())
                if u.path == "/trading/health":
                    live = eng.live()
                    body = dict(ready=live, alpaca=dict(market_data="live" if live else "connecting", trading="paper",
                                                        reconciled=live),
                                postgres="not configured", last_reconcile_at=now_ts() if live else None)
                    return self.send(200 if live else 503, body)
                if u.path == "/trading/positions":
                    return self.send(200, eng.positions())
                if u.path == "/trading/orders":
                    rows = eng.open if q.get("status", ["open"])[0] == "open" else eng.orders
                    return self.send(200, dict(orders=list(reversed(rows))[:int(q.get("limit", ["50"])[0])],
                                               source="memory"))
                if u.path == "/trading/decisions":
                    rows = [] if "no-decisions" in eng.faults else listing(eng.decisions, q)
                    if args.decisions_source == "postgres":
                        rows = [postgres_shape(d) for d in rows]
                    return self.send(200, dict(decisions=rows, source=args.decisions_source))
                if u.path == "/trading/executions":
                    return self.send(200, dict(executions=listing(eng.executions, q),
                                               source=args.decisions_source))
                if u.path == "/metrics":
                    return self.send(200, eng.metrics(), "text/plain; version=0.0.4; charset=utf-8")
            self.send(404, {"error": "no such endpoint: " + u.path})

        def do_POST(self):
            u = urlsplit(self.path)
            n = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(n) if n else b""
            routes = ("/trading/kill-switch", "/trading/state", "/trading/cancel-all", "/trading/limits/reload")
            if u.path not in routes:
                return self.send(404, {"error": "no such endpoint: " + u.path})
            auth = self.headers.get("Authorization", "")
            if "reject-token" in eng.faults or auth != "Bearer " + args.token:
                with eng.lock:
                    eng.unauthorized += 1
                return self.send(401, {"error": "missing or wrong bearer token"}, extra={"WWW-Authenticate": "Bearer"})
            body = None
            if u.path in routes[:2]:
                try:
                    body = json.loads(raw or b"null")
                except ValueError:
                    return self.send(400, {"error": "body is not JSON"})
            with eng.lock:
                if u.path == "/trading/kill-switch":
                    if not isinstance(body, dict) or not isinstance(body.get("engaged"), bool):
                        return self.send(400, {"error": 'expected {"engaged": true|false}'})
                    if "kill-ignored" not in eng.faults:
                        eng.kill = body["engaged"]
                    cmd = "kill_switch_on" if body["engaged"] else "kill_switch_off"
                elif u.path == "/trading/state":
                    st = body.get("state") if isinstance(body, dict) else None
                    if st not in ("ACTIVE", "REDUCING", "HALTED"):
                        return self.send(400, {"error": "state must be ACTIVE, REDUCING or HALTED"})
                    eng.state = st
                    cmd = "set_trading_state"
                elif u.path == "/trading/cancel-all":
                    for o in eng.open:
                        o.update(status="canceled", updated_at=now_ts())
                    eng.open = []
                    cmd = "cancel_all_orders"
                else:
                    cmd = "reload_risk_limits"
                eng.controls.append(cmd)
                if args.audit:
                    with open(args.audit, "a") as f:
                        f.write(json.dumps({"kind": "control", "control": cmd, "ts": now_ts(),
                                            "kill_switch": eng.kill, "trading_state": eng.state},
                                           separators=(",", ":")) + "\n")
            self.send(200, {"ok": True, "command": cmd})

    return Handler


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--token", default="mock-token")
    ap.add_argument("--page", default=os.path.join(ROOT, "engine", "app", "web", "index.html"))
    ap.add_argument("--warmup", type=float, default=1.5)
    ap.add_argument("--tick", type=float, default=0.25, help="seconds between market ticks")
    ap.add_argument("--no-csp", action="store_true")
    ap.add_argument("--audit", help="append each accepted control as a JSON line here, as the engine's audit trail")
    ap.add_argument("--decisions-source", choices=("memory", "postgres"), default="memory")
    ap.add_argument("--fault", action="append", choices=("no-positions", "no-decisions", "kill-ignored", "reject-token",
                                                         "console-error", "page-error", "external-script", "feed-down"))
    args = ap.parse_args()
    page = open(args.page, encoding="utf-8").read()
    inject = {"console-error": '<script>console.error("mock: injected console error")</script>',
              "page-error": '<script>window.setTimeout(function () { null.boom(); }, 0)</script>',
              "external-script": '<script src="https://cdn.example.invalid/lib.js"></script>'}
    for f in args.fault or []:
        if f in inject:
            page = page.replace("</body>", inject[f] + "\n</body>")
    eng = Engine(args)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(eng, page.encode("utf-8")))
    server.daemon_threads = True

    def market():
        while True:
            time.sleep(args.tick)
            eng.step()

    threading.Thread(target=market, daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print("mock API on http://127.0.0.1:%d" % server.server_address[1], flush=True)
    print("control API on http://127.0.0.1:%d" % server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
