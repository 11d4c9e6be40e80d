"""Quantities as news writes them, turned into intervals.

`parse_quantity("at least 5,969")` gives a `Quantity` with hedge AT_LEAST, number 5969 and
the interval [5969, ∞). The words and widths live in a versioned lexicon
(`ledger/domain/lexicon.json`); docs/estimation.md explains every width.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, model_validator

from ledger.domain.values import Number


class Hedge(StrEnum):
    """How a writer qualified a number."""

    EXACT = "exact"  # "5,969": a non-round number taken at its word
    ROUND = "round"  # "6,000" bare: a round number, read as about N
    AT_LEAST = "at least"  # at least / no fewer than N: [N, ∞)
    MORE_THAN = "more than"  # more than / over N: [N+1, ∞)
    NEARLY = "nearly"  # nearly / almost N: [N − δ, N − 1]
    AROUND = "around"  # around / about / approximately N: [N − δ/2, N + δ/2]
    UP_TO = "up to"  # up to / as many as / at most N: [0, N]
    FEWER_THAN = "fewer than"  # fewer than / less than / under N: [0, N − 1]
    BETWEEN = "between"  # between A and B, A–B: [A, B]
    VAGUE = "vague"  # several, dozens, thousands…: a fixed range from the lexicon


class Quantity(BaseModel):
    """A value as written, its hedge, and the interval [low, high] it stands for.

    `high` is None when the interval is open above (∞). `number` is the number as stated
    (None for vague words); for BETWEEN it is None and the bounds are the stated ends.
    `unit` is a normalised unit from the lexicon ("KZT", "USD") or None for a bare count.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str
    hedge: Hedge
    number: Number | None = None
    low: Number
    high: Number | None = None
    unit: str | None = None
    lexicon_version: str

    @model_validator(mode="after")
    def _ordered(self) -> Quantity:
        if self.high is not None and self.low > self.high:
            raise ValueError(f"low {self.low} is above high {self.high}")
        if self.low < 0:
            raise ValueError(f"a quantity cannot be negative (low {self.low})")
        return self

    @property
    def is_point(self) -> bool:
        """True when the interval is a single value."""
        return self.high is not None and self.low == self.high
