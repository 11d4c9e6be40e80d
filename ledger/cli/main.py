"""The `ledger` command: the entry point the console script runs.

The commands live in modules by job — `admin` (init, migrate, replay, verify, export,
import), `writing` (append, register-source, define-figure and the compensating events),
`reading` (sources, figures, claims, estimate, history, diff, plot), `keys` (the HTTP
service's API keys: create, list, revoke) and `demo` — each registering itself on the one
Typer `app`.
"""

from __future__ import annotations

from ledger import logs
from ledger.cli import admin, demo, keys, reading, serve, writing
from ledger.cli.app import app

__all__ = ["app", "main"]

_COMMAND_MODULES = (admin, demo, keys, reading, serve, writing)  # imported for their commands


def main() -> None:
    """Run the `ledger` command line (logs go to stderr, WARNING and above by default)."""
    logs.configure()
    app()


if __name__ == "__main__":
    main()
