#!/usr/bin/env python3
"""Operator signals on a running engine: none of them ends the run unflushed.

SIGUSR1 logs a status dump and the run goes on. SIGHUP reloads the risk limits from the config
file (a changed max_notional_per_order is announced), and a config file broken meanwhile keeps
the old limits with the reason. SIGTERM then stops the run in order: exit 0, the summary printed,
the decision log flushed.

Usage: signals.py PATH/TO/torghut
"""
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

from checks import check, finish, sim_ws_base, start_sim, wait_for

SYMBOLS = "ALFA,BRVO,CHRL,DLTA"
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def main():
    exe = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix="torghut-signals-")
    env = dict(os.environ, APCA_API_KEY_ID="signals-key", APCA_API_SECRET_KEY="signals-secret-0xS3CR3T")
    env.pop("DB_DSN", None)
    cfg_path = os.path.join(work, "engine.toml")
    base_cfg = open(os.path.join(ROOT, "config", "paper.toml")).read()
    with open(cfg_path, "w") as f:
        f.write(base_cfg)
    sim, sim_log = start_sim(exe, work, env, "--rate", "2000", "--no-trading", "--duration", "120")
    procs = [sim]
    try:
        log = os.path.join(work, "engine.log")
        decisions = os.path.join(work, "decisions.jsonl")
        with open(log, "w") as out:
            eng = subprocess.Popen([exe, "run", "--config", cfg_path, "--feed", sim_ws_base(sim_log, work) + "/v2/iex",
                                    "--symbols", SYMBOLS, "--lease-dir", os.path.join(work, "lease"),
                                    "--decisions", decisions, "--duration", "100"],
                                   stdout=out, stderr=subprocess.STDOUT, env=env, cwd=work)
        procs.append(eng)
        check(wait_for(r"authenticated on", log, 30) is not None, "the engine authenticates with the simulator")

        eng.send_signal(signal.SIGUSR1)
        check(wait_for(r"SIGUSR1: status dump: .*trading state \w+", log, 30) is not None,
              "SIGUSR1 logs a status dump with the trading state")
        check(eng.poll() is None, "the run goes on after SIGUSR1")

        with open(cfg_path, "w") as f:
            f.write(base_cfg.replace('max_notional_per_order = "10000"', 'max_notional_per_order = "1234.5"'))
        eng.send_signal(signal.SIGHUP)
        check(wait_for(r"SIGHUP: risk limits reloaded \(max notional per order 1234\.5", log, 30) is not None,
              "SIGHUP reloads the changed limits from the config file")
        check(eng.poll() is None, "the run goes on after SIGHUP")

        with open(cfg_path, "w") as f:
            f.write(base_cfg.replace('max_notional_per_order = "10000"', 'max_notional_per_order = "lots"'))
        eng.send_signal(signal.SIGHUP)
        check(wait_for(r"SIGHUP: risk limits NOT reloaded, the old ones stay: .*max_notional_per_order", log, 30)
              is not None, "a broken config file keeps the old limits and says which key is wrong")
        check(eng.poll() is None, "the run goes on after a refused reload")

        time.sleep(0.2)
        eng.send_signal(signal.SIGTERM)
        eng.wait(timeout=60)
        out = open(log, errors="replace").read()
        check(eng.returncode == 0, "SIGTERM stops the run with exit 0 (rc=%d)" % eng.returncode)
        check("== torghut run" in out, "the summary is printed")
        check(re.search(r"audit: \d+ rows written to", out) is not None, "the audit trail is reported flushed")
        check(os.path.exists(decisions), "the decision log exists after the stop")
        check("0xS3CR3T" not in out, "the secret never appears in the output")
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    finish(work)


if __name__ == "__main__":
    main()
