"""The ledger over HTTP: `connect(url, token=...)` returns a `RemoteLedger`, with the local
`Ledger`'s methods, types and errors."""

from __future__ import annotations

from ledger.remote.client import RemoteLedger


def connect(url: str, *, token: str, timeout: float = 30.0) -> RemoteLedger:
    """A client of the ledger that `ledger serve` serves at `url` (`http://host:port`),
    acting with the key whose token is `token`."""
    return RemoteLedger(url, token=token, timeout=timeout)


__all__ = ["RemoteLedger", "connect"]
