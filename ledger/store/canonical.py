"""Canonical JSON text, written and read by orjson wherever its result is the standard
library's own, byte for byte, and by `json` everywhere else.

The canonical text is defined by `reference_json` (`json` with sorted keys, no white space,
`ensure_ascii=False`, no NaN): that is what the hash chain was built on, and what a third
party re-verifies with. orjson writes the same bytes for JSON values except where it
cannot or does not, and each of those is sent back to `json`:

- orjson refuses (and `json` then decides): integers beyond 64 bits, non-string keys,
  lone surrogates, NaN and infinity, nesting deeper than orjson's limit, cycles, and
  subclasses of str, int, dict and list (passed through, so an `IntEnum` is written as
  `json` writes it), datetimes and dataclasses (passed through: `json` refuses them);
- orjson writes a float differently: below 1e-4 it writes `1e-5` as `0.00001` and `1e-07`
  as `1e-7`; any text with a digit followed by `e-`, or with `0.0000`, is rewritten by
  `json` (a string that happens to contain one costs only the slower path).

orjson also writes NaN and infinity as `null`, and enum members and UUIDs as their value,
all of which `json` refuses. A JSON value has none of them; `canonical_json` reads back a
text with `null` in it to catch the first two, and the store's check of a payload
(`ledger.store.chain`) compares every decoded copy with its value, which tells all four
apart and sends them to `json` to be refused as before.

Reading: `decode_json` gives what `json.loads` gives. orjson reads an integer beyond 64
bits as a float, so a text with a run of 19 or more digits is read by `json`; a text
orjson refuses (NaN, a lone surrogate's escape, a float too large) is read by `json` too.

tests/store/test_canonical.py proves both against the reference for arbitrary JSON values.
"""

from __future__ import annotations

import json
import re
from typing import Any, Final

import orjson

__all__ = ["canonical_bytes", "canonical_json", "decode_json", "reference_json"]

_reference = json.JSONEncoder(
    sort_keys=True,
    separators=(",", ":"),
    ensure_ascii=False,
    allow_nan=False,
    check_circular=False,  # a cycle raises RecursionError instead, which encoding catches
)

_OPTIONS: Final = (
    orjson.OPT_SORT_KEYS
    | orjson.OPT_PASSTHROUGH_SUBCLASS
    | orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_DATACLASS
)
_NEGATIVE_EXPONENT: Final = re.compile(rb"[0-9]e-")
_ALL_DIGITS_NINE: Final = bytes.maketrans(b"012345678", b"999999999")
_LONG_INTEGER: Final = b"9" * 19
"""A run of digits that may be an integer beyond 64 bits (orjson would read it as a float)."""


def reference_json(value: Any) -> str:
    """The canonical JSON text of `value` as the standard library writes it: the definition."""
    return _reference.encode(value)


def canonical_bytes(value: Any) -> bytes | None:
    """The canonical text of `value` in UTF-8 as orjson writes it, or None where that may
    not be `reference_json`'s (then the caller uses `reference_json`).

    For a JSON value the bytes are `reference_json`'s. For another value they may not be,
    and a caller must compare the value with its decoded copy (see the module docstring).
    """
    try:
        data = orjson.dumps(value, option=_OPTIONS)
    except orjson.JSONEncodeError:
        return None
    if (b"e-" in data and _NEGATIVE_EXPONENT.search(data)) or b"0.0000" in data:
        return None
    return data


def canonical_json(value: Any) -> str:
    """The canonical JSON text of `value`: `reference_json(value)`, faster.

    orjson writes NaN and infinity as `null` where `reference_json` raises, so a text with
    a `null` in it is read back and compared with `value` (NaN equals nothing)."""
    data = canonical_bytes(value)
    if data is None or (b"null" in data and orjson.loads(data) != value):
        return _reference.encode(value)
    return data.decode("utf-8")


def decode_json(text: str | bytes) -> Any:
    """The JSON value of `text` (or its UTF-8), exactly as `json.loads` gives it, faster."""
    data = text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass")
    if _LONG_INTEGER in data.translate(_ALL_DIGITS_NINE):
        return json.loads(text)
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(text)
