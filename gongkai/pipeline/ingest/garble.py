"""Is this text garbage? Per-page checks for the ways extracted text goes wrong.

A PDF can extract "successfully" and still be useless: pdfminer writes `(cid:123)`
for glyphs it cannot map, broken fonts give private-use (U+E000–F8FF) or
replacement (U+FFFD) characters, and a Chinese font without a Unicode map
decodes GBK bytes as Latin-1 (`¹ØÓÚ` for 关于). Each check counts the bad
characters with one compiled regex, so a page costs a few C-level scans.
"""
from __future__ import annotations

import re

CID = "(cid:NNN) glyphs"
PRIVATE_USE = "private-use or replacement characters"
NO_UNICODE_MAP = "fonts without a Unicode map"

# Share of a page's visible characters that must be bad before the page counts as garbled.
GARBLED_SHARE = 0.3
MIN_VISIBLE = 3

_CID_RE = re.compile(r"\(cid:\d+\)")
_PRIVATE_RE = re.compile("[\ue000-\uf8ff\ufffd\U000f0000-\U0010ffff\x00-\x08\x0e-\x1f\x7f]")
# Latin-1 supplement and the rarer cp1252 letters: what GBK/Big5 bytes become when a font
# without a Unicode map is decoded as a single-byte encoding.
_MOJIBAKE_RE = re.compile("[\u0080-\u00ff\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
                          "\u2020\u2021\u2030\u2039\u203a\u2122]")


def visible_count(text: str) -> int:
    return len("".join(text.split()))


def page_garble(text: str) -> str | None:
    """The kind of garbling on one page of text, or None when the page reads as text."""
    cids = len(_CID_RE.findall(text))
    if cids:
        text = _CID_RE.sub("", text)
    visible = visible_count(text) + cids
    if visible < MIN_VISIBLE:
        return None
    counts = {CID: cids, PRIVATE_USE: len(_PRIVATE_RE.findall(text)),
              NO_UNICODE_MAP: len(_MOJIBAKE_RE.findall(text))}
    kind, worst = max(counts.items(), key=lambda kv: kv[1])
    return kind if sum(counts.values()) >= GARBLED_SHARE * visible and worst else None


def garbled_reason(kinds: dict[int, str], total_pages: int) -> str:
    """`text is garbled on 2 of 3 pages: (cid:NNN) glyphs / fonts without a Unicode map`."""
    found = " / ".join(dict.fromkeys(kinds.values()))
    return f"text is garbled on {len(kinds)} of {total_pages} pages: {found}"
