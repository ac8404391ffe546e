"""`gongkai export` writes JSON lines mostly in SQLite (export_json.py): each line must be exactly
what json.dumps writes for the export record, whatever the documents hold."""
from __future__ import annotations

import hashlib
import io
import json
from itertools import chain

import pytest

from gongkai.pipeline import export, export_json, review, store, superseded
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
    """A position that is no integer: classify keeps no fragment for the item, export encodes it whole."""
    odd = put(db, "b", "位置不是整数的文件", path="/收件/odd.pdf", hits=[Hit("mobile", "pii.mobile", "139", 40.5, 52, "条例第十五条")])
    assert stored(db) == {1: True, 2: True, 3: True, 4: True, odd: False}
    lines = list(export_json.lines(db, "b"))
    assert lines == expected(db, "b")
    assert [h["start"] for h in json.loads(lines[-1])["hits"]] == [40.5]


def stored(db) -> dict[int, bool]:
    """By item: whether classify kept its fragment."""
    return {i: kept for i, kept in db.execute(
        "SELECT id, EXISTS (SELECT 1 FROM item_json WHERE item_id = items.id) FROM items ORDER BY id")}


def test_a_line_from_the_stored_fragment_is_the_line_rendered_whole(db):
    assert all(stored(db).values())
    kept = list(export_json.lines(db, None))
    db.execute("DELETE FROM item_json")                      # as a database of schema 6 had none
    assert list(export_json.lines(db, None)) == kept == expected(db, None)


def test_what_changes_after_classify_is_never_read_from_the_fragment(db):
    """Decisions, an undo, the same bytes found under another path, a newer version: each shows at once."""
    second = 2
    review.decide(db, second, "non_disclosure", "李强", reason="过程性信息", ground="条例第十六条第二款")
    store.write_results(db, "b", [store.path_record("/归档/扫描副本.pdf", db.execute(
        "SELECT sha256 FROM items WHERE id = 2").fetchone()[0])])
    put(db, "b", "扫描通知的新版本", path="/归档/扫描副本.pdf")    # supersedes the second
    lines = list(export_json.lines(db, "b"))
    assert lines == expected(db, "b")
    record = json.loads(lines[1])
    assert (record["final_attribute"], record["final_ground"]) == ("non_disclosure", "条例第十六条第二款")
    assert record["paths"] == ["/收件/扫描.pdf", "/归档/扫描副本.pdf"] and record["superseded_by"] == 5
    superseded.keep(db, second, "李强", "两个版本都发布")
    review.undo(db, second, "李强")
    assert json.loads(list(export_json.lines(db, "b"))[1])["final_attribute"] is None
    assert list(export_json.lines(db, "b")) == expected(db, "b")


def test_an_sqlite_quoting_otherwise_keeps_no_fragment(db):
    db.conn.create_function("json_quote", 1, lambda value: json.dumps(value))
    odd = put(db, "b", "另一种转义下写入的文件", path="/收件/d.pdf")
    assert not stored(db)[odd]


def test_a_database_of_schema_6_gets_its_fragments_on_upgrade(db, tmp_path):
    kept = list(export_json.lines(db, None))
    db.execute("DROP TABLE item_json")
    db.execute("UPDATE meta SET value = '6' WHERE key = 'schema_version'")
    db.conn.close()
    upgraded = store.connect(tmp_path / "w.sqlite")
    assert store.schema_version(upgraded) == 7 and all(stored(upgraded).values())
    assert list(export_json.lines(upgraded, None)) == kept == expected(upgraded, None)


def test_write_jsonl_writes_the_lines_and_counts_them(db, tmp_path):
    out = tmp_path / "out.jsonl"
    with out.open("w", encoding="utf-8") as fh:
        assert export.write_jsonl(db, "b", fh) == 3
    assert out.read_text(encoding="utf-8") == "".join(expected(db, "b"))


def test_write_jsonl_writes_the_same_text_to_any_stream(db):
    """UTF-8 lines go to the stream's bytes as stored; another encoding or a text-only stream gets text."""
    text = "".join(expected(db, "b"))
    for stream in (io.StringIO(), io.TextIOWrapper(io.BytesIO(), encoding="gb18030", errors="replace", newline="")):
        stream.write("前言\n")
        export.write_jsonl(db, "b", stream)
        stream.flush()
        written = stream.getvalue() if isinstance(stream, io.StringIO) else stream.buffer.getvalue()
        assert written == ("前言\n" + text if isinstance(stream, io.StringIO)
                           else ("前言\n" + text).encode("gb18030", errors="replace"))


def test_an_sqlite_quoting_otherwise_leaves_the_lines_to_json(db):
    """Where json_quote escapes differently (here: every non-ASCII character), json encodes each record."""
    db.conn.create_function("json_quote", 1, lambda value: json.dumps(value))
    assert not export_json.quoting_matches(db)
    assert list(export_json.lines(db, "b")) == expected(db, "b")
