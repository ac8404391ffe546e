"""Review, the publish gate, four eyes, freezing and the publication database, driven as a user would."""
from __future__ import annotations

import json
import sqlite3
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.builders import make_docx, make_txt
from tests.helpers import run_as_other_account
from tests.test_cli_batch import GONGKAI, run

PUBLICITY = ("青石岭镇人民政府\n关于2026年度农村危房改造补助对象的公示\n"
             "序号  姓名  身份证号  联系电话  补助金额（元）\n"
             "1  吴德厚  330522195803120415  13857221346  35000\n"
             "公示期为2026年11月18日至11月24日，电话：0572-2539011。\n青石岭镇人民政府\n2026年11月18日")
LETTER = ("临江市自然资源局\n关于恒丰包装材料有限公司扩建用地有关问题的复函\n市经信局：\n"
          "你局来函收悉。经核对，该地块符合工业用地布局，请督促企业补充材料。\n特此函复。\n临江市自然资源局\n2026年11月10日")


@pytest.fixture
def work(open_tmp):
    tmp_path = open_tmp          # a second reviewer (another OS account) works on this database too
    box = tmp_path / "inbox"
    box.mkdir()
    make_txt(box / "publicity.txt", PUBLICITY, "utf-8")
    make_txt(box / "letter.txt", LETTER, "utf-8")
    make_docx(box / "secret.docx", ["关于民兵应急分队编组的通知", "现将编组方案印发给你们。"], header="机密★5年")
    db = tmp_path / "work.sqlite"
    run("classify", str(box), "--db", str(db), "--batch", "b1", "--workers", "1")
    ids = {Path(r["path"]).name: r["id"] for r in
           (json.loads(line) for line in run("export", "--db", str(db)).stdout.splitlines())}
    return db, ids, tmp_path / "pub.sqlite"


def decide(db, item_id, attribute, reviewer, *extra, check=True):
    return run("review", "decide", str(item_id), "--db", str(db), "--attribute", attribute,
               "--reviewer", reviewer, *extra, check=check)


def published(pub: Path) -> dict[str, dict]:
    conn = sqlite3.connect(pub)
    conn.row_factory = sqlite3.Row
    return {r["title"] or str(r["doc_id"]): dict(r) for r in conn.execute("SELECT * FROM documents ORDER BY doc_id")}


def test_gate_refuses_while_documents_are_pending_and_names_them(work):
    db, ids, pub = work
    proc = run("publish", "--db", str(db), "--batch", "b1", "--out", str(pub), check=False)
    assert proc.returncode == 1
    assert "publish refused" in proc.stderr and "still need a final review decision" in proc.stderr
    assert not pub.exists()


def test_full_review_then_publish_masks_catalogues_and_withholds(work):
    db, ids, pub = work
    decide(db, ids["publicity.txt"], "proactive", "王敏", "--reason", "公示，发布时隐去身份证号和手机号")
    decide(db, ids["letter.txt"], "on_request", "王敏", "--reason", "涉及特定企业")
    decide(db, ids["secret.docx"], "non_disclosure", "王敏", "--ground", "state_secret", "--reason", "涉密")
    run("publish", "--db", str(db), "--batch", "b1", "--out", str(pub))
    rows = published(pub)
    assert set(rows) == {"青石岭镇人民政府关于2026年度农村危房改造补助对象的公示", "临江市自然资源局关于恒丰包装材料有限公司扩建用地有关问题的复函"}
    notice = rows["青石岭镇人民政府关于2026年度农村危房改造补助对象的公示"]
    assert notice["attribute"] == "proactive" and notice["attribute_name"] == "主动公开"
    assert "330522195803120415" not in notice["body"] and "33*************415" in notice["body"]
    assert "13857221346" not in notice["body"] and "138****1346" in notice["body"]
    assert "0572-2539011" in notice["body"]  # the office's public number stays
    redactions = json.loads(notice["redactions"])
    assert redactions["count"] >= 2 and redactions["kinds"]["personal_id"] == 1
    letter = rows["临江市自然资源局关于恒丰包装材料有限公司扩建用地有关问题的复函"]
    assert letter["attribute"] == "on_request" and letter["body"] is None
    secret = sqlite3.connect(pub).execute("SELECT COUNT(*) FROM documents WHERE body LIKE '%民兵%'").fetchone()[0]
    assert secret == 0


def test_four_eyes_keeps_a_secret_marked_document_pending_until_a_second_reviewer(work):
    db, ids, pub = work
    decide(db, ids["publicity.txt"], "proactive", "王敏", "--reason", "公示")
    decide(db, ids["letter.txt"], "on_request", "王敏", "--reason", "特定企业")
    out = decide(db, ids["secret.docx"], "on_request", "王敏", "--reason", "已解密").stdout
    assert "awaits second reviewer" in out
    listing = run("review", "list", "--db", str(db), "--batch", "b1", "--json").stdout
    state = {r["id"]: r["state"] for r in json.loads(listing)}
    assert state[ids["secret.docx"]] == "awaits second reviewer"
    assert run("publish", "--db", str(db), "--batch", "b1", "--out", str(pub), check=False).returncode == 1
    same_account = decide(db, ids["secret.docx"], "on_request", "李华", "--reason", "核实已解密", check=False)
    assert same_account.returncode == 1 and "four eyes need two people" in same_account.stderr
    assert "confirmed" in run_as_other_account("review", "decide", str(ids["secret.docx"]), "--db", str(db),
                                               "--attribute", "on_request", "--reviewer", "李华",
                                               "--reason", "核实已解密").stdout
    run("publish", "--db", str(db), "--batch", "b1", "--out", str(pub))
    assert len(published(pub)) == 3


def test_republish_is_idempotent_frozen_until_reopened_then_updated(work):
    db, ids, pub = work
    decide(db, ids["publicity.txt"], "proactive", "王敏", "--reason", "公示")
    decide(db, ids["letter.txt"], "proactive", "王敏", "--reason", "普发")
    decide(db, ids["secret.docx"], "non_disclosure", "王敏", "--ground", "state_secret", "--reason", "涉密")
    run("publish", "--db", str(db), "--batch", "b1", "--out", str(pub))
    first = published(pub)
    assert "0 row(s)" in run("publish", "--db", str(db), "--batch", "b1", "--out", str(pub)).stdout
    assert published(pub) == first
    refused = decide(db, ids["letter.txt"], "on_request", "李华", "--override", "--reason", "x", check=False)
    assert refused.returncode == 1 and "frozen" in refused.stderr
    run("batch", "reopen", "b1", "--db", str(db), "--reason", "复函涉及企业信息", "--reviewer", "李华")
    decide(db, ids["letter.txt"], "non_disclosure", "李华", "--override", "--ground", "third_party", "--reason", "企业信息")
    run("publish", "--db", str(db), "--batch", "b1", "--out", str(pub))
    after = published(pub)
    assert set(after) == {"青石岭镇人民政府关于2026年度农村危房改造补助对象的公示"}
    assert after["青石岭镇人民政府关于2026年度农村危房改造补助对象的公示"] == first["青石岭镇人民政府关于2026年度农村危房改造补助对象的公示"]
    actions = [r["action"] for r in json.loads(run("review", "history", str(ids["letter.txt"]), "--db", str(db),
                                                   "--json").stdout)]
    assert actions == ["decide", "publish", "publish", "decide", "publish"]


def test_a_hit_cleared_as_not_personal_is_left_unmasked_and_audited(work):
    db, ids, pub = work
    view = json.loads(run("review", "show", str(ids["publicity.txt"]), "--db", str(db), "--json").stdout)
    mobile = next(h for h in view["hits"] if h["kind"] == "mobile")
    run("review", "clear-hit", str(mobile["id"]), "--db", str(db), "--reason", "村委会公开值班电话", "--reviewer", "王敏")
    decide(db, ids["publicity.txt"], "proactive", "王敏", "--reason", "公示")
    decide(db, ids["letter.txt"], "on_request", "王敏", "--reason", "特定企业")
    decide(db, ids["secret.docx"], "non_disclosure", "王敏", "--ground", "state_secret", "--reason", "涉密")
    run("publish", "--db", str(db), "--batch", "b1", "--out", str(pub))
    body = published(pub)["青石岭镇人民政府关于2026年度农村危房改造补助对象的公示"]["body"]
    assert "13857221346" in body and "330522195803120415" not in body
    history = run("review", "history", str(ids["publicity.txt"]), "--db", str(db)).stdout
    assert "not_personal" in history and "村委会公开值班电话" in history


def test_report_counts_attributes_grounds_reviewers_and_overrides(work):
    db, ids, pub = work
    decide(db, ids["publicity.txt"], "proactive", "王敏", "--reason", "公示")
    decide(db, ids["letter.txt"], "on_request", "李华", "--reason", "特定企业")
    decide(db, ids["secret.docx"], "non_disclosure", "王敏", "--ground", "条例第十四条", "--reason", "涉密")
    rep = json.loads(run("report", "--db", str(db), "--batch", "b1", "--json").stdout)
    assert rep["documents"] == 3
    assert rep["by_attribute"]["不予公开 non_disclosure"] == 1
    assert rep["by_ground"] == {"属于国家秘密": 1}
    assert rep["by_reviewer"]["王敏"]["decide"] == 2 and rep["by_reviewer"]["李华"]["decide"] == 1
    assert rep["review_times"]["decided"] == 3
    csv_out = run("report", "--db", str(db), "--batch", "b1", "--csv").stdout
    assert csv_out.splitlines()[0] == "section,key,value"


def test_concurrent_reviewers_in_separate_processes_lose_nothing(work):
    db, ids, pub = work
    item = ids["letter.txt"]
    reviewers = [f"审核员{i}" for i in range(6)]

    def one(name):
        return subprocess.run([GONGKAI, "review", "decide", str(item), "--db", str(db), "--attribute", "on_request",
                               "--reason", "特定企业", "--reviewer", name], capture_output=True, text=True, timeout=120)

    with ThreadPoolExecutor(len(reviewers)) as pool:
        results = list(pool.map(one, reviewers))
    assert all(r.returncode == 0 for r in results), [r.stderr for r in results]
    outcomes = sorted(r.stdout.split("— ")[1].split(" (")[0] for r in results)
    assert outcomes == ["confirmed"] * 5 + ["decided"]
    history = json.loads(run("review", "history", str(item), "--db", str(db), "--json").stdout)
    assert sorted(r["reviewer"] for r in history) == sorted(reviewers)


def test_conflicting_concurrent_decisions_one_wins_the_other_is_refused(work):
    db, ids, pub = work
    item = ids["publicity.txt"]

    def one(args):
        name, attribute = args
        return subprocess.run([GONGKAI, "review", "decide", str(item), "--db", str(db), "--attribute", attribute,
                               "--reason", "理由", "--reviewer", name], capture_output=True, text=True, timeout=120)

    results = list(ThreadPoolExecutor(2).map(one, [("王敏", "proactive"), ("李华", "on_request")]))
    assert sorted(r.returncode for r in results) == [0, 1]
    loser = next(r for r in results if r.returncode)
    assert "--override" in loser.stderr
    assert len(json.loads(run("review", "history", str(item), "--db", str(db), "--json").stdout)) == 1


def test_an_office_masking_convention_is_used_and_a_bad_one_refused(work, tmp_path):
    db, ids, pub = work
    decide(db, ids["publicity.txt"], "proactive", "王敏", "--reason", "公示")
    decide(db, ids["letter.txt"], "on_request", "王敏", "--reason", "特定企业")
    decide(db, ids["secret.docx"], "non_disclosure", "王敏", "--ground", "state_secret", "--reason", "涉密")
    bad = tmp_path / "bad.toml"
    bad.write_text("[masking]\nphone = { first = 3, last = 4 }\n", encoding="utf-8")
    refused = run("publish", "--db", str(db), "--batch", "b1", "--out", str(pub), "--masking", str(bad), check=False)
    assert refused.returncode == 1 and "unknown [masking] key(s): phone" in refused.stderr and not pub.exists()
    for lax in ('personal_id = { first = 6, last = 4 }', 'mask_char = " "'):   # shows 10 of 18 / masks with a blank
        bad.write_text(f"[masking]\n{lax}\n", encoding="utf-8")
        refused = run("publish", "--db", str(db), "--batch", "b1", "--out", str(pub), "--masking", str(bad), check=False)
        assert refused.returncode == 1 and len(refused.stderr.strip().splitlines()) == 1 and not pub.exists()
    office = tmp_path / "masking.toml"
    office.write_text('[masking]\npersonal_id = { first = 6, last = 3 }\nmask_char = "X"\n', encoding="utf-8")
    run("publish", "--db", str(db), "--batch", "b1", "--out", str(pub), "--masking", str(office))
    body = published(pub)["青石岭镇人民政府关于2026年度农村危房改造补助对象的公示"]["body"]
    assert "330522XXXXXXXXX415" in body and "138XXXX1346" in body
