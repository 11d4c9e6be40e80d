"""Reading ledger documents — reports, sources, figures, compensating events — from JSON,
YAML or JSON Lines, validated whole before anything is written.

Input is treated as hostile: every way a file can fail to be read is an `InvalidInputError`
naming the file, the line where it can be told, and the reason — never a traceback, and
never unbounded memory or recursion:

* text must be UTF-8 (a UTF-8 byte order mark is allowed); UTF-16 or UTF-32 text, other
  encodings and NUL characters are refused at their line;
* YAML is read by a safe loader that refuses anchors and aliases (`&a`, `*a`: the
  "billion laughs" bomb expands a few hundred bytes into gigabytes), nesting deeper than
  `MAX_DEPTH`, and values that cannot be built (a 5,000-digit integer, 2022-02-30);
* JSON nested too deeply to read, or with an integer longer than Python reads
  (`sys.get_int_max_str_digits()`), is refused at its line;
* an object that names a key twice is refused (JSON and YAML would silently keep the last).
"""

from __future__ import annotations

import codecs
import json
import re
import sys
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from ledger.errors import InvalidInputError

Model = TypeVar("Model", bound=BaseModel)

MAX_DEPTH = 64
"""How deeply YAML may nest (a report file needs five levels)."""

_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


# -- text --------------------------------------------------------------------------------


def decode_text(data: bytes, name: str) -> str:
    """`data` as text: UTF-8 (an initial byte order mark dropped), without NUL characters."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            raise InvalidInputError(f"{name}:1", f"{encoding} text; save the file as UTF-8")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        byte = data[error.start]
        raise InvalidInputError(
            f"{name}:{line}", f"not UTF-8 text (byte 0x{byte:02x}); save the file as UTF-8"
        ) from error
    check_line_text(text, name)
    return text


def check_line_text(text: str, name: str, line: int = 1) -> None:
    """Refuse a NUL character in `text` (which starts at `line` of `name`)."""
    at = text.find("\x00")
    if at >= 0:
        where = line + text.count("\n", 0, at)
        raise InvalidInputError(
            f"{name}:{where}",
            "contains a NUL character (UTF-16 text? save the file as UTF-8)",
        )


def read_file(path: str) -> tuple[str, str]:
    """The text of a file (or of standard input for "-"), and the name to report it by."""
    if path == "-":
        stream = getattr(sys.stdin, "buffer", None)
        if stream is None:  # a text stream without bytes beneath (some test runners)
            return sys.stdin.read(), "<stdin>"
        return decode_text(stream.read(), "<stdin>"), "<stdin>"
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise InvalidInputError("file", f"cannot read {path}: {error.strerror}") from error
    return decode_text(data, path), path


# -- JSON --------------------------------------------------------------------------------


class DuplicateKeyError(Exception):
    """An object names a key twice (raised while parsing, then located)."""

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(key)


def _unique_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateKeyError(key)
            seen.add(key)
    return result


def duplicate_reason(key: object) -> str:
    """Why an object with `key` twice is refused."""
    return f"key {key!r} appears twice in one object (which one was meant?)"


def load_json(text: str, name: str, line: int | None = None) -> Any:
    """Parse JSON text; errors located at `name:line` (JSON Lines) or at the line found."""

    def where(found: int | None) -> str:
        number = line if line is not None else found
        return f"{name}:{number}" if number is not None else name

    try:
        return json.loads(text, object_pairs_hook=_unique_object)
    except json.JSONDecodeError as error:
        found = error.lineno if line is None else None
        raise InvalidInputError(where(found), f"not JSON: {error.msg}") from error
    except DuplicateKeyError as error:
        found = None if line is not None else _yaml_duplicate_line(text)
        raise InvalidInputError(where(found), duplicate_reason(error.key)) from error
    except RecursionError as error:
        found = None if line is not None else _deep_line(text)
        raise InvalidInputError(where(found), "nested too deeply to read") from error
    except ValueError as error:  # an integer longer than sys.get_int_max_str_digits()
        digits, found = _long_number(text)
        reason = (
            f"a number of {digits} digits is too long to read "
            f"(at most {sys.get_int_max_str_digits()})"
            if digits
            else f"not JSON: {error}"
        )
        raise InvalidInputError(where(found), reason) from error


def _long_number(text: str) -> tuple[int, int | None]:
    """The length and line of the first integer too long to read, if any."""
    limit = sys.get_int_max_str_digits()
    if not limit:
        return 0, None
    match = re.search(rf"\d{{{limit + 1},}}", text)
    if match is None:
        return 0, None
    return len(match.group()), text.count("\n", 0, match.start()) + 1


_STRUCTURE = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}\n]')


def _deep_line(text: str, limit: int = 256) -> int | None:
    """The line where JSON text first nests more than `limit` deep (strings skipped)."""
    depth, line = 0, 1
    for match in _STRUCTURE.finditer(text):
        token = match.group()
        if token == "\n":
            line += 1
        elif token in "[{":
            depth += 1
            if depth > limit:
                return line
        elif token in "]}":
            depth -= 1
    return None  # strings are skipped whole: JSON strings hold no raw newline


def _yaml_duplicate_line(text: str) -> int | None:
    """The line of a duplicate key in JSON text, found through the YAML reader (JSON is
    almost always YAML); None when it cannot tell."""
    try:
        yaml.load(text, Loader=StrictLoader)  # a SafeLoader
    except RefusedYAMLError as error:
        return error.problem_mark.line + 1 if error.problem_mark else None
    except (yaml.YAMLError, ValueError, RecursionError):
        return None
    return None


# -- YAML --------------------------------------------------------------------------------


class RefusedYAMLError(yaml.MarkedYAMLError):
    """Well-formed YAML the ledger will not read (an alias, a duplicate key, deep nesting,
    a value that cannot be built); `problem_mark` says where."""


class StrictLoader(yaml.SafeLoader):
    """PyYAML's safe loader without its dangers for untrusted input: no anchors or aliases
    (so no exponential expansion), bounded nesting (so no `RecursionError`), no duplicate
    keys, and a value that cannot be built refused at its line."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()  # type: ignore[no-untyped-call]  # PyYAML leaves it untyped
        if isinstance(event, yaml.AliasEvent):
            raise _refused(event.start_mark, "YAML aliases (*name) are not accepted")
        if getattr(event, "anchor", None) is not None:
            raise _refused(
                event.start_mark, "YAML anchors and aliases (&name, *name) are not accepted"
            )
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _refused(event.start_mark, f"nested more than {MAX_DEPTH} levels deep")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError) as error:
            raise _refused(node.start_mark, _unbuildable(node, error)) from error

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        if isinstance(node, yaml.MappingNode):
            self.flatten_mapping(node)
            seen: set[Hashable] = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                if isinstance(key, Hashable):
                    if key in seen:
                        raise _refused(key_node.start_mark, duplicate_reason(key))
                    seen.add(key)
        return super().construct_mapping(node, deep)


def _refused(mark: Any, problem: str) -> RefusedYAMLError:
    return RefusedYAMLError(problem=problem, problem_mark=mark)


def _unbuildable(node: Any, error: Exception) -> str:
    text = str(getattr(node, "value", ""))
    limit = sys.get_int_max_str_digits()
    if limit and "digits" in str(error) and len(text) > limit:
        return f"a number of {len(text)} digits is too long to read (at most {limit})"
    return f"cannot read {text[:40]!r}: {error}"


def load_yaml(text: str, name: str) -> Any:
    """Parse YAML text with `StrictLoader`; errors located at their line."""
    try:
        return yaml.load(text, Loader=StrictLoader)  # a SafeLoader
    except RefusedYAMLError as error:
        mark = error.problem_mark
        where = f"{name}:{mark.line + 1}" if mark is not None else name
        raise InvalidInputError(where, str(error.problem)) from error
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{name}:{mark.line + 1}" if mark is not None else name
        raise InvalidInputError(where, f"not YAML: {getattr(error, 'problem', error)}") from error


# -- records -----------------------------------------------------------------------------


def is_lines(name: str, text: str) -> bool:
    """Whether a document is JSON Lines: by its name (`.jsonl`, `.ndjson`), else because
    every non-blank line of it is an object."""
    if name.endswith((".jsonl", ".ndjson")):
        return True
    lines = [line for line in text.splitlines() if line.strip()]
    return len(lines) > 1 and all(line.lstrip().startswith("{") for line in lines)


def read_records(text: str, name: str) -> list[tuple[str, Any]]:
    """The records in a document, each with where it is ("file:line" or "file[index]").

    JSON Lines (`.jsonl`/`.ndjson`, or any text whose lines are each an object) gives one
    record per line; JSON and YAML give a list (or one object) of records.
    """
    if is_lines(name, text):
        records = []
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                records.append((f"{name}:{number}", load_json(line, name, number)))
        return records
    data = load_json(text, name) if name.endswith(".json") else load_yaml(text, name)
    if data is None:
        return []
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise InvalidInputError(name, "expected a list of records or one record")
    return [(f"{name}[{index}]", item) for index, item in enumerate(data)]


def validate(records: list[tuple[str, Any]], model: type[Model]) -> list[Model]:
    """Every record as `model`, or an `InvalidInputError` naming where and which field."""
    return [validate_one(where, item, model.model_validate) for where, item in records]


def validate_one(where: str, item: Any, build: Callable[[Any], Model]) -> Model:
    """One record, with errors located at `where` and the failing field."""
    try:
        return build(item)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        raise InvalidInputError(f"{where}: {field}" if field else where, first["msg"]) from error
