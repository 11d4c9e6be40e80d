"""Reading a quantity as written: `parse_quantity("at least 5,969")` and its kin.

Text the lexicon cannot read raises `QuantityParseError`: a word is never dropped and a
number never guessed. δ = min(g, N/10) for a number's rounding grain g; bounds of whole
numbers are rounded inward.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from functools import lru_cache
from typing import Final, NoReturn, TypeVar

from pydantic import ValidationError

from ledger.domain.quantity.numbers import (
    DIGITS,
    MAX_VALUE,
    digits,
    integral,
    is_round,
    rounding_grain,
    tidy,
    write_number,
)
from ledger.domain.quantity.tables import Lexicon, Phrase, lexicon, tokens
from ledger.domain.quantity.value import Hedge, Quantity
from ledger.errors import QuantityParseError

__all__ = ["MAX_TEXT", "parse_quantity"]

MAX_TEXT: Final = 200  # characters; a quantity is a phrase, not a paragraph
_OF: Final[Mapping[Phrase, bool]] = {("of",): True}
_T = TypeVar("_T")


@dataclass
class _Amount:
    value: Decimal
    multiplier: Decimal | None
    units: list[str]


class _Reader:
    """A cursor over the tokens of one text; every refusal names the text and the reason."""

    def __init__(self, text: str, lex: Lexicon) -> None:
        self.text = text
        self.lex = lex
        self.tokens = tokens(text)
        self.pos = 0
        self.after_count = 0  # units written after a number or vague word, so far

    def fail(self, reason: str) -> NoReturn:
        raise QuantityParseError(self.text, reason)

    def peek(self, table: Mapping[Phrase, _T]) -> tuple[_T, int] | None:
        """The longest phrase of `table` at the cursor, and its length in tokens."""
        for n in range(min(self.lex.longest, len(self.tokens) - self.pos), 0, -1):
            found = table.get(tuple(self.tokens[self.pos : self.pos + n]))
            if found is not None:
                return found, n
        return None

    def take(self, table: Mapping[Phrase, _T]) -> _T | None:
        found = self.peek(table)
        if found is None:
            return None
        self.pos += found[1]
        return found[0]

    def take_one_of(self, phrases: frozenset[Phrase]) -> bool:
        return self.take(dict.fromkeys(phrases, True)) is not None

    def unit_after(self) -> str | None:
        """A unit word or count noun after the number ("tenge", "people"), if one is here."""
        unit = self.take(self.lex.units_after)
        self.after_count += unit is not None
        return unit

    def refuse_negative(self) -> None:
        if self.peek(self.lex.negatives) is not None:
            self.fail("a count cannot be negative")

    def amount(self) -> _Amount:
        """[unit] number [multiplier…] [unit]: '$200', '2.5 million', 'a thousand', '9 tenge'."""
        lex = self.lex
        units = [u] if (u := self.take(lex.units_before)) is not None else []
        self.refuse_negative()
        if self.pos >= len(self.tokens):
            self.fail("a number is missing")
        token = self.tokens[self.pos]
        if token[0] in DIGITS:
            self.pos += 1
            value = digits(token)
            if isinstance(value, str):
                self.fail(f"{token!r}: {value}")
        elif (word := self.take(lex.number_words)) is not None:
            value = word
        elif self.peek(lex.article_one) and self._multiplier_after_article():
            self.pos += 1
            value = Decimal(1)
        else:
            self.fail(f"expected a number, found {token!r}")
        multiplier: Decimal | None = None
        while (m := self.take(lex.multipliers)) is not None:
            if multiplier is not None and m <= multiplier:
                self.fail("multipliers must grow left to right ('two hundred thousand')")
            value, multiplier = value * m, m
        if (u := self.unit_after()) is not None:
            units.append(u)
        if value >= MAX_VALUE:
            self.fail("the number is too large")
        return _Amount(value, multiplier, units)

    def _multiplier_after_article(self) -> bool:
        self.pos += 1
        try:
            return self.peek(self.lex.multipliers) is not None
        finally:
            self.pos -= 1

    def ends(self, joiners: Mapping[Phrase, bool]) -> tuple[_Amount, _Amount]:
        """The two ends of a range: 'between A and B', 'from A to B', or A, a joiner, B."""
        if (closers := self.take(self.lex.range_openers)) is not None:
            first = self.amount()
            if not self.take_one_of(closers):
                self.fail("a range needs its second end ('between A and B', 'from A to B')")
            return first, self.amount()
        first = self.amount()
        if self.take(joiners) is None:
            self.fail("an interval needs its two ends ('793–8,498')")
        return first, self.amount()

    def span(self, first: _Amount, second: _Amount, what: str) -> tuple[Decimal, Decimal]:
        """[low, high] from two ends; a multiplier on the second end alone is shared."""
        shared = first.multiplier is None and second.multiplier is not None
        if shared and second.multiplier is not None:
            first.value *= second.multiplier  # "5–6 million": the multiplier is shared
        low, high = tidy(first.value), tidy(second.value)
        if low > high:
            note = " once the second end's multiplier applies to both" if shared else ""
            self.fail(f"the {what} runs backwards (its first end is above its second{note})")
        return low, high

    def interval(self) -> tuple[_Amount, _Amount] | None:
        """The interval after a point, if one is here: '(95% CI 793–8,498)', '(2,658 – 3,290)',
        '(range: 793 to 8,498)', ', between 793 and 8,498'. A level is checked, then dropped."""
        lex = self.lex
        comma = self.take(lex.after_point) is not None
        if (closing := self.take(lex.brackets)) is not None:
            opening = self.tokens[self.pos - 1]
            level = self.level()
            if self.take(lex.interval_names) is not None:
                self.take(lex.after_name)
            elif level is not None:
                self.fail("a confidence level must name its interval ('95% CI 793–8,498')")
            ends = self.ends(lex.interval_joiners)
            if not self.take_one_of(frozenset({closing})):
                if self.pos == len(self.tokens):
                    self.fail(f"the interval's {opening!r} is never closed")
                self.fail(f"unexpected {self.tokens[self.pos]!r} inside the interval")
            return ends
        if self.peek(lex.range_openers) is not None:
            return self.ends(lex.interval_joiners)
        if comma:
            self.fail("a comma after the number must introduce its interval")
        return None

    def level(self) -> Decimal | None:
        """A confidence level ('95%', '90 percent'), if one is here: 0 < level < 100."""
        if self.pos == len(self.tokens) or self.tokens[self.pos][0] not in DIGITS:
            return None
        token = self.tokens[self.pos]
        self.pos += 1
        if self.take(self.lex.level_marks) is None:
            self.pos -= 1
            return None
        value = digits(token)
        if isinstance(value, str):
            self.fail(f"{token!r}: {value}")
        if not 0 < value < 100:
            self.fail(f"a confidence level lies strictly between 0% and 100% (found {token}%)")
        return value

    def leftover(self) -> NoReturn:
        token = self.tokens[self.pos]
        if token[0] in DIGITS or self.peek(self.lex.number_words):
            self.fail(f"a second number {token!r} that does not form a range")
        self.fail(f"unexpected {token!r}")


def _read(text: str) -> Quantity:
    lex = lexicon()
    if len(text) > MAX_TEXT:
        raise QuantityParseError(text[:MAX_TEXT] + "…", f"longer than {MAX_TEXT} characters")
    r = _Reader(text, lex)
    if not r.tokens:
        r.fail("there is no quantity in it (empty)")
    hedge = r.take(lex.prefix_hedges)
    prefix = tuple(r.tokens[: r.pos])
    r.refuse_negative()
    units: list[str] = []
    number: Decimal | None = None
    point: _Amount | None = None  # the point of an estimate, before its interval
    low: Decimal
    high: Decimal | None
    if (vague := r.take(lex.vague)) is not None:
        low, high = vague.low, vague.high
        if vague.scales and (m := r.take(lex.multipliers)) is not None:
            low, high = low * m, (high + 1) * m - 1
        if r.take(_OF):
            if (u := r.unit_after()) is None:
                r.fail(f"'{vague.phrase} of' must be followed by a unit or 'people'")
            units.append(u)
        kind = Hedge.VAGUE
    else:
        second: _Amount | None = None
        if r.peek(lex.range_openers) is not None:
            first, second = r.ends(lex.range_joiners)
        else:
            first = r.amount()
            if r.peek(lex.suffix_hedges) is None and r.take(lex.range_joiners):
                second = r.amount()
            elif (ends := r.interval()) is not None:
                point, (first, second) = first, ends
        units += first.units
        if second is None:
            number = tidy(first.value)
            low, high, kind = number, number, Hedge.EXACT
        else:
            units += second.units
            low, high = r.span(first, second, "range" if point is None else "interval")
            kind = Hedge.BETWEEN
        if point is not None:
            units += point.units
            number, kind = tidy(point.value), Hedge.ESTIMATE
            if not low <= number <= high:
                r.fail(
                    f"the point {write_number(number)} lies outside its interval "
                    f"{write_number(low)}–{write_number(high)}"
                )
    if (suffix := r.take(lex.suffix_hedges)) is not None:
        if hedge is not None:
            r.fail("two hedges on one number")
        hedge = suffix
    if r.after_count == 0 and (u := r.unit_after()) is not None:
        units.append(u)  # "6,000 or more people", "several hundred people"
    if r.pos < len(r.tokens):
        r.leftover()
    if len(set(units)) > 1:
        r.fail(f"two different units ({', '.join(sorted(u or 'count' for u in set(units)))})")
    unit = (units[0] or None) if units else None

    if kind is Hedge.BETWEEN and hedge is not None:
        r.fail(f"'{hedge}' cannot qualify a range")
    point_word = suffix is None and prefix in lex.point_words  # "an estimated 4,645 (…)"
    if kind is Hedge.ESTIMATE and hedge is not None and not point_word:
        r.fail(f"'{hedge}' cannot qualify a point with its interval")
    if kind is Hedge.VAGUE:
        if hedge in (Hedge.AT_LEAST, Hedge.MORE_THAN):
            high = None
        elif hedge in (Hedge.UP_TO, Hedge.FEWER_THAN):
            low = Decimal(0)
    elif kind is Hedge.EXACT:
        assert number is not None
        kind = hedge or (Hedge.ROUND if is_round(number) else Hedge.EXACT)
        low, high = _interval(kind, number)
        if high is not None and high < 0:
            r.fail(f"nothing is {kind} {number}")
    try:
        return Quantity(
            text=text,
            hedge=kind,
            number=number,
            low=low,
            high=high,
            unit=unit,
            lexicon_version=lex.version,
        )
    except ValidationError as e:  # a safety net: the arithmetic above keeps low ≤ high
        r.fail(f"it gives no valid interval ({e.errors()[0]['msg']})")


def _interval(hedge: Hedge, n: Decimal) -> tuple[Decimal, Decimal | None]:
    """The interval a hedged number stands for; whole numbers get whole bounds (inward)."""
    whole = integral(n)
    step = Decimal(1) if whole else Decimal(0)  # "more than 2.5" has no next value: closed
    delta = min(rounding_grain(n), n / 10)
    low: Decimal
    high: Decimal | None
    match hedge:
        case Hedge.AT_LEAST:
            low, high = n, None
        case Hedge.MORE_THAN:
            low, high = n + step, None
        case Hedge.NEARLY:
            low, high = n - max(delta, step), n - step
        case Hedge.ROUND | Hedge.AROUND:
            low, high = n - delta / 2, n + delta / 2
        case Hedge.UP_TO:
            low, high = Decimal(0), n
        case Hedge.FEWER_THAN:
            low, high = Decimal(0), n - step
        case _:
            low, high = n, n
    if whole:
        low = tidy(low.to_integral_value(rounding=ROUND_CEILING))
        high = None if high is None else tidy(high.to_integral_value(rounding=ROUND_FLOOR))
    return max(low, Decimal(0)), high


@lru_cache(maxsize=4096)
def _parse_cached(text: str) -> Quantity:
    return _read(text)


def parse_quantity(text: str) -> Quantity:
    """Read a quantity as written ("nearly 6,000", "about $200", "dozens").

    Raises `QuantityParseError` (naming the text and the reason) for anything the lexicon
    cannot read; never guesses and never drops a word.
    """
    if not isinstance(text, str):
        raise QuantityParseError(repr(text), "a quantity must be text")
    return _parse_cached(text)
