"""Quantities as news writes them, turned into intervals.

`parse_quantity("at least 5,969")` gives a `Quantity` with hedge AT_LEAST, number 5969 and
the interval [5969, ∞); `parse_quantity("4,645 (95% CI 793–8,498)")` gives hedge ESTIMATE,
number 4645 (the point) and the interval [793, 8498] (the confidence level is read, checked
and not kept); `render_quantity` writes a quantity back in canonical words. The
words and widths live in a versioned lexicon (`ledger/domain/lexicon.json`);
docs/lexicon.md explains every entry. Text the lexicon cannot read raises
`QuantityParseError`: a word is never dropped and a number never guessed.

Widths use the number's rounding grain g, the largest power of ten dividing it (6,000 → 1,000;
2,500 → 100; 5,969 → 1), and δ = min(g, N/10). Bounds of whole numbers are rounded inward.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from typing import Any, Final, NoReturn, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from ledger.domain.values import Number
from ledger.errors import QuantityParseError

__all__ = [
    "LEXICON_VERSION",
    "Hedge",
    "Lexicon",
    "Quantity",
    "VagueWord",
    "lexicon",
    "parse_quantity",
    "render_quantity",
    "rounding_grain",
]


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


# --- the lexicon --------------------------------------------------------------------------

Phrase = tuple[str, ...]
_T = TypeVar("_T")
_COUNT: Final = ""  # the unit code of a count noun ("people"): a bare count, unit None


@dataclass(frozen=True)
class VagueWord:
    """A vague quantity word and the fixed range the lexicon gives it."""

    phrase: str
    low: Decimal
    high: Decimal
    takes_of: bool  # written "dozens of people" rather than "several people"
    scales: bool  # may take a multiplier: "several hundred"


@dataclass(frozen=True)
class Lexicon:
    """The lexicon file, indexed for reading (phrases as token tuples) and for writing."""

    version: str
    prefix_hedges: Mapping[Phrase, Hedge]
    suffix_hedges: Mapping[Phrase, Hedge]
    range_openers: Mapping[Phrase, frozenset[Phrase]]
    range_joiners: Mapping[Phrase, bool]
    negatives: Mapping[Phrase, bool]
    number_words: Mapping[Phrase, Decimal]
    article_one: Mapping[Phrase, bool]
    multipliers: Mapping[Phrase, Decimal]
    vague: Mapping[Phrase, VagueWord]
    units_before: Mapping[Phrase, str]
    units_after: Mapping[Phrase, str]  # count nouns map to "" (a bare count)
    hedge_words: Mapping[Hedge, str]  # the canonical phrase of each hedge, for writing
    unit_words: Mapping[str, str]  # the canonical word of each unit code, for writing
    vague_names: Mapping[tuple[Decimal, Decimal], VagueWord]  # incl. "several hundred"
    # a point with its interval: "an estimated 4,645 (95% CI: 793 to 8,498)"
    point_words: Mapping[Phrase, bool]  # prefix hedges that may also open an estimate
    interval_names: Mapping[Phrase, bool]  # "ci", "confidence interval", "range"…
    level_marks: Mapping[Phrase, bool]  # "95%", "95 percent": the level, read and dropped
    brackets: Mapping[Phrase, Phrase]  # an opening bracket and its closing one
    after_point: Mapping[Phrase, bool]  # "4,645, between 793 and 8,498"
    after_name: Mapping[Phrase, bool]  # "95% CI: 793–8,498"
    interval_joiners: Mapping[Phrase, bool]  # as range_joiners, without "or"
    interval_writing: tuple[str, str, str, str]  # opening bracket, name, joiner, closing one
    longest: int  # the most tokens in any phrase


_TOKEN = re.compile(
    r"(?P<space>\s+)"
    r"|(?P<number>[0-9]+(?:[,'’\u00a0\u2009\u202f][0-9]+)*(?:\.[0-9]+)?)"
    r"|(?P<word>[^\W\d_]+)"
    r"|(?P<mark>.)",
    re.DOTALL,
)
_DIGITS: Final = frozenset("0123456789")


def _tokens(text: str) -> list[str]:
    """Lower-cased tokens: numbers as written, words, and single marks ("$", "-", "+")."""
    return [m.group() for m in _TOKEN.finditer(text.lower()) if m.lastgroup != "space"]


def _phrase(text: str) -> Phrase:
    return tuple(_tokens(text))


def _build(data: dict[str, Any]) -> Lexicon:
    hedges = {Hedge(h): [str(p) for p in ps] for h, ps in data["hedges"].items()}
    vague = [
        VagueWord(
            phrase=v["phrase"],
            low=Decimal(v["range"][0]),
            high=Decimal(v["range"][1]),
            takes_of=bool(v["of"]),
            scales=bool(v["scales"]),
        )
        for v in data["vague"]
    ]
    multipliers = {_phrase(w): Decimal(m) for w, m in data["multipliers"].items()}
    names: dict[tuple[Decimal, Decimal], VagueWord] = {}
    for v in vague:
        names.setdefault((v.low, v.high), v)
    for v in (v for v in vague if v.scales):
        for word, m in data["multipliers"].items():
            scaled = VagueWord(f"{v.phrase} {word}", v.low * m, (v.high + 1) * m - 1, False, False)
            names.setdefault((scaled.low, scaled.high), scaled)
    units_before = {_phrase(p): code for code, u in data["units"].items() for p in u["before"]}
    units_after = {_phrase(p): code for code, u in data["units"].items() for p in u["after"]}
    units_after.update({_phrase(p): _COUNT for p in data["count_nouns"]})
    estimate = data["estimate"]
    opening, closing = next(iter(estimate["brackets"].items()))
    writing = (opening, estimate["interval_names"][0], estimate["interval_joiners"][0], closing)
    lexicon = Lexicon(
        version=str(data["version"]),
        prefix_hedges={_phrase(p): h for h, ps in hedges.items() for p in ps},
        suffix_hedges={_phrase(p): Hedge(h) for h, ps in data["suffix_hedges"].items() for p in ps},
        range_openers={
            _phrase(w): frozenset(_phrase(j) for j in js) for w, js in data["range_openers"].items()
        },
        range_joiners={_phrase(j): True for j in data["range_joiners"]},
        negatives={_phrase(w): True for w in data["negative_words"]},
        number_words={_phrase(w): Decimal(n) for w, n in data["number_words"].items()},
        article_one={_phrase(w): True for w in data["article_one"]},
        multipliers=multipliers,
        vague={_phrase(v.phrase): v for v in vague},
        units_before=units_before,
        units_after=units_after,
        hedge_words={h: ps[0] for h, ps in hedges.items()},
        unit_words={code: u["after"][0] for code, u in data["units"].items()},
        vague_names=names,
        point_words={_phrase(w): True for w in estimate["point_words"]},
        interval_names={_phrase(w): True for w in estimate["interval_names"]},
        level_marks={_phrase(w): True for w in estimate["level_marks"]},
        brackets={_phrase(o): _phrase(c) for o, c in estimate["brackets"].items()},
        after_point={_phrase(w): True for w in estimate["after_point"]},
        after_name={_phrase(w): True for w in estimate["after_name"]},
        interval_joiners={_phrase(j): True for j in estimate["interval_joiners"]},
        interval_writing=writing,
        longest=0,
    )
    tables: list[Mapping[Phrase, object]] = [
        lexicon.prefix_hedges,
        lexicon.suffix_hedges,
        lexicon.range_openers,
        lexicon.range_joiners,
        lexicon.negatives,
        lexicon.number_words,
        lexicon.article_one,
        lexicon.multipliers,
        lexicon.vague,
        lexicon.units_before,
        lexicon.units_after,
        lexicon.point_words,
        lexicon.interval_names,
        lexicon.level_marks,
        lexicon.brackets,
        lexicon.after_point,
        lexicon.after_name,
        lexicon.interval_joiners,
    ]
    longest = max(len(phrase) for table in tables for phrase in table)
    if any(v.low > v.high for v in vague):
        raise ValueError("lexicon: a vague word's range runs backwards")
    if not lexicon.point_words.keys() <= lexicon.prefix_hedges.keys():
        raise ValueError("lexicon: an estimate's point word must also be a prefix hedge")
    if any(len(_phrase(w)) != 1 or w.isalnum() for w in (opening, writing[2], closing)):
        raise ValueError("lexicon: an estimate is written with a bracket and joiner that are marks")
    return replace(lexicon, longest=longest)


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """The lexicon shipped in `ledger/domain/lexicon.json`, read once."""
    raw = resources.files("ledger.domain").joinpath("lexicon.json").read_text(encoding="utf-8")
    return _build(json.loads(raw))


LEXICON_VERSION: Final[str] = lexicon().version


# --- numbers --------------------------------------------------------------------------------

MAX_TEXT: Final = 200  # characters; a quantity is a phrase, not a paragraph
_MAX_VALUE: Final = Decimal(10) ** 15
_MAX_DECIMALS: Final = 6
_SEPARATORS: Final = ",'’\u00a0\u2009\u202f"
_GROUPS: Final = re.compile(f"[{_SEPARATORS}]")
_OF: Final[Mapping[Phrase, bool]] = {("of",): True}


def rounding_grain(n: Decimal) -> Decimal:
    """The largest power of ten dividing n: 6,000 → 1,000; 2,500 → 100; 5,969 → 1; 2.5 → 0.1."""
    if n == 0:
        return Decimal(1)
    exponent = n.normalize().as_tuple().exponent
    if not isinstance(exponent, int):
        raise ValueError(f"{n} is not a finite number")
    return Decimal(1).scaleb(exponent)


def _is_round(n: Decimal) -> bool:
    """Whole, at least 10, and a multiple of 10 at least: '6,000' is round, '5,969' is not."""
    return _integral(n) and n >= 10 and rounding_grain(n) >= 10


def _integral(n: Decimal) -> bool:
    return n == n.to_integral_value()


def _tidy(n: Decimal) -> Decimal:
    """Whole numbers without an exponent or trailing zeros ("2.5 million" → 2500000)."""
    return Decimal(int(n)) if _integral(n) else n.normalize()


def _digits(token: str) -> Decimal | str:
    """The value of a written number, or the reason it is refused."""
    whole, _, fraction = token.partition(".")
    marks = {c for c in whole if c in _SEPARATORS}
    groups = _GROUPS.split(whole)
    if len(marks) > 1:
        return "digit groups separated by different marks"
    if marks and (len(groups[0]) > 3 or any(len(g) != 3 for g in groups[1:])):
        return (
            f"{marks.pop()!r} must separate groups of three digits "
            "(a decimal comma is not accepted; write '.')"
        )
    bare = "".join(groups)
    if len(bare) > 1 and bare.startswith("0"):
        return "a number cannot start with 0"
    if len(bare) > 15:
        return "the number is too large"
    if len(fraction) > _MAX_DECIMALS:
        return f"more than {_MAX_DECIMALS} decimal places"
    if len(fraction) == 3 and not marks and len(bare) <= 3 and bare != "0":
        return "ambiguous: '.' before three digits may be a thousands separator"
    return Decimal(f"{bare}.{fraction}" if fraction else bare)


# --- reading ---------------------------------------------------------------------------------


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
        self.tokens = _tokens(text)
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
        if token[0] in _DIGITS:
            self.pos += 1
            value = _digits(token)
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
        if value >= _MAX_VALUE:
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
        low, high = _tidy(first.value), _tidy(second.value)
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
        if self.pos == len(self.tokens) or self.tokens[self.pos][0] not in _DIGITS:
            return None
        token = self.tokens[self.pos]
        self.pos += 1
        if self.take(self.lex.level_marks) is None:
            self.pos -= 1
            return None
        value = _digits(token)
        if isinstance(value, str):
            self.fail(f"{token!r}: {value}")
        if not 0 < value < 100:
            self.fail(f"a confidence level lies strictly between 0% and 100% (found {token}%)")
        return value

    def leftover(self) -> NoReturn:
        token = self.tokens[self.pos]
        if token[0] in _DIGITS or self.peek(self.lex.number_words):
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
            number = _tidy(first.value)
            low, high, kind = number, number, Hedge.EXACT
        else:
            units += second.units
            low, high = r.span(first, second, "range" if point is None else "interval")
            kind = Hedge.BETWEEN
        if point is not None:
            units += point.units
            number, kind = _tidy(point.value), Hedge.ESTIMATE
            if not low <= number <= high:
                r.fail(
                    f"the point {_write(number)} lies outside its interval "
                    f"{_write(low)}–{_write(high)}"
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
        kind = hedge or (Hedge.ROUND if _is_round(number) else Hedge.EXACT)
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
    whole = _integral(n)
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
        low = _tidy(low.to_integral_value(rounding=ROUND_CEILING))
        high = None if high is None else _tidy(high.to_integral_value(rounding=ROUND_FLOOR))
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


# --- writing ---------------------------------------------------------------------------------


def _write(n: Decimal) -> str:
    if _integral(n):
        return f"{int(n):,}"
    written = f"{n.normalize():,f}"
    # three decimals alone would read as ambiguous ("1.500"); a trailing zero disambiguates
    return written + "0" if len(written.partition(".")[2]) == 3 else written


def render_quantity(q: Quantity) -> str:
    """Canonical text for a quantity, in the current lexicon: parsing it gives q again.

    `parse_quantity(render_quantity(q)).same_as(q)` holds for every q the parser produced
    under this lexicon version. Raises ValueError for a quantity the lexicon cannot write.
    """
    lex = lexicon()
    if q.unit is not None and q.unit not in lex.unit_words:
        raise ValueError(f"unit {q.unit!r} is not in lexicon {lex.version}")
    unit = "" if q.unit is None else " " + lex.unit_words[q.unit]
    if q.hedge is Hedge.ESTIMATE:
        if q.number is None or q.high is None:
            raise ValueError("an estimate needs its point and both ends of its interval")
        opening, name, joiner, closing = lex.interval_writing
        interval = f"{opening}{name} {_write(q.low)}{joiner}{_write(q.high)}{closing}"
        return f"{_write(q.number)}{unit} {interval}"
    if q.hedge is Hedge.BETWEEN:
        if q.high is None:
            raise ValueError("a range needs both ends")
        return f"between {_write(q.low)} and {_write(q.high)}{unit}"
    if q.hedge is Hedge.VAGUE:
        return _write_vague(q, lex) + (" of" if unit and _vague_of(q, lex) else "") + unit
    if q.number is None:
        raise ValueError(f"a {q.hedge} quantity needs its number")
    if q.hedge in (Hedge.EXACT, Hedge.ROUND):
        return _write(q.number) + unit
    return f"{lex.hedge_words[q.hedge]} {_write(q.number)}{unit}"


def _vague_word(q: Quantity, lex: Lexicon) -> VagueWord:
    names = lex.vague_names.values()
    if q.high is None:
        found = next((v for v in names if v.low == q.low), None)
    elif q.low == 0:
        found = next((v for v in names if v.high == q.high), None)
    else:
        found = lex.vague_names.get((q.low, q.high))
    if found is None:
        raise ValueError(f"no vague word in lexicon {lex.version} spans [{q.low}, {q.high}]")
    return found


def _vague_of(q: Quantity, lex: Lexicon) -> bool:
    return _vague_word(q, lex).takes_of


def _write_vague(q: Quantity, lex: Lexicon) -> str:
    phrase = _vague_word(q, lex).phrase
    if q.high is None:
        return f"{lex.hedge_words[Hedge.AT_LEAST]} {phrase}"
    if q.low == 0:
        return f"{lex.hedge_words[Hedge.UP_TO]} {phrase}"
    return phrase
