"""`ledger serve`: the ledger as an HTTP service (docs/service.md)."""

from __future__ import annotations

import contextlib
import os
from typing import Annotated

import typer

from ledger import logs
from ledger.cli.app import app, stderr
from ledger.cli.options import Db, opened, shown
from ledger.http.app import MAX_BODY, create_app
from ledger.http.server import serve as run


@app.command(rich_help_panel="Serve")
def serve(
    db: Db = None,
    host: Annotated[
        str, typer.Option("--host", help="The address to listen on (0.0.0.0: every interface).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="The port.")] = 8080,
    max_body: Annotated[
        int,
        typer.Option("--max-body", min=1, metavar="BYTES", help="The largest request body."),
    ] = MAX_BODY,
    read_url: Annotated[
        str | None,
        typer.Option(
            "--read-url",
            metavar="URL",
            help="Answer reads from this database, opened read-only: a PostgreSQL streaming "
            "replica of --db (a hot standby). Writes still go to --db; a read with "
            "min_position waits (a few seconds at most) until the replica has applied it.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Serve the ledger over HTTP: the API under /v1, its schema at /openapi.json and an
    interactive page at /docs. Requests carry a key (`ledger keys create`).

    Logs one JSON line per request on stderr (LEDGER_LOG_LEVEL=WARNING to silence them).
    Stops on Ctrl-C or SIGTERM once the requests in flight are answered."""
    logs.configure(level=os.environ.get("LEDGER_LOG_LEVEL") or "INFO")
    with contextlib.ExitStack() as stack:
        lg = stack.enter_context(opened(db))
        reader = None if read_url is None else stack.enter_context(opened(read_url, read_only=True))
        reads = "" if reader is None else f", reads from {shown(reader.url)}"
        stderr().print(f"serving {shown(lg.url)}{reads} on http://{host}:{port} (docs: /docs)")
        run(create_app(lg, reader=reader, max_body=max_body), host, port)
