"""Is this text a 公文 at all? A measurable check, so an English note, a key file or random
characters are never proposed for publication without a reviewer.

Two features, both cheap: the share of CJK ideographs among the non-space characters, and
whether the text shows any 公文 element, either a header field the extractor found (发文字号,
发文机关, 成文日期, 文种, 密级, 主送…) or an official term (关于, 通知, 人民政府, 第…条…).
The thresholds leave a wide margin under the lowest values of the labelled corpus and the
shared real documents (docs/decision-policy.md gives the figures; tests/test_not_document.py
checks every one of them).
"""
from __future__ import annotations

import re

from gongkai.records import HeaderFields

FLAG = "not_a_document"
MIN_CJK_SHARE = 0.15        # lowest measured on real 公文: 0.30 (a decision listing coordinates)
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Multi-character terms only: random ideographs almost never form one by chance.
_TERMS = re.compile(r"关于|通知|人民政府|委员会|办公[室厅]|工作|单位|部门|实施|管理|规定|办法|条例|决定|意见|"
                    r"公告|通告|公报|报告|请示|批复|纪要|[复便公]函|第[一二三四五六七八九十百零〇\d]{1,4}[条章款]")
ELEMENTS = ("doc_number", "issuer", "date", "secrecy", "urgency", "signer", "addressees", "cc",
            "declared_attribute", "attachments", "index_no", "copy_number")


def cjk_share(text: str) -> float:
    visible = sum(1 for c in text if not c.isspace())
    return len(_CJK.findall(text)) / visible if visible else 0.0


def has_document_element(text: str, fields: HeaderFields) -> bool:
    if any(getattr(fields, name) for name in ELEMENTS) or fields.doc_type not in (None, "other"):
        return True
    return _TERMS.search(text) is not None


def is_not_a_document(text: str, fields: HeaderFields) -> bool:
    """True for a text with too few Chinese characters or without any 公文 element."""
    return cjk_share(text) < MIN_CJK_SHARE or not has_document_element(text, fields)
