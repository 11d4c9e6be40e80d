"""The quantity parser: news text to hedged intervals, and canonical text back."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from pydantic import ValidationError

import ledger.domain
from ledger.domain.quantity import (
    LEXICON_VERSION,
    Hedge,
    Quantity,
    lexicon,
    parse_quantity,
    render_quantity,
    rounding_grain,
)
from ledger.domain.quantity.tables import build
from ledger.errors import InvalidInputError, QuantityParseError
from tests.strategies import estimate_texts, quantities, quantity_texts

LEXICON_FILE = Path(ledger.domain.__file__).with_name("lexicon.json")
LEXICON_DATA = json.loads(LEXICON_FILE.read_text(encoding="utf-8"))
DOCS = Path(__file__).parents[2] / "docs" / "lexicon.md"
INF = None


def interval(text: str) -> tuple[object, object]:
    """The [low, high] a text parses to."""
    q = parse_quantity(text)
    return q.low, q.high


def facts(q: Quantity) -> tuple[object, ...]:
    """A quantity's hedge, number, low, high and unit, for comparison."""
    return (q.hedge, q.number, q.low, q.high, q.unit)


def refusal(text: str) -> str:
    """The reason the parser gives for refusing a text (after "cannot read '…': ")."""
    with pytest.raises(QuantityParseError) as caught:
        parse_quantity(text)
    prefix = f"cannot read {caught.value.text!r}: "
    assert caught.value.reason.startswith(prefix)
    return caught.value.reason.removeprefix(prefix)


class TestDocumentedExamples:
    @pytest.mark.parametrize(
        ("text", "hedge", "number", "low", "high", "unit"),
        [
            ("nearly 6,000", Hedge.NEARLY, 6000, 5400, 5999, None),
            ("at least 5,969", Hedge.AT_LEAST, 5969, 5969, INF, None),
            ("more than 3,000", Hedge.MORE_THAN, 3000, 3001, INF, None),
            ("around 2,500", Hedge.AROUND, 2500, 2450, 2550, None),
            ("more than 2,000", Hedge.MORE_THAN, 2000, 2001, INF, None),
            ("164", Hedge.EXACT, 164, 164, 164, None),
            ("103", Hedge.EXACT, 103, 103, 103, None),
            ("at least 5,800", Hedge.AT_LEAST, 5800, 5800, INF, None),
            ("dozens", Hedge.VAGUE, None, 24, 99, None),
            ("thousands", Hedge.VAGUE, None, 2000, 9999, None),
            ("90,000 tenge", Hedge.ROUND, 90000, 85500, 94500, "KZT"),
            ("about $200", Hedge.AROUND, 200, 190, 210, "USD"),
            ("4", Hedge.EXACT, 4, 4, 4, None),
            ("2.5 million", Hedge.ROUND, 2500000, 2450000, 2550000, None),
            ("around 30", Hedge.AROUND, 30, 29, 31, None),
            ("6,000", Hedge.ROUND, 6000, 5700, 6300, None),
            ("up to 300", Hedge.UP_TO, 300, 0, 300, None),
            ("fewer than 300", Hedge.FEWER_THAN, 300, 0, 299, None),
            ("between 5,000 and 6,000", Hedge.BETWEEN, None, 5000, 6000, None),
        ],
    )
    def test_reads_the_design_examples(
        self,
        text: str,
        hedge: Hedge,
        number: int | None,
        low: int,
        high: int | None,
        unit: str | None,
    ) -> None:
        """Each example in the brief and DESIGN.md reads to exactly its stated interval."""
        q = parse_quantity(text)
        assert facts(q) == (hedge, number, low, high, unit)
        assert q.text == text
        assert q.lexicon_version == LEXICON_VERSION

    def test_numbers_are_decimals(self) -> None:
        """Number and bounds are Decimal, never float."""
        q = parse_quantity("about 2.5")
        assert isinstance(q.number, Decimal)
        assert isinstance(q.low, Decimal)
        assert (q.low, q.high) == (Decimal("2.45"), Decimal("2.55"))


class TestRoundingGrain:
    @pytest.mark.parametrize(
        ("n", "grain"),
        [
            ("6000", "1000"),
            ("2500", "100"),
            ("5969", "1"),
            ("10", "10"),
            ("2.5", "0.1"),
            ("0", "1"),
        ],
    )
    def test_is_the_largest_power_of_ten_dividing_the_number(self, n: str, grain: str) -> None:
        """The grain is the largest power of ten dividing N (5×10^k is not a grain)."""
        assert rounding_grain(Decimal(n)) == Decimal(grain)

    @pytest.mark.parametrize(("text", "hedge"), [("6,000", Hedge.ROUND), ("20", Hedge.ROUND)])
    def test_bare_round_numbers_read_as_round(self, text: str, hedge: Hedge) -> None:
        """A bare whole number of at least 10 with a grain of at least 10 is ROUND."""
        assert parse_quantity(text).hedge is hedge

    @pytest.mark.parametrize("text", ["5,969", "9", "0", "2.5", "1,001", "12"])
    def test_other_bare_numbers_are_exact(self, text: str) -> None:
        """Bare numbers that are small, fractional or not a multiple of 10 are EXACT points."""
        q = parse_quantity(text)
        assert q.hedge is Hedge.EXACT
        assert q.is_point

    def test_delta_is_capped_at_a_tenth_of_the_number(self) -> None:
        """δ = min(g, N/10): bare '1,000' spans ±50, not ±500."""
        assert interval("1,000") == (950, 1050)


class TestHedges:
    @pytest.mark.parametrize(
        ("phrase", "hedge"),
        [(p, Hedge(h)) for h, phrases in LEXICON_DATA["hedges"].items() for p in phrases],
    )
    def test_every_lexicon_phrase_reads_as_its_hedge(self, phrase: str, hedge: Hedge) -> None:
        """Each hedge phrase in the lexicon, placed before a number, gives its hedge."""
        assert parse_quantity(f"{phrase} 5,969").hedge is hedge

    @pytest.mark.parametrize(
        ("phrase", "hedge"),
        [(p, Hedge(h)) for h, phrases in LEXICON_DATA["suffix_hedges"].items() for p in phrases],
    )
    def test_every_suffix_phrase_reads_as_its_hedge(self, phrase: str, hedge: Hedge) -> None:
        """Each suffix hedge ('or more', 'or so', '+') placed after a number gives its hedge."""
        assert parse_quantity(f"5,969 {phrase}").hedge is hedge

    def test_suffix_hedge_may_precede_the_count_noun(self) -> None:
        """'6,000 or more people' is at least 6,000."""
        assert interval("6,000 or more people") == (6000, None)

    def test_nearly_is_at_least_one_below_for_small_numbers(self) -> None:
        """'nearly 4' is [3, 3]: for whole numbers δ is at least 1, so the interval is not empty."""
        assert interval("nearly 4") == (3, 3)

    def test_nearly_a_non_round_number_is_one_below(self) -> None:
        """'nearly 5,969' has grain 1, so it is [5968, 5968]."""
        assert interval("nearly 5,969") == (5968, 5968)

    def test_around_a_non_round_number_is_the_number(self) -> None:
        """'about 5,969' has grain 1, so inward rounding leaves [5969, 5969]."""
        assert interval("about 5,969") == (5969, 5969)

    def test_open_bounds_close_on_fractional_numbers(self) -> None:
        """A fractional N has no next value: 'more than 2.5' is [2.5, ∞), 'under 2.5' [0, 2.5]."""
        assert interval("more than 2.5") == (Decimal("2.5"), None)
        assert interval("under 2.5") == (0, Decimal("2.5"))

    @pytest.mark.parametrize("text", ["nearly 0", "fewer than 0", "under zero"])
    def test_hedges_that_leave_no_count_are_refused(self, text: str) -> None:
        """'nearly 0' and 'fewer than 0' describe no count, so they are refused."""
        assert refusal(text).startswith("nothing is")

    def test_two_hedges_are_refused(self) -> None:
        """A number with a hedge before and after it is refused, not half-read."""
        assert refusal("at least 5,000 or more") == "two hedges on one number"

    def test_stacked_prefix_hedges_are_refused(self) -> None:
        """'at least about 5' is refused: only one hedge may qualify a number."""
        assert "expected a number" in refusal("at least about 5")


class TestRanges:
    @pytest.mark.parametrize(
        "text",
        [
            "between 5,000 and 6,000",
            "5,000-6,000",
            "5,000–6,000",
            "5,000 — 6,000",
            "5,000 to 6,000",
            "from 5,000 to 6,000",
            "5,000 or 6,000",
        ],
    )
    def test_every_range_form_reads_its_two_ends(self, text: str) -> None:
        """Between/and, from/to, dashes, 'to' and 'or' all give [A, B] with hedge BETWEEN."""
        q = parse_quantity(text)
        assert facts(q) == (Hedge.BETWEEN, None, 5000, 6000, None)

    def test_a_trailing_multiplier_is_shared(self) -> None:
        """'5–6 million' is [5,000,000, 6,000,000], as news writes it."""
        assert interval("5–6 million") == (5_000_000, 6_000_000)

    def test_units_are_shared(self) -> None:
        """'$5-6 million' and 'between 200 and 300 tenge' carry their unit."""
        assert parse_quantity("$5-6 million").unit == "USD"
        assert parse_quantity("between 200 and 300 tenge").unit == "KZT"

    def test_backwards_ranges_are_refused(self) -> None:
        """A range whose first end is above its second is refused."""
        assert "runs backwards" in refusal("between 6,000 and 5,000")

    def test_a_shared_multiplier_that_reverses_the_range_is_refused(self) -> None:
        """'500–2 million' is refused (ambiguous), not read as 500 to 2,000,000."""
        assert "multiplier" in refusal("500-2 million")

    def test_hedged_ranges_are_refused(self) -> None:
        """'about 5,000–6,000' is refused: a hedge does not qualify a range."""
        assert refusal("about 5,000-6,000") == "'around' cannot qualify a range"

    def test_a_range_needs_its_second_end(self) -> None:
        """'between 5 or 6' is refused: 'between' needs 'and'."""
        assert "second end" in refusal("between 5 or 6")


def estimate(number: int | None, low: int, high: int | None) -> Quantity:
    """A hand-built ESTIMATE quantity (a point with its interval)."""
    return Quantity(
        text="x",
        hedge=Hedge.ESTIMATE,
        number=None if number is None else Decimal(number),
        low=Decimal(low),
        high=None if high is None else Decimal(high),
        lexicon_version=LEXICON_VERSION,
    )


class TestEstimates:
    def test_the_model_keeps_the_point_inside_its_interval(self) -> None:
        """A hand-built ESTIMATE whose point lies outside its interval is refused by the model."""
        assert estimate(4645, 793, 8498).number == 4645
        with pytest.raises(ValidationError, match="lies outside its interval"):
            estimate(5000, 793, 4000)

    @pytest.mark.parametrize(("number", "high"), [(None, 8498), (4645, None)])
    def test_the_model_needs_the_point_and_both_ends(
        self, number: int | None, high: int | None
    ) -> None:
        """An ESTIMATE without its point or with an open top is refused by the model."""
        with pytest.raises(ValidationError, match="needs its point and both ends"):
            estimate(number, 793, high)

    @pytest.mark.parametrize(
        "text",
        [
            "4,645 (95% CI 793–8,498)",
            "4,645 (95% CI: 793-8,498)",
            "4,645 (CI 793–8,498)",
            "4,645 (95% confidence interval 793 to 8,498)",
            "4645 (90% UI 793–8,498)",
            "4,645 (95% uncertainty interval 793—8,498)",
            "4,645 (95% credible interval 793–8,498)",
            "4,645 [95% CrI 793–8,498]",
            "4,645 (95 per cent CI, 793–8,498)",
            "4,645(95%CI 793–8498)",
            "4,645 (793 – 8,498)",
            "4,645 (range 793–8,498)",
            "4,645 (range: 793 to 8,498)",
            "4,645 (between 793 and 8,498)",
            "an estimated 4,645, between 793 and 8,498",
            "an estimated 4,645 between 793 and 8,498",
            "an estimated 4,645 (793–8,498)",
            "estimated 4,645, between 793 and 8,498",
            "Estimated 4,645 (793 to 8,498)",
            "4,645, between 793 and 8,498",
            "4,645 people (95% CI 793–8,498)",
            "4,645 (95% CI 793–8,498) people",
        ],
    )
    def test_every_form_reads_the_point_and_its_interval(self, text: str) -> None:
        """Each form of a point with its interval reads as ESTIMATE 4,645 in [793, 8,498]."""
        q = parse_quantity(text)
        assert facts(q) == (Hedge.ESTIMATE, 4645, 793, 8498, None)
        assert q.text == text

    @pytest.mark.parametrize(
        ("text", "number", "low", "high"),
        [
            ("2,975 (95% CI 2,658–3,290)", 2975, 2658, 3290),
            ("2,975 (95% CI: 2,658-3,290)", 2975, 2658, 3290),
            ("2975 (95% CI 2658–3290)", 2975, 2658, 3290),
            ("2,975 (2,658 – 3,290)", 2975, 2658, 3290),
            ("4,645 (95% CI 793–8,498)", 4645, 793, 8498),
            ("4645 (95% CI, 793 to 8498)", 4645, 793, 8498),
        ],
    )
    def test_reads_the_motivating_studies(
        self, text: str, number: int, low: int, high: int
    ) -> None:
        """The Hurricane Maria excess-death estimates, as the studies wrote them, read in full."""
        assert facts(parse_quantity(text)) == (Hedge.ESTIMATE, number, low, high, None)

    @pytest.mark.parametrize("level", ["0.1%", "50%", "80 %", "90 percent", "99.9%"])
    def test_any_level_strictly_between_0_and_100_is_read(self, level: str) -> None:
        """A confidence level 0 < p < 100 is accepted, in '%', 'percent' or 'per cent'."""
        assert parse_quantity(f"4,645 ({level} CI 793–8,498)").hedge is Hedge.ESTIMATE

    def test_the_level_is_read_but_not_kept(self) -> None:
        """A 95% and a 90% interval with the same ends read the same: the level is dropped."""
        q95 = parse_quantity("4,645 (95% CI 793–8,498)")
        q90 = parse_quantity("4,645 (90% CI 793–8,498)")
        assert q95.same_as(q90)
        assert q95.same_as(parse_quantity("4,645 (793–8,498)"))

    def test_a_point_on_an_end_of_its_interval_is_read(self) -> None:
        """The point may sit on either end: A ≤ N ≤ B is inclusive."""
        assert interval("793 (793–8,498)") == (793, 8498)
        assert interval("8,498 (793–8,498)") == (793, 8498)

    def test_an_estimated_number_alone_stays_around(self) -> None:
        """Without an interval, 'an estimated 4,645' keeps its AROUND reading."""
        assert parse_quantity("an estimated 4,645").hedge is Hedge.AROUND

    def test_units_and_shared_multipliers(self) -> None:
        """Units on the point or the ends agree, and a multiplier after the second end is shared."""
        expected = (Hedge.ESTIMATE, 4_500_000, 3_000_000, 6_000_000, "USD")
        assert facts(parse_quantity("an estimated $4.5 million (range $3 million–$6 million)")) == (
            expected
        )
        assert facts(parse_quantity("an estimated $4.5 million (range $3–6 million)")) == expected
        assert facts(parse_quantity("4.5 million dollars (3–6 million)")) == expected

    @pytest.mark.parametrize(
        ("text", "reason"),
        [
            (
                "4,645 (95% CI 8,498–793)",
                "the interval runs backwards (its first end is above its second)",
            ),
            ("5,000 (95% CI 793–4,000)", "the point 5,000 lies outside its interval 793–4,000"),
            ("700 (793–8,498)", "the point 700 lies outside its interval 793–8,498"),
            (
                "4.5 million (3–6)",
                "the point 4,500,000 lies outside its interval 3–6",
            ),
            (
                "at least 4,645 (95% CI 793–8,498)",
                "'at least' cannot qualify a point with its interval",
            ),
            ("about 4,645 (793–8,498)", "'around' cannot qualify a point with its interval"),
            ("4,645 (793–8,498) or more", "'at least' cannot qualify a point with its interval"),
            ("an estimated 4,645 (793–8,498) or so", "two hedges on one number"),
            ("4,645 (95% CI 793–8,498", "the interval's '(' is never closed"),
            ("4,645 [95% CI 793–8,498)", "unexpected ')' inside the interval"),
            ("4,645 (CI 793–8,498 deaths)", "unexpected 'deaths' inside the interval"),
            (
                "4,645 (100% CI 793–8,498)",
                "a confidence level lies strictly between 0% and 100% (found 100%)",
            ),
            (
                "4,645 (0% CI 793–8,498)",
                "a confidence level lies strictly between 0% and 100% (found 0%)",
            ),
            (
                "4,645 (95% 793–8,498)",
                "a confidence level must name its interval ('95% CI 793–8,498')",
            ),
            ("4,645 (CI 793 or 8,498)", "an interval needs its two ends ('793–8,498')"),
            ("4,645 (CI 793)", "an interval needs its two ends ('793–8,498')"),
            ("4,645, 5,000", "a comma after the number must introduce its interval"),
            ("4,645 (CI -793–8,498)", "a count cannot be negative"),
            ("4,645 ($793–8,498 tenge)", "two different units (KZT, USD)"),
            ("4,645 (793–8,498) (1–2)", "unexpected '('"),
        ],
    )
    def test_refusals_name_their_reason(self, text: str, reason: str) -> None:
        """Backwards intervals, outside points, hedges, open brackets and bad levels are refused."""
        assert refusal(text) == reason

    @pytest.mark.parametrize(
        ("text", "rendered"),
        [
            ("4,645 (95% CI 793–8,498)", "4,645 (range 793–8,498)"),
            ("an estimated 2,975, between 2,658 and 3,290", "2,975 (range 2,658–3,290)"),
            (
                "€2.5bn [CI 1.25bn to 3bn]",
                "2,500,000,000 euros (range 1,250,000,000–3,000,000,000)",
            ),
            ("1.5 (1.1250–2)", "1.5 (range 1.1250–2)"),
        ],
    )
    def test_canonical_text(self, text: str, rendered: str) -> None:
        """An ESTIMATE is written 'N unit (range A–B)', which reads back as the same quantity."""
        q = parse_quantity(text)
        assert render_quantity(q) == rendered
        assert parse_quantity(rendered).same_as(q)

    @pytest.mark.parametrize("name", LEXICON_DATA["estimate"]["interval_names"])
    def test_every_interval_name_is_read(self, name: str) -> None:
        """Each interval name in the lexicon, with or without a level, opens the interval."""
        assert interval(f"4,645 ({name} 793–8,498)") == (793, 8498)
        assert interval(f"4,645 (95% {name}: 793–8,498)") == (793, 8498)

    @pytest.mark.parametrize("mark", LEXICON_DATA["estimate"]["level_marks"])
    def test_every_level_mark_is_read(self, mark: str) -> None:
        """Each way of writing the level's percent sign is read."""
        assert interval(f"4,645 (95 {mark} CI 793–8,498)") == (793, 8498)

    @pytest.mark.parametrize(("opening", "closing"), LEXICON_DATA["estimate"]["brackets"].items())
    def test_every_bracket_pair_holds_an_interval(self, opening: str, closing: str) -> None:
        """Each bracket pair in the lexicon holds an interval."""
        assert interval(f"4,645 {opening}793–8,498{closing}") == (793, 8498)

    @pytest.mark.parametrize("joiner", LEXICON_DATA["estimate"]["interval_joiners"])
    def test_every_interval_joiner_is_read(self, joiner: str) -> None:
        """Each interval joiner in the lexicon separates the two ends."""
        assert interval(f"4,645 (793 {joiner} 8,498)") == (793, 8498)

    @pytest.mark.parametrize("word", LEXICON_DATA["estimate"]["point_words"])
    def test_every_point_word_may_open_an_estimate(self, word: str) -> None:
        """Each point word names the point of an estimate and is a prefix hedge alone."""
        assert parse_quantity(f"{word} 4,645 (793–8,498)").hedge is Hedge.ESTIMATE
        assert parse_quantity(f"{word} 4,645").hedge is not Hedge.ESTIMATE

    def test_a_point_word_must_also_be_a_hedge(self) -> None:
        """The lexicon refuses a point word that is not a prefix hedge, which would read alone."""
        data = json.loads(json.dumps(LEXICON_DATA))
        data["estimate"]["point_words"].append("projected")
        with pytest.raises(ValueError, match="point word must also be a prefix hedge"):
            build(data)

    @given(estimate_texts().map(parse_quantity))
    def test_the_point_lies_inside_its_interval(self, q: Quantity) -> None:
        """Every parsed ESTIMATE has low ≤ number ≤ high, with both ends closed."""
        assert q.hedge is Hedge.ESTIMATE
        assert q.number is not None
        assert q.high is not None
        assert q.low <= q.number <= q.high


class TestVagueWords:
    @pytest.mark.parametrize(
        ("phrase", "low", "high"),
        [(v["phrase"], v["range"][0], v["range"][1]) for v in LEXICON_DATA["vague"]],
    )
    def test_every_vague_word_reads_as_its_fixed_range(
        self, phrase: str, low: int, high: int
    ) -> None:
        """Each vague word in the lexicon gives its range, hedge VAGUE, and no number."""
        q = parse_quantity(phrase)
        assert facts(q) == (Hedge.VAGUE, None, low, high, None)

    @pytest.mark.parametrize(
        ("text", "low", "high"),
        [
            ("several hundred", 300, 999),
            ("a few thousand", 2000, 9999),
            ("a couple hundred", 200, 399),
        ],
    )
    def test_scalable_words_take_a_multiplier(self, text: str, low: int, high: int) -> None:
        """'several hundred' is [3×100, 10×100 − 1]."""
        assert interval(text) == (low, high)

    @pytest.mark.parametrize(
        ("text", "low", "high"),
        [
            ("at least thousands", 2000, None),
            ("more than a dozen", 10, None),
            ("up to hundreds", 0, 999),
            ("about a dozen", 10, 14),
            ("thousands or more", 2000, None),
        ],
    )
    def test_hedges_open_one_side_or_keep_the_range(
        self, text: str, low: int, high: int | None
    ) -> None:
        """At least/more than open the top, up to/fewer than open the bottom, others keep it."""
        q = parse_quantity(text)
        assert facts(q) == (Hedge.VAGUE, None, low, high, None)

    def test_of_a_unit_or_count_noun(self) -> None:
        """'thousands of people' is a count, 'millions of dollars' is USD."""
        assert parse_quantity("thousands of people").unit is None
        assert parse_quantity("millions of dollars").unit == "USD"

    def test_of_needs_a_unit(self) -> None:
        """'thousands of' alone is refused."""
        assert "must be followed by a unit" in refusal("thousands of")

    def test_dozen_is_not_a_multiplier(self) -> None:
        """'two dozen' is refused rather than read as exactly 24."""
        assert refusal("two dozen") == "unexpected 'dozen'"


class TestWrittenNumbers:
    @pytest.mark.parametrize(
        "text", ["5,969", "5969", "5\u202f969", "5\u2009969", "5\u00a0969", "5’969", "5'969"]
    )
    def test_thousands_separators(self, text: str) -> None:
        """Commas, thin and no-break spaces and apostrophes separate groups of three."""
        assert parse_quantity(text).number == 5969

    @pytest.mark.parametrize("text", ["1,5", "1,50", "12,3456", "1,000,00", "5 000"])
    def test_malformed_grouping_is_refused(self, text: str) -> None:
        """'1,5' is refused: separators must split groups of three (no decimal commas)."""
        with pytest.raises(QuantityParseError):
            parse_quantity(text)

    def test_decimal_comma_reason_is_clear(self) -> None:
        """The refusal of '1,5' says why."""
        assert "groups of three digits" in refusal("1,5")

    def test_mixed_separators_are_refused(self) -> None:
        """'1,000’000' mixes two separators and is refused."""
        assert "different marks" in refusal("1,000’000")

    def test_three_decimals_are_ambiguous(self) -> None:
        """'1.500' may be 1.5 or 1,500, so it is refused; '1.5000' and '0.125' are read."""
        assert "ambiguous" in refusal("1.500")
        assert parse_quantity("1.5000").number == Decimal("1.5")
        assert parse_quantity("0.125").number == Decimal("0.125")

    @pytest.mark.parametrize(
        ("text", "number"),
        [
            ("four", 4),
            ("Twenty", 20),
            ("a thousand", 1000),
            ("five hundred", 500),
            ("two hundred thousand", 200_000),
            ("2.5 million", 2_500_000),
            ("$2.5bn", 2_500_000_000),
            ("  164  ", 164),
            ("AT LEAST 5,969", 5969),
        ],
    )
    def test_number_words_multipliers_case_and_whitespace(self, text: str, number: int) -> None:
        """Number words, multipliers, any letter case and surrounding space are read."""
        assert parse_quantity(text).number == number

    def test_multipliers_must_grow(self) -> None:
        """'five thousand hundred' is refused."""
        assert "multipliers must grow" in refusal("five thousand hundred")

    @pytest.mark.parametrize("text", ["007", "1e5", "nan", "inf", "٥", "5.", ".5"])
    def test_other_spellings_are_refused(self, text: str) -> None:
        """Leading zeros, exponents, NaN, infinity, non-ASCII digits, stray points are refused."""
        with pytest.raises(QuantityParseError):
            parse_quantity(text)

    def test_too_large_numbers_are_refused(self) -> None:
        """Numbers of 10^15 or more are refused rather than rounded."""
        assert "too large" in refusal("1,000 trillion")
        assert "too large" in refusal("9" * 16)


class TestUnits:
    @pytest.mark.parametrize(
        ("text", "unit"),
        [
            ("90,000 tenge", "KZT"),
            ("₸90,000", "KZT"),
            ("KZT 90,000", "KZT"),
            ("$200", "USD"),
            ("US$200", "USD"),
            ("200 dollars", "USD"),
            ("€200", "EUR"),
            ("200 euros", "EUR"),
            ("200 rubles", "RUB"),
            ("200 roubles", "RUB"),
            ("£200", "GBP"),
            ("$200 USD", "USD"),
        ],
    )
    def test_currencies_normalise_to_iso_codes(self, text: str, unit: str) -> None:
        """Currency symbols, words and codes before or after the number give ISO 4217 codes."""
        assert parse_quantity(text).unit == unit

    @pytest.mark.parametrize("noun", LEXICON_DATA["count_nouns"])
    def test_count_nouns_are_a_bare_count(self, noun: str) -> None:
        """'people', 'persons' … are read as a bare count: unit None."""
        q = parse_quantity(f"at least 5,969 {noun}")
        assert q.number == 5969
        assert q.unit is None

    @pytest.mark.parametrize("text", ["5,969 detained", "5,000 troops", "200 pounds"])
    def test_other_nouns_are_refused(self, text: str) -> None:
        """Nouns that name what is counted belong to the figure, so the parser refuses them."""
        assert refusal(text).startswith("unexpected")

    def test_different_units_are_refused(self) -> None:
        """'$200 tenge' names two units and is refused."""
        assert "two different units" in refusal("$200 tenge")

    def test_a_unit_written_twice_after_is_refused(self) -> None:
        """'200 dollars dollars' is refused: no word is silently dropped."""
        assert refusal("200 dollars dollars") == "unexpected 'dollars'"


class TestRefusals:
    @pytest.mark.parametrize("text", ["-5", "minus 5", "−5", "about -200", "between -5 and 5"])
    def test_negative_numbers_are_refused(self, text: str) -> None:
        """A count cannot be negative."""
        assert refusal(text) == "a count cannot be negative"

    @pytest.mark.parametrize("text", ["", "   ", "\n"])
    def test_empty_text_is_refused(self, text: str) -> None:
        """Empty or blank text is refused."""
        assert "empty" in refusal(text)

    def test_two_numbers_that_are_not_a_range_are_refused(self) -> None:
        """'5,969 164' is refused."""
        assert "does not form a range" in refusal("5,969 164")

    def test_unknown_words_are_refused_and_quoted(self) -> None:
        """An unknown word is refused, and the error quotes the text and the word."""
        with pytest.raises(QuantityParseError) as caught:
            parse_quantity("approximately 5,000 or thereabouts")
        assert caught.value.text == "approximately 5,000 or thereabouts"
        assert "approximately 5,000 or thereabouts" in str(caught.value)
        assert "thereabouts" in caught.value.reason

    def test_long_text_is_refused(self) -> None:
        """Text longer than MAX_TEXT characters is refused."""
        assert "longer than" in refusal("5 " * 200)

    def test_the_error_is_an_invalid_input_and_a_value_error(self) -> None:
        """QuantityParseError is an InvalidInputError and a ValueError naming the field."""
        with pytest.raises(QuantityParseError) as caught:
            parse_quantity("lots")
        assert isinstance(caught.value, InvalidInputError)
        assert isinstance(caught.value, ValueError)
        assert caught.value.field == "value"

    def test_non_text_is_refused(self) -> None:
        """A non-string argument is refused with QuantityParseError, not a TypeError."""
        with pytest.raises(QuantityParseError):
            parse_quantity(5969)  # type: ignore[arg-type]  # the runtime guard is under test


class TestRender:
    @pytest.mark.parametrize(
        ("text", "rendered"),
        [
            ("Nearly 6,000", "nearly 6,000"),
            ("no fewer than 5969", "at least 5,969"),
            ("90\u202f000 ₸", "90,000 tenge"),
            ("about $200", "around 200 dollars"),
            ("5–6 million", "between 5,000,000 and 6,000,000"),
            ("dozens of people", "dozens"),
            ("several hundred dollars", "several hundred dollars"),
            ("more than a dozen", "at least a dozen"),
            ("under hundreds of euros", "up to hundreds of euros"),
            ("6,000+", "at least 6,000"),
            ("about 1.25 thousand", "around 1,250"),
        ],
    )
    def test_canonical_text(self, text: str, rendered: str) -> None:
        """Rendering writes the canonical phrase, number and unit word of the lexicon."""
        assert render_quantity(parse_quantity(text)) == rendered

    def test_three_decimals_get_a_trailing_zero(self) -> None:
        """1.125 renders as '1.1250' so it is not read as the ambiguous '1.125'."""
        q = parse_quantity("0.001125 thousand")
        assert render_quantity(q) == "1.1250"
        assert parse_quantity(render_quantity(q)).same_as(q)

    def test_same_as_ignores_the_text(self) -> None:
        """Two quantities that differ only in their text are the same reading."""
        assert parse_quantity("about $200").same_as(parse_quantity("approximately 200 USD"))
        assert not parse_quantity("about $200").same_as(parse_quantity("about €200"))

    def test_quantities_outside_the_lexicon_cannot_be_written(self) -> None:
        """A hand-built quantity with an unknown unit or range raises ValueError."""
        odd_unit = Quantity(
            text="x",
            hedge=Hedge.EXACT,
            number=Decimal(5),
            low=Decimal(5),
            high=Decimal(5),
            unit="XAU",
            lexicon_version=LEXICON_VERSION,
        )
        odd_range = Quantity(
            text="x",
            hedge=Hedge.VAGUE,
            low=Decimal(7),
            high=Decimal(8),
            lexicon_version=LEXICON_VERSION,
        )
        with pytest.raises(ValueError, match="XAU"):
            render_quantity(odd_unit)
        with pytest.raises(ValueError, match="no vague word"):
            render_quantity(odd_range)


class TestProperties:
    @given(quantities())
    def test_render_then_parse_gives_the_same_quantity(self, q: Quantity) -> None:
        """parse(render(q)) reads as q: hedge, number, bounds, unit and lexicon version."""
        assert parse_quantity(render_quantity(q)).same_as(q)

    @given(quantities())
    def test_low_never_exceeds_high(self, q: Quantity) -> None:
        """Every parsed interval has 0 ≤ low ≤ high (or an open top)."""
        assert q.low >= 0
        assert q.high is None or q.low <= q.high

    @given(quantities())
    def test_a_stated_number_lies_in_its_interval_unless_excluded(self, q: Quantity) -> None:
        """The stated number is inside the interval except for 'more/fewer than' and 'nearly'."""
        if q.number is not None and q.hedge not in (
            Hedge.MORE_THAN,
            Hedge.FEWER_THAN,
            Hedge.NEARLY,
        ):
            assert q.low <= q.number
            assert q.high is None or q.number <= q.high

    @given(
        st.one_of(
            st.text(max_size=60),
            st.lists(
                st.sampled_from(
                    sorted(
                        {
                            w
                            for table in ("hedges", "suffix_hedges")
                            for ps in LEXICON_DATA[table].values()
                            for w in ps
                        }
                        | {v["phrase"] for v in LEXICON_DATA["vague"]}
                        | set(LEXICON_DATA["multipliers"])
                        | set(LEXICON_DATA["number_words"])
                        | set(LEXICON_DATA["range_joiners"])
                        | {"between", "and", "from", "of", "a", "$", "tenge", "people", "minus"}
                        | {"0", "1,5", "5,969", "6,000", "2.5", "1.500", "10", ".", ","}
                        | {"(", ")", "[", "]", "%", ":", "ci", "range", "estimated", "95%", "100%"}
                    )
                ),
                max_size=8,
            ).map(" ".join),
            quantity_texts(),
        )
    )
    @example("1" + "0" * 400)
    @example("between 0 and 0")
    @example("nearly 1")
    def test_never_crashes_on_arbitrary_text(self, text: str) -> None:
        """Any text gives a valid Quantity or a QuantityParseError, never another exception."""
        try:
            q = parse_quantity(text)
        except QuantityParseError:
            return
        assert q.high is None or q.low <= q.high


class TestLexicon:
    def test_version_comes_from_the_data_file(self) -> None:
        """LEXICON_VERSION is the version string in lexicon.json."""
        assert LEXICON_VERSION == LEXICON_DATA["version"] == lexicon().version

    def test_every_hedge_but_the_implied_ones_has_phrases(self) -> None:
        """Hedges written in words have phrases; those read from the text's shape have none."""
        implied = {"exact", "round", "between", "estimate", "vague"}
        assert set(LEXICON_DATA["hedges"]) == {h.value for h in Hedge} - implied

    def test_no_phrase_means_two_things(self) -> None:
        """No phrase appears under two hedges, or as both a hedge and a vague word."""
        phrases = [p for ps in LEXICON_DATA["hedges"].values() for p in ps]
        phrases += [v["phrase"] for v in LEXICON_DATA["vague"]]
        assert len(phrases) == len(set(phrases))

    def test_the_documentation_lists_every_entry(self) -> None:
        """docs/lexicon.md names (in backticks) the version and every phrase, word and unit."""
        docs = DOCS.read_text(encoding="utf-8")
        entries = [LEXICON_DATA["version"], *LEXICON_DATA["units"], *LEXICON_DATA["count_nouns"]]
        entries += [
            p for t in ("hedges", "suffix_hedges") for ps in LEXICON_DATA[t].values() for p in ps
        ]
        entries += [v["phrase"] for v in LEXICON_DATA["vague"]]
        entries += [*LEXICON_DATA["multipliers"], *LEXICON_DATA["number_words"]]
        entries += [f for u in LEXICON_DATA["units"].values() for f in u["before"] + u["after"]]
        estimate = LEXICON_DATA["estimate"]
        entries += [w for k, ws in estimate.items() if k != "brackets" for w in ws]
        entries += [b for pair in estimate["brackets"].items() for b in pair]
        missing = sorted({e for e in entries if f"`{e}`" not in docs})
        assert not missing, f"docs/lexicon.md does not mention {missing}"
