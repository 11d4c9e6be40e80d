"""`python -m bench.large_file REPORTS DB FILE`: a ledger with 100 sources and 1,000 figures
at DB, and FILE, a JSON Lines file of REPORTS reports (one to three claims each, seeded) for
`ledger append FILE --db DB` — how docs/performance.md measures appending a large file."""

from __future__ import annotations

import json
import random
import sys

import ledger

SOURCES = 100
FIGURES = 1000


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    if len(arguments) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    count, url, path = int(arguments[0]), arguments[1], arguments[2]
    rng = random.Random(20220109)
    with ledger.open(url, actor="bench") as lg:
        if not lg.head():
            for source in range(SOURCES):
                lg.register_source(f"src-{source}", name=f"Source {source}", kind="media")
            for figure in range(FIGURES):
                lg.define_figure(f"bulk/killed/place-{figure}")
    with open(path, "w", encoding="utf-8") as file:
        for index in range(count):
            claims = [
                {
                    "claim_id": f"c-{index}-{number}",
                    "figure": f"bulk/killed/place-{rng.randrange(FIGURES)}",
                    "value": f"at least {rng.randrange(1, 5000)}",
                    "as_of": "2022-01-09",
                    "origin": f"src-{rng.randrange(SOURCES)}",
                    "quote": "Officials said at least so many people had died.",
                }
                for number in range(rng.choice((1, 1, 2, 3)))
            ]
            report = {
                "report_id": f"r-{index}",
                "outlet": f"src-{rng.randrange(SOURCES)}",
                "published_at": "2022-01-10T09:00:00+06:00",
                "title": f"Report {index}",
                "url": f"https://example.org/{index}",
                "claims": claims,
            }
            file.write(json.dumps(report) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
