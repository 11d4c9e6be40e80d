"""Numbers as written: their value (digit groups checked), rounding grain, and written form.

Widths use the number's rounding grain g, the largest power of ten dividing it (6,000 → 1,000;
2,500 → 100; 5,969 → 1).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Final

__all__ = [
    "DIGITS",
    "MAX_VALUE",
    "digits",
    "integral",
    "is_round",
    "rounding_grain",
    "tidy",
    "write_number",
]

DIGITS: Final = frozenset("0123456789")
MAX_VALUE: Final = Decimal(10) ** 15
_MAX_DECIMALS: Final = 6
_SEPARATORS: Final = ",'’\u00a0\u2009\u202f"
_GROUPS: Final = re.compile(f"[{_SEPARATORS}]")


def rounding_grain(n: Decimal) -> Decimal:
    """The largest power of ten dividing n: 6,000 → 1,000; 2,500 → 100; 5,969 → 1; 2.5 → 0.1."""
    if n == 0:
        return Decimal(1)
    exponent = n.normalize().as_tuple().exponent
    if not isinstance(exponent, int):
        raise ValueError(f"{n} is not a finite number")
    return Decimal(1).scaleb(exponent)


def is_round(n: Decimal) -> bool:
    """Whole, at least 10, and a multiple of 10 at least: '6,000' is round, '5,969' is not."""
    return integral(n) and n >= 10 and rounding_grain(n) >= 10


def integral(n: Decimal) -> bool:
    return n == n.to_integral_value()


def tidy(n: Decimal) -> Decimal:
    """Whole numbers without an exponent or trailing zeros ("2.5 million" → 2500000)."""
    return Decimal(int(n)) if integral(n) else n.normalize()


def digits(token: str) -> Decimal | str:
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


def write_number(n: Decimal) -> str:
    if integral(n):
        return f"{int(n):,}"
    written = f"{n.normalize():,f}"
    # three decimals alone would read as ambiguous ("1.500"); a trailing zero disambiguates
    return written + "0" if len(written.partition(".")[2]) == 3 else written
