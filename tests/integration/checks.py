"""Shared helpers of the process-level integration tests: named checks, log polling, free ports."""
import re
import socket
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
