"""On PostgreSQL, each append wakes those who listen: `NOTIFY ledger_events` on commit.

A statement-level trigger on `events` sends a notification on the channel `ledger_events`
whose payload is the ledger's schema (several ledgers may share a database). PostgreSQL
delivers it when the appending transaction commits, never for one rolled back, so a
listener — the HTTP service's event stream — wakes to read the log, which stays the
truth: a notification carries no event, and one missed only delays the reader until its
next look. SQLite has no such thing; its readers look at the log again after a short wait.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

CHANNEL = "ledger_events"


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute(
        f"""CREATE FUNCTION ledger_notify_append() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('{CHANNEL}', TG_TABLE_SCHEMA);
            RETURN NULL;
        END $$"""
    )
    op.execute(
        "CREATE TRIGGER events_notify_append AFTER INSERT ON events "
        "FOR EACH STATEMENT EXECUTE FUNCTION ledger_notify_append()"
    )


def downgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER events_notify_append ON events")
    op.execute("DROP FUNCTION ledger_notify_append()")
