"""Every query the read and review commands run uses an index (EXPLAIN QUERY PLAN), so they stay
quick at an office's scale (20,000 documents: benchmarks/cli_reads.py measures it)."""
from __future__ import annotations

import re

import pytest

from gongkai import api
from gongkai.pipeline import export, export_json, report, review, store
from gongkai.pipeline.batch import batch_counts
from gongkai.records import Hit
from gongkai.review_view import document_view
from tests.helpers import add_item, mark

TABLES = ("items", "hits", "audit", "leases", "batches")
BARE_SCAN = re.compile(rf"^SCAN ({'|'.join(TABLES)})$")


@pytest.fixture
def db(tmp_path):
    db = store.connect(tmp_path / "w.sqlite")
    for batch in ("b", "c"):
        for n in range(3):
            add_item(db, batch, f"关于第{n}项工作的通知{batch}", hits=[mark("mobile", "13912345678")])
    first = db.execute("SELECT id FROM items WHERE batch = 'b' ORDER BY id").fetchone()[0]
    review.decide(db, first, "proactive", "王敏", reason="普发")
    review.note(db, first, "王敏", "已核对")
    return db, first


def traced(db, calls) -> list[str]:
    seen: list[str] = []
    db.conn.set_trace_callback(seen.append)
    try:
        for call in calls:
            call()
    finally:
        db.conn.set_trace_callback(None)
    return sorted({s for s in seen if s.lstrip().upper().startswith("SELECT")})


def plan(db, sql: str) -> list[str]:
    return [row[3] for row in db.conn.execute(f"EXPLAIN QUERY PLAN {sql}")]


def test_every_query_of_the_read_and_review_commands_uses_an_index(db):
    db, first = db
    statements = traced(db, [
        lambda: list(export.records(db, "b", chunk=2)),
        lambda: list(export_json.lines(db, "b", chunk=2)),
        lambda: list(export_json.lines(db, None, chunk=2)),
        lambda: api.review_list(db, "b", "all", limit=2),
        lambda: api.review_list(db, None, "pending"),
        lambda: document_view(db, first),
        lambda: review.history(db, first),
        lambda: report.build_report(db, "b"),
        lambda: batch_counts(db, "b"),
        lambda: store.require_batch(db, "b"),
        lambda: store.known_hashes(db, "b"),
        lambda: review.leased_by_others(db, "session"),
        lambda: review.list_entries(db, first),
        lambda: next(review.open_items(db, "b", page=2)),     # the interactive queue's next document
        lambda: review.decided_count(db, "b"),                # and its progress line
        lambda: review.queue_size(db, "b"),
    ])
    assert len(statements) > 10
    plans = {sql: plan(db, sql) for sql in statements}
    scans = {sql: steps for sql, steps in plans.items() if any(BARE_SCAN.match(s) for s in steps)}
    assert not scans, f"queries reading a whole table: {scans}"


def test_export_pages_a_batch_in_id_order_without_sorting_each_chunk(db):
    db, _ = db
    statements = traced(db, [lambda: list(export.records(db, "b", chunk=2)),
                             lambda: list(export_json.lines(db, "b", chunk=2))])
    paging = [sql for sql in statements if "FROM items" in sql and "LIMIT" in sql]
    assert paging
    for sql in paging:
        steps = plan(db, sql)
        assert not any("TEMP B-TREE" in s for s in steps), steps
        assert any("items_batch_id" in s for s in steps), steps


def test_a_negative_list_entry_hit_is_unaffected(db):
    """The list_entries query reads the document's hits by item (the hits_item index)."""
    db, _ = db
    entry = Hit(kind="negative_list", rule_id="NL-16-2-01", text="讨论稿", start=0, end=3, ground="条例第十六条第二款",
                explanation="负面清单 NL-16-2-01「内部讨论稿」: 讨论稿（属于四类过程性信息）")
    i = add_item(db, "b", "讨论稿：关于方案", hits=[entry])
    assert review.list_entries(db, i) == {"NL-16-2-01": "process_info"}
