"""TXT: find the encoding (UTF-8, BOMs, GB18030, Big5, then charset-normalizer) and keep the text as is.

Strict UTF-8 almost never decodes anything else by accident, so it goes first.
GB18030 decodes nearly any byte string, Big5 text included, so when both
Chinese codecs succeed the winner is the one whose characters are more often
among the common characters of that codec's repertoire (GB2312 level 1, Big5
frequent block). Traditional characters are kept as written.
"""
from __future__ import annotations

import codecs
import functools
import re

from gongkai.config import Limits
from gongkai.records import ParsedDoc

from .errors import Unreadable
from .garble import page_garble, visible_count
from .normalize import clean_text

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# Scoring a Chinese decoding looks at the first 2 × SCORE_SAMPLE characters: a right decoding has
# ~95 % common characters among its Han, a wrong one well under 60 %, so several hundred decide.
SCORE_SAMPLE = 500
GARBLE_SAMPLE = 16000     # characters checked for garbage
MIN_COMMON_SHARE = 0.6
GARBAGE = "text is garbled: no known encoding gives readable text (tried UTF-8, UTF-16, GB18030, Big5)"
EMPTY = "no text (the file holds only whitespace)"


def parse_txt(data: bytes, limits: Limits, deadline: float) -> ParsedDoc:
    text, encoding = decode(data)
    if text is None or page_garble(text[:GARBLE_SAMPLE]) is not None:
        raise Unreadable(GARBAGE)
    text = clean_text(text)
    if not visible_count(text):
        raise Unreadable(EMPTY)
    return ParsedDoc(format="txt", text=text, encoding=encoding)


def decode(data: bytes) -> tuple[str | None, str | None]:
    """(text, encoding name) or (None, None) when nothing decodes to readable text."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return _try(data, name), name
    text = _try(data, "utf-8")
    if text is not None:
        return text, "utf-8"
    best = _best_chinese(data)
    if best is not None:
        return best
    return _charset_normalizer(data)


def _try(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _best_chinese(data: bytes) -> tuple[str, str] | None:
    scored = []
    for encoding in ("gb18030", "big5"):
        text = _try(data, encoding)
        if text is not None:
            scored.append((common_share(text, _common(encoding)), encoding, text))
    if not scored:
        return None
    share, encoding, text = max(scored)
    return (text, encoding) if share >= MIN_COMMON_SHARE else None


def common_share(text: str, common: re.Pattern) -> float:
    """Share of the Han characters among the first SCORE_SAMPLE * 2 characters that `common` (runs of
    common characters) matches (1.0 for text without Han). Two regex substitutions, each removing
    long runs (the common characters, then the rare Han left over): no per-character Python."""
    sample = text[: SCORE_SAMPLE * 2]
    rest = common.sub("", sample)
    found = len(sample) - len(rest)
    han = found + len(rest) - len(_HAN_RUNS.sub("", rest))
    if not han:
        return 1.0 if page_garble(text[:GARBLE_SAMPLE // 4]) is None else 0.0
    return found / han


_HAN_RUNS = re.compile("[\u4e00-\u9fff]+")
# The common characters of each codec's repertoire, by their bytes: lead and trail ranges, and the
# codes kept. GB2312 level 1 is the 3,755 most frequent simplified characters (lead bytes B0–D7);
# Big5's first block (A440–C67E) holds its 5,401 frequent characters.
_COMMON_BLOCKS = {
    "gb18030": ("gb2312", range(0xB0, 0xD8), range(0xA1, 0xFF), range(0xB0A1, 0xD7FF)),
    "big5": ("big5", range(0xA4, 0xC7), [*range(0x40, 0x7F), *range(0xA1, 0xFF)], range(0xA440, 0xC67F)),
}


@functools.cache
def _common(encoding: str) -> re.Pattern:
    """Runs of the common characters, decoded once from their byte ranges (not re-encoded per character)."""
    codec, leads, trails, codes = _COMMON_BLOCKS[encoding]
    pairs = bytes(b for lead in leads for trail in trails for b in (lead, trail))
    chars = {ch for ch in pairs.decode(codec, errors="ignore") if int.from_bytes(ch.encode(codec), "big") in codes}
    return re.compile("[" + re.escape("".join(sorted(chars))) + "]+")


def _charset_normalizer(data: bytes) -> tuple[str | None, str | None]:
    from charset_normalizer import from_bytes  # noqa: PLC0415 — only for unusual files

    match = from_bytes(data[: 1 << 20]).best()
    if match is None:
        return None, None
    text = _try(data, match.encoding)
    return (text, match.encoding) if text is not None else (None, None)
