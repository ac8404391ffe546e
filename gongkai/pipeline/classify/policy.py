"""The decision policy: the one place that turns evidence into a proposal.

Inputs: the read status, parser flags, header fields, detector hits and the
model's probabilities. Output: a Proposal — the attribute, a confidence, whether
a reviewer must see it, why, and an explanation naming the evidence and the
legal ground. Safety first: a document that must not be disclosed may be
proposed wrongly, but every path that could leak sends it to review.
See docs/decision-policy.md.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from gongkai.pipeline.grounds import REASONS, describe
from gongkai.records import ATTRIBUTES, OK, PERSONAL_KINDS, HeaderFields, Hit, Proposal

# Below this confidence a proposal is reviewed when the model has no calibrated thresholds.
DEFAULT_THRESHOLD = 0.95

KIND_NAMES = {
    "secrecy_mark": "密级标志", "internal_mark": "内部标识", "personal_id": "身份证号",
    "mobile": "手机号", "bank_card": "银行卡号", "passport": "护照号", "email": "电子邮箱",
    "address": "详细住址", "person_name": "个人姓名", "commercial_secret": "商业秘密",
    "negative_list": "负面清单", "conflict": "附注冲突",
}
# 文种 that local rules treat as process information when sent upward (请示报告).
PROCESS_TYPES = {"请示": "process_info", "报告": "process_info"}


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
    reasons: list[str] = []
    evidence: list[str] = []
    attribute, confidence, ground = _model_proposal(inp)
    rule_attr, rule_ground, rule_evidence = _rule_proposal(inp)
    evidence += rule_evidence
    if rule_attr:
        attribute, ground, confidence = rule_attr, rule_ground, 1.0
    reasons += _hit_reasons(inp.hits)
    reasons += _flag_reasons(inp.flags)
    reasons += _model_reasons(inp, attribute, confidence)
    reasons += _declared_reasons(inp.fields, attribute)
    reasons += _upward_reasons(inp.fields, attribute)
    if attribute == "non_disclosure":
        reasons.append("拟不予公开：须经保密审查确认理由")
    explanation = _explain(attribute, confidence, ground, evidence, inp)
    return Proposal(proposed_attribute=attribute, confidence=round(confidence, 4),
                    needs_review=bool(reasons), review_reasons=_unique(reasons),
                    explanation=explanation, ground=ground if attribute == "non_disclosure" else None,
                    probabilities={k: round(v, 4) for k, v in inp.probabilities.items()})


def _unread(inp: PolicyInput) -> Proposal:
    what = "无法读取" if inp.status == "error" else "无可用文本"
    reason = f"{inp.status}: {inp.error or what}"
    return Proposal(proposed_attribute=None, confidence=0.0, needs_review=True,
                    review_reasons=[reason],
                    explanation=f"{what}（{inp.error or inp.status}），须人工阅读后认定公开属性")


def _model_proposal(inp: PolicyInput) -> tuple[str | None, float, str | None]:
    if not inp.probabilities:
        return None, 0.0, None
    label, prob = max(inp.probabilities.items(), key=lambda kv: kv[1])
    ground = PROCESS_TYPES.get(inp.fields.doc_type or "") if label == "non_disclosure" else None
    return label, float(prob), ground


def _rule_proposal(inp: PolicyInput) -> tuple[str | None, str | None, list[str]]:
    """Rules that fix the proposal to 不予公开: a 密级 mark, a high-severity negative-list entry."""
    evidence: list[str] = []
    secret = next((h for h in inp.hits if h.kind == "secrecy_mark"), None)
    if secret or inp.fields.secrecy:
        mark = secret.text if secret else inp.fields.secrecy
        evidence.append(f"密级标志「{mark}」→ {describe('state_secret')}")
        return "non_disclosure", "state_secret", evidence
    listed = [h for h in inp.hits if h.kind == "negative_list"]
    for hit in listed:
        evidence.append(f"负面清单 {hit.rule_id}「{hit.text}」→ {hit.ground}")
    strong = next((h for h in listed if h.severity == "high"), None)
    if strong:
        return "non_disclosure", _reason_code(strong, inp.negative_list), evidence
    return None, None, evidence


def _reason_code(hit: Hit, neglist) -> str | None:
    entry = neglist.entry(hit.rule_id) if neglist is not None and hasattr(neglist, "entry") else None
    code = getattr(entry, "reason_code", None)
    return code if code in REASONS else None


def _hit_reasons(hits: list[Hit]) -> list[str]:
    counts = Counter(h.kind for h in hits)
    reasons = []
    for kind in ("secrecy_mark", "internal_mark", "conflict", "negative_list", "commercial_secret"):
        if counts[kind]:
            reasons.append(f"{KIND_NAMES[kind]} ×{counts[kind]}")
    personal = {k: n for k, n in counts.items() if k in PERSONAL_KINDS}
    if personal:
        listed = "、".join(f"{KIND_NAMES[k]}×{n}" for k, n in sorted(personal.items()))
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


def _model_reasons(inp: PolicyInput, attribute: str | None, confidence: float) -> list[str]:
    if not inp.probabilities:
        return ["没有可用的分类模型：须人工认定"]
    threshold = inp.thresholds.get(attribute or "", DEFAULT_THRESHOLD)
    if attribute != "non_disclosure" and confidence < threshold:
        return [f"置信度 {confidence:.2f} 低于阈值 {threshold:.2f}"]
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


def _explain(attribute, confidence, ground, evidence, inp: PolicyInput) -> str:
    parts = list(evidence)
    doc_type = inp.fields.doc_type
    if doc_type in PROCESS_TYPES and attribute == "non_disclosure" and not evidence:
        parts.append(f"{doc_type} → {describe(PROCESS_TYPES[doc_type])}")
    if attribute:
        head = f"拟{ATTRIBUTES[attribute]}（{attribute}），置信度 {confidence:.2f}"
    else:
        head = "未能给出建议"
    if attribute == "non_disclosure" and ground and not any(describe(ground) in p for p in parts):
        parts.append(f"理由：{describe(ground)}")
    return "；".join([head, *parts])


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
