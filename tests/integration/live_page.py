#!/usr/bin/env python3
"""The live page (issue 13): `GET /` of a running `torghut run` against `torghut sim`, driven in
headless Chromium by tests/browser/live_page.js:

- GET / is the page (text/html), byte for byte engine/app/web/index.html;
- in the browser it loads without console errors or warnings and without page errors (the only
  console lines tolerated are Chromium's own network log of the 401 the test provokes with a wrong
  token, and of /trading/health's 503 before the engine is ready: live_page.js lists them apart);
- it shows the feed live, the engine's positions (the same symbols as GET /trading/positions) and a
  decision the test caused (tick_probe: one order per trade print of the test's symbols);
- a wrong token is refused (401 shown, nothing changed); with the right token the page's kill switch
  button halts trading, checked through the API: /trading/status has kill_switch true and not
  enabled, the order counter stops growing, /metrics counts exactly one refused control, and the
  audit trail has exactly one control row, kill_switch_on; the token is in no log line;
- a full-page screenshot is kept in out/live_page.png.

Usage: live_page.py PATH/TO/torghut
Needs node (>= 18), npm and Chromium (CHROMIUM, default /usr/bin/chromium; Debian's `chromium`, see
scripts/install-deps.sh). Without them it skips (exit 77) unless TORGHUT_REQUIRE_BROWSER=1, when
their absence fails. Runs `npm ci` in tests/browser when node_modules is missing or older than
package-lock.json.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from checks import check, finish, start_sim, sim_ws_base, wait_for

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BROWSER_DIR = os.path.join(ROOT, "tests", "browser")
PAGE = os.path.join(ROOT, "engine", "app", "web", "index.html")
SHOT = os.path.join(ROOT, "out", "live_page.png")
TOKEN = "live-page-test-token-41c9e2"
KEY, SECRET = "live-page-key", "live-page-secret"
SYMBOLS = ["ALFA", "BRVO", "CHRL", "DLTA"]
SKIP = 77


def http(base, path):
    """(status, headers, body bytes) of a GET; never raises on an HTTP error status."""
    try:
        with urllib.request.urlopen(base + path, timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()
    except OSError:
        return 0, {}, b""


def get_json(base, path):
    code, _, body = http(base, path)
    try:
        return code, json.loads(body)
    except ValueError:
        return code, None


def metric(text, name):
    m = re.search(r"^%s (\S+)$" % re.escape(name), text, re.M)
    return float(m.group(1)) if m else None


def browser_tools():
    """(node, chromium) or exits: 77 (skipped) when one is missing, 1 when TORGHUT_REQUIRE_BROWSER=1."""
    node = shutil.which("node")
    npm = shutil.which("npm")
    chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    missing = []
    if not node or not npm:
        missing.append("node and npm (Debian: apt-get install nodejs npm)")
    if not (os.path.isfile(chromium) and os.access(chromium, os.X_OK)):
        missing.append("Chromium at %s (Debian: apt-get install chromium; or set CHROMIUM)" % chromium)
    if missing:
        if os.environ.get("TORGHUT_REQUIRE_BROWSER") == "1":
            check(False, "the browser test's tools are installed (TORGHUT_REQUIRE_BROWSER=1): missing " + "; ".join(missing))
            finish(tempfile.gettempdir())
        print("skip: the live page test needs " + "; ".join(missing) + " (TORGHUT_REQUIRE_BROWSER=1 makes this a failure)")
        sys.exit(SKIP)
    return node, chromium


def npm_ci():
    """npm ci in tests/browser unless node_modules already matches package-lock.json."""
    stamp = os.path.join(BROWSER_DIR, "node_modules", ".package-lock.json")
    lock = os.path.join(BROWSER_DIR, "package-lock.json")
    if os.path.exists(stamp) and os.path.getmtime(stamp) >= os.path.getmtime(lock):
        return True
    print("npm ci in tests/browser", flush=True)
    r = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"],
                       cwd=BROWSER_DIR, capture_output=True, text=True, timeout=600)
    check(r.returncode == 0, "npm ci in tests/browser%s" % ("" if r.returncode == 0 else ":\n" + r.stdout + r.stderr))
    return r.returncode == 0


def main():
    exe = os.path.abspath(sys.argv[1])
    node, chromium = browser_tools()
    work = tempfile.mkdtemp(prefix="torghut-live-page-")
    if not npm_ci():
        finish(work)
    env = dict(os.environ, APCA_API_KEY_ID=KEY, APCA_API_SECRET_KEY=SECRET)
    for k in ("DB_DSN", "TRADING_MODE", "TRADING_LIVE_ENABLED", "TORGHUT_CONTROL_TOKEN"):
        env.pop(k, None)

    # A live run with tick_probe alone: one order per trade print, so positions, decisions and fills exist.
    text = open(os.path.join(ROOT, "config", "paper.toml")).read()
    cfg = os.path.join(work, "probe.toml")
    with open(cfg, "w") as f:
        f.write(text[:text.index("[[strategies]]")] + '[[strategies]]\nid = 1\nname = "tick_probe"\nkind = "tick_probe"\n')
    sim, sim_log = start_sim(exe, work, env, "--rate", "500", "--duration", "300", "--no-trading")
    decisions = os.path.join(work, "decisions.jsonl")
    run_log = os.path.join(work, "run.log")
    eng = None
    try:
        feed = sim_ws_base(sim_log, work) + "/v2/iex"
        with open(run_log, "w") as lf:
            eng = subprocess.Popen([exe, "run", "--config", cfg, "--feed", feed, "--symbols", ",".join(SYMBOLS),
                                    "--lease-dir", os.path.join(work, "lease"), "--decisions", decisions,
                                    "--duration", "300", "--control-listen", "127.0.0.1:0"],
                                   stdout=lf, stderr=subprocess.STDOUT, env=dict(env, TORGHUT_CONTROL_TOKEN=TOKEN),
                                   cwd=work)
        m = wait_for(r"control API on (http://127\.0\.0\.1:\d+)", run_log, 20)
        check(m is not None, "the run prints the control API's URL")
        if not m:
            finish(work)
        base = m.group(1)

        # The page itself.
        code, headers, body = http(base, "/")
        ctype = headers.get("Content-Type", "")
        check(code == 200 and ctype.startswith("text/html"), "GET / is 200 text/html (%d %s)" % (code, ctype))
        with open(PAGE, "rb") as f:
            check(body == f.read(), "  ... byte for byte engine/app/web/index.html (%d bytes)" % len(body))
        print("      (Content-Security-Policy: %s)" % headers.get("Content-Security-Policy", "none sent"))

        # The engine's state before the browser: feed live, positions, decisions, kill switch off.
        deadline, st = time.time() + 20, {}
        while time.time() < deadline:
            _, st = get_json(base, "/trading/status")
            st = st or {}
            if st.get("feed", {}).get("state") == "live" and st.get("counters", {}).get("fills", 0) > 0:
                break
            time.sleep(0.2)
        check(st.get("feed", {}).get("state") == "live", "the feed is live (%s)" % st.get("feed", {}).get("state"))
        check(st.get("kill_switch") is False and st.get("counters", {}).get("orders", 0) > 0,
              "  ... orders flow (%s) and the kill switch is off" % st.get("counters", {}).get("orders"))
        deadline, code, pos = time.time() + 20, 0, None
        while time.time() < deadline:
            code, pos = get_json(base, "/trading/positions")
            if code == 200 and pos and pos.get("positions"):
                break
            time.sleep(0.2)
        check(code == 200 and bool(pos and pos.get("positions")),
              "GET /trading/positions has positions (%d%s)" % (code, ": is the endpoint merged?" if code == 404 else ""))

        # The browser.
        os.makedirs(os.path.dirname(SHOT), exist_ok=True)
        if os.path.exists(SHOT):
            os.remove(SHOT)
        p = subprocess.run([node, os.path.join(BROWSER_DIR, "live_page.js"), base, TOKEN, SHOT], cwd=BROWSER_DIR,
                           capture_output=True, text=True, timeout=240, env=dict(os.environ, CHROMIUM=chromium))
        lines = [l for l in p.stdout.splitlines() if l.startswith("{")]
        seen = json.loads(lines[-1]) if lines else {}
        check(p.returncode == 0 and seen and not seen.get("failure"),
              "live_page.js drives the page to the end (rc=%d%s)"
              % (p.returncode, (": " + str(seen.get("failure") or p.stderr.strip()[-800:])) if p.returncode else ""))
        print("      (the page showed: %s)" % json.dumps({k: seen.get(k) for k in (
            "mode", "feed_state", "positions", "positions_final", "decisions", "first_decision", "kill_switch_before",
            "wrong_token_result", "control_result", "latency", "expected_console")}))
        check(seen.get("console_errors") == [] and seen.get("page_errors") == [],
              "  ... no console error or warning and no page error (%s %s)"
              % (seen.get("console_errors"), seen.get("page_errors")))
        check(seen.get("failed_requests") == [], "  ... no request failed (%s)" % seen.get("failed_requests"))
        check(seen.get("feed_state") == "live" and seen.get("mode") == "PAPER", "  ... the feed live, PAPER mode")
        fd = seen.get("first_decision") or []
        check(seen.get("decisions", 0) >= 1 and len(fd) > 2 and fd[1] in SYMBOLS and fd[2] in ("buy", "sell"),
              "  ... a decision the test caused (%d rows; newest %s)" % (seen.get("decisions", 0), fd))
        check(bool(seen.get("positions")) and set(seen["positions"]) <= set(SYMBOLS),
              "  ... the engine's positions (%s)" % seen.get("positions"))
        check("401" in (seen.get("wrong_token_result") or ""),
              "  ... a wrong token: the 401 shown (%r)" % seen.get("wrong_token_result"))
        check(seen.get("kill_switch_shown") is True, "  ... the kill switch shown ENGAGED after the click (%r)"
              % seen.get("control_result"))

        # Through the API: the click halted trading.
        _, st = get_json(base, "/trading/status")
        st = st or {}
        check(st.get("kill_switch") is True and st.get("enabled") is False,
              "/trading/status after the click: kill switch on, not enabled (%s, %s)"
              % (st.get("kill_switch"), st.get("enabled")))
        orders0 = st.get("counters", {}).get("orders")
        events0 = st.get("counters", {}).get("market_events", 0)
        _, pos = get_json(base, "/trading/positions")
        api_symbols = sorted(row.get("symbol") for row in (pos or {}).get("positions", []))
        check(sorted(seen.get("positions_final") or []) == api_symbols,
              "  ... the page's positions (after the halt) are the API's: %s vs %s"
              % (sorted(seen.get("positions_final") or []), api_symbols))
        time.sleep(2.0)
        _, st = get_json(base, "/trading/status")
        st = st or {}
        c = st.get("counters", {})
        check(c.get("orders") == orders0 and c.get("market_events", 0) > events0 and c.get("rejections", 0) > 0,
              "  ... no order leaves while the market goes on (orders stay at %s; market events %s -> %s; "
              "risk vetoes %s)" % (orders0, events0, c.get("market_events"), c.get("rejections")))
        _, _, metrics = http(base, "/metrics")
        metrics = metrics.decode(errors="replace")
        check(metric(metrics, "torghut_kill_switch") == 1, "  ... /metrics: torghut_kill_switch 1")
        check(metric(metrics, "torghut_control_unauthorized_total") == 1,
              "  ... /metrics: the wrong token was the one refused control (%s)"
              % metric(metrics, "torghut_control_unauthorized_total"))

        with open(SHOT, "rb") as f:
            head = f.read(8)
        check(head == b"\x89PNG\r\n\x1a\n" and os.path.getsize(SHOT) > 20000,
              "the screenshot is kept: %s (%d bytes)" % (os.path.relpath(SHOT, ROOT), os.path.getsize(SHOT)))

        eng.send_signal(signal.SIGTERM)  # the orderly stop: every audit row written
        eng.wait(timeout=120)
        check(eng.returncode == 0, "the run ends cleanly on SIGTERM (rc=%s)" % eng.returncode)
    finally:
        for proc in (sim, eng):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()

    rows = []
    if os.path.exists(decisions):
        with open(decisions) as f:
            rows = [json.loads(l) for l in f if '"kind":"control"' in l]
    check([r.get("control") for r in rows] == ["kill_switch_on"],
          "the audit trail has one control row, the page's kill_switch_on (%s)" % [r.get("control") for r in rows])
    log = open(run_log).read()
    check(TOKEN not in log, "the token is in no log line")
    finish(work)


if __name__ == "__main__":
    main()
