#!/usr/bin/env python3
"""The deployment files agree with the engine they deploy (ctest deploy.manifests):

- the Kubernetes ConfigMap's config and the config the systemd unit names (config/paper.toml)
  pass `torghut check-config`;
- every option the k8s container args and the systemd ExecStart give `torghut run` is one it
  knows (`torghut run --help`);
- the probes and the ExecStartPost poll endpoints the control API serves (checked against a
  running engine: each answers 200 or 503, never 404).

Usage: check_manifests.py PATH/TO/torghut
"""
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from checks import check, finish, start_sim, sim_ws_base, wait_for  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def configmap_files(text):
    """{name: content} of the `data:` block scalars (`name: |`) of the ConfigMap in `text`."""
    out = {}
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        m = re.match(r"^(\s+)([\w.-]+): \|\s*$", lines[i])
        if m:
            indent = len(m.group(1))
            body = []
            i += 1
            while i < len(lines) and (not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > indent):
                body.append(lines[i])
                i += 1
            pad = min(len(l) - len(l.lstrip()) for l in body if l.strip())
            out[m.group(2)] = "\n".join(l[pad:] for l in body) + "\n"
            continue
        i += 1
    return out


def run_options(args):
    return [a.split("=", 1)[0] for a in args if a.startswith("--")]


def main():
    exe = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix="torghut-manifests-")
    k8s = open(os.path.join(ROOT, "deploy", "k8s", "torghut.yaml")).read()
    unit = open(os.path.join(ROOT, "deploy", "systemd", "torghut.service")).read()

    files = configmap_files(k8s)
    check("paper.toml" in files, "the ConfigMap holds paper.toml (%s)" % sorted(files))
    for name, content in files.items():
        path = os.path.join(work, name)
        with open(path, "w") as f:
            f.write(content)
        r = subprocess.run([exe, "check-config", path], capture_output=True, text=True, timeout=30)
        check(r.returncode == 0, "the ConfigMap's %s passes torghut check-config%s"
              % (name, "" if r.returncode == 0 else ":\n" + r.stdout + r.stderr))
    r = subprocess.run([exe, "check-config", os.path.join(ROOT, "config", "paper.toml")], capture_output=True,
                       text=True, timeout=30)
    check(r.returncode == 0, "config/paper.toml (the systemd unit's /etc/torghut/paper.toml) passes check-config")

    known = set(re.findall(r"(--[a-z][a-z0-9-]*)", subprocess.run([exe, "run", "--help"], capture_output=True,
                                                                   text=True, timeout=30).stdout))
    m = re.search(r"args: (\[[^\]]*\])", k8s, re.S)
    k8s_args = json.loads(m.group(1)) if m else []
    check(k8s_args[:1] == ["run"], "the k8s container runs `torghut run` (%s)" % k8s_args[:1])
    bad = [o for o in run_options(k8s_args) if o not in known]
    check(not bad, "every option of the k8s args is one `torghut run` knows (unknown: %s)" % bad)
    m = re.search(r"^ExecStart=(\S+) (.*)$", unit, re.M)
    unit_args = shlex.split(m.group(2)) if m else []
    check(unit_args[:1] == ["run"], "the systemd unit runs `torghut run`")
    bad = [o for o in run_options(unit_args) if o not in known]
    check(not bad, "every option of the systemd ExecStart is one `torghut run` knows (unknown: %s)" % bad)

    # The endpoints the probes and ExecStartPost poll, on a running engine.
    paths = set(re.findall(r"httpGet: \{path: (/[\w/.-]*)", k8s))
    paths |= {"/" + p for p in re.findall(r"http://127\.0\.0\.1:\d+/([\w/.-]+)", unit)}
    check({"/healthz", "/trading/health"} <= paths, "the probes use /healthz and /trading/health (%s)" % sorted(paths))
    env = dict(os.environ, APCA_API_KEY_ID="manifest-key", APCA_API_SECRET_KEY="manifest-secret")
    for k in ("DB_DSN", "TRADING_MODE", "TRADING_LIVE_ENABLED", "TORGHUT_CONTROL_TOKEN"):
        env.pop(k, None)
    sim, sim_log = start_sim(exe, work, env, "--rate", "200", "--duration", "60", "--no-trading")
    log = os.path.join(work, "run.log")
    eng = None
    try:
        feed = sim_ws_base(sim_log, work) + "/v2/iex"
        with open(log, "w") as lf:
            eng = subprocess.Popen([exe, "run", "--feed", feed, "--symbols", "ALFA,BRVO", "--decisions", "",
                                    "--lease-dir", os.path.join(work, "lease"), "--duration", "60",
                                    "--control-listen", "127.0.0.1:0"], stdout=lf, stderr=subprocess.STDOUT,
                                   env=env, cwd=work)
        m = wait_for(r"control API on (http://127\.0\.0\.1:\d+)", log, 20)
        check(m is not None, "the engine serves its control API")
        if m:
            for p in sorted(paths):
                try:
                    code = urllib.request.urlopen(m.group(1) + p, timeout=10).status
                except urllib.error.HTTPError as e:
                    code = e.code
                check(code in (200, 503), "GET %s (a probe's endpoint) is served: %d" % (p, code))
    finally:
        for p in (eng, sim):
            if p is not None:
                p.terminate()
                try:
                    p.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    p.kill()
    finish(work)


if __name__ == "__main__":
    main()
