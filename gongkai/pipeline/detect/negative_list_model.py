"""Records of the negative list (负面清单): entries, problems, matches.

Plain dataclasses shared by the loader (negative_list_check), the matcher
(negative_list_match) and the public API (negative_list).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

# reason_code -> the row of the annual report (政府信息公开工作年度报告) it is counted under.
REASON_CODES = {
    "state_secret": "属于国家秘密",
    "law_prohibited": "其他法律行政法规禁止公开",
    "three_security": "危及“三安全一稳定”",
    "third_party": "保护第三方合法权益",
    "internal_affairs": "属于三类内部事务信息",
    "process_info": "属于四类过程性信息",
    "enforcement_file": "属于行政执法案卷",
    "administrative_query": "属于行政查询事项",
}
REASON_BY_LABEL = {label: code for code, label in REASON_CODES.items()}

SEVERITIES = ("high", "medium", "low")

# The 15 文种 of the 2012 Party and Government Document Regulations (doc_types must use these).
DOC_TYPES = ("决议", "决定", "命令", "令", "公报", "公告", "通告", "意见", "通知",
             "通报", "报告", "请示", "批复", "议案", "函", "纪要")

# An entry's kind (default negative: a 负面清单 item) → its default (reason_code, severity). The other
# kinds are evidence lists beside the negative list: 主动公开目录 categories (第十九、二十条), narrow scope
# (第二十七条), and signals of internal affairs and process information (第十六条). Each kind is the hit
# kind the policy routes (gongkai.records.EVIDENCE_KINDS); negative entries emit `negative_list`.
ENTRY_KINDS = {
    "negative": ("", ""),
    "proactive_category": ("", "low"),
    "narrow_scope": ("", "low"),
    "internal_affairs": ("internal_affairs", "medium"),
    "process_info": ("process_info", "medium"),
}

DEFAULT_EXCLUDE_WINDOW = 20   # characters either side of a hit in which an `exclude` phrase cancels it


class NegativeListError(ValueError):
    """A negative list that cannot be used; `problems` holds every problem found, with its line."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        first = problems[0] if problems else None
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"invalid negative list: {first}{more}" if first else "invalid negative list")


@dataclass(frozen=True)
class Problem:
    """One problem of a list file; `file` is filled when several files are loaded together."""

    line: int
    message: str
    file: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.file else f"line {self.line}"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Cooccur:
    """All `terms` must occur within `window` characters (from the first term's start to the last one's end)."""

    terms: tuple[str, ...]
    window: int


@dataclass(frozen=True)
class Example:
    """A snippet an entry must (or must not) match, read as if from a document of `doc_type` by `issuer`."""

    text: str
    doc_type: str | None = None
    issuer: str | None = None


@dataclass(frozen=True)
class Entry:
    """One 负面清单 item: what is withheld (事项/情形), why (依据, reason_code) and how to recognise it."""

    id: str
    item: str                     # 事项
    situation: str                # 情形
    ground: str                   # 依据, e.g. 条例第十六条第二款
    reason_code: str              # a key of REASON_CODES
    severity: str                 # high | medium | low
    source: str                   # where the entry comes from (a published list, a law, a case)
    kind: str = "negative"        # a key of ENTRY_KINDS
    within: str = ""              # "title": only a match inside the document's 标题 counts
    phrases: tuple[str, ...] = ()
    regex: tuple[str, ...] = ()
    cooccur: Cooccur | None = None
    doc_types: tuple[str, ...] = ()
    issuers: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    exclude_window: int = DEFAULT_EXCLUDE_WINDOW
    title_exclude: tuple[str, ...] = ()   # the entry does not count in a document whose 标题 holds one
    match_examples: tuple[Example, ...] = ()
    no_match_examples: tuple[Example, ...] = ()
    file: str = field(default="", compare=False)
    line: int = field(default=0, compare=False)

    @property
    def hit_kind(self) -> str:
        return "negative_list" if self.kind == "negative" else self.kind

    @property
    def reason(self) -> str:
        """The annual-report row, e.g. 属于四类过程性信息."""
        return REASON_CODES.get(self.reason_code, self.reason_code)

    def applies_to(self, doc_type: str | None, issuer: str | None) -> bool:
        """The doc_types / issuers filters: a document of unknown type or issuer does not pass a filter."""
        if self.doc_types and doc_type not in self.doc_types:
            return False
        return not self.issuers or any(part in (issuer or "") for part in self.issuers)


class Match(NamedTuple):
    """One place where an entry fired, with the evidence `explain` shows.

    A NamedTuple, not a frozen dataclass: a large list makes tens of thousands per batch, and
    a tuple is built several times faster."""

    entry: Entry
    start: int                    # offsets into the text as given (not the line-joined copy)
    end: int
    text: str
    via: str                      # phrase | regex | cooccur
    trigger: str                  # the phrase, the regex, or the cooccur terms joined by +
    excluded_by: str | None = None   # set only by explain(): the exclude phrase that cancelled it

    def context(self, full_text: str, width: int = 20) -> str:
        """The match with `width` characters either side, the match in 【】, line breaks shown as ⏎."""
        before = full_text[max(0, self.start - width):self.start]
        after = full_text[self.end:self.end + width]
        return f"…{before}【{self.text}】{after}…".replace("\n", "⏎")


def reason_code_in(explanation: str) -> str | None:
    """The reason code named in a negative-list hit's explanation (its trailing （label）), if any."""
    for label, code in REASON_BY_LABEL.items():
        if explanation.endswith(f"（{label}）"):
            return code
    return None
