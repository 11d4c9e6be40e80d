"""The remote client is the `Ledger` API: the same methods with the same parameters, so
code written against one runs against the other (the behaviour is proven by the service
suites that run on both: tests/integration/test_ledger_api.py, test_trust.py,
test_wrong_types.py)."""

from __future__ import annotations

import inspect

import pytest

import ledger

LOCAL_ONLY = {
    # who acts, the upkeep of the database and the answering of retries belong where the
    # database is: a remote client acts as its key, sends an Idempotency-Key with every
    # write, and the server runs replay, catch-up, import and export
    "acting",
    "anchor",
    "append_report_stream",
    "catch_up",
    "idempotent",
    "recorded_request",
    "replay",
    "sql_store",
    "watch",  # a remote client follows the log with GET /v1/events/stream
}


def _api(cls: type) -> set[str]:
    return {
        name for name, _ in inspect.getmembers(cls, inspect.isfunction) if not name.startswith("_")
    }


def test_the_remote_client_has_every_method_of_the_api() -> None:
    missing = _api(ledger.Ledger) - LOCAL_ONLY - _api(ledger.RemoteLedger)
    assert not missing


@pytest.mark.parametrize("name", sorted(_api(ledger.Ledger) - LOCAL_ONLY - {"close"}))
def test_each_method_takes_the_same_parameters(name: str) -> None:
    local = inspect.signature(getattr(ledger.Ledger, name)).parameters
    remote = inspect.signature(getattr(ledger.RemoteLedger, name)).parameters
    assert [(p.name, p.kind, p.default) for p in local.values()] == [
        (p.name, p.kind, p.default) for p in remote.values()
    ]
