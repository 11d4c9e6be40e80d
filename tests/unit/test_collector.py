"""Rebuilds and large appends pause Python's cycle collector, and leave it as they found it."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from ledger.service.collector import cycles_uncollected


@pytest.fixture
def collector_enabled() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


@pytest.mark.usefixtures("collector_enabled")
def test_the_collector_is_paused_inside_and_resumes_after() -> None:
    with cycles_uncollected():
        assert not gc.isenabled()
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_enabled")
def test_it_resumes_when_the_work_fails() -> None:
    with pytest.raises(RuntimeError), cycles_uncollected():
        raise RuntimeError("the append was refused")
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_enabled")
def test_a_collector_the_caller_paused_stays_paused() -> None:
    gc.disable()
    with cycles_uncollected():
        pass
    assert not gc.isenabled()
