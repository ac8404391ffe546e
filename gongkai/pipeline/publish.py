"""The publish gate and the publication database (docs/publication-schema.md).

Only `publish` writes the publication database, and only what may leave the
building: 主动公开 rows with the body masked (区分处理, 条例第三十七条),
依申请公开 rows as catalogue entries without a body, nothing of 不予公开.
Publishing freezes the batch; republishing is idempotent and, after a
reopen, replaces the batch's rows in one transaction.
"""
from __future__ import annotations

import json
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from gongkai.pipeline import review, store, superseded
from gongkai.records import ATTRIBUTES, PERSONAL_KINDS

PUBLICATION_SCHEMA_VERSION = 1
PUBLICATION_DDL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS documents (
    doc_id INTEGER PRIMARY KEY, sha256 TEXT NOT NULL, batch TEXT NOT NULL,
    title TEXT, doc_number TEXT, issuer TEXT, date TEXT, doc_type TEXT,
    attribute TEXT NOT NULL CHECK (attribute IN ('proactive', 'on_request')),
    attribute_name TEXT NOT NULL, body TEXT, redactions TEXT NOT NULL, published_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_batch ON documents(batch);
"""
ROW_KEYS = ("sha256", "batch", "title", "doc_number", "issuer", "date", "doc_type", "attribute",
            "attribute_name", "body", "redactions")


class PublishRefused(RuntimeError):
    """The gate is closed: some item still needs a final review decision."""

    def __init__(self, batch: str, pending: list[tuple[dict, review.ReviewState]]) -> None:
        self.pending = pending
        super().__init__(f"batch {batch!r}: {len(pending)} document(s) still need a final review decision")


@dataclass
class PublishResult:
    batch: str
    out: Path
    counts: Counter = field(default_factory=Counter)   # attribute -> rows; plus "withheld"
    changed: int = 0                                     # rows added, updated or removed
    redactions: int = 0


def publish(db, batch: str, out: str | Path, reviewer: str, convention=None) -> PublishResult:
    """Open the gate if every reviewed item is decided; write the batch; freeze it."""
    if not db.execute("SELECT 1 FROM batches WHERE name = ?", [batch]).fetchone():
        raise ValueError(f"no batch named {batch!r} in this database")
    left_out = superseded.unkept(db, batch)      # its file changed since; the newer item stands in
    waiting = [(item, state) for item, state in review.pending(db, batch) if item["id"] not in left_out]
    if waiting:
        raise PublishRefused(batch, waiting)
    rows, withheld = _publication_rows(db, batch, convention, left_out)
    result = PublishResult(batch=batch, out=Path(out))
    result.counts.update(r["attribute"] for r in rows.values())
    result.counts["withheld (不予公开)"] = withheld
    result.redactions = sum(json.loads(r["redactions"])["count"] for r in rows.values())
    result.changed = _write_publication(Path(out), batch, rows)
    _freeze(db, batch, reviewer, rows)
    return result


def _publication_rows(db, batch: str, convention, left_out=frozenset()) -> tuple[dict[int, dict], int]:
    items = [i for i in db.query("SELECT * FROM items WHERE batch = ? ORDER BY id", [batch]) if i["id"] not in left_out]
    states = review.final_states(db, [i["id"] for i in items])
    hits = store.hits_for(db, [i["id"] for i in items])
    cleared = review.cleared_hits(db, [i["id"] for i in items])
    rows, withheld = {}, 0
    for item in items:
        attribute = states[item["id"]].final_attribute
        if attribute not in ("proactive", "on_request"):
            withheld += 1
            continue
        body, redactions = None, {"count": 0, "kinds": {}}
        if attribute == "proactive":
            personal = [h for h in hits[item["id"]] if h["kind"] in PERSONAL_KINDS and h["id"] not in cleared]
            body, redactions = _masked(item["text"] or "", personal, convention)
        rows[item["id"]] = {"sha256": item["sha256"], "batch": batch, "title": item["title"],
                            "doc_number": item["doc_number"], "issuer": item["issuer"], "date": item["date"],
                            "doc_type": item["doc_type"], "attribute": attribute,
                            "attribute_name": ATTRIBUTES[attribute], "body": body,
                            "redactions": json.dumps(redactions, ensure_ascii=False, sort_keys=True)}
    return rows, withheld


def _masked(text: str, hit_rows: list[dict], convention) -> tuple[str, dict]:
    from gongkai.pipeline.masking import MaskingConvention, mask_text
    from gongkai.records import Hit

    hits = [Hit(kind=h["kind"], rule_id=h["rule_id"], text=h["text"], start=h["start"], end=h["end"],
                ground=h["ground"] or "", severity=h["severity"] or "high") for h in hit_rows]
    masked, redactions = mask_text(text, hits, convention or MaskingConvention())
    kinds = Counter(r["kind"] for r in redactions)
    return masked, {"count": len(redactions), "kinds": dict(sorted(kinds.items()))}


def _write_publication(out: Path, batch: str, rows: dict[int, dict]) -> int:
    """Replace the batch's rows in one transaction; unchanged rows keep their published_at."""
    conn = sqlite3.connect(out, isolation_level=None, timeout=30)
    try:
        conn.executescript(PUBLICATION_DDL)
        conn.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(PUBLICATION_SCHEMA_VERSION)])
        conn.execute("BEGIN IMMEDIATE")
        existing = {r[0]: r[1:] for r in conn.execute(
            f"SELECT doc_id, {', '.join(ROW_KEYS)}, published_at FROM documents WHERE batch = ?", [batch])}
        changed = 0
        for doc_id in set(existing) - set(rows):
            conn.execute("DELETE FROM documents WHERE doc_id = ?", [doc_id])
            changed += 1
        now = store.now()
        for doc_id, row in rows.items():
            values = tuple(row[k] for k in ROW_KEYS)
            if doc_id in existing and existing[doc_id][:-1] == values:
                continue
            conn.execute(f"INSERT OR REPLACE INTO documents (doc_id, {', '.join(ROW_KEYS)}, published_at) "
                         f"VALUES (?, {', '.join('?' * len(ROW_KEYS))}, ?)", [doc_id, *values, now])
            changed += 1
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    finally:
        conn.close()
    return changed


def _freeze(db, batch: str, reviewer: str, rows: dict[int, dict]) -> None:
    with review.transaction(db):
        db.conn.execute("UPDATE batches SET frozen = 1, published_at = ? WHERE name = ?", [store.now(), batch])
        for item in db.query("SELECT id FROM items WHERE batch = ? ORDER BY id", [batch]):
            attribute = rows[item["id"]]["attribute"] if item["id"] in rows else "non_disclosure"
            review.append_audit(db, item["id"], batch, "publish", reviewer, to_attribute=attribute)


def reopen(db, batch: str, reviewer: str, reason: str) -> None:
    """Unfreeze a published batch so decisions can change; audited."""
    if not reason:
        raise ValueError("reopening a published batch needs a --reason")
    with review.transaction(db):
        row = db.execute("SELECT frozen FROM batches WHERE name = ?", [batch]).fetchone()
        if not row:
            raise ValueError(f"no batch named {batch!r} in this database")
        if not row[0]:
            raise ValueError(f"batch {batch!r} is not frozen (it has not been published)")
        db.conn.execute("UPDATE batches SET frozen = 0 WHERE name = ?", [batch])
        review.append_audit(db, None, batch, "reopen", reviewer, reason=reason)
