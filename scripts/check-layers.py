#!/usr/bin/env python3
"""The layering check (docs/ARCHITECTURE.md, "Layers"): fails when a file includes, or a library
links, anything above its layer.

    scripts/check-layers.py [build/release/torghut_layers.tsv] [--root DIR]
    scripts/check-layers.py --self-test   # plants one violation of each kind in a copy; all must fail

Includes: every source and header under engine/, actors/, adapters/ and persistence/ is read, and
each `#include` is checked against its folder's rules below. Links: the manifest that CMake writes
(one line per torghut_library: name, folder, dependencies) is checked so that no library links
torghut::app, only torghut::control links CAF, and the actors link nothing but core and each
other. Prints every violation with its file and line, and exits 1 if there is any.
"""
from __future__ import annotations

import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent

# Include prefixes each layer may not use. A prefix matches the start of the included path.
ABOVE_CORE = ("torghut/control/", "torghut/app/", "torghut/actors/", "torghut/adapters/",
              "torghut/persistence/")
FRAMEWORKS = ("caf/",)
IO = ("boost/", "pqxx", "libpq", "sys/socket.h", "netinet/", "arpa/inet.h", "openssl/")
THREADS = ("thread", "mutex", "condition_variable", "shared_mutex", "future", "pthread.h")

RULES: list[tuple[str, tuple[str, ...], str]] = [
    # (folder prefix, forbidden include prefixes, why)
    ("engine/core/", ABOVE_CORE + ("torghut/sdk/", "torghut/strategies/") + FRAMEWORKS + IO,
     "engine/core is the ground floor: the standard library, moodycamel and xxHash only"),
    ("sdk/", ABOVE_CORE + FRAMEWORKS + IO + THREADS,
     "the strategy SDK stands on core only: no sockets, SQL, threads or CAF"),
    ("strategies/", ABOVE_CORE + FRAMEWORKS + IO + THREADS,
     "a strategy sees the SDK and core only: no sockets, threads, CAF or engine internals"),
    ("engine/control/", ("torghut/app/", "torghut/actors/", "torghut/adapters/",
                         "torghut/persistence/") + IO,
     "engine/control knows core and CAF only"),
    ("actors/", ("torghut/control/", "torghut/app/", "torghut/adapters/", "torghut/persistence/")
     + FRAMEWORKS + IO + THREADS,
     "an actor is pure domain logic: core and other actors, no sockets, SQL, threads or CAF"),
    ("persistence/", ("torghut/control/", "torghut/app/", "torghut/actors/", "torghut/adapters/")
     + FRAMEWORKS + ("boost/",),
     "persistence stands on core (and libpqxx) only"),
    ("adapters/", ("torghut/control/", "torghut/app/") + FRAMEWORKS,
     "an adapter never reaches the control plane or the composition root"),
]

# Narrow, named exceptions: (folder prefix, allowed include prefix, why it is allowed).
EXCEPTIONS = [
    ("adapters/alpaca_broker/", "torghut/actors/hot_path.hpp",
     "the broker adapter implements the hot path's order_gateway and feeds it broker events"),
    ("adapters/alpaca_broker/", "torghut/actors/order_router.hpp",
     "broker order states are the router's vocabulary"),
    ("adapters/lease/", "torghut/persistence/dsn.hpp", "the Postgres lease parses a DSN"),
    ("adapters/sim/", "torghut/actors/fill_model.hpp",
     "the simulator fills with the engine's one fill model"),
]
ADAPTERS_MAY_NOT = ("torghut/actors/", "torghut/persistence/")

INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]')
SOURCES = ("engine", "sdk", "strategies", "actors", "adapters", "persistence")


def check_includes(root: pathlib.Path) -> list[str]:
    problems = []
    for top in SOURCES:
        if not (root / top).is_dir():
            continue
        for path in sorted((root / top).rglob("*")):
            if path.suffix not in (".hpp", ".cpp", ".h") or not path.is_file():
                continue
            rel = path.relative_to(root).as_posix()
            for n, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                inc = m.group(1)
                for prefix, forbidden, why in RULES:
                    if not rel.startswith(prefix):
                        continue
                    banned = forbidden + (ADAPTERS_MAY_NOT if prefix == "adapters/" else ())
                    if any(inc.startswith(f) or inc == f for f in banned):
                        if any(rel.startswith(fp) and inc == ok for fp, ok, _ in EXCEPTIONS):
                            continue
                        problems.append(f"{rel}:{n}: includes <{inc}>: {why}")
    return problems


def check_links(manifest: pathlib.Path) -> list[str]:
    problems = []
    if not manifest.exists():
        return [f"{manifest}: no layering manifest (configure the build first)"]
    libs = {}
    for line in manifest.read_text().splitlines():
        if not line.strip():
            continue
        name, folder, deps = (line.split("\t") + ["", ""])[:3]
        libs[name] = (folder, [d for d in deps.split(",") if d])
    actor_targets = {f"torghut::{n}" for n, (f, _) in libs.items() if f.startswith("actors/")}
    for name, (folder, deps) in sorted(libs.items()):
        for d in deps:
            if d in ("torghut::app", "torghut_app"):
                problems.append(f"{folder}: library torghut::{name} links torghut::app (nothing may)")
            if d.startswith("caf::") and name != "control":
                problems.append(f"{folder}: library torghut::{name} links {d} (only torghut::control links CAF)")
            if folder.startswith("actors/") and d not in actor_targets | {"torghut::core", "torghut::sdk", "torghut::strategies"}:
                problems.append(f"{folder}: actor torghut::{name} links {d} (actors link core, the SDK, the built-in strategies and actors only)")
            if folder in ("sdk", "strategies") and d not in ("torghut::core", "torghut::sdk"):
                problems.append(f"{folder}: torghut::{name} links {d} (the SDK and strategies link core and the SDK only)")
            if folder == "engine/core" and d.startswith("torghut::"):
                problems.append(f"{folder}: torghut::core links {d} (core links nothing of ours)")
    if "app" not in libs:
        problems.append(f"{manifest}: torghut::app missing from the manifest")
    return problems


def self_test() -> int:
    """Each planted violation must be reported; the clean baseline must not be."""
    import shutil
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        root = pathlib.Path(tmp)
        for top in SOURCES:
            if (ROOT / top).is_dir():
                shutil.copytree(ROOT / top, root / top)
        manifest = root / "layers.tsv"
        manifest.write_text("core\tengine/core\tmoodycamel\napp\tengine/app\ttorghut::core\n"
                            "risk\tactors/risk\ttorghut::core\n")
        base = check_includes(root) + check_links(manifest)
        if base:
            print("self-test: the copied tree is not clean:", *base, sep="\n  ")
            return 1
        plants = [
            ("engine/core/include/torghut/core/planted.hpp", '#include "torghut/actors/risk.hpp"\n', None),
            ("actors/risk/src/planted.cpp", "#include <thread>\n", None),
            ("actors/risk/src/planted2.cpp", '#include "torghut/adapters/md_client.hpp"\n', None),
            ("actors/risk/src/planted3.cpp", "#include <caf/all.hpp>\n", None),
            ("persistence/src/planted.cpp", '#include "torghut/actors/risk.hpp"\n', None),
            ("adapters/md_client/src/planted.cpp", '#include "torghut/app/live_runtime.hpp"\n', None),
            (None, None, "sim\tadapters/sim\ttorghut::app\n"),
            (None, None, "lease\tadapters/lease\tcaf::core\n"),
            (None, None, "risk2\tactors/risk2\ttorghut::persistence\n"),
        ]
        failures = 0
        for file, text, line in plants:
            if file:
                (root / file).write_text(text)
            else:
                manifest.write_text(manifest.read_text() + line)
            found = check_includes(root) + check_links(manifest)
            if len(found) != 1:
                print(f"self-test: planting {file or line.strip()!r} gave {len(found)} reports: {found}")
                failures += 1
            if file:
                (root / file).unlink()
            else:
                manifest.write_text(manifest.read_text().replace(line, ""))
    print("self-test: every planted violation was reported" if not failures else "self-test: FAILED")
    return 1 if failures else 0


def main() -> int:
    args = sys.argv[1:]
    if args == ["--self-test"]:
        return self_test()
    root = ROOT
    if "--root" in args:
        i = args.index("--root")
        root = pathlib.Path(args[i + 1]).resolve()
        del args[i:i + 2]
    manifest = pathlib.Path(args[0]) if args else root / "build/release/torghut_layers.tsv"
    problems = check_includes(root) + check_links(manifest)
    for p in problems:
        print(f"layering: {p}")
    if problems:
        print(f"layering: {len(problems)} violation(s)")
        return 1
    print("layering: every include and link respects the layers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
