"""The founding case: the two January 2022 articles on Kazakhstan, loaded from `seeds/`."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from ledger.domain.model import Figure, Report, Source
from ledger.domain.values import AwareDatetime
from ledger.service.documents import read_records, validate
from ledger.service.ledger import Ledger

_PACKAGED = Path(__file__).resolve().parents[1] / "_seeds"
_SOURCE_TREE = Path(__file__).resolve().parents[2] / "seeds"


def seeds_dir() -> Path:
    """Where the seed files are: inside the installed wheel, or the source tree's."""
    return _PACKAGED if _PACKAGED.is_dir() else _SOURCE_TREE


class CompensationRecord(BaseModel):
    """A compensating event in a document."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    action: Literal["retract", "retract_report", "dispute", "refute", "supersede"]
    claim_id: str | None = None
    report_id: str | None = None
    replacement: str | None = None
    by: str
    reason: str
    evidence: str | None = None
    published_at: AwareDatetime | None = None


def apply_compensation(lg: Ledger, item: CompensationRecord) -> None:
    """Record one compensating event through the ledger's API."""
    common: dict[str, object] = {
        "by": item.by,
        "reason": item.reason,
        "evidence": item.evidence,
        "published_at": item.published_at,
    }
    if item.action == "retract_report":
        lg.retract_report(item.report_id or "", **common)  # type: ignore[arg-type]
    elif item.action == "supersede":
        lg.supersede(item.claim_id or "", replacement=item.replacement or "", **common)  # type: ignore[arg-type]
    else:
        getattr(lg, item.action)(item.claim_id or "", **common)


def _load(folder: Path, name: str) -> list[tuple[str, object]]:
    path = folder / name
    return read_records(path.read_text(encoding="utf-8"), f"seeds/{name}")


def load_seeds(lg: Ledger, folder: Path | None = None) -> datetime:
    """Append the founding case to `lg`: sources, figures, the reports, then the
    compensating events. Returns the publication time of the last report."""
    folder = folder or seeds_dir()
    sources = validate(_load(folder, "sources.yaml"), Source)
    figures = validate(_load(folder, "figures.yaml"), Figure)
    reports = validate(_load(folder, "reports.yaml"), Report)
    compensations = validate(_load(folder, "compensations.yaml"), CompensationRecord)
    for source in sources:
        lg.register_source(
            source.source_id,
            name=source.name,
            kind=source.kind,
            parent=source.parent,
            notes=source.notes,
        )
    for figure in figures:
        lg.define_figure(
            figure.figure,
            unit=figure.unit,
            kind=figure.kind,
            parent=figure.parent,
            description=figure.description,
        )
    for report in reports:
        lg.append_report(report)
    for item in compensations:
        apply_compensation(lg, item)
    return max(report.published_at for report in reports)
