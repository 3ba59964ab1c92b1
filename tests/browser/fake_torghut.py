#!/usr/bin/env python3
"""A stand-in for the `torghut` binary, to run tests/integration/live_page.py without a build:
`fake_torghut.py sim ...` prints the simulator's listening line and idles; `fake_torghut.py run ...`
becomes mock_api.py with the run's TORGHUT_CONTROL_TOKEN, its --decisions file as the audit trail,
and the engine's "control API on URL" line. It proves the test's glue, not the engine.

usage: python3 tests/integration/live_page.py tests/browser/fake_torghut.py
"""
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
args = sys.argv[1:]
if args[:1] == ["sim"]:
    print("listening on ws://127.0.0.1:9/v2/iex (fake: nothing is served)", flush=True)
    time.sleep(3600)
elif args[:1] == ["run"]:
    audit = args[args.index("--decisions") + 1] if "--decisions" in args else ""
    os.execv(sys.executable, [sys.executable, os.path.join(HERE, "mock_api.py"), "--warmup", "0",
                              "--token", os.environ.get("TORGHUT_CONTROL_TOKEN", "mock-token"),
                              *(["--audit", audit] if audit else [])])
else:
    sys.exit("fake_torghut.py: only `sim` and `run`")
