#!/usr/bin/env python3
"""Configuration and process hardening, through the real `torghut` binary.

- every shipped config/*.toml passes `torghut check-config`;
- a config with many problems of every kind (unknown keys, wrong types, bad values) has every one
  reported by one `check-config` run;
- `torghut run --duration -5|nan|inf` and `--max-events -5` exit non-zero at once with a message;
- TRADING_LIVE_ENABLED=true alone, TRADING_MODE=LIVE and TRADING_LIVE_ENABLED=yes stop with a
  clear error before anything is dialled;
- no DB_DSN password, in any DSN form (URI userinfo with a malformed %-escape, ?password=, key/value,
  quoted key/value, an unparsable URI that libpq echoes whole), ever appears in `run`'s or
  `replay`'s output.

Usage: config_and_cli.py PATH/TO/torghut   (needs no Postgres and no network: nothing listens on the
ports the DSNs name, and the runs stop before they would dial anything)
"""
import glob
import os
import subprocess
import sys
import tempfile

from checks import check, finish, free_port

SOURCE = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BOUND = 60  # generous upper bound for a process that should stop at once (never a pass criterion)


def run(exe, args, env, cwd):
    """(returncode, stdout+stderr); returncode None when the process did not stop within BOUND."""
    try:
        r = subprocess.run([exe, *args], capture_output=True, text=True, timeout=BOUND, env=env, cwd=cwd)
        return r.returncode, r.stdout + r.stderr
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"") + (e.stderr or b"")
        return None, out.decode(errors="replace") if isinstance(out, bytes) else out


MANY_PROBLEMS = """
allowed_symbols = ["AAPL", 7]
colour = "blue"
starting_equity = "-5"
mailbox_capacity = 8
[risk]
max_notional_per_order = "ten thousand"
price_collar_pct = "wide"
orders_per_minute = 500
max_order_qty = "0.0000000000001"
daily_loss_limit = "12345678901234567890123"
typo = 1
[market_data]
stale_after_ms = 0
dedupe_window = "64"
[feed]
url = "ws://example.com/v2/iex"
secret = "x"
[[strategies]]
id = 1
name = "x"
enabled = "yes"
kind = "bollinger_reversion"
bollinger_k = -1
speed = 3
"""

MANY_EXPECTED = [
    "colour: unknown key",
    "risk.typo: unknown key",
    "feed.secret: unknown key",
    "strategies[0].speed: not a parameter of this strategy (its parameters: bollinger_k)",
    "allowed_symbols: every element must be a string",
    "risk.max_notional_per_order: 'ten thousand' is not a decimal number",
    "risk.price_collar_pct: expected a number, not a string",
    "market_data.dedupe_window: expected an integer, not a string",
    "strategies[0].enabled: expected true or false, not a string",
    "starting_equity: must be > 0",
    "mailbox_capacity: must be >= 16",
    "risk.orders_per_minute: must be in [1, 200]",
    "risk.max_order_qty: '0.0000000000001' has 13 decimals, more than the 9 supported",
    "risk.daily_loss_limit: '12345678901234567890123' is out of range",
    "market_data.stale_after_ms: must be > 0",
    "feed.url: plain ws:// is only allowed to a loopback host",
    "strategies[0].bollinger_k: must be in (0, 1000000] (got -1)",
]


def main():
    exe = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix="torghut-config-cli-")
    env = dict(os.environ, APCA_API_KEY_ID="config-cli-key", APCA_API_SECRET_KEY="config-cli-secret")
    for k in ("DB_DSN", "TRADING_MODE", "TRADING_LIVE_ENABLED"):
        env.pop(k, None)
    dead = "ws://127.0.0.1:%d/v2/iex" % free_port()  # nothing listens there
    lease_dir = os.path.join(work, "lease")
    base = ["--feed", dead, "--symbols", "ALFA", "--lease-dir", lease_dir, "--decisions", ""]

    # 1. Every shipped config passes its own check.
    shipped = sorted(glob.glob(os.path.join(SOURCE, "config", "*.toml")))
    check(len(shipped) >= 2, "found the shipped configs (%d)" % len(shipped))
    for path in shipped:
        rc, out = run(exe, ["check-config", path], env, work)
        check(rc == 0 and ": OK" in out, "check-config %s passes (rc=%s)%s" % (
            os.path.relpath(path, SOURCE), rc, "" if rc == 0 else "\n" + out))

    # ... and `run` with that file but no symbols from anywhere says where to give them.
    rc, out = run(exe, ["run", "--config", os.path.join(SOURCE, "config", "paper.toml"), "--feed", dead,
                        "--lease-dir", lease_dir, "--decisions", "", "--duration", "5"], env, work)
    check(rc == 2 and "no symbols to trade" in out and "--symbols" in out,
          "run --config config/paper.toml without --symbols stops with a clear error (rc=%s)" % rc)

    # 2. Every problem of a bad file in one run.
    bad = os.path.join(work, "bad.toml")
    with open(bad, "w") as f:
        f.write(MANY_PROBLEMS)
    rc, out = run(exe, ["check-config", bad], env, work)
    check(rc == 2, "check-config of a bad file exits 2 (rc=%s)" % rc)
    missing = [e for e in MANY_EXPECTED if e not in out]
    check(not missing, "one check-config run lists all %d problems%s" % (
        len(MANY_EXPECTED), "" if not missing else "; missing %s in:\n%s" % (missing, out)))
    check("%d problem(s)" % len(MANY_EXPECTED) in out, "  ... and counts exactly those")

    # 3. Durations and counts that would run for ever (or wrap around) are refused at once.
    for args, what in ((["--duration", "-5"], "--duration -5"), (["--duration", "nan"], "--duration nan"),
                       (["--duration", "inf"], "--duration inf"), (["--duration=-1e9"], "--duration=-1e9"),
                       (["--max-events", "-5"], "--max-events -5")):
        rc, out = run(exe, ["run", *base, *args], env, work)
        check(rc is not None and rc != 0, "run %s exits non-zero without running (rc=%s)" % (what, rc))
        check(("must be a finite number of seconds" in out) if "duration" in what
              else ("must be a whole number >= 0" in out), "  ... and says why" + ("" if rc else ":\n" + out))
        check("market data from" not in out, "  ... before the engine starts")

    # 4. One live setting without the other, and odd spellings, stop with a clear error.
    for extra, needle, what in (
            ({"TRADING_LIVE_ENABLED": "true"}, "TRADING_LIVE_ENABLED=true also needs TRADING_MODE=live",
             "TRADING_LIVE_ENABLED=true alone"),
            ({"TRADING_MODE": "live"}, "TRADING_MODE=live also needs TRADING_LIVE_ENABLED=true",
             "TRADING_MODE=live alone"),
            ({"TRADING_MODE": "LIVE", "TRADING_LIVE_ENABLED": "true"}, 'TRADING_MODE must be "paper" or "live"',
             "TRADING_MODE=LIVE"),
            ({"TRADING_MODE": "live", "TRADING_LIVE_ENABLED": "yes"},
             'TRADING_LIVE_ENABLED must be "true" or "false"', "TRADING_LIVE_ENABLED=yes")):
        rc, out = run(exe, ["run", *base, "--duration", "5"], dict(env, **extra), work)
        check(rc == 2 and needle in out, "%s stops with a clear error (rc=%s)%s" % (
            what, rc, "" if rc == 2 and needle in out else ":\n" + out))
        check("market data from" not in out, "  ... before the engine starts")

    # 5. No DSN password ever reaches the output, whatever the form and wherever it fails.
    port = free_port()
    dsns = (
        ("postgresql://u:pa%%zzss@127.0.0.1:%d/db" % port, ["pa%zzss"]),
        ("postgresql://u@127.0.0.1:%d/db?password=qu%%zzery&sslmode=disable" % port, ["qu%zzery"]),
        ("postgresql://u:pAss%%40w0rd@127.0.0.1:%d/db" % port, ["pAss%40w0rd", "pAss@w0rd"]),
        ("postgresql://u:v6secret@[::1:%d/db" % port, ["v6secret"]),
        ("host=127.0.0.1 port=%d user=u password=kvs3cret dbname=d" % port, ["kvs3cret"]),
        ("host=127.0.0.1 port=%d password='quoted s3cret' dbname=d" % port, ["quoted s3cret", "s3cret"]),
        ("host=127.0.0.1 port=%d password=trail3rpw junk" % port, ["trail3rpw"]),
    )
    for dsn, secrets in dsns:
        shown = dsn.replace(secrets[0], "<pw>")
        rc, out = run(exe, ["run", *base, "--duration", "5"], dict(env, DB_DSN=dsn), work)
        check(rc is not None and rc != 0, "run with DB_DSN %s stops (rc=%s)" % (shown, rc))
        check("postgres" in out, "  ... naming the database problem")
        leaked = [s for s in secrets if s in out]
        check(not leaked, "  ... and no password text in its output%s" % ("" if not leaked else ":\n" + out))
    sample = os.path.join(SOURCE, "data", "sample.rec")
    if os.path.exists(sample):
        for dsn, secrets in dsns[:1] + dsns[4:5]:
            rc, out = run(exe, ["replay", sample, "--decisions", "", "--no-progress", "--quiet"],
                          dict(env, DB_DSN=dsn), work)  # the spool goes under work/
            leaked = [s for s in secrets if s in out]
            check(rc is not None, "replay with DB_DSN %s finishes" % dsn.replace(secrets[0], "<pw>"))
            check(not leaked, "  ... and no password text in its output%s" % ("" if not leaked else ":\n" + out))

    finish(work)


if __name__ == "__main__":
    main()
