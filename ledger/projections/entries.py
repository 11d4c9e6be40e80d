"""What both read models write for a recomputed figure: its history entry, with the
references to the events behind it (`Projector` in SQL, `MemoryReadModel` in memory)."""

from __future__ import annotations

import orjson

from ledger.domain.estimate import EstimateSummary
from ledger.domain.history import Document, change_document, changed_fields, ref_document
from ledger.store.record import StoredEvent


class Refs(dict[int, Document]):
    """The `EventRef` documents of a batch's events, each built once."""

    def __call__(self, stored: StoredEvent) -> Document:
        found = self.get(stored.position)
        if found is None:
            found = self[stored.position] = ref_document(
                stored.position, stored.type, str(stored.event_id), stored.recorded_at
            )
        return found


def entry_document(
    figure: str,
    ref: Document,
    earlier: str | None,
    summary: str,
    before: EstimateSummary | None,
    after: EstimateSummary,
    causes: list[Document],
) -> Document:
    """A history entry as a document, its headlines embedded as their stored JSON texts
    (`earlier`: the one it replaces, None for the first; `summary`: the new one)."""
    return change_document(
        figure,
        ref,
        None if earlier is None else orjson.Fragment(earlier),
        orjson.Fragment(summary),
        changed_fields(before, after),
        causes,
    )
