"""`python -m bench.large_file [--reports N] [--chunk N] [--workdir DIR]`: how much memory
and time `ledger append` takes for a large JSON Lines file (docs/performance.md,
"Appending a large file").

It makes a SQLite ledger with 100 sources and 1,000 figures and a JSON Lines file of N
reports (one to three claims each, seed 20220109), then runs `ledger append FILE --db DB`
in a child process and prints the child's peak resident memory (`VmHWM`, else
`ru_maxrss`) and the wall-clock seconds. `--chunk` sets the reports written per chunk.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import ledger

SOURCES = 100
FIGURES = 1000

_CHILD = """
import resource, sys
from pathlib import Path
from ledger.cli import inputs
from ledger.cli.main import main
out, inputs.CHUNK = Path(sys.argv.pop()), int(sys.argv.pop())
try:
    main()
finally:
    status = Path("/proc/self/status")
    lines = status.read_text().splitlines() if status.exists() else []
    peak = [int(line.split()[1]) for line in lines if line.startswith("VmHWM:")]
    out.write_text(str(peak[0] if peak else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
"""


def make(count: int, url: str, path: Path) -> None:
    """The ledger at `url` (sources and figures) and `count` reports in JSON Lines at `path`."""
    rng = random.Random(20220109)
    with ledger.open(url, actor="bench") as lg:
        if not lg.head():
            for source in range(SOURCES):
                lg.register_source(f"src-{source}", name=f"Source {source}", kind="media")
            for figure in range(FIGURES):
                lg.define_figure(f"bulk/killed/place-{figure}")
    with path.open("w", encoding="utf-8") as file:
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


def measure(path: Path, url: str, chunk: int, workdir: Path) -> tuple[float, float]:
    """Run `ledger append` in a child process: its peak RSS in MB, and the seconds taken."""
    peak = workdir / "peak"
    command = [sys.executable, "-c", _CHILD, "append", str(path), "--db", url, str(chunk)]
    started = time.perf_counter()
    done = subprocess.run(
        [*command, str(peak)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(done.stderr.decode(errors="replace"))
    kib = int(peak.read_text())
    return kib / 1024, seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.large_file", description=__doc__)
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--chunk", type=int, default=1000)
    parser.add_argument("--workdir", type=Path, default=None, help="keep the files here")
    arguments = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as temporary:
        workdir = arguments.workdir or Path(temporary)
        workdir.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{workdir / 'large.db'}"
        path = workdir / "large.jsonl"
        make(arguments.reports, url, path)
        size = path.stat().st_size / 2**20
        megabytes, seconds = measure(path, url, arguments.chunk, workdir)
    print(
        f"{arguments.reports} reports ({size:.0f} MiB of JSON Lines) in chunks of "
        f"{arguments.chunk}: peak RSS {megabytes:.0f} MB, {seconds:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
