"""`classify` as a library call: run a batch of files into the working database."""
from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from gongkai.pipeline import store
from gongkai.pipeline.ingest.files import discover_entries, display_path
from gongkai.pipeline.process import Settings
from gongkai.pipeline.runner import (WRITE_EVERY, Pool, Task, error_result, plan_tasks,
                                     run_in_process)

FLUSH_S = 1.0


@dataclass
class RunSummary:
    batch: str
    found: int = 0
    processed: int = 0
    skipped: int = 0          # already in the batch: a rerun or a resumed run
    duplicates: int = 0       # identical bytes to another file of this run
    problems: list[tuple[str, str, str]] = field(default_factory=list)  # (path, status, reason) this run
    changed: list[tuple[str, int, int]] = field(default_factory=list)   # (path, superseded id, new id)


def count_files(paths: Iterable[str], follow_symlinks: bool = False) -> int:
    """Entries that will get a row: regular files and everything refused without a read."""
    return sum(1 for _ in discover_entries(paths, follow_symlinks))


def classify_batch(paths: list[str], db_path: str | Path, batch: str, settings: Settings,
                   workers: int = 1, on_result: Callable[[], None] | None = None,
                   engine: Callable | None = None) -> RunSummary:
    """Process every new file under `paths` into `batch`; safe to rerun after a crash.

    `engine(tasks, settings, pack)` runs the tasks elsewhere (e.g. engine_ray) and yields pack(result)
    per task in task order (a task's `ready` row in its place); by default the local pool (or this
    process with workers=0) does."""
    db = store.connect(db_path)
    if is_frozen(db, batch):
        raise BatchFrozenError(f"batch {batch!r} is published and frozen; reopen it with "
                               f"`gongkai batch reopen {batch} --reason ...`")
    store.ensure_batch(db, batch)
    summary = RunSummary(batch=batch)
    writer = _Writer(db, batch, summary)
    tasks = _tasks(paths, store.known_hashes(db, batch), settings, summary)
    # workers flatten their results into rows (store.to_record): the one writer only inserts
    if engine is not None:
        records = engine(tasks, settings, store.to_record)
    elif workers > 0:
        records = Pool(workers, settings, pack=store.to_record).run(tasks)
    else:
        records = run_in_process(tasks, settings, pack=store.to_record)
    for record in records:
        writer.add(record)
        if on_result:
            on_result()
    writer.flush()
    return summary


class _Writer:
    """Rows in chunks of WRITE_EVERY (at least once a second, so a killed run loses little)."""

    def __init__(self, db, batch: str, summary: RunSummary) -> None:
        self.db, self.batch, self.summary = db, batch, summary
        self.chunk: list[store.Record] = []
        self.seen: set[str] = set()
        self.flushed = time.monotonic()

    def add(self, record: store.Record) -> None:
        if record.path_only:               # a file already in the batch
            pass
        elif record.sha256 in self.seen:     # same bytes as an earlier file of this run: only its path is kept
            self.summary.duplicates += 1
        else:
            self.seen.add(record.sha256)
            if record.status != "ok":
                self.summary.problems.append((display_path(record.path), record.status, record.error or ""))
        self.chunk.append(record)
        if len(self.chunk) >= WRITE_EVERY or time.monotonic() - self.flushed > FLUSH_S:
            self.flush()

    def flush(self) -> None:
        if self.chunk:
            written = store.write_results(self.db, self.batch, self.chunk)
            self.summary.processed += written.items
            self.summary.changed += written.superseded
        self.chunk, self.flushed = [], time.monotonic()


def _tasks(paths, done, settings: Settings, summary: RunSummary) -> Iterator[Task]:
    """Tasks in discovery order; a file not read, or already in the batch, carries its row ready-made
    and is written in its place among the workers' results."""
    for task in plan_tasks(paths, done, settings):
        summary.found += 1
        if task.skipped:
            summary.skipped += 1
            task = replace(task, ready=store.path_record(task.path, task.sha256))
        elif task.problem:
            task = replace(task, ready=store.to_record(error_result(task.path, task.problem, task.size)))
        yield task


class BatchFrozenError(RuntimeError):
    """The batch was published; it must be reopened before it changes."""


def is_frozen(db, batch: str) -> bool:
    row = db.execute("SELECT frozen FROM batches WHERE name = ?", [batch]).fetchone()
    return bool(row and row[0])


def batch_counts(db, batch: str) -> dict[str, Counter]:
    """Counts by status, by proposed attribute and by review need, for the summary table."""
    rows = db.execute("SELECT status, proposed_attribute, needs_review FROM items WHERE batch = ?",
                      [batch]).fetchall()
    return {
        "status": Counter(r[0] for r in rows),
        "proposed": Counter(r[1] or "—" for r in rows),
        "review": Counter("needs review" if r[2] else "no review needed" for r in rows),
    }
