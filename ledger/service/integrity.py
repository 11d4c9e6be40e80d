"""The log itself and the checks that it is intact: its events, its head, anchors to
publish, and `verify` — the hash chain, then what a chain cannot show by itself (removed
events, anchors, each event against the rules, the read model against a rebuild).
`Integrity` is the part of `Ledger` that does it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace

import structlog

from ledger.errors import IdempotencyKeyReusedError, InvalidInputError, LogTruncatedError
from ledger.service import inputs
from ledger.service.idempotency import Idempotency
from ledger.service.mapper import from_stored
from ledger.service.results import LedgerEvent
from ledger.service.upkeep import Upkeep
from ledger.store.chain import GENESIS
from ledger.store.record import Anchor, EventStore, StoredEvent, VerifyResult

log = structlog.get_logger("ledger")


class Integrity:
    """`Ledger`'s methods on the log and its checks; the attributes they use are set by
    `Ledger.__init__`."""

    store: EventStore
    upkeep: Upkeep

    def events(self, after: int = 0) -> Iterator[LedgerEvent]:
        """Every event after a position, decoded, lazily."""
        inputs.position(after, "after")
        return self._events(after)

    def _events(self, after: int) -> Iterator[LedgerEvent]:
        for stored in self.store.read_all(after):
            yield _ledger_event(stored)

    def recorded_request(self, idempotency: Idempotency) -> list[LedgerEvent] | None:
        """The events a request under this idempotency key recorded, in order; None if it
        recorded none. `IdempotencyKeyReusedError` if the key recorded another request."""
        first = self.store.find(idempotency.event_id(0))
        if first is None:
            return None
        if first.metadata.get("request") != idempotency.request:
            raise IdempotencyKeyReusedError(idempotency.key)
        batch = first.metadata.get("batch")
        recorded = []
        for stored in self.store.read_all(first.position - 1, batch_size=100):
            if stored.metadata.get("batch") != batch:
                break
            recorded.append(_ledger_event(stored))
        return recorded

    def head(self) -> int:
        """The last position in the log."""
        return self.store.head()[0]

    def anchor(self, at: int | None = None) -> Anchor:
        """The hash the log has at position `at` (default: its head), to publish somewhere
        the database's operator cannot rewrite; `str(anchor)` is `HASH@POSITION`. A later
        `verify(expect=[anchor])` fails unless the log still has that hash there."""
        if at is None:
            position, head_hash = self.store.head()
            return Anchor(hash=head_hash, position=position)
        if isinstance(at, bool) or not isinstance(at, int) or at < 0:
            raise InvalidInputError("at", "must be a position: an integer, 0 or more")
        digest = self._hash_at(at)
        if digest is None:
            raise InvalidInputError("at", f"the log ends at position {self.head()}, before {at}")
        return Anchor(hash=digest, position=at)

    def verify(
        self,
        expect: Iterable[Anchor | str] = (),
        *,
        deep: bool = False,
        content: bool = True,
    ) -> VerifyResult:
        """Check the hash chain end to end, then what a chain cannot show by itself.

        The chain proves nothing inside the log was changed, removed or reordered; the
        first bad position is named. Then: the read model must not have applied more than
        the log holds (else events were removed from its end); each anchor of `expect`
        (an `Anchor` or `"HASH@POSITION"`, from `anchor()`) must still hold, which catches
        a removed tail and a rewritten, self-consistent chain; with `content` (the
        default), every event must pass the ledger's own rules — a fold over the log
        alone into a scratch read model, never trusting the stored one; and with `deep`,
        the read model is rebuilt from the log in a transaction that is rolled back and
        compared with the stored one, naming the first differing table, row and column.
        See `VerifyResult` for the problems reported.
        """
        anchors = anchors_of(expect, "expect")
        inputs.flag(deep, "deep")
        inputs.flag(content, "content")
        result = self.store.verify()
        if result.ok:
            result = self._check_beyond_the_chain(result, anchors, deep=deep, content=content)
        log.info(
            "checked",
            ok=result.ok,
            anchors=len(result.anchors),
            deep=result.deep,
            problem=result.problem,
            bad_position=result.bad_position,
        )
        return result

    def _check_beyond_the_chain(
        self, chain: VerifyResult, anchors: list[Anchor], *, deep: bool, content: bool
    ) -> VerifyResult:
        def failed(problem: str, detail: str, position: int | None = None) -> VerifyResult:
            return replace(chain, ok=False, bad_position=position, problem=problem, detail=detail)

        applied, head = self.upkeep.applied_and_head()
        if applied > head:
            return failed("events removed", str(LogTruncatedError(applied, head)), head + 1)
        for anchor in anchors:
            digest = self._hash_at(anchor.position)
            if digest is None:
                head = self.head()
                detail = (
                    f"the anchor {anchor} is at position {anchor.position} but the log ends "
                    f"at {head}: events were removed"
                )
                return failed("events removed", detail, head + 1)
            if digest != anchor.hash:
                detail = (
                    f"position {anchor.position} has hash {digest}, not the anchored "
                    f"{anchor.hash}: the log was rewritten at or before it"
                )
                return failed("anchor mismatch", detail, anchor.position)
        if content and (fault := self.upkeep.first_fault()) is not None:
            log.warning("log content invalid", position=fault.position, reason=fault.reason)
            return failed("content invalid", fault.reason, fault.position)
        if deep:
            differences = self.upkeep.rebuilt_differences()
            if differences:
                return failed("read model differs", "; ".join(differences))
        return replace(chain, anchors=tuple(anchors), deep=deep, content=content)

    def _hash_at(self, position: int) -> str | None:
        """The hash of the event at `position` (GENESIS at 0); None beyond the head."""
        if position == 0:
            return GENESIS
        for event in self.store.read_all(position - 1, batch_size=1):
            return event.hash if event.position == position else None
        return None


def anchors_of(expect: Iterable[Anchor | str] | Anchor | str, field: str) -> list[Anchor]:
    """Anchors given as `Anchor`s or `HASH@POSITION` texts (one, or an iterable of them)."""
    if isinstance(expect, Anchor | str):
        expect = [expect]
    try:
        items = list(expect)
    except TypeError as error:
        raise InvalidInputError(field, "must be a list of anchors (HASH@POSITION)") from error
    return [
        item if isinstance(item, Anchor) else Anchor.parse(item, f"{field}[{index}]")
        for index, item in enumerate(items)
    ]


def _ledger_event(stored: StoredEvent) -> LedgerEvent:
    return LedgerEvent(
        position=stored.position,
        stream_id=stored.stream_id,
        stream_version=stored.stream_version,
        event_id=str(stored.event_id),
        type=stored.type,
        schema_version=stored.schema_version,
        recorded_at=stored.recorded_at,
        metadata=stored.metadata,
        hash=stored.hash,
        event=from_stored(stored),
    )
