"""Keeping the read model true to the log: catching up with events appended without their
projection (opening a damaged log read-only), and rebuilding it from position 0.
`Maintenance` is the part of `Ledger` that does it, through the read model's `Upkeep`
(`ledger.service.upkeep`)."""

from __future__ import annotations

import time

import structlog

from ledger.errors import LogDamagedError
from ledger.service import inputs
from ledger.service.results import ReplayResult
from ledger.service.upkeep import Progress, Upkeep

log = structlog.get_logger("ledger")

__all__ = ["Maintenance", "Progress"]


class Maintenance:
    """`Ledger`'s methods that keep the read model true to the log; the attributes they use
    are set by `Ledger.__init__`."""

    upkeep: Upkeep
    damage: LogDamagedError | None

    def catch_up(self) -> int:
        """Bring the read model up to the log (after a migration emptied it, or events were
        appended without their projection); returns how many events it was behind (0:
        nothing done).

        A read model *ahead* of the log is evidence that events were removed: it is never
        rebuilt over. A warning says so, nothing is done, and the result is negative (how
        many events are missing); `verify()` reports it. A log holding an event the
        ledger's rules refuse opens read-only: the read model is brought up to the event
        before it, and every write raises `LogDamagedError`."""
        applied, head = self.upkeep.applied_and_head()
        if applied > head:
            log.warning(
                "read model ahead of the log: events were removed; not rebuilding",
                applied=applied,
                head=head,
            )
        elif applied < head:
            log.warning("read model behind the log; catching up", behind=head - applied)
            try:
                self.upkeep.catch_up()
            except LogDamagedError as damage:
                # Keep what can be read: the read model up to the event before the bad one.
                log.error("log damaged; opening read-only", position=damage.position)
                self.damage = damage
                self.upkeep.catch_up(until=damage.position - 1)
        return head - applied

    def replay(
        self,
        *,
        check: bool = True,
        progress: Progress | None = None,
        accept_truncation: bool = False,
    ) -> ReplayResult:
        """Rebuild every projection from position 0. With `check`, compare the rebuilt read
        model with the one kept live and report any difference.

        A read model ahead of the log (events were removed) raises `LogTruncatedError`
        and nothing is rebuilt, unless `accept_truncation`: the rebuild then erases that
        evidence. An event that cannot be applied raises `LogDamagedError` and changes
        nothing."""
        inputs.flag(check, "check")
        inputs.callback(progress, "progress")
        started = time.perf_counter()
        rebuilt = self.upkeep.rebuild(
            check=check, progress=progress, accept_truncation=accept_truncation
        )
        if progress:
            progress(rebuilt.events, rebuilt.head)
        differences = rebuilt.differences
        seconds = time.perf_counter() - started
        log.info(
            "replayed",
            events=rebuilt.events,
            figures=rebuilt.figures,
            seconds=round(seconds, 3),
            identical=not differences if check else None,
        )
        return ReplayResult(
            events=rebuilt.events,
            figures=rebuilt.figures,
            seconds=seconds,
            identical=(not differences) if check else None,
            differences=differences,
        )
