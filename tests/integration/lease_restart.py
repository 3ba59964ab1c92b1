#!/usr/bin/env python3
"""The Postgres lease survives a Postgres restart, and database faults at lease time are named.

Engine A takes the advisory-lock lease (DB_DSN) and dials the simulator. Postgres is then
stopped and started again, which ends A's lease session and with it the lock: A must notice,
say so, and take the lock again. Engine B, same key and database, started after the restart,
must find the lease held and stop with exit code 5; the simulator must have seen exactly one
market-data connection. Engine C with a wrong password, and engine D with an unreachable
database, must stop with exit code 8 saying the lease could not be taken (not "held"), and the
password never appears in any output. Before the schema is migrated, an engine refuses to start
(exit 7).

Uses its own throwaway cluster (scripts/pg.sh with its own folder and port), so restarting it
disturbs no other test.

Usage: lease_restart.py PATH/TO/torghut
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

from checks import check, finish, free_port, sim_ws_base, start_sim, wait_for

SYMBOLS = "ALFA,BRVO,CHRL,DLTA"
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def pg(env, *args):
    return subprocess.run([os.path.join(ROOT, "scripts", "pg.sh"), *args], env=env, capture_output=True,
                          text=True, timeout=120)


def main():
    exe = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix="torghut-lease-restart-")
    os.chmod(work, 0o755)  # the postgres user must reach its cluster folder inside
    pg_env = dict(os.environ, TORGHUT_PG_DIR=os.path.join(work, "pg"), TORGHUT_PG_PORT=str(free_port()))
    r = pg(pg_env, "start")
    check(r.returncode == 0, "a private Postgres cluster starts (%s)" % r.stderr.strip()[-300:])
    if r.returncode != 0:
        finish(work)
    dsn = re.search(r"DB_DSN='([^']+)'", pg(pg_env, "env").stdout).group(1)
    password = re.search(r"postgresql://[^:]+:([^@]+)@", dsn).group(1)
    env = dict(os.environ, APCA_API_KEY_ID="lease-restart-key", APCA_API_SECRET_KEY="lease-restart-secret-0xS3CR3T",
               DB_DSN=dsn)
    # Never migrated: the engine refuses to start (exit 7), naming what to do, before it trades.
    u = subprocess.run([exe, "run", "--feed", "ws://127.0.0.1:%d/v2/iex" % free_port(), "--symbols", SYMBOLS,
                        "--decisions", "", "--duration", "5"], env=env, capture_output=True, text=True,
                       timeout=120, cwd=work)
    check(u.returncode == 7 and "torghut migrate up" in u.stdout + u.stderr,
          "an engine against a never-migrated database refuses to start with 7 (rc=%d)" % u.returncode)
    check(password not in u.stdout + u.stderr, "  ... without printing the database password")
    m = subprocess.run([exe, "migrate", "up"], env=env, capture_output=True, text=True, timeout=120, cwd=work)
    check(m.returncode == 0, "the schema is migrated (%s)" % (m.stdout + m.stderr)[-300:])

    sim, sim_log = start_sim(exe, work, env, "--rate", "2000", "--no-trading", "--duration", "120")
    procs = [sim]
    outputs = {}
    try:
        feed = sim_ws_base(sim_log, work) + "/v2/iex"
        common = ["--feed", feed, "--symbols", SYMBOLS, "--decisions", ""]

        a_log = os.path.join(work, "a.log")
        with open(a_log, "w") as out:
            a = subprocess.Popen([exe, "run", *common, "--duration", "100", "--control-listen", "127.0.0.1:0"],
                                 stdout=out, stderr=subprocess.STDOUT, env=env, cwd=work)
        procs.append(a)
        check(wait_for(r"holding the lease for .*postgres advisory lock", a_log, 30) is not None,
              "engine A holds the postgres lease")
        check(wait_for(r"authenticated on", a_log, 30) is not None, "engine A authenticates with the simulator")
        api = wait_for(r"control API on (http://127\.0\.0\.1:\d+)", a_log, 10)
        check(api is not None, "engine A serves its control API")
        listing = lambda: json.loads(urllib.request.urlopen(api.group(1) + "/trading/decisions?limit=3", timeout=30).read())
        if api:
            d = listing()
            check(d.get("source") == "postgres" and isinstance(d.get("decisions"), list),
                  "GET /trading/decisions reads Postgres when the run has a database (%s)" % d.get("source"))

        r = pg(pg_env, "stop")
        check(r.returncode == 0, "Postgres stops (fast shutdown ends every session)")
        if api:
            t0 = time.time()
            d = listing()
            took = time.time() - t0
            check(d.get("source") == "memory" and d.get("postgres_error") and took < 6,
                  "  ... and with Postgres down answers from memory at once, saying why (%.1f s)" % took)
            check(password not in json.dumps(d), "  ... without the database password")
        check(wait_for(r"lease session for .* was lost .*cannot be re-taken yet", a_log, 30) is not None,
              "engine A notices its lease session is gone and says so")
        r = pg(pg_env, "start")
        check(r.returncode == 0, "Postgres starts again")
        check(wait_for(r"lease re-taken", a_log, 30) is not None, "engine A takes the lease again")

        b = subprocess.run([exe, "run", *common, "--duration", "4"], capture_output=True, text=True, env=env,
                           cwd=work, timeout=120)
        outputs["B"] = b.stdout + b.stderr
        check(b.returncode == 5, "engine B, after the restart, finds the lease held and stops with 5 (rc=%d)"
              % b.returncode)
        check("held by another session" in outputs["B"], "engine B says another session holds it")

        bad = re.sub(r"(postgresql://[^:]+:)[^@]+@", r"\1wrong-pass-0xPW@", dsn)
        c = subprocess.run([exe, "run", *common, "--duration", "4"], capture_output=True, text=True,
                           env=dict(env, DB_DSN=bad), cwd=work, timeout=120)
        outputs["C"] = c.stdout + c.stderr
        check(c.returncode == 8, "engine C with a wrong password stops with 8 (rc=%d)" % c.returncode)
        check("cannot take the connection lease" in outputs["C"] and "held" not in outputs["C"].split(
            "cannot take the connection lease")[1][:200],
              "engine C says the lease could not be taken, not that it is held")
        check("wrong-pass-0xPW" not in outputs["C"], "engine C never prints the password")

        gone = re.sub(r"port=\d+", "port=%d" % free_port(), dsn)
        d = subprocess.run([exe, "run", *common, "--duration", "4"], capture_output=True, text=True,
                           env=dict(env, DB_DSN=gone), cwd=work, timeout=120)
        outputs["D"] = d.stdout + d.stderr
        check(d.returncode == 8, "engine D with an unreachable database stops with 8 (rc=%d)" % d.returncode)

        a.send_signal(signal.SIGTERM)
        a.wait(timeout=60)
        outputs["A"] = open(a_log, errors="replace").read()
        check(a.returncode == 0, "engine A stops cleanly on SIGTERM (rc=%d)" % a.returncode)
        check("lost the lease" not in outputs["A"] and "market data stopped here" not in outputs["A"],
              "engine A kept its feed throughout")
        sim.terminate()
        sim.wait(timeout=30)
        outputs["sim"] = open(sim_log, errors="replace").read()
        st = re.search(r"stopped; (\d+) connections", outputs["sim"])
        check(st is not None and int(st.group(1)) == 1,
              "exactly one connection reached the simulator (%s)" % (st.group(0) if st else "no summary"))
        for name, text in outputs.items():
            check("0xS3CR3T" not in text and password not in text,
                  "no secret and no database password in %s's output" % name)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        pg(pg_env, "destroy")
    finish(work)


if __name__ == "__main__":
    main()
