"""Hypothesis strategies for the ledger's domain values: one plain function per strategy."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

from hypothesis import strategies as st

from ledger.domain.estimate import ClaimStatus, ClaimView, FigureInfo
from ledger.domain.model import FigureKind
from ledger.domain.quantity import Hedge, Quantity, lexicon, parse_quantity

_SEPARATORS = (",", "\u202f", "\u2009", "\u00a0", "’", "'")


def _phrases(table: object) -> list[str]:
    """The phrases of one lexicon table, written back as text."""
    assert isinstance(table, dict)
    return sorted(" ".join(phrase) for phrase in table)


def written_integers(min_value: int = 1, max_value: int = 10**12) -> st.SearchStrategy[str]:
    """Whole numbers as news writes them: '5969', '5,969', '5 969' (thin space), '5’969'."""
    return st.integers(min_value, max_value).flatmap(
        lambda n: st.sampled_from([str(n), *(f"{n:,}".replace(",", s) for s in _SEPARATORS)])
    )


def written_numbers() -> st.SearchStrategy[str]:
    """A number the lexicon reads: digits, decimals, number words, or with a multiplier."""
    lex = lexicon()
    words = [w for w in _phrases(lex.number_words) if w != "zero"]
    multipliers = _phrases(lex.multipliers)
    decimals = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(10**6), places=2)
    coefficient = st.one_of(
        st.integers(1, 999).map(str),
        st.decimals(min_value=Decimal("0.1"), max_value=Decimal(99), places=1).map(str),
        st.sampled_from(words),
    )
    return st.one_of(
        written_integers(),
        decimals.map(str),
        st.sampled_from(words),
        st.tuples(coefficient, st.sampled_from(multipliers)).map(" ".join),
        st.sampled_from(multipliers).map(lambda m: f"a {m}"),
    )


def _unit_forms() -> st.SearchStrategy[tuple[str, str]]:
    """A unit written before the number, after it, both or neither (one unit, never two)."""
    lex = lexicon()
    codes = sorted(set(lex.units_after.values()))

    def forms(code: str) -> st.SearchStrategy[tuple[str, str]]:
        before = ["", *sorted(" ".join(p) for p, c in lex.units_before.items() if c == code)]
        after = ["", *sorted(" ".join(p) for p, c in lex.units_after.items() if c == code)]
        return st.tuples(st.sampled_from(before), st.sampled_from(after))

    return st.sampled_from(codes).flatmap(forms)


def _unit_after() -> st.SearchStrategy[str]:
    return st.sampled_from(_phrases(lexicon().units_after))


def point_texts() -> st.SearchStrategy[str]:
    """One number with at most one hedge (before or after) and optional units."""
    lex = lexicon()
    prefix = st.one_of(st.just(""), st.sampled_from(_phrases(lex.prefix_hedges)))
    suffix = st.one_of(st.just(""), st.sampled_from(_phrases(lex.suffix_hedges)))
    return st.builds(
        lambda hedge, units, number, tail: " ".join(
            part for part in (hedge, units[0], number, units[1], "" if hedge else tail) if part
        ),
        prefix,
        _unit_forms(),
        written_numbers(),
        suffix,
    )


def range_texts() -> st.SearchStrategy[str]:
    """Two whole numbers, low end first: 'between A and B', 'A–B', 'from A to B', 'A or B'."""
    lex = lexicon()
    joiners = _phrases(lex.range_joiners)
    ends = st.tuples(st.integers(0, 10**9), st.integers(0, 10**9)).map(sorted)
    return st.builds(
        lambda ab, form, unit: (form.format(f"{ab[0]:,}", f"{ab[1]:,}") + " " + unit).strip(),
        ends,
        st.one_of(
            st.sampled_from(["between {} and {}", "from {} to {}"]),
            st.sampled_from(joiners).map(lambda j: "{} " + j + " {}"),
        ),
        st.one_of(st.just(""), _unit_after()),
    )


def vague_texts() -> st.SearchStrategy[str]:
    """A vague word ('dozens', 'several hundred'), maybe hedged, maybe 'of' a unit."""
    lex = lexicon()
    multipliers = _phrases(lex.multipliers)

    @st.composite
    def build(draw: st.DrawFn) -> str:
        word = draw(st.sampled_from(sorted(lex.vague.values(), key=lambda v: v.phrase)))
        parts = [draw(st.one_of(st.just(""), st.sampled_from(_phrases(lex.prefix_hedges))))]
        parts.append(word.phrase)
        if word.scales and draw(st.booleans()):
            parts.append(draw(st.sampled_from(multipliers)))
        if draw(st.booleans()):
            parts += ["of", draw(_unit_after())]
        return " ".join(p for p in parts if p)

    return build()


def _written_integer(n: int) -> st.SearchStrategy[str]:
    """One whole number written plainly or with any thousands separator."""
    return st.sampled_from([str(n), *(f"{n:,}".replace(",", s) for s in _SEPARATORS)])


def estimate_texts() -> st.SearchStrategy[str]:
    """A point with its interval: '4,645 (95% CI 793–8,498)', 'an estimated N, between A and B'."""
    lex = lexicon()
    point_words = ["", *_phrases(lex.point_words)]
    names = _phrases(lex.interval_names)
    marks = _phrases(lex.level_marks)
    brackets = sorted((" ".join(o), " ".join(c)) for o, c in lex.brackets.items())
    joiners = _phrases(lex.interval_joiners)
    openers = sorted((" ".join(o), " ".join(sorted(c)[0])) for o, c in lex.range_openers.items())
    ends = st.lists(st.integers(0, 10**9), min_size=3, max_size=3).map(sorted)
    levels = st.decimals(min_value=Decimal("0.1"), max_value=Decimal("99.9"), places=1)

    @st.composite
    def build(draw: st.DrawFn) -> str:
        low, number, high = draw(ends)
        a, n, b = (draw(_written_integer(v)) for v in (low, number, high))
        point = " ".join(p for p in (draw(st.sampled_from(point_words)), n) if p)
        if draw(st.booleans()):
            point += " " + draw(_unit_after())
        if draw(st.booleans()):
            point += ","
        if draw(st.booleans()):
            opener, closer = draw(st.sampled_from(openers))
            return f"{point} {opener} {a} {closer} {b}"
        opening, closing = draw(st.sampled_from(brackets))
        label = ""
        if draw(st.booleans()):
            label = draw(st.sampled_from(names))
            if draw(st.booleans()):
                label = f"{draw(levels)}{draw(st.sampled_from(marks))} {label}"
            label += draw(st.sampled_from(["", ":", ","])) + " "
        joiner = draw(st.sampled_from(joiners))
        space = " " if joiner.isalpha() else draw(st.sampled_from(["", " "]))
        return f"{point} {opening}{label}{a}{space}{joiner}{space}{b}{closing}"

    return build()


def quantity_texts() -> st.SearchStrategy[str]:
    """Text the quantity lexicon reads: a hedged number, a range, a vague word or an estimate."""
    return st.one_of(point_texts(), range_texts(), vague_texts(), estimate_texts())


def quantities() -> st.SearchStrategy[Quantity]:
    """Quantities as the parser produces them from generated news text."""
    return quantity_texts().map(parse_quantity)


# --- The estimation policy (ledger.domain.estimate): the claims of one figure. ---

_ESTIMATE_ORIGINS = ("kz-health-ministry", "kz-interior-ministry", "rferl", "ru-defense", "site")
_ESTIMATE_BODIES = ("kz-government", "ru-government")
_ESTIMATE_DAYS = (date(2022, 1, 7), date(2022, 1, 8), date(2022, 1, 9))
_WITHDRAWN = (ClaimStatus.RETRACTED, ClaimStatus.REFUTED, ClaimStatus.CORRECTED)
# Built once: building strategies inside a composite on every draw is slow.
_LOWS = st.integers(0, 60)
_SPANS = st.none() | st.integers(0, 30)
_NUMBERS = st.none() | st.integers(0, 100)
_HEDGES = st.sampled_from(Hedge)
_LEXICON_VERSIONS = st.sampled_from(("2026.11-1", "2026.12-1"))
_STATUSES = st.just(ClaimStatus.ACTIVE) | st.sampled_from(ClaimStatus)
_REPORTS = st.sampled_from(("r1", "r2", "r3"))
_OUTLETS = st.sampled_from(("rferl", "nyt"))
_ORIGINS = st.sampled_from(_ESTIMATE_ORIGINS)
_DAYS = st.sampled_from(_ESTIMATE_DAYS)
_HOURS = st.integers(0, 23)


@st.composite
def claim_quantities(draw: st.DrawFn) -> Quantity:
    """Small, often-overlapping intervals with any hedge and a stated number in or out
    (an ESTIMATE's point is moved inside its closed interval, as the model requires)."""
    low = draw(_LOWS)
    span = draw(_SPANS)
    number = draw(_NUMBERS)
    hedge = draw(_HEDGES)
    if hedge is Hedge.ESTIMATE:
        span = span or 0
        number = min(max(low if number is None else number, low), low + span)
    return Quantity(
        text="generated",
        hedge=hedge,
        number=None if number is None else Decimal(number),
        low=Decimal(low),
        high=None if span is None else Decimal(low + span),
        lexicon_version=draw(_LEXICON_VERSIONS),
    )


def settle_withdrawals(claims: Sequence[ClaimView]) -> list[ClaimView]:
    """`claims` (relays after what they relay) with `withdrawn_via` derived from the chain."""
    by_id: dict[str, ClaimView] = {}
    settled: list[ClaimView] = []
    for claim in claims:
        parent = by_id.get(claim.derived_from) if claim.derived_from else None
        via = None
        if parent is not None:
            via = parent.claim_id if parent.status in _WITHDRAWN else parent.withdrawn_via
        claim = claim.model_copy(update={"withdrawn_via": via})
        by_id[claim.claim_id] = claim
        settled.append(claim)
    return settled


@st.composite
def figure_claims(
    draw: st.DrawFn, *, min_size: int = 0, max_size: int = 8, one_as_of: bool = False
) -> list[ClaimView]:
    """Claims of one figure: relays of earlier claims, any standing, a few origins and days."""
    claims: list[ClaimView] = []
    for index in range(draw(st.integers(min_size, max_size))):
        claim_id = f"c{index}"
        parent = claims[draw(st.integers(0, index - 1))] if index and draw(st.booleans()) else None
        origin = draw(_ORIGINS)
        status = draw(_STATUSES)
        claims.append(
            ClaimView(
                claim_id=claim_id,
                report_id=draw(_REPORTS),
                figure="kz-unrest-2022/killed/kazakhstan",
                value="generated",
                quantity=draw(claim_quantities()),
                as_of=_ESTIMATE_DAYS[-1] if one_as_of else draw(_DAYS),
                origin=origin,
                outlet=draw(_OUTLETS),
                published_at=datetime(2022, 1, 9, draw(_HOURS), tzinfo=UTC),
                derived_from=parent.claim_id if parent else None,
                position=index + 1,
                root_claim_id=parent.root_claim_id if parent else claim_id,
                root_origin=parent.root_origin if parent else origin,
                root_published_at=(parent.root_published_at or parent.published_at)
                if parent
                else None,
                root_position=(parent.root_position or parent.position) if parent else None,
                status=status,
                status_by=None if status is ClaimStatus.ACTIVE else "someone",
                status_reason=None if status is ClaimStatus.ACTIVE else "generated",
                disputed_by=("someone",) if status is ClaimStatus.DISPUTED else (),
            )
        )
    return settle_withdrawals(claims)


def independence_maps() -> st.SearchStrategy[dict[str, str]]:
    """Some origins mapped onto a shared top-level body; the rest stand alone."""
    return st.dictionaries(st.sampled_from(_ESTIMATE_ORIGINS), st.sampled_from(_ESTIMATE_BODIES))


def figure_infos() -> st.SearchStrategy[FigureInfo]:
    """A killed-like figure, cumulative or level."""
    return st.builds(
        FigureInfo,
        figure=st.just("kz-unrest-2022/killed/kazakhstan"),
        unit=st.just("people"),
        kind=st.sampled_from(FigureKind),
    )


# -- whole-ledger operations, for replay properties ------------------------------------------

LEDGER_ORIGINS = ("ministry", "monitor", "wire")
LEDGER_BODIES = {"ministry": "gov", "agency": "gov"}  # sources with a parent body
LEDGER_SOURCES = (*LEDGER_ORIGINS, "agency", "outsider")  # who may compensate
LEDGER_FIGURES = ("ev/killed/a", "ev/killed/b", "ev/troops/a")
LEDGER_PARENTS = {"ev/killed/b": "ev/killed/a"}  # b is a part of a
LEDGER_VALUES = (
    "at least 10",
    "nearly 6,000",
    "164",
    "around 2,500",
    "dozens",
    "more than 3,000",
    "between 5 and 9",
    "up to 40",
)
LEDGER_ACTIONS = (
    "report",
    "report",
    "retract",
    "dispute",
    "supersede",
    "correct",
    "retract_report",
)


@st.composite
def ledger_operations(draw: st.DrawFn) -> list[tuple[str, dict[str, object]]]:
    """A sequence of API calls: reports with claims (some relays), and compensating events
    naming earlier claims by index (some of them invalid on purpose)."""
    operations: list[tuple[str, dict[str, object]]] = []
    claims = 0
    for _ in range(draw(st.integers(1, 12))):
        kind = draw(st.sampled_from(LEDGER_ACTIONS))
        if kind == "report" or claims == 0:
            size = draw(st.integers(1, 3))
            items = [
                {
                    "figure": draw(st.sampled_from(LEDGER_FIGURES)),
                    "value": draw(st.sampled_from(LEDGER_VALUES)),
                    "origin": draw(st.sampled_from(LEDGER_ORIGINS)),
                    "day": draw(st.integers(1, 5)),
                    "relay_of": draw(st.none() | st.integers(0, max(claims - 1, 0)))
                    if claims
                    else None,
                }
                for _ in range(size)
            ]
            operations.append(("report", {"claims": items, "day": draw(st.integers(5, 8))}))
            claims += size
        else:
            target = draw(st.integers(0, claims - 1))
            other = draw(st.integers(0, claims - 1))
            by = draw(st.sampled_from(LEDGER_SOURCES))
            operations.append((kind, {"target": target, "other": other, "by": by}))
    return operations


@st.composite
def field_paths(draw: st.DrawFn) -> tuple[str | int, ...]:
    """A field as the ledger names it in errors, as parts: names, each followed by any
    number of list indexes (`reports[3].claims[0].value`)."""
    names = draw(st.lists(st.from_regex(r"[a-z_][a-z0-9_]{0,11}", fullmatch=True), min_size=1))
    parts: list[str | int] = []
    for name in names:
        parts.append(name)
        parts.extend(draw(st.lists(st.integers(0, 10**6), max_size=2)))
    return tuple(parts)
