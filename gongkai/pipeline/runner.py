"""Run a batch: plan the files, process them in a pool of workers, write results in order.

Workers read each file and hash the bytes they read, so an item's sha256 is the
hash of exactly what was parsed, and the parent of a new batch only lists files.
When the batch already has items (a rerun, or a killed run resumed), the parent
hashes each file first and skips the ones already in it. Workers are separate
processes that load the model once; the parent kills a worker whose file
overruns the per-file time limit (a hung C parser cannot be interrupted any
other way), records the file as `error`, and starts a fresh worker. Each worker
runs under a memory ceiling (RLIMIT_DATA): a file that needs more is `error: too
much memory`. Entries that are not read at all (links, FIFOs, devices, unreadable
files) carry their error row ready-made and take their place in the order.
Results are written in discovery order, so the database is the same whatever the
number of workers.
"""
from __future__ import annotations

import gc
import hashlib
import multiprocessing as mp
import os
import selectors
import signal
import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from gongkai.pipeline.ingest import files
from gongkai.pipeline.ingest.errors import human_size, memory_reason
from gongkai.pipeline.ingest.files import discover_entries, hash_file, read_file
from gongkai.pipeline.process import (DocumentResult, Resources, Settings, load_resources,
                                      process_document, process_parsed)
from gongkai.records import ERROR, ParsedDoc

GRACE_S = 5.0          # beyond the per-file limit, before the worker is killed
WRITE_EVERY = 64       # documents per transaction
PREFETCH = 2           # tasks a worker holds: the running one and the next
MAX_WAITING = 256      # results held back for order while an earlier file is still being worked on


@dataclass(frozen=True)
class Task:
    seq: int
    path: str
    sha256: str | None        # known when the parent hashed the file (a batch with items); else the worker's
    size: int
    problem: str | None = None    # not read at all (a link, a FIFO, a device, an unlistable folder…): why
    skipped: bool = False         # its bytes are already an item of the batch: only the path is new
    ready: object = None          # what the pool yields for it without a worker (set by the caller)
    data: bytes | None = None     # the file's bytes, when the parent sends them (Ray without a shared file system)


def plan_tasks(paths: Iterable[str], done: set[str], settings: Settings) -> Iterator[Task]:
    """A Task per entry found, in discovery order: a file to process, a file already in the batch
    (`skipped`), or a `problem` that is recorded without any read.

    Files are hashed here only when `done` (the batch's hashes) is not empty, to skip them without
    parsing them again (with the per-file time limit); a new batch leaves the hashing to the workers,
    which read the bytes anyway. Duplicates within the run are found from the workers' hashes.
    """
    follow = settings.follow_symlinks
    for seq, found in enumerate(discover_entries(paths, follow)):
        if found.problem:
            yield Task(seq, found.path, None, found.size, problem=found.problem)
            continue
        try:
            sha = hash_file(found.path, follow, settings.limits.file_timeout_s) if done else None
        except OSError as exc:
            yield Task(seq, found.path, None, found.size, problem=files.reason(exc))
            continue
        yield Task(seq, found.path, sha, found.size, skipped=sha in done)


def run_task(task: Task, res: Resources) -> DocumentResult:
    """One file in a worker: the size check, the read and hash, then the pure per-document function.

    A file that cannot be read (or is no longer a regular file) is an error row identified by its path.
    """
    limits, follow = res.settings.limits, res.settings.follow_symlinks
    try:
        if task.size > limits.max_file_bytes:       # hashed in blocks, never read whole
            reason = f"too large: {task.size / 2**20:.0f} MB over the {limits.max_file_bytes / 2**20:.0f} MB limit"
            sha = task.sha256 or hash_file(task.path, follow, limits.file_timeout_s)
            return process_parsed(_error(task.path, reason), task.path, sha, task.size, res)
        data = task.data if task.data is not None else read_file(task.path, follow)
    except OSError as exc:
        return error_result(task.path, files.reason(exc), task.size)
    sha = hashlib.sha256(data).hexdigest()
    try:
        return process_document(data, task.path, sha, res)
    except MemoryError:        # beyond parsing (detectors, model): the same ceiling, the same row
        del data
        return error_result(task.path, memory_reason(limits.max_memory_bytes), task.size, sha)


def _error(path: str, reason: str) -> ParsedDoc:
    fmt = os.path.splitext(path)[1].lstrip(".").lower() or "unknown"
    return ParsedDoc(format=fmt, status=ERROR, error=reason)


def error_result(path: str, reason: str, size: int = 0, sha256: str | None = None) -> DocumentResult:
    """A file recorded as error without a parse (not read, unreadable, killed): sent to review by the
    policy, identified by its bytes' hash when known, else by its path."""
    from gongkai.pipeline.classify.policy import PolicyInput, decide

    parsed = _error(path, reason)
    proposal = decide(PolicyInput(status=parsed.status, error=reason))
    return DocumentResult(path=path, sha256=sha256 or files.path_identity(path), size=size,
                          parsed=parsed, proposal=proposal)


def limit_memory(max_bytes: int) -> None:
    """The worker's memory ceiling: RLIMIT_DATA counts the heap and private writable mappings (not the
    address space PDFium and thread arenas only reserve), so an allocation beyond it raises MemoryError
    in the worker instead of swapping the machine. Falls back to RLIMIT_AS where DATA is missing."""
    import resource

    which = getattr(resource, "RLIMIT_DATA", None) or resource.RLIMIT_AS
    hard = resource.getrlimit(which)[1]
    soft = max_bytes if hard == resource.RLIM_INFINITY else min(max_bytes, hard)
    resource.setrlimit(which, (soft, hard))


def _worker_main(conn, settings: Settings, work=None, pack=None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops us
    try:
        limit_memory(settings.limits.max_memory_bytes)
        res = load_resources(settings)
    except MemoryError:
        conn.send(("fatal", f"the model does not fit in --max-memory {human_size(settings.limits.max_memory_bytes)}"))
        return
    except Exception as exc:  # e.g. a broken model folder: tell the parent in one line
        conn.send(("fatal", f"{type(exc).__name__}: {exc}"))
        return
    # The model and the list live as long as the worker: move them out of the collector's view,
    # so collections while documents are processed do not walk them again and again.
    gc.collect()
    gc.freeze()
    conn.send(("ready", None))
    while True:
        try:
            task = conn.recv()
        except EOFError:  # the parent is gone
            return
        if task is None:
            return
        result = (work or run_task)(task, res)
        conn.send(("done", task.seq, pack(result) if pack else result))


# Imported once by the fork server, so workers are forked with them loaded (spaCy alone is ~0.5 s).
PRELOAD = ["gongkai.pipeline.runner", "spacy"]


def start_forkserver():
    """The forkserver context, its server started now (it does not wait for the server's imports).
    Called first thing by `classify`, the server imports spaCy while the parent checks the lists
    and counts files."""
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    from multiprocessing import forkserver

    forkserver.ensure_running()
    return ctx


def resident_bytes(pid: int) -> int:
    """A process's resident memory from /proc (0 where there is none, or once it is gone)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


class WorkerError(RuntimeError):
    """A worker could not start (bad model, bad negative list)."""


class _Worker:
    """One worker process and the tasks it holds, the running one first."""

    def __init__(self, ctx, settings: Settings, work=None, pack=None) -> None:
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, settings, work, pack), daemon=True)
        self.proc.start()
        child.close()
        self.tasks: deque[Task] = deque()
        self.started = 0.0          # when the running task started, as far as the parent can tell
        self.peak_rss = 0           # the most memory seen resident while the running task ran
        self.ready = False

    @property
    def task(self) -> Task | None:
        """The task the worker is running (the first it holds)."""
        return self.tasks[0] if self.tasks else None

    def give(self, task: Task) -> None:
        if not self.tasks:
            self.started = time.monotonic()
        self.tasks.append(task)
        self.conn.send(task)

    def finished(self, seq: int) -> None:
        """The running task's result arrived: the next held task starts now (or started a moment ago,
        while the result was in the pipe: the parent's clock is late, never early)."""
        done = self.tasks.popleft()
        assert done.seq == seq, (done.seq, seq)
        self.started = time.monotonic()
        self.peak_rss = 0

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
    """Workers that each hold up to PREFETCH tasks; results come back in sequence order.

    A worker holds its next task before it finishes the current one, so it never
    waits for the parent between documents: with as many workers as cores, the
    parent (writing to SQLite) is often not scheduled at the moment a worker finishes.
    """

    def __init__(self, workers: int, settings: Settings, work=None, pack=None) -> None:
        """`work(task, resources) -> DocumentResult` runs in the workers (default: run_task), and so does
        `pack(result)`, which turns the result into what `run` yields (default: the result itself)."""
        self.settings, self.work, self.pack = settings, work, pack
        self.ctx = start_forkserver()
        self.selector = selectors.DefaultSelector()     # one for the run: cheaper than wait() per result
        self.workers = [self._start() for _ in range(workers)]
        self.timeout = settings.limits.file_timeout_s + GRACE_S
        self.retry: deque[Task] = deque()     # held by a worker that was killed before it ran them

    def _start(self) -> _Worker:
        w = _Worker(self.ctx, self.settings, self.work, self.pack)
        self.selector.register(w.conn, selectors.EVENT_READ, w)
        return w

    def run(self, tasks: Iterator[Task]) -> Iterator:
        pending: dict[int, DocumentResult] = {}
        self.pending = pending
        next_seq = 0
        exhausted = False
        try:
            while True:
                # new files only while few results wait for an earlier one (a slow file must not
                # let the others pile up in memory); a killed worker's held files always
                fresh = not exhausted and len(pending) < MAX_WAITING
                if fresh or self.retry:
                    exhausted = self._feed(tasks, fresh) or exhausted
                if (exhausted and not self.retry and not any(w.tasks for w in self.workers)
                        and next_seq not in pending):
                    return
                self._collect(pending)
                while next_seq in pending:
                    yield pending.pop(next_seq)
                    next_seq += 1
        finally:
            for w in self.workers:
                w.stop(kill=bool(w.tasks))
            self.selector.close()

    def _feed(self, tasks: Iterator[Task], fresh: bool) -> bool:
        """Top up every ready worker from `retry`, then (if `fresh`) from `tasks`; True once `tasks` is exhausted."""
        for depth in range(1, PREFETCH + 1):       # breadth first: each worker gets one before any gets two
            for w in self.workers:
                if w.ready and len(w.tasks) < depth:
                    if self.retry:
                        task = self.retry.popleft()
                    elif not fresh:
                        return False
                    elif (task := self._next(tasks)) is None:
                        return True
                    w.give(task)
        return False

    def _next(self, tasks: Iterator[Task]) -> Task | None:
        """The next task for a worker; tasks with a `ready` result go straight to the waiting results."""
        while (task := next(tasks, None)) is not None and task.ready is not None:
            self.pending[task.seq] = task.ready
        return task

    def _collect(self, pending: dict[int, DocumentResult]) -> None:
        for key, _ in self.selector.select(timeout=0.5):
            w = key.data
            try:
                msg = w.conn.recv()
            except (EOFError, OSError):
                if not w.ready:     # it died loading, not parsing: a new one would too
                    w.proc.join(timeout=5)
                    raise WorkerError(f"a worker process died while starting (exit code {w.proc.exitcode})") from None
                self._replace(w, pending, self._death_reason(w))
                continue
            if msg[0] == "fatal":
                raise WorkerError(msg[1])
            if msg[0] == "ready":
                w.ready = True
            else:
                pending[msg[1]] = msg[2]
                w.finished(msg[1])
        now = time.monotonic()
        for w in list(self.workers):
            if w.task is not None:
                w.peak_rss = max(w.peak_rss, resident_bytes(w.proc.pid))
            if w.task is not None and now - w.started > self.timeout:
                limit = self.settings.limits.file_timeout_s
                self._replace(w, pending, f"took longer than the per-file time limit ({limit:.0f} s); stopped")

    def _death_reason(self, w: _Worker) -> str:
        """A C library that cannot allocate under the ceiling aborts (PDFium does) instead of raising
        MemoryError: a worker that died with more than half the ceiling resident (sampled twice a
        second) is reported as out of memory."""
        limit = self.settings.limits.max_memory_bytes
        if w.peak_rss > limit // 2:
            return memory_reason(limit)
        return "the parser crashed (worker process died)"

    def _replace(self, w: _Worker, pending: dict[int, DocumentResult], reason: str) -> None:
        """Kill w: its running task is recorded with `reason`, the ones it held are run by others."""
        self.selector.unregister(w.conn)
        w.stop(kill=True)
        i = self.workers.index(w)
        self.workers[i] = self._start()
        if w.tasks:
            task = w.tasks.popleft()
            result = _unprocessed(task, reason, self.settings)
            pending[task.seq] = self.pack(result) if self.pack else result
            self.retry.extendleft(reversed(w.tasks))


def _unprocessed(task: Task, reason: str, settings: Settings) -> DocumentResult:
    """A file whose worker was killed: recorded as error, sent to review by the policy."""
    try:     # the worker died before it could say; hashed with a time limit (a stalled mount)
        sha = task.sha256 or hash_file(task.path, settings.follow_symlinks, settings.limits.file_timeout_s)
    except OSError:
        sha = None
    return error_result(task.path, reason, task.size, sha)


def run_in_process(tasks: Iterator[Task], settings: Settings, pack=None) -> Iterator:
    """workers=0: everything in this process (no time limit enforcement); for debugging and tests."""
    res = load_resources(settings)
    for task in tasks:
        if task.ready is not None:
            yield task.ready
            continue
        result = run_task(task, res)
        yield pack(result) if pack else result

