"""The public surface: a small, explicit, sorted `__all__`, and nothing private leaking."""

from __future__ import annotations

import ledger
import ledger.errors


class TestExportedMembers:
    def test_all_is_sorted_and_complete(self) -> None:
        """`ledger.__all__` is sorted and every name in it exists."""
        assert ledger.__all__ == sorted(ledger.__all__)
        for name in ledger.__all__:
            assert hasattr(ledger, name), name

    def test_every_error_is_exported(self) -> None:
        """Every error class in the error tree is reachable from `ledger`."""
        for name in ledger.errors.__all__:
            assert getattr(ledger, name) is getattr(ledger.errors, name)

    def test_every_error_derives_from_ledger_error(self) -> None:
        """Callers can catch everything the ledger raises on purpose with one class."""
        for name in ledger.errors.__all__:
            assert issubclass(getattr(ledger.errors, name), ledger.LedgerError)

    def test_the_error_tree_is_drawn_in_the_module_docstring(self) -> None:
        """The docstring of `ledger.errors` names every error class."""
        doc = ledger.errors.__doc__ or ""
        for name in ledger.errors.__all__:
            assert name in doc, name
