"""`gongkai classify` and `export` as a user runs them: real processes, real files."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.builders import make_docx, make_pdf, make_txt

pytestmark = pytest.mark.slow   # the CLI as subprocesses (make test-fast leaves these out)

GONGKAI = str(Path(sys.executable).parent / "gongkai")
NOTICE = ("临江市人民政府办公室\n临政办发〔2026〕12号\n关于做好冬季森林防火工作的通知\n各县（区）人民政府，市政府各部门：\n"
          "为切实做好今冬明春森林防火工作，现就有关事项通知如下。一、落实责任。二、加强巡查。\n"
          "临江市人民政府办公室\n2026年11月2日\n（此件公开发布）")
REQUEST = ("临江市财政局\n临财〔2026〕33号  签发人：陈立\n关于调整部门预算的请示\n市人民政府：\n"
           "因项目变化，拟调整部分预算科目，具体方案仍在研究。妥否，请批示。\n临江市财政局\n2026年10月9日")


def run(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "250"}  # wide enough that rich does not fold paths in tables
    proc = subprocess.run([GONGKAI, *args], capture_output=True, text=True, timeout=300, env=env)
    if check and proc.returncode != 0:
        raise AssertionError(f"gongkai {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture
def inbox(tmp_path) -> Path:
    box = tmp_path / "inbox"
    (box / "sub").mkdir(parents=True)
    make_txt(box / "notice_utf8.txt", NOTICE, "utf-8")
    make_txt(box / "sub" / "request_gb.txt", REQUEST, "gb18030")
    make_docx(box / "secret.docx", ["关于民兵应急分队编组的通知", "各县（区）人民武装部：", "现将编组方案印发给你们。"],
              header="机密★5年")
    make_pdf(box / "notice.pdf", [NOTICE.replace("12号", "13号")])
    (box / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog")
    (box / "old.wpd").write_bytes(b"\xffWPC not a supported format")
    (box / ".hidden.txt").write_text("隐藏文件不应处理", encoding="utf-8")
    return box


def export(db: Path) -> list[dict]:
    return [json.loads(line) for line in run("export", "--db", str(db), "--format", "jsonl").stdout.splitlines()]


def test_classify_reads_every_format_reports_problems_and_exports_the_contract(inbox, tmp_path):
    db = tmp_path / "work.sqlite"
    proc = run("classify", str(inbox), "--db", str(db), "--batch", "2026-11", "--workers", "2")
    assert "files found" in proc.stdout and "needs review" in proc.stdout
    assert "broken.pdf" in proc.stdout  # the problems table names the file
    records = {Path(r["path"]).name: r for r in export(db)}
    assert set(records) == {"notice_utf8.txt", "request_gb.txt", "secret.docx", "notice.pdf", "broken.pdf", "old.wpd"}
    assert records["request_gb.txt"]["encoding"] == "gb18030"
    assert records["notice.pdf"]["pages"] == 1
    assert records["notice_utf8.txt"]["doc_number"] == "临政办发〔2026〕12号"
    assert records["notice_utf8.txt"]["date"] == "2026-11-02"
    assert records["notice_utf8.txt"]["declared_attribute"] == "proactive"
    assert records["secret.docx"]["secrecy"] == "机密★5年"
    assert records["secret.docx"]["proposed_attribute"] == "non_disclosure"
    assert any(h["kind"] == "secrecy_mark" for h in records["secret.docx"]["hits"])
    for name in ("broken.pdf", "old.wpd"):
        assert records[name]["status"] == "error" and records[name]["error"]
        assert records[name]["needs_review"] is True
    assert "unsupported" in records["old.wpd"]["error"]
    for rec in records.values():
        for key in ("id", "sha256", "batch", "format", "chars", "confidence", "review_reasons", "final_attribute"):
            assert key in rec
        for h in rec["hits"]:
            assert set(h) >= {"kind", "rule_id", "text", "start", "end", "ground"}


def test_stored_hit_offsets_index_the_stored_text(inbox, tmp_path):
    db = tmp_path / "work.sqlite"
    run("classify", str(inbox), "--db", str(db), "--batch", "b", "--workers", "1")
    conn = sqlite3.connect(db)
    rows = conn.execute('SELECT h.text, h.start, h."end", i.text FROM hits h JOIN items i ON i.id = h.item_id').fetchall()
    assert rows
    for hit_text, start, end, text in rows:
        assert text[start:end] == hit_text


def test_rerun_adds_nothing_twice(inbox, tmp_path):
    db = tmp_path / "work.sqlite"
    run("classify", str(inbox), "--db", str(db), "--batch", "b", "--workers", "1")
    first = export(db)
    proc = run("classify", str(inbox), "--db", str(db), "--batch", "b", "--workers", "1")
    assert export(db) == first
    assert "already in batch (skipped) │ 6" in proc.stdout or "skipped" in proc.stdout


def test_same_bytes_under_two_names_are_one_item(inbox, tmp_path):
    (inbox / "copy_of_notice.txt").write_bytes((inbox / "notice_utf8.txt").read_bytes())
    db = tmp_path / "work.sqlite"
    run("classify", str(inbox), "--db", str(db), "--batch", "b", "--workers", "1")
    assert len(export(db)) == 6


def test_a_bad_negative_list_is_refused_before_any_document(inbox, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[entry]]\nid = "X-1"\nphrases = ["请示"\n', encoding="utf-8")
    db = tmp_path / "work.sqlite"
    proc = run("classify", str(inbox), "--db", str(db), "--batch", "b", "--negative-list", str(bad), check=False)
    assert proc.returncode != 0
    assert "bad.toml" in proc.stderr and "Traceback" not in proc.stderr
    assert not db.exists() or not sqlite3.connect(db).execute(
        "SELECT name FROM sqlite_master WHERE name='items'").fetchone() or \
        sqlite3.connect(db).execute("SELECT COUNT(*) FROM items").fetchone()[0] == 0


def test_missing_input_is_one_line_error(tmp_path):
    proc = run("classify", str(tmp_path / "nope"), "--db", str(tmp_path / "w.sqlite"), "--batch", "b", check=False)
    assert proc.returncode != 0
    assert proc.stderr.strip().startswith("error:") and "nope" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def _many(tmp_path: Path, n: int) -> Path:
    box = tmp_path / "many"
    box.mkdir()
    for i in range(n):
        make_txt(box / f"d{i:04d}.txt", NOTICE.replace("12号", f"{i + 100}号") + f"\n第{i}份" + "附件说明。" * 40, "utf-8")
    return box


def test_killed_run_resumes_without_duplicates_or_half_rows(tmp_path):
    box = _many(tmp_path, 400)
    db = tmp_path / "work.sqlite"
    proc = subprocess.Popen([GONGKAI, "classify", str(box), "--db", str(db), "--batch", "b", "--workers", "1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    written = 0
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
        try:
            written = sqlite3.connect(db, timeout=1).execute("SELECT COUNT(*) FROM items").fetchone()[0]
        except sqlite3.Error:
            continue
        if written:
            break
    assert proc.poll() is None, "the run finished before it could be killed; make the batch larger"
    os.killpg(proc.pid, signal.SIGKILL)  # the whole process group: parent and workers
    proc.wait()
    partial = sqlite3.connect(db).execute("SELECT COUNT(*) FROM items").fetchone()[0]
    assert 0 < partial < 400
    run("classify", str(box), "--db", str(db), "--batch", "b", "--workers", "1")
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT COUNT(*), COUNT(DISTINCT sha256) FROM items").fetchone() == (400, 400)
    # every item has its full set of hits, the same as an uninterrupted run
    fresh = tmp_path / "fresh.sqlite"
    run("classify", str(box), "--db", str(fresh), "--batch", "b", "--workers", "1")
    q = "SELECT i.sha256, COUNT(h.id) FROM items i LEFT JOIN hits h ON h.item_id = i.id GROUP BY i.sha256"
    assert dict(conn.execute(q).fetchall()) == dict(sqlite3.connect(fresh).execute(q).fetchall())
