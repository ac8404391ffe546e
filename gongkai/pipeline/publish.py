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
import sqlite3
import sys
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from gongkai.pipeline import audit, review, store, superseded
from gongkai.pipeline.guard import Blocked, Guard
from gongkai.records import ATTRIBUTES

PUBLICATION_SCHEMA_VERSION = 2
PUBLICATION_DDL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY, source TEXT NOT NULL, item_id INTEGER NOT NULL,
    sha256 TEXT NOT NULL, batch TEXT NOT NULL,
    title TEXT, doc_number TEXT, issuer TEXT, date TEXT, doc_type TEXT, attachments TEXT NOT NULL DEFAULT '[]',
    attribute TEXT NOT NULL CHECK (attribute IN ('proactive', 'on_request')),
    attribute_name TEXT NOT NULL, body TEXT, redactions TEXT NOT NULL, published_at TEXT NOT NULL,
    UNIQUE (source, batch, sha256)
);
CREATE INDEX IF NOT EXISTS documents_batch ON documents(source, batch);
CREATE TABLE IF NOT EXISTS anchors (
    source TEXT NOT NULL, batch TEXT NOT NULL, audit_id INTEGER NOT NULL, hash TEXT NOT NULL,
    published_at TEXT NOT NULL, PRIMARY KEY (source, batch, audit_id)
);
"""
# v1 rows were keyed by the working database's item id alone; they keep it under this source
# and are replaced when their batch is published again (docs/publication-schema.md).
LEGACY_SOURCE = "v1"
ROW_KEYS = ("source", "item_id", "sha256", "batch", "title", "doc_number", "issuer", "date", "doc_type",
            "attachments", "attribute", "attribute_name", "body", "redactions")


class PublishRefused(RuntimeError):
    """The gate is closed: some item still needs a final review decision."""

    def __init__(self, batch: str, pending: list[tuple[dict, review.ReviewState]]) -> None:
        self.pending = pending
        super().__init__(f"batch {batch!r}: {len(pending)} document(s) still need a final review decision")


class PublishBlocked(RuntimeError):
    """Something that must not leave is still in the rows, or the working database was edited."""


@dataclass
class PublishResult:
    batch: str
    out: Path
    counts: Counter = field(default_factory=Counter)   # attribute -> rows; plus "withheld"
    changed: int = 0                                     # rows added, updated or removed
    redactions: int = 0


def publish(db, batch: str, out: str | Path, reviewer: str, convention=None) -> PublishResult:
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
            changed = _write_publication(out, store.db_id(db), batch, rows, db.conn)
            _freeze(db, batch, reviewer, rows)
        except BaseException:
            _restore(db, batch, previous)
            raise
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
    rows, withheld, blocked = {}, 0, []
    for item in items:
        attribute = states[item["id"]].final_attribute
        if attribute not in ("proactive", "on_request"):
            withheld += 1
            continue
        columns = {"title": item["title"], "doc_number": item["doc_number"], "issuer": item["issuer"],
                   "date": item["date"], "doc_type": item["doc_type"], "attachments": item["attachments"],
                   "body": item["text"] or "" if attribute == "proactive" else None}
        masked, redactions = guard.mask(item, hits[item["id"]], cleared, columns)
        row = {**masked, "source": source, "item_id": item["id"], "sha256": item["sha256"], "batch": batch,
               "attribute": attribute, "attribute_name": ATTRIBUTES[attribute],
               "redactions": json.dumps(redactions, ensure_ascii=False, sort_keys=True)}
        blocked += guard.check(item["id"], row, hits[item["id"]], cleared,
                               reviewed=states[item["id"]].current is not None)
        rows[item["id"]] = row
    if blocked:
        raise PublishBlocked(_blocked_message(blocked))
    return rows, withheld


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
    if version and int(version[0]) > PUBLICATION_SCHEMA_VERSION:
        raise ValueError(f"{out}: publication schema version {version[0]} is newer than this gongkai supports")
    if version and int(version[0]) == 1:
        conn.execute("ALTER TABLE documents RENAME TO documents_v1")
    for statement in filter(str.strip, PUBLICATION_DDL.split(";")):
        conn.execute(statement)
    if version and int(version[0]) == 1:
        conn.execute(f"INSERT INTO documents SELECT '{LEGACY_SOURCE}/' || doc_id, '{LEGACY_SOURCE}', doc_id, "
                     "sha256, batch, title, doc_number, issuer, date, doc_type, '[]', attribute, attribute_name, "
                     "body, redactions, published_at FROM documents_v1")
        conn.execute("DROP TABLE documents_v1")
    conn.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(PUBLICATION_SCHEMA_VERSION)])
    return conn


def _write_publication(out: Path, source: str, batch: str, rows: dict[int, dict], working) -> int:
    """Replace this working database's rows of the batch in one transaction; unchanged rows keep
    their published_at; rows another working database published are never touched."""
    conn = _open_publication(out)
    try:
        _check_anchors(conn, source, working)
        existing = {r[0]: r[1:] for r in conn.execute(
            f"SELECT doc_id, {', '.join(ROW_KEYS)}, published_at FROM documents "
            "WHERE batch = ? AND source IN (?, ?)", [batch, source, LEGACY_SOURCE])}
        wanted = {f"{source}/{item_id}": row for item_id, row in rows.items()}
        changed = 0
        for doc_id in set(existing) - set(wanted):
            conn.execute("DELETE FROM documents WHERE doc_id = ?", [doc_id])
            changed += 1
        now = store.now()
        for doc_id, row in wanted.items():
            values = tuple(row[k] for k in ROW_KEYS)
            if doc_id in existing and existing[doc_id][:-1] == values:
                continue
            conn.execute(f"INSERT OR REPLACE INTO documents (doc_id, {', '.join(ROW_KEYS)}, published_at) "
                         f"VALUES (?, {', '.join('?' * len(ROW_KEYS))}, ?)", [doc_id, *values, now])
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
