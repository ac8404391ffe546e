"""Limits and settings shared by the stages (documented in docs/formats.md)."""
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
    # Memory of one worker process (model included: ~170 MB), enforced with RLIMIT_DATA: an
    # allocation beyond it fails and the file is `error: too much memory`. CLI: --max-memory.
    max_memory_bytes: int = 2 * 2**30


MIN_MEMORY_BYTES = 256 * 2**20               # a worker with the model loaded needs about 170 MB


def parse_size(text: str) -> int:
    """`2G`, `1500M`, `800MB`, `2147483648` → bytes (binary units); ValueError otherwise."""
    import re

    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?\s*", text, re.IGNORECASE)
    if not m:
        raise ValueError(f"not a size: {text!r} (e.g. 2G, 1500M)")
    scale = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}[m.group(2).upper()]
    return int(float(m.group(1)) * scale)


DEFAULT_LIMITS = Limits()

# OCR: pages of a PDF are rendered at this resolution (chosen by measurement, docs/formats.md#ocr);
# no image side is read larger than OCR_MAX_SIDE_PX (bigger images are scaled down first).
OCR_DPI = 200
OCR_MAX_SIDE_PX = 3000
# An OCR'd document whose mean recognition confidence is below this goes to review
# (`ocr_low_confidence`); calibrated on synthetic scans and photos (docs/formats.md#ocr).
OCR_MIN_CONFIDENCE = 0.9
