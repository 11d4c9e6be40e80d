"""The event log: one append-only, hash-chained table.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ledger.store.schema import Position, UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

REFUSED = "ledger: events are append-only"

SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER events_refuse_update BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, '{REFUSED}: UPDATE refused'); END""",
    f"""CREATE TRIGGER events_refuse_delete BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, '{REFUSED}: DELETE refused'); END""",
    # INSERT OR REPLACE deletes the conflicting row without firing DELETE triggers unless
    # recursive_triggers is on: refuse any insert that is not the next position or that
    # collides with a recorded event id or stream version.
    f"""CREATE TRIGGER events_refuse_replace BEFORE INSERT ON events
    WHEN NEW.position IS NOT (SELECT COALESCE(MAX(position), 0) + 1 FROM events)
      OR EXISTS (SELECT 1 FROM events WHERE event_id = NEW.event_id)
      OR EXISTS (SELECT 1 FROM events
                 WHERE stream_id = NEW.stream_id AND stream_version = NEW.stream_version)
    BEGIN SELECT RAISE(ABORT, '{REFUSED}: only the next position may be inserted'); END""",
]

POSTGRES_TRIGGERS = [
    f"""CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{REFUSED}: % refused', TG_OP
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END $$""",
    f"""CREATE FUNCTION ledger_check_append() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.position IS DISTINCT FROM (SELECT COALESCE(MAX(position), 0) + 1 FROM events) THEN
            RAISE EXCEPTION '{REFUSED}: only the next position may be inserted'
                USING ERRCODE = 'object_not_in_prerequisite_state';
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER events_refuse_change BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()""",
    """CREATE TRIGGER events_refuse_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change()""",
    """CREATE TRIGGER events_check_append BEFORE INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION ledger_check_append()""",
    "REVOKE UPDATE, DELETE, TRUNCATE ON events FROM PUBLIC",
]


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("position", Position, primary_key=True, autoincrement=False),
        sa.Column("stream_id", sa.String(255), nullable=False),
        sa.Column("stream_version", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("schema_version", sa.Integer(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("metadata", sa.Text(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("position", name=op.f("pk_events")),
    )
    op.create_index(op.f("ix_events_event_id"), "events", ["event_id"], unique=True)
    op.create_index(
        op.f("ix_events_stream_id_stream_version"),
        "events",
        ["stream_id", "stream_version"],
        unique=True,
    )
    op.create_index(op.f("ix_events_hash"), "events", ["hash"])
    op.create_index(op.f("ix_events_recorded_at"), "events", ["recorded_at"])
    dialect = op.get_context().dialect.name
    for statement in SQLITE_TRIGGERS if dialect == "sqlite" else POSTGRES_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP TABLE events")  # its triggers go with it
        op.execute("DROP FUNCTION ledger_refuse_change()")
        op.execute("DROP FUNCTION ledger_check_append()")
        return
    op.drop_table("events")  # its indexes and triggers go with it
