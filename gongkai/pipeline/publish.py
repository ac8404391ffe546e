"""The publish gate and the publication database (docs/publication-schema.md).

Only `publish` writes the publication database, and only what may leave the
building: 主动公开 rows with every column masked (区分处理, 条例第三十七条),
依申请公开 rows as catalogue entries without a body, nothing of 不予公开.
The order matters: freeze (with the gate check, one transaction), verify the
audit chain and the seals, build and check the rows (guard.py), write, record.
Republishing is idempotent and, after a reopen, replaces the batch's rows in
one transaction; rows of other working databases are never touched.
"""
from __future__ import annotations

import fcntl
import json
import os
import re
import sqlite3
import sys
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from gongkai.pipeline import audit, review, store, superseded
from gongkai.pipeline.publication_site import write_metadata
from gongkai.pipeline.guard import Blocked, Guard
from gongkai.records import ATTRIBUTES

PUBLICATION_SCHEMA_VERSION = 3
FTS_MIN_SQLITE = (3, 34, 0)        # the trigram tokenizer (Chinese has no spaces to split words at)
DEFAULT_INDEX_PREFIX = "GK"
PUBLICATION_DDL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY, source TEXT NOT NULL, item_id INTEGER NOT NULL,
    sha256 TEXT NOT NULL, batch TEXT NOT NULL,
    title TEXT, doc_number TEXT, issuer TEXT, date TEXT, doc_type TEXT, attachments TEXT NOT NULL DEFAULT '[]',
    attribute TEXT NOT NULL CHECK (attribute IN ('proactive', 'on_request')),
    attribute_name TEXT NOT NULL, body TEXT, redactions TEXT NOT NULL, published_at TEXT NOT NULL,
    index_no TEXT, topic TEXT, publish_date TEXT,
    UNIQUE (source, batch, sha256)
);
CREATE INDEX IF NOT EXISTS documents_batch ON documents(source, batch);
CREATE TABLE IF NOT EXISTS anchors (
    source TEXT NOT NULL, batch TEXT NOT NULL, audit_id INTEGER NOT NULL, hash TEXT NOT NULL,
    published_at TEXT NOT NULL, PRIMARY KEY (source, batch, audit_id)
);
CREATE VIRTUAL TABLE IF NOT EXISTS documents_fts USING fts5(doc_id UNINDEXED, title, body, tokenize = 'trigram');
"""
V3_COLUMNS = ("index_no TEXT", "topic TEXT", "publish_date TEXT")
# v1 rows were keyed by the working database's item id alone; they keep it under this source
# and are replaced when their batch is published again (docs/publication-schema.md).
LEGACY_SOURCE = "v1"
ROW_KEYS = ("source", "item_id", "sha256", "batch", "title", "doc_number", "issuer", "date", "doc_type",
            "attachments", "attribute", "attribute_name", "body", "redactions", "index_no", "topic")
CATEGORY_ITEM = re.compile(r"「([^」]+)」")      # the 主动公开目录 entry's item in a hit's explanation


class PublishRefused(RuntimeError):
    """The gate is closed: some item still needs a final review decision."""

    def __init__(self, batch: str, pending: list[tuple[dict, review.ReviewState]]) -> None:
        self.pending = pending
        super().__init__(f"batch {batch!r}: {len(pending)} document(s) still need a final review decision")


class PublishBlocked(RuntimeError):
    """Something that must not leave is still in the rows, or the working database was edited."""


class PublishIncomplete(PublishBlocked):
    """A row would lack what a catalogue entry needs: a title, and for 主动公开 a body."""


@dataclass
class PublishResult:
    batch: str
    out: Path
    counts: Counter = field(default_factory=Counter)   # attribute -> rows; plus "withheld"
    changed: int = 0                                     # rows added, updated or removed
    redactions: int = 0


def publish(db, batch: str, out: str | Path, reviewer: str, convention=None,
            index_prefix: str = DEFAULT_INDEX_PREFIX) -> PublishResult:
    """Open the gate if every reviewed item is decided; write the batch; freeze it.

    The gate check and the freeze are one transaction: a decision either lands before
    it (and is honoured, every final state is read after the freeze) or is refused. Superseded
    items no reviewer kept are left out (superseded.py): the newer item stands in for them.
    """
    out, working = Path(out), _working_path(db)
    _check_out(working, out)
    with publish_lock(working):
        try:
            previous = _close(db, batch)
        except PublishRefused:
            _check_integrity(db, batch)     # a tampered database says so first
            raise
        try:
            _check_integrity(db, batch)
            left_out = superseded.unkept(db, batch)     # no `keep` can land while the batch is closed
            rows, withheld = _publication_rows(db, batch, convention, left_out)
            changed = _write_publication(out, store.db_id(db), batch, rows, db.conn, index_prefix)
            _freeze(db, batch, reviewer, rows)
        except BaseException:
            _restore(db, batch, previous)
            raise
    write_metadata(out)     # after the freeze: the published rows never depend on it
    result = PublishResult(batch=batch, out=out, changed=changed)
    result.counts.update(r["attribute"] for r in rows.values())
    result.counts["withheld (不予公开)"] = withheld
    result.redactions = sum(json.loads(r["redactions"])["count"] for r in rows.values())
    return result


def _working_path(db) -> Path:
    return Path(next(r[2] for r in db.execute("PRAGMA database_list") if r[1] == "main"))


def _check_out(working: Path, out: Path) -> None:
    """The publication database is never the working database, by any name (symlink, relative path, hard link)."""
    same = out.resolve() == working.resolve()
    if not same and out.exists():
        try:
            same = os.path.samefile(out, working)
        except OSError:
            pass
    if same:
        raise ValueError(f"--out {out} is the working database itself; publish into a separate file")
    if out.exists() and out.is_file():
        with sqlite3.connect(f"file:{out}?mode=ro", uri=True) as conn:
            try:
                tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            except sqlite3.DatabaseError:
                raise ValueError(f"--out {out} is not a SQLite database; refusing to overwrite it") from None
        if "items" in tables or "audit" in tables:
            raise ValueError(f"--out {out} is a gongkai working database, not a publication database")


@contextmanager
def publish_lock(working: Path):
    """One publish (or reopen) of a working database at a time; the OS drops the lock if the process dies."""
    lock_path = working.with_name(working.name + ".publish-lock")
    with open(lock_path, "a+b") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"waiting for another publish of {working.name} to finish…", file=sys.stderr)
            fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _close(db, batch: str) -> int:
    """Check the gate and mark the batch as being published, in one write transaction."""
    with review.transaction(db):
        row = db.execute("SELECT frozen, published_at FROM batches WHERE name = ?", [batch]).fetchone()
        if not row:
            raise ValueError(f"no batch named {batch!r} in this database")
        left_out = superseded.unkept(db, batch)      # its file changed since; the newer item stands in
        waiting = [(item, state) for item, state in review.pending(db, batch) if item["id"] not in left_out]
        if waiting:
            raise PublishRefused(batch, waiting)
        db.conn.execute("UPDATE batches SET frozen = ? WHERE name = ?", [review.PUBLISHING, batch])
    if row[0] == review.PUBLISHING:      # left by a publish that was killed: we hold the lock now
        return review.FROZEN if row[1] else review.OPEN
    return row[0]


def _restore(db, batch: str, previous: int) -> None:
    try:
        with review.transaction(db):
            db.conn.execute("UPDATE batches SET frozen = ? WHERE name = ? AND frozen = ?",
                            [previous, batch, review.PUBLISHING])
    except sqlite3.Error:
        pass   # the batch stays marked as being published; the next publish or a reopen clears it


def _check_integrity(db, batch: str) -> None:
    """Trust nothing derived: the audit chain holds and every document matches its seal."""
    report = audit.verify_chain(db.conn)
    if report.broken:
        raise PublishBlocked(f"the audit log is broken: {report.broken}; publish refused "
                             f"(`gongkai audit verify` names the row)")
    ids = [r[0] for r in db.execute("SELECT id FROM items WHERE batch = ? ORDER BY id", [batch])]
    changed = audit.unsealed_or_changed(db.conn, ids)
    if changed:
        item_id, why = changed[0]
        more = f" (and {len(changed) - 1} more)" if len(changed) > 1 else ""
        raise PublishBlocked(f"document {item_id} {why}{more}; publish refused")


def _publication_rows(db, batch: str, convention, left_out=frozenset()) -> tuple[dict[int, dict], int]:
    items = [i for i in db.query("SELECT * FROM items WHERE batch = ? ORDER BY id", [batch]) if i["id"] not in left_out]
    ids = [i["id"] for i in items]
    states = review.final_states(db, ids)
    hits = store.hits_for(db, ids)
    cleared = review.cleared_hits(db, ids)
    guard = Guard(convention)
    source = store.db_id(db)
    rows, withheld, blocked, incomplete = {}, 0, [], []
    for item in items:
        attribute = states[item["id"]].final_attribute
        if attribute not in ("proactive", "on_request"):
            withheld += 1
            continue
        columns = {"title": item["title"], "doc_number": item["doc_number"], "issuer": item["issuer"],
                   "date": item["date"], "doc_type": item["doc_type"], "attachments": item["attachments"],
                   "index_no": item["index_no"], "topic": _topic(hits[item["id"]]),
                   "body": item["text"] or "" if attribute == "proactive" else None}
        missing = _missing(columns, attribute)
        if missing:
            incomplete.append(f"document {item['id']} ({Path(item['path']).name.translate(_ESCAPED)}) has no {missing}")
            continue
        masked, redactions = guard.mask(item, hits[item["id"]], cleared, columns)
        row = {**masked, "source": source, "item_id": item["id"], "sha256": item["sha256"], "batch": batch,
               "attribute": attribute, "attribute_name": ATTRIBUTES[attribute],
               "redactions": json.dumps(redactions, ensure_ascii=False, sort_keys=True)}
        blocked += guard.check(item["id"], row, hits[item["id"]], cleared,
                               reviewed=states[item["id"]].current is not None)
        rows[item["id"]] = row
    if incomplete:
        raise PublishIncomplete(_incomplete_message(incomplete))
    if blocked:
        raise PublishBlocked(_blocked_message(blocked))
    return rows, withheld


def _topic(hit_rows: list[dict]) -> str | None:
    """主题分类: the 主动公开目录 entries the document matched, in order; NULL when it matched none."""
    items = [m.group(1) for h in hit_rows if h["kind"] == "proactive_category"
             for m in [CATEGORY_ITEM.search(h["explanation"] or "")] if m]
    return "、".join(dict.fromkeys(items)) or None


def _missing(columns: dict, attribute: str) -> str | None:
    if not (columns["title"] or "").strip():
        return "title"
    if attribute == "proactive" and not (columns["body"] or "").strip():
        return "text to publish as its body (主动公开)"
    return None


# a file name may hold line breaks: escaped, the refusal stays one line
_ESCAPED = {c: f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}" for c in (*range(0x20), 0x7f, 0x85, 0x2028, 0x2029)}


def _incomplete_message(incomplete: list[str]) -> str:
    named = "; ".join(incomplete[:3])
    return (f"publish refused: {len(incomplete)} document(s) cannot be catalogued ({named}"
            f"{'; …' if len(incomplete) > 3 else ''}); decide them 依申请公开 or 不予公开, or give the file "
            f"a title and text, and classify it again — nothing was written")


def _blocked_message(blocked: list[Blocked]) -> str:
    items = sorted({b.item_id for b in blocked})
    named = "; ".join(str(b) for b in blocked[:3])
    return (f"publish refused: {len(items)} document(s) would publish personal data or a secrecy mark that no "
            f"reviewer cleared ({named}{'; …' if len(blocked) > 3 else ''}); review them "
            f"(`gongkai review show ID`) — nothing was written")


def _open_publication(out: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(out, isolation_level=None, timeout=30)
    conn.execute("PRAGMA busy_timeout = 30000")
    conn.execute("BEGIN IMMEDIATE")       # one writer; the schema is made or upgraded inside it
    version = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() \
        if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'meta'").fetchone() else None
    version = int(version[0]) if version else None
    if version and version > PUBLICATION_SCHEMA_VERSION:
        raise ValueError(f"{out}: publication schema version {version} is newer than this gongkai supports")
    if version == 1:
        conn.execute("ALTER TABLE documents RENAME TO documents_v1")
    if version == 2:
        for column in V3_COLUMNS:
            conn.execute(f"ALTER TABLE documents ADD COLUMN {column}")
    for statement in filter(str.strip, PUBLICATION_DDL.split(";")):
        conn.execute(statement)
    if version == 1:
        conn.execute(f"INSERT INTO documents (doc_id, source, item_id, sha256, batch, title, doc_number, issuer, "
                     "date, doc_type, attribute, attribute_name, body, redactions, published_at) "
                     f"SELECT '{LEGACY_SOURCE}/' || doc_id, '{LEGACY_SOURCE}', doc_id, sha256, batch, title, "
                     "doc_number, issuer, date, doc_type, attribute, attribute_name, body, redactions, published_at "
                     "FROM documents_v1")
        conn.execute("DROP TABLE documents_v1")
    if version in (1, 2):      # rows written before v3: 发布日期 is the day they were last written
        conn.execute("UPDATE documents SET publish_date = substr(published_at, 1, 10) WHERE publish_date IS NULL")
        conn.execute("INSERT INTO documents_fts (doc_id, title, body) SELECT doc_id, title, body FROM documents")
    conn.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(PUBLICATION_SCHEMA_VERSION)])
    return conn


def _check_sqlite() -> None:
    if sqlite3.sqlite_version_info < FTS_MIN_SQLITE:
        raise ValueError(f"the full-text index needs SQLite ≥ 3.34 (trigram tokenizer); "
                         f"this Python has SQLite {sqlite3.sqlite_version}")


def _write_publication(out: Path, source: str, batch: str, rows: dict[int, dict], working,
                       index_prefix: str = DEFAULT_INDEX_PREFIX) -> int:
    """Replace this working database's rows of the batch in one transaction; unchanged rows keep
    their published_at, 发布日期 and generated 索引号; rows another working database published are never touched."""
    _check_sqlite()
    conn = _open_publication(out)
    try:
        _check_anchors(conn, source, working)
        existing = {r[0]: r[1:] for r in conn.execute(
            f"SELECT doc_id, {', '.join(ROW_KEYS)}, publish_date, published_at FROM documents "
            "WHERE batch = ? AND source IN (?, ?)", [batch, source, LEGACY_SOURCE])}
        wanted = {f"{source}/{item_id}": row for item_id, row in rows.items()}
        changed = 0
        for doc_id in set(existing) - set(wanted):
            _delete_row(conn, doc_id)
            changed += 1
        now = store.now()
        index_at = ROW_KEYS.index("index_no")
        for doc_id, row in wanted.items():
            before = existing.get(doc_id)
            index_no = row["index_no"] or (before[index_at] if before else None) or \
                _next_index_no(conn, index_prefix, row["date"], now)
            values = tuple(index_no if k == "index_no" else row[k] for k in ROW_KEYS)
            if before and before[:-2] == values:
                continue
            publish_date = (before[-2] if before else None) or now[:10]
            _delete_row(conn, doc_id)
            conn.execute(f"INSERT INTO documents (doc_id, {', '.join(ROW_KEYS)}, publish_date, published_at) "
                         f"VALUES (?, {', '.join('?' * len(ROW_KEYS))}, ?, ?)", [doc_id, *values, publish_date, now])
            conn.execute("INSERT INTO documents_fts (doc_id, title, body) VALUES (?, ?, ?)",
                         [doc_id, row["title"], row["body"]])
            changed += 1
        head = working.execute("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
        if head:
            conn.execute("INSERT OR IGNORE INTO anchors VALUES (?, ?, ?, ?, ?)", [source, batch, *head, now])
        conn.execute("COMMIT")
    except BaseException:
        store.rollback(conn)
        raise
    finally:
        conn.close()
    return changed


def _delete_row(conn, doc_id: str) -> None:
    conn.execute("DELETE FROM documents WHERE doc_id = ?", [doc_id])
    conn.execute("DELETE FROM documents_fts WHERE doc_id = ?", [doc_id])


def _next_index_no(conn, prefix: str, date: str | None, now: str) -> str:
    """索引号 PREFIX/YYYY-NNNNN: the year of 成文日期 (else of publishing), the next serial of that
    prefix and year in this publication database (docs/publication-schema.md)."""
    year = date[:4] if date and re.fullmatch(r"\d{4}", date[:4]) else now[:4]
    stem = f"{prefix}/{year}-"
    serials = [int(r[0][len(stem):]) for r in conn.execute(
        "SELECT index_no FROM documents WHERE substr(index_no, 1, ?) = ?", [len(stem), stem])
        if r[0][len(stem):].isdigit()]
    return f"{stem}{max(serials, default=0) + 1:05d}"


def _check_anchors(conn, source: str, working) -> None:
    """Each audit row an earlier publish of this working database ended at must still be there,
    unchanged: rows cut from the end of the log, or a log rewritten from the start, show here."""
    for audit_id, digest in conn.execute("SELECT audit_id, hash FROM anchors WHERE source = ?", [source]):
        now = working.execute("SELECT hash FROM audit WHERE id = ?", [audit_id]).fetchone()
        if not now or now[0] != digest:
            raise PublishBlocked(f"audit row {audit_id} is {'gone' if not now else 'not the row'} an earlier "
                                 f"publish into this publication database saw: the log was cut or rewritten; "
                                 f"publish refused")


def _freeze(db, batch: str, reviewer: str, rows: dict[int, dict]) -> None:
    with review.transaction(db):
        db.conn.execute("UPDATE batches SET frozen = ?, published_at = ? WHERE name = ?",
                        [review.FROZEN, store.now(), batch])
        for item in db.query("SELECT id FROM items WHERE batch = ? ORDER BY id", [batch]):
            attribute = rows[item["id"]]["attribute"] if item["id"] in rows else "non_disclosure"
            review.append_audit(db, item["id"], batch, "publish", reviewer, to_attribute=attribute)


def reopen(db, batch: str, reviewer: str, reason: str) -> None:
    """Unfreeze a published batch so decisions can change; audited."""
    if not reason:
        raise ValueError("reopening a published batch needs a --reason")
    with publish_lock(_working_path(db)), review.transaction(db):   # never in the middle of a publish
        row = db.execute("SELECT frozen FROM batches WHERE name = ?", [batch]).fetchone()
        if not row:
            raise ValueError(f"no batch named {batch!r} in this database")
        if not row[0]:
            raise ValueError(f"batch {batch!r} is not frozen (it has not been published)")
        db.conn.execute("UPDATE batches SET frozen = ? WHERE name = ?", [review.OPEN, batch])
        review.append_audit(db, None, batch, "reopen", reviewer, reason=reason)
