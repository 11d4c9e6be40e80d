"""`Ledger.watch`: a wake-up after each append commits — this ledger's own appends, and on
PostgreSQL another process's too (LISTEN/NOTIFY); never for one rolled back."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

import ledger


@pytest.fixture
def watched(database_url: str) -> Iterator[tuple[ledger.Ledger, threading.Event]]:
    woken = threading.Event()
    with ledger.open(database_url) as lg:
        stop = lg.watch(woken.set)
        woken.clear()  # (a listener wakes once as it starts: it may have missed something)
        yield lg, woken
        stop()


def test_an_own_append_wakes_the_watcher(watched: tuple[ledger.Ledger, threading.Event]) -> None:
    lg, woken = watched
    lg.acting("someone-else").register_source("wire", name="Wire", kind="media")
    assert woken.wait(timeout=5)


def test_a_refused_append_wakes_nobody_here(watched: tuple[ledger.Ledger, threading.Event]) -> None:
    lg, woken = watched
    with pytest.raises(ledger.InvalidInputError):
        lg.register_source("wire", name="", kind="media")
    assert not woken.wait(timeout=0.3)


def test_on_postgresql_another_process_append_wakes_the_watcher(
    watched: tuple[ledger.Ledger, threading.Event], database_url: str
) -> None:
    _, woken = watched
    with ledger.open(database_url) as other:  # another ledger object: what another process is
        other.register_source("wire", name="Wire", kind="media")
    if database_url.startswith("sqlite"):
        assert not woken.wait(timeout=0.3)  # SQLite cannot tell: streams look again instead
    else:
        assert woken.wait(timeout=5)


def test_stopping_ends_the_wake_ups(watched: tuple[ledger.Ledger, threading.Event]) -> None:
    lg, woken = watched
    calls: list[int] = []
    stop = lg.watch(lambda: calls.append(1))
    stop()
    calls.clear()
    lg.register_source("wire", name="Wire", kind="media")
    assert woken.wait(timeout=5)
    assert calls == []
