"""Conflict: a 附注 declaring publication on a document with a secrecy, internal or negative-list hit."""
from __future__ import annotations

import pytest

from gongkai.pipeline.detect import DetectConfig, DetectInput, registry
from gongkai.pipeline.detect.conflict import declaration_span, find_conflict
from gongkai.records import HeaderFields, Hit

NOTICE = """\
秘密★1年
云州市应急管理局
关于做好汛期重点目标安保工作的通知

各县（市、区）应急管理局：
    现将汛期警力部署和重点目标防护安排通知如下……

云州市应急管理局
2025年6月3日
（此件公开发布）
"""
PUBLIC = HeaderFields(doc_type="通知", declared_attribute="proactive", declared_text="（此件公开发布）")


def _hit(kind: str, text: str, ground: str, severity: str = "high", rule_id: str | None = None) -> Hit:
    start = NOTICE.index(text)
    return Hit(kind=kind, rule_id=rule_id or f"{kind}.test", text=text, start=start, end=start + len(text),
               ground=ground, severity=severity)


SECRECY = _hit("secrecy_mark", "秘密★1年", "条例第十四条；保守国家秘密法", rule_id="secrecy.level_mark")
NEGATIVE = _hit("negative_list", "警力部署", "条例第十四条（公共安全）", rule_id="NL-14-09")
PERSONAL = _hit("mobile", "2025年6月3日", "条例第十五条", severity="medium")


def test_declared_publication_with_a_secrecy_mark_is_a_conflict():
    [conflict] = find_conflict(DetectInput(NOTICE, PUBLIC, (SECRECY, NEGATIVE)))
    assert conflict.kind == "conflict" and conflict.severity == "high"
    assert conflict.text == "（此件公开发布）" == NOTICE[conflict.start:conflict.end]
    assert conflict.ground == SECRECY.ground
    assert "附注「（此件公开发布）」声明公开" in conflict.explanation
    assert "密级标志「秘密★1年」（secrecy.level_mark" in conflict.explanation
    assert "另有 1 处风险标记" in conflict.explanation


def test_the_most_serious_conflicting_hit_is_named():
    medium = _hit("internal_mark", "云州市应急管理局", "条例第十六条第一款", severity="medium")
    [conflict] = find_conflict(DetectInput(NOTICE, PUBLIC, (medium, NEGATIVE)))
    assert conflict.rule_id == "conflict.declared_proactive.negative_list"
    assert "负面清单「警力部署」（NL-14-09，条例第十四条（公共安全））" in conflict.explanation


@pytest.mark.parametrize("fields", [
    HeaderFields(declared_attribute="non_disclosure", declared_text="（此件不予公开）"),
    HeaderFields(declared_attribute="on_request", declared_text="（此件依申请公开）"),
    HeaderFields(),
])
def test_no_conflict_unless_publication_is_declared(fields):
    assert find_conflict(DetectInput(NOTICE, fields, (SECRECY, NEGATIVE))) == []


def test_no_conflict_for_risks_that_redaction_handles_or_without_risks():
    assert find_conflict(DetectInput(NOTICE, PUBLIC, (PERSONAL,))) == []
    assert find_conflict(DetectInput(NOTICE, PUBLIC, ())) == []


@pytest.mark.parametrize(("text", "declared", "span_text"), [
    ("正文。\n（此件删减后公开）\n", "（此件删减后公开）", "（此件删减后公开）"),
    ("正文。\n(此件主动公开)\n", "（此件主动公开）", "(此件主动公开)"),        # 附注 written with ASCII brackets
    ("正文。此件公开发布。", None, "此件公开发布"),
    ("正文，附注不在文本中。", "（此件公开发布）", ""),
])
def test_the_span_is_the_declaration_in_the_text(text, declared, span_text):
    start, end = declaration_span(text, declared)
    assert text[start:end] == span_text
    if not span_text:
        assert (start, end) == (0, 0)


def test_registered_post_detector_sees_the_negative_list_hits():
    detect = registry.build(DetectConfig(), ["negative_list", "conflict"])
    draft = ("云州市财政局\n关于申请追加预算的请示\n\n市人民政府：\n    拟申请追加专项经费300万元。\n    妥否，请批示。\n\n"
             "云州市财政局\n2025年3月5日\n（此件公开发布）\n")
    fields = HeaderFields(doc_type="请示", declared_attribute="proactive", declared_text="（此件公开发布）")
    hits = detect(draft, fields)
    assert [h.kind for h in hits] == ["negative_list", "conflict"]
    conflict = hits[1]
    assert conflict.text == "（此件公开发布）" and conflict.ground == "条例第十六条第二款"
    assert "NL-16-2-03" in conflict.explanation
    assert detect(draft, HeaderFields(doc_type="请示", declared_attribute="non_disclosure"))[-1].kind == "negative_list"
