"""Hypothesis strategies for the store tests: JSON payloads the store must keep faithfully,
and batches of new events."""

from __future__ import annotations

import uuid
from typing import Any

from hypothesis import strategies as st

from ledger.store.record import NewEvent

STREAMS = ("claim-1", "claim-2", "source-moh")

json_text = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=12)
"""Any Unicode text the store accepts: everything but NUL (and lone surrogates)."""

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | json_text
)

json_values: st.SearchStrategy[Any] = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(json_text, children, max_size=4)
    ),
    max_leaves=10,
)

payloads: st.SearchStrategy[dict[str, Any]] = st.dictionaries(json_text, json_values, max_size=5)
"""JSON objects of JSON values, nested, with any Unicode keys and strings."""

metadata: st.SearchStrategy[dict[str, Any]] = st.fixed_dictionaries(
    {},
    optional={
        "actor": st.sampled_from(["analyst", "importer"]),
        "correlation_id": st.uuids().map(str),
    },
)


@st.composite
def new_events(draw: st.DrawFn, streams: tuple[str, ...] = STREAMS) -> NewEvent:
    """One new event on one of a few streams, with a fresh id."""
    return NewEvent(
        stream_id=draw(st.sampled_from(streams)),
        type=draw(st.sampled_from(["ClaimAsserted", "ClaimRetracted", "SourceRegistered"])),
        payload=draw(payloads),
        metadata=draw(metadata),
        event_id=uuid.uuid4(),
    )


def batches(max_size: int = 4) -> st.SearchStrategy[list[NewEvent]]:
    """A non-empty batch of new events for one append."""
    return st.lists(new_events(), min_size=1, max_size=max_size)
