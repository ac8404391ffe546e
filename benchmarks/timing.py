"""Timing primitives: a median of repetitions within a time budget, and the rows the report prints."""
from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

REPS = 3                 # repetitions when one is cheap
BUDGET_S = 25.0          # stop repeating a contender once this much time went into it (slow peers)


@dataclass
class Work:
    """How much one repetition processes: the denominators of the throughputs."""

    docs: int
    chars: int = 0
    pages: int = 0


@dataclass
class Measure:
    seconds: float                     # median wall time of one repetition
    reps: int
    work: Work
    hits: int | None = None            # detection rows: hits found (ours must find the same or more)

    def rate(self, unit: str = "docs") -> float:
        amount = {"docs": self.work.docs, "chars": self.work.chars, "pages": self.work.pages}[unit]
        return amount / self.seconds if self.seconds > 0 else float("inf")

    def to_dict(self) -> dict:
        out = {"seconds": round(self.seconds, 4), "reps": self.reps, **asdict(self.work),
               "docs_per_s": round(self.rate("docs"), 1)}
        if self.work.chars:
            out["chars_per_s"] = round(self.rate("chars"))
        if self.work.pages:
            out["pages_per_s"] = round(self.rate("pages"), 1)
        if self.hits is not None:
            out["hits"] = self.hits
        return out


@dataclass
class Row:
    """One line of the table: our stage, its obvious peer on the same input, and the target ratio."""

    stage: str
    what: str                          # what is measured, one phrase
    ours: Measure
    peer: Measure | None = None
    peer_name: str = ""
    target: float | None = None        # required ours/peer speed ratio (None: informative row)
    note: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.peer is None:
            return None
        return self.peer.seconds / self.ours.seconds if self.ours.seconds > 0 else float("inf")

    @property
    def met(self) -> bool | None:
        if self.target is None or self.ratio is None:
            return None
        hits_ok = self.peer.hits is None or (self.ours.hits or 0) >= self.peer.hits
        return self.ratio >= self.target and hits_ok

    def to_dict(self) -> dict:
        return {"stage": self.stage, "what": self.what, "ours": self.ours.to_dict(),
                "peer": self.peer.to_dict() if self.peer else None, "peer_name": self.peer_name,
                "ratio": round(self.ratio, 2) if self.ratio is not None else None,
                "target": self.target, "met": self.met, "note": self.note, **self.extra}


def median_time(fn: Callable[[], Any], reps: int = REPS, budget_s: float = BUDGET_S) -> tuple[float, int, Any]:
    """(median seconds, repetitions run, last result): at least one repetition, at most `reps`,
    fewer when the budget is spent (a slow peer runs once or twice rather than stretching the run)."""
    times, result, spent = [], None, 0.0
    for _ in range(reps):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
        spent += times[-1]
        if spent > budget_s:
            break
    return statistics.median(times), len(times), result


def measure(fn: Callable[[], Any], work: Work, reps: int = REPS, hits: Callable[[Any], int] | None = None,
            budget_s: float = BUDGET_S) -> tuple[Measure, Any]:
    seconds, runs, result = median_time(fn, reps, budget_s)
    return Measure(seconds, runs, work, hits(result) if hits else None), result


def interleaved(fns: list[Callable[[], Any]], work: Work, rounds: int = 5) -> list[Measure]:
    """One Measure per function, run in turn `rounds` times (median of each): for cheap contenders
    on a shared machine, where running one's repetitions after the other's lets load decide."""
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(rounds):
        for fn, out in zip(fns, times):
            t0 = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t0)
    return [Measure(statistics.median(t), rounds, work) for t in times]
