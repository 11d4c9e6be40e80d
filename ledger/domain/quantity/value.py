"""The value a quantity as written stands for: its hedge and the interval [low, high]."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, model_validator

from ledger.domain.values import Number

__all__ = ["Hedge", "Quantity"]


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
    ESTIMATE = "estimate"  # a point with its uncertainty interval: [A, B], N kept as the point
    VAGUE = "vague"  # several, dozens, thousands…: a fixed range from the lexicon


class Quantity(BaseModel):
    """A value as written, its hedge, and the interval [low, high] it stands for.

    `high` is None when the interval is open above (∞). `number` is the number as stated
    (None for vague words); for BETWEEN it is None and the bounds are the stated ends; for
    ESTIMATE ("4,645 (95% CI 793–8,498)") it is the point and the bounds are its interval,
    which must hold it.
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
        if self.hedge is Hedge.ESTIMATE:
            if self.number is None or self.high is None:
                raise ValueError("an estimate needs its point and both ends of its interval")
            if not self.low <= self.number <= self.high:
                raise ValueError(
                    f"the point {self.number} lies outside its interval {self.low}–{self.high}"
                )
        return self

    @property
    def is_point(self) -> bool:
        """True when the interval is a single value."""
        return self.high is not None and self.low == self.high

    def same_as(self, other: Quantity) -> bool:
        """True when both read alike (hedge, number, bounds, unit, lexicon), whatever the text."""
        return self.model_dump(exclude={"text"}) == other.model_dump(exclude={"text"})
