"""OCR of page images: RapidOCR (PP-OCRv4 detection, direction and recognition models, shipped
inside the rapidocr-onnxruntime wheel; ONNX Runtime on CPU; nothing is downloaded).

The engine is created on first use, so it is built inside the worker process that needs it
(never in the fork server or the parent), with one ONNX Runtime thread: two workers on two
cores do not oversubscribe them. `read_image` returns the page's text in reading order and
the recognition confidences; `OcrRun` applies the page budget and time limits of one file.
"""
from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass, field
from statistics import median

from gongkai.config import OCR_MAX_SIDE_PX, OCR_MIN_CONFIDENCE, Limits

from .normalize import _joins, layout_text

_ENGINE = None
UNCLIP_RATIO = 2.0
# Two boxes share a line when their centres (after deskewing) differ by less than this share
# of the smaller box height; a horizontal gap wider than SPACE_GAP heights becomes a space.
SAME_LINE_SHARE = 0.5
SPACE_GAP = 1.5
# A row ending within this many line heights of the text's right edge wraps into the next row
# when that one starts within as many of the left edge (no paragraph indent).
WRAP_MARGIN = 1.0
# A page is quarter-turned when most recognised characters sit in boxes this much taller than wide.
TALL_RATIO = 1.5
# What PP-OCRv4 misreads in 公文 and cannot be meant: 丶 (a radical) for the enumeration comma;
# the year brackets of a 发文字号 read as other brackets (［2026〕, 〔2026」, [2026]9号 → 〔2026〕9号);
# ° or · for the 。 ending a line; a 成文日期 line whose 日 a seal's ring hid (2026年11月10);
# ASCII : , ; after a Chinese character for the full-width marks.
_HAN = "\u4e00-\u9fff"
_FIXES = ((re.compile(r"丶"), "、"),
          (re.compile(r"[〔［\[【(（﹝]\s*(\d{4})\s*[〕」』】\]］)）﹞}](?=\s*\d{1,5}\s*号)"), r"〔\1〕"),
          (re.compile(f"(?<=[{_HAN}])[°·]$", re.M), "。"),
          (re.compile(r"^(\d{4}年\d{1,2}月\d{1,2})$", re.M), r"\1日"),
          (re.compile(f"(?<=[{_HAN}]):"), "："), (re.compile(f"(?<=[{_HAN}]),"), "，"),
          (re.compile(f"(?<=[{_HAN}]);"), "；"))


def engine():
    """The RapidOCR engine of this process, built on first use (≈ 0.2 s)."""
    global _ENGINE
    if _ENGINE is None:
        import cv2  # noqa: PLC0415 — heavy; only OCR needs it

        cv2.setNumThreads(1)
        from rapidocr_onnxruntime import RapidOCR  # noqa: PLC0415

        # unclip 2.0 (library default 1.6): looser boxes keep the last character of a line a seal's
        # ring crosses (the 日 of 成文日期); measured in tools/ocr_accuracy.py.
        _ENGINE = RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1, max_side_len=OCR_MAX_SIDE_PX,
                           det_unclip_ratio=UNCLIP_RATIO)
    return _ENGINE


@dataclass
class Line:
    box: list              # four corner points, clockwise from top left of the text
    text: str
    score: float
    flipped: bool          # the direction model turned the line 180°


@dataclass
class OcrPage:
    text: str
    scores: list[tuple[float, int]] = field(default_factory=list)   # (confidence, characters) per line
    turned: int = 0        # degrees the page was turned back before it was read
    seconds: float = 0.0


def recognise(image) -> list[Line]:
    """Detection, direction and recognition on a BGR array: the steps of `RapidOCR.__call__`,
    keeping the direction model's verdict per line (it tells an upside-down page)."""
    eng = engine()
    raw_h, raw_w = image.shape[:2]
    img, ratio_h, ratio_w = eng.preprocess(image)
    record = {"preprocess": {"ratio_h": ratio_h, "ratio_w": ratio_w}}
    img, record = eng.maybe_add_letterbox(img, record)
    boxes, _ = eng.auto_text_det(img)
    if boxes is None:
        return []
    crops = eng.get_crop_img_list(img, boxes)
    crops, directions, _ = eng.text_cls(crops)
    texts, _ = eng.text_rec(crops, False)
    boxes = eng._get_origin_points(boxes, record, raw_h, raw_w)
    return [Line(box.tolist(), text, float(score), direction[0] == "180")
            for box, (text, score, *_), direction in zip(boxes, texts, directions)
            if float(score) >= eng.text_score and text.strip()]


def read_image(image) -> OcrPage:
    """One page image (Pillow) → its text in reading order and the confidence of every line."""
    import numpy as np  # noqa: PLC0415

    started = time.perf_counter()
    pixels = np.ascontiguousarray(np.asarray(image.convert("RGB"))[:, :, ::-1])
    lines = recognise(pixels)
    turned = _quarter_turn(lines)
    if turned:
        pixels = np.ascontiguousarray(np.rot90(pixels, k=turned // 90))
        lines = recognise(pixels)
    # The direction model's verdict on one short label is a guess; the order of one line does not matter.
    upside_down = len(lines) > 1 and _weighted_share(lines, lambda ln: ln.flipped) > 0.5
    text = _clean("\n".join(layout_text(row) for row in reading_order(lines, upside_down)))
    return OcrPage(text=text, scores=[(ln.score, len(ln.text)) for ln in lines],
                   turned=(turned + 180 * upside_down) % 360, seconds=time.perf_counter() - started)


def _weighted_share(lines: list[Line], test) -> float:
    total = sum(len(ln.text) for ln in lines)
    return sum(len(ln.text) for ln in lines if test(ln)) / total if total else 0.0


def _size(box) -> tuple[float, float]:
    (x0, y0), (x1, y1), _, (x3, y3) = box[:4]
    return math.hypot(x1 - x0, y1 - y0), math.hypot(x3 - x0, y3 - y0)


def _quarter_turn(lines: list[Line]) -> int:
    """Degrees to turn the page counter-clockwise so its lines run left to right: 0, 90 or 270.

    On a quarter-turned page the boxes stand upright; the library turns such a crop a quarter
    counter-clockwise before reading it, and the direction model then says whether that left the
    text upside down (the page was turned the other way)."""
    tall = [ln for ln in lines if _size(ln.box)[1] > TALL_RATIO * _size(ln.box)[0]]
    if _weighted_share(lines, lambda ln: ln in tall) <= 0.5:
        return 0
    return 90 if _weighted_share(tall, lambda ln: ln.flipped) > 0.5 else 270


def reading_order(lines: list[Line], upside_down: bool = False) -> list[str]:
    """The page's lines of text: boxes grouped into rows after undoing the page's skew, top to
    bottom, each left to right; a row that reaches the right edge of the text and is followed by
    one starting at its left edge is a wrapped line and is joined to it (Chinese on both sides)."""
    if not lines:
        return []
    skew = _skew(lines)
    cos, sin = math.cos(-skew), math.sin(-skew)
    placed = []
    for ln in lines:
        cx = sum(p[0] for p in ln.box[:4]) / 4
        cy = sum(p[1] for p in ln.box[:4]) / 4
        x, y = cx * cos - cy * sin, cx * sin + cy * cos
        if upside_down:
            x, y = -x, -y
        width, height = _size(ln.box)
        placed.append((y, x - width / 2, x + width / 2, height, ln.text))
    rows: list[list[tuple]] = []
    for item in sorted(placed):
        row = rows[-1] if rows else None
        if row and abs(item[0] - row[0][0]) <= SAME_LINE_SHARE * min(item[3], row[0][3]):
            row.append(item)
        else:
            rows.append([item])
    return _join_wrapped([sorted(row, key=lambda it: it[1]) for row in rows])


def _join_wrapped(rows: list[list[tuple]]) -> list[str]:
    left = min(row[0][1] for row in rows)
    right = max(row[-1][2] for row in rows)
    out: list[str] = []
    wraps = False
    for row in rows:
        text = _join_row(row)
        height = median(it[3] for it in row)
        if wraps and row[0][1] - left <= WRAP_MARGIN * height and _joins(out[-1], text):
            out[-1] += text
        else:
            out.append(text)
        wraps = right - row[-1][2] <= WRAP_MARGIN * height
    return out


def _skew(lines: list[Line]) -> float:
    """The page's skew in radians: the median slope of the top edges of the wider boxes."""
    angles = [math.atan2(ln.box[1][1] - ln.box[0][1], ln.box[1][0] - ln.box[0][0])
              for ln in lines if _size(ln.box)[0] > 3 * _size(ln.box)[1]]
    angles = [a for a in angles if abs(a) < math.radians(20)]
    return median(angles) if angles else 0.0


def _join_row(row: list[tuple]) -> str:
    out, end = [], None
    for _, left, right, height, text in row:
        if end is not None and left - end > SPACE_GAP * height:
            out.append(" ")
        out.append(text)
        end = right
    return "".join(out)


def _clean(text: str) -> str:
    for pattern, replacement in _FIXES:
        text = pattern.sub(replacement, text)
    return text


@dataclass
class OcrRun:
    """The OCR of one file: pages read, confidences, and pages skipped by the budget or the clock.

    `Limits.ocr_max_pages` pages are read at most. A page is started only while the time left
    (the OCR budget, and the file's own deadline) is at least the per-page limit, so the file
    ends in time with `truncated` instead of being killed; a page that overran the limit stops
    the OCR of the file too (the next ones would be as slow).
    """

    limits: Limits
    deadline: float                   # the file's time.monotonic() deadline
    started: float = field(default_factory=time.monotonic)
    pages: dict[int, OcrPage] = field(default_factory=dict)    # 1-based page number -> result
    skipped: list[int] = field(default_factory=list)
    stopped: bool = False

    def allows(self, number: int) -> bool:
        """Whether page `number` may be read now; records it as skipped when not."""
        now = time.monotonic()
        left = min(self.started + self.limits.ocr_time_budget_s, self.deadline) - now
        if self.stopped or len(self.pages) >= self.limits.ocr_max_pages or left < self.limits.ocr_page_timeout_s:
            self.stopped = True
            self.skipped.append(number)
            return False
        return True

    def expired(self) -> bool:
        """OCR has read pages and the file's deadline has passed: stop here, `truncated`, keeping what
        was read (a page cannot be interrupted, so the last one may end past the deadline)."""
        return bool(self.pages) and time.monotonic() > self.deadline

    def read(self, number: int, image) -> OcrPage:
        page = read_image(image)
        self.pages[number] = page
        if page.seconds > self.limits.ocr_page_timeout_s:
            self.stopped = True
        return page

    def flags(self) -> list[str]:
        out = ["ocr"] if self.pages else []
        read = any(page.scores for page in self.pages.values())   # a blank scan has nothing to doubt
        if read and self.mean_confidence() < OCR_MIN_CONFIDENCE:
            out.append("ocr_low_confidence")
        return out

    def mean_confidence(self) -> float:
        """Mean line confidence weighted by characters, over every page read; 0.0 when nothing was read."""
        scores = [s for page in self.pages.values() for s in page.scores]
        chars = sum(n for _, n in scores)
        return sum(c * n for c, n in scores) / chars if chars else 0.0

    def min_confidence(self) -> float:
        scores = [c for page in self.pages.values() for c, _ in page.scores]
        return min(scores) if scores else 0.0

    def meta(self) -> dict:
        if not self.pages and not self.skipped:
            return {}
        out: dict = {"ocr_pages": sorted(self.pages), "ocr_confidence": round(self.mean_confidence(), 4),
                     "ocr_min_confidence": round(self.min_confidence(), 4),
                     "ocr_seconds": round(sum(p.seconds for p in self.pages.values()), 2)}
        turned = {n: p.turned for n, p in self.pages.items() if p.turned}
        if turned:
            out["ocr_turned"] = turned
        if self.skipped:
            out["ocr_skipped_pages"] = self.skipped
        return out
