"""Work measured in a child process of its own, so that its peak RSS is its own:
`python -m bench.child replay URL` or `python -m bench.child scan PATH`; prints JSON."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from bench.peers import peak_rss_mb, raw_scan


def replay(url: str) -> dict[str, float]:
    """Rebuild every projection from position 0 (no live-vs-rebuilt comparison)."""
    import ledger
    from ledger.logs import configure

    configure(json=True, level="WARNING")
    baseline = peak_rss_mb()
    with ledger.open(url) as lg:
        started = time.perf_counter()
        result = lg.replay(check=False)
        seconds = time.perf_counter() - started
    return {
        "events": result.events,
        "figures": result.figures,
        "seconds": round(seconds, 4),
        "events_per_s": result.events / seconds,
        "peak_rss_mb": peak_rss_mb(),
        "rss_after_imports_mb": baseline,
    }


def main(argv: list[str]) -> None:
    what, target = argv
    if what == "replay":
        out = replay(target)
    elif what == "scan":
        out = raw_scan(Path(target))
    else:
        raise SystemExit(f"unknown job {what!r}")
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1:])
