"""Text normalisation shared by every parser, and the layout clean-up for paged formats.

PDF and OFD text comes as the lines of a printed page: a 公文 body line breaks
every ~28 characters, and spaced-out titles (`通 知`) carry spaces between
characters. Phrase detectors would miss `涉密\\n人员` or `机 密`, so layout text
gets its wrapped lines joined and the spaces between Chinese characters removed.
Both PDF paths (fast and careful) and OFD call the same `layout_text` so they
normalise identically.
"""
from __future__ import annotations

import re
import unicodedata

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3007"
# CJK punctuation and the full-width punctuation marks (not full-width letters or digits).
_CJK_PUNCT = "\u3001-\u3006\u3008-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff60\u2018-\u201d"
_HAN_RE = re.compile(f"[{_HAN}]")
_JOINABLE_RE = re.compile(f"[{_HAN}{_CJK_PUNCT}\u2026\u2014\u00b7]")
# Spaces a PDF puts between Chinese characters (spaced titles, 2012 年 12 月) carry no meaning.
_SPACE_BETWEEN_HAN = re.compile(
    f"(?<=[{_HAN}{_CJK_PUNCT}])[ \u3000\u00a0]+(?=[{_HAN}{_CJK_PUNCT}0-9])"
    f"|(?<=[0-9])[ \u3000\u00a0]+(?=[{_HAN}{_CJK_PUNCT}])")
_NEWLINES = re.compile(r"\r\n?|[\u2028\u2029\x0b\x0c\x85]")
_BLANKS = " \t\u3000\u00a0"
_RARE_BREAKS = ("\u2028", "\u2029", "\x0b", "\x0c", "\x85")
_LEADING = re.compile(r"^[ \t\u3000\u00a0]+", re.M)
_BLANK_RUNS = re.compile(r"\n{3,}")

# A wrapped line fills the text column; a line ending a paragraph or a title is shorter.
FULL_LINE_SHARE = 0.8
# 公文 body lines hold 28 characters; shorter "full" lines are titles, table cells or stamps.
MIN_FULL_WIDTH = 18.0
FULL_LINE_PERCENTILE = 0.9


# Kangxi and CJK radicals (⽂ U+2F42) that some PDF producers map glyphs to: the ordinary
# character (文) is what phrase lists contain. Only these blocks: NFKC elsewhere would turn
# the full-width punctuation of a 公文 into ASCII.
_RADICALS = {cp: unicodedata.normalize("NFKC", chr(cp)) for cp in range(0x2E80, 0x2FE0)
             if unicodedata.normalize("NFKC", chr(cp)) != chr(cp)}
# CJK Radicals Supplement forms that stand for a whole character (no NFKC mapping exists).
_RADICALS.update({ord(r): c for r, c in zip("⺟⺠⻄⻅⻆⻉⻋⻑⻓⻔⻙⻚⻛⻜⻝⻢⻣⻤⻥⻦⻧⻨⻩⻪⻬⻮⻰⻳",
                                            "母民西见角贝车長长门韦页风飞食马骨鬼鱼鸟卤麦黄黾齐齿龙龟")})
_RADICAL_RE = re.compile("[\u2e80-\u2fdf]")


def clean_text(text: str) -> str:
    """Unify newlines, drop trailing blanks and NULs, squeeze runs of blank lines.

    Each regex runs only when a cheap `in` test says it has work: Python's regex engine
    costs ~10 ns per character even when nothing matches.
    """
    if "\r" in text or any(mark in text for mark in _RARE_BREAKS):
        text = _NEWLINES.sub("\n", text)
    if "\x00" in text:
        text = text.replace("\x00", "")
    text = "\n".join(line.rstrip(_BLANKS) for line in text.split("\n"))
    if "\n\n\n" in text:
        text = _BLANK_RUNS.sub("\n\n", text)
    return text.strip("\n")


def unify_radicals(text: str) -> str:
    """Kangxi/CJK radical code points (⽂, ⻚) → the ordinary characters (文, 页)."""
    return text.translate(_RADICALS) if _RADICAL_RE.search(text) else text


def display_width(line: str) -> float:
    """Width in Chinese-character units: Latin-1 characters count ½, the others 1 (fast, in C)."""
    return len(line) - 0.5 * len(line.encode("latin-1", "ignore"))


def join_wrapped_lines(lines: list[str]) -> str:
    """Join a line to the next when it fills the column and both sides of the break are Chinese."""
    if not lines:
        return ""
    widths = [display_width(line) for line in lines]
    prose = sorted(w for w, line in zip(widths, lines) if "\t" not in line) or [0.0]   # table rows never wrap
    full = prose[int(FULL_LINE_PERCENTILE * (len(prose) - 1))]  # robust to one long table row
    threshold = max(full * FULL_LINE_SHARE, MIN_FULL_WIDTH)
    out = [lines[0]]
    for prev, width, line in zip(lines, widths, lines[1:]):
        if width >= threshold and _joins(prev, line):
            out[-1] += line
        else:
            out.append(line)
    return "\n".join(out)


# A full-width line that is a whole 标题 (…的通知), or a 主送 line (…：) on either side, is not a wrap.
_TITLE_END = re.compile(r"的(?:决议|决定|命令|公报|公告|通告|意见|通知|通报|报告|请示|批复|议案|函|复函|纪要)$")
_ADDRESSEE_MAX = 60


def _joins(prev: str, nxt: str) -> bool:
    if not prev or not nxt or "\t" in prev or "\t" in nxt:   # table rows (OFD cells) never wrap
        return False
    if _TITLE_END.search(prev) or prev.endswith("：") or (nxt.endswith(("：", ":")) and len(nxt) <= _ADDRESSEE_MAX):
        return False
    a, b = prev[-1], nxt[0]
    if not (_JOINABLE_RE.match(a) and _JOINABLE_RE.match(b)):
        return False
    return bool(_HAN_RE.match(a) or _HAN_RE.match(b))  # two punctuation marks: keep the break


def layout_text(page_text: str) -> str:
    """Normalise one page of PDF/OFD text: clean, strip indents, remove spaces between Chinese
    characters, join wrapped lines."""
    text = _LEADING.sub("", clean_text(unify_radicals(page_text)))
    text = _SPACE_BETWEEN_HAN.sub("", text)
    lines = [line for line in text.split("\n") if line]
    return join_wrapped_lines(lines)
