"""The decision policy: the one place that turns evidence into a proposal.

条例第五条: 以公开为常态、不公开为例外. The default proposal is 主动公开; any other
proposal needs evidence and a legal ground, and a model's confidence is a
measurement, never a ground. Inputs: the read status, parser flags, header
fields, detector hits (their kinds declared once in records.EVIDENCE_KINDS) and
the model's probabilities. Output: a Proposal — the attribute, a confidence,
whether a reviewer must see it, why, and an explanation naming the ground.
Safety first: a document that must not be disclosed may be proposed wrongly,
but every path that could leak sends it to review. See docs/decision-policy.md.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from gongkai.pipeline.grounds import KIND_GROUNDS, REASONS, describe
from gongkai.records import (ATTRIBUTES, EVIDENCE_KINDS, OK, PERSONAL_KINDS, HeaderFields, Hit, Proposal,
                             evidence_kind, kind_name)

# Review when the model gives 不予公开 at least this probability and the model has no calibrated
# threshold; the shipped model's thresholds are calibrated on held-out folds (gongkai train).
DEFAULT_THRESHOLDS = {"non_disclosure": 0.2, "on_request": 0.5}
# 文种 that local rules treat as process information when sent upward (请示报告).
PROCESS_TYPES = {"请示": "process_info", "报告": "process_info"}
FIFTH = "未发现不予公开或依申请公开的依据（条例第五条：以公开为常态、不公开为例外）"


@dataclass
class PolicyInput:
    status: str = OK
    error: str | None = None
    flags: list[str] = field(default_factory=list)
    fields: HeaderFields = field(default_factory=HeaderFields)
    hits: list[Hit] = field(default_factory=list)
    probabilities: dict[str, float] = field(default_factory=dict)
    thresholds: dict[str, float] = field(default_factory=dict)   # per proposed class, calibrated
    negative_list: object = None                                  # to look up an entry's reason code


def decide(inp: PolicyInput) -> Proposal:
    """Propose an attribute; route to review on every rule below (docs/decision-policy.md)."""
    if inp.status != OK:
        return _unread(inp)
    if not inp.probabilities:
        return _no_model(inp)
    evidence = EvidenceGroups.of(inp.hits)
    attribute, ground, notes, reasons = _choose(inp, evidence)
    confidence = 1.0 if attribute == "non_disclosure" and ground else inp.probabilities.get(attribute, 0.0)
    reasons += _hit_reasons(inp.hits)
    reasons += _flag_reasons(inp.flags)
    reasons += _doubt_reasons(inp, attribute)
    reasons += _declared_reasons(inp.fields, attribute)
    reasons += _upward_reasons(inp.fields, attribute)
    if attribute == "non_disclosure":
        reasons.append("拟不予公开：须经保密审查确认理由")
    return Proposal(proposed_attribute=attribute, confidence=round(float(confidence), 4),
                    needs_review=bool(reasons), review_reasons=_unique(reasons),
                    explanation=_explain(attribute, ground, notes, inp, evidence),
                    ground=ground if attribute == "non_disclosure" else None,
                    probabilities={k: round(v, 4) for k, v in inp.probabilities.items()})


@dataclass
class EvidenceGroups:
    """The hits grouped by the attribute they argue for (records.EVIDENCE_KINDS.points_to)."""

    withhold: list[Hit]
    narrow: list[Hit]
    category: list[Hit]

    @classmethod
    def of(cls, hits: list[Hit]) -> EvidenceGroups:
        by = {"non_disclosure": [], "on_request": [], "proactive": []}
        for hit in hits:
            target = evidence_kind(hit.kind).points_to
            if target in by:
                by[target].append(hit)
        return cls(by["non_disclosure"], by["on_request"], by["proactive"])


def _choose(inp: PolicyInput, ev: EvidenceGroups) -> tuple[str, str | None, list[str], list[str]]:
    """(attribute, reason code, evidence notes, review reasons): evidence first, the model only between grounds."""
    notes = [_note(h) for h in _first_per_rule(ev.withhold + ev.narrow + ev.category)]
    rule_attr, rule_ground = _rule_proposal(inp)
    if rule_attr:
        return rule_attr, rule_ground, notes, []
    model = max(inp.probabilities, key=inp.probabilities.get)
    if model == "non_disclosure":
        return "non_disclosure", _ground_from(ev, inp), notes, []
    if model == "on_request" and ev.narrow:
        if ev.category:
            names = "、".join(dict.fromkeys(h.rule_id for h in ev.category))
            return "on_request", None, notes, [f"证据冲突：针对特定对象（条例第二十七条），又属主动公开目录（{names}）"]
        return "on_request", None, notes, []
    if model == "on_request" and inp.probabilities["on_request"] >= _threshold(inp, "on_request"):
        return "on_request", None, notes, ["模型倾向依申请公开，但未发现特定对象或机关间事务的证据（条例第二十七条）"]
    return "proactive", None, notes, []


def _ground_from(ev: EvidenceGroups, inp: PolicyInput) -> str | None:
    for hit in ev.withhold:
        code = _reason_code(hit, inp.negative_list) if hit.kind == "negative_list" else \
            (hit.kind if hit.kind in REASONS else KIND_GROUNDS.get(hit.kind))
        if code:
            return code
    return PROCESS_TYPES.get(inp.fields.doc_type or "")


def _threshold(inp: PolicyInput, label: str) -> float:
    return float(inp.thresholds.get(label, DEFAULT_THRESHOLDS[label]))


def _first_per_rule(hits: list[Hit]) -> list[Hit]:
    seen: dict[str, Hit] = {}
    for hit in hits:
        seen.setdefault(hit.rule_id, hit)
    return list(seen.values())


def _note(hit: Hit) -> str:
    return f"{kind_name(hit.kind)} {hit.rule_id}「{hit.text}」→ {hit.ground}"


def _no_model(inp: PolicyInput) -> Proposal:
    return Proposal(proposed_attribute=None, confidence=0.0, needs_review=True,
                    review_reasons=["没有可用的分类模型：须人工认定"],
                    explanation="没有可用的分类模型，未给出建议")


def _unread(inp: PolicyInput) -> Proposal:
    what = "无法读取" if inp.status == "error" else "无可用文本"
    reason = f"{inp.status}: {inp.error or what}"
    return Proposal(proposed_attribute=None, confidence=0.0, needs_review=True,
                    review_reasons=[reason],
                    explanation=f"{what}（{inp.error or inp.status}），须人工阅读后认定公开属性")


def _rule_proposal(inp: PolicyInput) -> tuple[str | None, str | None]:
    """Rules that fix the proposal to 不予公开: a 密级 mark, a high-severity negative-list entry."""
    secret = next((h for h in inp.hits if h.kind == "secrecy_mark"), None)
    if secret or inp.fields.secrecy:
        return "non_disclosure", "state_secret"
    strong = next((h for h in inp.hits if h.kind == "negative_list" and h.severity == "high"), None)
    if strong:
        return "non_disclosure", _reason_code(strong, inp.negative_list)
    return None, None


def _reason_code(hit: Hit, neglist) -> str | None:
    try:
        entry = neglist.entry(hit.rule_id) if neglist is not None and hasattr(neglist, "entry") else None
    except KeyError:         # a hit stored under an older list
        entry = None
    code = getattr(entry, "reason_code", None)
    return code if code in REASONS else None


def _hit_reasons(hits: list[Hit]) -> list[str]:
    """One reason per kind that sends a document to review; a kind nobody declared fails safe."""
    counts = Counter(h.kind for h in hits)
    reasons = [f"{kind_name(kind)} ×{n}" if kind in EVIDENCE_KINDS else f"未声明的证据类型 {kind} ×{n}：须人工审查"
               for kind, n in counts.items()
               if kind not in PERSONAL_KINDS and evidence_kind(kind).review]
    personal = {k: n for k, n in counts.items() if k in PERSONAL_KINDS}
    if personal:
        listed = "、".join(f"{kind_name(k)}×{n}" for k, n in sorted(personal.items()))
        reasons.append(f"个人信息（{listed}）：公开前须区分处理（条例第三十七条）")
    return reasons


# Parser flags that send a document to review, and why.
FLAG_REASONS = {"tracked_changes": "含未接受的修订（删除的文字随文件流转）",
                "comments": "含批注（批注文字随文件流转）",
                "scanned_pages": "部分页面为扫描图像，图像中的内容未经检查",
                "garbled_pages": "部分页面文字乱码，未能检查",
                "truncated": "文件不完整，只读到一部分",
                "not_a_document": "不像公文（中文字符过少或没有任何公文要素），须人工确认",
                "ocr_low_confidence": "扫描件经OCR识别，识别置信度低于阈值，须核对原件"}


def _flag_reasons(flags: list[str]) -> list[str]:
    return [FLAG_REASONS[f] for f in flags if f in FLAG_REASONS]


def _doubt_reasons(inp: PolicyInput, attribute: str) -> list[str]:
    """The leak guard: a model that gives 不予公开 a calibrated share of doubt sends the document to review."""
    p = inp.probabilities.get("non_disclosure", 0.0)
    threshold = _threshold(inp, "non_disclosure")
    if attribute != "non_disclosure" and p >= threshold:
        return [f"模型给出不予公开的概率 {p:.2f}（审查阈值 {threshold:.2f}），但未找到依据：须审查"]
    return []


def _declared_reasons(fields: HeaderFields, attribute: str | None) -> list[str]:
    declared = fields.declared_attribute
    if declared and attribute and declared != attribute:
        return [f"附注声明{ATTRIBUTES[declared]}，与拟定的{ATTRIBUTES[attribute]}不一致"]
    if fields.declared_text and "删减" in fields.declared_text:
        return ["附注声明删减后公开：须确认删减内容"]
    return []


def _upward_reasons(fields: HeaderFields, attribute: str | None) -> list[str]:
    """请示 and documents with a 签发人 go upward: local rules treat them as process information."""
    if attribute == "non_disclosure":
        return []
    if fields.doc_type == "请示" or fields.signer:
        what = "请示" if fields.doc_type == "请示" else f"有签发人（{fields.signer}）的上行文"
        return [f"{what}：通常属过程性信息（条例第十六条第二款），须确认能否公开"]
    return []


def _explain(attribute: str, ground: str | None, notes: list[str], inp: PolicyInput, ev: EvidenceGroups) -> str:
    """The proposal and its ground, then the evidence: every proposal names its ground."""
    p = inp.probabilities.get(attribute, 0.0)
    head = f"拟{ATTRIBUTES[attribute]}（{attribute}），模型概率 {p:.2f}"
    return "；".join([head, _ground_text(attribute, ground, ev), *notes])


def _ground_text(attribute: str, ground: str | None, ev: EvidenceGroups) -> str:
    if ev.withhold and attribute != "non_disclosure":
        # 第十六条 says "may withhold": the evidence goes to a reviewer with its ground, it does not decide.
        grounds = "、".join(dict.fromkeys(h.ground for h in ev.withhold))
        return f"依据待审：另有可不予公开的证据（{grounds}），由审查人认定"
    if attribute == "proactive":
        if ev.category:
            return "依据：属主动公开目录（" + "、".join(dict.fromkeys(h.ground for h in ev.category)) + "）"
        return "依据：" + FIFTH
    if attribute == "on_request":
        if ev.narrow:
            return "依据：针对特定对象或机关间日常工作（条例第二十七条）"
        return "依据未定：未发现特定对象的证据"
    if ground:
        return f"理由：{describe(ground)}"
    return "理由未定：模型倾向不予公开，未找到条例第十四至十六条的依据，须审查认定"


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
