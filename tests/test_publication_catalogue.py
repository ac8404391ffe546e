"""Issue 13 point 3: the publication database as a website team uses it — the 政府信息公开目录
fields, rows that cannot be catalogued refused, and a full-text index that finds Chinese phrases."""
from __future__ import annotations

import json
import sqlite3

import pytest

from gongkai.pipeline import publish as publishing
from gongkai.pipeline import store
from gongkai.pipeline.detect import DetectConfig, registry
from gongkai.records import HeaderFields
from tests.helpers import add_item

RULES = ("临江市城市管理局\n关于印发《临江市户外广告设置管理办法》的通知\n临城管规〔2026〕3号\n各单位：\n"
         "现将《临江市户外广告设置管理办法》印发给你们，请认真贯彻执行。本办法自2027年1月1日起施行，有效期5年。\n"
         "附件：临江市户外广告设置管理办法\n临江市城市管理局\n2026年11月20日")


def category_hits(text: str):
    return [h for h in registry.build(DetectConfig(), ["negative_list"])(text) if h.kind == "proactive_category"]


@pytest.fixture
def batch(tmp_path):
    db = store.connect(tmp_path / "work.sqlite")
    rules = add_item(db, "b", RULES, needs_review=False, hits=category_hits(RULES), fields=HeaderFields(
        title="关于印发《临江市户外广告设置管理办法》的通知", doc_number="临城管规〔2026〕3号", issuer="临江市城市管理局",
        date="2026-11-20", doc_type="通知", attachments=["临江市户外广告设置管理办法"]))
    stated = add_item(db, "b", "关于道路养护的通知\n各单位：请做好道路养护。", needs_review=False,
                      fields=HeaderFields(title="关于道路养护的通知", index_no="11330100MB0000000X/2026-00042"))
    return db, rules, stated, tmp_path / "pub.sqlite"


def rows(pub) -> dict[str, dict]:
    conn = sqlite3.connect(pub)
    conn.row_factory = sqlite3.Row
    return {r["title"]: dict(r) for r in conn.execute("SELECT * FROM documents")}


def test_published_rows_carry_the_catalogue_fields(batch):
    db, rules, stated, pub = batch
    publishing.publish(db, "b", pub, "王敏", index_prefix="LJCG")
    got = rows(pub)
    row = got["关于印发《临江市户外广告设置管理办法》的通知"]
    assert row["index_no"] == "LJCG/2026-00001"                     # generated: prefix / 成文 year / serial
    assert "规范性文件" in row["topic"]                               # 主题分类 from the 主动公开目录 entries matched
    assert (row["issuer"], row["date"], row["doc_number"]) == ("临江市城市管理局", "2026-11-20", "临城管规〔2026〕3号")
    assert row["attribute_name"] == "主动公开" and json.loads(row["attachments"]) == ["临江市户外广告设置管理办法"]
    assert row["publish_date"] == row["published_at"][:10]
    kept = got["关于道路养护的通知"]
    assert kept["index_no"] == "11330100MB0000000X/2026-00042" and kept["topic"] is None
    first = row["publish_date"], row["index_no"]
    publishing.publish(db, "b", pub, "王敏", index_prefix="LJCG")       # republishing keeps both
    again = rows(pub)["关于印发《临江市户外广告设置管理办法》的通知"]
    assert (again["publish_date"], again["index_no"]) == first


def test_the_full_text_index_finds_a_chinese_phrase_in_titles_and_masked_bodies(batch):
    assert sqlite3.sqlite_version_info >= publishing.FTS_MIN_SQLITE
    db, rules, stated, pub = batch
    add_item(db, "b", "关于吴德厚违法建设的处罚决定\n当事人身份证号码330522195803120415，责令拆除彩钢房。", needs_review=False)
    publishing.publish(db, "b", pub, "王敏")
    conn = sqlite3.connect(pub)
    found = conn.execute("SELECT d.title FROM documents_fts f JOIN documents d USING (doc_id) "
                         "WHERE documents_fts MATCH ?", ["户外广告设置"]).fetchall()
    assert found == [("关于印发《临江市户外广告设置管理办法》的通知",)]
    assert conn.execute("SELECT COUNT(*) FROM documents_fts WHERE documents_fts MATCH ?", ["彩钢房"]).fetchone()[0] == 1
    assert conn.execute("SELECT COUNT(*) FROM documents_fts WHERE documents_fts MATCH ?",
                        ["195803120415"]).fetchone()[0] == 0         # the index holds the masked body only


def test_a_proactive_document_without_text_is_refused_naming_it(batch):
    db, rules, stated, pub = batch
    blank = add_item(db, "b", "", needs_review=False, fields=HeaderFields(title="扫描件"))
    with pytest.raises(publishing.PublishIncomplete, match=f"document {blank} .*has no text"):
        publishing.publish(db, "b", pub, "王敏")
    assert not pub.exists() or not rows(pub)


def test_a_schema_2_publication_database_is_upgraded_in_place(batch):
    db, rules, stated, pub = batch
    old = sqlite3.connect(pub)
    old.executescript("""
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
        CREATE TABLE documents (doc_id TEXT PRIMARY KEY, source TEXT NOT NULL, item_id INTEGER NOT NULL,
            sha256 TEXT NOT NULL, batch TEXT NOT NULL, title TEXT, doc_number TEXT, issuer TEXT, date TEXT,
            doc_type TEXT, attachments TEXT NOT NULL DEFAULT '[]', attribute TEXT NOT NULL, attribute_name TEXT NOT NULL,
            body TEXT, redactions TEXT NOT NULL, published_at TEXT NOT NULL, UNIQUE (source, batch, sha256));
        INSERT INTO meta VALUES ('schema_version', '2');
        INSERT INTO documents VALUES ('x/1', 'x', 1, 'aa', 'old', '旧批次的通知', NULL, NULL, NULL, NULL, '[]',
                                      'proactive', '主动公开', '旧正文关于防汛值班', '{"count": 0, "kinds": {}}', '2026-01-05T08:00:00+00:00');""")
    old.commit()
    old.close()
    publishing.publish(db, "b", pub, "王敏")
    conn = sqlite3.connect(pub)
    assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == ("3",)
    assert rows(pub)["旧批次的通知"]["publish_date"] == "2026-01-05"
    assert conn.execute("SELECT doc_id FROM documents_fts WHERE documents_fts MATCH ?", ["防汛值班"]).fetchall() == [("x/1",)]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["扫描件.pdf", "扫描件\n第2页.pdf"])
def test_an_image_only_document_decided_proactive_is_refused_in_one_line_naming_it(batch, name):
    """A scan without OCR text has no title to catalogue it by: `gongkai publish` names it, in one line."""
    import hashlib

    from gongkai.pipeline import review
    from gongkai.pipeline.process import DocumentResult
    from gongkai.records import ParsedDoc, Proposal
    from tests.test_cli_batch import run

    db, rules, stated, pub = batch
    result = DocumentResult(path=f"/收件/{name}", sha256=hashlib.sha256(name.encode()).hexdigest(), size=9,
                            parsed=ParsedDoc(format="pdf", text="", pages=2, flags=["image_only"]),
                            fields=HeaderFields(), hits=[], proposal=Proposal(None, 0.0, True, ["no text"]),
                            model_version="m1", negative_list_version="n1")
    store.write_results(db, "b", [store.to_record(result)])
    scan = db.execute("SELECT id FROM items WHERE sha256 = ?", [result.sha256]).fetchone()[0]
    review.decide(db, scan, "proactive", "王敏")
    work = db.execute("PRAGMA database_list").fetchone()[2]
    refused = run("publish", "--db", work, "--batch", "b", "--out", str(pub), "--reviewer", "王敏", check=False)
    assert refused.returncode == 1
    [line] = refused.stderr.splitlines()
    assert f"document {scan} (扫描件" in line and "has no title" in line and "nothing was written" in line
    assert not pub.exists() or not rows(pub)
