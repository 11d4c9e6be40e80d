"""`ledger append`'s two passes over a file of reports, then one transaction:

1. check — every report is read and validated: its shape, its ids unique in the file,
   every source and figure it names known to the ledger. Only the ids are kept.
2. write — the file is read again and the reports are appended chunk by chunk in one
   transaction (`Ledger.append_report_stream`): memory stays bounded whatever the size of
   the file, and a bad record anywhere leaves the ledger unchanged. An error the ledger
   raises is located back in the file (`ledger.cli.report_files`).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from ledger.cli.report_files import ReportInput
from ledger.domain.model import Report
from ledger.errors import FieldPath, InvalidInputError, LedgerError, NotFoundError
from ledger.service.commands import report_in_error
from ledger.service.ledger import Ledger, RecordedReport

Progress = Callable[[int], None]
"""Called with the number of reports checked (or written) so far."""

CHUNK = 1000
"""Reports written per chunk of the one transaction: a larger chunk recomputes each figure
it touches less often, and holds more in memory (docs/performance.md, "Appending a large
file")."""


@dataclass
class ReportFile:
    """A checked input: how many reports, and where each report id and claim id is."""

    source: ReportInput
    count: int = 0
    report_ids: dict[str, int] = field(default_factory=dict)
    claim_ids: dict[str, tuple[int, int]] = field(default_factory=dict)


def check_reports(lg: Ledger, source: ReportInput, progress: Progress | None = None) -> ReportFile:
    """The first pass: every report well formed, its ids unique in the file, and every
    outlet, origin and figure known to the ledger (the nearest figure key suggested)."""
    batch = ReportFile(source)
    sources = {known.source_id for known in lg.sources()}
    figures = [figure.figure for figure in lg.figures()]
    known_figures = set(figures)
    for index, report in enumerate(source.reports()):
        _check_unique(batch, index, report)
        _check_references(batch, index, report, sources, figures, known_figures)
        batch.count = index + 1
        if progress and batch.count % 1000 == 0:
            progress(batch.count)
    if not batch.count:
        raise InvalidInputError(source.name, "no report in this file")
    if progress:
        progress(batch.count)
    return batch


def _check_unique(batch: ReportFile, index: int, report: Report) -> None:
    source = batch.source
    first = batch.report_ids.setdefault(report.report_id, index)
    if first != index:
        raise InvalidInputError(
            source.located(index, ("report_id",)),
            f"{report.report_id!r} appears twice (first at {source.where(first, ('report_id',))})",
        )
    for number, claim in enumerate(report.claims):
        path: FieldPath = ("claims", number, "claim_id")
        seen = batch.claim_ids.setdefault(claim.claim_id, (index, number))
        if seen != (index, number):
            first_at = source.where(seen[0], ("claims", seen[1], "claim_id"))
            raise InvalidInputError(
                source.located(index, path),
                f"{claim.claim_id!r} appears twice (first at {first_at})",
            )


def _check_references(
    batch: ReportFile,
    index: int,
    report: Report,
    sources: set[str],
    figures: list[str],
    known_figures: set[str],
) -> None:
    source = batch.source
    register = " (register it with `ledger register-source`)"
    if report.outlet not in sources:
        raise InvalidInputError(
            source.located(index, ("outlet",)), f"unknown source {report.outlet!r}{register}"
        )
    for number, claim in enumerate(report.claims):
        if claim.origin not in sources:
            raise InvalidInputError(
                source.located(index, ("claims", number, "origin")),
                f"unknown source {claim.origin!r}{register}",
            )
        if claim.figure not in known_figures:
            near = difflib.get_close_matches(claim.figure, figures, n=1, cutoff=0.6)
            hint = (
                f" (did you mean {near[0]!r}?)"
                if near
                else " (define it with `ledger define-figure`)"
            )
            raise InvalidInputError(
                source.located(index, ("claims", number, "figure")),
                f"unknown figure {claim.figure!r}{hint}",
            )


def write_reports(
    lg: Ledger,
    batch: ReportFile,
    recorded: Callable[[RecordedReport], None] | None = None,
    progress: Progress | None = None,
) -> int:
    """The second pass: the reports appended in one transaction, a chunk at a time; an
    error the ledger raises is located back in the file when it names a report, a claim
    or a field. Returns how many reports were recorded."""

    def reports() -> Iterator[Report]:
        for index, report in enumerate(batch.source.reports(), start=1):
            yield report
            if progress and index % 1000 == 0:
                progress(index)

    try:
        count = lg.append_report_stream(reports(), recorded=recorded, chunk_size=CHUNK)
    except LedgerError as error:
        raise _relocated(error, batch) from error
    if progress:
        progress(count)
    return count


def _relocated(error: LedgerError, batch: ReportFile) -> LedgerError:
    source = batch.source
    if isinstance(error, InvalidInputError):
        found = report_in_error(error)
        if found is None or found[0] >= batch.count:
            return error
        index, path = found
        return InvalidInputError(source.located(index, path), error.reason)
    key = getattr(error, "key", None)
    if isinstance(key, str) and not isinstance(error, NotFoundError):
        if key in batch.report_ids:
            where = source.located(batch.report_ids[key], ("report_id",))
            return InvalidInputError(where, str(error))
        if key in batch.claim_ids:
            index, number = batch.claim_ids[key]
            where = source.located(index, ("claims", number, "claim_id"))
            return InvalidInputError(where, str(error))
    return error
