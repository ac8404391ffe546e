"""Run a batch: plan the files, process them in a pool of workers, write results in order.

The parent hashes each file (cheap) and skips those already in the batch, so a
killed run resumes where it stopped. Workers are separate processes that load
the model once; the parent kills a worker whose file overruns the per-file time
limit (a hung C parser cannot be interrupted any other way), records the file as
`error`, and starts a fresh worker. Results are written in discovery order, so
the database is the same whatever the number of workers.
"""
from __future__ import annotations

import hashlib
import multiprocessing as mp
import os
import signal
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import wait

from gongkai.pipeline.ingest import discover
from gongkai.pipeline.process import (DocumentResult, Resources, Settings, load_resources,
                                      process_document, process_parsed)
from gongkai.records import ERROR, ParsedDoc

GRACE_S = 5.0          # beyond the per-file limit, before the worker is killed
WRITE_EVERY = 64       # documents per transaction


@dataclass(frozen=True)
class Task:
    seq: int
    path: str
    sha256: str
    size: int


def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def plan_tasks(paths: Iterable[str], done: set[str]) -> Iterator[Task | tuple[str, str] | str]:
    """Yield a Task per new file, "skipped"/"duplicate" markers, or (path, reason) for files that cannot be opened."""
    seen: set[str] = set()
    seq = 0
    for path in discover(paths):
        try:
            sha, size = file_sha256(str(path)), path.stat().st_size
        except OSError as exc:
            yield (str(path), f"cannot open: {exc.strerror or exc}")
            continue
        if sha in done:
            yield "skipped"
        elif sha in seen:
            yield "duplicate"
        else:
            seen.add(sha)
            yield Task(seq, str(path), sha, size)
            seq += 1


def run_task(task: Task, res: Resources) -> DocumentResult:
    """One file in a worker: the size check, the read, then the pure per-document function."""
    limit = res.settings.limits.max_file_bytes
    if task.size > limit:
        reason = f"too large: {task.size / 2**20:.0f} MB over the {limit / 2**20:.0f} MB limit"
        return process_parsed(_error(task.path, reason), task.path, task.sha256, task.size, res)
    try:
        with open(task.path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        return process_parsed(_error(task.path, f"cannot read: {exc.strerror or exc}"),
                              task.path, task.sha256, task.size, res)
    return process_document(data, task.path, task.sha256, res)


def _error(path: str, reason: str) -> ParsedDoc:
    fmt = os.path.splitext(path)[1].lstrip(".").lower() or "unknown"
    return ParsedDoc(format=fmt, status=ERROR, error=reason)


def _worker_main(conn, settings: Settings, work=None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops us
    try:
        res = load_resources(settings)
    except Exception as exc:  # e.g. a broken model folder: tell the parent in one line
        conn.send(("fatal", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", None))
    while True:
        try:
            task = conn.recv()
        except EOFError:  # the parent is gone
            return
        if task is None:
            return
        conn.send(("done", task.seq, (work or run_task)(task, res)))


class WorkerError(RuntimeError):
    """A worker could not start (bad model, bad negative list)."""


class _Worker:
    def __init__(self, ctx, settings: Settings, work=None) -> None:
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, settings, work), daemon=True)
        self.proc.start()
        child.close()
        self.task: Task | None = None
        self.started = 0.0
        self.ready = False

    def give(self, task: Task) -> None:
        self.task, self.started = task, time.monotonic()
        self.conn.send(task)

    def stop(self, kill: bool = False) -> None:
        if kill:
            self.proc.kill()
        else:
            try:
                self.conn.send(None)
            except OSError:
                pass
        self.proc.join(timeout=5)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join()


class Pool:
    """Workers that each hold one task at a time; results come back in sequence order."""

    def __init__(self, workers: int, settings: Settings, work=None) -> None:
        """`work(task, resources) -> DocumentResult` runs in the workers (default: run_task)."""
        self.settings, self.work = settings, work
        self.ctx = mp.get_context("forkserver")
        self.ctx.set_forkserver_preload(["gongkai.pipeline.runner"])
        self.workers = [_Worker(self.ctx, settings, work) for _ in range(workers)]
        self.timeout = settings.limits.file_timeout_s + GRACE_S

    def run(self, tasks: Iterator[Task]) -> Iterator[DocumentResult]:
        pending: dict[int, DocumentResult] = {}
        next_seq = 0
        exhausted = False
        try:
            while True:
                if not exhausted:
                    exhausted = self._feed(tasks)
                busy = [w for w in self.workers if w.task is not None or not w.ready]
                if exhausted and not any(w.task for w in self.workers) and next_seq not in pending:
                    return
                self._collect(busy, pending)
                while next_seq in pending:
                    yield pending.pop(next_seq)
                    next_seq += 1
        finally:
            for w in self.workers:
                w.stop(kill=w.task is not None)

    def _feed(self, tasks: Iterator[Task]) -> bool:
        for w in self.workers:
            if w.ready and w.task is None:
                task = next(tasks, None)
                if task is None:
                    return True
                w.give(task)
        return False

    def _collect(self, busy: list[_Worker], pending: dict[int, DocumentResult]) -> None:
        for conn in wait([w.conn for w in busy], timeout=0.5):
            w = next(w for w in busy if w.conn is conn)
            try:
                msg = conn.recv()
            except (EOFError, OSError):
                self._replace(w, pending, "the parser crashed (worker process died)")
                continue
            if msg[0] == "fatal":
                raise WorkerError(msg[1])
            if msg[0] == "ready":
                w.ready = True
            else:
                pending[msg[1]] = msg[2]
                w.task = None
        now = time.monotonic()
        for w in busy:
            if w.task is not None and now - w.started > self.timeout:
                limit = self.settings.limits.file_timeout_s
                self._replace(w, pending, f"took longer than the per-file time limit ({limit:.0f} s); stopped")

    def _replace(self, w: _Worker, pending: dict[int, DocumentResult], reason: str) -> None:
        task = w.task
        w.stop(kill=True)
        i = self.workers.index(w)
        self.workers[i] = _Worker(self.ctx, self.settings, self.work)
        if task is not None:
            pending[task.seq] = _unprocessed(task, reason)


def _unprocessed(task: Task, reason: str) -> DocumentResult:
    """A file whose worker was killed: recorded as error, sent to review by the policy."""
    from gongkai.pipeline.classify.policy import PolicyInput, decide

    parsed = _error(task.path, reason)
    proposal = decide(PolicyInput(status=parsed.status, error=reason))
    return DocumentResult(path=task.path, sha256=task.sha256, size=task.size, parsed=parsed,
                          proposal=proposal)


def run_in_process(tasks: Iterator[Task], settings: Settings) -> Iterator[DocumentResult]:
    """workers=0: everything in this process (no time limit enforcement); for debugging and tests."""
    res = load_resources(settings)
    for task in tasks:
        yield run_task(task, res)

