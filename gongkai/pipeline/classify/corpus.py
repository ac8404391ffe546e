"""Labelled examples for training and evaluation: a corpus folder, extra folders, reviewed items."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from gongkai.pipeline.classify.model import LABELS

MANIFEST = "labels.csv"
SKIP_SUFFIXES = {".csv", ".md", ".json", ".toml"}


@dataclass
class Example:
    path: str
    text: str
    label: str
    status: str = "ok"
    error: str | None = None
    flags: tuple[str, ...] = ()
    doc_type: str | None = None
    ground: str | None = None
    source: str = "corpus"


def text_sha256(text: str) -> str:
    """A training text's identity (its characters without whitespace, hashed): the model card lists
    these, so `gongkai evaluate` can tell when a folder holds documents the model was trained on."""
    import hashlib

    return hashlib.sha256("".join(text.split()).encode("utf-8")).hexdigest()


class CorpusError(ValueError):
    """A corpus folder whose manifest cannot be used."""


def read_manifest(folder: Path) -> list[dict]:
    manifest = folder / MANIFEST
    if not manifest.exists():
        raise CorpusError(f"{folder}: no {MANIFEST} (columns: file,label,ground,doc_type,source)")
    with manifest.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    problems = [f"{MANIFEST} line {i + 2}: label {r.get('label')!r} is not one of {', '.join(LABELS)}"
                for i, r in enumerate(rows) if r.get("label") not in LABELS]
    problems += [f"{MANIFEST} line {i + 2}: {r['file']} does not exist"
                 for i, r in enumerate(rows) if r.get("file") and not (folder / r["file"]).exists()]
    if problems:
        raise CorpusError("; ".join(problems[:5]) + (f" (+{len(problems) - 5} more)" if len(problems) > 5 else ""))
    return rows


def load_corpus(folder: str | Path) -> list[Example]:
    """Every document of a labelled folder, read by the same parsers as `classify`."""
    from gongkai.pipeline.ingest import parse

    folder = Path(folder)
    examples = []
    for row in read_manifest(folder):
        path = folder / row["file"]
        parsed = parse(path.read_bytes(), path.name)
        examples.append(Example(path=str(path), text=parsed.text, label=row["label"],
                                status=parsed.status, error=parsed.error, flags=tuple(parsed.flags),
                                doc_type=row.get("doc_type") or None, ground=row.get("ground") or None,
                                source=row.get("source") or "corpus"))
    return examples


def load_extra(folder: str | Path, label: str = "proactive") -> list[Example]:
    """Every readable document of a folder as an extra example of one label (published = proactive)."""
    from gongkai.pipeline.ingest import discover, parse

    examples = []
    for path in discover([folder]):
        if path.suffix.lower() in SKIP_SUFFIXES:
            continue
        parsed = parse(path.read_bytes(), path.name)
        if parsed.status == "ok":
            examples.append(Example(path=str(path), text=parsed.text, label=label, source=f"extra:{folder}"))
    return examples


def load_reviewed(db_path: str | Path) -> list[Example]:
    """Documents reviewers decided, with their final labels: the office's own training data."""
    from gongkai.pipeline import review, store

    db = store.connect(db_path, create=False)
    examples = []
    for item in review.decided_items(db):
        examples.append(Example(path=item["path"], text=item["text"] or "", label=item["final_attribute"],
                                doc_type=item.get("doc_type"), ground=item.get("final_ground"),
                                source=f"review:{Path(db_path).name}"))
    return [e for e in examples if e.text]
