#!/usr/bin/env python3
"""Latency gate for CI: compares ratios measured in the same benchmark run, never absolute
times (CI machines are shared and noisy). Prints every number it uses, fails on a broken ratio.

Gates (each a ratio of two numbers from this run):
  1. one CAF message hop costs at least 20x one hot-mailbox hop;
  2. tick-to-order p50 (the whole chain, raw JSON frame to order) is under 4 CAF hops,
     and its p99 under 20 CAF hops;
  3. the whole chain per market event costs less than 3 CAF hops (throughput);
  4. persistence (bench_persistence, the hot thread alone on the last core, the write-behind
     and Postgres on the others): tick-to-order p90 with the write-behind shipping to Postgres
     is at most 1.1x the p90 with persistence off, and at most 1.2x while Postgres is
     unreachable (rows spooling); p99 is printed against the same targets and gated only at
     10x (a hot path that waits on persistence: milliseconds, hundreds of times the bound). On
     a VM the disk's completion interrupts land on whichever core the hypervisor picked, the
     hot one included, and every fdatasync (the spool's, Postgres's WAL) raises one: they set
     p99 with persistence on, whatever the engine does. The write-behind moves rows faster
     than multi-row INSERT and per-row INSERT of the same rows, measured in the same run.
  5. wire-to-wire (bench/wire_to_wire.cpp, out/bench/wire_to_wire.json when scripts/bench.sh ran
     it): informational against the targets p50 <= 15 us and p99 <= 50 us (absolute times on a
     shared machine are never a CI failure); fails only when more than 5 % of the orders timed
     out (the pipeline engine -> simulator is broken).
  6. engine against the official Alpaca JS SDK (issue 13; the `sdk_bot` section of the same
     wire_to_wire.json: a tick_probe bot on @alpacahq/alpaca-trade-api 4.x, measured after the
     engine by the same harness in the same run): the SDK bot's p50 / the engine's p50 and the
     same at p99 must both be at least 10. Required when TORGHUT_SDK_GATE=1 (scripts/bench.sh
     sets it in CI's short mode, and whenever the SDK is installed): then a JSON without the
     section fails the gate instead of skipping it. More than 5 % of the bot's orders timing out
     fails it too (a broken bot measures nothing).
Measured on the development machine (docs/PERFORMANCE.md): CAF hop ~370 ns, tick-to-order p50
~0.9 us (2.4 hops), p99 ~4.4 us (12 hops), chain per event ~0.6 us (1.6 hops). The gates leave
room for noise and catch regressions of roughly 1.5x or more.
"""
import json
import os
import pathlib
import sys


def load(d: pathlib.Path):
    rows = {}
    for f in sorted(d.glob("*.json")):
        for b in json.loads(f.read_text()).get("benchmarks", []):
            name = b["name"]
            agg = b.get("aggregate_name")
            base = b.get("run_name", name)
            if agg and agg != "median":
                continue
            rows[base.split("/")[0]] = b
    return rows


def load_full(d: pathlib.Path):
    """Median (or only) rows keyed by their full run name, e.g. 'bench/mode:1'."""
    rows = {}
    for f in sorted(d.glob("*.json")):
        for b in json.loads(f.read_text()).get("benchmarks", []):
            agg = b.get("aggregate_name")
            if agg and agg != "median":
                continue
            rows[b.get("run_name", b["name"])] = b
    return rows


def find(full, name):
    """The row named `name`, ignoring the suffixes Google Benchmark appends to run names
    (`/iterations:N`, `/real_time`, `/min_time:...`)."""
    if name in full:
        return full[name]
    for k, v in full.items():
        if k.startswith(name + "/") and all(
                part.startswith(("iterations:", "real_time", "min_time:", "repeats:"))
                for part in k[len(name) + 1:].split("/")):
            return v
    return None


def persistence_gate(d: pathlib.Path, failures):
    full = load_full(d)
    off = find(full, "tick_to_order_persistence/mode:0")
    on = find(full, "tick_to_order_persistence/mode:1")
    spooling = find(full, "tick_to_order_persistence/mode:2")
    wb = find(full, "write_behind_rows/1024")
    multi = find(full, "multi_row_insert")
    per_row = find(full, "per_row_insert")
    if not all([off, on, spooling, wb, multi, per_row]):
        failures.append("persistence benchmarks missing (bench_persistence)")
        return
    q_off, q_on, q_sp = off["p90_ns"], on["p90_ns"], spooling["p90_ns"]
    p_off, p_on, p_sp = off["p99_ns"], on["p99_ns"], spooling["p99_ns"]
    print(f"tick-to-order p90   off {q_off:.0f} ns   on {q_on:.0f} ns ({q_on / q_off:.2f}x)   "
          f"spooling {q_sp:.0f} ns ({q_sp / q_off:.2f}x)")
    print(f"tick-to-order p99   off {p_off:.0f} ns   on {p_on:.0f} ns ({p_on / p_off:.2f}x)   "
          f"spooling {p_sp:.0f} ns ({p_sp / p_off:.2f}x)")
    print(f"rows/s              write-behind {wb['items_per_second']:,.0f}   multi-row INSERT "
          f"{multi['items_per_second']:,.0f}   per-row INSERT {per_row['items_per_second']:,.0f}")
    # Percentiles over ~1,400 orders move by tens of percent on a shared machine between runs
    # that differ in nothing; CI's short mode (TORGHUT_BENCH_SHORT=1) uses a bound that only a
    # real regression (the hot path waiting on persistence) crosses, and prints the targets' verdict.
    short = os.environ.get("TORGHUT_BENCH_SHORT") == "1"
    lim_on, lim_sp = (1.5, 1.6) if short else (1.1, 1.2)
    for q, (a, b, c) in (("p90", (q_off, q_on, q_sp)), ("p99", (p_off, p_on, p_sp))):
        for name, r, target in (("on", b / a, 1.1), ("spooling", c / a, 1.2)):
            if r > target:
                print(f"note: {q} persistence {name} / off = {r:.2f} is above the {target} target in this run")
    if q_on / q_off > lim_on:
        failures.append(f"p90 persistence on / off = {q_on / q_off:.2f} > {lim_on}")
    if q_sp / q_off > lim_sp:
        failures.append(f"p90 spooling / off = {q_sp / q_off:.2f} > {lim_sp}")
    for name, r in (("on", p_on / p_off), ("spooling", p_sp / p_off)):
        if r > 10:
            failures.append(f"p99 persistence {name} / off = {r:.2f} > 10 (the hot path waits on persistence)")
    if wb["items_per_second"] < multi["items_per_second"] or wb["items_per_second"] < per_row["items_per_second"]:
        failures.append("the write-behind is slower than plain INSERTs of the same rows")


def codec_gate(d: pathlib.Path, failures):
    full = load_full(d)
    mine = find(full, "BM_decode_trade_msgpack")
    ref = find(full, "BM_reference_msgpack_cxx_trade")
    if not mine:
        failures.append("codec benchmarks missing (bench_codec)")
        return
    if not ref:
        print("codec: msgpack-cxx reference not built; skipping the comparison")
        return
    a, b = ns_per_item(mine), ns_per_item(ref)
    print(f"msgpack trade decode {a:8.1f} ns   msgpack-cxx {b:.1f} ns   ({b / a:.1f}x)")
    if a >= b:
        failures.append(f"hand-written msgpack decoder {a:.0f} ns is not faster than msgpack-cxx {b:.0f} ns")


def wire_to_wire_gate(d: pathlib.Path, failures):
    f = d / "wire_to_wire.json"
    if not f.exists():
        print("wire-to-wire: not run (no wire_to_wire.json)")
        if os.environ.get("TORGHUT_SDK_GATE") == "1":
            failures.append("engine vs official SDK: no wire_to_wire.json (the harness did not run)")
        return
    w = json.loads(f.read_text())
    orders, timeouts = int(w.get("orders", 0)), int(w.get("timeouts", 0))
    p50, p99, p999 = w.get("p50_ns", 0), w.get("p99_ns", 0), w.get("p999_ns", 0)
    t50, t99 = w.get("target_p50_ns", 15000), w.get("target_p99_ns", 50000)
    print(f"wire-to-wire        p50 {p50 / 1e3:.1f} us   p99 {p99 / 1e3:.1f} us   p99.9 {p999 / 1e3:.1f} us   "
          f"({orders} orders, {timeouts} timeouts; engine core {w.get('engine_cpu')}, simulator core "
          f"{w.get('sim_cpu')}, {w.get('cpus_online')} cores)")
    for name, v, t in (("p50", p50, t50), ("p99", p99, t99)):
        verdict = "held" if v <= t else "MISSED (informational: absolute times are not gated)"
        print(f"note: wire-to-wire {name} target {t / 1e3:.0f} us {verdict}")
    if orders <= 0 or int(w.get("samples", 0)) == 0:
        failures.append("wire-to-wire: no order measured")
    elif timeouts > 0.05 * orders:
        failures.append(f"wire-to-wire: {timeouts} of {orders} orders timed out (> 5 %)")
    sdk_gate(w, p50, p99, failures)


SDK_RATIO = 10.0


def sdk_gate(w, p50, p99, failures):
    required = os.environ.get("TORGHUT_SDK_GATE") == "1"
    b = w.get("sdk_bot")
    if b is None:
        if required:
            failures.append("engine vs official SDK: wire_to_wire.json has no sdk_bot section (the SDK bot did not "
                            "run: is tests/alpaca_clients/node_modules installed? scripts/sdk-conformance.sh does it)")
        else:
            print("engine vs SDK: not run (no sdk_bot section in wire_to_wire.json)")
        return
    orders, timeouts = int(b.get("orders", 0)), int(b.get("timeouts", 0))
    b50, b99 = b.get("p50_ns", 0), b.get("p99_ns", 0)
    r50 = b50 / p50 if p50 > 0 else 0.0
    r99 = b99 / p99 if p99 > 0 else 0.0
    print(f"official SDK bot    p50 {b50 / 1e3:.1f} us   p99 {b99 / 1e3:.1f} us   ({orders} orders, {timeouts} timeouts, "
          f"node on core {b.get('cpu')})")
    print(f"engine vs SDK       p50 {r50:.1f}x   p99 {r99:.1f}x faster (gate: both >= {SDK_RATIO:.0f}x)")
    if orders <= 0 or int(b.get("samples", 0)) == 0:
        failures.append("engine vs official SDK: no order of the SDK bot measured")
        return
    if timeouts > 0.05 * orders:
        failures.append(f"engine vs official SDK: {timeouts} of {orders} SDK bot orders timed out (> 5 %)")
    if r50 < SDK_RATIO or r99 < SDK_RATIO:
        failures.append(f"engine vs official SDK: the engine is {r50:.1f}x faster at p50 (engine {p50 / 1e3:.1f} us, "
                        f"SDK bot {b50 / 1e3:.1f} us) and {r99:.1f}x at p99 (engine {p99 / 1e3:.1f} us, SDK bot "
                        f"{b99 / 1e3:.1f} us); both must be >= {SDK_RATIO:.0f}x")


def ns_per_item(b):
    return 1e9 / b["items_per_second"]


def main():
    d = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "out/bench")
    rows = load(d)
    need = ["hot_mailbox_hop", "caf_message_hop", "tick_to_order", "chain_throughput"]
    missing = [n for n in need if n not in rows]
    if missing:
        print(f"latency gate: missing benchmarks {missing} in {d}")
        return 1
    hot = ns_per_item(rows["hot_mailbox_hop"])
    caf = ns_per_item(rows["caf_message_hop"])
    t2o = rows["tick_to_order"]
    p50, p99 = t2o["p50_ns"], t2o["p99_ns"]
    per_event = ns_per_item(rows["chain_throughput"])
    print(f"hot mailbox hop     {hot:10.1f} ns")
    print(f"CAF message hop     {caf:10.1f} ns   ({caf / hot:.1f}x the hot hop)")
    print(f"tick-to-order p50   {p50:10.0f} ns   p99 {p99:.0f} ns   ({int(t2o['orders'])} orders)")
    print(f"chain per event     {per_event:10.1f} ns   ({1e9 / per_event:,.0f} events/s)")
    failures = []
    if caf / hot < 20:
        failures.append(f"CAF hop / hot hop = {caf / hot:.1f} < 20")
    if p50 > 4 * caf:
        failures.append(f"tick-to-order p50 {p50:.0f} ns > 4 CAF hops ({4 * caf:.0f} ns)")
    if p99 > 20 * caf:
        failures.append(f"tick-to-order p99 {p99:.0f} ns > 20 CAF hops ({20 * caf:.0f} ns)")
    if per_event > 3 * caf:
        failures.append(f"chain per event {per_event:.0f} ns > 3 CAF hops ({3 * caf:.0f} ns)")
    persistence_gate(d, failures)
    codec_gate(d, failures)
    wire_to_wire_gate(d, failures)
    for f in failures:
        print("latency gate FAILED:", f)
    if not failures:
        print("latency gate: all ratios hold")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
