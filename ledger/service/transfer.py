"""Export and import: the whole log as JSON Lines, one stored record per line, verbatim.

An export line is the canonical JSON (see `ledger.store.chain`) of

    {"event_id", "hash", "metadata", "payload", "position", "prev_hash", "recorded_at",
     "schema_version", "stream_id", "stream_version", "type"}

with `recorded_at` as `YYYY-MM-DDTHH:MM:SS.ffffffZ`: everything the hash covers plus the
position and both hashes, so a third party can re-verify the chain from the file alone.

An import writes those records as they are — same positions, event ids, recorded times
and hashes — into an empty ledger, in one transaction, checking every record as `verify`
does: its hash and its link to the one before, its decoding, and the ledger's own rules
(the projector applies it, checks on, in the same transaction). A bad record anywhere
leaves the ledger as empty as it was. The imported ledger verifies with the very same head
hash as the exported one.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import sqlalchemy as sa
import structlog
from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError

from ledger.domain.values import MAX_POSITION, AwareDatetime
from ledger.errors import ConflictError, InvalidInputError, InvalidPayloadError, LogTruncatedError
from ledger.projections import queries as q
from ledger.projections import tables as t
from ledger.projections.projector import Projector
from ledger.service.audit import ContentError, apply_checked
from ledger.service.collector import cycles_uncollected
from ledger.service.documents import check_line_text, decode_text, load_json
from ledger.service.ledger import Ledger, anchors_of
from ledger.store.chain import GENESIS, canonical_json, encode_checked, event_hash, utc_text
from ledger.store.record import Anchor, NewEvent, StoredEvent
from ledger.store.schema import events as events_table

log = structlog.get_logger("ledger.transfer")

CLOCK_SKEW = timedelta(minutes=5)
"""How far ahead of this machine's clock an imported record's time may be: clocks differ."""
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
    expect: Iterable[Anchor | str] = (),
    progress: Progress | None = None,
) -> ImportResult:
    """Write an export into `lg`, which must hold no event, and project it as it goes.

    Every record is checked before it is committed: it must be well formed, at the next
    position, linked to the previous record's hash, carry the hash of its own content,
    recorded no later than now (and no earlier than the record before it), decode as a
    known event, and pass the ledger's rules. Each anchor of `expect` (`Anchor` or
    `"HASH@POSITION"`) must be matched: the record at its position must carry its hash.
    Everything happens in one transaction: any bad record (named as `name:line`) or
    unmatched anchor leaves the ledger as empty as it was. Only a SQL ledger imports
    (`NotSupportedError` for one in memory): the records go into its log as they are.
    """
    store = lg.sql_store("an import")
    started = time.perf_counter()
    anchors: dict[int, list[Anchor]] = {}
    for anchor in anchors_of(expect, "expect"):
        anchors.setdefault(anchor.position, []).append(anchor)
    _match(anchors.pop(0, []), GENESIS, 0, "the empty log")
    where_of: dict[int, str] = {}
    rows: dict[int, dict[str, Any]] = {}  # checked rows of the batch being gathered
    chain = _Chain(datetime.now(UTC) + CLOCK_SKEW)

    def checked() -> Iterator[StoredEvent]:
        for where, record in _records(lines, name):
            event = chain.check(record.stored(), where)
            rows[event.position] = _row(event, where)
            _match(anchors.pop(event.position, []), event.hash, event.position, where)
            where_of[event.position] = where
            yield event

    def write(stored: list[StoredEvent]) -> None:
        connection.execute(events_table.insert(), [rows.pop(e.position) for e in stored])
        for position in [p for p in where_of if p < stored[0].position]:
            del where_of[position]  # earlier batches passed; this one's lines may still be named
        if progress:
            progress(stored[-1].position)

    with store.transaction(write=True) as connection:
        held = connection.execute(sa.select(sa.func.count()).select_from(events_table)).scalar()
        if held:
            raise ConflictError(
                f"the target ledger already holds {held} events; import needs an empty ledger"
            )
        applied = q.checkpoint(connection)
        if applied:  # its events are gone: keep that evidence, import elsewhere
            raise LogTruncatedError(applied, 0)
        projector = Projector()
        try:
            with projector.rebuilding(connection), cycles_uncollected():
                count = apply_checked(connection, projector, checked(), before_batch=write)
        except ContentError as error:
            where = where_of.get(error.fault.position, f"position {error.fault.position}")
            raise InvalidInputError(where, error.fault.reason) from error
        if anchors:
            missing = min(anchors)
            raise InvalidInputError(
                "expect",
                f"the anchor {anchors[missing][0]} is at position {missing} but the import "
                f"ends at {count}: events were removed",
            )
        figures = connection.execute(sa.select(sa.func.count()).select_from(t.figures)).scalar()
    seconds = time.perf_counter() - started
    log.info("imported", events=count, head=count, seconds=round(seconds, 3))
    return ImportResult(
        events=count,
        head_position=count,
        head_hash=chain.prev,
        figures=int(figures or 0),
        seconds=seconds,
    )


class _Chain:
    """The links an import checks between consecutive records."""

    def __init__(self, latest: datetime) -> None:
        self.prev = GENESIS
        self.count = 0
        self.latest = latest  # nothing can have been recorded after now (and a little skew)
        self.last_recorded: datetime | None = None

    def check(self, event: StoredEvent, where: str) -> StoredEvent:
        if event.position != self.count + 1:
            raise InvalidInputError(
                f"{where}: position",
                f"expected position {self.count + 1}, found {event.position} "
                "(an export starts at 1 and has no gaps)",
            )
        if event.prev_hash != self.prev:
            raise InvalidInputError(
                f"{where}: prev_hash", "does not match the hash of the record before it"
            )
        if self.last_recorded is not None and event.recorded_at < self.last_recorded:
            raise InvalidInputError(f"{where}: recorded_at", "earlier than the record before it")
        if event.recorded_at > self.latest:
            raise InvalidInputError(
                f"{where}: recorded_at",
                f"{event.recorded_at.isoformat()} is in the future: no ledger recorded it yet",
            )
        self.prev, self.last_recorded, self.count = event.hash, event.recorded_at, self.count + 1
        return event


def _match(anchors: list[Anchor], digest: str, position: int, where: str) -> None:
    """Refuse the import unless the record at an anchor's position carries its hash."""
    for anchor in anchors:
        if anchor.hash != digest:
            raise InvalidInputError(
                "expect",
                f"{where}: position {position} has hash {digest}, not the anchored "
                f"{anchor.hash}: not the log the anchor was taken from, or rewritten since",
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
