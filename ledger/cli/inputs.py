"""Reading reports from a file for `ledger append`, with every error located: the file,
the line, and the field (`reports.yaml:14: claims.0.value: …`).

Two passes over the file, then one transaction:

1. check — every report is read and validated: its shape, its ids unique in the file,
   every source and figure it names known to the ledger. Only the ids are kept.
2. write — the file is read again and the reports are appended chunk by chunk in one
   transaction (`Ledger.append_report_stream`): memory stays bounded whatever the size of
   the file, and a bad record anywhere leaves the ledger unchanged.

JSON Lines is read a line at a time (standard input is first copied to a temporary file,
so that it can be read twice). A JSON or YAML document is read whole, so it may be at most
`MAX_DOCUMENT` bytes; larger inputs belong in JSON Lines. Hostile text — other encodings,
YAML aliases, deep nesting, endless numbers, duplicate keys — is refused by
`ledger.service.documents`.
"""

from __future__ import annotations

import difflib
import re
import shutil
import sys
import tempfile
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any, Protocol

import yaml
from pydantic import ValidationError

from ledger.domain.model import Report
from ledger.errors import InvalidInputError, LedgerError, NotFoundError
from ledger.service.documents import (
    StrictLoader,
    check_line_text,
    decode_text,
    load_json,
    read_records,
)
from ledger.service.ledger import Ledger, RecordedReport

Path = tuple[str | int, ...]
Progress = Callable[[int], None]
"""Called with the number of reports checked (or written) so far."""

MAX_DOCUMENT = 64 * 2**20
"""The largest JSON or YAML document `append` reads (it is read whole); JSON Lines has no
limit but `MAX_LINE` per line."""

MAX_LINE = 16 * 2**20
"""The longest line of JSON Lines (one report)."""

CHUNK = 1000
"""Reports written per chunk of the one transaction: a larger chunk recomputes each figure
it touches less often, and holds more in memory (docs/performance.md, "Appending a large
file")."""

_MiB = 2**20


class ReportInput(Protocol):
    """Where reports come from: their name, the reports (read again on each call), and
    where each report and its fields are in the file."""

    name: str

    def reports(self) -> Iterator[Report]: ...

    def where(self, index: int, path: Path = ()) -> str: ...

    def located(self, index: int, path: Path) -> str: ...

    def close(self) -> None: ...


class _Located:
    def where(self, index: int, path: Path = ()) -> str:
        raise NotImplementedError

    def located(self, index: int, path: Path) -> str:
        """ "file:line: claims.0.value" — where a field is, and its name."""
        name = ".".join(str(part) for part in path)
        where = self.where(index, path)
        return f"{where}: {name}" if name else where

    def _validated(self, index: int, item: Any) -> Report:
        try:
            return Report.model_validate(item)
        except ValidationError as error:
            first = error.errors()[0]
            raise InvalidInputError(
                self.located(index, tuple(first["loc"])), first["msg"]
            ) from error


class Document(_Located):
    """A JSON or YAML document, read whole: its records, and the line where each record
    and field starts."""

    def __init__(self, text: str, name: str) -> None:
        self.name = name
        self.records = read_records(text, name)
        self._lines = _field_lines(text, len(self.records))
        self._reports: list[Report] | None = None

    def reports(self) -> Iterator[Report]:
        """The records as reports, validated once (the second pass reuses them)."""
        if self._reports is None:
            reports = []
            for index, (_, item) in enumerate(self.records):
                reports.append(self._validated(index, item))
            self._reports = reports
        yield from self._reports

    def where(self, index: int, path: Path = ()) -> str:
        """ "file:line" of a field of record `index` (or of its nearest located parent)."""
        lines = self._lines[index] if index < len(self._lines) else {}
        for depth in range(len(path), -1, -1):
            line = lines.get(path[:depth])
            if line is not None:
                return f"{self.name}:{line}"
        return self.records[index][0]

    def close(self) -> None:
        """Nothing to release."""


class Lines(_Located):
    """JSON Lines, one report per line, read a line at a time on each pass."""

    def __init__(self, handle: IO[bytes], name: str) -> None:
        self.name = name
        self._handle = handle
        self._numbers = array("Q")  # the line of each report, filled by the first pass
        self._counted = False

    def reports(self) -> Iterator[Report]:
        """Each line's report, in order; the first pass notes the line of each, a later
        pass refuses a file whose reports moved since (it changed while being read)."""
        first = not self._counted
        index = -1
        for index, (number, text) in enumerate(self._lines()):
            if first:
                self._numbers.append(number)
            elif index >= len(self._numbers) or self._numbers[index] != number:
                raise self._changed(number)
            yield self._validated(index, load_json(text, self.name, number))
        if not first and index + 1 != len(self._numbers):
            raise self._changed(self._numbers[-1])
        self._counted = True

    def _changed(self, number: int) -> InvalidInputError:
        return InvalidInputError(
            f"{self.name}:{number}", "the file changed while it was being read; append it again"
        )

    def _lines(self) -> Iterator[tuple[int, str]]:
        self._handle.seek(0)
        number = 0
        while True:
            raw = self._handle.readline(MAX_LINE + 1)
            if not raw:
                return
            number += 1
            if len(raw) > MAX_LINE:
                raise InvalidInputError(
                    f"{self.name}:{number}",
                    f"a line longer than {MAX_LINE // _MiB} MiB (one report per line)",
                )
            text = decode_text(raw, self.name) if number == 1 else _decoded(raw, self.name, number)
            if text.strip():
                yield number, text

    def where(self, index: int, path: Path = ()) -> str:
        """ "file:line" of report `index` (its line holds all its fields)."""
        return f"{self.name}:{self._numbers[index]}"

    def close(self) -> None:
        """Close the file (a copy of standard input is deleted)."""
        self._handle.close()


def _decoded(raw: bytes, name: str, number: int) -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        byte = raw[error.start]
        raise InvalidInputError(
            f"{name}:{number}", f"not UTF-8 text (byte 0x{byte:02x}); save the file as UTF-8"
        ) from error
    check_line_text(text, name, number)
    return text


def open_reports(path: str) -> ReportInput:
    """The reports in a JSON, YAML or JSON Lines file ("-" for standard input), not yet
    read: JSON Lines by its name (`.jsonl`, `.ndjson`) or because its first two lines are
    objects; anything else is a JSON or YAML document."""
    handle, name = _open(path)
    try:
        if name.endswith((".jsonl", ".ndjson")) or _starts_as_lines(handle):
            return Lines(handle, name)
        data = handle.read(MAX_DOCUMENT + 1)
    except BaseException:
        handle.close()
        raise
    handle.close()
    if len(data) > MAX_DOCUMENT:
        raise InvalidInputError(
            name,
            f"larger than {MAX_DOCUMENT // _MiB} MiB, the most a JSON or YAML document may be; "
            "write it as JSON Lines (one report per line), which is read in bounded memory",
        )
    return Document(decode_text(data, name), name)


def _open(path: str) -> tuple[IO[bytes], str]:
    if path == "-":
        spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the input that reads it
        stream = getattr(sys.stdin, "buffer", None)
        if stream is not None:
            shutil.copyfileobj(stream, spool)
        else:  # a text stream without bytes beneath it
            for line in sys.stdin:
                spool.write(line.encode("utf-8", "surrogateescape"))
        spool.seek(0)
        return spool, "<stdin>"
    try:
        return open(path, "rb"), path
    except OSError as error:
        raise InvalidInputError("file", f"cannot read {path}: {error.strerror}") from error


def _starts_as_lines(handle: IO[bytes]) -> bool:
    firsts: list[bytes] = []
    while len(firsts) < 2:
        raw = handle.readline(MAX_LINE + 1)
        if not raw:
            break
        if raw.strip():
            firsts.append(raw.lstrip().lstrip(b"\xef\xbb\xbf"))
    handle.seek(0)
    return len(firsts) == 2 and all(line.startswith(b"{") for line in firsts)


# -- the two passes -----------------------------------------------------------------------


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
        path: Path = ("claims", number, "claim_id")
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


_FIELD = re.compile(r"^reports\[(\d+)\]\.(.*)$")
_PART = re.compile(r"([A-Za-z_]+)(?:\[(\d+)\])?")


def _relocated(error: LedgerError, batch: ReportFile) -> LedgerError:
    source = batch.source
    if isinstance(error, InvalidInputError):
        match = _FIELD.match(error.field)
        if match is None or int(match.group(1)) >= batch.count:
            return error
        path: list[str | int] = []
        for name, number in _PART.findall(match.group(2)):
            path.append(name)
            if number:
                path.append(int(number))
        return InvalidInputError(source.located(int(match.group(1)), tuple(path)), error.reason)
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


# -- line numbers -------------------------------------------------------------------------


def _field_lines(text: str, count: int) -> list[dict[Path, int]]:
    """For each record of a JSON or YAML document, the line of every field (through YAML's
    composer, nesting bounded). Empty maps when the text cannot be composed."""
    try:
        root = yaml.compose(text, Loader=StrictLoader)
    except (yaml.YAMLError, RecursionError):
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
