"""The verdict of `ledger verify`: the hash chain intact and each further check that held,
one line each, or the first problem found."""

from __future__ import annotations

from rich.text import Text

from ledger import VerifyResult
from ledger.cli.render import plural

CHAIN_PROBLEMS = ("content changed", "event missing", "order changed", "duplicated")


def verify_text(result: VerifyResult) -> Text:
    """The chain is intact (and each further check that held, one line each), or the first
    problem found."""
    if result.ok:
        text = Text.assemble(
            ("✓ hash chain intact", "bold green"),
            f": {plural(result.count, 'event')}, head #{result.head_position} "
            f"{result.head_hash[:16]}…",
        )
        if result.content:
            text.append("\n")
            text.append("✓ every event passes the ledger's rules", "bold green")
        for anchor in result.anchors:
            text.append("\n")
            text.append("✓ anchor holds", "bold green")
            text.append(f": position {anchor.position} has hash {anchor.hash[:16]}…")
        if result.deep:
            text.append("\n")
            text.append("✓ read model equals a rebuild from the log", "bold green")
        return text
    detail = f" — {result.detail}" if result.detail else ""
    if result.problem in CHAIN_PROBLEMS:
        return Text.assemble(
            ("✗ hash chain broken", "bold red"),
            f" at position {result.bad_position}: {result.problem}{detail}",
        )
    where = f" at position {result.bad_position}" if result.bad_position is not None else ""
    return Text.assemble(
        (f"✗ {result.problem}", "bold red"),
        f"{where}{detail}",
        f" (the hash chain itself is intact: {plural(result.count, 'event')})",
    )
