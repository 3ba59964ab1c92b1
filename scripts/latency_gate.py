#!/usr/bin/env python3
"""Latency gate for CI: compares ratios measured in the same benchmark run, never absolute
times (CI machines are shared and noisy). Prints every number it uses, fails on a broken ratio.

Gates (each a ratio of two numbers from this run):
  1. one CAF message hop costs at least 20x one hot-mailbox hop;
  2. tick-to-order p50 (the whole chain, raw JSON frame to order) is under 4 CAF hops,
     and its p99 under 20 CAF hops;
  3. the whole chain per market event costs less than 3 CAF hops (throughput).
Measured on the development machine (docs/PERFORMANCE.md): CAF hop ~370 ns, tick-to-order p50
~0.9 us (2.4 hops), p99 ~4.4 us (12 hops), chain per event ~0.6 us (1.6 hops). The gates leave
room for noise and catch regressions of roughly 1.5x or more.
"""
import json
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
    for f in failures:
        print("latency gate FAILED:", f)
    if not failures:
        print("latency gate: all ratios hold")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
