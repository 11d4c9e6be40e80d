"""The Typer application, and how every command answers a user error: one line on stderr
and a non-zero exit code, never a traceback.

Exit codes: 0 success; 1 a check failed (`verify` found a broken chain, `replay` found the
rebuilt read model differs from the live one); 2 bad usage or input the ledger refused
(a malformed file, an unknown figure, a time without a zone, a conflict); 3 the database
is unreachable or failed.
"""

from __future__ import annotations

from typing import Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from typer.core import TyperGroup

from ledger.errors import (
    DatabaseUnavailableError,
    InvalidInputError,
    LedgerError,
    LogDamagedError,
    LogTruncatedError,
    StoreError,
)

CHECK_FAILED = 1
BAD_INPUT = 2
DATABASE_FAILED = 3


class UserError(Exception):
    """A problem the user can fix, with the message to show them."""

    def __init__(self, message: str, code: int = BAD_INPUT) -> None:
        self.message = message
        self.code = code
        super().__init__(message)


def stdout() -> Console:
    """A console on the current standard output (created per use: tests swap streams)."""
    return Console(highlight=False, soft_wrap=False)


def stderr() -> Console:
    """A console on the current standard error."""
    return Console(stderr=True, highlight=False, soft_wrap=True)


def progress_bar() -> Progress:
    """A progress bar on stderr, shown only to a person at a terminal."""
    console = stderr()
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
        disable=not console.is_interactive,
    )


def message_of(error: BaseException) -> tuple[str, int]:
    """The one-line message and exit code for an error the user can act on."""
    match error:
        case UserError():
            return error.message, error.code
        case DatabaseUnavailableError():
            return f"database unavailable: {error}", DATABASE_FAILED
        case LogDamagedError() | LogTruncatedError():
            return str(error), CHECK_FAILED  # what verify reports: a check of the log failed
        case StoreError():
            return f"database error: {error}", DATABASE_FAILED
        case InvalidInputError():
            return str(error), BAD_INPUT
        case LedgerError():
            return str(error), BAD_INPUT
        case ValidationError():
            first = error.errors()[0]
            field = ".".join(str(part) for part in first["loc"])
            return (f"{field}: {first['msg']}" if field else first["msg"]), BAD_INPUT
        case OSError():
            where = f"{error.filename}: " if error.filename else ""
            return f"{where}{error.strerror or error}", BAD_INPUT
        case _:
            return str(error), BAD_INPUT


HANDLED = (UserError, LedgerError, ValidationError, OSError)


class LedgerGroup(TyperGroup):
    """The command group: turns the errors users cause into a message and an exit code."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            raise  # the reader went away (`ledger export | head`): Typer exits quietly
        except HANDLED as error:
            message, code = message_of(error)
            stderr().print(f"[bold red]error:[/] {escape(message)}")
            raise typer.Exit(code) from None


app = typer.Typer(
    cls=LedgerGroup,
    name="ledger",
    help=(
        "The claim ledger: every figure a source asserts about an unfolding event, kept "
        "forever, with its best estimate, provenance and history.\n\n"
        "Every command reads the ledger at --db URL (default: $LEDGER_DATABASE_URL, else "
        "./ledger.db). A bare file path means a SQLite file. Add --json for output a script "
        "can read. Try `ledger demo`."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)
