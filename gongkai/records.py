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

@dataclass(frozen=True)
class EvidenceKind:
    """How the policy treats one kind of hit: declared once here, read by every stage.

    `points_to` is the attribute the evidence argues for (None: it argues for none, e.g. personal
    data, which is masked, not withheld). `review`: a hit sends the document to review. `four_eyes`:
    disclosing it needs two reviewers. `mask`: masked on publication. `conflicts`: contradicts a
    declared （此件公开发布）.
    """

    name: str                       # the Chinese name shown to reviewers
    points_to: str | None = None
    review: bool = True
    four_eyes: bool = False
    mask: bool = False
    conflicts: bool = False
    ground: str = ""


def _personal(name: str) -> EvidenceKind:
    return EvidenceKind(name, mask=True, ground="条例第十五条；第三十七条")


# Every kind of hit a detector may emit. A kind missing here is unknown: it goes to review.
EVIDENCE_KINDS: dict[str, EvidenceKind] = {
    "secrecy_mark": EvidenceKind("密级标志", "non_disclosure", four_eyes=True, conflicts=True, ground="条例第十四条"),
    "internal_mark": EvidenceKind("内部标识", "non_disclosure", four_eyes=True, conflicts=True, ground="条例第十六条"),
    "negative_list": EvidenceKind("负面清单", "non_disclosure", four_eyes=True, conflicts=True),
    "commercial_secret": EvidenceKind("商业秘密", "non_disclosure", ground="条例第十五条"),
    "conflict": EvidenceKind("附注冲突"),
    "internal_affairs": EvidenceKind("内部事务信息", "non_disclosure", ground="条例第十六条第一款"),
    "process_info": EvidenceKind("过程性信息", "non_disclosure", ground="条例第十六条第二款"),
    "narrow_scope": EvidenceKind("特定对象事项", "on_request", review=False, ground="条例第二十七条"),
    "proactive_category": EvidenceKind("主动公开目录", "proactive", review=False, ground="条例第十九条、第二十条"),
    "personal_id": _personal("身份证号"),
    "mobile": _personal("手机号"),
    "bank_card": _personal("银行卡号"),
    "passport": _personal("护照号"),
    "email": _personal("电子邮箱"),
    "address": _personal("详细住址"),
    "person_name": _personal("个人姓名"),
}
UNKNOWN_KIND = EvidenceKind("未知证据", review=True)


def evidence_kind(kind: str) -> EvidenceKind:
    """The declared treatment of a kind; an undeclared kind (an office's own detector) fails safe."""
    return EVIDENCE_KINDS.get(kind, UNKNOWN_KIND)


def kind_name(kind: str) -> str:
    return EVIDENCE_KINDS[kind].name if kind in EVIDENCE_KINDS else kind


def _kinds(test) -> frozenset[str]:
    return frozenset(k for k, v in EVIDENCE_KINDS.items() if test(v))


# Derived views, for the stages that need one property (never declared a second time).
PERSONAL_KINDS = _kinds(lambda v: v.mask)
RISK_KINDS = _kinds(lambda v: v.review)
FOUR_EYES_KINDS = _kinds(lambda v: v.four_eyes)
CONFLICTING_KINDS = _kinds(lambda v: v.conflicts)


def needs_review(kind: str) -> bool:
    return evidence_kind(kind).review


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

    kind: str          # a key of EVIDENCE_KINDS (an unknown kind is sent to review)
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
