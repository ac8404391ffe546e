"""Limits and settings shared by the stages (documented in docs/limits.md)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Defences against huge and hostile files. Every limit names itself in the error it causes."""

    max_file_bytes: int = 100 * 2**20        # larger inputs are `error: too large`
    max_unpacked_bytes: int = 200 * 2**20    # total uncompressed size of a .docx/.ofd package
    max_member_ratio: int = 100              # compression ratio of one zip member (zip bombs)
    max_members: int = 5000                  # members in one package
    file_timeout_s: float = 60.0             # wall time for one file's parse; the worker is killed after it
    max_pages: int = 2000                    # pages read from one PDF/OFD
    # OCR of image-only pages (docs/formats.md#ocr): pages read per file, the file's OCR time,
    # and the time one page may take (a page is started only while that much time is left).
    ocr_max_pages: int = 20
    ocr_time_budget_s: float = 45.0          # within file_timeout_s: the file ends `truncated`, not killed
    ocr_page_timeout_s: float = 20.0


DEFAULT_LIMITS = Limits()

# OCR: pages of a PDF are rendered at this resolution (chosen by measurement, docs/formats.md#ocr);
# no image side is read larger than OCR_MAX_SIDE_PX (bigger images are scaled down first).
OCR_DPI = 200
OCR_MAX_SIDE_PX = 3000
# An OCR'd document whose mean recognition confidence is below this goes to review
# (`ocr_low_confidence`); calibrated on synthetic scans and photos (docs/formats.md#ocr).
OCR_MIN_CONFIDENCE = 0.9
