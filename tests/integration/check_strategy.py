#!/usr/bin/env python3
"""`torghut check-strategy` over the bundled recording, through the real binary.

- every built-in strategy (the list the binary itself gives) passes: exit 0, no heap allocation
  after warm-up, deterministic over two runs, a timed row for each of its market callbacks, and a
  JSON report with the same facts; tick_probe and bollinger_reversion decide (decisions > 0);
- the timing wrapper changes nothing the strategy decides: tick_probe's decision hashes are those
  `torghut replay` writes with the same single strategy configured;
- an unknown kind, a bad parameter value (reported with its key), an unknown parameter and a
  shared library (not loadable by this build yet) are refused with a clear message, exit 2.

Usage: check_strategy.py PATH/TO/torghut
"""
import json
import os
import re
import subprocess
import sys
import tempfile

from checks import check, finish

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SAMPLE = os.path.join(ROOT, "data", "sample.rec")
BOUND = 300
DECIDES = {"tick_probe", "bollinger_reversion"}


def run(exe, *args):
    env = dict(os.environ)
    env.pop("DB_DSN", None)
    r = subprocess.run([exe, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=BOUND)
    return r.returncode, r.stdout, r.stderr


def builtin_kinds(exe):
    """The built-in kinds, as the binary lists them when asked for one that does not exist."""
    code, out, err = run(exe, "check-strategy", "no_such_strategy", "--recording", SAMPLE)
    check(code == 2, "an unknown kind exits 2 (%s)" % code)
    check("unknown strategy 'no_such_strategy'" in err, "an unknown kind is named in the error: " + err.strip())
    m = re.search(r"built in: ([a-z0-9_, ]+);", err)
    check(m is not None, "the error lists the built-in kinds")
    return [k.strip() for k in m.group(1).split(",")] if m else ["macd_rsi", "bollinger_reversion", "tick_probe"]


def check_kind(exe, work, kind):
    js = os.path.join(work, kind + ".json")
    code, out, err = run(exe, "check-strategy", kind, "--recording", SAMPLE, "--json", js)
    print(out, end="")
    check(code == 0, "%s: exit 0 (%s) %s" % (kind, code, err.strip()[-400:]))
    check("allocations after warm-up: 0 " in out, kind + ": allocations after warm-up: 0")
    check("deterministic: yes" in out, kind + ": deterministic: yes")
    check("stopped by the host: no" in out, kind + ": not stopped by the host")
    check("result: OK" in out, kind + ": result OK")
    m = re.search(r"^decisions: (\d+) ", out, re.M)
    decisions = int(m.group(1)) if m else -1
    check(m is not None, kind + ": the report counts decisions")
    if kind in DECIDES:
        check(decisions > 0, "%s: decides over the sample (%d decisions)" % (kind, decisions))
    rows = re.findall(r"^  (on_(?:bar|trade|quote)) +(\d+) +(\d+) +(\d+) +(\d+) +(\d+) +(\d+)$", out, re.M)
    check(len(rows) > 0, kind + ": a timed row for its market callbacks")
    for name, calls, measured, p50, p99, mx, allocs in rows:
        check(int(measured) > 0 and 0 < int(p50) <= int(p99) <= int(mx),
              "%s %s: measured %s calls, p50 %s <= p99 %s <= max %s ns" % (kind, name, measured, p50, p99, mx))
    try:
        j = json.load(open(js))
    except (OSError, ValueError) as e:
        check(False, "%s: --json writes a JSON report (%s)" % (kind, e))
        return None
    check(j.get("ok") is True and j.get("allocations_after_warmup") == 0 and j.get("deterministic") is True
          and j.get("decisions") == decisions and len(j.get("decision_hashes", [])) == decisions,
          kind + ": the JSON report has the same facts")
    return j


def check_identity_with_replay(exe, work, report):
    """tick_probe alone in a replay: the same decision hashes as check-strategy's."""
    text = open(os.path.join(ROOT, "config", "paper.toml")).read()
    cfg = os.path.join(work, "tick_probe.toml")
    with open(cfg, "w") as f:
        f.write(text[:text.index("[[strategies]]")] + '[[strategies]]\nid = 1\nname = "tick_probe"\nkind = "tick_probe"\n')
    log = os.path.join(work, "tick_probe.jsonl")
    code, out, err = run(exe, "replay", SAMPLE, "--config", cfg, "--decisions", log, "--quiet", "--no-progress")
    check(code == 0, "replay of tick_probe alone exits 0 (%s)" % code)
    replayed = [json.loads(l)["decision_hash"] for l in open(log) if '"kind":"decision"' in l] if code == 0 else []
    check(report is not None and replayed == report["decision_hashes"],
          "tick_probe: check-strategy's decision hashes are the replay's (%d vs %d)"
          % (len(report["decision_hashes"]) if report else -1, len(replayed)))


def check_refusals(exe):
    code, out, err = run(exe, "check-strategy", "bollinger_reversion", "--recording", SAMPLE,
                         "--param", "bollinger_k=-1")
    check(code == 2, "a bad --param exits 2 (%s)" % code)
    check("--param bollinger_k: must be in (0, " in err, "a bad --param is reported with its key: " + err.strip())
    code, out, err = run(exe, "check-strategy", "macd_rsi", "--recording", SAMPLE, "--param", "rsi_buy_above=10",
                         "--param", "warmup_bars=soon")
    check(code == 2 and "--param rsi_buy_above: not a parameter of this strategy" in err
          and "--param warmup_bars: must be a non-negative integer" in err,
          "an unknown parameter and a bad common key are both reported, with their keys: " + err.strip())
    code, out, err = run(exe, "check-strategy", "./libmissing_strategy.so", "--recording", SAMPLE)
    check(code == 2 and "libmissing_strategy.so" in err, "a shared library path is refused by name: " + err.strip())


def main():
    exe = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix="torghut-check-strategy-")
    kinds = builtin_kinds(exe)
    check(DECIDES.issubset(kinds) and "macd_rsi" in kinds, "the built-ins include macd_rsi, bollinger_reversion, tick_probe")
    reports = {k: check_kind(exe, work, k) for k in kinds}
    check_identity_with_replay(exe, work, reports.get("tick_probe"))
    check_refusals(exe)
    finish(work)


if __name__ == "__main__":
    main()
