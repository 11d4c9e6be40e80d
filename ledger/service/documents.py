"""Reading ledger documents — reports, sources, figures, compensating events — from JSON,
YAML or JSON Lines, validated whole before anything is written."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from ledger.errors import InvalidInputError

Model = TypeVar("Model", bound=BaseModel)


def read_records(text: str, name: str) -> list[tuple[str, Any]]:
    """The records in a document, each with where it is ("file:line" or "file[index]").

    JSON Lines (`.jsonl`/`.ndjson`, or any text whose lines are each an object) gives one
    record per line; JSON and YAML give a list (or one object) of records.
    """
    if name.endswith((".jsonl", ".ndjson")) or _looks_like_lines(text):
        records = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                records.append((f"{name}:{number}", json.loads(line)))
            except json.JSONDecodeError as error:
                raise InvalidInputError(f"{name}:{number}", f"not JSON: {error.msg}") from error
        return records
    try:
        data = json.loads(text) if name.endswith(".json") else yaml.safe_load(text)
    except json.JSONDecodeError as error:
        raise InvalidInputError(f"{name}:{error.lineno}", f"not JSON: {error.msg}") from error
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{name}:{mark.line + 1}" if mark is not None else name
        raise InvalidInputError(where, f"not YAML: {getattr(error, 'problem', error)}") from error
    if data is None:
        return []
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise InvalidInputError(name, "expected a list of records or one record")
    return [(f"{name}[{index}]", item) for index, item in enumerate(data)]


def _looks_like_lines(text: str) -> bool:
    lines = [line for line in text.splitlines() if line.strip()]
    return len(lines) > 1 and all(line.lstrip().startswith("{") for line in lines)


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


def read_file(path: str) -> tuple[str, str]:
    """The text of a file (or of standard input for "-"), and the name to report it by."""
    if path == "-":
        import sys

        return sys.stdin.read(), "<stdin>"
    try:
        return Path(path).read_text(encoding="utf-8"), path
    except OSError as error:
        raise InvalidInputError("file", f"cannot read {path}: {error.strerror}") from error
