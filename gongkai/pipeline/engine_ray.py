"""`classify --engine ray`: the same per-document function on Ray tasks, one writer on the driver.

Each file is one Ray task that runs `runner.run_task` — take the bytes the driver sent (or
read the path, with a shared file system), hash exactly those bytes, `process_document` —
in a Ray worker process that loaded the model and the lists once, like a pool worker. The
driver keeps at most `in_flight` tasks submitted and not yet written (backpressure: bytes
sent, results held and results waiting for an earlier one are all bounded), and yields the
results in task order to the batched writer of `batch.classify_batch`: the database is the
one the local pool writes, and a killed driver resumes the same way.

Ray retries a task whose worker process or node died once, on whichever worker the cluster
gives it; a document that kills its worker twice is recorded `error` with the reason. A
hung parser is force-cancelled (its worker killed) once neither queueing nor a worker's start
can explain the wait.
Why tasks and not Ray Data: docs/scaling.md (measured).
"""
from __future__ import annotations

import gc
import hashlib
import math
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from gongkai.pipeline.ingest import files
from gongkai.pipeline.ingest.files import hash_file, read_file
from gongkai.pipeline.process import Resources, Settings, load_resources
from gongkai.pipeline.runner import GRACE_S, Task, _unprocessed, error_result, run_task

INSTALL_HINT = "the Ray engine needs Ray: pip install 'gongkai[ray]' (or make install-ray)"
PER_CPU = 4            # default tasks in flight per CPU of the cluster
# A task's time includes starting its Ray worker when the cluster starts a fresh one (Python,
# spaCy, the model): allowed on top of the wait in the queue before a task counts as hung.
WORKER_START_S = 120.0
CRASHED_TWICE = "the parser crashed its worker twice (Ray worker process or node died); not retried again"


@dataclass(frozen=True)
class RayOptions:
    address: str | None = None       # an existing cluster (HOST:PORT); None starts a local Ray runtime
    shared_fs: bool = False          # tasks read the paths themselves; else the driver sends the bytes
    in_flight: int = 0               # tasks submitted and not yet written; 0: PER_CPU per CPU of the cluster
    local_cpus: int | None = None    # CPUs of a local runtime (None: all of this machine's)
    hung_after_s: float | None = None  # force-cancel a task this long after submission (None: see _run)


class RayMissing(RuntimeError):
    """Ray is not installed (it is an optional extra)."""


def import_ray():
    try:
        import ray
    except ImportError:
        raise RayMissing(INSTALL_HINT) from None
    return ray


# ---- in the Ray worker processes ----------------------------------------------------------

_LOADED: dict[str, Resources] = {}   # per worker process: this run's settings (by object id) → resources


def _resources(key: str, settings_ref) -> Resources:
    res = _LOADED.get(key)
    if res is None:
        import ray

        res = load_resources(ray.get(settings_ref))
        _LOADED.clear()              # a worker serves one run at a time; an earlier run's model can go
        _LOADED[key] = res
        gc.collect()                 # as a pool worker does: the model stays out of the collector's walks
        gc.freeze()
    return res


def _document(task: Task, settings: list, pack: Callable | None, work: Callable | None):
    """One document on a Ray worker. `settings` is [key, ObjectRef] so Ray passes the reference
    and the worker fetches the settings (negative list included) once, not with every task."""
    res = _resources(*settings)
    result = (work or run_task)(task, res)
    return pack(result) if pack else result


# ---- on the driver --------------------------------------------------------------------------

class RayEngine:
    """`engine(tasks, settings, pack)` for batch.classify_batch: pack(result) per task, in task order."""

    def __init__(self, options: RayOptions = RayOptions(), work: Callable | None = None) -> None:
        self.options, self.work = options, work     # work(task, resources): run_task unless a test says

    def __call__(self, tasks: Iterator[Task], settings: Settings, pack: Callable | None = None) -> Iterator:
        ray = import_ray()
        started = connect(ray, self.options)
        try:
            yield from self._run(ray, tasks, settings, pack or (lambda r: r))
        finally:
            if started:
                ray.shutdown()

    def _run(self, ray, tasks: Iterator[Task], settings: Settings, pack: Callable) -> Iterator:
        remote = ray.remote(max_retries=1, retry_exceptions=False)(_document)
        ref = ray.put(settings)
        shared = [ref.hex(), ref]
        cpus = max(ray.cluster_resources().get("CPU", 1), 1)
        limit = self.options.in_flight or max(int(PER_CPU * cpus), 2)
        # a task waits behind at most limit/cpus others of at most the time limit each, and may
        # start a fresh worker
        overdue = self.options.hung_after_s or (
            (math.ceil(limit / cpus) + 1) * (settings.limits.file_timeout_s + GRACE_S) + WORKER_START_S)
        inflight: dict = {}                     # ObjectRef → (Task, when submitted)
        ready: dict[int, object] = {}           # seq → packed result, waiting for an earlier one
        source, next_seq, exhausted = iter(tasks), 0, False
        while True:
            while not exhausted and len(inflight) + len(ready) < limit:
                task = next(source, None)
                if task is None:
                    exhausted = True
                    break
                sent = task.ready if task.ready is not None else self._prepare(task, settings, pack)
                if isinstance(sent, Task):
                    inflight[remote.remote(sent, shared, pack, self.work)] = (sent, time.monotonic())
                else:                           # a row made without a read, or the driver could not read it
                    ready[task.seq] = sent
            while next_seq in ready:
                yield ready.pop(next_seq)
                next_seq += 1
            if not inflight:
                if exhausted:
                    return
                continue
            self._collect(ray, inflight, ready, pack, overdue, settings)

    def _prepare(self, task: Task, settings: Settings, pack: Callable):
        """The task as sent: with the file's bytes unless the file system is shared."""
        if self.options.shared_fs:
            return task
        follow, limits = settings.follow_symlinks, settings.limits
        try:
            if task.size > limits.max_file_bytes:    # never read whole: hashed here in blocks
                return replace(task, sha256=task.sha256 or hash_file(task.path, follow, limits.file_timeout_s))
            data = read_file(task.path, follow)
        except OSError as exc:
            return pack(error_result(task.path, files.reason(exc), task.size))
        return replace(task, size=len(data), data=data)

    def _collect(self, ray, inflight: dict, ready: dict, pack: Callable, overdue: float,
                 settings: Settings) -> None:
        done, _ = ray.wait(list(inflight), num_returns=1, timeout=1.0)
        if done:                                 # and whatever else finished meanwhile
            done, _ = ray.wait(list(inflight), num_returns=len(inflight), timeout=0)
        for ref in done:
            task, _ = inflight.pop(ref)
            ready[task.seq] = self._outcome(ray, ref, task, pack, settings)
        now = time.monotonic()
        for ref, (task, sent) in inflight.items():
            if now - sent > overdue:
                ray.cancel(ref, force=True)      # kills the worker; a later wait returns the ref
                inflight[ref] = (task, math.inf)  # cancelled once

    @staticmethod
    def _outcome(ray, ref, task: Task, pack: Callable, settings: Settings):
        try:
            return ray.get(ref)
        except ray.exceptions.WorkerCrashedError:
            reason = CRASHED_TWICE
        except ray.exceptions.TaskCancelledError:
            limit = settings.limits.file_timeout_s
            reason = f"took longer than the per-file time limit ({limit:.0f} s); stopped"
        except ray.exceptions.RayError as exc:   # a node lost for good, an object lost: one line
            reason = f"Ray could not run the task: {str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__}"
        if task.data is not None and task.sha256 is None:
            task = replace(task, sha256=hashlib.sha256(task.data).hexdigest())
        return pack(_unprocessed(replace(task, data=None), reason, settings))


def connect(ray, options: RayOptions) -> bool:
    """Join the cluster at options.address, or start a local runtime; True when this call started
    something the caller must shut down (nothing when this process is already connected)."""
    if ray.is_initialized():
        return False
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    kwargs = dict(include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    if options.address:
        ray.init(address=options.address, **kwargs)
    else:                                      # "local": a new runtime even if a cluster runs here
        ray.init(address="local", num_cpus=options.local_cpus, **kwargs)
    return True
