"""Keeping a read model true to its log, in the way its kind needs: `Upkeep` is what
catch-up, replay and `verify` ask of it. `SqlUpkeep` (`ledger.service.sql_upkeep`) works on
the store's connection, in transactions and savepoints; `MemoryUpkeep`
(`ledger.service.memory_upkeep`) folds into a fresh read model in memory. A ledger picks
its upkeep once, when it is made (`ledger.service.ledger.upkeep_for`).
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from dataclasses import dataclass

from ledger.service.audit import ContentFault

Progress = Callable[[int, int], None]
"""Called during long work with (done, total)."""


@dataclass(frozen=True)
class Rebuilt:
    """A rebuild from position 0: events applied, the log's head, figures, and (when
    asked) where the rebuilt read model differs from the one it replaced."""

    events: int
    head: int
    figures: int
    differences: tuple[str, ...]


class Upkeep(abc.ABC):
    """A read model's upkeep against its log (see the module)."""

    @abc.abstractmethod
    def applied_and_head(self) -> tuple[int, int]:
        """The last position the read model applied, and the log's head: read in that
        order (a later commit only lengthens the log)."""

    @abc.abstractmethod
    def catch_up(self, until: int | None = None) -> None:
        """Under the writers' lock, look again (another process may have caught up
        first), then rebuild the read model when it is empty, or apply — checked by the
        rules, as they never were — the events after its checkpoint (up to `until`).
        Raises `LogDamagedError` at an event the rules refuse."""

    @abc.abstractmethod
    def rebuild(
        self, *, check: bool, progress: Progress | None, accept_truncation: bool
    ) -> Rebuilt:
        """Rebuild the read model from position 0 (see `Ledger.replay`)."""

    @abc.abstractmethod
    def first_fault(self) -> ContentFault | None:
        """Fold the log through the ledger's rules into a scratch read model, never the
        live one: the first event they refuse, or None."""

    @abc.abstractmethod
    def rebuilt_differences(self) -> list[str]:
        """Rebuild the read model apart from the live one, and name where they differ."""
