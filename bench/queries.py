"""Query latency: the current estimate, the history, and the three as-of readings."""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import ledger

QUERIES = ("estimate", "history", "as_of_position", "as_of_recorded", "known_on")
HISTORY_PAGE = 100
"""`history` is read a page at a time (keyset-paginated), as a reader pages through it."""


def percentile(samples: list[float], fraction: float) -> float:
    """The sample at `fraction` of the way through them, sorted (nearest rank)."""
    ordered = sorted(samples)
    index = min(round(fraction * (len(ordered) - 1)), len(ordered) - 1)
    return ordered[index]


def sample(candidates: list[str], figures: int, seed: int = 7) -> list[str]:
    """`figures` of the candidates, drawn with a fixed seed: the figures every run asks."""
    return random.Random(seed).sample(sorted(candidates), min(figures, len(candidates)))


def latencies(
    url: str, candidates: list[str], known_on: date, figures: int, repeat: int, seed: int = 7
) -> dict[str, Any]:
    """p50/p99 (ms) of each query over `figures` of the `candidates` (figures with claims)
    sampled with a fixed seed, each asked `repeat` times, after one warm-up pass. As-of
    readings ask for the middle of the log (position, its recorded time) and `known_on`."""
    with ledger.open(url) as lg:
        head = lg.head()
        middle = next(lg.events(after=max(head // 2 - 1, 0)))
        recorded: datetime = middle.recorded_at
        chosen = sample(candidates, figures, seed)
        calls: dict[str, Callable[[str], object]] = {
            "estimate": lambda f: lg.estimate(f),
            "history": lambda f: lg.history(f, limit=HISTORY_PAGE),
            "as_of_position": lambda f: lg.estimate(f, at_position=head // 2),
            "as_of_recorded": lambda f: lg.estimate(f, recorded_before=recorded),
            "known_on": lambda f: lg.estimate(f, known_on=known_on),
        }
        for key in chosen:  # warm up: page cache, statement caches
            for call in calls.values():
                call(key)
        results: dict[str, Any] = {"events": head, "figures": len(chosen)}
        claims = [len(lg.claims(k)) for k in chosen]
        results["claims_per_figure"] = {
            "mean": round(statistics.fmean(claims), 1) if claims else 0,
            "max": max(claims, default=0),
        }
        for name, call in calls.items():
            samples: list[float] = []
            for _ in range(repeat):
                for key in chosen:
                    started = time.perf_counter()
                    call(key)
                    samples.append((time.perf_counter() - started) * 1000)
            results[name] = {
                "p50_ms": round(percentile(samples, 0.50), 3),
                "p99_ms": round(percentile(samples, 0.99), 3),
                "n": len(samples),
            }
        return results
