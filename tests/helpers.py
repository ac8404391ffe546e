"""Small helpers to put documents into a working database through the real store functions."""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest

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


def derived_drafts(tmp_path_factory, name: str, count: int, fmt_of: Callable[[int], str]) -> Path:
    """`count` drafts derived from corpus/docs as the benchmark derives them, document i written in
    format fmt_of(i) (benchmarks.corpus); skips the test when corpus/docs holds no drafts."""
    from benchmarks.corpus import CORPUS, document_text, load_source, write_document

    if not any(CORPUS.glob("*.txt")):
        pytest.skip("corpus/docs has no drafts to derive documents from")
    folder = tmp_path_factory.mktemp(name)
    source = load_source()
    for index in range(count):
        write_document(folder, index, document_text(source, index), fmt_of(index))
    return folder
