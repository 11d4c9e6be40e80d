"""`Ledger.append_report_stream`: reports from any iterable, written a chunk at a time in
one transaction — all of them or none."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest

import ledger
from ledger import Claim, Report
from ledger.service.commands import report_in_error

FIGURE = "stream-test/killed/capital"


@pytest.fixture
def book(lg: ledger.Ledger) -> ledger.Ledger:
    """A ledger with one outlet and one figure."""
    lg.register_source("wire", name="Wire service", kind="media")
    lg.define_figure(FIGURE)
    return lg


def reports(count: int, bad_at: int | None = None) -> Iterator[Report]:
    """`count` one-claim reports, lazily; the one at `bad_at` has an unreadable value."""
    for index in range(count):
        value = "lots and lots" if index == bad_at else f"at least {index + 1}"
        yield Report(
            outlet="wire",
            published_at=datetime(2022, 1, 10, tzinfo=UTC),
            report_id=f"stream-{index}",
            claims=[
                Claim(
                    figure=FIGURE,
                    value=value,
                    as_of=date(2022, 1, 10),
                    origin="wire",
                    claim_id=f"stream-claim-{index}",
                )
            ],
        )


class TestAppendReportStream:
    def test_records_every_report_in_chunks(self, book: ledger.Ledger) -> None:
        """Every report of a generator is recorded, each passed to `recorded` with its
        positions, and the read model equals the one rebuilt by replay."""
        head = book.head()
        seen: list[ledger.RecordedReport] = []
        count = book.append_report_stream(reports(25), recorded=seen.append, chunk_size=10)
        assert count == 25
        assert [r.report_id for r in seen] == [f"stream-{n}" for n in range(25)]
        assert seen[0].first_position == head + 1
        assert seen[-1].last_position == book.head() == head + 50
        assert book.estimate(FIGURE).low == 25
        assert book.replay().identical
        assert book.verify().ok

    def test_all_chunks_share_one_correlation_id(self, book: ledger.Ledger) -> None:
        """The chunks are batches of their own, tied together by one correlation id."""
        head = book.head()
        book.append_report_stream(reports(5), chunk_size=2)
        events = list(book.events(after=head))
        assert len({e.metadata["batch"] for e in events}) == 3
        assert len({e.metadata["correlation_id"] for e in events}) == 1

    def test_a_bad_report_late_in_the_stream_writes_nothing(self, book: ledger.Ledger) -> None:
        """A report the ledger refuses after several chunks were written leaves the log
        as it was; the error names the report by its index in the stream."""
        head = book.head()
        with pytest.raises(ledger.QuantityParseError) as raised:
            book.append_report_stream(reports(30, bad_at=27), chunk_size=10)
        assert raised.value.field == "reports[27].claims[0].value"
        assert report_in_error(raised.value) == (27, ("claims", 0, "value"))
        assert book.head() == head
        assert book.verify().ok
        assert book.claims(FIGURE) == []
        assert book.append_report_stream(reports(3)) == 3

    def test_a_taken_report_id_writes_nothing(self, book: ledger.Ledger) -> None:
        """A report id already in the ledger, met in a later chunk, rolls back the earlier
        chunks too."""
        book.append_report(next(reports(1)))
        head = book.head()

        def again() -> Iterator[Report]:
            yield from list(reports(12))[1:]
            yield next(reports(1))

        with pytest.raises(ledger.AlreadyExistsError):
            book.append_report_stream(again(), chunk_size=5)
        assert book.head() == head
        assert book.verify().ok
