"""Secrecy marks (密级和保密期限) and internal marks (内部资料、注意保存 …), wherever they stand.

A mark differs from prose by where it stands, not by its words: `秘密★1年`
carries the ★ and a period; a bare `机密` is a mark only when it stands alone
in the 版头 (the first lines) or in a page header/footer line; `内部资料` is a
mark when its line (or its bracket) holds nothing but marks, or when it is a
separate token in the 版头 — `不得将内部资料对外提供` is a sentence, not a mark.
Headers and footers are part of the stored text, so they are searched too.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from gongkai.pipeline import extract_patterns as P
from gongkai.pipeline.detect.base import DetectConfig, DetectInput, Detector, registry
from gongkai.records import Hit

SECRECY_GROUND = "保守国家秘密法；条例第十四条"
INTERNAL_GROUND = "条例第十六条第一款"
WORK_SECRET_GROUND = "工作秘密（非条例理由，需人工判断）"
_TOP_ZONE_LINES = 8        # non-empty lines of the 版头 where a bare 机密 is a mark

_LINES = re.compile(r"[^\r\n]+")
# ★ never occurs in prose; a quoted mark (“秘密★1年”) is a mention, and 工作秘密 is not a 密级.
_STARRED = re.compile(rf"(?<![“\"‘「『])(?<!工作){P.LEVEL}\s*[{P.STAR}](?:\s*{P.PERIOD})?")
# A form field: `密级：秘密` on a 发文稿纸 or cover page is a mark wherever it stands.
_LABELLED = re.compile(rf"密\s*级\s*[：:]\s*({P.SECRECY_MARK})")
_BARE_LEVEL = re.compile(rf"(?:(?<=\s)|^){P.LEVEL}(?=\s|$)")
_INTERNAL = re.compile(
    r"内部资料\s*[，,、·]?\s*注意保存|内部资料|注意保存|内部文件|内部材料|不得翻印|不得外传|禁止外传|此件不公开|工作秘密")
_MARK_SEPARATORS = re.compile(r"[\s，,、·•★☆*＊:：;；。]+")
_BRACKETED = re.compile(r"[（(【\[〔]([^（）()【】\[\]〔〕\r\n]{2,30})[）)】\]〕]")
_TOKEN = re.compile(r"\S+")
_PAGE_BREAK = "\f"
_TRIGGERS = ("密", "内部", "注意保存", "不得翻印", "外传", "此件不公开")


def find_marks(text: str) -> list[Hit]:
    """All secrecy and internal marks in `text`, each with its span, rule and ground."""
    if not isinstance(text, str) or not any(t in text for t in _TRIGGERS):
        return []
    hits: dict[tuple[int, int], Hit] = {}
    for start, line, prominent in _lines(text):
        if "密" in line:
            for hit in _secrecy_hits(start, line, prominent):
                hits.setdefault((hit.start, hit.end), hit)
        if _INTERNAL.search(line):
            for hit in _internal_hits(start, line, prominent):
                hits.setdefault((hit.start, hit.end), hit)
    return sorted(hits.values(), key=lambda h: (h.start, h.end))


def detect_secrecy(doc: DetectInput) -> list[Hit]:
    """The registered detector: a pure function of the document's text."""
    return find_marks(doc.text)


@registry.register("secrecy")
def secrecy_factory(config: DetectConfig) -> Detector:
    return detect_secrecy


# --- where a line stands ------------------------------------------------------------

def _lines(text: str) -> Iterator[tuple[int, str, bool]]:
    """(offset, line, prominent): prominent lines are the 版头 and page header/footer lines."""
    spans = [(m.start(), m.group()) for m in _LINES.finditer(text)]
    spans = [(start, line) for start, line in spans if line.strip()]
    breaks = {i for i, (start, line) in enumerate(spans) if _is_page_break(text, start, line)}
    for index, (start, line) in enumerate(spans):
        near_break = index in breaks or index - 1 in breaks or index + 1 in breaks
        yield start, line, index < _TOP_ZONE_LINES or near_break


def _is_page_break(text: str, start: int, line: str) -> bool:
    """A page-number line (— 2 —) or a line right after a form feed starts a new page."""
    return bool(P.PAGE_NUMBER.match(line.strip())) or _PAGE_BREAK in text[max(0, start - 2):start + 1]


# --- secrecy marks ------------------------------------------------------------------

def _secrecy_hits(start: int, line: str, prominent: bool) -> Iterator[Hit]:
    for match in _STARRED.finditer(line):
        mark = match.group().rstrip()
        yield _secrecy_hit("secrecy.level_period", mark, start + match.start(),
                           f"“{mark}”是国家秘密标志（密级★保密期限），载有国家秘密的文件不得公开。")
    for match in _LABELLED.finditer(line):
        mark = match.group(1).rstrip()
        yield _secrecy_hit("secrecy.level_label", mark, start + match.start(1),
                           f"密级栏标注为“{mark}”，文件应按涉密文件处理，不得公开。")
    if not prominent:
        return
    for match in _BARE_LEVEL.finditer(line):
        following = line[match.end():].lstrip()[:1]
        if following and following in P.STAR:
            continue   # already reported with its ★
        rule = "secrecy.level_alone" if _only_head_elements(line) else "secrecy.level_header"
        yield _secrecy_hit(rule, match.group(), start + match.start(),
                           f"版头或页眉页脚单独标注“{match.group()}”，是密级标志，文件应按涉密文件处理。")


def _only_head_elements(line: str) -> bool:
    """The line holds only 份号, 密级 and 紧急程度 (e.g. `000123  机密  特急`)."""
    return bool(P.ELEMENT_LINE.match(line.strip()))


def _secrecy_hit(rule: str, mark: str, start: int, explanation: str) -> Hit:
    return Hit(kind="secrecy_mark", rule_id=rule, text=mark, start=start, end=start + len(mark),
               ground=SECRECY_GROUND, severity="high", explanation=explanation)


# --- internal marks -----------------------------------------------------------------

def _internal_hits(start: int, line: str, prominent: bool) -> Iterator[Hit]:
    if _only_marks(line):
        yield from _marks_in(start, line, 0, len(line), "internal.line")
        return
    for bracket in _BRACKETED.finditer(line):
        if _only_marks(bracket[1]):
            yield from _marks_in(start, line, bracket.start(1), bracket.end(1), "internal.bracket")
    if prominent:
        for token in _TOKEN.finditer(line):
            if _only_marks(token.group()):
                yield from _marks_in(start, line, token.start(), token.end(), "internal.header")


def _only_marks(text: str) -> bool:
    """Nothing but internal marks and separators (`内部资料 注意保存`, `内部文件·不得翻印`)."""
    rest = _MARK_SEPARATORS.sub("", _INTERNAL.sub("", text))
    return not rest and bool(_INTERNAL.search(text))


def _marks_in(start: int, line: str, begin: int, end: int, rule: str) -> Iterator[Hit]:
    for match in _INTERNAL.finditer(line, begin, end):
        mark, offset = match.group(), start + match.start()
        if mark == "工作秘密":
            yield Hit(kind="internal_mark", rule_id="internal.work_secret", text=mark, start=offset,
                      end=offset + len(mark), ground=WORK_SECRET_GROUND, severity="medium",
                      explanation="标注“工作秘密”：工作秘密不是条例规定的不予公开理由，需人工判断能否公开。")
            continue
        yield Hit(kind="internal_mark", rule_id=rule, text=mark, start=offset, end=offset + len(mark),
                  ground=INTERNAL_GROUND, severity="medium",
                  explanation=f"“{mark}”是内部标注，文件可能属于内部事务信息，公开前须审查。")
