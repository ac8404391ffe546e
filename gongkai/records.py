"""Plain records passed between the pipeline stages.

Every stage takes and returns these dataclasses; none of them knows about
SQLite, the CLI or the process pool.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

# Item status after ingest (see docs/schema.md).
OK, UNREADABLE, ERROR = "ok", "unreadable", "error"

# Publication attributes (公开属性): code value -> Chinese name.
ATTRIBUTES = {
    "proactive": "主动公开",
    "on_request": "依申请公开",
    "non_disclosure": "不予公开",
}

# Hit kinds: personal data of private persons (masked on publication), and every kind that
# sends a document to review.
PERSONAL_KINDS = frozenset({"personal_id", "mobile", "bank_card", "passport", "email", "address", "person_name"})
RISK_KINDS = PERSONAL_KINDS | {"secrecy_mark", "internal_mark", "commercial_secret", "negative_list", "conflict"}


def attribute_name(code: str | None, missing: str = "—") -> str:
    """`proactive` → `主动公开 proactive`, for tables; other values pass through."""
    return f"{ATTRIBUTES[code]} {code}" if code in ATTRIBUTES else (code or missing)


@dataclass
class ParsedDoc:
    """What a parser returns: the text it could read and how well it read it."""

    format: str                      # pdf | docx | txt | ofd | doc | wps | unknown
    status: str = OK                 # ok | unreadable | error
    text: str = ""                   # the stored text; hit offsets index into it
    error: str | None = None         # one line naming the cause, for unreadable/error
    pages: int | None = None
    encoding: str | None = None      # txt only: the detected encoding
    flags: list[str] = field(default_factory=list)   # e.g. tracked_changes, comments, signature
    meta: dict = field(default_factory=dict)          # parser details worth keeping (producer, garbled pages…)


@dataclass
class HeaderFields:
    """GB/T 9704 elements read from the text (None / [] when absent)."""

    title: str | None = None
    doc_number: str | None = None         # 发文字号, normalised to 〔〕
    issuer: str | None = None             # 发文机关
    date: str | None = None               # 成文日期, ISO YYYY-MM-DD
    doc_type: str | None = None           # one of the 15 文种, or "other"
    secrecy: str | None = None            # 密级和保密期限 as written, e.g. 秘密★1年
    urgency: str | None = None            # 特急 / 加急 …
    copy_number: str | None = None        # 份号
    signer: str | None = None             # 签发人
    addressees: list[str] = field(default_factory=list)  # 主送机关
    cc: list[str] = field(default_factory=list)          # 抄送机关
    declared_attribute: str | None = None  # from the 附注: proactive | on_request | non_disclosure
    declared_text: str | None = None       # the 附注 as written, e.g. （此件删减后公开）
    attachments: list[str] = field(default_factory=list)  # 附件说明
    index_no: str | None = None            # 索引号 of a published page
    publish_mode: str | None = None        # 公开方式 of a published page

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Hit:
    """One risky span found by a detector, with its evidence and legal ground."""

    kind: str          # secrecy_mark | internal_mark | personal_id | mobile | bank_card | passport |
                       # email | address | person_name | commercial_secret | negative_list | conflict
    rule_id: str       # which rule fired, e.g. "secrecy.level_mark" or a negative-list entry id
    text: str          # the matched text, == stored_text[start:end]
    start: int
    end: int
    ground: str        # legal ground, e.g. 条例第十四条 / 条例第十五条 / 条例第十六条第二款
    severity: str = "high"   # high | medium | low
    explanation: str = ""    # one human-readable sentence: why this is a hit

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Proposal:
    """The decision policy's output for one document."""

    proposed_attribute: str | None       # proactive | on_request | non_disclosure | None (unread)
    confidence: float
    needs_review: bool
    review_reasons: list[str] = field(default_factory=list)
    explanation: str = ""
    ground: str | None = None            # reason code for non_disclosure proposals
    probabilities: dict[str, float] = field(default_factory=dict)
