"""Line tests for the header-field extractor: what kind of 公文 line is this one?

Pure predicates over a single trimmed line; every pattern is compiled at import.
"""
from __future__ import annotations

import re

from gongkai.pipeline import extract_patterns as P

WRAP_LINE_MAX = 50       # characters in the earlier lines of a wrapped title
SIGNATURE_LINE_MAX = 60  # characters in a (possibly joint) signature line

# Titles that end in no 文种 (laws, rules, plans, replies to deputies' proposals): doc_type `other`.
_OTHER_TITLE = re.compile(r"(条例|办法|规定|细则|方案|规划|规则|解释|要点|纲要|守则|章程|答复|法|公示|名单|清单|计划|总结|须知|指南|简报)(?:[（(][^（）()]{1,14}[）)])?$")
_NOT_ADDRESSEE = re.compile(r"^(?:出席|列席|请假|记录|主持|参加|附件|抄送|签发人|联系人)|如下[：:]$")
_HAS_CJK = re.compile(f"[{P.CJK}]")
_CLAUSE_PUNCTUATION = re.compile("[，。；：]")
_SIGNATURE_CHARS = re.compile(rf"[{P.CJK}、（）()\s]+")


def is_dated_note(line: str) -> bool:
    """A short 题注 line that opens with a date (`2017年7月28日 山东省`), not a sentence."""
    return bool(P.ARABIC_DATE.match(line)) and len(line) <= WRAP_LINE_MAX and not _CLAUSE_PUNCTUATION.search(line)


def is_addressee(line: str) -> bool:
    """The 主送机关 line: agencies ending in `：` (not 出席：, not `…如下：`)."""
    return (bool(P.ADDRESSEE.match(line)) and not _NOT_ADDRESSEE.search(line)
            and not P.SIGNER.search(line) and not P.NAV_NOISE.search(line))


def is_doc_number_line(line: str) -> bool:
    """A line holding only a 发文字号 (maybe in brackets, maybe beside 签发人 in a 上行文)."""
    match = P.DOC_NUMBER.search(line)
    if not match:
        return False
    rest = P.SIGNER.sub("", line[:match.start()] + line[match.end():])
    return not rest.strip(" \t\u3000（）()")


def is_title_line(line: str) -> bool:
    """The last line of a title: it ends in a 文种 (…的通知) or names a law or plan (…办法)."""
    match = P.TITLE_SUFFIX.search(line)
    if P.NAV_NOISE.search(line) or P.standalone_date(line) or line.count("《") > line.count("》"):
        return False   # an unclosed 《 means the title goes on in the next line
    if not match:
        return bool(_OTHER_TITLE.search(line)) and len(line) >= 4
    # A bare `…令` line is the banner of an order (中华人民共和国国务院令), not a title.
    return match[1] != "令" or "关于" in line


def can_continue_title(line: str) -> bool:
    """May this line be an earlier line of a title that wraps onto the next one?"""
    return (len(line) <= WRAP_LINE_MAX and not P.TITLE_BREAK.search(line)
            and not P.NAV_NOISE.search(line) and not P.DOC_NUMBER.search(line)
            and not P.ISO_DATE.search(line) and not P.parse_date(line)
            and not line.startswith(("•", "·", "# ")) and not P.ELEMENT_LINE.match(line)
            and not P.BANNER.match(line) and not P.SIGNER.search(line)
            and not P.parse_metadata(line) and bool(_HAS_CJK.search(line)))


def looks_like_signature(line: str) -> bool:
    """An agency signature (发文机关署名) above the date; a person (总理　李克强) is not one."""
    return (len(line) <= SIGNATURE_LINE_MAX and not P.TITLE_BREAK.search(line) and not P.PERSON_SIGNATURE.match(line)
            and not line.startswith(("（", "(")) and bool(_SIGNATURE_CHARS.fullmatch(line)))
