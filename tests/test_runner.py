"""The worker pool: a parser that hangs is killed and recorded, and the batch goes on."""
from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path

from gongkai.config import Limits
from gongkai.pipeline.process import Settings
from gongkai.pipeline.runner import Pool, Task, run_task


def hang_on_marked(task: Task, res):
    """Parses like the real worker, except that a file named *hang* never returns (like a stuck C parser)."""
    if "hang" in Path(task.path).name:
        while True:
            time.sleep(1)
    return run_task(task, res)


NAMES = ["a.txt", "hang.txt", "b.txt", "c.txt"]


def run_with_a_hang(folder: Path, workers: int) -> list:
    """NAMES through a real Pool with a 1 s limit (and a short grace), in discovery order."""
    for n in NAMES:
        (folder / n).write_text(f"关于{n}的通知\n各单位：\n请按要求办理。\n某某局\n2026年1月5日", encoding="utf-8")
    settings = replace(Settings(), limits=Limits(file_timeout_s=1.0))
    tasks = iter(Task(i, str(folder / n), f"{i:064x}", 10) for i, n in enumerate(NAMES))
    import gongkai.pipeline.runner as runner

    old_grace, runner.GRACE_S = runner.GRACE_S, 0.5
    try:
        return list(Pool(workers, settings, work=hang_on_marked).run(tasks))
    finally:
        runner.GRACE_S = old_grace


def test_a_hanging_parser_is_killed_recorded_and_the_batch_goes_on(tmp_path):
    results = run_with_a_hang(tmp_path, workers=2)
    assert [Path(r.path).name for r in results] == NAMES            # discovery order, nothing lost
    hung = results[1]
    assert hung.parsed.status == "error"
    assert "took longer than the per-file time limit (1 s)" in hung.parsed.error
    assert hung.proposal.needs_review
    assert all(r.parsed.status == "ok" for i, r in enumerate(results) if i != 1)


def test_the_task_a_killed_worker_was_holding_next_is_run_by_its_replacement(tmp_path):
    # One worker holds two tasks (the running one and the next, runner.PREFETCH): when it is killed
    # on the hung file, the file it held next must still be processed, not lost or marked failed.
    results = run_with_a_hang(tmp_path, workers=1)
    assert [Path(r.path).name for r in results] == NAMES
    assert [r.parsed.status for r in results] == ["ok", "error", "ok", "ok"]
    assert "per-file time limit" in results[1].parsed.error


class DiesOnArrival:
    """Unpickled in the new worker process, it ends that process at once (as a broken install would)."""

    def __reduce__(self):
        return (os._exit, (3,))


def test_a_worker_that_dies_while_starting_stops_the_run_with_a_clear_error(tmp_path):
    import pytest

    from gongkai.pipeline.runner import WorkerError

    (tmp_path / "a.txt").write_text("关于a的通知", encoding="utf-8")
    tasks = iter([Task(0, str(tmp_path / "a.txt"), "0" * 64, 10)])
    with pytest.raises(WorkerError, match=r"died while starting \(exit code 3\)"):
        list(Pool(1, Settings(), work=DiesOnArrival()).run(tasks))
