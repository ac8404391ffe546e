"""The obvious ways, assembled: the peers every stage of gongkai is measured against.

Each peer produces the same kind of result as our stage, so the table compares
like with like: pdfplumber `extract_text` and python-docx's paragraph API for
reading (the package's own `*_text_careful` functions), `nlp.pipe` for the
classifier, one alternation regex for the negative list (`neglist_bench.RegexPeer`),
and sqlite-utils inserts committed one document at a time. The extractor and
the decision policy have no obvious peer, so the naive pipeline calls ours.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import sqlite_utils

from benchmarks.neglist_bench import RegexPeer
from gongkai.pipeline import store
from gongkai.pipeline.detect import DetectConfig, Detectors, registry
from gongkai.pipeline.detect.base import DetectInput
from gongkai.pipeline.detect.negative_list import NegativeList, to_hit
from gongkai.pipeline.process import DocumentResult
from gongkai.records import ERROR, OK, HeaderFields, ParsedDoc


def pdf_text_bare(data: bytes) -> str:
    """The ceiling for reading a PDF: bare pypdfium2 `get_text_range` per page, with the same layout
    clean-up as ours (and as pdf_text_careful), and nothing else (no garble, scan or lost-glyph checks)."""
    import pypdfium2 as pdfium

    from gongkai.pipeline.ingest.normalize import layout_text
    from gongkai.pipeline.ingest.pdf import PAGE_SEPARATOR

    pdf = pdfium.PdfDocument(data)
    try:
        texts = []
        for index in range(len(pdf)):
            page = pdf[index]
            textpage = page.get_textpage()
            texts.append(layout_text(textpage.get_text_range().replace("\ufffe", "-")))
            textpage.close()
            page.close()
    finally:
        pdf.close()
    return PAGE_SEPARATOR.join(texts)


def naive_text(data: bytes, name: str, pdf_text=None) -> ParsedDoc:
    """Read one file the obvious way: pdfplumber (or `pdf_text`), python-docx paragraphs, UTF-8 else GB18030."""
    from gongkai.pipeline.ingest.docx import docx_text_careful
    from gongkai.pipeline.ingest.pdf import pdf_text_careful

    fmt = Path(name).suffix.lstrip(".").lower()
    try:
        if fmt == "pdf":
            return ParsedDoc(format=fmt, text=(pdf_text or pdf_text_careful)(data))
        if fmt == "docx":
            return ParsedDoc(format=fmt, text=docx_text_careful(data))
        try:
            return ParsedDoc(format=fmt, text=data.decode("utf-8"), encoding="utf-8")
        except UnicodeDecodeError:
            return ParsedDoc(format=fmt, text=data.decode("gb18030"), encoding="gb18030")
    except Exception as exc:  # the naive pipeline still must not stop the batch
        return ParsedDoc(format=fmt, status=ERROR, error=f"{type(exc).__name__}: {exc}".splitlines()[0])


def regex_negative_list_detector(neglist: NegativeList):
    """The negative-list detector with its term search done by one alternation regex."""
    peer = RegexPeer(neglist.entries)

    def detect(doc: DetectInput):
        fields = doc.fields or HeaderFields()
        return [to_hit(m) for m in peer.scan(doc.text, fields.doc_type, fields.issuer)]

    return detect


def naive_detectors(neglist: NegativeList) -> Detectors:
    """Our detectors, except the negative list, which uses the regex peer."""
    built = registry.build(DetectConfig(negative_list=neglist))
    plain = [(n, regex_negative_list_detector(neglist) if n == "negative_list" else d) for n, d in built.plain]
    return Detectors(plain, built.post)


class NaivePipeline:
    """read → extract → detect → `nlp.pipe` → policy → one committed insert per document."""

    def __init__(self, model_path: str, neglist: NegativeList, pdf_text=None) -> None:
        """`pdf_text(data) -> str` reads PDFs (default: pdfplumber; pdf_text_bare for the ceiling)."""
        from gongkai.pipeline.classify.model import load_classifier

        self.pdf_text = pdf_text
        self.classifier = load_classifier(model_path)
        self.detectors = naive_detectors(neglist)
        self.neglist = neglist

    def process(self, path: Path) -> DocumentResult:
        from gongkai.pipeline.classify.policy import PolicyInput, decide
        from gongkai.pipeline.extract import extract_fields

        data = path.read_bytes()
        parsed = naive_text(data, path.name, self.pdf_text)
        fields = extract_fields(parsed.text) if parsed.text else HeaderFields()
        hits = self.detectors(parsed.text, fields) if parsed.text else []
        probs = self.classifier.predict_careful([parsed.text])[0] if parsed.status == OK else {}
        proposal = decide(PolicyInput(status=parsed.status, error=parsed.error, fields=fields, hits=hits,
                                      probabilities=probs, negative_list=self.neglist,
                                      thresholds=self.classifier.thresholds))
        return DocumentResult(path=str(path), sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                              parsed=parsed, fields=fields, hits=hits, proposal=proposal,
                              model_version=self.classifier.version,
                              negative_list_version=self.neglist.version)

    def run(self, paths: list[Path], db_path: Path, batch: str) -> int:
        db = store.connect(db_path)
        store.ensure_batch(db, batch)
        db = sqlite_utils.Database(db.conn)
        for path in paths:
            insert_one(db, batch, self.process(path))
        return len(paths)


def insert_one(db: sqlite_utils.Database, batch: str, result: DocumentResult) -> None:
    """The obvious write: sqlite-utils `insert` of the item, then its hits; each call commits."""
    item_id = db["items"].insert(store.item_row(result, batch)).last_pk
    if result.hits:
        db["hits"].insert_all({"item_id": item_id, **{k: v for k, v in h.to_dict().items()}}
                              for h in result.hits)


def write_per_row(db, batch: str, results: list[DocumentResult]) -> None:
    db = sqlite_utils.Database(db.conn)
    for result in results:
        insert_one(db, batch, result)
