"""A ledger in memory answers as a ledger in SQL: the same log, the same answers.

The log of a ledger in memory, exported and imported into SQLite (the same records, event
ids and times), is projected there by the SQL read model; every read — estimates with
their provenance, history, claims, reports, sources — must then be equal, for arbitrary
sequences of reports and compensating events, refused ones included.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings

import ledger
from ledger.service.seeds import load_seeds
from ledger.service.transfer import export_lines, import_lines
from tests.integration.test_replay import Operations, run
from tests.strategies import ledger_operations


def answers(lg: ledger.Ledger) -> dict[str, Any]:
    """Everything a reader can ask of a ledger, as plain data."""
    figures = [f.figure for f in lg.figures()]
    claims = [c for key in figures for c in lg.claims(key)]
    return {
        "figures": lg.figures(),
        "sources": [lg.source(s.source_id) for s in lg.sources()],
        "estimates": lg.estimates(),
        "summaries": lg.summaries(),
        "history": {key: lg.history(key) for key in figures},
        "claims": claims,
        "reports": [lg.report(r) for r in sorted({c.report_id for c in claims})],
        "at": {
            key: [lg.estimate(key, at_position=p) for p in range(0, lg.head() + 1, 7)]
            for key in figures
        },
        "known": {key: lg.estimate(key, known_on="2022-01-09") for key in figures},
    }


def assert_alike(memory: ledger.Ledger) -> None:
    with ledger.open("sqlite://") as sql:
        import_lines(sql, export_lines(memory))
        assert answers(sql) == answers(memory)


class TestMemoryAnswersAsSql:
    def test_the_founding_case(self) -> None:
        """The seeds, recorded in memory, read the same once imported into SQLite."""
        with ledger.open("memory://") as memory:
            load_seeds(memory)
            assert_alike(memory)

    @settings(max_examples=30, suppress_health_check=[HealthCheck.too_slow])
    @given(operations=ledger_operations())
    def test_for_arbitrary_event_sequences(self, operations: Operations) -> None:
        """For any sequence of reports and compensating events, in memory and in SQLite."""
        with ledger.open("memory://") as memory:
            run(memory, operations)
            assert_alike(memory)
