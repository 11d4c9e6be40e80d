"""Reads of the read model, on a SQLAlchemy connection. Everything here is indexed by figure
or claim id, so its cost follows the size of one figure, not of the ledger.

Dumping the whole read model and naming where two dumps differ is
`ledger.projections.comparison` (`dump` and `differences` are importable from here as before).
"""

from __future__ import annotations

import difflib
import itertools
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from ledger.domain.estimate import ClaimView, EstimateSummary, EventRef, FigureInfo
from ledger.domain.events import ReportFiled
from ledger.domain.history import EstimateChange
from ledger.domain.model import Figure, FigureKind, Source, SourceKind
from ledger.domain.standing import ClaimChange, claim_as_of
from ledger.projections import tables as t
from ledger.projections.claim_views import asserted_view, claim_view, select_views
from ledger.projections.comparison import differences as differences
from ledger.projections.comparison import dump as dump
from ledger.store.schema import events

READ_MODEL_CHECKPOINT = "read_model"


def checkpoint(connection: Connection) -> int:
    """The last position the read model has applied (0 when empty)."""
    query = sa.select(t.checkpoints.c.position).where(t.checkpoints.c.name == READ_MODEL_CHECKPOINT)
    return int(connection.execute(query).scalar() or 0)


def storable(key: str) -> bool:
    """Whether a key could have been stored: text without NUL characters or lone
    surrogates (neither database accepts them, so no such key can be found)."""
    if "\x00" in key:
        return False
    try:
        key.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def source(connection: Connection, source_id: str) -> Source | None:
    """One registered source."""
    if not storable(source_id):
        return None
    row = connection.execute(sa.select(t.sources).where(t.sources.c.source_id == source_id)).first()
    return _source(row) if row else None


def sources(connection: Connection) -> list[Source]:
    """Every registered source, by id."""
    rows = connection.execute(sa.select(t.sources).order_by(t.sources.c.source_id))
    return [_source(row) for row in rows]


def _source(row: sa.Row[object]) -> Source:
    return Source(
        source_id=row.source_id,
        name=row.name,
        kind=SourceKind(row.kind),
        parent=row.parent,
        notes=row.notes,
    )


def figure(connection: Connection, key: str) -> Figure | None:
    """One defined figure."""
    if not storable(key):
        return None
    row = connection.execute(sa.select(t.figures).where(t.figures.c.figure == key)).first()
    return _figure(row) if row else None


def figures(connection: Connection) -> list[Figure]:
    """Every defined figure, by key."""
    rows = connection.execute(sa.select(t.figures).order_by(t.figures.c.figure))
    return [_figure(row) for row in rows]


def figure_keys(connection: Connection) -> list[str]:
    """Every figure key (for suggestions)."""
    return list(connection.execute(sa.select(t.figures.c.figure)).scalars())


def _figure(row: sa.Row[object]) -> Figure:
    return Figure(
        figure=row.figure,
        unit=row.unit,
        kind=FigureKind(row.kind),
        parent=row.parent,
        description=row.description,
    )


def figure_info(item: Figure) -> FigureInfo:
    """What the estimation policy needs of a figure."""
    return FigureInfo(figure=item.figure, unit=item.unit, kind=item.kind)


def claim(connection: Connection, claim_id: str) -> ClaimView | None:
    """A claim as it stands now."""
    if not storable(claim_id):
        return None
    row = connection.execute(select_views().where(t.claims.c.claim_id == claim_id)).first()
    return claim_view(row) if row else None


def _views(connection: Connection, query: sa.Select[Any]) -> list[ClaimView]:
    """The claims a query of `select_views` selects, as they stand now."""
    return [claim_view(row) for row in connection.execute(query)]


def relays(connection: Connection, claim_id: str) -> list[ClaimView]:
    """The claims that name `claim_id` as `derived_from`, as they stand now."""
    query = select_views().where(t.claims.c.derived_from == claim_id).order_by(t.claims.c.position)
    return _views(connection, query)


def claims(connection: Connection, key: str) -> list[ClaimView]:
    """Every claim of a figure as it stands now, in the order they were recorded."""
    query = select_views().where(t.claims.c.figure == key).order_by(t.claims.c.position)
    return _views(connection, query)


def claims_as_of(
    connection: Connection,
    key: str,
    *,
    position: int | None = None,
    known_on: datetime | None = None,
) -> list[ClaimView]:
    """Every claim of a figure as it stood after `position`, or as known on `known_on`
    (published by then; corrections of our own extraction always apply)."""
    query = select_views().where(t.claims.c.figure == key)
    changes_query = sa.select(t.claim_changes.c.claim_id, t.claim_changes.c.change).where(
        t.claim_changes.c.figure == key
    )
    if position is not None:
        query = query.where(t.claims.c.position <= position)
        changes_query = changes_query.where(t.claim_changes.c.position <= position)
    if known_on is not None:
        query = query.where(t.claims.c.published_at <= known_on)
    changes: dict[str, list[ClaimChange]] = {}
    for claim_id, text in connection.execute(changes_query):
        change = ClaimChange.model_validate_json(text)
        if known_on is None or change.retroactive or change.published_at <= known_on:
            changes.setdefault(claim_id, []).append(change)
    asserted = map(asserted_view, connection.execute(query.order_by(t.claims.c.position)))
    return [claim_as_of(view, changes.get(view.claim_id, ())) for view in asserted]


def changed_by(connection: Connection, key: str) -> EventRef | None:
    """The event that last changed a figure's estimate (None for an unknown figure)."""
    query = sa.select(t.estimates.c.changed_by).where(t.estimates.c.figure == key)
    text = connection.execute(query).scalar()
    return EventRef.model_validate_json(text) if text else None


def summaries(connection: Connection) -> dict[str, EstimateSummary]:
    """The stored headline of every figure's current estimate."""
    rows = connection.execute(sa.select(t.estimates.c.figure, t.estimates.c.summary))
    return {key: EstimateSummary.model_validate_json(text) for key, text in rows}


def changes_by_figure(connection: Connection) -> dict[str, EventRef]:
    """The event that last changed each figure's estimate."""
    rows = connection.execute(sa.select(t.estimates.c.figure, t.estimates.c.changed_by))
    return {key: EventRef.model_validate_json(text) for key, text in rows}


def claims_by_figure(connection: Connection) -> Iterator[tuple[str, list[ClaimView]]]:
    """Every figure that has claims, with its claims as they stand now, one figure at a time
    (one indexed scan)."""
    query = select_views().order_by(t.claims.c.figure, t.claims.c.position)
    views = map(claim_view, connection.execute(query))
    for key, group in itertools.groupby(views, key=lambda view: view.figure):
        yield key, list(group)


def last_change(connection: Connection, key: str, position: int) -> EventRef | None:
    """The event that last changed a figure's estimate at or before `position`."""
    query = (
        sa.select(t.estimate_history.c.entry)
        .where(t.estimate_history.c.figure == key, t.estimate_history.c.position <= position)
        .order_by(t.estimate_history.c.position.desc())
        .limit(1)
    )
    text = connection.execute(query).scalar()
    return EstimateChange.model_validate_json(text).cause.event if text else None


def history(
    connection: Connection, key: str, *, after: int | None = None, limit: int | None = None
) -> list[EstimateChange]:
    """The changes of a figure's estimate, oldest first: those after position `after`, at
    most `limit` (one range scan of the (figure, position) index: a keyset page)."""
    query = (
        sa.select(t.estimate_history.c.entry)
        .where(t.estimate_history.c.figure == key)
        .order_by(t.estimate_history.c.position)
    )
    if after is not None:
        query = query.where(t.estimate_history.c.position > after)
    if limit is not None:
        query = query.limit(limit)
    return [
        EstimateChange.model_validate_json(text) for text in connection.execute(query).scalars()
    ]


def head_position(connection: Connection) -> int:
    """The last position in the log."""
    return int(connection.execute(sa.select(sa.func.max(events.c.position))).scalar() or 0)


def reports_exists(connection: Connection, report_id: str) -> bool:
    """Whether a report with this id was filed."""
    if not storable(report_id):
        return False
    query = sa.select(t.reports.c.report_id).where(t.reports.c.report_id == report_id)
    return connection.execute(query).first() is not None


def claims_of_report(connection: Connection, report_id: str) -> list[ClaimView]:
    """Every claim a report carried, as it stands now."""
    query = select_views().where(t.claims.c.report_id == report_id).order_by(t.claims.c.position)
    return _views(connection, query)


def report(connection: Connection, report_id: str) -> tuple[ReportFiled, int] | None:
    """A filed report as recorded, and the position it was recorded at."""
    query = sa.select(t.reports.c.report, t.reports.c.position).where(
        t.reports.c.report_id == report_id
    )
    row = connection.execute(query).first()
    return (ReportFiled.model_validate_json(row[0]), int(row[1])) if row else None


def claims_originated(connection: Connection, source_id: str) -> list[ClaimView]:
    """Every claim whose origin is `source_id`, as it stands now, in the order recorded."""
    query = select_views().where(t.claims.c.origin == source_id).order_by(t.claims.c.position)
    return _views(connection, query)


def claims_carried(connection: Connection, outlet: str) -> list[ClaimView]:
    """Every claim in a report `outlet` published, as it stands now, in the order recorded."""
    query = (
        select_views()
        .join(t.reports, t.reports.c.report_id == t.claims.c.report_id)
        .where(t.reports.c.outlet == outlet)
        .order_by(t.claims.c.position)
    )
    return _views(connection, query)


def changes_issued(connection: Connection, source_id: str) -> list[tuple[str, str, ClaimChange]]:
    """(claim id, figure, change) for every compensating event `source_id` issued, in order."""
    query = (
        sa.select(t.claim_changes.c.claim_id, t.claim_changes.c.figure, t.claim_changes.c.change)
        .where(t.claim_changes.c.issued_by == source_id)
        .order_by(t.claim_changes.c.position, t.claim_changes.c.change_id)
    )
    return [
        (claim_id, key, ClaimChange.model_validate_json(text))
        for claim_id, key, text in connection.execute(query)
    ]


def source_ids(connection: Connection) -> list[str]:
    """Every registered source id (for suggestions)."""
    return list(connection.execute(sa.select(t.sources.c.source_id)).scalars())


def suggest_source(connection: Connection, source_id: str) -> str | None:
    """The registered source id nearest to a mistyped one, if one is close."""
    return _closest(source_id, source_ids(connection))


SUGGESTION_NEIGHBOURS = 500
"""How many report ids on each side of a mistyped one, in sort order, are compared with it:
reports can number millions, so a suggestion looks at the ids sorting next to the typo (one
index range each way), which is where a slip after the first few characters lands."""


def suggest_report(connection: Connection, report_id: str) -> str | None:
    """The filed report id nearest to a mistyped one among its neighbours in sort order."""
    if not storable(report_id):
        return None
    column = t.reports.c.report_id
    after = sa.select(column).where(column >= report_id).order_by(column)
    before = sa.select(column).where(column < report_id).order_by(column.desc())
    candidates = [
        *connection.execute(after.limit(SUGGESTION_NEIGHBOURS)).scalars(),
        *connection.execute(before.limit(SUGGESTION_NEIGHBOURS)).scalars(),
    ]
    return _closest(report_id, candidates)


def _closest(key: str, candidates: list[str]) -> str | None:
    matches = difflib.get_close_matches(key, candidates, n=1, cutoff=0.6)
    return matches[0] if matches else None


def position_before(connection: Connection, moment: datetime) -> int:
    """The last position recorded strictly before `moment` (0 if none).

    Two index look-ups rather than `max(position) WHERE recorded_at < moment`, which reads
    every earlier event: the store's clock never goes back, so the last position before
    `moment` is the last one recorded at the latest time before it.
    """
    latest = connection.execute(
        sa.select(sa.func.max(events.c.recorded_at)).where(events.c.recorded_at < moment)
    ).scalar()
    if latest is None:
        return 0
    query = sa.select(sa.func.max(events.c.position)).where(events.c.recorded_at == latest)
    return int(connection.execute(query).scalar() or 0)


def event_type_of(connection: Connection, event_id: str) -> str | None:
    """The type of the recorded event with this id, if any."""
    query = sa.select(events.c.type).where(events.c.event_id == event_id)
    return connection.execute(query).scalar()


def children(connection: Connection, key: str) -> list[Figure]:
    """The figures defined with `key` as their parent, by key."""
    query = sa.select(t.figures).where(t.figures.c.parent == key).order_by(t.figures.c.figure)
    return [_figure(row) for row in connection.execute(query)]


def summary(connection: Connection, key: str) -> EstimateSummary | None:
    """The stored headline of one figure's current estimate."""
    query = sa.select(t.estimates.c.summary).where(t.estimates.c.figure == key)
    text = connection.execute(query).scalar()
    return EstimateSummary.model_validate_json(text) if text else None
