"""The lexicon: its file read into tables of phrases (token tuples), for reading and writing.

The words and widths live in a versioned file (`ledger/domain/lexicon.json`); docs/lexicon.md
explains every entry.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from typing import Any, Final

from ledger.domain.quantity.value import Hedge

__all__ = [
    "LEXICON_VERSION",
    "Lexicon",
    "Phrase",
    "VagueWord",
    "build",
    "lexicon",
    "phrase",
    "tokens",
]

Phrase = tuple[str, ...]
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


def tokens(text: str) -> list[str]:
    """Lower-cased tokens: numbers as written, words, and single marks ("$", "-", "+")."""
    return [m.group() for m in _TOKEN.finditer(text.lower()) if m.lastgroup != "space"]


def phrase(text: str) -> Phrase:
    return tuple(tokens(text))


def build(data: dict[str, Any]) -> Lexicon:
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
    multipliers = {phrase(w): Decimal(m) for w, m in data["multipliers"].items()}
    names: dict[tuple[Decimal, Decimal], VagueWord] = {}
    for v in vague:
        names.setdefault((v.low, v.high), v)
    for v in (v for v in vague if v.scales):
        for word, m in data["multipliers"].items():
            scaled = VagueWord(f"{v.phrase} {word}", v.low * m, (v.high + 1) * m - 1, False, False)
            names.setdefault((scaled.low, scaled.high), scaled)
    units_before = {phrase(p): code for code, u in data["units"].items() for p in u["before"]}
    units_after = {phrase(p): code for code, u in data["units"].items() for p in u["after"]}
    units_after.update({phrase(p): _COUNT for p in data["count_nouns"]})
    estimate = data["estimate"]
    opening, closing = next(iter(estimate["brackets"].items()))
    writing = (opening, estimate["interval_names"][0], estimate["interval_joiners"][0], closing)
    lexicon = Lexicon(
        version=str(data["version"]),
        prefix_hedges={phrase(p): h for h, ps in hedges.items() for p in ps},
        suffix_hedges={phrase(p): Hedge(h) for h, ps in data["suffix_hedges"].items() for p in ps},
        range_openers={
            phrase(w): frozenset(phrase(j) for j in js) for w, js in data["range_openers"].items()
        },
        range_joiners={phrase(j): True for j in data["range_joiners"]},
        negatives={phrase(w): True for w in data["negative_words"]},
        number_words={phrase(w): Decimal(n) for w, n in data["number_words"].items()},
        article_one={phrase(w): True for w in data["article_one"]},
        multipliers=multipliers,
        vague={phrase(v.phrase): v for v in vague},
        units_before=units_before,
        units_after=units_after,
        hedge_words={h: ps[0] for h, ps in hedges.items()},
        unit_words={code: u["after"][0] for code, u in data["units"].items()},
        vague_names=names,
        point_words={phrase(w): True for w in estimate["point_words"]},
        interval_names={phrase(w): True for w in estimate["interval_names"]},
        level_marks={phrase(w): True for w in estimate["level_marks"]},
        brackets={phrase(o): phrase(c) for o, c in estimate["brackets"].items()},
        after_point={phrase(w): True for w in estimate["after_point"]},
        after_name={phrase(w): True for w in estimate["after_name"]},
        interval_joiners={phrase(j): True for j in estimate["interval_joiners"]},
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
    longest = max(len(p) for table in tables for p in table)
    if any(v.low > v.high for v in vague):
        raise ValueError("lexicon: a vague word's range runs backwards")
    if not lexicon.point_words.keys() <= lexicon.prefix_hedges.keys():
        raise ValueError("lexicon: an estimate's point word must also be a prefix hedge")
    if any(len(phrase(w)) != 1 or w.isalnum() for w in (opening, writing[2], closing)):
        raise ValueError("lexicon: an estimate is written with a bracket and joiner that are marks")
    return replace(lexicon, longest=longest)


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """The lexicon shipped in `ledger/domain/lexicon.json`, read once."""
    raw = resources.files("ledger.domain").joinpath("lexicon.json").read_text(encoding="utf-8")
    return build(json.loads(raw))


LEXICON_VERSION: Final[str] = lexicon().version
