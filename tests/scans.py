"""Synthetic scans of 公文 pages: known text typeset with a CJK font, then degraded like a scanner does.

Used by the OCR tests, `tools/ocr_accuracy.py`, `benchmarks/ocr_bench.py` and `tools/make_examples.py`.
Nothing here is committed as an image: every scan is made from the text on the fly.

A page follows GB/T 9704 loosely: 份号, 密级★期限 and 紧急程度 top left, the 发文机关标志 in red, the
发文字号 above a red line, the 标题, 主送机关, body, signature and 成文日期 under a red stamp.
`degrade` adds what scanning adds: skew, noise, JPEG compression, a quarter turn.
"""
from __future__ import annotations

import io
import random
from dataclasses import dataclass
from pathlib import Path

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/arphic/uming.ttc",          # fonts-arphic-uming (make cjk-font)
    "/usr/share/fonts/truetype/arphic/ukai.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)
A4_MM = (210, 297)
RED = (200, 20, 20)


def cjk_font() -> Path | None:
    """A font with Chinese glyphs installed on this machine, or None."""
    return next((Path(p) for p in FONT_CANDIDATES if Path(p).exists()), None)


@dataclass(frozen=True)
class Draft:
    """A one-page 公文 with known header fields; `lines` is the text as it is printed, in reading order."""

    copy_number: str
    secrecy: str | None
    urgency: str | None
    issuer_mark: str           # 发文机关标志, printed in red
    doc_number: str
    title: str
    addressee: str
    body: list[str]
    signature: str
    date_cn: str               # 成文日期 as printed: 2026年11月10日
    date_iso: str

    @property
    def lines(self) -> list[str]:
        head = [self.copy_number, *(x for x in (self.secrecy, self.urgency) if x), self.issuer_mark,
                self.doc_number, self.title, self.addressee]
        return [*head, *self.body, self.signature, self.date_cn]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


DRAFTS = (
    Draft("000318", "秘密★1年", "特急", "长兴湾市国防动员办公室文件", "长动办发〔2026〕9号",
          "关于调整民兵应急分队战备值班安排的通知", "各县（区）人民武装部：",
          ["根据上级关于民兵力量结构调整的部署，结合本市防汛",
           "抗旱和森林防火任务，现将值班安排通知如下。",
           "一、全市编组民兵应急分队14支，总规模较上年压减。",
           "二、重要时段实行分队轮值，接到指令后2小时内集结。"],
          "长兴湾市国防动员办公室", "2026年11月10日", "2026-11-10"),
    Draft("000052", None, "加急", "长兴湾市人民政府办公室文件", "长政办发〔2026〕31号",
          "关于做好2026年冬季供暖保障工作的通知", "各区人民政府，市政府各部门：",
          ["为保障群众温暖过冬，经市政府同意，现就做好今冬",
           "供暖保障工作通知如下。",
           "一、11月15日起全市集中供暖，各供热企业提前调试。",
           "二、对低保家庭发放取暖补贴每户每年1200元。"],
          "长兴湾市人民政府办公室", "2026年10月28日", "2026-10-28"),
    Draft("000127", "机密★5年", None, "长兴湾市自然资源和规划局", "长自然资函〔2026〕133号",
          "关于恒丰包装公司厂区扩建用地有关问题的复函", "市经济和信息化局：",
          ["你局来函收悉。经研究，现函复如下：",
           "一、该地块符合国土空间规划，不占用永久基本农田。",
           "二、约0.4公顷为储备地块，需按规定公开出让取得。"],
          "长兴湾市自然资源和规划局", "2026年12月2日", "2026-12-02"),
)


@dataclass(frozen=True)
class Condition:
    """How a page was scanned."""

    dpi: int = 200
    noise: float = 0.0          # standard deviation of Gaussian noise, in grey levels
    skew: float = 0.0           # degrees, counter-clockwise
    jpeg: int | None = None     # JPEG quality, None: lossless
    turn: int = 0               # a quarter-turned page: 0, 90, 180 or 270 degrees
    seed: int = 0
    body_pt: float = 16         # body text size: 3号 (16 pt) in a 公文; 10.5 pt is 5号, a table's size

    @property
    def label(self) -> str:
        parts = [f"{self.dpi} dpi"]
        if self.noise:
            parts.append(f"noise σ{self.noise:g}")
        if self.skew:
            parts.append(f"skew {self.skew:g}°")
        if self.jpeg:
            parts.append(f"JPEG q{self.jpeg}")
        if self.turn:
            parts.append(f"turned {self.turn}°")
        if self.body_pt != 16:
            parts.append(f"body {self.body_pt:g} pt")
        return ", ".join(parts)


def _mm(dpi: int, mm: float) -> int:
    return round(mm / 25.4 * dpi)


def _pt(dpi: int, points: float) -> int:
    return round(points / 72 * dpi)


def render(draft: Draft, dpi: int = 200, font_path: Path | None = None, body_pt: float = 16):
    """The clean page as a Pillow RGB image: A4 at `dpi`, layout after GB/T 9704 (body in `body_pt`)."""
    from PIL import Image, ImageDraw, ImageFont

    font_path = font_path or cjk_font()
    if font_path is None:
        raise RuntimeError("no CJK font installed (make cjk-font)")
    size = (_mm(dpi, A4_MM[0]), _mm(dpi, A4_MM[1]))
    page = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(page)
    body = ImageFont.truetype(str(font_path), _pt(dpi, body_pt))  # 3号 by default
    mark = ImageFont.truetype(str(font_path), _pt(dpi, 36))       # 发文机关标志
    title = ImageFont.truetype(str(font_path), _pt(dpi, 22))      # 2号
    left, width, step = _mm(dpi, 28), _mm(dpi, 156), _pt(dpi, body_pt * 1.75)
    y = _mm(dpi, 30)
    for line in [draft.copy_number, *(x for x in (draft.secrecy, draft.urgency) if x)]:
        draw.text((left, y), line, font=body, fill="black")
        y += step
    y += step // 2
    draw.text((left + width // 2, y), draft.issuer_mark, font=mark, fill=RED, anchor="mt")
    y += _pt(dpi, 36) + step
    draw.text((left + width // 2, y), draft.doc_number, font=body, fill="black", anchor="mt")
    y += step
    draw.line((left, y, left + width, y), fill=RED, width=max(_pt(dpi, 1.5), 2))
    y += step
    draw.text((left + width // 2, y), draft.title, font=title, fill="black", anchor="mt")
    y += _pt(dpi, 22) + step
    draw.text((left, y), draft.addressee, font=body, fill="black")
    y += step
    previous = "。"
    for line in draft.body:   # a paragraph's first line is indented two characters, its wraps are not
        indent = _pt(dpi, 2 * body_pt) if previous.endswith(("。", "：")) else 0
        draw.text((left + indent, y), line, font=body, fill="black")
        previous = line
        y += step
    y += step
    right = left + width - _pt(dpi, 4 * body_pt)
    draw.text((right, y), draft.signature, font=body, fill="black", anchor="ra")
    draw.text((right, y + step), draft.date_cn, font=body, fill="black", anchor="ra")
    _stamp(page, (right - _mm(dpi, 22), y + step // 2), _mm(dpi, 21))
    return page


def _stamp(page, centre: tuple[int, int], radius: int) -> None:
    """A red seal over the signature and date, printed over the text as red ink is (multiplied)."""
    from PIL import Image, ImageChops, ImageDraw

    ink = Image.new("RGB", page.size, "white")
    draw = ImageDraw.Draw(ink)
    x, y = centre
    draw.ellipse((x - radius, y - radius, x + radius, y + radius), outline=RED, width=max(radius // 14, 2))
    r = radius // 3
    star = [(x + (r if i % 2 == 0 else r * 0.4) * _cos(90 + 36 * i), y - (r if i % 2 == 0 else r * 0.4) * _sin(90 + 36 * i))
            for i in range(10)]
    draw.polygon(star, fill=RED)
    page.paste(ImageChops.multiply(page, ink))


def _cos(deg: float) -> float:
    import math

    return math.cos(math.radians(deg))


def _sin(deg: float) -> float:
    import math

    return math.sin(math.radians(deg))


def degrade(page, cond: Condition):
    """What the scanner and the fax add: skew, a quarter turn, Gaussian noise, JPEG artefacts."""
    import numpy as np
    from PIL import Image

    if cond.skew:
        page = page.rotate(cond.skew, resample=Image.BICUBIC, fillcolor="white")
    if cond.turn:
        page = page.rotate(cond.turn, expand=True)
    if cond.noise:
        rng = np.random.default_rng(cond.seed)
        pixels = np.asarray(page, dtype=np.float32) + rng.normal(0, cond.noise, (page.height, page.width, 1))
        page = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    if cond.jpeg:
        buf = io.BytesIO()
        page.save(buf, "JPEG", quality=cond.jpeg)
        page = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    return page


def scan(draft: Draft, cond: Condition = Condition(), font_path: Path | None = None):
    return degrade(render(draft, cond.dpi, font_path, cond.body_pt), cond)


def image_bytes(page, fmt: str = "PNG", **options) -> bytes:
    buf = io.BytesIO()
    page.save(buf, fmt, **options)
    return buf.getvalue()


def scanned_pdf(path: Path, pages, dpi: int = 200, text_pages: dict[int, str] | None = None) -> Path:
    """A PDF whose pages are the given images drawn full page (JPEG inside, as scanners write them).
    `text_pages` puts a digital text page (STSong-Light) at the given 0-based positions instead."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf = canvas.Canvas(str(path), pagesize=A4)
    images = list(pages)
    text_pages = text_pages or {}
    for i in range(len(images) + len(text_pages)):
        if i in text_pages:
            pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
            y = A4[1] - 72
            for line in text_pages[i].splitlines():
                pdf.setFont("STSong-Light", 16)
                pdf.drawString(56, y, line)
                y -= 26
        else:
            image = images.pop(0)
            buf = io.BytesIO(image_bytes(image, "JPEG", quality=85))
            pdf.drawImage(ImageReader(buf), 0, 0, width=A4[0], height=A4[1])
        pdf.showPage()
    pdf.save()
    return path


def cer(truth: str, read: str) -> float:
    """Character error rate: edit distance over the truth's length, blanks ignored on both sides."""
    a = "".join(truth.split())
    b = "".join(read.split())
    if not a:
        return float(bool(b))
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1] / len(a)


def random_condition(dpi: int, seed: int) -> Condition:
    """A plausible bad scan: noise, skew within ±3°, JPEG quality 40–85."""
    rng = random.Random(seed)
    return Condition(dpi=dpi, noise=rng.choice((0, 8, 16)), skew=round(rng.uniform(-3, 3), 1),
                     jpeg=rng.choice((None, 40, 60, 85)), seed=seed)
