"""`classify --engine ray`: the same records as the local pool, a killed driver resumes, a killed task retries.

One local Ray runtime (2 CPUs) serves the whole module: starting Ray is the slow part. The
in-process runs use it directly; the `gongkai` commands join it with --address.
"""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gongkai.pipeline.batch import classify_batch
from gongkai.pipeline.process import Settings
from gongkai.pipeline.runner import run_task
from tests.builders import make_txt
from tests.test_cli_batch import GONGKAI, NOTICE, _many
from tests.test_equivalence_pipeline import DOCS, _exported, built_batch, model_dir  # noqa: F401 (fixtures)

ray = pytest.importorskip("ray", reason="Ray is an optional extra: make install-ray")
from gongkai.pipeline.engine_ray import CRASHED_TWICE, RayEngine, RayOptions  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster() -> str:
    """A local Ray runtime for the module; its address, for commands that join it."""
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False,
             object_store_memory=200 * 2**20)
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])   # the crashing `work` below
    yield ray.get_runtime_context().gcs_address
    ray.shutdown()


def test_ray_and_the_local_pool_write_the_same_records(built_batch, model_dir, cluster, tmp_path):  # noqa: F811
    settings = Settings(model_path=str(model_dir))
    runs = {"pool": None, "ray-bytes": RayEngine(RayOptions()), "ray-paths": RayEngine(RayOptions(shared_fs=True)),
            "ray-backpressure": RayEngine(RayOptions(in_flight=2))}
    for name, engine in runs.items():
        summary = classify_batch([str(built_batch)], tmp_path / f"{name}.sqlite", "bench", settings,
                                 workers=1, engine=engine)
        assert summary.processed == DOCS, name
    pool = _exported(tmp_path / "pool.sqlite")
    assert {r["format"] for r in pool} == {"pdf", "docx", "txt"} and all(r["status"] == "ok" for r in pool)
    for name in runs:
        assert _exported(tmp_path / f"{name}.sqlite") == pool, name


def _inbox(tmp_path: Path, plain: int, marked: dict[str, str]) -> Path:
    """`plain` distinct notices d0.txt…, and one notice per name in `marked` ending with its marker line."""
    box = tmp_path / "box"
    for i in range(plain):
        make_txt(box / f"d{i}.txt", NOTICE.replace("12号", f"{i + 20}号"), "utf-8")
    for k, (name, marker) in enumerate(marked.items()):
        make_txt(box / name, NOTICE.replace("12号", f"{k + 60}号") + "\n" + marker, "utf-8")
    return box


def _bytes(task) -> bytes:
    return task.data if task.data is not None else Path(task.path).read_bytes()


def crash_on_marked(task, res):
    """run_task, except that a document saying CRASH kills its worker process every time, and one
    saying CRASH-ONCE the first time only (a flag file beside it remembers)."""
    data = _bytes(task)
    flag = Path(task.path + ".crashed")
    if b"CRASH-ALWAYS" in data or (b"CRASH-ONCE" in data and not flag.exists()):
        flag.touch()
        os._exit(1)
    return run_task(task, res)


def test_a_killed_task_is_retried_and_a_document_that_kills_twice_is_an_error(cluster, tmp_path):
    box = _inbox(tmp_path, 6, {"once.txt": "CRASH-ONCE", "always.txt": "CRASH-ALWAYS"})
    db = tmp_path / "w.sqlite"
    summary = classify_batch([str(box)], db, "b", Settings(), engine=RayEngine(RayOptions(), work=crash_on_marked))
    assert summary.processed == 8
    rows = {Path(p).name: (status, error, review) for p, status, error, review in sqlite3.connect(db).execute(
        "SELECT path, status, error, needs_review FROM items")}
    assert rows["once.txt"][0] == "ok"                          # its worker died once: run again, fine
    assert rows["always.txt"] == ("error", CRASHED_TWICE, 1)    # died twice: recorded, sent to review
    assert all(rows[f"d{i}.txt"][0] == "ok" for i in range(6))
    assert summary.problems == [(str(box / "always.txt"), "error", CRASHED_TWICE)]


def test_a_killed_driver_resumes_without_duplicates_or_half_rows(cluster, tmp_path):
    box = _many(tmp_path, 300)
    db = tmp_path / "work.sqlite"
    cmd = [GONGKAI, "classify", str(box), "--db", str(db), "--batch", "b", "--engine", "ray", "--address", cluster]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline, written = time.monotonic() + 180, 0
    while time.monotonic() < deadline and proc.poll() is None and not written:
        time.sleep(0.05)
        try:
            written = sqlite3.connect(db, timeout=1).execute("SELECT COUNT(*) FROM items").fetchone()[0]
        except sqlite3.Error:
            continue
    assert proc.poll() is None, "the run finished before it could be killed; make the batch larger"
    os.killpg(proc.pid, signal.SIGKILL)        # the driver; the cluster's workers go on (and are dropped)
    proc.wait()
    partial = sqlite3.connect(db).execute("SELECT COUNT(*) FROM items").fetchone()[0]
    assert 0 < partial < 300
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT COUNT(*), COUNT(DISTINCT sha256) FROM items").fetchone() == (300, 300)
    fresh = tmp_path / "fresh.sqlite"
    classify_batch([str(box)], fresh, "b", Settings(), workers=0)
    q = "SELECT i.sha256, i.proposed_attribute, COUNT(h.id) FROM items i LEFT JOIN hits h ON h.item_id = i.id " \
        "GROUP BY i.sha256"
    assert sorted(conn.execute(q).fetchall()) == sorted(sqlite3.connect(fresh).execute(q).fetchall())


def hang_on_marked(task, res):
    """run_task, except that a document saying HANG never finishes (a parser stuck in C)."""
    if b"HANG" in _bytes(task):
        time.sleep(600)
    return run_task(task, res)


def test_a_hung_task_is_cancelled_recorded_and_the_batch_goes_on(cluster, tmp_path):
    from gongkai.config import Limits

    box = _inbox(tmp_path, 4, {"stuck.txt": "HANG"})
    settings = Settings(limits=Limits(file_timeout_s=1.0))
    db = tmp_path / "w.sqlite"
    # hung after 30 s: far beyond what the others take, fresh workers loading the model included
    engine = RayEngine(RayOptions(in_flight=2, hung_after_s=30), work=hang_on_marked)
    summary = classify_batch([str(box)], db, "b", settings, engine=engine)
    rows = dict(sqlite3.connect(db).execute("SELECT path, status || ': ' || coalesce(error, '') FROM items"))
    assert summary.processed == 5
    assert rows.pop(str(box / "stuck.txt")) == "error: took longer than the per-file time limit (1 s); stopped"
    assert set(rows.values()) == {"ok: "}
