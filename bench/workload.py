"""A fixed-seed workload: sources, figures, and a stream of reports and compensations.

The shape follows the founding case (seeds/): stories (an unfolding event: unrest, a flood)
each with a handful of figures (killed, detained… nationally and per city); origins (who a
number comes from: ministries under a government, NGOs, agencies) distinct from outlets
(who carried it); hedged values ("at least 5,969", "nearly 6,000", "around 2,500",
"more than 3,000", "dozens", exact numbers); relays (`derived_from` an earlier claim of the
same figure); ~5 % of claims later retracted by their origin, ~3 % disputed by someone else;
and contrarian origins whose figures do not overlap the others' (conflicts).

Reports carry 1–5 claims, all about one story, so that one story's operations can be
handed to one writer process (relays and compensations stay within a story).

Everything is drawn from one `random.Random(seed)`: the same size and seed give the same
workload, byte for byte, on every machine.
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Literal

from ledger import Claim, Figure, FigureKind, Report, Source, SourceKind

SEED = 20220109

MEASURES: tuple[tuple[str, FigureKind, str], ...] = (
    ("killed", FigureKind.CUMULATIVE, "people"),
    ("injured", FigureKind.CUMULATIVE, "people"),
    ("detained", FigureKind.CUMULATIVE, "people"),
    ("displaced", FigureKind.CUMULATIVE, "people"),
    ("missing", FigureKind.LEVEL, "people"),
    ("troops", FigureKind.LEVEL, "troops"),
    ("homes-destroyed", FigureKind.CUMULATIVE, "homes"),
    ("evacuated", FigureKind.CUMULATIVE, "people"),
)
PLACES_PER_STORY = 2  # the country and its largest city: 8 measures × 2 = 16 figures
CLAIMS_PER_FIGURE = 60  # on average; a figure's recompute reads all its claims
CLAIM_COUNT_WEIGHTS = (35, 25, 20, 12, 8)  # 1..5 claims per report, mean 2.33
RELAY_SHARE = 0.25
RETRACT_SHARE = 0.05
DISPUTE_SHARE = 0.03
CONTRARIAN_SHARE = 0.10  # figures with one origin whose numbers do not overlap

VAGUE = (("several", 3, 9), ("dozens", 24, 99), ("hundreds", 200, 999), ("thousands", 2000, 9999))
START = datetime(2022, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Filed:
    """Append one report."""

    story: int
    report: Report


@dataclass(frozen=True, slots=True)
class Compensated:
    """Retract or dispute one earlier claim."""

    story: int
    kind: Literal["retract", "dispute"]
    claim_id: str
    figure: str
    by: str
    reason: str
    published_at: datetime


Operation = Filed | Compensated


@dataclass
class Workload:
    """What a run appends: sources and figures first, then the operations in order."""

    seed: int
    sources: list[Source]
    figures: list[Figure]
    operations: list[Operation]
    stories: int

    @property
    def reports(self) -> int:
        return sum(1 for op in self.operations if isinstance(op, Filed))

    @property
    def claims(self) -> int:
        return sum(len(op.report.claims) for op in self.operations if isinstance(op, Filed))

    @property
    def compensations(self) -> int:
        return sum(1 for op in self.operations if isinstance(op, Compensated))

    @property
    def events(self) -> int:
        """Every event the ledger records for this workload (registrations included)."""
        return (
            len(self.sources)
            + len(self.figures)
            + self.reports
            + self.claims
            + (self.compensations)
        )

    def summary(self) -> dict[str, int]:
        return {
            "events": self.events,
            "sources": len(self.sources),
            "figures": len(self.figures),
            "stories": self.stories,
            "reports": self.reports,
            "claims": self.claims,
            "relays": sum(
                1
                for op in self.operations
                if isinstance(op, Filed)
                for c in op.report.claims
                if c.derived_from
            ),
            "retractions": sum(
                1 for op in self.operations if isinstance(op, Compensated) and op.kind == "retract"
            ),
            "disputes": sum(
                1 for op in self.operations if isinstance(op, Compensated) and op.kind == "dispute"
            ),
        }


@dataclass
class _FigureState:
    key: str
    kind: FigureKind
    base: float  # the hidden true value at the start
    growth: float  # per day, relative
    origins: list[str]
    contrarian: str | None
    claims: list[tuple[str, str, str]] = field(default_factory=list)  # (id, origin, value)


def _sources(rng: random.Random) -> tuple[list[Source], list[str], list[str]]:
    """Governments with ministries under them, NGOs, agencies; media outlets and channels."""
    sources: list[Source] = []
    origins: list[str] = []
    for g in range(40):
        gov = f"gov-{g:02d}"
        sources.append(Source(source_id=gov, name=f"Government {g}", kind=SourceKind.GOVERNMENT))
        origins.append(gov)
        for ministry in ("interior", "health", "defence", "emergencies"):
            sid = f"gov-{g:02d}-{ministry}"
            sources.append(
                Source(
                    source_id=sid,
                    name=f"Ministry of {ministry.title()} ({g})",
                    kind=SourceKind.MILITARY if ministry == "defence" else SourceKind.GOVERNMENT,
                    parent=gov,
                )
            )
            origins.append(sid)
    for n in range(40):
        sid = f"ngo-{n:02d}"
        sources.append(Source(source_id=sid, name=f"NGO {n}", kind=SourceKind.NGO))
        origins.append(sid)
    for n in range(10):
        sid = f"agency-{n:02d}"
        sources.append(Source(source_id=sid, name=f"Agency {n}", kind=SourceKind.INTERNATIONAL))
        origins.append(sid)
    outlets: list[str] = []
    for n in range(60):
        sid = f"outlet-{n:02d}"
        sources.append(Source(source_id=sid, name=f"Outlet {n}", kind=SourceKind.MEDIA))
        outlets.append(sid)
    for n in range(10):
        sid = f"channel-{n:02d}"
        sources.append(Source(source_id=sid, name=f"Telegram channel {n}", kind=SourceKind.CHANNEL))
        outlets.append(sid)
    rng.shuffle(origins)
    return sources, origins, outlets


def _grouped(n: int) -> str:
    return f"{n:,}"


def _round_to(n: float) -> int:
    """`n` rounded the way a spokesman would: to 1–2 significant digits."""
    n = max(n, 1.0)
    magnitude = 10 ** max(int(math.log10(n)) - 1, 0)
    rounded: int = round(n / magnitude) * magnitude
    return max(rounded, 1)


def _value(rng: random.Random, truth: float) -> str:
    """A hedged rendering of `truth`, drawn from the mix the newsroom sees."""
    n = max(int(truth), 1)
    roll = rng.random()
    if roll < 0.14:
        exact = n if n % 10 else n + rng.randint(1, 9)
        return _grouped(exact)
    if roll < 0.38:
        return f"{rng.choice(('at least', 'no fewer than'))} {_grouped(n)}"
    if roll < 0.52:
        return f"{rng.choice(('more than', 'over'))} {_grouped(_round_to(n * 0.95))}"
    if roll < 0.62:
        return f"{rng.choice(('nearly', 'almost'))} {_grouped(_round_to(n * 1.05))}"
    if roll < 0.74:
        return f"{rng.choice(('around', 'about', 'approximately'))} {_grouped(_round_to(n))}"
    if roll < 0.80:
        return _grouped(_round_to(n))
    if roll < 0.86:
        return f"{rng.choice(('up to', 'as many as'))} {_grouped(_round_to(n * 1.3))}"
    if roll < 0.93:
        low = _round_to(n * 0.8)
        high = max(_round_to(n * 1.25), low + 1)
        return f"between {_grouped(low)} and {_grouped(high)}"
    for word, low, high in VAGUE:
        if low <= n <= high:
            return word
    return f"at least {_grouped(n)}"


def _relay_value(rng: random.Random, parent: str) -> str:
    """An outlet's relay of a parent value: usually verbatim, sometimes rounded in a headline."""
    digits = "".join(ch for ch in parent if ch.isdigit())
    if digits and " and " not in parent and rng.random() < 0.3:
        return f"nearly {_grouped(_round_to(int(digits) * 1.05))}"
    return parent


def generate(events: int, seed: int = SEED) -> Workload:
    """A workload of about `events` events (registrations included)."""
    rng = random.Random(seed)
    sources, origins, outlets = _sources(rng)
    mean_claims = sum((i + 1) * w for i, w in enumerate(CLAIM_COUNT_WEIGHTS)) / sum(
        CLAIM_COUNT_WEIGHTS
    )
    per_report = 1 + mean_claims * (1 + RETRACT_SHARE + DISPUTE_SHARE * 0.9)
    figures_per_story = len(MEASURES) * PLACES_PER_STORY
    # events ≈ sources + figures + reports × per_report, with figures ≈ claims / CLAIMS_PER_FIGURE
    reports = max(int((events - len(sources)) / (per_report + mean_claims / CLAIMS_PER_FIGURE)), 1)
    stories = max(round(reports * mean_claims / CLAIMS_PER_FIGURE / figures_per_story), 1)

    figures: list[Figure] = []
    states: list[list[_FigureState]] = []
    for s in range(stories):
        story = f"story-{s:05d}"
        local = rng.sample(origins, 6)
        row: list[_FigureState] = []
        for p, place in enumerate(("national", "capital")[:PLACES_PER_STORY]):
            for measure, kind, unit in MEASURES:
                key = f"{story}/{measure}/{place}"
                parent = f"{story}/{measure}/national" if p else None
                figures.append(
                    Figure(
                        figure=key,
                        unit=unit,
                        kind=kind,
                        parent=parent,
                        description=f"{measure} ({place}) in {story}",
                    )
                )
                chosen = rng.sample(local, rng.randint(2, 5))
                row.append(
                    _FigureState(
                        key=key,
                        kind=kind,
                        base=math.exp(rng.uniform(math.log(8), math.log(40_000))),
                        growth=rng.uniform(0.0, 0.04),
                        origins=chosen,
                        contrarian=rng.choice(chosen) if rng.random() < CONTRARIAN_SHARE else None,
                    )
                )
        states.append(row)

    # Stories are not equally hot; lognormal weights keep the busiest few times the mean.
    weights = [rng.lognormvariate(0.0, 0.4) for _ in range(stories)]
    pending: list[tuple[int, int, Compensated]] = []  # (due report index, tiebreak, op)
    retracted: set[str] = set()
    operations: list[Operation] = []
    clock = START
    step = timedelta(seconds=max(730 * 86400 / reports, 1))
    tiebreak = 0
    for index in range(reports):
        clock += step
        while pending and pending[0][0] <= index:
            _, _, due = heapq.heappop(pending)
            if due.claim_id in retracted:
                continue
            if due.kind == "retract":
                retracted.add(due.claim_id)
            operations.append(
                Compensated(
                    story=due.story,
                    kind=due.kind,
                    claim_id=due.claim_id,
                    figure=due.figure,
                    by=due.by,
                    reason=due.reason,
                    published_at=clock,
                )
            )
        s = rng.choices(range(stories), weights)[0]
        outlet = rng.choice(outlets)
        count = rng.choices(range(1, 6), CLAIM_COUNT_WEIGHTS)[0]
        chosen_figures = rng.sample(states[s], count)
        report_id = f"r{index:07d}"
        published = clock
        as_of: date = (published - timedelta(days=rng.choice((0, 0, 0, 1)))).date()
        days = (published - START).days
        claims: list[Claim] = []
        for c, state in enumerate(chosen_figures):
            claim_id = f"{report_id}-{c}"
            derived_from = None
            if state.claims and rng.random() < RELAY_SHARE:
                parent_id, origin, parent_value = rng.choice(state.claims[-20:])
                derived_from = parent_id
                value = _relay_value(rng, parent_value)
            else:
                origin = rng.choice(state.origins)
                if state.kind is FigureKind.CUMULATIVE:
                    truth = state.base * (1 + state.growth) ** min(days, 120)
                else:
                    truth = state.base * (1 + 0.3 * math.sin(days / 17 + state.growth * 100))
                if origin == state.contrarian:
                    truth *= 3.0
                value = _value(rng, truth)
            claims.append(
                Claim(
                    claim_id=claim_id,
                    figure=state.key,
                    value=value,
                    as_of=as_of,
                    origin=origin,
                    derived_from=derived_from,
                    quote=f"{outlet} quoting {origin}: {value} ({state.key.split('/', 1)[1]})",
                )
            )
            state.claims.append((claim_id, origin, value))
            roll = rng.random()
            if roll < RETRACT_SHARE + DISPUTE_SHARE:
                action: Literal["retract", "dispute"] = (
                    "retract" if roll < RETRACT_SHARE else "dispute"
                )
                by = origin if action == "retract" else rng.choice(origins + outlets)
                reason = (
                    "the message was removed; called a technical error"
                    if action == "retract"
                    else "numbers questioned by independent monitors"
                )
                tiebreak += 1
                heapq.heappush(
                    pending,
                    (
                        index + rng.randint(1, 400),
                        tiebreak,
                        Compensated(s, action, claim_id, state.key, by, reason, published),
                    ),
                )
        operations.append(
            Filed(
                story=s,
                report=Report(
                    report_id=report_id,
                    outlet=outlet,
                    published_at=published,
                    title=f"{outlet}: {story_title(s)}",
                    url=f"https://example.org/{outlet}/{report_id}",
                    channel="web",
                    claims=claims,
                ),
            )
        )
    return Workload(
        seed=seed, sources=sources, figures=figures, operations=operations, stories=stories
    )


def story_title(story: int) -> str:
    return f"Latest figures on story {story}"


def chunks(operations: list[Operation], reports_per_chunk: int) -> Iterator[list[Operation]]:
    """The operations cut after every `reports_per_chunk` reports (compensations ride along)."""
    chunk: list[Operation] = []
    filed = 0
    for op in operations:
        chunk.append(op)
        if isinstance(op, Filed):
            filed += 1
            if filed == reports_per_chunk:
                yield chunk
                chunk, filed = [], 0
    if chunk:
        yield chunk
