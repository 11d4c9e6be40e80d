"""Writing a quantity back in the lexicon's canonical words."""

from __future__ import annotations

from ledger.domain.quantity.numbers import write_number
from ledger.domain.quantity.tables import Lexicon, VagueWord, lexicon
from ledger.domain.quantity.value import Hedge, Quantity

__all__ = ["render_quantity"]


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
        interval = f"{opening}{name} {write_number(q.low)}{joiner}{write_number(q.high)}{closing}"
        return f"{write_number(q.number)}{unit} {interval}"
    if q.hedge is Hedge.BETWEEN:
        if q.high is None:
            raise ValueError("a range needs both ends")
        return f"between {write_number(q.low)} and {write_number(q.high)}{unit}"
    if q.hedge is Hedge.VAGUE:
        return _write_vague(q, lex) + (" of" if unit and _vague_of(q, lex) else "") + unit
    if q.number is None:
        raise ValueError(f"a {q.hedge} quantity needs its number")
    if q.hedge in (Hedge.EXACT, Hedge.ROUND):
        return write_number(q.number) + unit
    return f"{lex.hedge_words[q.hedge]} {write_number(q.number)}{unit}"


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
