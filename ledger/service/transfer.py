"""Export and import: the whole log as JSON Lines, one stored record per line, verbatim.

An export line is the canonical JSON (see `ledger.store.chain`) of

    {"event_id", "hash", "metadata", "payload", "position", "prev_hash", "recorded_at",
     "schema_version", "stream_id", "stream_version", "type"}

with `recorded_at` as `YYYY-MM-DDTHH:MM:SS.ffffffZ`: everything the hash covers plus the
position and both hashes, so a third party can re-verify the chain from the file alone.

An import writes those records as they are — same positions, event ids, recorded times
and hashes — into an empty ledger, in one transaction, after checking every record's
hash and its link to the one before; then it rebuilds the read model by replay. The
imported ledger therefore verifies with the very same head hash as the exported one.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import Annotated, Any

import sqlalchemy as sa
import structlog
from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError

from ledger.domain.values import MAX_POSITION, AwareDatetime
from ledger.errors import ConflictError, EventDecodeError, InvalidInputError, InvalidPayloadError
from ledger.service.documents import check_line_text, decode_text, load_json
from ledger.service.ledger import Ledger
from ledger.service.mapper import from_stored
from ledger.store.chain import GENESIS, canonical_json, encode_checked, event_hash, utc_text
from ledger.store.record import NewEvent, StoredEvent
from ledger.store.schema import events as events_table

log = structlog.get_logger("ledger.transfer")

_BATCH = 1000
_HEX64 = r"^[0-9a-f]{64}$"

Progress = Callable[[int], None]
"""Called during an import with the number of records written so far."""


class ExportedEvent(BaseModel):
    """One line of an export: a stored event exactly as the log holds it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    position: Annotated[StrictInt, Field(ge=1, le=MAX_POSITION)]
    stream_id: str
    stream_version: Annotated[StrictInt, Field(ge=1, le=MAX_POSITION)]
    event_id: uuid.UUID
    type: str
    schema_version: Annotated[StrictInt, Field(ge=1, le=MAX_POSITION)]
    payload: dict[str, Any]
    metadata: dict[str, Any]
    recorded_at: AwareDatetime
    prev_hash: Annotated[str, Field(pattern=_HEX64)]
    hash: Annotated[str, Field(pattern=_HEX64)]

    def stored(self) -> StoredEvent:
        """The record as the store's own type."""
        return StoredEvent(
            position=self.position,
            stream_id=self.stream_id,
            stream_version=self.stream_version,
            event_id=self.event_id,
            type=self.type,
            schema_version=self.schema_version,
            payload=self.payload,
            metadata=self.metadata,
            recorded_at=self.recorded_at,
            prev_hash=self.prev_hash,
            hash=self.hash,
        )


class ImportResult(BaseModel):
    """What an import wrote, and the chain it ends with."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    events: int
    head_position: int
    head_hash: str
    figures: int
    seconds: float


def export_record(event: StoredEvent) -> dict[str, Any]:
    """The export record of a stored event (a plain JSON object)."""
    return {
        "position": event.position,
        "stream_id": event.stream_id,
        "stream_version": event.stream_version,
        "event_id": str(event.event_id),
        "type": event.type,
        "schema_version": event.schema_version,
        "payload": event.payload,
        "metadata": event.metadata,
        "recorded_at": utc_text(event.recorded_at),
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }


def export_lines(lg: Ledger) -> Iterator[str]:
    """The log as JSON Lines (without newlines), lazily, in constant memory.

    The export stops at the head as it was when it started, so it is a consistent prefix
    of the log even while writers append.
    """
    head = lg.head()
    count = 0
    for event in lg.store.read_all():
        if event.position > head:
            break
        count += 1
        yield canonical_json(export_record(event))
    log.info("exported", events=count, head=head)


def import_lines(
    lg: Ledger,
    lines: Iterable[str] | Iterable[bytes],
    name: str = "<import>",
    *,
    progress: Progress | None = None,
) -> ImportResult:
    """Write an export into `lg`, which must hold no event, then rebuild its read model.

    Every record is checked before it is written: it must be well formed, at the next
    position, linked to the previous record's hash, carry the hash of its own content,
    and decode as a known event. The records are written in one transaction: any bad
    record (named as `name:line`) leaves the ledger as empty as it was.
    """
    started = time.perf_counter()
    count, prev = 0, GENESIS
    with lg.store.transaction(write=True) as connection:
        held = connection.execute(sa.select(sa.func.count()).select_from(events_table)).scalar()
        if held:
            raise ConflictError(
                f"the target ledger already holds {held} events; import needs an empty ledger"
            )
        batch: list[dict[str, Any]] = []
        last_recorded = None
        for where, record in _records(lines, name):
            event = record.stored()
            if event.position != count + 1:
                raise InvalidInputError(
                    f"{where}: position",
                    f"expected position {count + 1}, found {event.position} "
                    "(an export starts at 1 and has no gaps)",
                )
            if event.prev_hash != prev:
                raise InvalidInputError(
                    f"{where}: prev_hash", "does not match the hash of the record before it"
                )
            if last_recorded is not None and event.recorded_at < last_recorded:
                raise InvalidInputError(
                    f"{where}: recorded_at", "earlier than the record before it"
                )
            row = _row(event, where)
            batch.append(row)
            prev, last_recorded, count = event.hash, event.recorded_at, count + 1
            if len(batch) >= _BATCH:
                connection.execute(events_table.insert(), batch)
                batch = []
                if progress:
                    progress(count)
        if batch:
            connection.execute(events_table.insert(), batch)
    if progress:
        progress(count)
    replayed = lg.replay(check=False)
    seconds = time.perf_counter() - started
    log.info("imported", events=count, head=count, seconds=round(seconds, 3))
    return ImportResult(
        events=count,
        head_position=count,
        head_hash=prev,
        figures=replayed.figures,
        seconds=seconds,
    )


def _records(lines: Iterable[str | bytes], name: str) -> Iterator[tuple[str, ExportedEvent]]:
    """Each line's record, checked: UTF-8 text (lines given as bytes are decoded here, so
    an encoding error names its line), JSON without duplicate keys, nesting or numbers too
    large to read, and the fields of an `ExportedEvent`."""
    for number, line in enumerate(lines, start=1):
        where = f"{name}:{number}"
        if isinstance(line, bytes):
            text = decode_text(line, name) if number == 1 else _decoded(line, name, number)
        else:
            text = line
            check_line_text(text, name, number)
        if not text.strip():
            continue
        data = load_json(text, name, number)
        try:
            yield where, ExportedEvent.model_validate(data)
        except ValidationError as error:
            first = error.errors()[0]
            field = ".".join(str(part) for part in first["loc"])
            located = f"{where}: {field}" if field else where
            raise InvalidInputError(located, first["msg"]) from error


def _decoded(line: bytes, name: str, number: int) -> str:
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidInputError(
            f"{name}:{number}",
            f"not UTF-8 text (byte 0x{line[error.start]:02x}); an export is UTF-8",
        ) from error
    check_line_text(text, name, number)
    return text


def _row(event: StoredEvent, where: str) -> dict[str, Any]:
    """The `events` row for a checked record: canonical texts, hash recomputed and compared."""
    new = NewEvent(
        stream_id=event.stream_id,
        type=event.type,
        payload=event.payload,
        schema_version=event.schema_version,
        event_id=event.event_id,
        metadata=event.metadata,
    )
    try:
        payload_text, metadata_text = encode_checked(new)
    except InvalidPayloadError as error:
        raise InvalidInputError(f"{where}: {error.field}", error.reason) from error
    digest = event_hash(
        event.prev_hash,
        event_id=str(event.event_id),
        stream_id=event.stream_id,
        stream_version=event.stream_version,
        type=event.type,
        schema_version=event.schema_version,
        payload_text=payload_text,
        metadata_text=metadata_text,
        recorded_at=event.recorded_at,
    )
    if digest != event.hash:
        raise InvalidInputError(
            f"{where}: hash", "does not match the record's content (it was altered)"
        )
    try:
        from_stored(event)
    except EventDecodeError as error:
        raise InvalidInputError(where, str(error)) from error
    return {
        "position": event.position,
        "stream_id": event.stream_id,
        "stream_version": event.stream_version,
        "event_id": str(event.event_id),
        "type": event.type,
        "schema_version": event.schema_version,
        "payload": payload_text,
        "metadata": metadata_text,
        "recorded_at": event.recorded_at,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }
