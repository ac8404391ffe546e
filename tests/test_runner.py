"""The worker pool: a parser that hangs is killed and recorded, and the batch goes on."""
from __future__ import annotations

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


def test_a_hanging_parser_is_killed_recorded_and_the_batch_goes_on(tmp_path):
    names = ["a.txt", "hang.txt", "b.txt", "c.txt"]
    for n in names:
        (tmp_path / n).write_text(f"关于{n}的通知\n各单位：\n请按要求办理。\n某某局\n2026年1月5日", encoding="utf-8")
    settings = replace(Settings(), limits=Limits(file_timeout_s=1.0))
    tasks = iter(Task(i, str(tmp_path / n), f"{i:064x}", 10) for i, n in enumerate(names))
    import gongkai.pipeline.runner as runner

    old_grace, runner.GRACE_S = runner.GRACE_S, 0.5
    try:
        results = list(Pool(2, settings, work=hang_on_marked).run(tasks))
    finally:
        runner.GRACE_S = old_grace
    assert [Path(r.path).name for r in results] == names            # discovery order, nothing lost
    hung = results[1]
    assert hung.parsed.status == "error"
    assert "took longer than the per-file time limit (1 s)" in hung.parsed.error
    assert hung.proposal.needs_review
    assert all(r.parsed.status == "ok" for i, r in enumerate(results) if i != 1)
