#!/usr/bin/env python3
"""Maps a decision log's text rationales back to the numeric codes the engine wrote before the
strategy SDK, so the log can be compared byte for byte with one from before (docs/STRATEGIES.md,
"Decision-log identity"). The mapping, by the text's prefix:

    1  "macd crossed above signal"   (macd_rsi buy)
    2  "macd crossed below signal"   (macd_rsi sell)
    3  "close below lower band"      (bollinger_reversion buy)
    4  "close back at mid band"      (bollinger_reversion sell)
    5  "probe"                       (tick_probe)

    scripts/decision_log_legacy.py IN.jsonl OUT.jsonl   # exits 1 on a rationale it cannot map
"""
import re
import sys

MAPPING = [
    ("macd crossed above signal", 1),
    ("macd crossed below signal", 2),
    ("close below lower band", 3),
    ("close back at mid band", 4),
    ("probe", 5),
]
FIELD = re.compile(r'"rationale":"((?:[^"\\]|\\.)*)"')


def legacy(line: str) -> str:
    def sub(m: re.Match) -> str:
        text = m.group(1)
        for prefix, code in MAPPING:
            if text.startswith(prefix):
                return f'"rationale":{code}'
        raise ValueError(f"unmapped rationale: {text!r}")
    return FIELD.sub(sub, line)


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    try:
        with open(sys.argv[1]) as src, open(sys.argv[2], "w") as dst:
            for line in src:
                dst.write(legacy(line))
    except ValueError as e:
        print(f"decision_log_legacy: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
