"""The worker pool: a parser that hangs is killed and recorded, and the batch goes on."""
from __future__ import annotations

import hashlib
import os
import time
from dataclasses import replace
from pathlib import Path

import pytest

from gongkai.config import Limits
from gongkai.pipeline.process import Settings
from gongkai.pipeline.runner import Pool, Task, WorkerError, run_task


def hang_on_marked(task: Task, res):
    """Parses like the real worker, except that a file named *hang* never returns (like a stuck C parser)."""
    if "hang" in Path(task.path).name:
        while True:
            time.sleep(1)
    return run_task(task, res)


NAMES = ["a.txt", "hang.txt", "b.txt", "c.txt"]


def run_with_a_hang(folder: Path, workers: int, names: list[str] = NAMES, work=hang_on_marked) -> list:
    """`names` through a real Pool with a 1 s limit (and a short grace), in discovery order."""
    for n in names:
        (folder / n).write_text(f"关于{n}的通知\n各单位：\n请按要求办理。\n某某局\n2026年1月5日", encoding="utf-8")
    settings = replace(Settings(), limits=Limits(file_timeout_s=1.0))
    tasks = iter(Task(i, str(folder / n), f"{i:064x}", 10) for i, n in enumerate(names))
    import gongkai.pipeline.runner as runner

    old_grace, runner.GRACE_S = runner.GRACE_S, 0.5
    try:
        return list(Pool(workers, settings, work=work).run(tasks))
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


def log_then_hang_on_marked(task: Task, res):
    """hang_on_marked, after noting (time, file name) in order.log beside the file."""
    with open(Path(task.path).parent / "order.log", "a", encoding="utf-8") as fh:
        fh.write(f"{time.monotonic()} {Path(task.path).name}\n")
    return hang_on_marked(task, res)


def test_files_after_a_hung_one_do_not_pile_up_waiting_for_it(tmp_path, monkeypatch):
    # Results are written in discovery order, so while the first file hangs, the others' results
    # wait in the parent. Only MAX_WAITING of them may wait: the memory must not grow with the batch.
    import gongkai.pipeline.runner as runner

    monkeypatch.setattr(runner, "MAX_WAITING", 6)
    names = ["hang.txt"] + [f"q{i:02d}.txt" for i in range(40)]
    results = run_with_a_hang(tmp_path, 2, names, work=log_then_hang_on_marked)
    assert [Path(r.path).name for r in results] == names
    assert [r.parsed.status for r in results] == ["error"] + ["ok"] * 40
    log = [line.split() for line in (tmp_path / "order.log").read_text(encoding="utf-8").splitlines()]
    hung_at = next(float(t) for t, name in log if name == "hang.txt")
    # the hung file is killed 1.5 s after it started; the 40 small ones need far less than that
    while_hung = [name for t, name in log if name != "hang.txt" and float(t) < hung_at + 1.0]
    assert len(while_hung) <= 6 + runner.PREFETCH


class DiesOnArrival:
    """Unpickled in the new worker process, it ends that process at once (as a broken install would)."""

    def __reduce__(self):
        return (os._exit, (3,))


def test_a_worker_that_dies_while_starting_stops_the_run_with_a_clear_error(tmp_path):

    (tmp_path / "a.txt").write_text("关于a的通知", encoding="utf-8")
    tasks = iter([Task(0, str(tmp_path / "a.txt"), "0" * 64, 10)])
    with pytest.raises(WorkerError, match=r"died while starting \(exit code 3\)"):
        list(Pool(1, Settings(), work=DiesOnArrival()).run(tasks))


def test_an_item_is_keyed_by_the_hash_of_the_bytes_the_worker_read(tmp_path):
    from gongkai.pipeline.process import load_resources

    path = tmp_path / "a.txt"
    path.write_text("关于a的通知\n各单位：\n请按要求办理。", encoding="utf-8")
    res = load_resources(Settings(), with_model=False)
    result = run_task(Task(0, str(path), None, path.stat().st_size), res)
    assert result.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    # the file changed after the parent hashed it: the item describes what was parsed
    stale = run_task(Task(0, str(path), "0" * 64, path.stat().st_size), res)
    assert stale.sha256 == result.sha256


def test_a_file_gone_before_the_worker_reads_it_is_a_row_for_review(tmp_path, monkeypatch):
    import gongkai.pipeline.runner as runner
    from gongkai.pipeline import store
    from gongkai.pipeline.ingest import files
    from gongkai.pipeline.batch import classify_batch

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for n in ("a.txt", "gone.txt", "b.txt"):
        (inbox / n).write_text(f"关于{n}的通知\n各单位：\n请按要求办理。", encoding="utf-8")
    real = runner.run_task

    def vanish_then_run(task, res):       # deleted between planning and reading (e.g. moved by a clerk)
        if task.path.endswith("gone.txt"):
            os.remove(task.path)
        return real(task, res)

    monkeypatch.setattr(runner, "run_task", vanish_then_run)
    summary = classify_batch([str(inbox)], tmp_path / "w.sqlite", "b", Settings(), workers=0)
    assert summary.found == 3 and summary.processed == 3
    assert [(Path(p).name, status) for p, status, _ in summary.problems] == [("gone.txt", "error")]
    assert "cannot read: No such file" in summary.problems[0][2]
    stored = store.connect(tmp_path / "w.sqlite").execute(
        "SELECT path, sha256, error, needs_review FROM items WHERE status = 'error'").fetchall()
    assert [(Path(p).name, sha, err, review) for p, sha, err, review in stored] == [
        ("gone.txt", files.path_identity(str(inbox / "gone.txt")), "cannot read: No such file or directory", 1)]
