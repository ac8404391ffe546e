"""PDF: text per page with pypdfium2 (fast path), pdfplumber only where it earns its cost.

pypdfium2 (PDFium, C++) extracts a page's text in reading order in about a
millisecond and knows, per character, whether its font lacked a Unicode map.
pdfplumber (pdfminer, pure Python) is 10–30× slower; it is kept as
`pdf_text_careful` (the equivalence and benchmark peer) and as a per-page
second opinion when PDFium's text for a page looks garbled — pdfminer reads
some fonts PDFium cannot (glyph-name encodings, the Japanese gazette sample).
"""
from __future__ import annotations

import ctypes
import io
import logging
import re
from dataclasses import dataclass, field

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw

from gongkai.config import OCR_DPI, OCR_MAX_SIDE_PX, Limits
from gongkai.records import ParsedDoc

from .errors import ParseError, Unreadable, check_deadline
from .garble import NO_UNICODE_MAP, garbled_reason, page_garble, visible_count
from .image import NO_TEXT_FOUND
from .normalize import layout_text
from .ocr import OcrRun

NO_TEXT_LAYER = "no text layer (image-only or scanned pages)"
PAGE_SEPARATOR = "\n\n"
# A page with fewer visible characters than this and a picture over this share of the page is a scan.
SCAN_MAX_CHARS = 40
SCAN_MIN_IMAGE_SHARE = 0.4
# Characters sampled per page for PDFium's "no Unicode map" flag, and the share that marks the page.
MAP_SAMPLE = 32
MAP_ERROR_SHARE = 0.5

_PDFIUM_REASONS = {
    pdfium_raw.FPDF_ERR_PASSWORD: "encrypted: a password is required",
    pdfium_raw.FPDF_ERR_SECURITY: "encrypted: unsupported security handler",
    pdfium_raw.FPDF_ERR_FORMAT: "corrupt: not a valid PDF structure",
    pdfium_raw.FPDF_ERR_FILE: "corrupt: the file cannot be read as a PDF",
}
logging.getLogger("pdfminer").setLevel(logging.ERROR)  # FontBBox chatter on every Chrome PDF

# What the file's bytes say about its fonts (see may_lose_glyphs): the fonts PDFium measures from a
# font program (all but Type0 parents and Type3), their descriptors, and the embedded programs.
_MEASURED_FONT = re.compile(rb"/Subtype\s*/(?:Type1|MMType1|TrueType|CIDFontType0|CIDFontType2)(?![A-Za-z0-9])")
_DESCRIPTOR = re.compile(rb"/Type\s*/FontDescriptor(?![A-Za-z0-9])")
_FONT_FILE = re.compile(rb"/FontFile[23]?\s*\d+\s+\d+\s+R")
_OBJECT_STREAM = re.compile(rb"/Type\s*/ObjStm(?![A-Za-z0-9])")
# The standard 14 fonts, which PDFium always has programs for (it ships them) when a file does not.
_STANDARD_14 = re.compile(rb"/BaseFont\s*/(?:Times-(?:Roman|Bold|Italic|BoldItalic)|Symbol|ZapfDingbats|"
                          rb"(?:Helvetica|Courier)(?:-Bold|-Oblique|-BoldOblique)?)(?![A-Za-z0-9+-])")


@dataclass
class _Pages:
    texts: list[str] = field(default_factory=list)
    garbled: dict[int, str] = field(default_factory=dict)   # page number (1-based) -> kind
    scanned: list[int] = field(default_factory=list)
    careful: list[int] = field(default_factory=list)        # pages read by pdfplumber instead
    ocr: OcrRun | None = None                               # scanned pages read by OCR


def parse_pdf(data: bytes, limits: Limits, deadline: float) -> ParsedDoc:
    """Parse a PDF with the fast path; see module docstring for when pdfplumber steps in."""
    pdf = _open(data)
    try:
        total = len(pdf)
        pages = _read_pages(pdf, data, min(total, limits.max_pages), deadline, limits)
    finally:
        pdf.close()
    return _result(pages, total, limits)


def _open(data: bytes) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        reason = _PDFIUM_REASONS.get(getattr(exc, "err_code", None), f"corrupt: {exc}")
        raise ParseError(reason) from None


def _read_pages(pdf, data: bytes, count: int, deadline: float, limits: Limits) -> _Pages:
    pages, careful = _Pages(ocr=OcrRun(limits, deadline)), _CarefulReader(data)
    guard = may_lose_glyphs(data)
    try:
        for index in range(count):
            if pages.ocr.expired():
                break
            check_deadline(deadline, limits.file_timeout_s)
            _add_page(pdf, index, pages, careful, guard)
    finally:
        careful.close()
    return pages


def _add_page(pdf, index: int, pages: _Pages, careful: "_CarefulReader", guard: bool = True) -> None:
    page = pdf[index]
    try:
        text, kind, scanned, silent = _read_page(page, guard)
        if scanned and pages.ocr.allows(index + 1):   # already laid out by the OCR
            pages.texts.append(pages.ocr.read(index + 1, render(page)).text)
            return
    finally:
        page.close()
    if kind:
        text, kind = careful.second_opinion(index, text, kind, pages)
    elif silent:
        text = careful.fill_in(index, text, pages)
    pages.texts.append("" if kind else layout_text(text.replace("\ufffe", "-")))  # PDFium's soft hyphen
    if kind:
        pages.garbled[index + 1] = kind
    if scanned:
        pages.scanned.append(index + 1)


def _read_page(page, guard: bool = True) -> tuple[str, str | None, bool, bool]:
    """One page's raw text, its garble kind (or None), whether it looks like a scan, and
    whether PDFium silently left out a text object (see _silent_text_objects; only with `guard`)."""
    textpage = page.get_textpage()
    try:
        n = textpage.count_chars()
        text = textpage.get_text_range() if n > 0 else ""
        kind = page_garble(text) or (NO_UNICODE_MAP if _map_error_share(textpage, n) > MAP_ERROR_SHARE else None)
        silent = guard and _silent_text_objects(page, textpage)
    finally:
        textpage.close()
    scanned = visible_count(text) < SCAN_MAX_CHARS and _image_share(page) >= SCAN_MIN_IMAGE_SHARE
    return text, kind, scanned, silent


def may_lose_glyphs(data: bytes) -> bool:
    """False when the file's bytes prove that every font is embedded, so _silent_text_objects, which
    only examines fonts that are not, cannot find anything on any page (and its per-object loop,
    ~40 % of the fast path on a page of a few hundred text runs, is skipped).

    The proof: no object stream hides dictionaries from view, every descriptor names an embedded
    program, and there are no more fonts measured from a program than descriptors plus standard-14
    names (PDFium ships those 14; reportlab, for one, lists Helvetica on every page). Anything else
    (a descriptor without a file, a CID font left to the reader such as STSong-Light, compressed
    object streams, a descriptor shared by two fonts) keeps the guard on: it errs towards checking.
    """
    if _OBJECT_STREAM.search(data):
        return True
    descriptors = len(_DESCRIPTOR.findall(data))
    if descriptors != len(_FONT_FILE.findall(data)):
        return True
    return len(_MEASURED_FONT.findall(data)) > descriptors + len(_STANDARD_14.findall(data))


def _silent_text_objects(page, textpage) -> bool:
    """True when PDFium silently left a text object out of its text page.

    PDFium cannot measure the glyphs of a font that is not embedded and that it has no substitute
    for (a one-glyph line such as a lone `。` in the standard CID font STSong-Light, or most of a
    vertical Japanese page), and drops them from the text page without any error. Only such fonts
    are examined — embedded fonts can always be measured, and asking PDFium for an object's text
    costs a search of the text page — so a page in embedded fonts costs one call per object.
    An object that yields no text, where the text page holds no character either, is lost text.
    """
    raw_page, raw_text = page.raw, textpage.raw
    embedded: dict[int, bool] = {}
    for i in range(pdfium_raw.FPDFPage_CountObjects(raw_page)):
        obj = pdfium_raw.FPDFPage_GetObject(raw_page, i)
        if pdfium_raw.FPDFPageObj_GetType(obj) != pdfium_raw.FPDF_PAGEOBJ_TEXT:
            continue
        font = pdfium_raw.FPDFTextObj_GetFont(obj)
        key = ctypes.c_void_p.from_buffer(font).value or 0  # the handle as an int, cheaply
        if key not in embedded:
            embedded[key] = bool(pdfium_raw.FPDFFont_GetIsEmbedded(font))
        if (not embedded[key] and pdfium_raw.FPDFTextObj_GetText(obj, raw_text, None, 0) <= 2  # just the NUL
                and not _text_within(obj, raw_text)):
            return True
    return False


def _text_within(obj, raw_text) -> bool:
    """Whether the text page has characters inside the object's box (an overprinted copy)."""
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    if not pdfium_raw.FPDFPageObj_GetBounds(obj, left, bottom, right, top):
        return True  # no box: nothing to go on, trust the text page
    if right.value - left.value < 0.5 or top.value - bottom.value < 0.5:
        return False  # no extent: PDFium could not measure the glyph — the sign of a lost one
    return pdfium_raw.FPDFText_GetBoundedText(raw_text, left.value, top.value, right.value, bottom.value,
                                              None, 0) > 0


def _map_error_share(textpage, n: int) -> float:
    """Share of sampled characters whose font has no usable Unicode map (PDFium's own flag)."""
    if n <= 0:
        return 0.0
    step = max(n // MAP_SAMPLE, 1)
    sample = range(0, n, step)
    errors = sum(pdfium_raw.FPDFText_HasUnicodeMapError(textpage.raw, i) == 1 for i in sample)
    return errors / len(sample)


def render(page, dpi: int = OCR_DPI):
    """The page as a Pillow image at `dpi`, its longer side at most OCR_MAX_SIDE_PX pixels."""
    width, height = page.get_size()
    scale = min(dpi / 72, OCR_MAX_SIDE_PX / max(width, height, 1.0))
    return page.render(scale=scale).to_pil()


def _image_share(page) -> float:
    """Largest image's share of the page area (scanned pages are one big picture)."""
    width, height = page.get_size()
    area = max(width * height, 1.0)
    best = 0.0
    for obj in page.get_objects(filter=[pdfium_raw.FPDF_PAGEOBJ_IMAGE], max_depth=3):
        left, bottom, right, top = obj.get_bounds()
        best = max(best, abs(right - left) * abs(top - bottom) / area)
    return min(best, 1.0)


def _result(pages: _Pages, total: int, limits: Limits) -> ParsedDoc:
    meta = {"pages_read": len(pages.texts), **pages.ocr.meta()}
    for key, value in (("garbled_pages", sorted(pages.garbled)), ("scanned_pages", pages.scanned),
                       ("careful_pages", pages.careful)):
        if value:
            meta[key] = value
    readable = [i for i, t in enumerate(pages.texts, 1)
                if t.strip() and i not in pages.garbled and i not in pages.scanned]
    if pages.garbled and len(pages.garbled) * 2 > len(readable) + len(pages.garbled):
        raise Unreadable(garbled_reason(pages.garbled, total), pages=total, meta=meta)
    if not readable:
        raise Unreadable(NO_TEXT_FOUND if pages.ocr.pages else NO_TEXT_LAYER, pages=total, meta=meta)
    flags = [name for name, on in (("garbled_pages", pages.garbled), ("scanned_pages", pages.scanned),
                                   ("truncated", len(pages.texts) < total or pages.ocr.skipped)) if on]
    flags += pages.ocr.flags()
    text, starts = _join_pages(pages.texts)
    meta["page_starts"] = starts
    return ParsedDoc(format="pdf", text=text, pages=total, flags=flags, meta=meta)


def _join_pages(texts: list[str]) -> tuple[str, list[int]]:
    starts, pos = [], 0
    for text in texts:
        starts.append(pos)
        pos += len(text) + len(PAGE_SEPARATOR)
    return PAGE_SEPARATOR.join(texts), starts


class _CarefulReader:
    """pdfplumber, opened only when a page needs a second opinion."""

    def __init__(self, data: bytes) -> None:
        self._data, self._pdf = data, None

    def second_opinion(self, index: int, text: str, kind: str, pages: _Pages) -> tuple[str, str | None]:
        other = self._page_text(index)
        if other is not None and visible_count(other) and page_garble(other) is None:
            pages.careful.append(index + 1)
            return other, None
        return text, kind

    def fill_in(self, index: int, text: str, pages: _Pages) -> str:
        """The page as pdfplumber reads it, when PDFium left text out and pdfplumber has more."""
        other = self._page_text(index)
        if (other and "(cid:" not in other and page_garble(other) is None
                and visible_count(other) > visible_count(text)):
            pages.careful.append(index + 1)
            return other
        return text

    def close(self) -> None:
        if self._pdf is not None:
            self._pdf.close()

    def _page_text(self, index: int) -> str | None:
        try:
            if self._pdf is None:
                import pdfplumber  # noqa: PLC0415 — heavy, rarely needed

                self._pdf = pdfplumber.open(io.BytesIO(self._data))
            return self._pdf.pages[index].extract_text() or ""
        except Exception:  # pdfminer has many failure modes; the fast path's verdict stands
            return None


def pdf_text_careful(data: bytes) -> str:
    """The careful path: pdfplumber `extract_text` per page, normalised like the fast path."""
    import pdfplumber  # noqa: PLC0415

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        texts = [layout_text(page.extract_text() or "") for page in pdf.pages]
    return PAGE_SEPARATOR.join(texts)

