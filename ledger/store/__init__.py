"""Persistence: the event store interface and its backends (memory, SQLite, PostgreSQL).

Backends see only plain records (`NewEvent` in, `StoredEvent` out); mapping to and from
domain events happens above, in `ledger.service`.
"""
