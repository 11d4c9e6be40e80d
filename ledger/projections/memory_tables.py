"""The read model in memory: its tables as dictionaries, the journal that undoes writes
to them, and the reads of them.

`Tables` holds what the SQL read model reads, in the same shapes: each claim's documents
as JSON text (as asserted — SQL reads that from the claim's event — and as it stands once
it has changed), each change of a claim's standing, each figure's stored headline and
history entries, and the checkpoint. Texts are read back through the same models as the
SQL rows are, so both read models answer with equal values. `MemoryReads` answers `Reads` from them;
`ledger.projections.memory` writes them.
"""

from __future__ import annotations

import bisect
import difflib
import json
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from ledger.domain.estimate import ClaimView, EstimateSummary, EventRef
from ledger.domain.events import ReportFiled
from ledger.domain.history import EstimateChange
from ledger.domain.model import Figure, Source
from ledger.domain.policy import PolicyClaim
from ledger.domain.standing import ClaimChange, claim_as_of
from ledger.projections.read_model import Reads

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

SUGGESTION_NEIGHBOURS = 500
"""How many report ids on each side of a mistyped one are compared with it (as in SQL)."""


@dataclass(frozen=True, slots=True)
class ClaimRow:
    """One claim: its documents (JSON text) and the policy's row of it as it stands."""

    figure: str
    report_id: str
    origin: str
    outlet: str
    derived_from: str | None
    position: int
    published_at: datetime
    asserted: str
    current: str | None
    row: PolicyClaim

    def view(self) -> ClaimView:
        """The claim as it stands now."""
        return ClaimView.model_validate_json(self.current or self.asserted)


@dataclass(frozen=True, slots=True)
class ChangeRow:
    """One change of a claim's standing (`ClaimChange` as JSON text)."""

    claim_id: str
    figure: str
    issued_by: str | None
    position: int
    change: str

    def parsed(self) -> ClaimChange:
        return ClaimChange.model_validate_json(self.change)


@dataclass(slots=True)
class Tables:
    """The read model's rows, in memory (see the module docstring)."""

    checkpoint: dict[str, int] = field(default_factory=lambda: {"read_model": 0})
    recorded: list[datetime] = field(default_factory=list)  # position - 1 → recorded_at
    event_ids: set[str] = field(default_factory=set)
    sources: dict[str, tuple[Source, int]] = field(default_factory=dict)
    figures: dict[str, tuple[Figure, int]] = field(default_factory=dict)
    reports: dict[str, tuple[str, int]] = field(default_factory=dict)  # report JSON, position
    claims: dict[str, ClaimRow] = field(default_factory=dict)
    by_figure: dict[str, list[str]] = field(default_factory=dict)  # claim ids, in position order
    by_report: dict[str, list[str]] = field(default_factory=dict)
    by_origin: dict[str, list[str]] = field(default_factory=dict)
    by_outlet: dict[str, list[str]] = field(default_factory=dict)
    relays: dict[str, list[str]] = field(default_factory=dict)  # derived_from → claim ids
    changes_of: dict[str, list[ChangeRow]] = field(default_factory=dict)  # by claim
    changes_by_figure: dict[str, list[ChangeRow]] = field(default_factory=dict)
    issued: dict[str, list[ChangeRow]] = field(default_factory=dict)  # by issuer
    estimates: dict[str, tuple[str, str]] = field(default_factory=dict)  # summary, changed_by
    history: dict[str, list[tuple[int, str]]] = field(default_factory=dict)  # position, entry

    def dump(self) -> dict[str, list[str]]:
        """Every table as plain rows in key order, to compare a rebuild with the live one."""

        def rows(items: Iterator[object]) -> list[str]:
            return [json.dumps(item, default=str) for item in items]

        return {
            "sources": rows(
                [k, s.model_dump(mode="json"), p] for k, (s, p) in sorted(self.sources.items())
            ),
            "figures": rows(
                [k, f.model_dump(mode="json"), p] for k, (f, p) in sorted(self.figures.items())
            ),
            "reports": rows([k, text, p] for k, (text, p) in sorted(self.reports.items())),
            "claims": rows(
                [k, c.asserted, c.current, c.row.status.value, c.row.withdrawn_via]
                for k, c in sorted(self.claims.items())
            ),
            "claim_changes": rows(
                [k, c.position, c.change]
                for k, changes in sorted(self.changes_of.items())
                for c in changes
            ),
            "estimates": rows([k, *row] for k, row in sorted(self.estimates.items())),
            "estimate_history": rows(
                [k, *entry] for k, entries in sorted(self.history.items()) for entry in entries
            ),
            "checkpoints": rows(iter([self.checkpoint["read_model"]])),
        }


class Journal:
    """Every write to `Tables` made inside a `block()`, to undo if the block fails (as a
    transaction rolls back). Outside a block, writes are simply made."""

    def __init__(self) -> None:
        self._undo: list[Callable[[], object]] | None = None

    @contextmanager
    def block(self) -> Iterator[None]:
        """Undo every write of the block if it raises (nested: back to where it began)."""
        outermost = self._undo is None
        undo = self._undo = [] if self._undo is None else self._undo
        mark = len(undo)
        try:
            yield
        except BaseException:
            while len(undo) > mark:
                undo.pop()()
            raise
        finally:
            if outermost:
                self._undo = None

    def _then(self, step: Callable[[], object]) -> None:
        if self._undo is not None:
            self._undo.append(step)

    def put(self, table: dict[K, V], key: K, value: V) -> None:
        """`table[key] = value`."""
        if key in table:
            old = table[key]
            self._then(lambda: table.__setitem__(key, old))
        else:
            self._then(lambda: table.pop(key))
        table[key] = value

    def push(self, table: dict[K, list[V]], key: K, item: V) -> None:
        """Append `item` to the list `table[key]` (a new list if there is none)."""
        found = table.get(key)
        if found is None:
            self.put(table, key, [item])
        else:
            self.append(found, item)

    def append(self, items: list[V], item: V) -> None:
        """`items.append(item)`."""
        items.append(item)
        self._then(items.pop)

    def add(self, items: set[V], item: V) -> None:
        """`items.add(item)` (for an item not in it yet)."""
        if item not in items:
            items.add(item)
            self._then(lambda: items.discard(item))


def differences(stored: dict[str, list[str]], rebuilt: dict[str, list[str]]) -> list[str]:
    """Where two `Tables.dump`s differ: each differing table's first differing row."""
    found = []
    for table, mine in stored.items():
        theirs = rebuilt[table]
        if mine == theirs:
            continue
        at = next(
            (i for i, (a, b) in enumerate(zip(mine, theirs, strict=False)) if a != b),
            min(len(mine), len(theirs)),
        )
        found.append(
            f"{table}: row {at + 1}: {_row(mine, at)} in the stored read model, "
            f"{_row(theirs, at)} rebuilt ({len(mine)} rows stored, {len(theirs)} rebuilt)"
        )
    return found


def _row(rows: list[str], at: int) -> str:
    text = rows[at] if at < len(rows) else "nothing"
    return text if len(text) <= 200 else text[:197] + "..."


def closest(key: str, candidates: list[str]) -> str | None:
    """The candidate nearest to a mistyped key, if one is close (as SQL suggests)."""
    matches = difflib.get_close_matches(key, candidates, n=1, cutoff=0.6)
    return matches[0] if matches else None


class MemoryReads(Reads):
    """`Reads` over `Tables` (the caller holds the read model's lock)."""

    def __init__(self, tables: Tables) -> None:
        self.t = tables

    def checkpoint(self) -> int:
        return self.t.checkpoint["read_model"]

    def source(self, source_id: str) -> Source | None:
        found = self.t.sources.get(source_id)
        return found[0] if found else None

    def sources(self) -> list[Source]:
        return [self.t.sources[key][0] for key in sorted(self.t.sources)]

    def nearest_source(self, source_id: str) -> str | None:
        return closest(source_id, list(self.t.sources))

    def figure(self, key: str) -> Figure | None:
        found = self.t.figures.get(key)
        return found[0] if found else None

    def figures(self) -> list[Figure]:
        return [self.t.figures[key][0] for key in sorted(self.t.figures)]

    def children(self, key: str) -> list[Figure]:
        return [f for f in self.figures() if f.parent == key]

    def nearest_figure(self, key: str) -> str | None:
        return closest(key, list(self.t.figures))

    def report(self, report_id: str) -> tuple[ReportFiled, int] | None:
        found = self.t.reports.get(report_id)
        return (ReportFiled.model_validate_json(found[0]), found[1]) if found else None

    def has_report(self, report_id: str) -> bool:
        return report_id in self.t.reports

    def nearest_report(self, report_id: str) -> str | None:
        ids = sorted(self.t.reports)
        at = bisect.bisect_left(ids, report_id)
        after = ids[at : at + SUGGESTION_NEIGHBOURS]
        before = ids[max(0, at - SUGGESTION_NEIGHBOURS) : at][::-1]
        return closest(report_id, [*after, *before])

    def claim(self, claim_id: str) -> ClaimView | None:
        found = self.t.claims.get(claim_id)
        return found.view() if found else None

    def _views(self, claim_ids: list[str] | None) -> list[ClaimView]:
        rows = [self.t.claims[claim_id] for claim_id in claim_ids or ()]
        return [row.view() for row in sorted(rows, key=lambda row: row.position)]

    def claims(self, key: str) -> list[ClaimView]:
        return self._views(self.t.by_figure.get(key))

    def claims_as_of(
        self, key: str, *, position: int | None = None, known_on: datetime | None = None
    ) -> list[ClaimView]:
        changes: dict[str, list[ClaimChange]] = {}
        for row in self.t.changes_by_figure.get(key, ()):
            if position is not None and row.position > position:
                continue
            change = row.parsed()
            if known_on is None or change.retroactive or change.published_at <= known_on:
                changes.setdefault(row.claim_id, []).append(change)
        found = []
        for claim_id in self.t.by_figure.get(key, ()):
            claim = self.t.claims[claim_id]
            if position is not None and claim.position > position:
                continue
            if known_on is not None and claim.published_at > known_on:
                continue
            asserted = ClaimView.model_validate_json(claim.asserted)
            found.append((claim.position, claim_as_of(asserted, changes.get(claim_id, ()))))
        return [view for _, view in sorted(found, key=lambda pair: pair[0])]

    def claims_by_figure(self) -> Iterator[tuple[str, list[ClaimView]]]:
        for key in sorted(self.t.by_figure):
            yield key, self.claims(key)

    def claims_of_report(self, report_id: str) -> list[ClaimView]:
        return self._views(self.t.by_report.get(report_id))

    def claims_originated(self, source_id: str) -> list[ClaimView]:
        return self._views(self.t.by_origin.get(source_id))

    def claims_carried(self, outlet: str) -> list[ClaimView]:
        return self._views(self.t.by_outlet.get(outlet))

    def changes_issued(self, source_id: str) -> list[tuple[str, str, ClaimChange]]:
        rows = sorted(self.t.issued.get(source_id, ()), key=lambda row: row.position)
        return [(row.claim_id, row.figure, row.parsed()) for row in rows]

    def summary(self, key: str) -> EstimateSummary | None:
        found = self.t.estimates.get(key)
        return EstimateSummary.model_validate_json(found[0]) if found else None

    def summaries(self) -> dict[str, EstimateSummary]:
        return {
            key: EstimateSummary.model_validate_json(summary)
            for key, (summary, _) in self.t.estimates.items()
        }

    def changed_by(self, key: str) -> EventRef | None:
        found = self.t.estimates.get(key)
        return EventRef.model_validate_json(found[1]) if found else None

    def changes_by_figure(self) -> dict[str, EventRef]:
        return {
            key: EventRef.model_validate_json(ref) for key, (_, ref) in self.t.estimates.items()
        }

    def last_change(self, key: str, position: int) -> EventRef | None:
        entries = [text for at, text in self.t.history.get(key, ()) if at <= position]
        return EstimateChange.model_validate_json(entries[-1]).cause.event if entries else None

    def history(
        self, key: str, *, after: int | None = None, limit: int | None = None
    ) -> list[EstimateChange]:
        entries = [text for at, text in self.t.history.get(key, ()) if after is None or at > after]
        if limit is not None:
            entries = entries[:limit]
        return [EstimateChange.model_validate_json(text) for text in entries]

    def position_before(self, moment: datetime) -> int:
        return bisect.bisect_left(self.t.recorded, moment)
