"""Feeding a workload to the ledger: registrations first, then reports and compensations,
one report per transaction or many."""

from __future__ import annotations

import time
from collections.abc import Sequence

import ledger
from bench.peers import Timed
from bench.workload import Compensated, Filed, Operation, Workload, chunks
from ledger.domain.events import ClaimDisputed, ClaimRetracted, Event
from ledger.remote import RemoteLedger


def register(
    url: str,
    workload: Workload,
    figures: set[str] | None = None,
    sources: set[str] | None = None,
) -> int:
    """Register (the chosen) sources and figures; not timed. On SQLite with
    `synchronous=NORMAL`: these single-event transactions are set-up, not the measurement.
    Returns the log's head afterwards."""
    with ledger.open(url, synchronous="NORMAL") as lg:
        for source in workload.sources:
            if sources is not None and source.source_id not in sources:
                continue
            lg.register_source(
                source.source_id,
                name=source.name,
                kind=source.kind,
                parent=source.parent,
                notes=source.notes,
            )
        for figure in workload.figures:
            if figures is None or figure.figure in figures:
                lg.define_figure(
                    figure.figure,
                    unit=figure.unit,
                    kind=figure.kind,
                    parent=figure.parent,
                    description=figure.description,
                )
        return lg.head()


def sources_of(workload: Workload, operations: Sequence[Operation]) -> set[str]:
    """Every source the operations name (outlets, origins, who compensates) and their parents."""
    named: set[str] = set()
    for op in operations:
        if isinstance(op, Filed):
            named.add(op.report.outlet)
            named.update(claim.origin for claim in op.report.claims)
        else:
            named.add(op.by)
    parents = {s.source_id: s.parent for s in workload.sources}
    for source_id in list(named):
        parent = parents.get(source_id)
        while parent is not None and parent not in named:
            named.add(parent)
            parent = parents.get(parent)
    return named


def compensation_event(op: Compensated) -> Event:
    cls = ClaimRetracted if op.kind == "retract" else ClaimDisputed
    return cls(claim_id=op.claim_id, by=op.by, reason=op.reason, published_at=op.published_at)


def append_one(lg: ledger.Ledger | RemoteLedger, op: Operation) -> tuple[int, int]:
    """One report, retraction or dispute in a transaction of its own, through the public
    API (of a local ledger, or of a served one: one request); returns (claims, events)."""
    if isinstance(op, Filed):
        lg.append_report(op.report)
        return len(op.report.claims), 1 + len(op.report.claims)
    if op.kind == "retract":
        lg.retract(op.claim_id, by=op.by, reason=op.reason, published_at=op.published_at)
    else:
        lg.dispute(op.claim_id, by=op.by, reason=op.reason, published_at=op.published_at)
    return 0, 1


def one_per_transaction(lg: ledger.Ledger, operations: Sequence[Operation]) -> Timed:
    """Each report, retraction and dispute in its own transaction, through the public API."""
    claims = events = 0
    started = time.perf_counter()
    for op in operations:
        added = append_one(lg, op)
        claims += added[0]
        events += added[1]
    return Timed(time.perf_counter() - started, claims, events, len(operations))


def bulk(lg: ledger.Ledger, operations: Sequence[Operation], per_transaction: int) -> Timed:
    """`per_transaction` reports in one `append_reports` transaction; the retractions and
    disputes due within that chunk in one more transaction after it.

    The ledger has no public call that appends many compensations at once, so this uses
    `Ledger._append`, the path `retract`/`dispute` themselves take.
    """
    claims = events = transactions = 0
    started = time.perf_counter()
    for chunk in chunks(list(operations), per_transaction):
        reports = [op.report for op in chunk if isinstance(op, Filed)]
        compensations = [compensation_event(op) for op in chunk if isinstance(op, Compensated)]
        if reports:
            lg.append_reports(reports)
            transactions += 1
            claims += sum(len(r.claims) for r in reports)
            events += sum(1 + len(r.claims) for r in reports)
        if compensations:
            lg._append(compensations)
            transactions += 1
            events += len(compensations)
    return Timed(time.perf_counter() - started, claims, events, transactions)


def prefix(operations: Sequence[Operation], reports: int) -> list[Operation]:
    """The operations up to and including the `reports`-th report."""
    seen = 0
    for index, op in enumerate(operations):
        if isinstance(op, Filed):
            seen += 1
            if seen == reports:
                return list(operations[: index + 1])
    return list(operations)
