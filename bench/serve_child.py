"""`python -m bench.serve_child URL`: the ledger at URL served over HTTP by this process,
on a free loopback port. Prints the server's base URL, then serves until its stdin closes.

The benchmark measures the service from another process, so that client and server do
not share an interpreter lock, as they would not in use."""

from __future__ import annotations

import sys


def main(url: str) -> None:
    import ledger
    from ledger.http.app import create_app
    from ledger.http.server import Background
    from ledger.logs import configure

    configure(json=True, level="WARNING")  # as `LEDGER_LOG_LEVEL=WARNING ledger serve`
    with ledger.open(url) as lg, Background(create_app(lg)) as server:
        print(server.url, flush=True)
        sys.stdin.read()  # the benchmark closes it when done


if __name__ == "__main__":
    main(sys.argv[1])
