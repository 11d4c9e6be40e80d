"""Canonical encoding, the hash chain, and the checks every backend applies on append.

The hash of an event is SHA-256 over the canonical JSON of

    {"event_id", "metadata", "payload", "prev_hash", "recorded_at", "schema_version",
     "stream_id", "stream_version", "type"}

Canonical JSON: UTF-8, keys sorted by code point at every level, no white space, strings
with only `"` `\\` and control characters escaped, integers in decimal, floats in their
shortest round-trip form, no NaN or infinity. `recorded_at` is written as
`YYYY-MM-DDTHH:MM:SS.ffffffZ` in UTC, `event_id` as a lower-case hyphenated UUID. The
position is not hashed: the chain itself fixes the order, and positions are checked for
gaps separately. docs/architecture.md repeats this so that a third party can re-verify.
The text is written by `ledger.store.canonical`: orjson where its bytes are the standard
library's, `json` elsewhere.
"""

from __future__ import annotations

import functools
import hashlib
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ledger.errors import InvalidPayloadError
from ledger.store.canonical import canonical_bytes, canonical_json, decode_json, reference_json
from ledger.store.record import JSONDict, NewEvent, StoredEvent, VerifyResult

GENESIS = "0" * 64
MAX_PAYLOAD_BYTES = 64 * 1024
MAX_STREAM_ID = 255
MAX_TYPE = 100

__all__ = [
    "GENESIS",
    "MAX_PAYLOAD_BYTES",
    "MAX_STREAM_ID",
    "MAX_TYPE",
    "Encoded",
    "canonical_json",
    "encode_batch",
    "encode_checked",
    "event_hash",
    "hash_of",
    "same_content",
    "utc_text",
    "verify_chain",
]


@functools.lru_cache(maxsize=16)  # the events of a batch share one time
def utc_text(moment: datetime) -> str:
    """`moment` in UTC as `YYYY-MM-DDTHH:MM:SS.ffffffZ`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_hash(
    prev_hash: str,
    *,
    event_id: str,
    stream_id: str,
    stream_version: int,
    type: str,
    schema_version: int,
    payload_text: str,
    metadata_text: str,
    recorded_at: datetime,
) -> str:
    """SHA-256 (hex) of an event's canonical encoding, chained to `prev_hash`.

    `payload_text` and `metadata_text` are already canonical JSON; the document is
    assembled around them in sorted key order, byte for byte what `canonical_json` gives.
    """
    document = (
        f'{{"event_id":{canonical_json(event_id)},"metadata":{metadata_text},'
        f'"payload":{payload_text},"prev_hash":"{prev_hash}",'
        f'"recorded_at":"{utc_text(recorded_at)}","schema_version":{schema_version},'
        f'"stream_id":{canonical_json(stream_id)},"stream_version":{stream_version},'
        f'"type":{canonical_json(type)}}}'
    )
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


def hash_of(event: StoredEvent) -> str:
    """Recompute the hash a stored event should carry."""
    return event_hash(
        event.prev_hash,
        event_id=str(event.event_id),
        stream_id=event.stream_id,
        stream_version=event.stream_version,
        type=event.type,
        schema_version=event.schema_version,
        payload_text=canonical_json(event.payload),
        metadata_text=canonical_json(event.metadata),
        recorded_at=event.recorded_at,
    )


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, Mapping):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


def _has_non_str_key(value: Any) -> bool:
    # json would turn 2 and 10 into "2" and "10" but sort them as numbers, so the text
    # hashed on append would differ from the canonical text of what is read back.
    if isinstance(value, Mapping):
        return any(not isinstance(k, str) or _has_non_str_key(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_non_str_key(v) for v in value)
    return False


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: not Unicode text, cannot be stored
        return False
    return True


def _has_bad_float(value: Any) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, Mapping):
        return any(_has_bad_float(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_has_bad_float(v) for v in value)
    return False


@dataclass(frozen=True, slots=True)
class Encoded:
    """An event's payload and metadata checked for storage: their canonical text, and the
    JSON decoded back from that text (what a later read returns, never the caller's own
    objects). Unpacks as `payload_text, metadata_text`."""

    payload_text: str
    metadata_text: str
    payload: JSONDict
    metadata: JSONDict

    def __iter__(self) -> Iterator[str]:
        return iter((self.payload_text, self.metadata_text))


def _check_header(event: NewEvent) -> None:
    if not isinstance(event.stream_id, str) or not event.stream_id.strip():
        raise InvalidPayloadError("stream_id", "must be a non-empty string")
    if len(event.stream_id) > MAX_STREAM_ID:
        raise InvalidPayloadError("stream_id", f"longer than {MAX_STREAM_ID} characters")
    if not isinstance(event.type, str) or not event.type or len(event.type) > MAX_TYPE:
        raise InvalidPayloadError("type", f"must be 1 to {MAX_TYPE} characters")
    for name, text in (("stream_id", event.stream_id), ("type", event.type)):
        if "\x00" in text:
            raise InvalidPayloadError(name, "contains a NUL character")
        if not _is_utf8(text):
            raise InvalidPayloadError(name, "contains a lone surrogate (not valid Unicode)")
    if not isinstance(event.schema_version, int) or event.schema_version < 1:
        raise InvalidPayloadError("schema_version", "must be a positive integer")


def _encode_object(name: str, value: Any) -> tuple[str, JSONDict, int]:
    """The canonical text of a payload or metadata object, its decoded copy and its size in
    UTF-8 bytes; `InvalidPayloadError` for anything `encode_checked` refuses.

    The usual object takes the fast path: orjson writes it and reads it back, and a copy
    equal to the value proves the value was plain JSON (string keys, finite numbers, no
    tuples, enum members or UUIDs), whose text orjson writes as `json` does. Anything else
    takes the reference path, `json` as before.
    """
    if not isinstance(value, Mapping):
        raise InvalidPayloadError(name, "must be a JSON object")
    data = canonical_bytes(value)
    if data is not None:
        decoded = decode_json(data)
        if decoded == value:
            if b"\\u0000" in data and _has_nul(value):
                raise InvalidPayloadError(name, "contains a NUL character")
            return data.decode("utf-8"), decoded, len(data)
    return _encode_reference(name, value)


def _encode_reference(name: str, value: Mapping[str, Any]) -> tuple[str, JSONDict, int]:
    """`_encode_object` by the standard library, for what the fast path cannot prove.

    The key check is one C-level comparison: `json.loads` gives only string keys, and a
    string never equals an int, float, bool or None (the other keys `json` accepts), so a
    value equal to its decoded copy has string keys throughout. Only a value that differs
    (a tuple for a list, or a non-string key) is walked to tell which.
    """
    try:
        text = reference_json(value)
    except ValueError as error:  # NaN / infinity, or an integer too long to print
        if _has_bad_float(value):
            raise InvalidPayloadError(name, "NaN and infinity are not JSON numbers") from error
        raise InvalidPayloadError(name, f"not JSON-serialisable: {error}") from error
    except (TypeError, RecursionError) as error:  # RecursionError: a cycle, or too deep
        raise InvalidPayloadError(name, f"not JSON-serialisable: {error}") from error
    if "\\u0000" in text and _has_nul(value):
        raise InvalidPayloadError(name, "contains a NUL character")
    decoded = decode_json(text)
    if decoded != value and _has_non_str_key(value):
        raise InvalidPayloadError(name, "object keys must be strings")
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError as error:  # a lone surrogate: not Unicode text, cannot be stored
        raise InvalidPayloadError(name, "contains a lone surrogate (not valid Unicode)") from error
    return text, decoded, size


def encode_batch(events: Sequence[NewEvent]) -> list[Encoded]:
    """`encode_checked` for each event of a batch, in order.

    Events sharing one metadata object (a service batch does) have it checked and encoded
    once; each still gets a copy of its own: a shallow copy when no value is an object or
    array (the rest are immutable), else one decoded from the text.
    """
    encoded: list[Encoded] = []
    shared: Any = None
    metadata: JSONDict = {}
    metadata_text, flat = "", False
    for event in events:
        _check_header(event)
        payload_text, payload, size = _encode_object("payload", event.payload)
        if encoded and event.metadata is shared:
            metadata = dict(metadata) if flat else decode_json(metadata_text)
        else:
            metadata_text, metadata, _ = _encode_object("metadata", event.metadata)
            shared = event.metadata
            flat = not any(isinstance(v, dict | list) for v in metadata.values())
        if size > MAX_PAYLOAD_BYTES:
            raise InvalidPayloadError("payload", f"larger than {MAX_PAYLOAD_BYTES} bytes")
        encoded.append(Encoded(payload_text, metadata_text, payload, metadata))
    return encoded


def encode_checked(event: NewEvent) -> Encoded:
    """Validate one event for storage; return its canonical payload and metadata.

    Raises `InvalidPayloadError` naming the field for an empty or over-long stream id or
    type, a payload that is not a JSON object of JSON values (string keys only), NaN or
    infinity, a NUL character or lone surrogate anywhere, or a payload over
    `MAX_PAYLOAD_BYTES`.
    """
    return encode_batch([event])[0]


def same_content(stored: StoredEvent, new: NewEvent, payload_text: str) -> bool:
    """Whether a retried event matches the recorded one (stream, type, version, payload)."""
    return (
        stored.stream_id == new.stream_id
        and stored.type == new.type
        and stored.schema_version == new.schema_version
        and canonical_json(stored.payload) == payload_text
    )


def verify_chain(
    events: Iterable[StoredEvent | tuple[int, str]],
    positions_of_hash: Callable[[str], list[int]],
) -> VerifyResult:
    """Walk `events` in position order and report the first position that does not check out.

    `events` yields stored events, or `(position, reason)` for a row that could not even
    be decoded (its content was changed). `positions_of_hash` finds the positions whose
    stored hash equals a given hash; it classifies a broken link.
    """
    expected, prev, count = 1, GENESIS, 0

    def bad(position: int, problem: str, detail: str) -> VerifyResult:
        return VerifyResult(
            ok=False,
            count=count,
            head_position=expected - 1,
            head_hash=prev,
            bad_position=position,
            problem=problem,
            detail=detail,
        )

    for item in events:
        if isinstance(item, tuple):
            position, reason = item
            if position != expected:
                return bad(expected, "event missing", f"no event at position {expected}")
            return bad(position, "content changed", reason)
        event = item
        if event.position != expected:
            return bad(
                expected,
                "event missing",
                f"no event at position {expected}; the next is at {event.position}",
            )
        if hash_of(event) != event.hash:
            return bad(event.position, "content changed", "its hash does not match its content")
        if event.prev_hash != prev:
            twins = [p for p in positions_of_hash(event.hash) if p != event.position]
            if twins:
                return bad(event.position, "duplicated", f"the same event is at {twins[0]}")
            before = [p for p in positions_of_hash(event.prev_hash) if p != event.position]
            if not before:
                return bad(event.position, "event missing", "the event it follows is gone")
            return bad(
                event.position,
                "order changed",
                f"it follows the event now at position {before[0]}, not {event.position - 1}",
            )
        prev, expected, count = event.hash, expected + 1, count + 1
    return VerifyResult(ok=True, count=count, head_position=expected - 1, head_hash=prev)
