"""Extreme values through every public `Ledger` method: each call succeeds or raises a
`LedgerError` — never another exception — and when it raises, nothing was appended and
the chain still verifies.

The values are those that break code written for ordinary ones: integers past 64 bits,
times at the ends of the calendar with a zone that pushes them past it in UTC, NaN and
infinities where numbers go, a megabyte of text, NUL characters and lone surrogates.
A report is built by its pydantic model first; a value the model refuses
(`ValidationError`) never reaches the ledger and is not swept further — but a
`ValidationError` out of a `Ledger` method is a failure.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import ValidationError

import ledger
from ledger import Report

KILLED = "kz-unrest-2022/killed/kazakhstan"
CLAIM = "rferl-killed-almaty-103"
REPORT = "rferl-2022-01-09"

HUGE_INTS: list[Any] = [10**30, -(10**30), 2**63, -1]
FLOATS: list[Any] = [float("nan"), float("inf"), float("-inf"), 1.5]
TIMES: list[Any] = [
    datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-5))),
    datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5))),
    datetime.max.replace(tzinfo=UTC),
    datetime.min.replace(tzinfo=UTC),
]
DATES: list[Any] = [date.max, date.min]
TEXTS: list[Any] = ["x" * 1_000_000, "a\x00b", "\ud800", "", " "]

Call = Callable[[ledger.Ledger, Any], object]


class ModelRefusedError(Exception):
    """The `Report` model refused a value: the ledger never saw it."""


def _report(**fields: Any) -> Report:
    """A report built through its model, with `fields` (and `claim`'s fields) extreme;
    `ModelRefusedError` when the model refuses them."""
    claim = {
        "figure": KILLED,
        "value": "at least 1",
        "as_of": date(2022, 1, 9),
        "origin": "rferl",
    }
    claim.update(fields.pop("claim", {}))
    report = {"outlet": "rferl", "published_at": datetime(2022, 1, 10, tzinfo=UTC)}
    report.update(fields)
    try:
        return Report.model_validate({**report, "claims": [claim]})
    except ValidationError as error:
        raise ModelRefusedError(str(error)) from error


def _compensations(field: str) -> dict[str, Call]:
    """Each compensating method with `value` as `field` (the others ordinary)."""
    common = {"by": "unnamed-news-website", "reason": "a test"}

    def call(method: str, first: str, **extra: Any) -> Call:
        def run(lg: ledger.Ledger, value: Any) -> object:
            arguments: dict[str, Any] = {**common, **extra}
            target = value if field == "target" else first
            if field != "target":
                arguments[field] = value
            return getattr(lg, method)(target, **arguments)

        return run

    return {
        "retract": call("retract", CLAIM),
        "retract_report": call("retract_report", REPORT),
        "dispute": call("dispute", CLAIM),
        "refute": call("refute", CLAIM),
        "supersede": call("supersede", CLAIM, replacement="rferl-killed-164"),
    }


def _texts() -> dict[str, Call]:
    calls: dict[str, Call] = {}
    for field in ("source_id", "name", "kind", "parent", "notes"):
        base = {"source_id": "extreme-source", "name": "Extreme", "kind": "media"}

        def source(lg: ledger.Ledger, value: Any, field: str = field, base: Any = base) -> object:
            arguments = {**base, field: value}
            return lg.register_source(arguments.pop("source_id"), **arguments)

        calls[f"register_source.{field}"] = source
    for field in ("figure", "unit", "kind", "parent", "description"):

        def figure(lg: ledger.Ledger, value: Any, field: str = field) -> object:
            arguments = {"figure": "extreme/figure/here", field: value}
            return lg.define_figure(arguments.pop("figure"), **arguments)

        calls[f"define_figure.{field}"] = figure
    for field in ("target", "by", "reason", "evidence"):
        for name, call in _compensations(field).items():
            calls[f"{name}.{field}"] = call
    for field in ("value", "figure", "origin", "quote", "derived_from", "evidence", "reason"):

        def correct(lg: ledger.Ledger, value: Any, field: str = field) -> object:
            arguments = {"reason": "a test", field: value}
            return lg.correct(CLAIM, **arguments)

        calls[f"correct.{field}"] = correct
    calls["correct.claim_id"] = lambda lg, value: lg.correct(value, reason="a test", value="5")
    calls["estimate"] = lambda lg, value: lg.estimate(value)
    calls["history"] = lambda lg, value: lg.history(value)
    calls["claims"] = lambda lg, value: lg.claims(value)
    calls["claim"] = lambda lg, value: lg.claim(value)
    for field in ("outlet", "title", "url", "channel", "report_id"):
        calls[f"append_report.{field}"] = lambda lg, value, field=field: lg.append_report(
            _report(**{field: value})
        )
    for field in ("figure", "value", "origin", "quote", "claim_id", "note"):
        calls[f"append_report.claim.{field}"] = lambda lg, value, field=field: lg.append_report(
            _report(claim={field: value})
        )
    return calls


def _times() -> dict[str, Call]:
    calls: dict[str, Call] = {
        f"{name}.published_at": call for name, call in _compensations("published_at").items()
    }
    calls["correct.as_of"] = lambda lg, value: lg.correct(CLAIM, reason="a test", as_of=value)
    calls["estimate.recorded_before"] = lambda lg, value: lg.estimate(KILLED, recorded_before=value)
    calls["estimate.known_on"] = lambda lg, value: lg.estimate(KILLED, known_on=value)
    calls["append_report.published_at"] = lambda lg, value: lg.append_report(
        _report(published_at=value)
    )
    calls["append_report.claim.as_of"] = lambda lg, value: lg.append_report(
        _report(claim={"as_of": value})
    )
    return calls


def _numbers() -> dict[str, Call]:
    return {
        "estimate.at_position": lambda lg, value: lg.estimate(KILLED, at_position=value),
        "events.after": lambda lg, value: list(lg.events(after=value)),
    }


def _cases() -> list[Any]:
    cases = []
    for name, call in _texts().items():
        for index, value in enumerate(TEXTS):
            cases.append(pytest.param(call, value, id=f"{name}-text{index}"))
    for name, call in _times().items():
        for index, value in enumerate(TIMES + (DATES if "known_on" in name else [])):
            cases.append(pytest.param(call, value, id=f"{name}-time{index}"))
    for name, call in _numbers().items():
        for index, value in enumerate(HUGE_INTS + FLOATS):
            cases.append(pytest.param(call, value, id=f"{name}-number{index}"))
    return cases


class TestExtremeValues:
    @pytest.mark.parametrize(("call", "value"), _cases())
    def test_succeeds_or_raises_a_ledger_error_and_appends_nothing(
        self, kz: ledger.Ledger, call: Call, value: Any
    ) -> None:
        """An extreme value is either accepted or refused with a `LedgerError`; a refusal
        leaves the log as it was and the chain intact."""
        head = kz.head()
        try:
            call(kz, value)
        except ModelRefusedError:
            return  # the Report model refused it before the ledger saw it
        except ledger.LedgerError:
            assert kz.head() == head
            assert kz.verify().ok
        else:
            assert kz.verify().ok


class TestNamedFields:
    def test_an_unknown_source_kind_names_the_field(self, kz: ledger.Ledger) -> None:
        """`register_source` with a kind that does not exist is an `InvalidInputError` on
        `kind`, not a bare `ValueError`."""
        with pytest.raises(ledger.InvalidInputError) as raised:
            kz.register_source("odd-source", name="Odd", kind="oracle")
        assert raised.value.field == "kind"

    def test_an_unknown_figure_kind_names_the_field(self, kz: ledger.Ledger) -> None:
        """`define_figure` with a kind that does not exist is an `InvalidInputError` on
        `kind`."""
        with pytest.raises(ledger.InvalidInputError) as raised:
            kz.define_figure("odd/figure/here", kind="sometimes")
        assert raised.value.field == "kind"

    def test_a_time_past_the_calendar_in_utc_names_the_field(self, kz: ledger.Ledger) -> None:
        """31 December 9999 at 23:00 −05:00 is past year 9999 in UTC: refused naming
        `published_at`, not an `OverflowError`."""
        late = datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-5)))
        head = kz.head()
        with pytest.raises(ledger.InvalidInputError) as raised:
            kz.dispute(CLAIM, by="rferl", reason="a test", published_at=late)
        assert raised.value.field == "published_at"
        assert "window of time" in raised.value.reason
        assert kz.head() == head

    def test_a_time_before_the_calendar_in_utc_is_refused_by_the_model(self) -> None:
        """1 January of year 1 at +05:00 is before year 1 in UTC: a report with it is
        refused by its model, naming the window."""
        early = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5)))
        with pytest.raises(ModelRefusedError, match="window of time"):
            _report(published_at=early)

    def test_events_after_a_position_past_64_bits_names_after(self, kz: ledger.Ledger) -> None:
        """`events(after=10**30)` is an `InvalidInputError` on `after`, raised at the call."""
        with pytest.raises(ledger.InvalidInputError) as raised:
            kz.events(after=10**30)
        assert raised.value.field == "after"

    def test_a_unix_time_is_not_a_publication_time(self) -> None:
        """An integer `published_at` is refused, never read as seconds since 1970."""
        with pytest.raises(ModelRefusedError, match="not a number"):
            _report(published_at=1641700000)
        with pytest.raises(ModelRefusedError, match="not a number"):
            _report(published_at="1641700000")

    def test_a_number_is_not_an_as_of(self) -> None:
        """An integer `as_of` is refused too."""
        with pytest.raises(ModelRefusedError, match="not a number"):
            _report(claim={"as_of": 20220109})

    def test_a_query_time_past_the_calendar_names_the_field(self, kz: ledger.Ledger) -> None:
        """`known_on` and `recorded_before` past the calendar in UTC are input errors on
        that field, not a database failure."""
        late = datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-5)))
        for field in ("known_on", "recorded_before"):
            with pytest.raises(ledger.InvalidInputError) as raised:
                kz.estimate(KILLED, **{field: late})
            assert raised.value.field == field
