#!/usr/bin/env python3
"""Two engine processes with the same key against one simulator (the one-connection rule).

Engine A takes the lease, dials the simulator and serves a relay. Engine B, same key and lease
directory, must never dial the simulator: it says why and trades from A's relay. Engine C, same key,
no relay configured, must stop with exit code 5 and a clear message. The simulator must see exactly
one WebSocket connection in all.

Usage: two_engines.py PATH/TO/torghut
"""
import os
import re
import subprocess
import sys
import tempfile

from checks import check, finish, free_port, sim_ws_base, start_sim, wait_for

SYMBOLS = "ALFA,BRVO,CHRL,DLTA,ECHO,FXTR,GOLF,HOTL"


def main():
    exe = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix="torghut-two-engines-")
    env = dict(os.environ, APCA_API_KEY_ID="two-engines-key", APCA_API_SECRET_KEY="two-engines-secret-0xS3CR3T")
    env.pop("DB_DSN", None)  # lock-file lease in this test
    lease_dir = os.path.join(work, "lease")
    sim, sim_log = start_sim(exe, work, env, "--rate", "5000", "--duration", "40")
    procs = [sim]
    try:
        feed = sim_ws_base(sim_log, work) + "/v2/iex"
        relay_port = free_port()
        relay_url = "ws://127.0.0.1:%d/v2/iex" % relay_port
        common = ["--feed", feed, "--symbols", SYMBOLS, "--lease-dir", lease_dir, "--decisions", ""]

        a_log = os.path.join(work, "a.log")
        with open(a_log, "w") as out:
            a = subprocess.Popen([exe, "run", *common, "--relay-listen", "127.0.0.1:%d" % relay_port,
                                  "--duration", "25"], stdout=out, stderr=subprocess.STDOUT, env=env, cwd=work)
        procs.append(a)
        check(wait_for(r"authenticated on", a_log, 20) is not None, "engine A authenticates with the simulator")
        check(wait_for(r"relay: serving the feed", a_log, 5) is not None, "engine A serves the relay")

        # B: same key, same lease dir, a relay configured.
        b = subprocess.run([exe, "run", *common, "--relay-url", relay_url, "--duration", "4"],
                           capture_output=True, text=True, env=env, cwd=work, timeout=60)
        b_out = b.stdout + b.stderr
        check(b.returncode == 0, "engine B exits 0 (rc=%d)" % b.returncode)
        check("not dialling" in b_out and "pid=%d" % a.pid in b_out,
              "engine B says it does not dial and who holds the lease")
        check("source relay" in b_out, "engine B reads from the relay")
        ev = re.search(r"market events (\d+) \(hot path (\d+)\)", b_out)
        check(ev is not None and int(ev.group(2)) > 0,
              "engine B's hot path receives market events through the relay (%s)" % (ev.group(0) if ev else b_out[-400:]))

        # C: same key, no relay: refuses with exit code 5.
        c = subprocess.run([exe, "run", *common, "--duration", "4"], capture_output=True, text=True, env=env,
                           cwd=work, timeout=60)
        c_out = c.stdout + c.stderr
        check(c.returncode == 5, "engine C without a relay stops with exit code 5 (rc=%d)" % c.returncode)
        check("another process holds the connection lease" in c_out, "engine C says why")

        a.wait(timeout=60)
        a_out = open(a_log, errors="replace").read()
        check(a.returncode == 0, "engine A exits 0 (rc=%d)" % a.returncode)
        rl = re.search(r"relay \S+: (\d+) messages to consumers", a_out)
        check(rl is not None and int(rl.group(1)) > 0, "engine A's relay sent messages to engine B")
        sim.terminate()
        sim.wait(timeout=30)
        sim_out = open(sim_log, errors="replace").read()
        st = re.search(r"stopped; (\d+) connections", sim_out)
        check(st is not None and int(st.group(1)) == 1,
              "exactly one connection reached the simulator (%s)" % (st.group(0) if st else "no summary"))
        for name, text in (("sim", sim_out), ("A", a_out), ("B", b_out), ("C", c_out)):
            check("0xS3CR3T" not in text, "the secret never appears in %s's output" % name)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    finish(work)


if __name__ == "__main__":
    main()
