"""The payload check refuses exactly what a full walk of the payload would, and what it
accepts is encoded and decoded exactly as `canonical_json` and `json.loads` give."""

from __future__ import annotations

import json
from typing import Any

import hypothesis
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.errors import InvalidPayloadError
from ledger.store.chain import canonical_json, encode_checked
from ledger.store.record import NewEvent
from tests.store.strategies import json_scalars, json_text

_key_kinds = (
    json_text,
    st.integers(-100, 100),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False, allow_infinity=False),
)
_objects = st.sampled_from((json_text,) * 8 + _key_kinds[1:]).flatmap
"""Objects with keys of one kind that json accepts and writes as text (mostly strings)."""

_values: st.SearchStrategy[Any] = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=3)
        | st.lists(children, max_size=3).map(tuple)
        | _objects(lambda keys: st.dictionaries(keys, children, max_size=3))
    ),
    max_leaves=12,
)


def _non_str_key(value: Any) -> bool:
    """The full walk: any object key, at any depth, that is not a string."""
    if isinstance(value, dict):
        return any(not isinstance(k, str) or _non_str_key(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_non_str_key(v) for v in value)
    return False


@hypothesis.settings(max_examples=300)
@given(payload=_objects(lambda keys: st.dictionaries(keys, _values, max_size=4)))
def test_non_string_keys_are_refused_exactly(payload: dict[Any, Any]) -> None:
    """Refused for its keys if and only if the walk finds a non-string key; otherwise the
    texts and the decoded copies are json's own."""
    try:
        text = canonical_json(payload)
    except TypeError:  # a float key beside a None key, say: json cannot sort them
        hypothesis.event("not serialisable")
        return
    event = NewEvent("claim-1", "T", payload, metadata={"m": (1,)})
    if _non_str_key(payload):
        hypothesis.event("refused")
        with pytest.raises(InvalidPayloadError) as raised:
            encode_checked(event)
        assert (raised.value.field, raised.value.reason) == (
            "payload",
            "object keys must be strings",
        )
        return
    hypothesis.event("accepted")
    encoded = encode_checked(event)
    assert (encoded.payload_text, encoded.metadata_text) == (text, '{"m":[1]}')
    assert encoded.payload == json.loads(text)
    assert encoded.metadata == {"m": [1]}
