"""Structured logging, configured in one place.

JSON lines when stderr is not a terminal (or `LEDGER_LOG_FORMAT=json`, or `json=True`),
a readable console format otherwise. `LEDGER_LOG_LEVEL` sets the level (default WARNING
for the command line, so that tables stay clean; the library itself only emits).
"""

from __future__ import annotations

import logging
import os
import sys

import structlog


def configure(*, json: bool | None = None, level: str | int | None = None) -> None:
    """Configure structlog for the process: call once, from an entry point."""
    if json is None:
        wanted = os.environ.get("LEDGER_LOG_FORMAT", "").lower()
        json = wanted == "json" or (wanted != "console" and not sys.stderr.isatty())
    if level is None:
        level = os.environ.get("LEDGER_LOG_LEVEL", "WARNING")
    if isinstance(level, str):
        level = logging.getLevelNamesMapping().get(level.upper(), logging.WARNING)
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer()
        if json
        else structlog.dev.ConsoleRenderer(colors=_colours())
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )


def _colours() -> bool:
    """Colour the console lines at a terminal, unless `NO_COLOR` is set (no-color.org)."""
    return sys.stderr.isatty() and not os.environ.get("NO_COLOR")
