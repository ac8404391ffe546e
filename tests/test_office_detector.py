"""An office's own detector, registered from outside the package, runs in the workers and is routed safely."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.slow

DETECTOR = textwrap.dedent('''
    from gongkai.records import Hit

    def make(config):
        def detect(doc):
            at = doc.text.find("涉企检查计划")
            if at < 0:
                return []
            return [Hit(kind="office_watch", rule_id="OFFICE-01", text="涉企检查计划", start=at, end=at + 6,
                        ground="本局负面清单补充规定", severity="medium", explanation="本局关注事项")]
        return detect
''')
DRAFT = "青江市市场监督管理局\n关于公布2026年涉企检查计划的通知\n各区市场监管局：\n现将涉企检查计划印发给你们，请遵照执行。\n青江市市场监督管理局\n2026年3月1日\n"


def _gongkai(*args, cwd, env):
    return subprocess.run([sys.executable, "-m", "gongkai.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_office_detector_runs_in_workers_and_an_unknown_kind_goes_to_review(tmp_path, workers):
    (tmp_path / "office_detectors.py").write_text(DETECTOR, encoding="utf-8")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "draft.txt").write_text(DRAFT, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    db = tmp_path / "work.sqlite"
    run = _gongkai("classify", str(inbox), "--db", str(db), "--batch", "b", "--workers", workers,
                   "--detector", "office_detectors:make", cwd=tmp_path, env=env)
    assert run.returncode == 0, run.stderr
    out = _gongkai("export", "--db", str(db), "--batch", "b", "--format", "jsonl", cwd=tmp_path, env=env)
    [record] = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    assert any(h["kind"] == "office_watch" and h["rule_id"] == "OFFICE-01" for h in record["hits"])
    assert record["needs_review"]
    assert any("未声明的证据类型 office_watch" in r for r in record["review_reasons"])


def test_a_detector_that_cannot_be_imported_fails_in_one_line(tmp_path):
    run = _gongkai("classify", str(tmp_path), "--db", str(tmp_path / "w.sqlite"), "--batch", "b",
                   "--detector", "no_such_module:make", cwd=tmp_path, env=dict(os.environ))
    assert run.returncode != 0
    assert run.stderr.strip().count("\n") == 0 and "--detector" in run.stderr
