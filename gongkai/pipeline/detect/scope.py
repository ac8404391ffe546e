"""Scope: a 主送 line that names only agencies or units is evidence of work between agencies.

条例第二十七条 leaves to application what neither adjusts public interests nor
needs public knowledge, typically routine work between agencies. A document
addressed to named agencies and to nobody in the public is narrow in scope by
its own header; one addressed to the public (社会各界, 广大市民, 有关单位和个人)
is not. The hit alone never proposes 依申请公开: the policy asks the model to
agree and the 主动公开目录 to be silent (docs/decision-policy.md).
"""
from __future__ import annotations

import re

from gongkai.pipeline.detect.base import DetectConfig, DetectInput, Detector, registry
from gongkai.records import Hit

# Addressees that reach the public: such a document is not narrow.
# 社会 and 企业 count only as the public itself: 县社会保险中心 is an agency, "XX有限公司等5家企业" named parties.
_PUBLIC = re.compile(r"^社会|社会各界|全社会|社会公众|公众|市民|群众|居民|村民|个人|各界|用人单位|各(?:类|有关|相关)?企业|"
                     r"^企业|经营者|考生|家长|申请人")
# Words that name an agency or a unit of one.
_AGENCY = re.compile(r"政府|委员会|办公室|局|厅|委|办|部|院|所|站|中心|处|科|室|街道|镇|乡|公司|单位|专家|成员|"
                     r"大学|学校|学院|医院|银行|集团|馆|队|社|机构|家企业")


def find_scope(doc: DetectInput) -> list[Hit]:
    names = doc.fields.addressees
    if not names or any(_PUBLIC.search(n) for n in names) or not all(_AGENCY.search(n) for n in names):
        return []
    first = names[0]
    start = doc.text.find(first)
    if start < 0:
        return []
    line_end = doc.text.find("\n", start)
    end = line_end if line_end > 0 else len(doc.text)
    return [Hit(kind="narrow_scope", rule_id="scope.agency_addressees", text=doc.text[start:end], start=start,
                end=end, ground="条例第二十七条", severity="low",
                explanation=f"主送只有机关或单位（{'、'.join(names[:3])}{'等' if len(names) > 3 else ''}），"
                            "不面向社会公众：机关间的日常工作（条例第二十七条）")]


@registry.register("scope")
def make_scope_detector(config: DetectConfig) -> Detector:
    """The scope detector reads the extracted 主送 only; it needs no configuration."""
    return find_scope
