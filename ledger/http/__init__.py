"""The ledger as an HTTP service (FastAPI): `create_app(ledger)`, run by `ledger serve`.

An entry point, like the CLI: it reaches the store and the read model only through the
service layer (`ledger.service`), and speaks the Python API's own pydantic models."""
