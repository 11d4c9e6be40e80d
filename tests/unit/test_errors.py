"""Where an input error points: its field as parts, and the report of a batch or stream
it is about — read from the error, never from its message."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given

from ledger.errors import (
    InvalidInputError,
    LedgerError,
    LockHolder,
    LockTimeoutError,
    QuantityParseError,
    ReplicaBehindError,
    SchemaMismatchError,
    UnknownFigureError,
    field_path,
)
from ledger.service.commands import report_in_error
from tests.strategies import field_paths


def written(path: tuple[str | int, ...]) -> str:
    """A path written the way the ledger names fields: `reports[3].claims[0].value`."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


class TestFieldPath:
    @given(field_paths())
    def test_a_written_field_reads_back_as_its_parts(self, path: tuple[str | int, ...]) -> None:
        """Any field written as names and indexes is read back as exactly those parts."""
        assert field_path(written(path)) == path

    def test_a_field_not_written_that_way_is_one_part(self) -> None:
        """An option or a file location is not split: it is the whole path."""
        assert field_path("--at") == ("--at",)
        assert field_path("reports.yaml:14") == ("reports.yaml:14",)

    def test_every_input_error_has_a_path(self) -> None:
        """The path of an error is its field as parts, for subclasses too."""
        error = QuantityParseError("lots", "no number", field="reports[3].claims[0].value")
        assert error.path == ("reports", 3, "claims", 0, "value")


class TestReportInError:
    def test_names_the_report_and_the_field_within_it(self) -> None:
        """An error about `reports[3].claims[0].value` is about report 3, at its first
        claim's value."""
        error = InvalidInputError("reports[3].claims[0].value", "cannot read it")
        assert report_in_error(error) == (3, ("claims", 0, "value"))

    def test_an_error_about_no_report_of_a_batch_is_none(self) -> None:
        """A field of a single report, or of no report, is not located in a batch."""
        for field in ("value", "published_at", "reports", "reports[2]", "--at"):
            assert report_in_error(InvalidInputError(field, "bad")) is None


class TestPickling:
    @pytest.mark.parametrize(
        "error",
        [
            LockTimeoutError("writers' lock", 30.0, LockHolder(pid=7, user="ledger")),
            UnknownFigureError("kz/kiled", "figure", "kz/killed"),
            InvalidInputError("reports[3].claims[0].value", "no number"),
            ReplicaBehindError(9, 3, 5.0),
            SchemaMismatchError("0009", "0011", newer=False),
        ],
        ids=lambda error: type(error).__name__,
    )
    def test_an_error_crosses_to_another_process_intact(self, error: LedgerError) -> None:
        """Pickled (as a pool's worker returns it), an error comes back as its class, with
        its message and attributes, whatever its constructor takes."""
        back = pickle.loads(pickle.dumps(error))
        assert type(back) is type(error)
        assert str(back) == str(error)
        assert vars(back) == vars(error)
