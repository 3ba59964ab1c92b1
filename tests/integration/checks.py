"""Shared helpers of the process-level integration tests: named checks, log polling, free ports,
the simulator."""
import os
import re
import socket
import subprocess
import sys
import time

failures = []


def check(cond, what):
    """Prints one `ok`/`FAIL` line; a failed check is remembered for finish()."""
    print(("ok    " if cond else "FAIL  ") + what, flush=True)
    if not cond:
        failures.append(what)


def wait_for(pattern, path, timeout):
    """The first match of `pattern` in the file at `path` within `timeout` seconds, else None."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        with open(path, errors="replace") as f:
            m = re.search(pattern, f.read())
        if m:
            return m
        time.sleep(0.05)
    return None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def finish(work):
    """Exits 1 when any check failed (naming where the logs are), else says all passed."""
    if failures:
        print("%d check(s) failed; logs in %s" % (len(failures), work))
        sys.exit(1)
    print("all checks passed")


def start_sim(exe, work, env, *args):
    """`torghut sim` on a free loopback port, serving the bundled sample market looped, with
    `args` added (rate, duration, ...). Returns the process and the log its output goes to."""
    log = os.path.join(work, "sim.log")
    with open(log, "w") as out:
        proc = subprocess.Popen([exe, "sim", "--listen", "127.0.0.1:0", "--source", "sample", "--pace", "rate",
                                 "--loop", "--stats-interval", "0", *args],
                                stdout=out, stderr=subprocess.STDOUT, env=env, cwd=work)
    return proc, log


def sim_ws_base(log, work, timeout=30):
    """The simulator's market-data base URL (ws://127.0.0.1:PORT) from its log; when it never
    says, a failed check and exit 1."""
    m = wait_for(r"listening on (ws://127\.0\.0\.1:\d+)/v2/", log, timeout)
    check(m is not None, "the simulator prints the URL it listens on")
    if not m:
        finish(work)
    return m.group(1)
