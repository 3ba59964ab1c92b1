#!/usr/bin/env python3
"""The operator's HTTP API (issue 13) on a running `torghut run` against `torghut sim`, over real
HTTP on loopback:

- GET /healthz is 200; GET /trading/health turns 200 once the feed is live, with the seed's
  fields (alpaca, postgres, last_reconcile_at); GET /trading/status has the seed's fields (enabled,
  mode, last_decision_at, llm_enabled) and the trading state, kill switch, feed, broker, run id
  and uptime; a decision the test caused (tick_probe: one order per trade) shows in it;
- every control endpoint without the token, with a wrong one, or with another scheme: 401 and
  nothing changed (state, kill switch and the audit trail's control rows as before);
- with the token: the kill switch halts trading (orders stop growing; /trading/status and
  /metrics say so), the trading state changes, cancel-all and the limits reload answer, each
  control lands in the audit trail as a `control` row; the token is in no response and no log;
- bad bodies are 400 with a JSON error, unknown paths 404, wrong methods 405;
- GET /metrics passes `promtool check metrics` and its counters agree with the run's summary;
- a real Prometheus server (Debian's package) scrapes the engine, and its query API returns the
  counter of refused controls (12);
- the hot thread alone may run on the --cpu core, every other thread of the engine may not;
- a non-loopback control.listen without TORGHUT_CONTROL_TOKEN stops the run (exit 2) before
  anything is dialled; an explicit address that is taken stops it too, naming it.

Usage: control_api.py PATH/TO/torghut   (needs no Postgres; needs promtool: install-deps.sh)
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from checks import check, finish, start_sim, sim_ws_base, wait_for

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TOKEN = "ctl-api-test-token-7f3a9c"
KEY, SECRET = "control-api-key", "control-api-secret"


def http(base, method, path, body=None, token=None, scheme="Bearer"):
    """(status, headers, text) of one request; never raises on an HTTP error status."""
    data = None if body is None else (body if isinstance(body, bytes) else body.encode())
    req = urllib.request.Request(base + path, data=data, method=method)
    if token is not None:
        req.add_header("Authorization", "%s %s" % (scheme, token))
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


def status(base):
    code, _, text = http(base, "GET", "/trading/status")
    return json.loads(text) if code == 200 else {}


def metric(text, name):
    m = re.search(r"^%s (\S+)$" % re.escape(name), text, re.M)
    return float(m.group(1)) if m else None


def cpu_list(text):
    """{0, 2, 3} from a Cpus_allowed_list like "0,2-3"."""
    out = set()
    for part in text.strip().split(","):
        a, _, b = part.partition("-")
        out.update(range(int(a), int(b or a) + 1))
    return out


def thread_affinities(pid):
    """{tid: (name, allowed cpus)} of every thread of `pid`."""
    res = {}
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/status" % (pid, tid)) as f:
                st = dict(l.rstrip("\n").split(":\t", 1) for l in f if ":\t" in l)
            res[int(tid)] = (st.get("Name", "?"), cpu_list(st["Cpus_allowed_list"]))
        except (FileNotFoundError, KeyError, ValueError):
            pass
    return res


def control_rows(path):
    if not os.path.exists(path):
        return []
    rows = []
    with open(path) as f:
        for line in f:
            if '"kind":"control"' in line:
                rows.append(json.loads(line))
    return rows


def main():
    exe = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix="torghut-control-api-")
    env = dict(os.environ, APCA_API_KEY_ID=KEY, APCA_API_SECRET_KEY=SECRET)
    for k in ("DB_DSN", "TRADING_MODE", "TRADING_LIVE_ENABLED", "TORGHUT_CONTROL_TOKEN"):
        env.pop(k, None)
    promtool = shutil.which("promtool")
    check(promtool is not None, "promtool is installed (scripts/install-deps.sh installs prometheus)")

    # Refusals before anything is dialled.
    r = subprocess.run([exe, "run", "--feed", "ws://127.0.0.1:9/v2/iex", "--symbols", "ALFA", "--duration", "1",
                        "--decisions", "", "--lease-dir", os.path.join(work, "lease0"),
                        "--control-listen", "0.0.0.0:0"], capture_output=True, text=True, timeout=60, env=env, cwd=work)
    out = r.stdout + r.stderr
    check(r.returncode == 2 and "TORGHUT_CONTROL_TOKEN" in out and "not a loopback address" in out,
          "a non-loopback control.listen without a token stops the run with exit 2 (rc=%d)" % r.returncode)
    check("market-data client for" not in out, "  ... before anything is dialled")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        r = subprocess.run([exe, "run", "--feed", "ws://127.0.0.1:9/v2/iex", "--symbols", "ALFA", "--duration", "1",
                            "--decisions", "", "--lease-dir", os.path.join(work, "lease1"),
                            "--control-listen", "127.0.0.1:%d" % port],
                           capture_output=True, text=True, timeout=60, env=env, cwd=work)
        out = r.stdout + r.stderr
        check(r.returncode == 2 and ("127.0.0.1:%d" % port) in out and "control API" in out,
              "an explicit control address that is taken stops the run, naming it (rc=%d)" % r.returncode)

    # A live run with tick_probe alone: one order per trade print.
    text = open(os.path.join(ROOT, "config", "paper.toml")).read()
    cfg = os.path.join(work, "probe.toml")
    with open(cfg, "w") as f:
        f.write(text[:text.index("[[strategies]]")] + '[[strategies]]\nid = 1\nname = "tick_probe"\nkind = "tick_probe"\n')
    ncpu = os.cpu_count() or 1
    hot_cpu = ncpu - 1
    sim, sim_log = start_sim(exe, work, env, "--rate", "500", "--duration", "120", "--no-trading")
    decisions = os.path.join(work, "decisions.jsonl")
    run_log = os.path.join(work, "run.log")
    try:
        feed = sim_ws_base(sim_log, work) + "/v2/iex"
        with open(run_log, "w") as lf:
            eng = subprocess.Popen([exe, "run", "--config", cfg, "--feed", feed, "--symbols", "ALFA,BRVO,CHRL,DLTA",
                                    "--lease-dir", os.path.join(work, "lease"), "--decisions", decisions,
                                    "--duration", "300", "--control-listen", "127.0.0.1:0", "--cpu", str(hot_cpu)],
                                   stdout=lf, stderr=subprocess.STDOUT, env=dict(env, TORGHUT_CONTROL_TOKEN=TOKEN),
                                   cwd=work)
        m = wait_for(r"control API on (http://127\.0\.0\.1:\d+)", run_log, 20)
        check(m is not None, "the run prints the control API's URL")
        if not m:
            eng.kill()
            finish(work)
        base = m.group(1)

        code, _, body = http(base, "GET", "/healthz")
        check(code == 200 and json.loads(body) == {"status": "ok"}, "GET /healthz is 200 (%d)" % code)
        deadline, code = time.time() + 20, 0
        while time.time() < deadline:
            code, _, body = http(base, "GET", "/trading/health")
            if code == 200:
                break
            time.sleep(0.2)
        health = json.loads(body)
        check(code == 200 and health.get("ready") is True, "GET /trading/health turns 200 once the feed is live")
        check({"alpaca", "postgres", "last_reconcile_at"} <= set(health),
              "  ... with the seed's fields alpaca, postgres, last_reconcile_at (%s)" % sorted(health))
        deadline = time.time() + 20
        st = {}
        while time.time() < deadline:
            st = status(base)
            if st.get("counters", {}).get("orders", 0) > 0 and st.get("last_decision_at"):
                break
            time.sleep(0.2)
        need = {"enabled", "mode", "last_decision_at", "llm_enabled", "trading_state", "kill_switch", "feed",
                "broker", "run_id", "uptime_seconds", "counters", "realized_pnl"}
        check(need <= set(st), "GET /trading/status has %s (missing %s)" % (sorted(need), sorted(need - set(st))))
        check(st.get("mode") == "paper" and st.get("enabled") is True and st.get("trading_state") == "ACTIVE"
              and st.get("kill_switch") is False, "  ... paper, enabled, ACTIVE, kill switch off")
        check(st.get("counters", {}).get("decisions", 0) > 0 and st.get("last_decision_at", "").endswith("Z"),
              "  ... shows the decisions the test caused (%s, last at %s)"
              % (st.get("counters", {}).get("decisions"), st.get("last_decision_at")))
        check(st.get("feed", {}).get("state") == "live" and st.get("feed", {}).get("url") == feed,
              "  ... and the feed: live, at the simulator's URL")

        # One pinned core: the hot thread alone on it (--cpu), every other thread of the engine off it
        # (threads the hot thread starts are moved off within a second).
        deadline = time.time() + 5
        while True:
            threads = thread_affinities(eng.pid)
            on_hot = [t for t, (_, cpus) in threads.items() if hot_cpu in cpus]
            pinned = [t for t, (_, cpus) in threads.items() if cpus == {hot_cpu}]
            if (len(pinned) == 1 and on_hot == pinned) or time.time() > deadline:
                break
            time.sleep(0.3)
        if ncpu >= 2:
            check(len(pinned) == 1 and on_hot == pinned and threads[pinned[0]][0] == "torghut-hot",
                  "the hot thread alone may run on cpu %d; the engine's %d other threads may not (%s)"
                  % (hot_cpu, len(threads) - 1, {t: (n, sorted(c)) for t, (n, c) in threads.items()}))
        else:
            check(len(pinned) >= 1, "one CPU: the hot thread is pinned to it")

        # Every control without a valid token: 401, nothing changed.
        controls = [("/trading/kill-switch", '{"engaged": true}'), ("/trading/state", '{"state": "HALTED"}'),
                    ("/trading/cancel-all", ""), ("/trading/limits/reload", "")]
        rows_before = len(control_rows(decisions))
        for path, body in controls:
            for token, scheme, what in ((None, "Bearer", "no token"), ("wrong-token", "Bearer", "a wrong token"),
                                        (TOKEN, "Basic", "the Basic scheme")):
                code, headers, text = http(base, "POST", path, body, token, scheme)
                check(code == 401 and "error" in json.loads(text) and TOKEN not in text
                      and headers.get("WWW-Authenticate", "").startswith("Bearer"),
                      "POST %s with %s: 401 (%d)" % (path, what, code))
        time.sleep(0.5)
        st = status(base)
        check(st.get("trading_state") == "ACTIVE" and st.get("kill_switch") is False,
              "  ... and nothing changed: still ACTIVE, kill switch off")
        check(len(control_rows(decisions)) == rows_before, "  ... and no control reached the audit trail")

        # Bad requests.
        auth = TOKEN
        for path, body in (("/trading/kill-switch", "{nope"), ("/trading/kill-switch", '{"engaged": "yes"}'),
                           ("/trading/state", '{"state": "SIDEWAYS"}'), ("/trading/kill-switch", "")):
            code, _, text = http(base, "POST", path, body, auth)
            check(code == 400 and "error" in json.loads(text), "POST %s %r: 400 with a JSON error (%d)" % (path, body, code))
        code, _, text = http(base, "GET", "/trading/nothing")
        check(code == 404 and "error" in json.loads(text), "an unknown path: 404 (%d)" % code)
        code, _, _ = http(base, "GET", "/trading/kill-switch")
        check(code == 405, "GET on a control: 405 (%d)" % code)

        # Metrics.
        code, headers, metrics = http(base, "GET", "/metrics")
        check(code == 200 and headers.get("Content-Type", "").startswith("text/plain; version=0.0.4"),
              "GET /metrics is the text exposition format")
        if promtool:
            p = subprocess.run([promtool, "check", "metrics"], input=metrics, capture_output=True, text=True)
            check(p.returncode == 0, "promtool check metrics is clean%s" % ("" if p.returncode == 0 else ":\n" + p.stdout + p.stderr))
        for name in ("torghut_market_events_total", "torghut_orders_total", "torghut_decisions_total",
                     "torghut_feed_receive_lag_seconds_count", "torghut_kill_switch", "torghut_audit_queue_depth"):
            check(metric(metrics, name) is not None, "  ... has %s" % name)
        check(metric(metrics, "torghut_control_unauthorized_total") == 12, "  ... counts the 12 refused controls (%s)"
              % metric(metrics, "torghut_control_unauthorized_total"))

        # The live hot path's latencies, verdicts by reason, order reports by status, disconnects by cause.
        t2o = metric(metrics, "torghut_tick_to_order_seconds_count")
        f2o = metric(metrics, "torghut_frame_to_order_seconds_count")
        check(t2o is not None and t2o > 0 and f2o == t2o,
              "  ... tick-to-order and frame-to-order histograms, one sample per order a trade caused (%s, %s)" % (t2o, f2o))
        check(metric(metrics, 'torghut_risk_verdicts_total{reason="APPROVED"}') not in (None, 0),
              "  ... risk verdicts by reason (APPROVED > 0)")
        check(metric(metrics, 'torghut_order_reports_total{status="filled"}') not in (None, 0),
              "  ... order reports by status (filled > 0)")
        check(metric(metrics, 'torghut_market_events_by_kind_total{kind="trade"}') not in (None, 0),
              "  ... market events by kind (trade > 0)")
        check(metric(metrics, 'torghut_feed_disconnects_total{cause="connection_limit_406"}') == 0,
              "  ... feed disconnects by cause (no 406 here)")

        # Recent activity: decisions, executions, orders (memory: no database) and positions.
        code, _, text = http(base, "GET", "/trading/decisions?limit=5")
        d = json.loads(text) if code == 200 else {}
        rows = d.get("decisions", [])
        check(code == 200 and d.get("source") == "memory" and 1 <= len(rows) <= 5
              and all(r.get("kind") == "decision" for r in rows),
              "GET /trading/decisions?limit=5: at most 5 decisions, from memory (%d, %d rows)" % (code, len(rows)))
        check([r["seq"] for r in rows] == sorted((r["seq"] for r in rows), reverse=True), "  ... newest first")
        if rows:
            sym = rows[0]["symbol"]
            code, _, text = http(base, "GET", "/trading/decisions?symbol=%s&limit=50" % sym)
            srows = json.loads(text).get("decisions", []) if code == 200 else []
            check(srows and all(r["symbol"] == sym for r in srows), "  ... ?symbol=%s lists that symbol's alone" % sym)
            code, _, text = http(base, "GET", "/trading/decisions?since=2200-01-01")
            check(code == 200 and json.loads(text).get("decisions") == [], "  ... ?since= in the future lists none")
        code, _, text = http(base, "GET", "/trading/executions?limit=20")
        xrows = json.loads(text).get("executions", []) if code == 200 else []
        check(code == 200 and xrows and all(r.get("kind") == "execution" for r in xrows)
              and any(r.get("status") == "filled" for r in xrows),
              "GET /trading/executions: execution reports, fills among them (%d rows)" % len(xrows))
        code, _, text = http(base, "GET", "/trading/orders?status=all&limit=50")
        orows = json.loads(text).get("orders", []) if code == 200 else []
        check(code == 200 and orows and all(o.get("client_order_id", "").startswith("tg-") for o in orows)
              and any(o.get("status") == "filled" for o in orows),
              "GET /trading/orders?status=all: this run's orders with their states (%d)" % len(orows))
        code, _, text = http(base, "GET", "/trading/orders?status=sideways")
        check(code == 400 and "status" in json.loads(text).get("error", ""), "  ... a bad status is 400 (%d)" % code)
        code, _, text = http(base, "GET", "/trading/positions")
        pos = json.loads(text) if code == 200 else {}
        syms = {p["symbol"] for p in pos.get("positions", [])}
        check(code == 200 and syms and syms <= {"ALFA", "BRVO", "CHRL", "DLTA"} and "realized_pnl" in pos,
              "GET /trading/positions: the traded symbols with P&L (%s)" % sorted(syms))
        check(all({"qty", "avg_entry_price", "market_price", "unrealized_pl", "realized_pl"} <= set(p)
                  for p in pos.get("positions", [])), "  ... each with qty, avg entry, market price and P&L")

        # A real Prometheus server scrapes the engine; its query API has the counter's value.
        prom_bin = shutil.which("prometheus")
        check(prom_bin is not None, "prometheus is installed (scripts/install-deps.sh)")
        if prom_bin:
            prom_cfg = os.path.join(work, "prometheus.yml")
            with open(prom_cfg, "w") as f:
                f.write("global: {scrape_interval: 1s}\nscrape_configs:\n  - job_name: torghut\n"
                        "    static_configs: [{targets: ['%s']}]\n" % base.split("//", 1)[1])
            with socket.socket() as s0:
                s0.bind(("127.0.0.1", 0))
                prom_port = s0.getsockname()[1]
            prom_log = open(os.path.join(work, "prometheus.log"), "w")
            prom = subprocess.Popen([prom_bin, "--config.file", prom_cfg, "--storage.tsdb.path", os.path.join(work, "tsdb"),
                                     "--web.listen-address", "127.0.0.1:%d" % prom_port],
                                    stdout=prom_log, stderr=subprocess.STDOUT, cwd=work)
            try:
                q = "http://127.0.0.1:%d/api/v1/query?query=" % prom_port
                got, up = None, None
                deadline = time.time() + 25
                while time.time() < deadline and (got is None or up is None):
                    time.sleep(0.5)
                    try:
                        with urllib.request.urlopen(q + "torghut_control_unauthorized_total", timeout=5) as r:
                            res = json.loads(r.read())["data"]["result"]
                        got = res[0]["value"][1] if res else None
                        with urllib.request.urlopen(q + "up", timeout=5) as r:
                            res = json.loads(r.read())["data"]["result"]
                        up = res[0]["value"][1] if res else None
                    except (OSError, ValueError, KeyError):
                        pass
                check(up == "1", "Prometheus scrapes the engine: up = %s" % up)
                check(got == "12", "Prometheus's query API has torghut_control_unauthorized_total = 12 (%s)" % got)
            finally:
                prom.terminate()
                prom.wait(timeout=20)
                prom_log.close()

        # With the token: the kill switch halts trading.
        code, _, text = http(base, "POST", "/trading/kill-switch", '{"engaged": true}', auth)
        check(code == 200 and json.loads(text).get("ok") is True, "POST /trading/kill-switch with the token: 200")
        deadline = time.time() + 10  # the hot loop applies it on its next control poll
        st = status(base)
        while time.time() < deadline and st.get("kill_switch") is not True:
            time.sleep(0.1)
            st = status(base)
        check(st.get("kill_switch") is True and st.get("enabled") is False, "  ... /trading/status: kill switch on, not enabled")
        orders0 = st.get("counters", {}).get("orders")
        time.sleep(1.5)
        st = status(base)
        check(st.get("counters", {}).get("orders") == orders0 and st.get("counters", {}).get("rejections", 0) > 0,
              "  ... no order leaves while it is engaged (orders stay at %s; risk vetoes)" % orders0)
        _, _, metrics = http(base, "GET", "/metrics")
        check(metric(metrics, "torghut_kill_switch") == 1, "  ... /metrics: torghut_kill_switch 1")
        code, _, _ = http(base, "POST", "/trading/state", '{"state": "REDUCING"}', auth)
        deadline = time.time() + 10
        st = status(base)
        while time.time() < deadline and st.get("trading_state") != "REDUCING":
            time.sleep(0.1)
            st = status(base)
        check(code == 200 and st.get("trading_state") == "REDUCING", "POST /trading/state REDUCING: applied (%d)" % code)
        code, _, _ = http(base, "POST", "/trading/cancel-all", None, auth)
        check(code == 200, "POST /trading/cancel-all: 200 (%d)" % code)
        code, _, text = http(base, "POST", "/trading/limits/reload", None, auth)
        check(code == 200, "POST /trading/limits/reload (the run has --config): 200 (%d %s)" % (code, text.strip()))
        code, _, _ = http(base, "POST", "/trading/kill-switch", '{"engaged": false}', auth)
        check(code == 200, "POST /trading/kill-switch off: 200")
        deadline = time.time() + 10
        while time.time() < deadline and status(base).get("kill_switch") is not False:
            time.sleep(0.1)
        eng.send_signal(signal.SIGTERM)  # the orderly stop: every audit row written
        eng.wait(timeout=120)
        check(eng.returncode == 0, "the run ends cleanly on SIGTERM (rc=%s)" % eng.returncode)
    finally:
        for p in (sim, locals().get("eng")):
            if p is not None and p.poll() is None:
                p.kill()
                p.wait()

    rows = control_rows(decisions)
    kinds = [r.get("control") for r in rows]
    check(kinds == ["kill_switch_on", "set_trading_state", "cancel_all_orders", "reload_risk_limits", "kill_switch_off"],
          "each control is one audit row, in order (%s)" % kinds)
    check(len(rows) == 5 and rows[0]["kill_switch"] is True and rows[1]["trading_state"] == "REDUCING"
          and rows[4]["kill_switch"] is False, "  ... with the state each left")
    log = open(run_log).read()
    check(TOKEN not in log, "the token is in no log line")
    check("control API: kill switch ENGAGED" in log, "the run logs each accepted control")
    finish(work)


if __name__ == "__main__":
    main()
