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

The package keeps one job per module: `value` (the `Quantity` and its `Hedge`), `tables`
(the lexicon file read into tables), `numbers` (digits, rounding grain, written form),
`reading` (the parser) and `writing` (`render_quantity`).
"""

from ledger.domain.quantity.numbers import rounding_grain
from ledger.domain.quantity.reading import MAX_TEXT, parse_quantity
from ledger.domain.quantity.tables import LEXICON_VERSION, Lexicon, VagueWord, lexicon
from ledger.domain.quantity.value import Hedge, Quantity
from ledger.domain.quantity.writing import render_quantity

__all__ = [
    "LEXICON_VERSION",
    "MAX_TEXT",
    "Hedge",
    "Lexicon",
    "Quantity",
    "VagueWord",
    "lexicon",
    "parse_quantity",
    "render_quantity",
    "rounding_grain",
]
