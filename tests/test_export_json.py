"""`gongkai export` writes JSON lines mostly in SQLite (export_json.py): each line must be exactly
what json.dumps writes for the export record, whatever the documents hold."""
from __future__ import annotations

import hashlib
import json
from itertools import chain

import pytest

from gongkai.pipeline import export, export_json, review, store
from gongkai.pipeline.process import DocumentResult
from gongkai.records import HeaderFields, Hit, ParsedDoc, Proposal

AWKWARD = 'a "quoted" \\ back\\slash\t\n\r\x00\x1f\x7f \u2028\u2029 \ufeff 𠀋😀 </script> 〔2024〕'


def every_character() -> str:
    return "".join(map(chr, chain(range(0xD800), range(0xE000, 0x110000))))


def put(db, batch: str, text: str, *, path: str, confidence: float = 0.9, hits=(), fields=None, ocr: dict = None,
        pages: int | None = None) -> int:
    store.ensure_batch(db, batch)
    sha = hashlib.sha256(f"{batch}:{text}".encode()).hexdigest()
    result = DocumentResult(
        path=path, sha256=sha, size=len(text.encode()),
        parsed=ParsedDoc(format="pdf", text=text, pages=pages, flags=["signature", AWKWARD], meta=ocr or {}),
        fields=fields or HeaderFields(title=text[:30]), hits=list(hits),
        proposal=Proposal("proactive", confidence, True, [AWKWARD, "负面清单 ×2"], explanation=AWKWARD),
        model_version="m1", negative_list_version="n1")
    store.write_results(db, batch, [store.to_record(result)])
    return db.execute("SELECT id FROM items WHERE sha256 = ?", [sha]).fetchone()[0]


def expected(db, batch) -> list[str]:
    return [json.dumps(rec, ensure_ascii=False) + "\n" for rec in export.records(db, batch)]


@pytest.fixture
def db(tmp_path):
    db = store.connect(tmp_path / "w.sqlite")
    hits = [Hit("mobile", "pii.mobile", AWKWARD, 40, 52, "条例第十五条"),       # out of order: sorted on export
            Hit("secrecy", "secrecy.level_mark", "秘密★1年", 0, 6, "条例第十四条", "high", "密级标志")]
    fields = HeaderFields(title=AWKWARD, doc_number="安财预〔2022〕61号", addressees=["市人民政府", AWKWARD],
                          attachments=[AWKWARD], secrecy="秘密★1年")
    first = put(db, "b", "秘密★1年 关于……的请示" + AWKWARD, path="/收件/请示.pdf", hits=hits, fields=fields,
                pages=3, confidence=0.1 + 0.2)
    put(db, "b", "已扫描的通知", path="/收件/扫描.pdf", confidence=1e-05,
        ocr={"ocr_pages": [1, 2], "ocr_confidence": 0.8123, "ocr_min_confidence": 0.5})
    put(db, "b", "新版本的请示", path="/收件/请示.pdf")                  # supersedes the first
    put(db, "c", "另一批的文件", path="/收件/c.pdf", confidence=1.0)
    review.decide(db, first, "non_disclosure", "王敏", reason="过程性信息", ground="条例第十六条第二款")
    return db


def test_sqlite_quotes_every_character_as_json_dumps_does(db):
    text = every_character()
    assert db.execute("SELECT json_quote(?)", [text]).fetchone()[0] == json.dumps(text, ensure_ascii=False)
    assert export_json.quoting_matches(db)


def test_sqlite_quotes_only_columns_declared_text(db):
    """A number SQLite would write with 15 digits where json.dumps writes its repr: Python writes those."""
    declared = {row[1]: row[2] for row in db.execute("PRAGMA table_info(items)")}
    quoted = [k for k in export.KEYS if export_json._column(k).startswith("json_quote")]
    assert "title" in quoted and {declared[k] for k in quoted} == {"TEXT"}


@pytest.mark.parametrize("batch", ["b", None])
def test_each_line_is_what_json_dumps_writes_for_its_record(db, batch):
    lines = list(export_json.lines(db, batch, chunk=2))
    assert lines == expected(db, batch)
    first = json.loads(lines[0])
    assert first["title"] == AWKWARD and first["final_attribute"] == "non_disclosure"
    assert [h["start"] for h in first["hits"]] == [0, 40] and first["superseded_by"] == 3
    assert first["confidence"] == 0.1 + 0.2 and first["addressees"] == ["市人民政府", AWKWARD]
    assert len(lines) == (3 if batch else 4)


def test_a_hit_sqlite_cannot_write_exactly_is_written_by_json(db):
    db.execute("UPDATE hits SET start = 40.5 WHERE rule_id = 'pii.mobile'")
    lines = list(export_json.lines(db, "b"))
    assert lines == expected(db, "b")
    assert [h["start"] for h in json.loads(lines[0])["hits"]] == [0, 40.5]


def test_write_jsonl_writes_the_lines_and_counts_them(db, tmp_path):
    out = tmp_path / "out.jsonl"
    with out.open("w", encoding="utf-8") as fh:
        assert export.write_jsonl(db, "b", fh) == 3
    assert out.read_text(encoding="utf-8") == "".join(expected(db, "b"))


def test_an_sqlite_quoting_otherwise_leaves_the_lines_to_json(db):
    """Where json_quote escapes differently (here: every non-ASCII character), json encodes each record."""
    db.conn.create_function("json_quote", 1, lambda value: json.dumps(value))
    assert not export_json.quoting_matches(db)
    assert list(export_json.lines(db, "b")) == expected(db, "b")
