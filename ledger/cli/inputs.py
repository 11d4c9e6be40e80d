"""Reading reports from a file for `ledger append`, with every error located: the file,
the line, and the field (`reports.yaml:14: claims.0.value: …`).

The whole file is read and validated — its shape, then its references to sources and
figures the ledger holds — before anything is written; the reports are then appended in
one transaction, so a bad record anywhere leaves the ledger unchanged.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import ValidationError

from ledger.domain.model import Report
from ledger.errors import InvalidInputError, LedgerError, NotFoundError
from ledger.service.documents import read_file, read_records
from ledger.service.ledger import Ledger, RecordedReport

Path = tuple[str | int, ...]


class Document:
    """The records of an input file, and the line where each record and field starts."""

    def __init__(self, text: str, name: str) -> None:
        self.name = name
        self.records = read_records(text, name)
        self._lines = _field_lines(text, name, len(self.records))

    def where(self, index: int, path: Path = ()) -> str:
        """ "file:line" of a field of record `index` (or of its nearest located parent)."""
        lines = self._lines[index] if index < len(self._lines) else {}
        for depth in range(len(path), -1, -1):
            line = lines.get(path[:depth])
            if line is not None:
                return f"{self.name}:{line}"
        return self.records[index][0]

    def located(self, index: int, path: Path) -> str:
        """ "file:line: claims.0.value" — where a field is, and its name."""
        field = ".".join(str(part) for part in path)
        where = self.where(index, path)
        return f"{where}: {field}" if field else where


@dataclass(frozen=True)
class ReportFile:
    """The reports of one file, validated, with the document to locate errors in."""

    document: Document
    reports: list[Report]


def read_reports(path: str) -> ReportFile:
    """The reports in a JSON, YAML or JSON Lines file ("-" for standard input)."""
    text, name = read_file(path)
    document = Document(text, name)
    if not document.records:
        raise InvalidInputError(name, "no report in this file")
    reports = []
    for index, (_, item) in enumerate(document.records):
        try:
            reports.append(Report.model_validate(item))
        except ValidationError as error:
            first = error.errors()[0]
            raise InvalidInputError(
                document.located(index, tuple(first["loc"])), first["msg"]
            ) from error
    batch = ReportFile(document, reports)
    _check_unique(batch)
    return batch


def _check_unique(batch: ReportFile) -> None:
    reports: dict[str, str] = {}
    claims: dict[str, str] = {}
    for index, report in enumerate(batch.reports):
        if report.report_id in reports:
            raise InvalidInputError(
                batch.document.located(index, ("report_id",)),
                f"{report.report_id!r} appears twice (first at {reports[report.report_id]})",
            )
        reports[report.report_id] = batch.document.where(index, ("report_id",))
        for number, claim in enumerate(report.claims):
            path: Path = ("claims", number, "claim_id")
            if claim.claim_id in claims:
                raise InvalidInputError(
                    batch.document.located(index, path),
                    f"{claim.claim_id!r} appears twice (first at {claims[claim.claim_id]})",
                )
            claims[claim.claim_id] = batch.document.where(index, path)


def check_references(lg: Ledger, batch: ReportFile) -> None:
    """Every outlet, origin and figure must be known to the ledger; the error names the
    line and field, and suggests the nearest figure key."""
    sources = {source.source_id for source in lg.sources()}
    figures = [figure.figure for figure in lg.figures()]
    known_figures = set(figures)
    register = " (register it with `ledger register-source`)"
    for index, report in enumerate(batch.reports):
        if report.outlet not in sources:
            raise InvalidInputError(
                batch.document.located(index, ("outlet",)),
                f"unknown source {report.outlet!r}{register}",
            )
        for number, claim in enumerate(report.claims):
            if claim.origin not in sources:
                raise InvalidInputError(
                    batch.document.located(index, ("claims", number, "origin")),
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
                    batch.document.located(index, ("claims", number, "figure")),
                    f"unknown figure {claim.figure!r}{hint}",
                )


def append_file(lg: Ledger, batch: ReportFile) -> list[RecordedReport]:
    """Append the reports in one transaction; an error the ledger raises is located back
    in the file when it names a report, a claim or a field."""
    try:
        return lg.append_reports(batch.reports)
    except LedgerError as error:
        raise _relocated(error, batch) from error


_FIELD = re.compile(r"^(?:reports\[(\d+)\]\.)?(.*)$")
_PART = re.compile(r"([A-Za-z_]+)(?:\[(\d+)\])?")


def _relocated(error: LedgerError, batch: ReportFile) -> LedgerError:
    if isinstance(error, InvalidInputError):
        match = _FIELD.match(error.field)
        index = int(match.group(1) or 0) if match else len(batch.reports)
        if match is None or index >= len(batch.reports):
            return error
        path: list[str | int] = []
        for name, number in _PART.findall(match.group(2)):
            path.append(name)
            if number:
                path.append(int(number))
        return InvalidInputError(batch.document.located(index, tuple(path)), error.reason)
    key = getattr(error, "key", None)
    if isinstance(key, str) and not isinstance(error, NotFoundError):
        for index, report in enumerate(batch.reports):
            if report.report_id == key:
                where = batch.document.located(index, ("report_id",))
                return InvalidInputError(where, str(error))
            for number, claim in enumerate(report.claims):
                if claim.claim_id == key:
                    where = batch.document.located(index, ("claims", number, "claim_id"))
                    return InvalidInputError(where, str(error))
    return error


# -- line numbers -------------------------------------------------------------------------


def _field_lines(text: str, name: str, count: int) -> list[dict[Path, int]]:
    """For each record, the line of every field (JSON and YAML through YAML's composer;
    JSON Lines by line). Empty maps when the text cannot be composed."""
    if name.endswith((".jsonl", ".ndjson")) or _is_lines(text):
        numbers = [n for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
        return [{(): number} for number in numbers[:count]]
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return [{} for _ in range(count)]
    if root is None:
        return []
    items = root.value if isinstance(root, yaml.SequenceNode) else [root]
    result = []
    for node in items:
        lines: dict[Path, int] = {}
        _walk(node, (), lines)
        result.append(lines)
    return result


def _walk(node: Any, path: Path, lines: dict[Path, int]) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            _walk(value, (*path, str(key.value)), lines)
            lines[(*path, str(key.value))] = key.start_mark.line + 1  # the key's line
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), lines)


def _is_lines(text: str) -> bool:
    lines = [line for line in text.splitlines() if line.strip()]
    return len(lines) > 1 and all(line.lstrip().startswith("{") for line in lines)
