"""`python -m bench --size small|full` (what `make bench SIZE=...` runs): one run of every
measurement, a ratio table on stdout, and the full results as JSON under bench/results/."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from bench.report import markdown, render
from bench.runner import SIZES, run

RESULTS = Path(__file__).parent / "results"
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--size", choices=sorted(SIZES), default="full")
    parser.add_argument(
        "--events",
        type=int,
        default=None,
        help="override the large ledger's size (events) of the chosen --size",
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=None,
        help="where to write the results (default bench/results/<time>-<size>.json)",
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("LEDGER_BENCH_POSTGRES_URL", DEFAULT_POSTGRES),
        help="PostgreSQL server for the writer runs; 'none' to skip "
        "(default $LEDGER_BENCH_POSTGRES_URL or %(default)s)",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="where the databases go (default: a temporary folder, removed)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    parser.add_argument(
        "--markdown",
        type=Path,
        default=None,
        metavar="RESULTS",
        help="print the table of an earlier run's JSON as Markdown (docs/performance.md) and stop",
    )
    args = parser.parse_args(argv)
    if args.markdown is not None:
        print(markdown(json.loads(args.markdown.read_text())))
        return 0

    from ledger.logs import configure

    configure(json=True, level="WARNING")
    size = SIZES[args.size]
    if args.events is not None:
        size = replace(size, events=args.events)
    postgres_url = None if args.postgres_url.lower() in ("", "none") else args.postgres_url
    started = time.perf_counter()

    def say(message: str) -> None:
        if not args.quiet:
            print(f"[{time.perf_counter() - started:7.1f}s] {message}", file=sys.stderr, flush=True)

    if args.workdir is not None:
        results = run(size, args.workdir, postgres_url, say)
    else:
        with tempfile.TemporaryDirectory(prefix="ledger-bench-") as folder:
            results = run(size, Path(folder), postgres_url, say)
    target = args.json or RESULTS / f"{time.strftime('%Y%m%dT%H%M%S')}-{size.name}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(results, indent=2) + "\n")
    render(results)
    say(f"results written to {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
