"""The audit log's hash chain and the seals of classified documents (docs/security.md).

Every audit row stores the hash of the row before it (`prev_hash`) and its own
(`hash`): SHA-256 over the row's canonical serialisation, a compact JSON array of
AUDIT_FIELDS in that order (UTF-8, no ASCII escaping, no spaces), which includes
`prev_hash`. Editing, removing, inserting or reordering a row with the sqlite3 CLI
breaks the chain at that row. When `classify` stores a document it appends a
`classify` row whose `digest` seals the document's stored columns and hits, so an
edit of `items` or `hits` no longer matches its seal. Someone who rewrites the
whole chain and every seal is not stopped by this (docs/security.md says what is).
"""
from __future__ import annotations

import functools
import getpass
import hashlib
import json
import os
from dataclasses import dataclass

GENESIS = "0" * 64
AUDIT_FIELDS = ("id", "item_id", "batch", "action", "reviewer", "account", "at", "from_attribute",
                "to_attribute", "reason", "ground", "hit_id", "ref_id", "session", "model_version",
                "negative_list_version", "digest", "prev_hash")
SEAL_ACTION = "classify"
# The item columns a seal covers (schema 4; item_paths and superseded are not sealed). Fixed here,
# so a column added later does not change the digest of documents sealed before it.
SEALED_ITEM_COLUMNS = (
    "id", "batch", "sha256", "path", "size", "format", "status", "error", "pages", "chars", "encoding",
    "flags", "text", "title", "doc_number", "issuer", "date", "doc_type", "secrecy", "urgency",
    "copy_number", "signer", "addressees", "cc", "declared_attribute", "declared_text", "attachments",
    "index_no", "publish_mode", "proposed_attribute", "confidence", "probabilities", "needs_review",
    "review_reasons", "explanation", "proposed_ground", "model_version", "negative_list_version",
    "processed_at")
# Hits in id order, without the ids (they are not known to the writer before the insert; any swap
# of ids changes the order, so a clearance cannot be moved to another hit unnoticed).
SEALED_HIT_COLUMNS = ("kind", "rule_id", "text", "start", "end", "ground", "severity", "explanation")


class AuditError(RuntimeError):
    """The audit log or a document does not match its hash chain."""


@functools.lru_cache(maxsize=1)
def os_account() -> str:
    """The OS account running this process: the real uid, not $USER (anyone can set that), and the
    uid outside a user namespace (`unshare --user --map-user=…` makes getuid() say anything)."""
    if not hasattr(os, "getuid"):
        return getpass.getuser()
    uid = _outside_uid(os.getuid())
    try:
        import pwd

        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid{uid}"


def _outside_uid(uid: int) -> int:
    try:
        with open("/proc/self/uid_map", encoding="ascii") as fh:
            for line in fh:
                inside, outside, count = map(int, line.split())
                if inside <= uid < inside + count:
                    return outside + uid - inside
    except (OSError, ValueError):
        pass
    return uid


def _canonical(values) -> bytes:
    return json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def row_hash(row: dict) -> str:
    return hashlib.sha256(_canonical([row.get(k) for k in AUDIT_FIELDS])).hexdigest()


def last_row(conn) -> tuple[int, str] | None:
    return conn.execute("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()


def append(conn, row: dict, last: tuple[int, str] | None = None) -> tuple[int, str]:
    """Append one row to the chain; call inside the caller's write transaction (BEGIN IMMEDIATE).
    `last` is the chain's last (id, hash) when the caller already knows it. Returns the new row's."""
    last = last or last_row(conn)
    full = {**row, "account": row.get("account") or os_account(),
            "id": last[0] + 1 if last else 1, "prev_hash": last[1] if last else GENESIS}
    full["hash"] = row_hash(full)
    cols = ", ".join(full)
    conn.execute(f"INSERT INTO audit ({cols}) VALUES ({', '.join('?' * len(full))})", list(full.values()))
    return full["id"], full["hash"]


def rechain(conn) -> int:
    """Compute prev_hash and hash for every row in id order (the schema-4 upgrade); returns rows."""
    names = [d[1] for d in conn.execute("PRAGMA table_info(audit)")]
    prev, n = GENESIS, 0
    for values in conn.execute("SELECT * FROM audit ORDER BY id").fetchall():
        row = {**dict(zip(names, values)), "prev_hash": prev}
        prev = row_hash(row)
        conn.execute("UPDATE audit SET prev_hash = ?, hash = ? WHERE id = ?", [row["prev_hash"], prev, row["id"]])
        n += 1
    return n


@dataclass
class ChainReport:
    rows: int
    head: str                       # the last row's hash (GENESIS for an empty log)
    broken: str | None = None       # the first broken row, in one line


def verify_chain(conn) -> ChainReport:
    """Walk the chain from the first row; stop at the first row that does not hold."""
    names = [d[1] for d in conn.execute("PRAGMA table_info(audit)")]
    prev, prev_id, n = GENESIS, None, 0
    for values in conn.execute("SELECT * FROM audit ORDER BY id"):
        row = dict(zip(names, values))
        what = f"audit row {row['id']} ({row['action']} of document {row['item_id']} by {row['reviewer']})"
        if row["prev_hash"] != prev:
            after = f"row {prev_id}" if prev_id is not None else "the start of the log"
            return ChainReport(n, prev, f"{what} does not follow {after}: a row was removed, inserted or reordered")
        if row["hash"] != row_hash(row):
            return ChainReport(n, prev, f"{what} was changed after it was written (its hash does not match)")
        prev, prev_id, n = row["hash"], row["id"], n + 1
    return ChainReport(n, prev)


_SELECT_ITEM = f"SELECT {', '.join(map(json.dumps, SEALED_ITEM_COLUMNS))} FROM items WHERE id = ?"
_SELECT_HITS = f"SELECT {', '.join(map(json.dumps, SEALED_HIT_COLUMNS))} FROM hits WHERE item_id = ? ORDER BY id"
# `confidence` is REAL: an int the writer passes comes back as a float, so it is sealed as one.
_SMALL_COLUMNS = tuple(c for c in SEALED_ITEM_COLUMNS if c not in ("text", "confidence"))


def item_digest(conn, item_id: int) -> str | None:
    """The seal of a document as stored now (None: no such item)."""
    row = conn.execute(_SELECT_ITEM, [item_id]).fetchone()
    if row is None:
        return None
    return digest_of(dict(zip(SEALED_ITEM_COLUMNS, row)), conn.execute(_SELECT_HITS, [item_id]).fetchall())


def digest_of(item: dict, hits) -> str:
    """SHA-256 over a document's sealed columns (`item`, by name) and its hits (tuples of
    SEALED_HIT_COLUMNS, in id order): the compact JSON array of the columns other than `text` and
    `confidence`, `confidence` as a float, and the hits, then a NUL byte and the text in UTF-8.
    The writer computes it from the values it inserts, a check from the row it reads."""
    small = [[item[c] for c in _SMALL_COLUMNS], float(item["confidence"] or 0), [list(h) for h in hits]]
    digest = hashlib.sha256(_canonical(small))
    text = item["text"]
    digest.update(b"\0" if text is None else b"\0s" + text.encode("utf-8"))
    return digest.hexdigest()


def seal(conn, item_id: int, batch: str, account: str, versions: tuple, note: str | None = None,
         digest: str | None = None, last: tuple[int, str] | None = None, at: str | None = None) -> tuple[int, str]:
    """Append the `classify` row that seals a stored document (inside the writer's transaction);
    `digest` when the writer computed it from the values it inserted, else read from the database."""
    return append(conn, {"item_id": item_id, "batch": batch, "action": SEAL_ACTION, "reviewer": account,
                         "account": account, "at": at or _now(), "digest": digest or item_digest(conn, item_id),
                         "reason": note, "model_version": versions[0], "negative_list_version": versions[1]},
                  last)


def unsealed_or_changed(conn, item_ids: list[int]) -> list[tuple[int, str]]:
    """Documents whose stored columns or hits differ from their seal, or that have none: (id, why)."""
    seals: dict[int, str] = {}
    for start in range(0, len(item_ids), 500):
        chunk = item_ids[start:start + 500]
        for item_id, digest in conn.execute(
                f"SELECT item_id, digest FROM audit WHERE action = ? AND item_id IN ({', '.join('?' * len(chunk))}) "
                "ORDER BY id", [SEAL_ACTION, *chunk]):
            seals[item_id] = digest
    problems = []
    for item_id in item_ids:
        if item_id not in seals:
            problems.append((item_id, "has no classify record in the audit log (added outside gongkai?)"))
        elif item_digest(conn, item_id) != seals[item_id]:
            problems.append((item_id, "was changed after classify (its columns or hits no longer match "
                                      "the audit log's seal)"))
    return problems


def _now() -> str:
    from gongkai.pipeline.store import now

    return now()
