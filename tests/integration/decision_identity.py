#!/usr/bin/env python3
"""The strategy SDK changed nothing the built-in strategies decide.

`torghut replay data/sample.rec --decisions F` with the default config, with each text rationale
mapped back to the numeric code the engine wrote before the SDK (scripts/decision_log_legacy.py),
is byte for byte the log recorded before (md5 ea7a035f23d41832f8a3dda43f118c63). Also: every
decision has a non-empty rationale, and a second replay writes the same bytes.

Usage: decision_identity.py PATH/TO/torghut
"""
import hashlib
import json
import os
import subprocess
import sys
import tempfile

from checks import check, finish

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BEFORE_SDK_MD5 = "ea7a035f23d41832f8a3dda43f118c63"


def replay(exe, out):
    env = dict(os.environ)
    env.pop("DB_DSN", None)
    r = subprocess.run([exe, "replay", os.path.join(ROOT, "data", "sample.rec"), "--decisions", out],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    check(r.returncode == 0, "replay exits 0 (%d): %s" % (r.returncode, r.stderr[-400:]))


def md5(path):
    return hashlib.md5(open(path, "rb").read()).hexdigest()


def main():
    exe = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix="torghut-identity-")
    a, b = os.path.join(work, "a.jsonl"), os.path.join(work, "b.jsonl")
    replay(exe, a)
    replay(exe, b)
    check(md5(a) == md5(b), "two replays write the same bytes")
    decisions = [json.loads(l) for l in open(a) if '"kind":"decision"' in l]
    check(len(decisions) > 0, "the replay decides (%d decisions)" % len(decisions))
    check(all(isinstance(d.get("rationale"), str) and d["rationale"] for d in decisions),
          "every decision carries a text rationale")
    legacy = os.path.join(work, "legacy.jsonl")
    r = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "decision_log_legacy.py"), a, legacy],
                       capture_output=True, text=True)
    check(r.returncode == 0, "every rationale maps to a pre-SDK code: " + r.stderr.strip())
    if r.returncode == 0:
        check(md5(legacy) == BEFORE_SDK_MD5,
              "with the rationale mapped back, the log is the pre-SDK one (md5 %s, want %s)" % (md5(legacy), BEFORE_SDK_MD5))
    finish(work)


if __name__ == "__main__":
    main()
