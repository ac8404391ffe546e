"""The interactive review queue, driven through a real pseudo-terminal at 80×24."""
from __future__ import annotations

import json
import os
import re

import pexpect
import pytest

from tests.builders import make_docx, make_txt
from tests.helpers import other_account_argv
from tests.test_cli_batch import GONGKAI, run
from tests.test_cli_batch import REQUEST

pytestmark = pytest.mark.slow   # the CLI as subprocesses (make test-fast leaves these out)

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@pytest.fixture
def work(open_tmp):
    """A batch in a folder a second OS account can reach too (four eyes count accounts)."""
    box = open_tmp / "inbox"
    box.mkdir()
    make_docx(box / "secret.docx", ["关于民兵应急分队编组的通知", "现将编组方案印发给你们。"], header="机密★5年")
    make_txt(box / "request.txt", REQUEST, "utf-8")
    db = open_tmp / "work.sqlite"
    run("classify", str(box), "--db", str(db), "--batch", "b1", "--workers", "1")
    ids = {os.path.basename(r["path"]): r["id"] for r in
           (json.loads(line) for line in run("export", "--db", str(db)).stdout.splitlines())}
    return db, ids


def spawn(db, reviewer: str, other_account: bool = False) -> pexpect.spawn:
    """The queue on a pseudo-terminal; `other_account`: under a second OS account (four eyes count accounts)."""
    env = {**os.environ, "TERM": "xterm", "LANG": "C.UTF-8"}
    args = ["review", "--db", str(db), "--batch", "b1", "--reviewer", reviewer]
    argv = other_account_argv(*args) if other_account else [GONGKAI, *args]
    return pexpect.spawn(argv[0], argv[1:], encoding="utf-8", dimensions=(24, 80), env=env, timeout=30)


def screen(child: pexpect.spawn) -> str:
    return ANSI.sub("", child.before)


def history(db, item_id) -> list[str]:
    return [r["action"] for r in json.loads(run("review", "history", str(item_id), "--db", str(db), "--json").stdout)]


def last_audit(db, item_id) -> dict:
    return json.loads(run("review", "history", str(item_id), "--db", str(db), "--json").stdout)[-1]


def quit_and_summary(child: pexpect.spawn) -> str:
    child.send("q")
    child.expect(pexpect.EOF)
    return ANSI.sub("", child.before)


def test_accept_with_the_proposed_ground_undo_reask_and_session_summary(work):
    db, ids = work
    child = spawn(db, "王敏")
    child.expect("q退出")
    first = screen(child)
    assert "机密★5年" in first and "0 / 2 decided" in first  # riskiest first, progress visible
    assert all(len(line) <= 80 for line in first.splitlines())
    assert "NL-14-04「民兵、武装工作中的保密事项」" in first     # the entry and its 事项 …
    assert "依据 \r\n条例第十四条" in first or "依据 条例第十四条" in first  # … and its ground, wrapped, not cut
    child.send("a")                        # accept the proposal: 不予公开 pre-selects the proposed ground
    child.expect(r"回车=1\. 属于国家秘密")
    child.sendline("")
    child.expect("理由")
    child.sendline("涉密文件")
    child.expect("q退出")
    assert "decided" in screen(child) and "1 / 2 decided" in screen(child)
    assert last_audit(db, ids["secret.docx"])["ground"] == "state_secret"
    child.send("u")                        # undo: the secret document comes back
    child.expect("q退出")
    assert "已撤销" in screen(child) and "机密★5年" in screen(child)
    child.send("3")
    child.expect("编号、代码或条款")
    child.sendline("保密")                 # free text is not a ground the report can count
    child.expect("不接受")
    child.sendline("1")
    child.expect("理由")
    child.sendline("")                     # an empty reason re-asks, the chosen ground is kept
    child.expect("不能为空")
    child.sendline("定密文件，不得公开")
    child.expect("q退出")
    assert "decided" in screen(child)
    summary = quit_and_summary(child)
    assert "1 decided" in summary and "0 skipped" in summary and "per document" in summary
    assert history(db, ids["secret.docx"]) == ["decide", "undo", "decide"]
    row = last_audit(db, ids["secret.docx"])
    assert (row["to_attribute"], row["ground"], row["reason"]) == ("non_disclosure", "state_secret", "定密文件，不得公开")


NOTICE = ("关于举办2026年全市职工运动会的通知\n\n各区人民政府，市政府各部门：\n为丰富职工文化生活，定于2026年11月举办"
          "全市职工运动会。请各单位于10月30日前报名。\n联系人：张伟，电话：13912345678。\n\n某某市人民政府办公室\n2026年10月8日\n")


def test_an_empty_ground_reasks_when_nothing_was_proposed(tmp_path):
    box = tmp_path / "inbox"
    box.mkdir()
    make_txt(box / "notice.txt", NOTICE, "utf-8")   # personal data: review, proposed without a ground
    db = tmp_path / "work.sqlite"
    run("classify", str(box), "--db", str(db), "--batch", "b1", "--workers", "1")
    child = spawn(db, "王敏")
    child.expect("q退出")
    assert "mobile 依据" in screen(child)
    child.send("3")
    child.expect("编号、代码或条款（- 取消）")
    child.sendline("")
    child.expect("依据不能为空")
    child.sendline("1")                    # a menu number is fine at the menu (not as --ground)
    child.expect("理由")
    child.sendline("内部管理信息")
    child.expect("q退出")
    summary = quit_and_summary(child)
    assert "1 decided" in summary
    assert last_audit(db, 1)["ground"] == "state_secret"


@pytest.fixture
def awaiting(work):
    """The secret document decided 依申请公开 by a first reviewer, with a note: it waits for a second."""
    db, ids = work
    secret = ids["secret.docx"]
    run("review", "decide", str(secret), "--db", str(db), "--attribute", "on_request", "--reason", "已解密，可依申请提供",
        "--reviewer", "王敏")
    run("review", "note", str(secret), "见保密办解密通知", "--db", str(db), "--reviewer", "王敏")
    return db, secret


def test_second_reviewer_sees_the_first_decision_and_a_confirms_it(awaiting):
    db, secret = awaiting
    child = spawn(db, "李华", other_account=True)
    child.expect("q退出")
    shown = screen(child)
    assert "王敏 已决定 依申请公开（on_request）" in shown and "已解密，可依申请提供" in shown
    assert "见保密办解密通知" in shown and "a确认" in shown
    child.send("a")                        # confirm the first decision, not the model's 不予公开
    child.expect("确认理由")
    child.sendline("")
    child.expect("q退出")
    assert "confirmed" in screen(child)
    quit_and_summary(child)
    row = last_audit(db, secret)
    assert (row["action"], row["reviewer"], row["to_attribute"]) == ("confirm", "李华", "on_request")
    listed = json.loads(run("review", "list", "--db", str(db), "--json").stdout)
    assert [(r["state"], r["decision"]) for r in listed if r["id"] == secret] == [("decided", "on_request")]


def test_second_reviewer_overrides_only_after_saying_so_with_a_reason(awaiting):
    db, secret = awaiting
    child = spawn(db, "李华")
    child.expect("q退出")
    child.send("3")
    child.expect(r"确认改为 不予公开（non_disclosure）？\(y/N\)")
    child.sendline("n")                    # not confirmed: nothing recorded
    child.expect("q退出")
    assert "未改动" in screen(child)
    assert history(db, secret) == ["decide", "note"]
    child.send("3")
    child.expect(r"\(y/N\)")
    child.sendline("y")
    child.expect(r"回车=1\. 属于国家秘密")   # the model's proposed ground, pre-selected
    child.sendline("")
    child.expect("推翻 王敏 的决定须说明理由")
    child.sendline("")
    child.expect("不能为空")
    child.sendline("仍在保密期限内")
    child.expect("q退出")
    quit_and_summary(child)
    row = last_audit(db, secret)
    assert (row["action"], row["reviewer"], row["to_attribute"], row["from_attribute"], row["reason"]) == \
        ("decide", "李华", "non_disclosure", "on_request", "仍在保密期限内")


def test_help_and_a_filter_that_matches_nothing(work):
    db, _ = work
    child = spawn(db, "王敏")
    child.expect("q退出")
    child.send("?")
    child.expect("按任意键返回")
    assert "确认第一位审查人的决定" in screen(child) and "全文" in screen(child)
    child.send("x")
    child.expect("q退出")
    child.send("f")
    child.expect("筛选")
    child.sendline("没有这个标题")
    child.expect("q退出")
    shown = screen(child)
    assert "没有匹配的文档" in shown and "机密★5年" in shown   # the queue stays open, unfiltered
    child.send("t")
    child.expect("返回")
    assert "【机密★5年】" in screen(child) and "【民兵应急分队编组】" in screen(child)
    child.send("q")
    child.expect("q退出")
    assert "0 decided" in quit_and_summary(child)


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
