"""The benchmark batch: thousands of 公文 in every format, derived from corpus/docs with a fixed seed.

Each document takes a real draft of `corpus/docs/*.txt` as its skeleton (head,
主送机关, closing, 附注 and 版记 stay as written), shuffles its body paragraphs,
lengthens it with body paragraphs of other drafts towards a log-normal target
length (median ~1,800 characters: real notices run from half a page to several
pages), and varies dates, years and counted numbers. Document `i` depends only
on the seed and `i`, so the quick set is the first 200 of the full set and the
files can be built in parallel.

Formats: PDF (reportlab, STSong-Light, 28 characters a line, 22 lines a page
as GB/T 9704 sets them), DOCX (python-docx), UTF-8 TXT and GB18030 TXT. The
folder is cached under benchmarks/data/ with a manifest recording the seed,
the counts and each file's format, characters and pages.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import random
import re
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

from tests.builders import wrap  # the same typesetting as the test fixtures (禁则 included)

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus" / "docs"
DATA = Path(__file__).resolve().parent / "data"
SEED = 20261122
BUILDER_VERSION = 2            # bump when the way documents are derived changes: invalidates caches
FORMATS = (("pdf", 0.35), ("docx", 0.30), ("txt-utf8", 0.20), ("txt-gb18030", 0.15))
LINE_CHARS, PAGE_LINES = 28, 22
MEDIAN_CHARS, LENGTH_SIGMA, MIN_CHARS, MAX_CHARS = 1800, 0.6, 400, 9000
MIN_BODY_PARAGRAPH = 30
MANIFEST = ".manifest.json"     # hidden: `gongkai classify FOLDER` skips dot-files

_DATE = re.compile(r"(?<!\d)(20[12]\d)年(\d{1,2})月(\d{1,2})日")
_YEAR = re.compile(r"(?<!\d)(20[12]\d)(?!\d)")
# Counted quantities only: list numbering, phone numbers and ID numbers stay as written.
_COUNT = re.compile(r"(?<![\d.])(\d{1,3})(?=(?:万|亿|人|个|项|家|所|元|天|次|台|件|名|户|公里|亩|吨|号))")


@dataclass(frozen=True)
class Source:
    """The drafts split into paragraphs (blocks separated by blank lines), and the pool of body paragraphs."""

    docs: tuple[tuple[str, ...], ...]
    body_pool: tuple[str, ...]
    digest: str


def load_source(folder: Path = CORPUS) -> Source:
    paths = sorted(folder.glob("*.txt"))
    if not paths:
        raise FileNotFoundError(f"{folder}: no *.txt drafts to derive the benchmark batch from")
    digest = hashlib.sha256()
    docs = []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        digest.update(text.encode())
        docs.append(tuple(b.strip("\n") for b in re.split(r"\n\s*\n", text.strip()) if b.strip()))
    pool = tuple(b for blocks in docs for i in _body_indices(blocks) for b in (blocks[i],))
    return Source(tuple(docs), pool, digest.hexdigest()[:12])


def _body_indices(blocks: tuple[str, ...]) -> list[int]:
    """Paragraphs between the head (标志, 字号, 标题, 主送) and the closing (署名, 日期, 附注, 版记)."""
    return [i for i in range(3, len(blocks) - 3)
            if len(blocks[i]) >= MIN_BODY_PARAGRAPH and not blocks[i].endswith("：")]


def document_text(source: Source, index: int, seed: int = SEED) -> str:
    """The text of document `index`: a pure function of the source, the seed and the index."""
    rnd = random.Random(seed * 1_000_003 + index)
    blocks = list(rnd.choice(source.docs))
    body = _body_indices(tuple(blocks))
    target = min(max(rnd.lognormvariate(math.log(MEDIAN_CHARS), LENGTH_SIGMA), MIN_CHARS), MAX_CHARS)
    if len(body) > 2 and rnd.random() < 0.6:      # keep the opening paragraph, shuffle the rest
        rest = [blocks[i] for i in body[1:]]
        rnd.shuffle(rest)
        for i, text in zip(body[1:], rest):
            blocks[i] = text
    insert_at = (body[1] if len(body) > 1 else body[0] + 1) if body else max(len(blocks) - 3, 1)
    size = sum(map(len, blocks))
    while size < target and source.body_pool:
        extra = rnd.choice(source.body_pool)
        blocks.insert(insert_at + rnd.randint(0, max(len(body) - 1, 0)), extra)
        size += len(extra)
    return vary_numbers("\n\n".join(blocks), rnd) + "\n"


def vary_numbers(text: str, rnd: random.Random) -> str:
    """Shift every year by one offset, re-draw dates and counted numbers (same digit count)."""
    shift = rnd.randint(-3, 0)

    def date(m: re.Match) -> str:
        return f"{m.group(1)}年{rnd.randint(1, 12)}月{rnd.randint(1, 28)}日"

    def count(m: re.Match) -> str:
        digits = len(m.group(1))
        return str(rnd.randint(10 ** (digits - 1) if digits > 1 else 1, 10 ** digits - 1))

    text = _YEAR.sub(lambda m: str(int(m.group(1)) + shift), text)
    text = _DATE.sub(date, text)
    return _COUNT.sub(count, text)


def format_of(index: int, seed: int = SEED) -> str:
    rnd = random.Random(seed * 7 + index)
    roll, acc = rnd.random(), 0.0
    for name, share in FORMATS:
        acc += share
        if roll < acc:
            return name
    return FORMATS[-1][0]


# ---- writers -------------------------------------------------------------------------------

def wrapped_lines(text: str, width: int = LINE_CHARS) -> list[str]:
    """Hard-wrapped lines as typeset: every paragraph broken at `width` characters."""
    return [line for paragraph in text.split("\n") for line in wrap(paragraph, width)]


def write_pdf(path: Path, text: str) -> int:
    """A PDF typeset in an embedded Song font (see pdf_font), 22 lines of 28 characters a page;
    returns the page count."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    font = _register_font()
    pdf = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    lines = [ln for ln in wrapped_lines(text) if ln]   # blank lines would waste a 22-line page
    pages = max(math.ceil(len(lines) / PAGE_LINES), 1)
    for page in range(pages):
        pdf.setFont(font, 16)
        y = A4[1] - 100
        for line in lines[page * PAGE_LINES:(page + 1) * PAGE_LINES]:
            pdf.drawString(80, y, line)
            y -= 29
        pdf.showPage()
    pdf.save()
    return pages


# Real 公文 PDFs (WPS, Word) embed their fonts. AR PL UMing, a Song face from Debian's
# fonts-arphic-uming (`make bench` installs it when it can), is embedded the same way; without it
# the batch falls back to STSong-Light, a standard CJK font that is *not* embedded, which PDFium
# cannot measure for one-glyph lines (gongkai then re-reads those pages with pdfplumber: slower).
EMBEDDED_FONT = Path("/usr/share/fonts/truetype/arphic/uming.ttc")
_FONT: str | None = None


def pdf_font() -> str:
    """The font the batch's PDFs are typeset in, named for the manifest and the table."""
    return "AR PL UMing (embedded)" if EMBEDDED_FONT.exists() else "STSong-Light (not embedded)"


def _register_font() -> str:
    global _FONT
    if _FONT is None:
        from reportlab.pdfbase import pdfmetrics

        if EMBEDDED_FONT.exists():
            from reportlab.pdfbase.ttfonts import TTFont

            pdfmetrics.registerFont(TTFont("UMing", str(EMBEDDED_FONT), subfontIndex=0))
            _FONT = "UMing"
        else:
            from reportlab.pdfbase.cidfonts import UnicodeCIDFont

            pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
            _FONT = "STSong-Light"
    return _FONT


def write_docx(path: Path, text: str) -> None:
    import docx

    document = docx.Document()
    for paragraph in text.split("\n"):
        document.add_paragraph(paragraph)
    document.save(str(path))


def write_document(folder: Path, index: int, text: str, fmt: str) -> dict:
    """Write one file; returns its manifest row."""
    ext = "txt" if fmt.startswith("txt") else fmt
    path = folder / f"d{index:05d}.{ext}"
    pages = None
    if fmt == "pdf":
        pages = write_pdf(path, text)
    elif fmt == "docx":
        write_docx(path, text)
    else:
        path.write_bytes(text.encode("gb18030" if fmt == "txt-gb18030" else "utf-8"))
    return {"file": path.name, "format": fmt, "chars": len(text), "pages": pages}


# ---- building and caching --------------------------------------------------------------------

_SOURCE: Source | None = None


def _init_worker(source: Source) -> None:
    global _SOURCE
    _SOURCE = source


def _build_range(folder: str, start: int, stop: int, seed: int) -> list[dict]:
    rows = []
    for index in range(start, stop):
        text = document_text(_SOURCE, index, seed)
        rows.append(write_document(Path(folder), index, text, format_of(index, seed)))
    return rows


@dataclass
class Batch:
    folder: Path
    manifest: dict

    @property
    def files(self) -> list[dict]:
        return self.manifest["files"]

    def paths(self, fmt: str | None = None) -> list[Path]:
        return [self.folder / r["file"] for r in self.files if fmt is None or r["format"].startswith(fmt)]


def build_batch(count: int, seed: int = SEED, workers: int = 2, log=print) -> Batch:
    """The cached batch of `count` documents; built (in parallel) when absent or stale."""
    source = load_source()
    folder = DATA / f"batch-{count}"
    key = {"seed": seed, "count": count, "corpus": source.digest, "builder": BUILDER_VERSION,
           "pdf_font": pdf_font()}
    cached = _read_manifest(folder)
    if cached and all(cached.get(k) == v for k, v in key.items()):
        return Batch(folder, cached)
    log(f"building {count} benchmark documents in {folder} (seed {seed}) …")
    t0 = time.perf_counter()
    _reset(folder)
    rows = _parallel_build(folder, source, count, seed, workers)
    manifest = {**key, "source": f"corpus/docs ({len(source.docs)} drafts)", "formats": _counts(rows),
                "chars": sum(r["chars"] for r in rows), "pdf_pages": sum(r["pages"] or 0 for r in rows),
                "build_s": round(time.perf_counter() - t0, 1), "files": rows}
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    log(f"built in {manifest['build_s']} s: {manifest['formats']}")
    return Batch(folder, manifest)


def _parallel_build(folder: Path, source: Source, count: int, seed: int, workers: int) -> list[dict]:
    step = 50
    ranges = [(str(folder), a, min(a + step, count), seed) for a in range(0, count, step)]
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork"),
                             initializer=_init_worker, initargs=(source,)) as pool:
        parts = pool.map(_build_range, *zip(*ranges))
        return [row for part in parts for row in part]


def _read_manifest(folder: Path) -> dict | None:
    try:
        return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _reset(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        if old.is_file() or old.is_symlink():
            old.unlink()


def _counts(rows: list[dict]) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in rows:
        out[r["format"]] = out.get(r["format"], 0) + 1
    return out


def memory_set(batch: Batch, total: int, from_batch: int, seed: int = SEED, log=print) -> Path:
    """`from_batch` files of the batch (hard links) plus new UTF-8 TXT drafts up to `total`.

    The TXT drafts continue the batch's numbering (documents count, count+1, …),
    so every file is a distinct document and none is skipped as a duplicate.
    """
    folder = DATA / f"memory-{total}"
    stamp = f"{batch.manifest['corpus']}-{batch.manifest['count']}-{from_batch}-{seed}-{BUILDER_VERSION}"
    if (folder / ".stamp").exists() and (folder / ".stamp").read_text() == stamp:
        return folder
    log(f"building the {total}-document memory set in {folder} …")
    _reset(folder)
    for path in batch.paths()[:from_batch]:
        _link(path, folder / path.name)
    source = load_source()
    start = batch.manifest["count"]
    for index in range(start, start + total - from_batch):
        (folder / f"d{index:05d}.txt").write_text(document_text(source, index, seed), encoding="utf-8")
    (folder / ".stamp").write_text(stamp)
    return folder


def _link(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:  # another file system: copy instead
        dst.write_bytes(src.read_bytes())


if __name__ == "__main__":
    import sys

    size = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    print(json.dumps({k: v for k, v in build_batch(size).manifest.items() if k != "files"}, ensure_ascii=False))
