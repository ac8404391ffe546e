"""OFD (GB/T 33190-2016): read the zip natively, pages in order, text placed by position.

OFD.xml → DocBody/DocRoot → Document.xml → Pages/Page/@BaseLoc. A page's text
is every `TextObject/TextCode` in its layers, in template pages it references
(`Template/@TemplateID` → `CommonData/TemplatePage`) and in composite units
(`CompositeObject/@ResourceID` → `CompositeGraphicUnit` in the resource files),
each placed on the page through Boundary and CTM. Runs are grouped into lines
by Y and ordered by X, because producers write them in drawing order, not
reading order. A line with three or more runs set wide apart is a table row:
its cells are joined by tabs (not spaces, which layout clean-up removes between
Chinese characters), so a value keeps its column header for the detectors.
Signatures are counted, not verified.
"""
from __future__ import annotations

import math
import posixpath
from dataclasses import dataclass

from gongkai.config import OCR_DPI, OCR_MAX_SIDE_PX, Limits
from gongkai.records import ParsedDoc

from .errors import ParseError, Unreadable, check_deadline
from .garble import garbled_reason, page_garble
from .image import NO_TEXT_FOUND
from .normalize import layout_text
from .ocr import OcrRun
from .package import Package, resolve

NO_TEXT_LAYER = "no text layer (image-only or scanned pages)"
IDENTITY = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
# Two runs share a line when their baselines differ by less than this share of the font size.
SAME_LINE_SHARE = 0.5
# A gap wider than this many font sizes between runs on one line becomes a space.
SPACE_GAP = 1.5
# Between two numbers or words in Latin script a narrower gap already separates them: adjacent
# table cells (an ID, then a bank card) sit closer than 1.5 font sizes when a column is full.
ALNUM_GAP = 0.8
# A line with this many wide gaps (three cells or more) is a table row: its cells get tabs.
TABLE_GAPS = 2


@dataclass(frozen=True)
class Run:
    x: float
    y: float
    size: float
    text: str


def _local(el) -> str:
    tag = el.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _children(el, name: str):
    return (child for child in el if _local(child) == name)


def _first(el, name: str):
    return next(_children(el, name), None) if el is not None else None


def _numbers(value: str | None, count: int, default: tuple) -> tuple:
    try:
        parts = [float(v) for v in (value or "").split()]
    except ValueError:
        return default
    return tuple(parts[:count]) if len(parts) >= count else default


def _compose(outer: tuple, inner: tuple) -> tuple:
    a, b, c, d, e, f = outer
    a2, b2, c2, d2, e2, f2 = inner
    return (a * a2 + c * b2, b * a2 + d * b2, a * c2 + c * d2, b * c2 + d * d2,
            a * e2 + c * f2 + e, b * e2 + d * f2 + f)


def _placement(el, parent: tuple) -> tuple:
    """Object space → page space: the parent's matrix, then the Boundary origin, then the CTM."""
    x, y = _numbers(el.get("Boundary"), 2, (0.0, 0.0))
    ctm = _numbers(el.get("CTM"), 6, IDENTITY)
    return _compose(parent, _compose((1.0, 0.0, 0.0, 1.0, x, y), ctm))


class OfdReader:
    """One OFD package: resolves documents, pages, templates and composite units."""

    def __init__(self, pkg: Package) -> None:
        self.pkg = pkg
        self._units: dict[str, object] | None = None
        self._media: dict[str, str] | None = None
        self._res_paths: list[str] = []

    def documents(self) -> list[str]:
        root = self.pkg.xml(self._ofd_xml())
        roots = [resolve("", (_first(body, "DocRoot").text or "")) for body in _children(root, "DocBody")
                 if _first(body, "DocRoot") is not None]
        if not roots:
            raise ParseError("corrupt: OFD.xml names no DocBody/DocRoot")
        return roots

    def _ofd_xml(self) -> str:
        if self.pkg.has("OFD.xml"):
            return "OFD.xml"
        raise ParseError("corrupt: not an OFD package (no OFD.xml)")

    def pages(self, doc_path: str) -> tuple[list[str], dict[str, str]]:
        """Page content paths in order, and template page id -> path."""
        root = self.pkg.xml(doc_path)
        base = posixpath.dirname(doc_path)
        common = _first(root, "CommonData")
        templates = {t.get("ID", ""): resolve(base, t.get("BaseLoc", ""))
                     for t in (_children(common, "TemplatePage") if common is not None else ())}
        self._res_paths = [resolve(base, r.text or "") for name in ("PublicRes", "DocumentRes")
                           for r in (_children(common, name) if common is not None else ()) if r.text]
        pages_el = _first(root, "Pages")
        pages = [resolve(base, p.get("BaseLoc", "")) for p in (_children(pages_el, "Page") if pages_el is not None else ())]
        return pages, templates

    def page_runs(self, page_path: str, templates: dict[str, str], images: list | None = None) -> list[Run]:
        """The page's text runs; its ImageObjects are appended to `images` (element, page matrix)."""
        root = self.pkg.xml(page_path)
        runs: list[Run] = []
        images = images if images is not None else []
        for ref in _children(root, "Template"):
            path = templates.get(ref.get("TemplateID", ""))
            if path and self.pkg.has(path):
                self._collect(_first(self.pkg.xml(path), "Content"), IDENTITY, runs, images, 0)
        self._collect(_first(root, "Content"), IDENTITY, runs, images, 0)
        return runs

    def _collect(self, container, matrix: tuple, runs: list[Run], images: list, depth: int) -> None:
        if container is None or depth > 16:  # composite units may nest; refuse cycles
            return
        for el in container:
            name = _local(el)
            if name == "TextObject":
                _text_runs(el, _placement(el, matrix), runs)
            elif name == "ImageObject":
                images.append((el, matrix))
            elif name == "CompositeObject":
                unit = self._unit(el.get("ResourceID", ""))
                self._collect(_first(unit, "Content"), _placement(el, matrix), runs, images, depth + 1)
            elif name in ("Layer", "PageBlock", "Content"):
                self._collect(el, matrix, runs, images, depth + 1)

    def page_size(self, page_path: str, doc_path: str) -> tuple[float, float]:
        """The page's PhysicalBox width and height in mm (the page's own, else the document's)."""
        for root in (self.pkg.xml(page_path), self.pkg.xml(doc_path)):
            area = _first(root, "Area") if _local(root) == "Page" else _first(_first(root, "CommonData"), "PageArea")
            box = _numbers((_first(area, "PhysicalBox").text if _first(area, "PhysicalBox") is not None else None),
                           4, None) if area is not None else None
            if box and box[2] > 0 and box[3] > 0:
                return box[2], box[3]
        return 210.0, 297.0

    def media(self, resource_id: str) -> bytes | None:
        """The bytes of the MultiMedia resource `resource_id` (an image), or None."""
        if self._media is None:
            self._media = {}
            for path in self._res_paths:
                root = self.pkg.xml_or_none(path)
                if root is None:
                    continue
                base = resolve(posixpath.dirname(path), root.get("BaseLoc", "") or "")
                for group in _children(root, "MultiMedias"):
                    for item in _children(group, "MultiMedia"):
                        file_el = _first(item, "MediaFile")
                        if file_el is not None and file_el.text:
                            self._media[item.get("ID", "")] = resolve(base, file_el.text.strip())
        path = self._media.get(resource_id)
        return self.pkg.read(path) if path and self.pkg.has(path) else None

    def _unit(self, resource_id: str):
        if self._units is None:
            self._units = {}
            for path in self._res_paths:
                root = self.pkg.xml_or_none(path)
                for group in _children(root, "CompositeGraphicUnits") if root is not None else ():
                    self._units.update((u.get("ID", ""), u) for u in _children(group, "CompositeGraphicUnit"))
        return self._units.get(resource_id)

    def signatures(self) -> int:
        root = self.pkg.xml(self._ofd_xml())
        count = 0
        for body in _children(root, "DocBody"):
            ref = _first(body, "Signatures")
            if ref is not None and ref.text and self.pkg.has(resolve("", ref.text)):
                count += sum(1 for _ in _children(self.pkg.xml(resolve("", ref.text)), "Signature"))
        if count:
            return count
        return len({n.lower().rsplit("/signs/", 1)[1].split("/")[0] for n in self.pkg.names()
                    if "/signs/" in n.lower() and n.lower().rsplit("/signs/", 1)[1].count("/")})


def _text_runs(obj, matrix: tuple, runs: list[Run]) -> None:
    a, b, c, d = matrix[:4]
    scale = math.sqrt(abs(a * d - b * c)) or 1.0
    size = float(obj.get("Size", "1") or 1) * scale
    x = y = 0.0
    for code in _children(obj, "TextCode"):
        x = _numbers(code.get("X"), 1, (x,))[0]
        y = _numbers(code.get("Y"), 1, (y,))[0]
        if code.text:
            runs.append(Run(a * x + c * y + matrix[4], b * x + d * y + matrix[5], size, code.text))


def lines_of(runs: list[Run]) -> list[str]:
    """Group runs into lines by baseline, each line in X order."""
    lines: list[list[Run]] = []
    for run in sorted(runs, key=lambda r: (r.y, r.x)):
        current = lines[-1] if lines else None
        if current and abs(run.y - current[0].y) <= SAME_LINE_SHARE * max(run.size, current[0].size):
            current.append(run)
        else:
            lines.append([run])
    return [_join_line(sorted(line, key=lambda r: r.x)) for line in lines]


def _join_line(line: list[Run]) -> str:
    cells = _cells(line)
    # Three cells or more, one of them longer than a character: a spaced-out title (通  知  公  告)
    # is not a table and keeps the spaces layout clean-up removes.
    table = len(cells) > TABLE_GAPS and max(map(len, cells)) > 1
    return ("\t" if table else " ").join(cells)


def _cells(line: list[Run]) -> list[str]:
    """The runs of one line (in X order) joined into the pieces that wide gaps separate."""
    cells: list[str] = []
    end = None
    for run in line:
        if end is None or run.x - end > _gap_limit(cells[-1], run):
            cells.append(run.text)
        else:
            cells[-1] += run.text
        end = run.x + run.size * (len(run.text) - 0.5 * len(run.text.encode("latin-1", "ignore")))
    return cells


def _gap_limit(before: str, run: Run) -> float:
    """How wide a gap before `run` must be to separate it from the text before."""
    alnum = before[-1:].isascii() and before[-1:].isalnum() and run.text[:1].isascii() and run.text[:1].isalnum()
    return (ALNUM_GAP if alnum else SPACE_GAP) * run.size


def parse_ofd(data: bytes, limits: Limits, deadline: float) -> ParsedDoc:
    reader = OfdReader(Package(data, limits))
    texts, garbled, run = [], {}, OcrRun(limits, deadline)
    for doc_path in reader.documents():
        pages, templates = reader.pages(doc_path)
        for page_path in pages[: max(limits.max_pages - len(texts), 0)]:
            if run.expired():
                run.skipped.append(len(texts) + 1)
                texts.append("")
                continue
            check_deadline(deadline, limits.file_timeout_s)
            images: list = []
            text = layout_text("\n".join(lines_of(reader.page_runs(page_path, templates, images))))
            number = len(texts) + 1
            if not text.strip() and images and run.allows(number):   # an image-only page: OCR
                text = run.read(number, page_image(reader, page_path, doc_path, images)).text
            kind = page_garble(text)
            if kind:
                garbled[number] = kind
            texts.append("" if kind else text)
    signatures = reader.signatures()
    return _result(texts, garbled, signatures, run)


def page_image(reader: OfdReader, page_path: str, doc_path: str, images: list):
    """The page's images pasted where their Boundary puts them, on a white page at OCR_DPI."""
    import io  # noqa: PLC0415

    from PIL import Image  # noqa: PLC0415

    width_mm, height_mm = reader.page_size(page_path, doc_path)
    scale = min(OCR_DPI / 25.4, OCR_MAX_SIDE_PX / max(width_mm, height_mm))
    page = Image.new("RGB", (max(round(width_mm * scale), 1), max(round(height_mm * scale), 1)), "white")
    for el, matrix in images:
        data = reader.media(el.get("ResourceID", ""))
        x, y, w, h = _numbers(el.get("Boundary"), 4, (0.0, 0.0, 0.0, 0.0))
        if not data or w <= 0 or h <= 0:
            continue
        try:
            picture = Image.open(io.BytesIO(data))
            picture.draft("RGB", (round(w * scale), round(h * scale)))   # JPEG: decode at the size needed
            picture = picture.convert("RGB").resize((max(round(w * scale), 1), max(round(h * scale), 1)))
        except (OSError, ValueError, Image.DecompressionBombError):
            continue   # a broken image reads as nothing, like a missing one
        page.paste(picture, (round((x + matrix[4]) * scale), round((y + matrix[5]) * scale)))
    return page


def _result(texts: list[str], garbled: dict[int, str], signatures: int, run: OcrRun) -> ParsedDoc:
    meta: dict = {"signatures": signatures} if signatures else {}
    meta.update(run.meta())
    if garbled:
        meta["garbled_pages"] = sorted(garbled)
    readable = sum(1 for t in texts if t.strip())
    if garbled and len(garbled) > readable:
        raise Unreadable(garbled_reason(garbled, len(texts)), pages=len(texts), meta=meta)
    if not readable:
        raise Unreadable(NO_TEXT_FOUND if run.pages else NO_TEXT_LAYER, pages=len(texts), meta=meta)
    flags = (["signature"] if signatures else []) + run.flags() + (["truncated"] if run.skipped else [])
    return ParsedDoc(format="ofd", text="\n\n".join(texts), pages=len(texts), flags=flags, meta=meta)
