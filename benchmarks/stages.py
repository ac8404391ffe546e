"""One function per stage: ours and its obvious peer, in the same run, on the same documents.

Inputs are read into memory first, so the rows time the stage, not the disk.
Every function returns a `Row` (see timing.py); the pipeline row writes into
throw-away databases under `tmp`.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from benchmarks.naive import NaivePipeline, naive_detectors, write_per_row
from benchmarks.neglist_bench import RegexPeer
from benchmarks.timing import Row, Work, interleaved, measure
from gongkai.pipeline import store
from gongkai.pipeline.detect.negative_list import NegativeList
from gongkai.pipeline.detect.negative_list_match import Matcher
from gongkai.pipeline.runner import WRITE_EVERY


def load_files(paths: list[Path]) -> tuple[list[bytes], list[str]]:
    return [p.read_bytes() for p in paths], [p.name for p in paths]


def _work_of(parsed: list) -> Work:
    return Work(docs=len(parsed), chars=sum(len(d.text) for d in parsed),
                pages=sum(d.pages or 0 for d in parsed))


def pdf_row(paths: list[Path]) -> Row:
    from gongkai.pipeline.ingest.pdf import pdf_text_careful

    return _ingest_row(paths, pdf_text_careful, "PDF", "pypdfium2 fast path, whole ParsedDoc",
                       "pdfplumber extract_text", target=10)


def pdf_bare_row(paths: list[Path]) -> Row:
    """Ours against the ceiling: bare pypdfium2 text per page with the same layout clean-up."""
    from benchmarks.naive import pdf_text_bare

    return _ingest_row(paths, pdf_text_bare, "PDF vs bare pypdfium2",
                       "ours (guards included) against PDFium's text alone", "pypdfium2 get_text_range",
                       target=0.85)


def gb18030_row(paths: list[Path]) -> Row:
    """GB18030 TXT against the same documents in UTF-8: the cost of finding the encoding."""
    from gongkai.pipeline.ingest import parse

    gb, names = load_files(paths)
    utf8 = [d.decode("gb18030").encode("utf-8") for d in gb]
    parsed = [parse(d, n) for d, n in zip(gb, names)]
    plain = [parse(d, n) for d, n in zip(utf8, names)]
    work = _work_of(parsed)
    # in turn, five times each: both take well under a second, and a neighbour's burst then hits both
    ours, peer = interleaved([lambda: [parse(d, n) for d, n in zip(gb, names)],
                              lambda: [parse(d, n) for d, n in zip(utf8, names)]], work, rounds=5)
    same = sum(p.text == q.text and p.encoding == "gb18030" for p, q in zip(parsed, plain))
    return Row("TXT GB18030 vs UTF-8", "ingest.parse on GB18030 bytes: decode, score GB18030 against Big5",
               ours, peer, "the same documents in UTF-8", target=0.5,
               note=f"same text, read as gb18030, on {same}/{len(gb)} files")


def docx_row(paths: list[Path]) -> Row:
    from gongkai.pipeline.ingest.docx import docx_text_careful

    return _ingest_row(paths, docx_text_careful, "DOCX", "lxml iterwalk, whole ParsedDoc",
                       "python-docx paragraph API", target=15)


def _ingest_row(paths: list[Path], careful, stage: str, what: str, peer_name: str, target: float) -> Row:
    """`ingest.parse` on the files' bytes against the careful text extraction of the same bytes."""
    from gongkai.pipeline.ingest import parse

    data, names = load_files(paths)
    parsed = [parse(d, n) for d, n in zip(data, names)]           # also the warm-up
    work = _work_of(parsed)
    ours, _ = measure(lambda: [parse(d, n) for d, n in zip(data, names)], work)
    peer, texts = measure(lambda: [careful(d) for d in data], work)
    same = sum(p.text == t for p, t in zip(parsed, texts))
    return Row(stage, what, ours, peer, peer_name, target=target, note=f"same text on {same}/{len(data)} files")


def classify_row(texts: list[str], classifier) -> Row:
    work = Work(docs=len(texts), chars=sum(map(len, texts)))
    classifier.predict_careful(texts[:20])                          # warm-up (lazy allocations)
    ours, fast = measure(lambda: [classifier.predict(t) for t in texts], work)
    peer, plain = measure(lambda: classifier.predict_careful(texts), work)
    diff = max((abs(a[k] - b[k]) for a, b in zip(fast, plain) for k in a), default=0.0)
    return Row("classify", "textcat features from the characters' ORTH ids, per document as the pipeline calls it",
               ours, peer, "nlp.pipe (tokenizer)", target=2, note=f"max score difference {diff:.1e}")


def neglist_row(label: str, texts: list[str], fields: list, neglist: NegativeList) -> Row:
    ours_m, peer_m = Matcher(neglist.entries), RegexPeer(neglist.entries)
    work = Work(docs=len(texts), chars=sum(map(len, texts)))

    def scan(matcher):
        return lambda: [matcher.scan(t, f.doc_type, f.issuer) for t, f in zip(texts, fields)]

    count = lambda found: sum(map(len, found))  # noqa: E731
    ours, _ = measure(scan(ours_m), work, hits=count)
    peer, _ = measure(scan(peer_m), work, hits=count)
    return Row(f"detect: {label}", f"negative list of {len(neglist.entries)} entries (Aho-Corasick, one pass)",
               ours, peer, "one alternation regex", target=3)


def detectors_row(texts: list[str], fields: list, detectors, neglist: NegativeList) -> Row:
    """All detectors together: informative (secrecy, personal data and conflicts are the same code)."""
    naive = naive_detectors(neglist)
    work = Work(docs=len(texts), chars=sum(map(len, texts)))
    count = lambda found: sum(map(len, found))  # noqa: E731
    ours, _ = measure(lambda: [detectors(t, f) for t, f in zip(texts, fields)], work, hits=count)
    peer, _ = measure(lambda: [naive(t, f) for t, f in zip(texts, fields)], work, hits=count)
    return Row("detect: all detectors", "every registered detector, default list", ours, peer,
               "same, negative list by regex", note="informative: only the negative list differs")


def sqlite_row(results: list, tmp: Path) -> Row:
    work = Work(docs=len(results), chars=sum(len(r.parsed.text) for r in results))
    counter = iter(range(1_000_000))

    def fresh():
        db = store.connect(tmp / f"sqlite-{next(counter)}.sqlite")
        store.ensure_batch(db, "bench")
        return db

    def ours_run():
        db = fresh()
        for i in range(0, len(results), WRITE_EVERY):     # to_record runs in the workers; counted here all the same
            store.write_results(db, "bench", [store.to_record(r) for r in results[i:i + WRITE_EVERY]])

    def peer_run():
        write_per_row(fresh(), "bench", results)

    ours, _ = measure(ours_run, work)
    peer, _ = measure(peer_run, work)
    return Row("SQLite writes", f"write_results, {WRITE_EVERY} documents a transaction (WAL)", ours, peer,
               "sqlite-utils insert, commit per row")


def pipeline_rows(paths: list[Path], settings, model_path: str, neglist: NegativeList, tmp: Path) -> list[Row]:
    """classify_batch on one core vs the naive pipeline, both in this process with their loading
    included, then the same against a naive pipeline reading PDFs with bare pypdfium2 (the ceiling
    for reading, so the row shows how much of the lead is PDF reading and what is left). Ours runs
    in-process (workers=0) like the peers: the process pool's own cost (starting a worker, passing
    results) is what the end-to-end rows measure, so it is not counted twice."""
    from benchmarks.naive import pdf_text_bare
    from gongkai.pipeline.batch import classify_batch

    folder = _linked_folder(paths, tmp / "pipeline-input")
    work = Work(docs=len(paths))
    ours_dbs = []

    def ours_run():                      # a fresh database each time: a rerun would skip every file
        ours_dbs.append(tmp / f"pipeline-ours-{len(ours_dbs)}.sqlite")
        classify_batch([str(folder)], ours_dbs[-1], "bench", settings, workers=0)

    def peer(db: Path, pdf_text=None, reps: int = 1):
        pipeline = lambda: NaivePipeline(model_path, neglist, pdf_text).run(sorted(folder.iterdir()), db, "bench")  # noqa: E731
        return measure(pipeline, work, reps=reps)[0]

    ours, _ = measure(ours_run, work)    # median of REPS: a few seconds each, unlike the peer's ~30
    ours_db, naive_db, bare_db = ours_dbs[-1], tmp / "pipeline-naive.sqlite", tmp / "pipeline-bare.sqlite"
    naive, bare = peer(naive_db), peer(bare_db, pdf_text_bare)
    extra = lambda db: {"hits_ours": _hit_count(ours_db), "hits_naive": _hit_count(db)}  # noqa: E731
    return [Row("whole pipeline, 1 core", "classify_batch in-process: parse → extract → detect → classify → SQLite",
                ours, naive, "pdfplumber + python-docx + nlp.pipe + regex + commit per row", target=8,
                note=_agreement(ours_db, naive_db), extra=extra(naive_db)),
            Row("whole pipeline vs bare pypdfium2", "the same run of ours, against the naive pipeline reading PDFs "
                "with bare pypdfium2", ours, bare, "bare pypdfium2 + python-docx + nlp.pipe + regex + commit per row",
                note=_agreement(ours_db, bare_db), extra=extra(bare_db))]


def _linked_folder(paths: list[Path], folder: Path) -> Path:
    from benchmarks.corpus import _link

    folder.mkdir(parents=True, exist_ok=True)
    for path in paths:
        _link(path, folder / path.name)
    return folder


def _hit_count(db_path: Path) -> int:
    return store.connect(db_path).execute("SELECT count(*) FROM hits").fetchone()[0]


def _agreement(ours_db: Path, peer_db: Path) -> str:
    """How many documents got the same proposal both ways (the peers read text a little differently)."""
    def proposals(path):
        return dict(store.connect(path).execute("SELECT sha256, proposed_attribute FROM items").fetchall())

    ours, peer = proposals(ours_db), proposals(peer_db)
    same = sum(ours.get(k) == v for k, v in peer.items())
    return f"same proposal on {same}/{len(peer)} documents"


def scratch_dir(base: Path) -> tempfile.TemporaryDirectory:
    base.mkdir(parents=True, exist_ok=True)
    return tempfile.TemporaryDirectory(dir=base, prefix="run-")


__all__ = ["classify_row", "detectors_row", "docx_row", "gb18030_row", "neglist_row", "pdf_bare_row", "pdf_row",
           "pipeline_rows", "scratch_dir", "sqlite_row"]
