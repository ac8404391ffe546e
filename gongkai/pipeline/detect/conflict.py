"""Conflict: a 附注 declaring publication on a document that carries a secrecy, internal or negative-list hit.

`（此件公开发布）`, `（此件主动公开）` and `（此件删减后公开）` all declare the
document for publication (fields.declared_attribute == "proactive"). If the same
document bears a 密级 mark, an internal marking or a negative-list match, the
drafter's declaration and the evidence disagree: one conflict hit, spanning the
附注, names the declaration and the most serious conflicting hit. Whether a
declared 不予公开 without any risk hit is right is the policy's judgement, not a
conflict, so it is not reported here.
"""
from __future__ import annotations

import re

from gongkai.pipeline.detect.base import DetectConfig, DetectInput, Detector, registry
from gongkai.records import CONFLICTING_KINDS, Hit, kind_name

_SEVERITY_RANK = {"high": 0, "medium": 1, "low": 2}
_KIND_RANK = {kind: n for n, kind in enumerate(("secrecy_mark", "internal_mark", "negative_list"))}
# The 附注 declaring publication, bracketed or not (the brackets are kept in the span when present).
_DECLARATION = re.compile(r"[（(]\s*此件(?:公开发布|主动公开|删减后公开)\s*[）)]|此件(?:公开发布|主动公开|删减后公开)")


def declaration_span(text: str, declared_text: str | None) -> tuple[int, int]:
    """Where the 附注 is: the last occurrence of declared_text, else of a 此件…公开 marker, else (0, 0)."""
    if declared_text:
        start = text.rfind(declared_text)
        if start >= 0:
            return start, start + len(declared_text)
    last = None
    for last in _DECLARATION.finditer(text):   # the 附注 sits under the date: take the last marker
        pass
    return (last.start(), last.end()) if last else (0, 0)


def _most_serious(hits: list[Hit]) -> Hit:
    return min(hits, key=lambda h: (_SEVERITY_RANK.get(h.severity, 3), _KIND_RANK.get(h.kind, 9), h.start))


def find_conflict(doc: DetectInput) -> list[Hit]:
    if doc.fields.declared_attribute != "proactive":
        return []
    conflicting = [h for h in doc.prior_hits if h.kind in CONFLICTING_KINDS]
    if not conflicting:
        return []
    worst = _most_serious(conflicting)
    start, end = declaration_span(doc.text, doc.fields.declared_text)
    declared = doc.text[start:end] or doc.fields.declared_text or "此件公开发布"
    others = f"，另有 {len(conflicting) - 1} 处风险标记" if len(conflicting) > 1 else ""
    explanation = (f"附注「{declared}」声明公开，但文中有{kind_name(worst.kind)}「{worst.text}」"
                   f"（{worst.rule_id}，{worst.ground}）{others}：公开前须复核公开属性")
    return [Hit(kind="conflict", rule_id=f"conflict.declared_proactive.{worst.kind}", text=doc.text[start:end],
                start=start, end=end, ground=worst.ground, severity="high", explanation=explanation)]


@registry.register("conflict", post=True)
def make_conflict_detector(config: DetectConfig) -> Detector:
    """The conflict detector needs no configuration; it reads the other detectors' hits."""
    return find_conflict
