"""`ledger keys`: the API keys of the HTTP service — create (the token shown once), list,
revoke. Run as the database's owner on PostgreSQL (docs/operations.md)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

import typer
from rich.table import Table

from ledger.cli import render
from ledger.cli.app import app, stdout
from ledger.cli.options import Db, Json, opened
from ledger.service.keys import ApiKey, Scope

keys_app = typer.Typer(
    name="keys",
    help=(
        "The HTTP service's API keys: create, list, revoke.\n\n"
        "A request to the service sends `Authorization: Bearer TOKEN`. The token is printed "
        "once, by `keys create`; the ledger keeps only its SHA-256."
    ),
    no_args_is_help=True,
)
app.add_typer(keys_app, rich_help_panel="Set up")

Name = Annotated[
    str, typer.Argument(metavar="NAME", help="Who or what holds the key, e.g. newsroom-bot.")
]
SCOPES = "|".join(Scope)


@keys_app.command()
def create(
    name: Name,
    scope: Annotated[
        str,
        typer.Option(
            "--scope",
            metavar=SCOPES,
            help="What the key may do: read; append (and read); admin (everything).",
            show_default=False,
        ),
    ],
    db: Db = None,
    json: Json = False,
) -> None:
    """Create a key and print its token, once: the ledger keeps only its SHA-256.

    Names are 1 to 100 letters, digits and . _ @ - and are never reused."""
    with opened(db) as lg:
        key, token = lg.keys.create(name, scope)
    if json:
        render.emit(
            {"name": key.name, "scope": key.scope, "created_at": key.created_at, "token": token}
        )
        return
    stdout().print(f"created key {render.markup(key.name)} ({key.scope})")
    typer.echo(token)
    stdout().print("Copy the token now: it is not shown again (the ledger keeps only its hash).")


@keys_app.command("list")
def list_keys(db: Db = None, json: Json = False) -> None:
    """List every key by name, revoked ones too, with its scope and times (never a token)."""
    with opened(db) as lg:
        found = lg.keys.list()
    if json:
        render.emit(found)
        return
    if not found:
        stdout().print("no keys yet: `ledger keys create NAME --scope read` makes one")
        return
    stdout().print(keys_table(found))


@keys_app.command()
def revoke(name: Name, db: Db = None, json: Json = False) -> None:
    """Revoke a key: its token authenticates nothing from now on (within a second on a
    running server, which remembers a valid key that long).

    The key stays listed, and its name taken; revoking it again is an error."""
    with opened(db) as lg:
        key = lg.keys.revoke(name)
    if json:
        render.emit(key)
        return
    stdout().print(
        f"revoked key {render.markup(key.name)} ({key.scope}): its token authenticates "
        "nothing from now on (on a running server: within a second)"
    )


def keys_table(keys: Sequence[ApiKey]) -> Table:
    """Each key: its name, scope, and when it was created and revoked."""
    table = render.new_table("name", "scope", "created", "revoked", keep=(1, 2, 3))
    for key in keys:
        revoked = render.recorded(key.revoked_at) if key.revoked_at else ""
        table.add_row(key.name, str(key.scope), render.recorded(key.created_at), revoked)
    return table
