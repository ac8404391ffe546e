"""The working database (SQLite): items, hits, audit log, leases.

Created and migrated by the tool; the schema version lives in `meta`. Writes
are batched (one transaction per chunk of documents) and the database runs in
WAL mode so reviewers can read while a batch is written. Every stored document
is sealed in the audit's hash chain (audit.py) in the transaction that stores it.
"""
from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime, timezone
from pathlib import Path

from gongkai.pipeline import audit
from gongkai.pipeline.ingest.files import display_path, raw_path
from gongkai.records import HeaderFields

SCHEMA_VERSION = 7


class SchemaError(RuntimeError):
    """The database cannot be used by this version of gongkai."""


_V1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE batches (
    name TEXT PRIMARY KEY, created_at TEXT NOT NULL,
    frozen INTEGER NOT NULL DEFAULT 0, published_at TEXT
);
CREATE TABLE items (
    id INTEGER PRIMARY KEY,
    batch TEXT NOT NULL REFERENCES batches(name),
    sha256 TEXT NOT NULL, path TEXT NOT NULL, size INTEGER,
    format TEXT, status TEXT NOT NULL, error TEXT, pages INTEGER, chars INTEGER,
    encoding TEXT, flags TEXT NOT NULL DEFAULT '[]', text TEXT,
    title TEXT, doc_number TEXT, issuer TEXT, date TEXT, doc_type TEXT,
    secrecy TEXT, urgency TEXT, copy_number TEXT, signer TEXT,
    addressees TEXT NOT NULL DEFAULT '[]', cc TEXT NOT NULL DEFAULT '[]',
    declared_attribute TEXT, declared_text TEXT, attachments TEXT NOT NULL DEFAULT '[]',
    index_no TEXT, publish_mode TEXT,
    proposed_attribute TEXT, confidence REAL, probabilities TEXT NOT NULL DEFAULT '{}',
    needs_review INTEGER NOT NULL DEFAULT 1, review_reasons TEXT NOT NULL DEFAULT '[]',
    explanation TEXT, proposed_ground TEXT,
    model_version TEXT, negative_list_version TEXT, processed_at TEXT NOT NULL,
    UNIQUE (batch, sha256)
);
CREATE TABLE hits (
    id INTEGER PRIMARY KEY,
    item_id INTEGER NOT NULL REFERENCES items(id),
    kind TEXT NOT NULL, rule_id TEXT NOT NULL, text TEXT NOT NULL,
    start INTEGER NOT NULL, "end" INTEGER NOT NULL,
    ground TEXT, severity TEXT, explanation TEXT
);
CREATE INDEX hits_item ON hits(item_id);
"""

# v2: the review tables (append-only audit log, short leases for concurrent reviewers).
_V2 = """
CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    item_id INTEGER REFERENCES items(id), batch TEXT NOT NULL,
    action TEXT NOT NULL, reviewer TEXT NOT NULL, at TEXT NOT NULL,
    from_attribute TEXT, to_attribute TEXT, reason TEXT, ground TEXT,
    hit_id INTEGER,   -- not_personal: the hit a reviewer cleared
    ref_id INTEGER,   -- undo: the audit row it retracts
    session TEXT, model_version TEXT, negative_list_version TEXT
);
CREATE INDEX audit_item ON audit(item_id);
CREATE INDEX audit_batch ON audit(batch);
CREATE TABLE leases (
    item_id INTEGER PRIMARY KEY REFERENCES items(id),
    reviewer TEXT NOT NULL, session TEXT NOT NULL, expires_at REAL NOT NULL
);
"""

# v3: every path an item was found under (identical bytes under two names are one item), and items
# whose path now holds other bytes (superseded: not published unless a reviewer keeps them).
_V3_PATHS = """
CREATE TABLE item_paths (
    item_id INTEGER NOT NULL REFERENCES items(id),
    raw_path BLOB NOT NULL,
    path TEXT NOT NULL,
    seen_at TEXT NOT NULL,
    PRIMARY KEY (item_id, raw_path)
);
CREATE INDEX item_paths_raw ON item_paths(raw_path);
CREATE TABLE superseded (
    item_id INTEGER PRIMARY KEY REFERENCES items(id),
    by_item INTEGER NOT NULL REFERENCES items(id),
    raw_path BLOB NOT NULL, path TEXT NOT NULL, at TEXT NOT NULL,
    audit_floor INTEGER NOT NULL
);
INSERT INTO item_paths SELECT id, CAST(path AS BLOB), path, processed_at FROM items
"""


def _v4(conn) -> None:
    """v4: the audit becomes a hash chain that also seals every document (audit.py); the OS account
    is recorded beside the reviewer's name; the database gets an identity for the publication database.
    Existing rows are chained and existing documents sealed as they are now. (The seal covers items
    and hits only: item_paths and superseded, from v3, may change after classify without breaking it.)"""
    for column in ("account", "digest", "prev_hash", "hash"):
        conn.execute(f"ALTER TABLE audit ADD COLUMN {column} TEXT")
    conn.execute("INSERT OR IGNORE INTO meta VALUES ('db_id', ?)", [uuid.uuid4().hex])
    audit.rechain(conn)
    account = audit.os_account()
    for item_id, batch, model, neglist in conn.execute(
            "SELECT id, batch, model_version, negative_list_version FROM items ORDER BY id").fetchall():
        audit.seal(conn, item_id, batch, account, (model, neglist), note="sealed on the upgrade to schema 4")


# v5: what OCR read — the flag, the pages it read, its mean and lowest line confidence.
_V5_OCR = """
ALTER TABLE items ADD COLUMN ocr INTEGER NOT NULL DEFAULT 0;
ALTER TABLE items ADD COLUMN ocr_pages TEXT NOT NULL DEFAULT '[]';
ALTER TABLE items ADD COLUMN ocr_confidence REAL;
ALTER TABLE items ADD COLUMN ocr_min_confidence REAL
"""

# v6: an index under every query the commands run (tests/test_query_plans.py): export pages a batch
# in id order without re-sorting each chunk, the review queue finds its rows without a scan. A row
# stores its text before the header and proposal columns, so reading those from the table walks
# the text's overflow pages: items_queue and items_fold cover what the queue, the report and the
# review state read, and those queries never touch the rows (20,000 documents: benchmarks/cli_reads.py).
_V6_INDEXES = """
CREATE INDEX items_batch_id ON items(batch, id);
CREATE INDEX items_review ON items(needs_review, batch);
CREATE INDEX items_queue ON items(batch, needs_review, id, status, secrecy, proposed_attribute, confidence,
                                  processed_at, doc_type, title, path, review_reasons, ocr, ocr_confidence);
CREATE INDEX items_fold ON items(id, needs_review, proposed_attribute, secrecy);
CREATE INDEX audit_action ON audit(action);
CREATE INDEX leases_expiry ON leases(expires_at);
"""



def _v7(conn) -> None:
    """v7: each item's export line as classify fixed it, with gaps for what changes after
    (export_json.store_fragments); export fills the gaps instead of rendering every item (20,000
    documents: benchmarks/cli_reads.py). Existing items get theirs now."""
    from gongkai.pipeline import export_json

    conn.execute("CREATE TABLE item_json (item_id INTEGER PRIMARY KEY REFERENCES items(id), fragment TEXT NOT NULL)")
    ids = [r[0] for r in conn.execute("SELECT id FROM items ORDER BY id")]
    for start in range(0, len(ids), 1000):
        export_json.store_fragments(Database(conn), ids[start:start + 1000])


MIGRATIONS: list = [_V1, _V2, _V3_PATHS, _v4, _V5_OCR, _V6_INDEXES, _v7]  # MIGRATIONS[i] upgrades version i to i+1 (SQL text or a function)

LIST_COLUMNS = ("flags", "addressees", "cc", "attachments", "review_reasons", "ocr_pages")
OCR_COLUMNS = ("ocr", "ocr_pages", "ocr_confidence", "ocr_min_confidence")


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Database:
    """The working database's connection and the few helpers the commands use. (sqlite-utils did
    this; importing it — and numpy, which it imports — took 0.2 s of every command's start-up.)
    The connection is in autocommit mode: transactions are the explicit BEGIN … COMMIT of callers."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def execute(self, sql: str, params: Sequence | dict = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    def query(self, sql: str, params: Sequence | dict = ()) -> Iterator[dict]:
        """Rows as dicts (column name -> value)."""
        cursor = self.conn.execute(sql, params)
        keys = [d[0] for d in cursor.description]
        return (dict(zip(keys, row)) for row in cursor)

    def table_names(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]

    @property
    def journal_mode(self) -> str:
        return self.conn.execute("PRAGMA journal_mode").fetchone()[0]


def connect(path: str | Path, *, create: bool = True) -> Database:
    """Open (and create or upgrade) the working database."""
    path = Path(path)
    if not create and not path.exists():
        raise SchemaError(f"{path}: no such database (run `gongkai classify` first)")
    db = Database(sqlite3.connect(str(path), timeout=30, isolation_level=None))
    db.execute("PRAGMA busy_timeout = 30000")
    db.execute("PRAGMA foreign_keys = ON")
    _migrate(db, path)
    if db.journal_mode != "wal":
        db.execute("PRAGMA journal_mode = wal")
    return db


def schema_version(db: Database) -> int:
    if "meta" not in db.table_names():
        return 0
    row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0


def _migrate(db: Database, path: Path) -> None:
    version = schema_version(db)
    if version > SCHEMA_VERSION:
        raise SchemaError(
            f"{path}: database schema version {version} is newer than this gongkai supports "
            f"({SCHEMA_VERSION}); upgrade gongkai to open it")
    if version == SCHEMA_VERSION:
        return
    if version == 0 and db.table_names():
        raise SchemaError(f"{path}: not a gongkai database (it has tables but no schema version)")
    db.execute("BEGIN IMMEDIATE")
    try:
        version = schema_version(db)  # another process may have migrated meanwhile
        for step in MIGRATIONS[version:]:
            if callable(step):
                step(db.conn)
                continue
            for statement in filter(str.strip, step.split(";")):
                db.execute(statement)
        db.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
        db.execute("COMMIT")
    except BaseException:
        rollback(db.conn)
        raise


def rollback(conn) -> None:
    """Roll back if a transaction is still open. SQLite ends a transaction itself on some errors
    (a full disk, for one); a second ROLLBACK would then fail with `cannot rollback - no transaction
    is active` and hide the error that happened, so that failure is never raised."""
    try:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
    except sqlite3.Error:
        pass


def db_id(db) -> str:
    """This working database's identity (a random id made when it was created or upgraded)."""
    return db.execute("SELECT value FROM meta WHERE key = 'db_id'").fetchone()[0]


def ensure_batch(db: Database, name: str) -> None:
    db.execute("INSERT OR IGNORE INTO batches (name, created_at) VALUES (?, ?)", [name, now()])


def require_batch(db: Database, name: str | None) -> None:
    """`--batch NAME` must name a batch of this database (None: every batch)."""
    if name is None or db.execute("SELECT 1 FROM batches WHERE name = ?", [name]).fetchone():
        return
    names = [r[0] for r in db.execute("SELECT name FROM batches ORDER BY name LIMIT 11")]
    listed = ", ".join(names[:10]) + (", …" if len(names) > 10 else "")
    raise SchemaError(f"no such batch: {name!r} (batches: {listed or 'none yet'})")


def known_hashes(db: Database, batch: str) -> set[str]:
    return {r[0] for r in db.execute("SELECT sha256 FROM items WHERE batch = ?", [batch])}


_FIELD_COLUMNS = tuple(f.name for f in fields(HeaderFields))
ITEM_COLUMNS = ("sha256", "path", "size", "format", "status", "error", "pages", "chars", "encoding", "flags",
                "text", *_FIELD_COLUMNS, "proposed_attribute", "confidence", "probabilities", "needs_review",
                "review_reasons", "explanation", "proposed_ground", "model_version", "negative_list_version",
                "processed_at", *OCR_COLUMNS)
_ITEM_INDEX = {column: i for i, column in enumerate(ITEM_COLUMNS)}
HIT_COLUMNS = ("kind", "rule_id", "text", "start", "end", "ground", "severity", "explanation")
_INSERT_ITEM = (f"INSERT OR IGNORE INTO items (batch, {', '.join(map(json.dumps, ITEM_COLUMNS))}) "
                f"VALUES ({', '.join('?' * (len(ITEM_COLUMNS) + 1))})")
_INSERT_HIT = (f"INSERT INTO hits (item_id, {', '.join(map(json.dumps, HIT_COLUMNS))}) "
               f"VALUES ({', '.join('?' * (len(HIT_COLUMNS) + 1))})")


@dataclass(frozen=True)
class Record:
    """One document as the writer inserts it: the `items` values (ITEM_COLUMNS order, without the
    batch) and the `hits` values (HIT_COLUMNS order), and where the file was found. Workers build it,
    so the single writer only runs INSERTs, and a tuple of plain values crosses the process boundary
    faster than the dataclasses. `path_only`: a file whose bytes are already an item of the batch."""

    item: tuple
    hits: tuple[tuple, ...]
    raw_path: bytes = b""
    path_only: bool = False

    @property
    def sha256(self) -> str:
        return self.item[_ITEM_INDEX["sha256"]]

    @property
    def path(self) -> str:
        return self.item[_ITEM_INDEX["path"]]

    @property
    def status(self) -> str:
        return self.item[_ITEM_INDEX["status"]]

    @property
    def error(self) -> str | None:
        return self.item[_ITEM_INDEX["error"]]


def _json(value):
    return json.dumps(value, ensure_ascii=False)


def to_record(result) -> Record:
    """Flatten a DocumentResult (pure; `processed_at` is the time of the call). The stored path is
    readable text (files.display_path); its exact bytes go to item_paths."""
    parsed, header, proposal = result.parsed, result.fields, result.proposal
    item = (result.sha256, display_path(result.path), result.size, parsed.format, parsed.status, parsed.error,
            parsed.pages, len(parsed.text), parsed.encoding, _json(parsed.flags), parsed.text,
            *(_json(v) if isinstance(v, list) else v for v in (getattr(header, c) for c in _FIELD_COLUMNS)),
            proposal.proposed_attribute, proposal.confidence, _json(proposal.probabilities),
            int(proposal.needs_review), _json(proposal.review_reasons), proposal.explanation, proposal.ground,
            result.model_version, result.negative_list_version, now(), *ocr_values(parsed))
    hits = tuple((h.kind, h.rule_id, h.text, h.start, h.end, h.ground, h.severity, h.explanation)
                 for h in result.hits)
    return Record(item, hits, raw_path(result.path))


def path_record(path: str, sha256: str) -> Record:
    """A file whose bytes are already an item of the batch: only its path is recorded."""
    item = tuple(sha256 if c == "sha256" else display_path(path) if c == "path" else None for c in ITEM_COLUMNS)
    return Record(item, (), raw_path(path), path_only=True)


def ocr_values(parsed) -> tuple:
    """The OCR columns of a parsed document (OCR_COLUMNS order); the parser keeps them in `meta`."""
    meta = parsed.meta or {}
    pages = meta.get("ocr_pages", [])
    return (int(bool(pages)), _json(pages), meta.get("ocr_confidence") if pages else None,
            meta.get("ocr_min_confidence") if pages else None)


def item_row(result, batch: str) -> dict:
    """A DocumentResult as an `items` row (column -> value), for sqlite-utils' insert."""
    return {"batch": batch, **dict(zip(ITEM_COLUMNS, to_record(result).item))}


class BatchClosed(RuntimeError):
    """The batch was frozen (published, or being published) while documents were being added."""


@dataclass
class Written:
    items: int = 0                                   # new items
    superseded: list[tuple[str, int, int]] = field(default_factory=list)   # (path, old id, new id)


def write_results(db: Database, batch: str, records: Sequence[Record]) -> Written:
    """Write a chunk of documents, their hits and paths in one transaction, each new document
    sealed in the audit (its paths are not sealed: they grow as the same bytes are found again).

    A document already in the batch (same sha256) is not inserted again, so a rerun after a crash
    adds nothing twice (a killed run loses at most the open chunk); its path is added to the item's
    paths. An item whose path now holds other bytes is marked superseded by the new one. A batch
    that publish froze meanwhile takes nothing more (BatchClosed): its check and this chunk are
    one transaction, so no document lands in a published batch.
    """
    from gongkai.pipeline import export_json

    written = Written()
    conn = db.conn
    account = audit.os_account()
    conn.execute("BEGIN IMMEDIATE")
    try:
        frozen = conn.execute("SELECT frozen FROM batches WHERE name = ?", [batch]).fetchone()
        if frozen and frozen[0]:
            raise BatchClosed(f"batch {batch!r} was published while this run was adding to it: the remaining "
                              f"files were not added; reopen it (`gongkai batch reopen {batch} --reason ...`) "
                              f"and run classify again, or classify them into a new batch")
        last = audit.last_row(conn)
        added = []
        for record in records:
            item_id = None
            if not record.path_only:
                cur = conn.execute(_INSERT_ITEM, (batch, *record.item))
                if cur.rowcount:
                    item_id = cur.lastrowid
                    added.append(item_id)
                    if record.hits:
                        conn.executemany(_INSERT_HIT, [(item_id, *hit) for hit in record.hits])
                    last = _seal(conn, item_id, batch, account, record, last)
                    written.items += 1
            if item_id is None:
                row = conn.execute("SELECT id FROM items WHERE batch = ? AND sha256 = ?",
                                   [batch, record.sha256]).fetchone()
                if row is None:
                    continue
                item_id = row[0]
            written.superseded += _add_path(conn, batch, item_id, record.raw_path)
        export_json.store_fragments(db, added)
        conn.execute("COMMIT")
    except BaseException:
        rollback(conn)
        raise
    return written


def _seal(conn, item_id: int, batch: str, account: str, record: Record, last):
    """The `classify` audit row of a document just inserted, its digest computed from the inserted values."""
    values = {"id": item_id, "batch": batch, **dict(zip(ITEM_COLUMNS, record.item))}
    return audit.seal(conn, item_id, batch, account, (values["model_version"], values["negative_list_version"]),
                      digest=audit.digest_of(values, record.hits), last=last, at=values["processed_at"])


def _add_path(conn, batch: str, item_id: int, raw: bytes) -> list[tuple[str, int, int]]:
    """Record that `raw` holds item_id's bytes now; other items of the batch found there are superseded."""
    if not raw:
        return []
    shown = display_path(raw)
    conn.execute("INSERT OR IGNORE INTO item_paths VALUES (?, ?, ?, ?)", [item_id, raw, shown, now()])
    conn.execute("DELETE FROM superseded WHERE item_id = ? AND raw_path = ?", [item_id, raw])   # back again
    older = [r[0] for r in conn.execute(
        "SELECT p.item_id FROM item_paths p JOIN items i ON i.id = p.item_id WHERE p.raw_path = ? "
        "AND i.batch = ? AND p.item_id != ? AND p.item_id NOT IN (SELECT item_id FROM superseded)",
        [raw, batch, item_id])]
    floor = conn.execute("SELECT COALESCE(MAX(id), 0) FROM audit").fetchone()[0] if older else 0
    for old in older:
        conn.execute("INSERT INTO superseded VALUES (?, ?, ?, ?, ?, ?)", [old, item_id, raw, shown, now(), floor])
    return [(shown, old, item_id) for old in older]


def paths_for(db: Database, item_ids: Iterable[int]) -> dict[int, list[str]]:
    """Every path each item was found under (shown form), in the order they were seen."""
    ids = list(item_ids)
    found: dict[int, list[str]] = {i: [] for i in ids}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for item_id, path in db.execute(
                f"SELECT item_id, path FROM item_paths WHERE item_id IN ({', '.join('?' * len(chunk))}) "
                "ORDER BY item_id, rowid", chunk):
            found[item_id].append(path)
    return found


def decode_item(row: dict) -> dict:
    """JSON columns back to lists/dicts, needs_review to bool."""
    out = dict(row)
    for key in (*LIST_COLUMNS, "probabilities"):
        if key in out and isinstance(out[key], str):
            out[key] = json.loads(out[key])
    for key in ("needs_review", "ocr"):
        if key in out and out[key] is not None:
            out[key] = bool(out[key])
    return out


def hits_for(db: Database, item_ids: Iterable[int]) -> dict[int, list[dict]]:
    ids = list(item_ids)
    found: dict[int, list[dict]] = {i: [] for i in ids}
    for chunk_start in range(0, len(ids), 500):
        chunk = ids[chunk_start:chunk_start + 500]
        sql = (f'SELECT * FROM hits WHERE item_id IN ({", ".join("?" * len(chunk))}) '
               'ORDER BY item_id, start, "end", id')
        for row in db.query(sql, chunk):
            found[row["item_id"]].append(row)
    return found
