"""The export contract: one record per item, as JSON lines or CSV (docs/schema.md)."""
from __future__ import annotations

import codecs
import csv
import json
from collections.abc import Iterator
from typing import TextIO

from gongkai.pipeline import store

EXPORT_KEYS = (
    "id", "path", "sha256", "batch", "format", "status", "error", "pages", "chars", "encoding",
    "title", "doc_number", "issuer", "date", "doc_type", "secrecy", "urgency", "declared_attribute",
    "proposed_attribute", "confidence", "needs_review", "review_reasons", "hits", "final_attribute",
)
EXTRA_KEYS = ("copy_number", "signer", "addressees", "cc", "attachments", "index_no", "publish_mode",
              "flags", "explanation", "proposed_ground", "final_ground", "model_version",
              "negative_list_version", "paths", "superseded_by", "ocr", "ocr_pages", "ocr_confidence",
              "ocr_min_confidence")
HIT_KEYS = ("kind", "rule_id", "text", "start", "end", "ground", "severity")
KEYS = (*EXPORT_KEYS, *EXTRA_KEYS)
JOINED = ("hits", "final_attribute", "final_ground", "paths", "superseded_by")   # not columns of `items`
ITEM_KEYS = tuple(k for k in KEYS if k not in JOINED)
CHUNK = 500


def records(db, batch: str | None = None, chunk: int = CHUNK) -> Iterator[dict]:
    """Items in id order with their hits and final decision, streamed in chunks."""
    columns = ", ".join(f'"{k}"' for k in ITEM_KEYS)
    for rows in pages(db, columns, batch, chunk):
        yield from complete(db, [store.decode_item(dict(zip(ITEM_KEYS, row))) for row in rows])


def pages(db, columns: str, batch: str | None, chunk: int = CHUNK) -> Iterator[list[tuple]]:
    """The batch's items in id order, `chunk` rows at a time: `columns` (SQL, the id first) of each."""
    where, params = ("batch = ? AND", [batch]) if batch else ("", [])
    last = 0
    while rows := db.execute(f"SELECT {columns} FROM items WHERE {where} id > ? ORDER BY id LIMIT {chunk}",
                             [*params, last]).fetchall():
        yield rows
        last = rows[-1][0]


def complete(db, rows: list[dict]) -> Iterator[dict]:
    """Decoded item rows with their hits, final decision, paths and successor: export records."""
    from gongkai.pipeline.review import final_states
    from gongkai.pipeline.superseded import superseded_by

    ids = [r["id"] for r in rows]
    hits = store.hits_for(db, ids)
    finals = final_states(db, ids)
    paths = store.paths_for(db, ids)
    newer = superseded_by(db, ids)
    for row in rows:
        state = finals.get(row["id"])
        row["hits"] = [{k: h[k] for k in HIT_KEYS} for h in hits[row["id"]]]
        row["final_attribute"] = state.final_attribute if state else None
        row["final_ground"] = state.final_ground if state else None
        row["paths"] = paths[row["id"]]
        row["superseded_by"] = newer.get(row["id"])
        yield {k: row.get(k) for k in KEYS}


def write_jsonl(db, batch: str | None, out: TextIO) -> int:
    from gongkai.pipeline.export_json import encoded_lines

    binary = _utf8_bytes(out)
    write = binary.write if binary else lambda data: out.write(data.decode())
    n, pending = 0, []
    for line in encoded_lines(db, batch):
        pending.append(line)
        if len(pending) == CHUNK:       # one write per chunk of lines
            write(b"".join(pending))
            n, pending = n + len(pending), []
    write(b"".join(pending))
    if binary:
        binary.flush()
    return n + len(pending)


def _utf8_bytes(out: TextIO):
    """The byte stream under `out` if `out` writes UTF-8 (the lines are UTF-8 already), else None."""
    binary = getattr(out, "buffer", None)
    if binary is None or codecs.lookup(getattr(out, "encoding", None) or "ascii").name != "utf-8":
        return None
    out.flush()                         # what was written as text comes first
    return binary


def write_csv(db, batch: str | None, out: TextIO) -> int:
    writer = csv.DictWriter(out, fieldnames=list(KEYS))
    writer.writeheader()
    n = 0
    for rec in records(db, batch):
        writer.writerow({k: json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v
                         for k, v in rec.items()})
        n += 1
    return n
