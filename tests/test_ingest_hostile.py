"""Only documents go in, every file gets a row, and one file cannot exhaust memory (issue 12, points
3 and 4): real `gongkai classify` processes on real files, links, FIFOs, sockets and devices."""
from __future__ import annotations

import csv
import ctypes
import io
import json
import os
import random
import socket
import sqlite3
from pathlib import Path

import pytest

from tests.builders import make_docx, make_overlapping_pieces_doc, make_self_drawing_pdf, make_txt
from tests.test_cli_batch import NOTICE, REQUEST, export, run

PR_CAPBSET_DROP, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 24, 1, 2


def by_name(db: Path) -> dict[str, dict]:
    return {Path(r["path"]).name: r for r in export(db)}


def test_links_fifos_sockets_and_devices_get_an_error_row_and_are_never_read(tmp_path):
    box = tmp_path / "inbox"
    make_txt(box / "notice.txt", NOTICE, "utf-8")
    os.symlink("/dev/zero", box / "zero.txt")              # today: read forever
    os.symlink(box / "notice.txt", box / "link.txt")
    os.mkfifo(box / "pipe.txt")                            # today: open() blocks forever
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(box / "sock.txt"))
    os.symlink(box, box / "loop")                          # a folder link back up the tree
    db = tmp_path / "w.sqlite"
    proc = run("classify", str(box), "--db", str(db), "--batch", "b", "--workers", "1")
    rows = by_name(db)
    assert set(rows) == {"notice.txt", "zero.txt", "link.txt", "pipe.txt", "sock.txt", "loop"}
    for name in ("zero.txt", "link.txt", "loop"):
        assert rows[name]["status"] == "error" and rows[name]["error"].startswith("symbolic link")
    assert rows["pipe.txt"]["error"] == "not a regular file (FIFO (named pipe)); not read"
    assert rows["sock.txt"]["error"] == "not a regular file (socket); not read"
    assert all(r["needs_review"] for n, r in rows.items() if n != "notice.txt")
    assert "pipe.txt" in proc.stdout

    followed = tmp_path / "f.sqlite"
    run("classify", str(box), "--db", str(followed), "--batch", "b", "--workers", "1", "--follow-symlinks")
    rows = by_name(followed)
    assert rows["zero.txt"]["error"] == "not a regular file (character device); not read"
    notices = [r for r in rows.values() if r["status"] == "ok"]   # the notice's bytes: one item, both paths
    assert len(notices) == 1 and sorted(Path(p).name for p in notices[0]["paths"]) == ["link.txt", "notice.txt"]
    assert "loop" not in rows                              # walked once, not forever
    sock.close()


def _without_dac_override():
    """Run as root without the capabilities that let root read any file: a mode-000 file is then
    unreadable as it is for any clerk. Skips where the capability cannot be dropped."""
    if os.geteuid() != 0:
        return None
    libc = ctypes.CDLL(None, use_errno=True)

    def drop() -> None:
        for cap in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
            if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
                raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")
    return drop


def test_unreadable_files_and_folders_are_rows_that_block_publish(tmp_path):
    import subprocess

    from tests.test_cli_batch import GONGKAI

    box = tmp_path / "inbox"
    make_txt(box / "notice.txt", NOTICE, "utf-8")
    make_txt(box / "locked.txt", REQUEST, "utf-8")
    make_txt(box / "closed" / "inside.txt", REQUEST, "utf-8")
    (box / "locked.txt").chmod(0)
    (box / "closed").chmod(0)
    db = tmp_path / "w.sqlite"
    try:
        proc = subprocess.run([GONGKAI, "classify", str(box), "--db", str(db), "--batch", "b", "--workers", "1"],
                              capture_output=True, text=True, timeout=300, preexec_fn=_without_dac_override(),
                              env={**os.environ, "COLUMNS": "250"})
    finally:
        (box / "locked.txt").chmod(0o644)
        (box / "closed").chmod(0o755)
    if proc.returncode != 0 and "PR_CAPBSET_DROP" in proc.stderr:
        pytest.skip("cannot drop CAP_DAC_OVERRIDE here, so root reads every file")
    assert proc.returncode == 0, proc.stderr
    rows = by_name(db)
    assert rows["locked.txt"]["error"] == "cannot read: Permission denied"
    assert rows["closed"]["error"] == "cannot list folder: Permission denied"
    assert "locked.txt" in proc.stdout and "closed" in proc.stdout
    for name in ("locked.txt", "closed"):
        assert rows[name]["status"] == "error" and rows[name]["needs_review"] is True
    # identified by the path (docs/schema.md), so a rerun adds nothing twice
    assert len({rows["locked.txt"]["sha256"], rows["closed"]["sha256"], rows["notice.txt"]["sha256"]}) == 3
    refused = run("publish", "--db", str(db), "--batch", "b", "--out", str(tmp_path / "pub.sqlite"), check=False)
    assert refused.returncode != 0 and "still need a final review decision" in refused.stderr


def test_a_gbk_file_name_is_stored_losslessly_and_shown_readably(tmp_path):
    box = tmp_path / "inbox"
    make_txt(box / "notice.txt", NOTICE, "utf-8")
    gbk_name = "关于调整部门预算的请示.txt".encode("gbk")              # as unpacked from a Windows zip
    fd = os.open(os.fsencode(box) + b"/" + gbk_name, os.O_WRONLY | os.O_CREAT)
    os.write(fd, REQUEST.encode("utf-8"))
    os.close(fd)
    db = tmp_path / "w.sqlite"
    proc = run("classify", str(box), "--db", str(db), "--batch", "b", "--workers", "1")
    rows = by_name(db)
    assert set(rows) == {"notice.txt", "关于调整部门预算的请示.txt"}   # today: the batch aborts, nothing written
    assert rows["关于调整部门预算的请示.txt"]["status"] == "ok"
    assert "files found" in proc.stdout
    raw = sqlite3.connect(db).execute("SELECT raw_path FROM item_paths").fetchall()
    assert os.fsencode(box.resolve()) + b"/" + gbk_name in {r[0] for r in raw}


def test_a_text_that_is_not_a_document_goes_to_review(tmp_path):
    box = tmp_path / "inbox"
    make_txt(box / "notice.txt", NOTICE, "utf-8")
    make_txt(box / "note.txt", "Meeting note: bring the laptop on Monday, call Bob about the budget. 2026-11-02", "utf-8")
    make_txt(box / "id_rsa.txt", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ"
             "AAAAAAAAABAAAAMwAAAAtzc2gtZWQyNTUxOQAAACBh\n-----END OPENSSH PRIVATE KEY-----\n", "utf-8")
    rng = random.Random(12)
    make_txt(box / "random.txt", "".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(1500)), "utf-8")
    db = tmp_path / "w.sqlite"
    run("classify", str(box), "--db", str(db), "--batch", "b", "--workers", "1")
    rows = by_name(db)
    for name in ("note.txt", "id_rsa.txt", "random.txt"):
        assert "not_a_document" in rows[name]["flags"], name
        assert rows[name]["needs_review"] is True
        assert any("不像公文" in r for r in rows[name]["review_reasons"])
    assert "not_a_document" not in rows["notice.txt"]["flags"]


def test_identical_bytes_are_one_item_with_every_path_exported(tmp_path):
    box = tmp_path / "inbox"
    make_txt(box / "a" / "notice.txt", NOTICE, "utf-8")
    make_txt(box / "b" / "copy of notice.txt", NOTICE, "utf-8")
    db = tmp_path / "w.sqlite"
    run("classify", str(box), "--db", str(db), "--batch", "b", "--workers", "2")
    rows = export(db)
    assert len(rows) == 1
    expected = [str((box / "a" / "notice.txt").resolve()), str((box / "b" / "copy of notice.txt").resolve())]
    assert rows[0]["paths"] == expected
    table = list(csv.DictReader(io.StringIO(run("export", "--db", str(db), "--format", "csv").stdout)))
    assert json.loads(table[0]["paths"]) == expected


def test_a_changed_file_supersedes_its_older_item_which_is_not_published_unless_kept(tmp_path):
    box = tmp_path / "inbox"
    draft = box / "notice.txt"
    make_txt(draft, NOTICE, "utf-8")
    db, out = tmp_path / "w.sqlite", tmp_path / "pub.sqlite"
    run("classify", str(box), "--db", str(db), "--batch", "b", "--workers", "1")
    make_txt(draft, NOTICE.replace("二、加强巡查。", "二、加强巡查。三、严查野外用火。"), "utf-8")
    proc = run("classify", str(box), "--db", str(db), "--batch", "b", "--workers", "1")
    assert "files changed since the last run" in proc.stdout and "notice.txt" in proc.stdout
    old, new = sorted(export(db), key=lambda r: r["id"])
    assert old["superseded_by"] == new["id"] and new["superseded_by"] is None
    for item in (old, new):
        if item["needs_review"]:
            run("review", "decide", str(item["id"]), "--db", str(db), "--attribute", "proactive",
                "--reason", "公开发布", "--reviewer", "王敏")
    run("publish", "--db", str(db), "--batch", "b", "--out", str(out), "--reviewer", "王敏")
    published = sqlite3.connect(out).execute("SELECT sha256 FROM documents").fetchall()
    assert published == [(new["sha256"],)]                 # the older version stays in
    run("batch", "reopen", "b", "--db", str(db), "--reason", "旧版本亦须公开", "--reviewer", "王敏")
    run("review", "keep", str(old["id"]), "--db", str(db), "--reason", "两版均已印发", "--reviewer", "王敏")
    run("publish", "--db", str(db), "--batch", "b", "--out", str(out), "--reviewer", "王敏")
    published = sqlite3.connect(out).execute("SELECT sha256 FROM documents ORDER BY doc_id").fetchall()
    assert published == [(old["sha256"],), (new["sha256"],)]


def test_a_file_that_needs_more_memory_than_the_ceiling_is_an_error_row(tmp_path):
    box = tmp_path / "inbox"
    make_txt(box / "notice.txt", NOTICE, "utf-8")
    make_docx(box / "request.docx", REQUEST.split("\n"))
    # 15,000 overlapping pieces over 208 KB of text: ~3 GB of text from a 390 KB file
    make_overlapping_pieces_doc(box / "pieces.doc", "临江市人民政府办公室关于做好冬季森林防火工作的通知。" * 4000, 15000)
    make_self_drawing_pdf(box / "self_drawing.pdf")         # PDFium aborts at the ceiling: the worker dies
    db = tmp_path / "w.sqlite"
    proc = run("classify", str(box), "--db", str(db), "--batch", "b", "--workers", "1", "--max-memory", "600M")
    rows = by_name(db)
    for name in ("pieces.doc", "self_drawing.pdf"):
        assert rows[name]["status"] == "error"
        assert rows[name]["error"].startswith("too much memory: the file needed more than the 600 MB"), name
    assert rows["notice.txt"]["status"] == rows["request.docx"]["status"] == "ok"   # the batch went on
    assert "pieces.doc" in proc.stdout


def test_a_max_memory_below_what_the_model_needs_is_refused(tmp_path):
    proc = run("classify", str(tmp_path), "--db", str(tmp_path / "w.sqlite"), "--batch", "b",
               "--max-memory", "100M", check=False)
    assert proc.returncode != 0 and "below the 256 MB" in proc.stderr


def test_a_negative_list_regex_that_can_backtrack_forever_is_refused(tmp_path):
    bad = tmp_path / "list.toml"
    bad.write_text('[[entry]]\nid = "X-1"\nitem = "测试"\nsituation = "测试"\nground = "条例第十四条"\n'
                   'reason_code = "state_secret"\nseverity = "high"\nsource = "测试"\n'
                   'regex = ["(?:内部\\\\s*\\\\S+)*资料"]\n', encoding="utf-8")
    check = run("negative-list", "check", str(bad), check=False)
    assert check.returncode != 0 and "catastrophic backtracking" in check.stdout
    make_txt(tmp_path / "in" / "notice.txt", NOTICE, "utf-8")
    refused = run("classify", str(tmp_path / "in"), "--db", str(tmp_path / "w.sqlite"), "--batch", "b",
                  "--negative-list", str(bad), check=False)
    assert refused.returncode != 0 and "catastrophic backtracking" in refused.stderr
