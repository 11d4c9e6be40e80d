"""The pure domain: values, quantities, events and the estimation policy.

Imports nothing but the standard library, pydantic and `ledger.errors`.
"""
