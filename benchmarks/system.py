"""Whole-program figures, measured on the real `gongkai` command in a subprocess.

`run_classify` times `gongkai classify` and samples the RSS of its whole
process tree (the CLI process and its workers) every 50 ms with psutil; the
peak of that sum is what the machine had to hold. RSS counts pages shared
between the processes once per process, so the figure errs on the high side.
"""
from __future__ import annotations

import statistics
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil

GONGKAI = Path(sys.executable).with_name("gongkai")
SAMPLE_S = 0.05
MB = 2**20


@dataclass
class ClassifyRun:
    docs: int
    workers: int
    seconds: float
    peak_rss_mb: float
    processed: int

    @property
    def docs_per_s(self) -> float:
        return self.docs / self.seconds

    def to_dict(self) -> dict:
        return {**asdict(self), "seconds": round(self.seconds, 2), "peak_rss_mb": round(self.peak_rss_mb, 1),
                "docs_per_s": round(self.docs_per_s, 1)}


class CommandError(RuntimeError):
    """The gongkai command under measurement failed."""


def tree_rss(proc: psutil.Process) -> int:
    """Resident bytes of a process and all its descendants (0 for those gone meanwhile)."""
    total = 0
    for p in [proc, *_children(proc)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def _children(proc: psutil.Process) -> list[psutil.Process]:
    try:
        return proc.children(recursive=True)
    except psutil.Error:
        return []


class PeakSampler:
    """Samples tree_rss(pid) in a thread until stopped; `peak` is the largest sum seen."""

    def __init__(self, pid: int) -> None:
        self.proc, self.peak = psutil.Process(pid), 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> "PeakSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss(self.proc))
            self._stop.wait(SAMPLE_S)


def run_classify(folder: Path, db: Path, workers: int, model: Path, docs: int, extra: tuple[str, ...] = ()) -> ClassifyRun:
    """`gongkai classify FOLDER --workers N [EXTRA…]` into a fresh database: wall time and peak tree RSS."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    cmd = [str(GONGKAI), "classify", str(folder), "--db", str(db), "--batch", "bench",
           "--workers", str(workers), "--model", str(model), *extra]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    with PeakSampler(proc.pid) as sampler:
        _, err = proc.communicate()
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise CommandError(f"gongkai classify exited {proc.returncode}: {err.strip().splitlines()[-1:]}")
    return ClassifyRun(docs, workers, seconds, sampler.peak / MB, _items(db))


def _items(db: Path) -> int:
    import sqlite3

    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM items").fetchone()[0]


def _spin(n: int) -> float:
    t0, x = time.perf_counter(), 0
    for i in range(n):
        x += i
    return time.perf_counter() - t0


def parallel_ceiling(n: int = 10_000_000) -> float:
    """How much faster two processes get through a pure-Python loop than one, right now.

    On an idle 2-core machine this is ~2.0; on a shared one it is what the other
    tenants leave, the ceiling for the 1 → 2 worker speed-up measured next to it.
    """
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    alone = _spin(n)
    with ProcessPoolExecutor(2, mp_context=get_context("fork")) as pool:
        list(pool.map(_spin, [1000, 1000]))          # both workers started before timing
        t0 = time.perf_counter()
        list(pool.map(_spin, [n, n]))
        together = time.perf_counter() - t0
    return 2 * alone / together


def startup_seconds(args: list[str], runs: int = 7) -> float:
    """Median wall time of `gongkai ARGS` (after one untimed run that warms the OS file cache)."""
    times = []
    for k in range(runs + 1):
        t0 = time.perf_counter()
        done = subprocess.run([str(GONGKAI), *args], capture_output=True, text=True)
        if done.returncode != 0:
            raise CommandError(f"gongkai {' '.join(args)} exited {done.returncode}: "
                               f"{done.stderr.strip().splitlines()[-1:]}")
        if k:
            times.append(time.perf_counter() - t0)
    return statistics.median(times)
