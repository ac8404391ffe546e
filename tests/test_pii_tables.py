"""A 公示 table in DOCX and OFD keeps its column headers: names, IDs, bank cards and phones in
it are hit through `gongkai classify` + `export`, as they are in the same table typed as TXT."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from gongkai.pipeline.detect import validators as v
from tests.builders import make_docx, make_ofd, make_txt
from tests.test_cli_batch import export, run

TITLE = "临江市石桥镇人民政府关于2026年困难群众临时救助资金发放情况的公示"
INTRO = "经村（居）委会评议、镇人民政府审核，现将救助对象名单公示如下，公示期5个工作日。"
HEADER = ["序号", "姓名", "身份证号码", "银行卡号", "联系电话", "住址"]


def _card(payload: str) -> str:
    return payload + v.luhn_check_digit(payload)


PEOPLE = [
    ("王秀英", "320102198103136664", _card("622848797114710497"), "13805716623", "石桥村3组"),
    ("李建国", "110105194602275484", _card("621700650752917034"), "159 0671 8832", "新华村五组"),
    ("陈志强", "510104199507032469", _card("622202366712768426"), "187.5812.3340", "石桥村7组"),
]
ROWS = [HEADER] + [[str(n), *person] for n, person in enumerate(PEOPLE, start=1)]
EXPECTED = {(kind, value) for name, pid, card, phone, _ in PEOPLE
            for kind, value in (("person_name", name), ("personal_id", pid), ("bank_card", card), ("mobile", phone))}


@pytest.fixture(scope="module")
def classified(tmp_path_factory) -> tuple[dict, Path]:
    tmp = tmp_path_factory.mktemp("gongshi")
    box = tmp / "inbox"
    make_docx(box / "gongshi.docx", [TITLE, INTRO], table=ROWS)
    make_ofd(box / "gongshi.ofd", [f"{TITLE}\n{INTRO}"], table=ROWS)
    # Full columns: each cell's text ends one font size before the next column's starts.
    make_ofd(box / "gongshi_tight.ofd", [f"{TITLE}\n{INTRO}"], table=ROWS, cell_gap=1.0)
    make_txt(box / "gongshi.txt", "\n".join([TITLE, INTRO, *("\t".join(row) for row in ROWS)]), "utf-8")
    db = tmp / "work.sqlite"
    run("classify", str(box), "--db", str(db), "--batch", "b", "--workers", "1")
    return {Path(r["path"]).name: r for r in export(db)}, db


@pytest.mark.parametrize("name", ["gongshi.docx", "gongshi.ofd", "gongshi_tight.ofd", "gongshi.txt"])
def test_every_identifier_of_the_table_is_hit(classified, name):
    records, _ = classified
    record = records[name]
    assert record["status"] == "ok"
    found = {(h["kind"], h["text"]) for h in record["hits"]}
    assert EXPECTED <= found, sorted(EXPECTED - found)
    assert record["needs_review"] is True
    for hit in record["hits"]:
        if hit["kind"] in ("person_name", "personal_id", "bank_card", "mobile"):
            assert hit["ground"].startswith("条例第十五条") and hit["rule_id"].startswith("personal.")


def test_hits_index_the_stored_text_of_the_table(classified):
    _, db = classified
    rows = sqlite3.connect(db).execute(
        'SELECT h.text, h.start, h."end", i.text FROM hits h JOIN items i ON i.id = h.item_id').fetchall()
    assert len(rows) >= 3 * len(EXPECTED)
    assert all(text[start:end] == hit for hit, start, end, text in rows)


def test_the_table_keeps_one_line_per_row_with_its_header(classified):
    _, db = classified
    texts = dict(sqlite3.connect(db).execute("SELECT path, text FROM items"))
    assert len(texts) == 4
    # The tight OFD table is left out: its Chinese cells one font size apart read as one cell.
    for text in (text for path, text in texts.items() if "tight" not in path):
        assert "\t".join(HEADER) in text.split("\n")
        assert "\t".join(ROWS[1]) in text.split("\n")
