"""The interactive review queue, driven through a real pseudo-terminal at 80×24."""
from __future__ import annotations

import json
import os
import re

import pexpect
import pytest

from tests.builders import make_docx, make_txt
from tests.test_cli_batch import GONGKAI, run
from tests.test_cli_batch import REQUEST

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@pytest.fixture
def work(tmp_path):
    box = tmp_path / "inbox"
    box.mkdir()
    make_docx(box / "secret.docx", ["关于民兵应急分队编组的通知", "现将编组方案印发给你们。"], header="机密★5年")
    make_txt(box / "request.txt", REQUEST, "utf-8")
    db = tmp_path / "work.sqlite"
    run("classify", str(box), "--db", str(db), "--batch", "b1", "--workers", "1")
    ids = {os.path.basename(r["path"]): r["id"] for r in
           (json.loads(line) for line in run("export", "--db", str(db)).stdout.splitlines())}
    return db, ids


def spawn(db, reviewer: str) -> pexpect.spawn:
    env = {**os.environ, "TERM": "xterm", "LANG": "C.UTF-8"}
    return pexpect.spawn(GONGKAI, ["review", "--db", str(db), "--batch", "b1", "--reviewer", reviewer],
                         encoding="utf-8", dimensions=(24, 80), env=env, timeout=30)


def screen(child: pexpect.spawn) -> str:
    return ANSI.sub("", child.before)


def history(db, item_id) -> list[str]:
    return [r["action"] for r in json.loads(run("review", "history", str(item_id), "--db", str(db), "--json").stdout)]


def test_accept_undo_override_with_ground_and_quit(work):
    db, ids = work
    child = spawn(db, "王敏")
    child.expect("q退出")
    first = screen(child)
    assert "机密★5年" in first and "0 / 2 decided" in first  # riskiest first, progress visible
    assert all(len(line) <= 80 for line in first.splitlines())
    child.send("a")                        # accept the proposal: 不予公开 asks for the ground
    child.expect("编号或直接输入依据")
    child.sendline("1")                    # 属于国家秘密
    child.expect("理由")
    child.sendline("涉密文件")
    child.expect("q退出")
    assert "decided" in screen(child) and "1 / 2 decided" in screen(child)
    child.send("u")                        # undo: the secret document comes back
    child.expect("q退出")
    assert "已撤销" in screen(child) and "机密★5年" in screen(child)
    child.send("3")                        # override with a ground of our choosing
    child.expect("编号或直接输入依据")
    child.sendline("1")
    child.expect("理由")
    child.sendline("定密文件，不得公开")
    child.expect("q退出")
    assert "decided" in screen(child)
    child.send("q")
    child.expect(pexpect.EOF)
    assert history(db, ids["secret.docx"]) == ["decide", "undo", "decide"]
    row = json.loads(run("review", "history", str(ids["secret.docx"]), "--db", str(db), "--json").stdout)[-1]
    assert (row["to_attribute"], row["ground"], row["reason"]) == ("non_disclosure", "state_secret", "定密文件，不得公开")


def test_document_open_in_one_session_is_refused_to_another_reviewer(work):
    db, ids = work
    child = spawn(db, "王敏")
    child.expect("q退出")
    proc = run("review", "decide", str(ids["secret.docx"]), "--db", str(db), "--attribute", "non_disclosure",
               "--ground", "state_secret", "--reason", "涉密", "--reviewer", "李华", check=False)
    assert proc.returncode == 1 and "open in 王敏's review session" in proc.stderr
    other = spawn(db, "李华")              # a second interactive session skips the held document
    other.expect("q退出")
    assert "机密★5年" not in screen(other)
    other.send("q")
    other.expect(pexpect.EOF)
    child.send("q")
    child.expect(pexpect.EOF)
    assert history(db, ids["secret.docx"]) == []
