"""The export contract: one record per item, as JSON lines or CSV (docs/schema.md)."""
from __future__ import annotations

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


def records(db, batch: str | None = None, chunk: int = 200) -> Iterator[dict]:
    """Items in id order with their hits and final decision, streamed in chunks."""
    from gongkai.pipeline.review import final_states
    from gongkai.pipeline.superseded import superseded_by

    where, params = ("WHERE batch = ?", [batch]) if batch else ("", [])
    last = 0
    while True:
        rows = [store.decode_item(r) for r in db.query(
            f"SELECT * FROM items {where} {'AND' if where else 'WHERE'} id > ? ORDER BY id LIMIT {chunk}",
            [*params, last])]
        if not rows:
            return
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
            yield {k: row.get(k) for k in (*EXPORT_KEYS, *EXTRA_KEYS)}
        last = ids[-1]


def write_jsonl(recs: Iterator[dict], out: TextIO) -> int:
    n = 0
    for rec in recs:
        out.write(json.dumps(rec, ensure_ascii=False) + "\n")
        n += 1
    return n


def write_csv(recs: Iterator[dict], out: TextIO) -> int:
    writer = csv.DictWriter(out, fieldnames=[*EXPORT_KEYS, *EXTRA_KEYS])
    writer.writeheader()
    n = 0
    for rec in recs:
        writer.writerow({k: json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v
                         for k, v in rec.items()})
        n += 1
    return n
