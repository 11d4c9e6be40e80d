"""Every public entry point of `Ledger`, handed wrong types, raises a `LedgerError` naming the
parameter — never a `TypeError`, `AttributeError` or pydantic's `ValidationError` — and
appends nothing.

(`figures`, `sources`, `estimates`, `summaries`, `head`, `verify` and `catch_up` take no
argument, so there is nothing of theirs to get wrong.)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest

import ledger
from ledger import Claim, Report

FIGURE = "test-event/killed/capital"
PUBLISHED = datetime(2022, 1, 9, 12, tzinfo=UTC)
NAIVE = datetime(2022, 1, 9, 12)

Call = Callable[[ledger.Ledger], object]


def good_report(**fields: Any) -> Report:
    claim = Claim(figure=FIGURE, value="5", as_of=date(2022, 1, 9), origin="ministry")
    return Report(outlet="wire", published_at=PUBLISHED, claims=[claim], **fields)


@pytest.fixture
def filled(api: ledger.Ledger) -> ledger.Ledger:
    """Two sources, a figure, and report `r-1` with claims `c-1` and `c-2`; through the
    Python API and through HTTP."""
    return _filled(api)


def _filled(lg: ledger.Ledger) -> ledger.Ledger:
    lg.register_source("ministry", name="Ministry", kind="government")
    lg.register_source("wire", name="Wire service", kind="media")
    lg.define_figure(FIGURE)
    claims = [
        Claim(figure=FIGURE, value=v, as_of=date(2022, 1, 9), origin="ministry", claim_id=i)
        for v, i in (("5", "c-1"), ("at least 7", "c-2"))
    ]
    lg.append_report(Report(outlet="wire", published_at=PUBLISHED, claims=claims, report_id="r-1"))
    return lg


def _compensations(name: str) -> list[Any]:
    """The wrong arguments every compensating method (retract, dispute, refute) refuses."""

    def call(**changes: Any) -> Call:
        arguments: dict[str, Any] = {"by": "ministry", "reason": "error"} | changes
        claim_id = arguments.pop("claim_id", "c-1")
        return lambda lg: getattr(lg, name)(claim_id, **arguments)

    cases = {
        "claim_id=None": call(claim_id=None),
        "claim_id=int": call(claim_id=5),
        "by=None": call(by=None),
        "by=int": call(by=5),
        "reason=None": call(reason=None),
        "reason=int": call(reason=5),
        "reason=dict": call(reason={"why": "x"}),
        "evidence=int": call(evidence=5),
        "published_at=naive": call(published_at=NAIVE),
        "published_at=date": call(published_at=date(2022, 1, 10)),
        "published_at=int": call(published_at=1641700000),
        "published_at=text": call(published_at="yesterday"),
        "published_at=naive text": call(published_at="2022-01-10T09:00:00"),
    }
    return _named(name, cases)


def _named(method: str, cases: dict[str, Call]) -> list[Any]:
    """One test parameter per case, shown as `method(case)`."""
    return [pytest.param(f, id=f"{method}({case})") for case, f in cases.items()]


WRONG: list[Any] = [
    # register_source
    *_named(
        "register_source",
        {
            "source_id=None": lambda lg: lg.register_source(None, name="X", kind="media"),
            "source_id=int": lambda lg: lg.register_source(5, name="X", kind="media"),
            "name=None": lambda lg: lg.register_source("x", name=None, kind="media"),
            "name=dict": lambda lg: lg.register_source("x", name={}, kind="media"),
            "kind=unknown": lambda lg: lg.register_source("x", name="X", kind="planet"),
            "kind=int": lambda lg: lg.register_source("x", name="X", kind=3),
            "parent=int": lambda lg: lg.register_source("x", name="X", kind="media", parent=5),
            "notes=list": lambda lg: lg.register_source("x", name="X", kind="media", notes=["n"]),
        },
    ),
    # define_figure
    *_named(
        "define_figure",
        {
            "figure=None": lambda lg: lg.define_figure(None),
            "figure=int": lambda lg: lg.define_figure(5),
            "unit=int": lambda lg: lg.define_figure("a/b/c", unit=5),
            "kind=unknown": lambda lg: lg.define_figure("a/b/c", kind="sometimes"),
            "parent=dict": lambda lg: lg.define_figure("a/b/c", parent={}),
            "description=int": lambda lg: lg.define_figure("a/b/c", description=1),
        },
    ),
    # append_report(s)
    *_named(
        "append_report",
        {
            "None": lambda lg: lg.append_report(None),
            "dict": lambda lg: lg.append_report({"outlet": "wire", "claims": []}),
            "str": lambda lg: lg.append_report("report"),
        },
    ),
    *_named(
        "append_reports",
        {
            "None": lambda lg: lg.append_reports(None),
            "str": lambda lg: lg.append_reports("reports"),
            "dict": lambda lg: lg.append_reports({"a": good_report()}),
            "[None]": lambda lg: lg.append_reports([None]),
            "[report, dict]": lambda lg: lg.append_reports([good_report(), {"outlet": "wire"}]),
        },
    ),
    # compensations
    *_compensations("retract"),
    *_compensations("dispute"),
    *_compensations("refute"),
    *_named(
        "supersede",
        {
            "replacement=None": lambda lg: lg.supersede("c-1", replacement=None, by="ministry"),
            "replacement=int": lambda lg: lg.supersede("c-1", replacement=2, by="ministry"),
            "claim_id=None": lambda lg: lg.supersede(None, replacement="c-2", by="ministry"),
            "by=int": lambda lg: lg.supersede("c-1", replacement="c-2", by=5),
            "published_at=naive": lambda lg: lg.supersede(
                "c-1", replacement="c-2", by="ministry", published_at=NAIVE
            ),
        },
    ),
    *_named(
        "retract_report",
        {
            "report_id=None": lambda lg: lg.retract_report(None, by="ministry", reason="x"),
            "report_id=int": lambda lg: lg.retract_report(5, by="ministry", reason="x"),
            "by=None": lambda lg: lg.retract_report("r-1", by=None, reason="x"),
            "reason=int": lambda lg: lg.retract_report("r-1", by="ministry", reason=5),
            "published_at=naive": lambda lg: lg.retract_report(
                "r-1", by="ministry", reason="x", published_at=NAIVE
            ),
        },
    ),
    *_named(
        "correct",
        {
            "claim_id=None": lambda lg: lg.correct(None, reason="typo", value="6"),
            "claim_id=int": lambda lg: lg.correct(1, reason="typo", value="6"),
            "reason=None": lambda lg: lg.correct("c-1", reason=None, value="6"),
            "reason=blank": lambda lg: lg.correct("c-1", reason="", value="6"),
            "reason=int": lambda lg: lg.correct("c-1", reason=5, value="6"),
            "value=int": lambda lg: lg.correct("c-1", reason="typo", value=6),
            "value=empty": lambda lg: lg.correct("c-1", reason="typo", value=""),
            "figure=int": lambda lg: lg.correct("c-1", reason="typo", figure=5),
            "as_of=int": lambda lg: lg.correct("c-1", reason="typo", as_of=20220109),
            "as_of=naive": lambda lg: lg.correct("c-1", reason="typo", as_of=NAIVE),
            "origin=dict": lambda lg: lg.correct("c-1", reason="typo", origin={}),
            "quote=int": lambda lg: lg.correct("c-1", reason="typo", quote=5),
            "quote=blank": lambda lg: lg.correct("c-1", reason="typo", quote="  "),
            "derived_from=int": lambda lg: lg.correct("c-1", reason="typo", derived_from=5),
            "evidence=int": lambda lg: lg.correct("c-1", reason="typo", evidence=5),
        },
    ),
    # reading
    *_named(
        "estimate",
        {
            "figure=None": lambda lg: lg.estimate(None),
            "figure=int": lambda lg: lg.estimate(5),
            "at_position=text": lambda lg: lg.estimate(FIGURE, at_position="x"),
            "at_position=negative": lambda lg: lg.estimate(FIGURE, at_position=-1),
            "at_position=bool": lambda lg: lg.estimate(FIGURE, at_position=True),
            "at_position=float": lambda lg: lg.estimate(FIGURE, at_position=1.5),
            "recorded_before=text": lambda lg: lg.estimate(FIGURE, recorded_before="soon"),
            "recorded_before=naive": lambda lg: lg.estimate(FIGURE, recorded_before=NAIVE),
            "recorded_before=naive text": lambda lg: lg.estimate(
                FIGURE, recorded_before="2022-01-09T12:00"
            ),
            "recorded_before=date": lambda lg: lg.estimate(
                FIGURE, recorded_before=date(2022, 1, 9)
            ),
            "recorded_before=int": lambda lg: lg.estimate(FIGURE, recorded_before=5),
            "known_on=text": lambda lg: lg.estimate(FIGURE, known_on="last week"),
            "known_on=bad date": lambda lg: lg.estimate(FIGURE, known_on="2022-02-30"),
            "known_on=naive": lambda lg: lg.estimate(FIGURE, known_on=NAIVE),
            "known_on=naive text": lambda lg: lg.estimate(FIGURE, known_on="2022-01-09T12:00"),
            "known_on=int": lambda lg: lg.estimate(FIGURE, known_on=5),
            "known_on=dict": lambda lg: lg.estimate(FIGURE, known_on={}),
        },
    ),
    *(
        pytest.param(f, id=f"{name}({case})")
        for name in ("history", "claims", "claim", "report", "source")
        for case, f in {
            "None": lambda lg, name=name: getattr(lg, name)(None),
            "int": lambda lg, name=name: getattr(lg, name)(5),
            "dict": lambda lg, name=name: getattr(lg, name)({}),
        }.items()
    ),
    *_named(
        "events",
        {
            "text": lambda lg: lg.events("x"),
            "None": lambda lg: lg.events(None),
            "negative": lambda lg: lg.events(-1),
        },
    ),
]

LOCAL_WRONG = [  # what only a local ledger has: maintenance, and acting as someone else
    *_named(
        "replay",
        {
            "check=text": lambda lg: lg.replay(check="yes"),
            "progress=int": lambda lg: lg.replay(progress=5),
        },
    ),
    *_named(
        "acting",
        {
            "actor=int": lambda lg: lg.acting(5),
            "correlation_id=dict": lambda lg: lg.acting("a", correlation_id={}),
        },
    ),
]


@pytest.mark.parametrize("call", WRONG)
def test_a_wrong_type_is_a_ledger_error_and_appends_nothing(
    filled: ledger.Ledger, call: Call
) -> None:
    """Each wrong argument raises a LedgerError; the head and the chain are unchanged."""
    _refused(filled, call)


@pytest.mark.parametrize("call", LOCAL_WRONG)
def test_a_wrong_type_in_a_local_call_is_a_ledger_error(lg: ledger.Ledger, call: Call) -> None:
    _refused(_filled(lg), call)


def _refused(filled: ledger.Ledger, call: Call) -> None:
    head = filled.head()
    with pytest.raises(ledger.LedgerError):
        call(filled)
    assert filled.head() == head
    assert filled.verify().ok


@pytest.mark.parametrize(
    "arguments",
    [
        pytest.param({"url": 5}, id="url=int"),
        pytest.param({"url": "sqlite://", "actor": 5}, id="actor=int"),
        pytest.param({"url": "sqlite://", "synchronous": "sometimes"}, id="synchronous=unknown"),
    ],
)
def test_open_refuses_wrong_types(arguments: dict[str, Any]) -> None:
    """`ledger.open` refuses a wrong URL, actor or durability setting with a LedgerError."""
    with pytest.raises(ledger.InvalidInputError):
        ledger.open(**arguments)


class TestWhatIsSaid:
    def test_the_error_names_the_parameter(self, filled: ledger.Ledger) -> None:
        """The error names the parameter that was wrong and what was expected."""
        with pytest.raises(ledger.InvalidInputError) as raised:
            filled.estimate(FIGURE, at_position="x")
        assert raised.value.field == "at_position"
        assert "integer" in raised.value.reason

    def test_an_unknown_kind_lists_the_kinds(self, filled: ledger.Ledger) -> None:
        """A source kind that does not exist is refused naming `kind` and the valid kinds."""
        with pytest.raises(ledger.InvalidInputError) as raised:
            filled.register_source("x", name="X", kind="planet")
        assert raised.value.field == "kind"
        assert "government" in raised.value.reason


class TestStringsForTimes:
    def test_known_on_takes_an_iso_date(self, filled: ledger.Ledger) -> None:
        """`known_on="2022-01-09"` means the same as `known_on=date(2022, 1, 9)`."""
        expected = filled.estimate(FIGURE, known_on=date(2022, 1, 9))
        assert filled.estimate(FIGURE, known_on="2022-01-09") == expected
        assert filled.estimate(FIGURE, known_on="2022-01-08").best is None

    def test_known_on_and_recorded_before_take_iso_times_with_a_zone(
        self, filled: ledger.Ledger
    ) -> None:
        """Times given as ISO 8601 strings with a zone are read as those times."""
        now = filled.estimate(FIGURE).provenance.used
        assert filled.estimate(FIGURE, known_on="2022-01-09T11:59:59Z").status == "no data"
        assert filled.estimate(FIGURE, known_on="2022-01-09T18:00:00+06:00").provenance.used == now
        assert filled.estimate(FIGURE, recorded_before="2000-01-01T00:00:00Z").low is None

    def test_a_compensation_takes_an_iso_publication_time(self, filled: ledger.Ledger) -> None:
        """A compensation's `published_at` may be an ISO 8601 string with a zone."""
        filled.retract("c-1", by="ministry", reason="error", published_at="2022-01-10T09:00:00Z")
        before = filled.estimate(FIGURE, known_on="2022-01-09").provenance
        after = filled.estimate(FIGURE, known_on="2022-01-10").provenance
        standing = {use.claim_id: use.status for use in (*before.used, *before.excluded)}
        assert standing["c-1"] == "active"
        standing = {use.claim_id: use.status for use in (*after.used, *after.excluded)}
        assert standing["c-1"] == "retracted"
