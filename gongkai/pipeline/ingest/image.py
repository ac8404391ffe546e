"""Standalone images (.jpg .jpeg .png .tif/.tiff with any number of pages, .bmp): every page by OCR.

Pillow decodes the image; a picture over `MAX_PIXELS` is refused before it is decoded (a
decompression bomb), EXIF orientation is applied, and a side over `OCR_MAX_SIDE_PX` is scaled
down. Pages of a multi-page TIFF go through the same OCR budget as the pages of a PDF.
"""
from __future__ import annotations

import io

from gongkai.config import OCR_MAX_SIDE_PX, Limits
from gongkai.records import ParsedDoc

from .errors import ParseError, Unreadable, check_deadline
from .ocr import OcrRun

MAX_PIXELS = 120_000_000            # ≈ an A0 sheet at 300 dpi; Pillow's own guard is 89 M with a warning only
NO_TEXT_FOUND = "no text found by OCR (image-only)"
PAGE_SEPARATOR = "\n\n"


def parse_image(data: bytes, limits: Limits, deadline: float) -> ParsedDoc:
    from PIL import Image, UnidentifiedImageError  # noqa: PLC0415

    try:
        picture = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError:
        raise ParseError(f"too large: image over {MAX_PIXELS // 1_000_000} M pixels") from None
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise ParseError(f"corrupt: not a readable image ({str(exc).splitlines()[0][:80]})") from None
    run = OcrRun(limits, deadline)
    texts: list[str] = []
    total = getattr(picture, "n_frames", 1)
    for index in range(total):
        if not run.pages:
            check_deadline(deadline, limits.file_timeout_s)
        if not run.allows(index + 1):       # past the budget or the deadline: skipped, `truncated`
            continue
        texts.append(run.read(index + 1, page_image(picture, index)).text)
    return ocr_result("image", texts, total, run)


def page_image(picture, index: int):
    """Frame `index` as an upright RGB image no larger than the OCR reads."""
    from PIL import Image, ImageOps  # noqa: PLC0415

    if picture.width * picture.height > MAX_PIXELS:
        raise ParseError(f"too large: image of {picture.width}×{picture.height} pixels "
                         f"(limit {MAX_PIXELS // 1_000_000} M)")
    try:
        picture.seek(index)
        frame = ImageOps.exif_transpose(picture).convert("RGB")
    except (OSError, ValueError, EOFError) as exc:
        raise ParseError(f"corrupt: image page {index + 1} cannot be decoded ({str(exc)[:80]})") from None
    scale = OCR_MAX_SIDE_PX / max(frame.size)
    if scale < 1:
        frame = frame.resize((max(round(frame.width * scale), 1), max(round(frame.height * scale), 1)),
                             Image.LANCZOS)
    return frame


def ocr_result(fmt: str, texts: list[str], total: int, run: OcrRun) -> ParsedDoc:
    """A document read wholly by OCR: `unreadable` when nothing was found, else `ok` with the OCR flags."""
    meta = {"pages_read": len(texts), **run.meta()}
    if not any(t.strip() for t in texts):
        raise Unreadable(NO_TEXT_FOUND, pages=total, meta=meta)
    flags = run.flags() + (["truncated"] if len(texts) < total else [])
    starts, pos = [], 0
    for text in texts:
        starts.append(pos)
        pos += len(text) + len(PAGE_SEPARATOR)
    meta["page_starts"] = starts
    return ParsedDoc(format=fmt, text=PAGE_SEPARATOR.join(texts), pages=total, flags=flags, meta=meta)
