#!/usr/bin/env python3
"""`--signals FILE`: every closed bar's indicator snapshot, through the real `torghut` binary.

- `torghut replay data/sample.rec --signals F`, twice: the header is exactly the `ta_signals`
  columns; one row per closed bar (as many rows as the summary's "closed bars" count, which is
  the strategy actor's own count, and as market data's microbars); every row has 28 fields, the
  fixed columns as documented (is_final 1, source torghut, PT1S windows, window_end = start + 1 s,
  version 1), `seq` counts 1, 2, 3 ... per symbol, and an indicator is empty until it is ready;
  both runs give the same bytes;
- adding `--signals` leaves the decision log byte-identical;
- an unwritable path stops `replay` and `run` with exit code 2 and a message naming it, `run`
  before anything is dialled;
- `torghut run --signals F` against `torghut sim` writes the header and rows and says how many.

Usage: signals_file.py PATH/TO/torghut   (needs no Postgres)
"""
import csv
import hashlib
import os
import re
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta

from checks import check, finish, free_port, sim_ws_base, start_sim

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SAMPLE = os.path.join(ROOT, "data", "sample.rec")
COLUMNS = ("symbol,event_ts,seq,ingest_ts,is_final,source,window_size,window_step,window_start,window_end,"
           "version,macd,macd_signal,macd_hist,ema12,ema26,rsi14,boll_mid,boll_upper,boll_lower,"
           "vwap_session,vwap_w5m,imbalance_spread,imbalance_bid_px,imbalance_ask_px,imbalance_bid_sz,"
           "imbalance_ask_sz,vol_realized_w60s").split(",")
TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def run(exe, args, env, cwd, timeout=300):
    r = subprocess.run([exe, *args], capture_output=True, text=True, timeout=timeout, env=env, cwd=cwd)
    return r.returncode, r.stdout + r.stderr


def md5(path):
    with open(path, "rb") as f:
        return hashlib.md5(f.read()).hexdigest()


def parse_ts(s):
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ")


def check_rows(path, bars):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    check(rows and rows[0] == COLUMNS, "the header is exactly the ta_signals columns")
    body = rows[1:]
    check(len(body) == bars, "one row per closed bar: %d rows, %d closed bars" % (len(body), bars))
    check(all(len(r) == len(COLUMNS) for r in body), "every row has %d fields" % len(COLUMNS))
    col = {c: i for i, c in enumerate(COLUMNS)}
    fixed_ok = all(r[col["is_final"]] == "1" and r[col["source"]] == "torghut" and r[col["window_size"]] == "PT1S"
                   and r[col["window_step"]] == "PT1S" and r[col["version"]] == "1"
                   and r[col["window_start"]] == r[col["event_ts"]] for r in body)
    check(fixed_ok, "is_final 1, source torghut, PT1S windows, version 1, window_start = event_ts")
    ts_ok = all(TS.match(r[col[c]]) for r in body for c in ("event_ts", "ingest_ts", "window_start", "window_end"))
    check(ts_ok, "timestamps are RFC 3339 UTC with milliseconds")
    end_ok = all(parse_ts(r[col["window_end"]]) - parse_ts(r[col["event_ts"]]) == timedelta(seconds=1) for r in body)
    check(end_ok, "window_end is the bar start + 1 s")
    ingest_ok = all(parse_ts(r[col["ingest_ts"]]) >= parse_ts(r[col["window_end"]]) for r in body)
    check(ingest_ok, "ingest_ts (the frame that closed the bar) is never before the bar's end")
    seqs, seq_ok, first = {}, True, {}
    for r in body:
        n = seqs.get(r[0], 0) + 1
        seq_ok &= r[col["seq"]] == str(n)
        seqs[r[0]] = n
        first.setdefault(r[0], r)
    check(seq_ok, "seq counts 1, 2, 3 ... per symbol (%d symbols)" % len(seqs))
    check(all(r[col["macd_signal"]] == "" and r[col["vol_realized_w60s"]] == "" for r in first.values()),
          "an indicator that is not ready yet (a symbol's first bar: MACD signal, 60 s volatility) is empty")
    later = [r for r in body if r[col["rsi14"]] != ""]
    check(later and all(float(r[col["rsi14"]]) >= 0 for r in later), "ready values are numbers")
    sizes_ok = all(r[col[c]] == "" or r[col[c]].isdigit() for r in body
                   for c in ("imbalance_bid_sz", "imbalance_ask_sz"))
    check(sizes_ok, "quote sizes are whole numbers")
    return len(body)


def main():
    exe = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix="torghut-signals-file-")
    env = dict(os.environ, APCA_API_KEY_ID="signals-file-key", APCA_API_SECRET_KEY="signals-file-secret")
    for k in ("DB_DSN", "TRADING_MODE", "TRADING_LIVE_ENABLED"):
        env.pop(k, None)

    # 1. A replay without and with --signals (twice).
    d0, d1, d2 = (os.path.join(work, "d%d.jsonl" % i) for i in range(3))
    s1, s2 = os.path.join(work, "s1.csv"), os.path.join(work, "out", "s2.csv")  # a missing folder is made
    rc, plain = run(exe, ["replay", SAMPLE, "--decisions", d0, "--no-progress"], env, work)
    check(rc == 0, "replay without --signals (rc=%s)" % rc)
    check("signals:" not in plain, "  ... says nothing about signals")
    outs = []
    for d, s in ((d1, s1), (d2, s2)):
        rc, out = run(exe, ["replay", SAMPLE, "--decisions", d, "--signals", s, "--no-progress"], env, work)
        check(rc == 0, "replay --signals %s (rc=%s)%s" % (os.path.relpath(s, work), rc, "" if rc == 0 else "\n" + out))
        outs.append(out)
    m = re.search(r"signals: (\d+) rows written to (\S+) \(closed bars (\d+)\)", outs[0])
    check(m is not None, "the summary says how many rows were written, and how many bars closed")
    if not m:
        print(outs[0])
        finish(work)
    rows, bars = int(m.group(1)), int(m.group(3))
    micro = re.search(r"market data: (\d+) microbars", outs[0])
    check(micro is not None and int(micro.group(1)) == bars,
          "  ... the strategy's closed bars are market data's microbars (%s)" % (micro and micro.group(1)))
    check(rows == bars and bars > 0, "  ... %d rows for %d closed bars" % (rows, bars))
    check("signal rows" not in outs[0], "  ... none dropped or lost")
    check_rows(s1, bars)
    check(md5(s1) == md5(s2), "two replays give byte-identical signals files (%d bytes)" % os.path.getsize(s1))
    check(md5(d0) == md5(d1) == md5(d2), "--signals leaves the decision log byte-identical (%s)" % md5(d0))

    # 2. An unwritable path: exit 2, named, before anything runs.
    bad = os.path.join(work, "not-a-dir")
    with open(bad, "w") as f:
        f.write("a file, so nothing can be created under it\n")
    bad_path = os.path.join(bad, "signals.csv")
    rc, out = run(exe, ["replay", SAMPLE, "--decisions", "", "--signals", bad_path, "--no-progress"], env, work)
    check(rc == 2 and bad_path in out and "cannot open signals file" in out,
          "replay --signals with an unwritable path exits 2 naming it (rc=%s)%s" % (rc, "" if rc == 2 else "\n" + out))
    check("== torghut replay" not in out, "  ... and the replay does not run")
    dead = "ws://127.0.0.1:%d/v2/iex" % free_port()
    rc, out = run(exe, ["run", "--feed", dead, "--symbols", "ALFA", "--lease-dir", os.path.join(work, "lease"),
                        "--decisions", "", "--signals", bad_path, "--duration", "5"], env, work, timeout=60)
    check(rc == 2 and bad_path in out and "cannot open signals file" in out,
          "run --signals with an unwritable path exits 2 naming it (rc=%s)%s" % (rc, "" if rc == 2 else "\n" + out))
    check("holding the lease" not in out and "market-data client for" not in out, "  ... before anything is dialled")

    # 3. A live run against the simulator.
    sim, sim_log = start_sim(exe, work, env, "--rate", "2000", "--no-trading", "--duration", "60")
    try:
        live = os.path.join(work, "live.csv")
        rc, out = run(exe, ["run", "--feed", sim_ws_base(sim_log, work) + "/v2/iex", "--symbols", "ALFA,BRVO,CHRL,DLTA",
                            "--lease-dir", os.path.join(work, "lease"), "--decisions", "", "--signals", live,
                            "--duration", "5"], env, work, timeout=60)
        check(rc == 0, "run --signals against the simulator (rc=%s)%s" % (rc, "" if rc == 0 else "\n" + out))
        m = re.search(r"signals: (\d+) rows written to", out)
        check(m is not None and int(m.group(1)) > 0, "  ... says how many rows it wrote (%s)" % (m and m.group(1)))
        with open(live, newline="") as f:
            rows = list(csv.reader(f))
        check(rows and rows[0] == COLUMNS, "  ... the header is the ta_signals columns")
        check(m is not None and len(rows) - 1 == int(m.group(1)), "  ... the file has that many rows (%d)" % (len(rows) - 1))
        check(all(len(r) == len(COLUMNS) and r[5] == "torghut" for r in rows[1:]), "  ... each a full row")
    finally:
        if sim.poll() is None:
            sim.kill()
            sim.wait()
    finish(work)


if __name__ == "__main__":
    main()
