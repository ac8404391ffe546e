"""Small helpers to put documents into a working database through the real store functions."""
from __future__ import annotations

import hashlib

from gongkai.pipeline import store
from gongkai.pipeline.process import DocumentResult
from gongkai.records import HeaderFields, Hit, ParsedDoc, Proposal


def add_item(db, batch: str, text: str, *, proposed: str | None = "proactive", needs_review: bool = True,
             hits: list[Hit] = (), fields: HeaderFields | None = None, status: str = "ok") -> int:
    """Write one document as `classify` would and return its id."""
    store.ensure_batch(db, batch)
    sha = hashlib.sha256(f"{batch}:{text}".encode()).hexdigest()
    result = DocumentResult(
        path=f"/inbox/{sha[:8]}.txt", sha256=sha, size=len(text.encode()),
        parsed=ParsedDoc(format="txt", status=status, text=text, encoding="utf-8"),
        fields=fields or HeaderFields(title=text[:20]), hits=list(hits),
        proposal=Proposal(proposed, 0.9, needs_review, ["test"] if needs_review else []),
        model_version="m1", negative_list_version="n1")
    store.write_results(db, batch, [store.to_record(result)])
    return db.execute("SELECT id FROM items WHERE sha256 = ?", [sha]).fetchone()[0]


def mark(kind: str, text: str, start: int = 0) -> Hit:
    return Hit(kind=kind, rule_id=f"{kind}.test", text=text, start=start, end=start + len(text),
               ground="条例第十四条", severity="high")
