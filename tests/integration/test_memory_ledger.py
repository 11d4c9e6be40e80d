"""A ledger in memory (`ledger.open("memory://")`): what it is, and what only SQL has."""

from __future__ import annotations

import json

import pytest

import ledger
from ledger.projections.memory import MemoryReadModel
from ledger.service import schema
from ledger.service.seeds import load_seeds
from ledger.service.transfer import export_lines, import_lines

KILLED = "kz-unrest-2022/killed/kazakhstan"


@pytest.fixture
def memory() -> ledger.Ledger:
    """The founding case, in memory."""
    lg = ledger.open("memory://", actor="tester")
    load_seeds(lg)
    return lg


class TestOpening:
    def test_each_open_is_a_new_empty_ledger(self, memory: ledger.Ledger) -> None:
        """`memory://` opens a ledger of its own each time; its URL says where it is."""
        with ledger.open("memory://") as other:
            assert other.head() == 0
            assert other.figures() == []
            assert other.url == "memory://"
        assert memory.head() > 0

    def test_a_ledger_built_over_a_log_catches_up_with_it(self, memory: ledger.Ledger) -> None:
        """A read model in memory put over a log it never saw folds it, checked."""
        lg = ledger.Ledger(memory.store, MemoryReadModel(), actor="tester")
        assert lg.catch_up() == memory.head()
        assert lg.estimates() == memory.estimates()
        assert lg.catch_up() == 0


class TestOnlySql:
    def test_a_schema_revision_is_not_supported(self, memory: ledger.Ledger) -> None:
        """A ledger in memory has no schema: asking its revision names what it lacks."""
        with pytest.raises(ledger.NotSupportedError, match="schema revision"):
            schema.revision(memory)

    def test_an_import_is_not_supported_but_an_export_is(self, memory: ledger.Ledger) -> None:
        """An export of a ledger in memory imports into SQL; not into memory."""
        lines = list(export_lines(memory))
        assert len(lines) == memory.head()
        with ledger.open("memory://") as other, pytest.raises(ledger.NotSupportedError):
            import_lines(other, lines)
        with ledger.open("sqlite://") as sql:
            assert import_lines(sql, lines).head_hash == memory.anchor().hash


class TestRebuiltInMemory:
    def test_an_edited_read_model_is_caught_by_the_deep_check_and_replay(
        self, memory: ledger.Ledger
    ) -> None:
        """An edited headline differs from the log's rebuild: the deep check names it,
        replay reports it and puts the rebuilt read model in its place."""
        model = memory.read_model
        assert isinstance(model, MemoryReadModel)
        summary, changed_by = model.tables.estimates[KILLED]
        edited = json.loads(summary) | {"best": "999999"}
        model.tables.estimates[KILLED] = (json.dumps(edited), changed_by)
        assert memory.verify().ok  # the chain and the rules hold: only a rebuild shows it
        deep = memory.verify(deep=True)
        assert deep.problem == "read model differs"
        assert "estimates" in (deep.detail or "")
        result = memory.replay()
        assert not result.identical
        assert memory.summaries()[KILLED].best != 999999
        assert memory.replay().identical
        assert memory.verify(deep=True).ok
