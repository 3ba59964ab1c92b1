#!/usr/bin/env python3
"""Paper trading end to end: real `torghut run` processes against `torghut sim` over loopback.

1. Live trading is refused without both settings (and before any network traffic).
2. Paper trading through the simulator's trading API: market data in, decisions through risk,
   orders out over REST, fills back over trade_updates; the simulator holds the positions.
3. Faults while trading: lost responses, 5xx, 429 and a killed trade_updates stream. The engine
   reconnects and reconciles, and never places two orders for one client_order_id.
4. SIGKILL mid-run, then a restart: the new process reconciles (adopts the broker's positions)
   before it trades, and no client_order_id is ever POSTed twice.
5. The API key and secret never appear in any output.

Usage: paper_trading.py PATH/TO/torghut
"""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

from checks import check, finish, wait_for

SYMBOLS = "ALFA,BRVO,CHRL,DLTA"
KEY = "paper-e2e-key-ID0xKEY"
SECRET = "paper-e2e-secret-0xS3CR3T"


def http(method, url, body=None, auth=True):
    req = urllib.request.Request(url, method=method, data=None if body is None else json.dumps(body).encode())
    if auth:
        req.add_header("APCA-API-KEY-ID", KEY)
        req.add_header("APCA-API-SECRET-KEY", SECRET)
    if body is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            data = r.read()
            return r.status, json.loads(data) if data else None
    except urllib.error.HTTPError as e:
        data = e.read()
        return e.code, json.loads(data) if data else None


def sim_stats(base):
    return http("GET", base + "/_sim/stats", auth=False)[1]


def config_file(work):
    """Paper config trading through the simulator with a tick probe (an order per trade print,
    no warm-up) beside the bundled Bollinger strategy, and Alpaca's 200 orders a minute."""
    path = os.path.join(work, "e2e.toml")
    with open(path, "w") as f:
        f.write("""
allowed_symbols = [%s]
[trading]
broker = "alpaca"
request_timeout_ms = 500
[[strategies]]
id = 7
name = "probe"
kind = "tick_probe"
universe_symbols = ["ALFA", "BRVO"]
[[strategies]]
id = 2
name = "bollinger_reversion"
kind = "bollinger_reversion"
warmup_bars = 20
""" % ", ".join('"%s"' % s for s in SYMBOLS.split(",")))
    return path


def run_engine(exe, args, log, env, cwd):
    out = open(log, "w")
    return subprocess.Popen([exe, "run", *args], stdout=out, stderr=subprocess.STDOUT, env=env, cwd=cwd)


def main():
    exe = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix="torghut-paper-e2e-")
    env = dict(os.environ, APCA_API_KEY_ID=KEY, APCA_API_SECRET_KEY=SECRET)
    for k in ("DB_DSN", "TRADING_MODE", "TRADING_LIVE_ENABLED"):
        env.pop(k, None)
    logs = []

    # 1. Live trading refused without both settings, before any traffic.
    live_args = ["--broker", "alpaca", "--rest-url", "https://api.alpaca.markets",
                 "--stream-url", "wss://api.alpaca.markets/stream", "--feed", "ws://127.0.0.1:9/v2/iex",
                 "--symbols", "ALFA", "--duration", "1", "--decisions", ""]
    for extra, what in (({}, "no settings"), ({"TRADING_MODE": "live"}, "TRADING_MODE=live alone"),
                        ({"TRADING_LIVE_ENABLED": "true"}, "TRADING_LIVE_ENABLED=true alone")):
        r = subprocess.run([exe, "run", *live_args], capture_output=True, text=True, timeout=30,
                           env=dict(env, **extra), cwd=work)
        out = r.stdout + r.stderr
        logs.append(out)
        check(r.returncode == 2 and ("live trading refused" in out or "TRADING_LIVE_ENABLED" in out),
              "live API refused with %s (rc=%d)" % (what, r.returncode))
        check("authenticated" not in out and "dial" not in out.lower(), "  ... before any connection")

    sim_log = os.path.join(work, "sim.log")
    with open(sim_log, "w") as out:
        sim = subprocess.Popen([exe, "sim", "--listen", "127.0.0.1:0", "--source", "sample", "--pace", "rate",
                                "--rate", "4000", "--loop", "--stats-interval", "0", "--duration", "180",
                                # Three engines and this script share one key within a minute: a
                                # higher window keeps 429s to the one forced below.
                                "--rate-limit", "1000",
                                "--key", KEY, "--secret", SECRET],
                               stdout=out, stderr=subprocess.STDOUT, env=env, cwd=work)
    procs = [sim]
    try:
        m = wait_for(r"listening on (ws://127\.0\.0\.1:\d+)/v2/", sim_log, 20)
        t = wait_for(r"trading API on (http://127\.0\.0\.1:\d+) \(stream (ws://127\.0\.0\.1:\d+/stream)\)", sim_log, 5)
        check(m is not None and t is not None, "the simulator prints its market-data and trading URLs")
        if not (m and t):
            finish(work)  # exits 1: a failed check above says why
        feed, rest, stream = m.group(1) + "/v2/iex", t.group(1), t.group(2)
        cfg = config_file(work)
        common = ["--config", cfg, "--feed", feed, "--rest-url", rest, "--stream-url", stream,
                  "--lease-dir", os.path.join(work, "lease")]

        # 2 + 3. Paper trading, with faults injected while it runs.
        a_log = os.path.join(work, "a.log")
        a = run_engine(exe, [*common, "--duration", "45", "--decisions", os.path.join(work, "a.jsonl")], a_log, env, work)
        procs.append(a)
        check(wait_for(r"reconciled \(start-up\)", a_log, 20) is not None, "engine A reconciles before trading")
        check(wait_for(r"trading enabled", a_log, 5) is not None, "engine A enables trading after reconciliation")
        deadline = time.time() + 20
        while time.time() < deadline and sim_stats(rest).get("fills", 0) < 5:
            time.sleep(0.2)
        s0 = sim_stats(rest)
        check(s0.get("orders_accepted", 0) >= 5 and s0.get("fills", 0) >= 5,
              "orders reach the simulator over REST and fill (%s accepted, %s fills)" %
              (s0.get("orders_accepted"), s0.get("fills")))
        # Faults: a lost response, 5xx, a killed stream, then 429 (whose X-Ratelimit-Reset can be up
        # to a minute away: the engine pauses every request until then, so it comes last).
        # Each fault stays on until it has hit at least once (a slow sanitizer build sends few
        # requests a second, so a fixed window could pass without one).
        def until_counted(counter, timeout=30):
            deadline = time.time() + timeout
            while time.time() < deadline and sim_stats(rest).get(counter, 0) < 1:
                time.sleep(0.1)
            time.sleep(1)  # let the engine work through the fault before the next one
        http("POST", rest + "/_sim/faults", {"drop_responses": 1}, auth=False)
        until_counted("dropped_responses")
        http("POST", rest + "/_sim/faults", {"error_rate": 0.3, "error_status": 503}, auth=False)
        until_counted("injected_5xx")
        http("POST", rest + "/_sim/faults", {"error_rate": 0.0}, auth=False)
        http("POST", rest + "/_sim/faults", {"kill_streams": True}, auth=False)
        check(wait_for(r"back after a reconnect", a_log, 20) is not None,
              "engine A reconnects trade_updates after the stream is killed")
        check(wait_for(r"reconciled \(after reconnect\)", a_log, 15) is not None,
              "engine A reconciles after the reconnect")
        http("POST", rest + "/_sim/faults", {"rate_limit": 1}, auth=False)
        deadline = time.time() + 15
        while time.time() < deadline and sim_stats(rest).get("rate_limited", 0) < 1:
            time.sleep(0.1)
        rc = a.wait(timeout=90)
        a_out = open(a_log, errors="replace").read()
        logs.append(a_out)
        check(rc == 0, "engine A exits 0 (rc=%d)" % rc)
        s1 = sim_stats(rest)
        check(s1.get("dropped_responses", 0) >= 1, "the simulator dropped a response")
        check(s1.get("injected_5xx", 0) >= 1, "the simulator answered 5xx")
        check(s1.get("rate_limited", 0) >= 1, "the simulator answered 429")
        m_sum = re.search(r"orders (\d+), fills (\d+); P&L realized (\S+), unrealized (\S+)", a_out)
        check(m_sum is not None and int(m_sum.group(1)) > 0 and int(m_sum.group(2)) > 0,
              "engine A's summary shows orders and fills (%s)" % (m_sum.group(0) if m_sum else "none"))
        code, positions = http("GET", rest + "/v2/positions")
        check(code == 200 and isinstance(positions, list), "the simulator reports positions")
        posts = s1.get("posts_by_client_order_id", {})
        check(len(posts) > 0, "the simulator counted POSTs per client_order_id (%d ids)" % len(posts))
        # A 5xx is answered without the order being placed, so its id may be POSTed again after the
        # engine asked by client_order_id and heard 404; the dropped response's id never is.
        code, orders = http("GET", rest + "/v2/orders?status=all&limit=500")
        per_coid = {}
        for o in orders or []:
            per_coid[o["client_order_id"]] = per_coid.get(o["client_order_id"], 0) + 1
        check(code == 200 and all(v == 1 for v in per_coid.values()),
              "no client_order_id holds two orders at the simulator (%d orders)" % len(per_coid))
        check(s1.get("duplicate_coid", 0) == 0, "the simulator never saw a duplicate client_order_id (422)")
        # The audit trail names the broker's order id, and no order left late: the 429 pause (until
        # X-Ratelimit-Reset) held the probe's orders past trading.max_order_age_ms, so they were
        # canceled here as ORDER_STALE and never POSTed.
        rows = []
        with open(os.path.join(work, "a.jsonl")) as f:
            for line in f:
                rows.append(json.loads(line))
        execs = [r for r in rows if r.get("kind") == "execution"]
        filled = [r for r in execs if r.get("status") == "filled"]
        check(filled and all(r.get("alpaca_order_id") for r in filled),
              "every filled execution row carries the broker's order id (%d filled)" % len(filled))
        stale = {r["client_order_id"] for r in execs if r.get("reason") == "ORDER_STALE"}
        check(all(r.get("status") == "canceled" for r in execs if r.get("reason") == "ORDER_STALE"),
              "ORDER_STALE orders are canceled")
        pause = re.search(r"HTTP 429: every request waits (\d+) ms", a_out)
        if pause and int(pause.group(1)) >= 1500:  # the reset lands anywhere in the sim's minute
            check(len(stale) > 0, "orders held back by the %s ms 429 pause were canceled as ORDER_STALE (%d)"
                  % (pause.group(1), len(stale)))
            check("canceled unsent" in a_out, "engine A says why it canceled them")
        else:
            check(pause is not None, "engine A logs its 429 pause (%s ms: too short to expect stale orders)"
                  % (pause.group(1) if pause else "none"))
        # (the one that met the 429 was POSTed once and refused; none was placed)
        check(not (stale & set(per_coid)) and all(posts.get(c, 0) <= 1 for c in stale),
              "no ORDER_STALE order was placed at the simulator (%d of them there)" % len(stale & set(per_coid)))

        # 4. SIGKILL mid-run, then restart.
        b_log = os.path.join(work, "b.log")
        before = sim_stats(rest).get("orders_posted", 0)
        b = run_engine(exe, [*common, "--duration", "60", "--decisions", ""], b_log, env, work)
        procs.append(b)
        check(wait_for(r"trading enabled", b_log, 20) is not None, "engine B starts trading")
        deadline = time.time() + 20
        while time.time() < deadline and sim_stats(rest).get("orders_posted", 0) < before + 5:
            time.sleep(0.05)
        b.send_signal(signal.SIGKILL)
        b.wait(timeout=10)
        logs.append(open(b_log, errors="replace").read())
        check(b.returncode == -signal.SIGKILL, "engine B was killed with SIGKILL")
        code, held = http("GET", rest + "/v2/positions")
        c_log = os.path.join(work, "c.log")
        c = run_engine(exe, [*common, "--duration", "10", "--decisions", ""], c_log, env, work)
        procs.append(c)
        m_rec = wait_for(r"reconciled \(start-up\): (\d+) open orders at the broker, (\d+) adopted, "
                         r"\d+ advanced, \d+ never reached it, (\d+) positions adjusted", c_log, 20)
        check(m_rec is not None, "the restarted engine reconciles at start-up")
        if m_rec and held:
            check(int(m_rec.group(3)) >= 1, "  ... and takes over the broker's positions (%s)" % m_rec.group(3))
        rc = c.wait(timeout=60)
        logs.append(open(c_log, errors="replace").read())
        check(rc == 0, "the restarted engine exits 0 (rc=%d)" % rc)
        s2 = sim_stats(rest)
        posts = s2.get("posts_by_client_order_id", {})
        s1_posts = s1.get("posts_by_client_order_id", {})
        after_faults = {k: v for k, v in posts.items() if k not in s1_posts and v > 1}
        check(not after_faults, "after the faults, every client_order_id was POSTed exactly once "
              "(%d ids, %d repeated)" % (len(posts), len(after_faults)))
        code, orders = http("GET", rest + "/v2/orders?status=all&limit=500")
        per_coid = {}
        for o in orders or []:
            per_coid[o["client_order_id"]] = per_coid.get(o["client_order_id"], 0) + 1
        check(all(v == 1 for v in per_coid.values()), "no duplicate order after the restart")
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        logs.append(open(sim_log, errors="replace").read())
        leaked = [i for i, text in enumerate(logs) if SECRET in text]
        check(not leaked, "the API secret appears in no output")
        key_leaks = [i for i, text in enumerate(logs) if KEY in text]
        check(not key_leaks, "the API key id appears in no output")
    finish(work)


if __name__ == "__main__":
    main()
