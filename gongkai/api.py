"""The library calls behind the CLI's commands that hold logic: one function per command.

`gongkai.cli` parses options, calls one of these and prints what it returns, so a
script (or a web service) can do exactly what a command does without the CLI.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path


# --- classify ------------------------------------------------------------------------------------

@dataclass
class ClassifyResult:
    summary: object                      # gongkai.pipeline.batch.RunSummary: this run
    counts: dict[str, Counter]           # the whole batch, by status / proposal / review need


def classify(paths: list[Path], db: Path, batch: str, settings, workers: int = 1,
             on_total: Callable[[int], None] | None = None,
             on_result: Callable[[], None] | None = None, engine: Callable | None = None) -> ClassifyResult:
    """Check the model and the lists up front, then read, extract, detect and classify every file.

    Raises ModelError when no model can be loaded (every document would otherwise go to review
    for want of a proposal) and NegativeListError for a malformed list, before anything is written.
    `engine` runs the documents elsewhere (gongkai.pipeline.engine_ray.RayEngine); default: the local pool.
    """
    import dataclasses

    from gongkai.pipeline.batch import batch_counts, classify_batch, count_files
    from gongkai.pipeline.classify.model import require_model
    from gongkai.pipeline.detect.negative_list import load_negative_list
    from gongkai.pipeline.store import connect

    require_model(settings.model_path)
    neglist = load_negative_list([Path(p) for p in settings.negative_lists], include_default=settings.include_default_list)
    settings = dataclasses.replace(settings, loaded_list=neglist)   # workers take it as checked here
    if on_total:
        on_total(count_files([str(p) for p in paths], settings.follow_symlinks))
    summary = classify_batch([str(p) for p in paths], db, batch, settings, workers=workers, on_result=on_result,
                             engine=engine)
    return ClassifyResult(summary, batch_counts(connect(db), batch))


# --- negative-list explain -----------------------------------------------------------------------

@dataclass
class Explained:
    path: Path
    text: str = ""
    matches: list = field(default_factory=list)   # gongkai.pipeline.detect.negative_list_model.Match
    error: str | None = None                      # the document could not be read


def explain(list_file: str | Path, paths: list[Path]) -> Iterator[Explained]:
    """Every file under `paths` (files or folders) with the matches of a list (`default`: the shipped one)."""
    from gongkai.pipeline.detect.negative_list import explain as explain_text
    from gongkai.pipeline.detect.negative_list import load_negative_list
    from gongkai.pipeline.extract import extract_fields
    from gongkai.pipeline.ingest import discover, parse

    default = str(list_file) == "default"
    neglist = load_negative_list([] if default else [Path(list_file)], include_default=default)
    for path in discover(paths):
        parsed = parse(path.read_bytes(), path.name)
        if parsed.status != "ok":
            yield Explained(path, error=f"{parsed.status}: {parsed.error}")
            continue
        yield Explained(path, parsed.text, explain_text(neglist, parsed.text, extract_fields(parsed.text)))


# --- train and evaluate --------------------------------------------------------------------------

def train(out: Path, corpus: Path | None = None, extra: list[Path] = (), from_db: list[Path] = (),
          cv: int = 5, config=None, holdout: float = 0.1, on_examples: Callable[[int], None] | None = None):
    """Gather the examples, hold out a share, cross-validate, fit, save the model and its card."""
    from gongkai.pipeline.classify.card import write_card
    from gongkai.pipeline.classify.session import gather_examples
    from gongkai.pipeline.classify.session import train as run_train
    from gongkai.pipeline.classify.train import TrainConfig

    if out.exists() and any(out.iterdir()) and not (out / "config.cfg").exists():
        raise ValueError(f"{out} exists and is not a model folder; choose another --out")
    examples = gather_examples(corpus, list(extra), list(from_db))
    if on_examples:
        on_examples(len(examples))
    result = run_train(examples, out, cv=cv, config=config or TrainConfig(), holdout=holdout)
    write_card(out, result.meta)
    return result


@dataclass
class Evaluation:
    results: dict[str, dict]                          # model version -> metrics (Metrics.to_dict())
    overlaps: dict[str, int] = field(default_factory=dict)   # model version -> documents it was trained on
    documents: int = 0


def evaluate(corpus: Path, models: list[Path | None], assume_label: str | None = None,
             record: bool = False) -> Evaluation:
    """Score each model on a folder; count the folder's documents each model was trained on."""
    from gongkai.pipeline.classify.corpus import text_sha256
    from gongkai.pipeline.classify.session import evaluate as run_eval
    from gongkai.pipeline.classify.session import examples_for_evaluation, record_evaluation

    examples = examples_for_evaluation(corpus, assume_label)
    hashes = {text_sha256(e.text) for e in examples if e.text}
    out = Evaluation(results={}, documents=len(examples))
    for path in models:
        metrics, version = run_eval(examples, path)
        out.results[version] = metrics.to_dict()
        out.overlaps[version] = len(hashes & training_hashes(path))
        if record:
            record_evaluation(path, corpus, assume_label, out.results[version])
    return out


def training_hashes(model_path: Path | None) -> set[str]:
    """The texts a model was trained on, as its metadata lists them (empty when it does not)."""
    import json

    from gongkai.pipeline.classify.model import META_FILE, default_model_path

    meta = Path(model_path or default_model_path()) / META_FILE
    if not meta.exists():
        return set()
    return set(json.loads(meta.read_text(encoding="utf-8")).get("training_sha256", []))


# --- review list ---------------------------------------------------------------------------------

STATES = ("all", "pending", "decided", "awaiting", "unread")


@dataclass
class ReviewList:
    rows: list[dict]        # at most `limit` rows, riskiest first
    total: int              # every row matching the state


def review_list(db, batch: str | None = None, state: str = "all", limit: int | None = None) -> ReviewList:
    """Documents that need review with their state and decision, riskiest first; the first `limit`."""
    from gongkai.pipeline.review import queue, queue_size

    if state not in STATES:
        raise ValueError(f"--state must be one of {', '.join(STATES)}, not {state!r}")
    rows = []
    total = 0
    if state == "all" and limit is not None:     # a screenful: fold the review state of those rows only
        return ReviewList([_row(item, st) for item, st in queue(db, batch, limit=limit)], queue_size(db, batch))
    for item, st in queue(db, batch):
        if state != "all" and not _state_matches(state, st.label, item):
            continue
        total += 1
        if limit is not None and len(rows) >= limit:
            continue
        rows.append(_row(item, st))
    return ReviewList(rows, total)


def _row(item: dict, st) -> dict:
    return {"id": item["id"], "batch": item["batch"], "title": item["title"] or Path(item["path"]).name,
            "doc_type": item["doc_type"], "status": item["status"], "proposed": item["proposed_attribute"],
            "confidence": item["confidence"], "state": st.label,
            "decision": st.current.attribute if st.current else None,
            "reviewers": sorted(st.supporters), "reasons": item["review_reasons"],
            "ocr": item["ocr"], "ocr_confidence": item["ocr_confidence"]}


def _state_matches(state: str, label: str, item: dict) -> bool:
    return {"pending": label == "pending", "decided": label == "decided",
            "awaiting": label == "awaits second reviewer", "unread": item["status"] != "ok"}[state]


# --- audit verify --------------------------------------------------------------------------------

@dataclass
class AuditCheck:
    rows: int                 # rows in the audit chain
    head: str                 # the last row's hash
    documents: int            # documents whose seal was checked
    problem: str | None       # the first broken row or changed document, in one line; None when intact


def audit_verify(db) -> AuditCheck:
    """Walk the audit log's hash chain, then check every document against its seal."""
    from gongkai.pipeline import audit

    conn = db.conn
    chain = audit.verify_chain(conn)
    ids = [r[0] for r in conn.execute("SELECT id FROM items ORDER BY id")]
    if chain.broken:
        return AuditCheck(chain.rows, chain.head, len(ids), chain.broken)
    changed = audit.unsealed_or_changed(conn, ids)
    problem = None
    if changed:
        item_id, why = changed[0]
        problem = f"document {item_id} {why}" + (f" (and {len(changed) - 1} more)" if len(changed) > 1 else "")
    return AuditCheck(chain.rows, chain.head, len(ids), problem)
