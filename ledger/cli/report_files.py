"""Reports read from a file for `ledger append`, with every error located: the file, the
line, and the field (`reports.yaml:14: claims.0.value: …`).

JSON Lines is read a line at a time (standard input is first copied to a temporary file,
so that it can be read twice). A JSON or YAML document is read whole, so it may be at most
`MAX_DOCUMENT` bytes; larger inputs belong in JSON Lines. Hostile text — other encodings,
YAML aliases, deep nesting, endless numbers, duplicate keys — is refused by
`ledger.service.documents`.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from array import array
from collections.abc import Iterator
from typing import IO, Any, Protocol

import yaml
from pydantic import ValidationError

from ledger.domain.model import Report
from ledger.errors import FieldPath, InvalidInputError
from ledger.service.documents import (
    StrictLoader,
    check_line_text,
    decode_text,
    load_json,
    read_records,
)

MAX_DOCUMENT = 64 * 2**20
"""The largest JSON or YAML document `append` reads (it is read whole); JSON Lines has no
limit but `MAX_LINE` per line."""

MAX_LINE = 16 * 2**20
"""The longest line of JSON Lines (one report)."""

_MiB = 2**20


class ReportInput(Protocol):
    """Where reports come from: their name, the reports (read again on each call), and
    where each report and its fields are in the file."""

    name: str

    def reports(self) -> Iterator[Report]: ...

    def where(self, index: int, path: FieldPath = ()) -> str: ...

    def located(self, index: int, path: FieldPath) -> str: ...

    def close(self) -> None: ...


class _Located:
    def where(self, index: int, path: FieldPath = ()) -> str:
        raise NotImplementedError

    def located(self, index: int, path: FieldPath) -> str:
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

    def where(self, index: int, path: FieldPath = ()) -> str:
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

    def where(self, index: int, path: FieldPath = ()) -> str:
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


# -- line numbers -------------------------------------------------------------------------


def _field_lines(text: str, count: int) -> list[dict[FieldPath, int]]:
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
        lines: dict[FieldPath, int] = {}
        _walk(node, (), lines)
        result.append(lines)
    return result


def _walk(node: Any, path: FieldPath, lines: dict[FieldPath, int]) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            _walk(value, (*path, str(key.value)), lines)
            lines[(*path, str(key.value))] = key.start_mark.line + 1  # the key's line
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), lines)
