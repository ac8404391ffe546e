"""`classify` as a library call: run a batch of files into the working database."""
from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from gongkai.pipeline import store
from gongkai.pipeline.ingest import discover
from gongkai.pipeline.process import Settings
from gongkai.pipeline.runner import WRITE_EVERY, Pool, Task, plan_tasks, run_in_process

FLUSH_S = 1.0


@dataclass
class RunSummary:
    batch: str
    found: int = 0
    processed: int = 0
    skipped: int = 0          # already in the batch: a rerun or a resumed run
    duplicates: int = 0       # identical bytes to another file of this run
    problems: list[tuple[str, str, str]] = field(default_factory=list)  # (path, status, reason) this run


def count_files(paths: Iterable[str]) -> int:
    return sum(1 for _ in discover(paths))


def classify_batch(paths: list[str], db_path: str | Path, batch: str, settings: Settings,
                   workers: int = 1, on_result: Callable[[], None] | None = None,
                   engine: Callable | None = None) -> RunSummary:
    """Process every new file under `paths` into `batch`; safe to rerun after a crash.

    `engine(tasks, settings, pack)` runs the tasks elsewhere (e.g. engine_ray) and yields pack(result)
    per task in task order; by default the local pool (or this process with workers=0) does."""
    db = store.connect(db_path)
    if is_frozen(db, batch):
        raise BatchFrozenError(f"batch {batch!r} is published and frozen; reopen it with "
                               f"`gongkai batch reopen {batch} --reason ...` to add documents")
    store.ensure_batch(db, batch)
    summary = RunSummary(batch=batch)
    tasks = _tasks(paths, store.known_hashes(db, batch), summary, on_result)
    # workers flatten their results into rows (store.to_record): the one writer only inserts
    if engine is not None:
        records = engine(tasks, settings, store.to_record)
    elif workers > 0:
        records = Pool(workers, settings, pack=store.to_record).run(tasks)
    else:
        records = run_in_process(tasks, settings, pack=store.to_record)
    chunk: list[store.Record] = []
    seen: set[str] = set()
    flushed = time.monotonic()
    for record in records:
        if record.sha256 is None:          # no bytes to hash (e.g. permission denied): report, nothing to store
            summary.problems.append((record.path, "error", record.error or ""))
        elif record.sha256 in seen:        # same bytes as an earlier file of this run (in discovery order)
            summary.duplicates += 1
        else:
            seen.add(record.sha256)
            chunk.append(record)
            if record.status != "ok":
                summary.problems.append((record.path, record.status, record.error or ""))
        # batched for speed, but at least once a second so a killed run loses little
        if len(chunk) >= WRITE_EVERY or time.monotonic() - flushed > FLUSH_S:
            summary.processed += store.write_results(db, batch, chunk)
            chunk, flushed = [], time.monotonic()
        if on_result:
            on_result()
    if chunk:
        summary.processed += store.write_results(db, batch, chunk)
    return summary


def _tasks(paths, done, summary: RunSummary, on_result) -> Iterator[Task]:
    for item in plan_tasks(paths, done):
        summary.found += 1
        if isinstance(item, Task):
            yield item
            continue
        if item == "skipped":
            summary.skipped += 1
        else:  # a file that cannot even be opened: report it, nothing to store without its bytes
            summary.problems.append((item[0], "error", item[1]))
        if on_result:
            on_result()


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
