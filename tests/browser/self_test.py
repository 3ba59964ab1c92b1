#!/usr/bin/env python3
"""Self-test of the live page and of live_page.js, without the engine: runs live_page.js against
tests/browser/mock_api.py, once healthy (it must pass and see what the mock serves) and once per
fault switch of the mock (each must fail, for the reason that fault causes). Needs node, npm ci done
in tests/browser (or run here), and Chromium (CHROMIUM, default /usr/bin/chromium).

usage: tests/browser/self_test.py [--only NAME] [--out DIR]   (screenshots of the healthy runs go to DIR,
       default out/)
"""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
TOKEN = "self-test-token-5b1e"

# (name, mock arguments, expected exit, text the failure must contain / a check of the report)
CASES = [
    ("healthy", ["--warmup", "3"], 0, None),
    ("healthy-postgres-rows", ["--decisions-source", "postgres"], 0, None),
    ("no-positions", ["--fault", "no-positions"], 1, "waiting for a position row"),
    ("no-decisions", ["--fault", "no-decisions"], 1, "waiting for a decision row"),
    ("feed-down", ["--fault", "feed-down"], 1, "waiting for the feed shown live"),
    ("kill-ignored", ["--fault", "kill-ignored"], 1, "waiting for the kill switch shown ENGAGED"),
    ("reject-token", ["--fault", "reject-token"], 1, "waiting for the kill switch shown ENGAGED"),
    ("console-error", ["--fault", "console-error"], 1, "console error"),
    ("page-error", ["--fault", "page-error"], 1, "page error"),
    ("external-script", ["--fault", "external-script"], 1, "console error"),
]


def run(name, mock_args, out_dir):
    mock = subprocess.Popen([sys.executable, os.path.join(HERE, "mock_api.py"), "--token", TOKEN, *mock_args],
                            stdout=subprocess.PIPE, text=True)
    try:
        line = mock.stdout.readline()
        if not line.startswith("mock API on "):
            return None, "the mock did not start: %r" % line
        url = line.split()[-1]
        shot = os.path.join(out_dir, "live_page_mock_%s.png" % name)
        env = dict(os.environ, LIVE_PAGE_TIMEOUT=os.environ.get("LIVE_PAGE_TIMEOUT", "12"))
        p = subprocess.run(["node", os.path.join(HERE, "live_page.js"), url, TOKEN, shot], capture_output=True,
                           text=True, timeout=180, env=env, cwd=HERE)
        lines = [l for l in p.stdout.splitlines() if l.startswith("{")]
        report = json.loads(lines[-1]) if lines else None
        return (p.returncode, report, shot), p.stderr
    finally:
        mock.terminate()
        mock.wait(timeout=10)


def healthy_checks(report, shot):
    """What a passing run must have seen; each returns a failure text or None."""
    out = []
    if report.get("positions") != ["ALFA", "BRVO", "CHRL", "DLTA"]:
        out.append("positions %s, not the mock's four" % report.get("positions"))
    if report.get("positions_final") != report.get("positions"):
        out.append("positions changed: %s then %s" % (report.get("positions"), report.get("positions_final")))
    if not report.get("decisions"):
        out.append("no decision rows")
    fd = report.get("first_decision") or []
    if len(fd) < 5 or fd[1] not in ("ALFA", "BRVO", "CHRL", "DLTA") or fd[2] not in ("buy", "sell") or fd[4] != "1":
        out.append("the first decision row is not a mock decision: %s" % fd)
    if report.get("mode") != "PAPER":
        out.append("mode %r" % report.get("mode"))
    if not report.get("kill_switch_shown") or "ok" not in (report.get("control_result") or ""):
        out.append("kill switch not shown engaged by an accepted control (%r)" % report.get("control_result"))
    if "401" not in (report.get("wrong_token_result") or "") or "missing or wrong bearer token" not in report.get("wrong_token_result", ""):
        out.append("the wrong token's refusal not shown with the server's error text (%r)" % report.get("wrong_token_result"))
    lat = report.get("latency") or {}
    if lat.get("empty") or not lat.get("bars") or not (lat.get("count") or "").replace(",", "").isdigit() \
            or not (lat.get("p99") or "").startswith("\u2248"):
        out.append("latency histogram not drawn: %s" % lat)
    if report.get("console_errors") or report.get("page_errors") or report.get("failed_requests"):
        out.append("errors: %s %s %s" % (report["console_errors"], report["page_errors"], report["failed_requests"]))
    with open(shot, "rb") as f:
        if f.read(8) != b"\x89PNG\r\n\x1a\n" or os.path.getsize(shot) < 20000:
            out.append("the screenshot is not a plausible PNG")
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only")
    ap.add_argument("--out", default=os.path.join(ROOT, "out"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    failed = 0
    for name, mock_args, want_rc, want_text in CASES:
        if args.only and name != args.only:
            continue
        t0 = time.time()
        res, err = run(name, mock_args, args.out)
        problems = []
        if res is None:
            problems.append(err)
        else:
            rc, report, shot = res
            if report is None:
                problems.append("live_page.js printed no JSON report (rc %s): %s" % (rc, err.strip()[-500:]))
            elif rc != want_rc:
                problems.append("exit %s, expected %s: %s" % (rc, want_rc, report.get("failure")))
            elif want_rc == 0:
                problems += healthy_checks(report, shot)
                if name == "healthy" and not any(e["why"].startswith("health") for e in report["expected_console"]):
                    problems.append("the page never saw /trading/health's 503 during the warm-up")
            elif want_text not in (report.get("failure") or ""):
                problems.append("failed for another reason: %s" % report.get("failure"))
            if want_rc != 0 and os.path.exists(shot):
                os.remove(shot)
        print("%s %-22s %5.1f s  %s" % ("FAIL" if problems else "ok  ", name, time.time() - t0,
                                       "; ".join(problems) if problems else
                                       ("passes" if want_rc == 0 else "fails as it must: " + (report.get("failure") or "")[:110])),
              flush=True)
        failed += bool(problems)
    print("self-test: %s" % ("%d case(s) FAILED" % failed if failed else "all cases as expected"))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
