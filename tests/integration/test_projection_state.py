"""What the write path keeps in memory holds for one prefix of the log only: when another
process appends, or an append is rolled back, the next append starts from the read
model, and every stored headline stays the one the claims give."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

import ledger
from ledger import Claim, EstimateSummary, Report


@pytest.fixture
def ledger_url(database_url: str) -> str:
    """SQLite and PostgreSQL only: other processes sharing one SQL database."""
    return database_url


KILLED = "flood-2024/killed/national"
CITY = "flood-2024/killed/capital"


def report(value: str, hour: int, origin: str, figure: str = KILLED) -> Report:
    return Report(
        outlet="wire",
        published_at=datetime(2024, 5, 3, hour, tzinfo=UTC),
        claims=[Claim(figure=figure, value=value, as_of=date(2024, 5, 3), origin=origin)],
    )


@pytest.fixture
def flood(lg: ledger.Ledger) -> ledger.Ledger:
    lg.register_source("ministry", name="Interior Ministry", kind="government")
    lg.register_source("red-cross", name="Red Cross", kind="ngo")
    lg.register_source("wire", name="A wire service", kind="media")
    lg.define_figure(KILLED, kind="cumulative")
    lg.define_figure(CITY, kind="cumulative", parent=KILLED)
    lg.append_report(report("at least 40", 6, "ministry"))
    return lg


def assert_headlines_are_the_claims(lg: ledger.Ledger) -> None:
    """Every stored headline equals the one rebuilt from the claims alone."""
    head = lg.head()
    for key, stored in lg.summaries().items():
        assert stored == EstimateSummary.of(lg.estimate(key, at_position=head)), key


def test_an_append_by_another_process_is_read_before_the_next(
    flood: ledger.Ledger, database_url: str
) -> None:
    with ledger.open(database_url) as other:
        other.append_report(report("about 70", 9, "red-cross"))
        other.append_report(report("at least 12", 9, "red-cross", figure=CITY))
    flood.append_report(report("at least 55", 12, "ministry"))
    assert flood.summaries()[KILLED].claims == 2  # the ministry's latest and the Red Cross
    assert_headlines_are_the_claims(flood)
    with ledger.open(database_url) as other:
        assert_headlines_are_the_claims(other)


def test_a_rolled_back_append_leaves_nothing_behind(flood: ledger.Ledger) -> None:
    refused = report("at least 90", 10, "nobody-registered")
    with pytest.raises(ledger.UnknownSourceError):
        flood.append_reports([report("about 80", 9, "red-cross"), refused])
    flood.append_report(report("at least 55", 12, "ministry"))
    summary = flood.summaries()[KILLED]
    assert (summary.low, summary.claims) == (55, 1)  # the refused batch's claim is gone
    assert_headlines_are_the_claims(flood)
