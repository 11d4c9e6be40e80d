"""The canonical encoding written by orjson is byte for byte the standard library's, and
reading a canonical text gives exactly what `json.loads` gives.

`REFERENCE` below is the encoder the hash chain was defined with, kept here unchanged as
the specification; `ledger.store.canonical` must agree with it on every JSON value,
including those where orjson alone would not (integers beyond 64 bits, floats below 1e-4,
escapes, non-BMP text) and must fail where it fails.
"""

from __future__ import annotations

import enum
import json
import math
import uuid
from typing import Any

import hypothesis
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ledger.errors import InvalidPayloadError
from ledger.store.canonical import canonical_bytes, canonical_json, decode_json
from ledger.store.chain import encode_checked
from ledger.store.record import NewEvent

REFERENCE = json.JSONEncoder(
    sort_keys=True,
    separators=(",", ":"),
    ensure_ascii=False,
    allow_nan=False,
    check_circular=False,
)
"""Today's canonical encoder: the definition the new one is held to."""

_any_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=12) | st.sampled_from(
    ['"', "\\", "\\u0000", "\x00", "\x1f\x7f", "\u2028\u2029", "é", "\U0001f600", "1e-5", "null"]
)
"""Any Unicode text, with the escapes and look-alikes that matter drawn often."""

_floats = st.floats(allow_nan=False, allow_infinity=False) | st.sampled_from(
    [1e-5, 1.5e-7, 1e-4, 9.99e-5, 1e-10, 1e16, 1e15, 1e22, -0.0, 5e-324, 1.7976931348623157e308]
)
_integers = st.integers() | st.sampled_from([2**63 - 1, 2**63, 2**64 - 1, 2**64, -(2**63) - 1])
_scalars = st.none() | st.booleans() | _integers | _floats | _any_text

json_values: st.SearchStrategy[Any] = st.recursive(
    _scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(_any_text, children, max_size=4)
    ),
    max_leaves=16,
)
"""Arbitrary JSON values: nested objects and arrays of every scalar, any Unicode text."""


def _same(a: Any, b: Any) -> bool:
    """Equal, of the same types at every depth (1 is not 1.0 nor True), -0.0 told from 0.0,
    NaN the same as NaN."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float):
        if math.isnan(a):
            return math.isnan(b)
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    return bool(a == b)


class TestCanonicalJson:
    @hypothesis.settings(max_examples=1000)
    @given(value=json_values)
    @example(value={"b": [1e-05, 2**64], "a": "\ud7ff\ue000", "": None})
    @example(value=[0.00001, 1.5e-07, 1e-10, 0.0001, 1e16])
    def test_the_text_is_the_reference_text(self, value: Any) -> None:
        """For any JSON value the text is byte for byte the reference encoder's."""
        assert canonical_json(value) == REFERENCE.encode(value)

    @hypothesis.settings(max_examples=500)
    @given(value=json_values)
    def test_orjson_bytes_are_only_ever_the_reference_bytes(self, value: Any) -> None:
        """Whenever orjson's bytes are taken, they are the reference text in UTF-8."""
        data = canonical_bytes(value)
        hypothesis.event("orjson" if data is not None else "fell back to json")
        if data is not None:
            assert data == REFERENCE.encode(value).encode("utf-8")

    @hypothesis.settings(max_examples=3000)
    @given(value=st.floats(allow_nan=False, allow_infinity=False))
    def test_every_float_is_written_as_repr(self, value: float) -> None:
        """Every finite float reads as the reference writes it (repr), at any magnitude."""
        assert canonical_json([value]) == REFERENCE.encode([value])

    @pytest.mark.parametrize(
        "value",
        [
            math.nan,
            {"a": [math.inf]},
            {"a": -math.inf, "b": None},
            {1: "a"},
            {"a": {2: 1, "b": None}},
            {"a": (1, 2)},
            object(),
            "\ud800",
        ],
        ids=repr,
    )
    def test_what_the_reference_refuses_or_rewrites_is_the_reference_s(self, value: Any) -> None:
        """NaN and infinity raise as the reference raises; non-string keys, tuples, lone
        surrogates and other objects give the reference's own text or error. (Enum members
        and UUIDs, which orjson writes, are refused by the payload check: see below.)"""
        try:
            expected: Any = REFERENCE.encode(value)
        except (TypeError, ValueError) as error:
            expected = type(error)
        try:
            got: Any = canonical_json(value)
        except (TypeError, ValueError) as error:
            got = type(error)
        assert got == expected


class TestDecodeJson:
    @hypothesis.settings(max_examples=1000)
    @given(value=json_values)
    def test_a_canonical_text_decodes_as_json_loads_decodes_it(self, value: Any) -> None:
        """Same values, same types, same key order, for any canonical text."""
        text = REFERENCE.encode(value)
        assert _same(decode_json(text), json.loads(text))
        assert _same(decode_json(text.encode("utf-8")), json.loads(text))

    @pytest.mark.parametrize(
        "text",
        [
            "123456789012345678901234567890",
            "[-9223372036854775809, 18446744073709551616]",
            '{"a": NaN, "b": Infinity, "c": -Infinity}',
            "[1e400, -1e400, 1e-400]",
            '"\\ud800"',
            '{"a": 1, "b": 2, "a": 3}',
            '{"deep": ' + "[" * 300 + "]" * 300 + "}",
            '{"deeper": ' + "[" * 5000 + "]" * 5000 + "}",
            " [1 , 2] ",
            "-0",
        ],
    )
    def test_texts_orjson_reads_otherwise_decode_as_json_loads_does(self, text: str) -> None:
        """Long integers, NaN, overflowing floats, surrogate escapes, repeated keys and deep
        nesting give what `json.loads` gives, or fail as it fails."""
        try:
            expected = json.loads(text)
        except RecursionError:
            with pytest.raises(RecursionError):
                decode_json(text)
            return
        assert _same(decode_json(text), expected)


class TestThePayloadCheck:
    @pytest.mark.parametrize(
        "value",
        [uuid.UUID(int=1), enum.Enum("Colour", "RED").RED, (1, 2), math.nan],
        ids=repr,
    )
    def test_values_orjson_would_write_are_refused_or_kept_as_before(self, value: Any) -> None:
        """A payload holding a UUID, an enum member, a tuple or NaN is refused or encoded
        exactly as the reference encoder decides."""
        event = NewEvent("claim-1", "T", {"v": value})
        try:
            expected = REFERENCE.encode({"v": value})
        except (TypeError, ValueError):
            with pytest.raises(InvalidPayloadError):
                encode_checked(event)
            return
        assert encode_checked(event).payload_text == expected

    @hypothesis.settings(max_examples=300)
    @given(payload=st.dictionaries(_any_text, json_values, max_size=4))
    def test_an_accepted_payload_is_stored_as_the_reference_writes_it(
        self, payload: dict[str, Any]
    ) -> None:
        """Text, decoded copy and refusals are those of the reference encoder."""
        event = NewEvent("claim-1", "T", payload)
        text = REFERENCE.encode(payload)
        try:
            encoded = encode_checked(event)
        except InvalidPayloadError as error:
            hypothesis.event(f"refused: {error.reason[:30]}")
            assert "\x00" in text or "\\u0000" in text or not _utf8(text)
            return
        assert encoded.payload_text == text
        assert _same(encoded.payload, json.loads(text))


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
