"""Commercial secrets of third parties (商业秘密, 条例第十五条).

A cue word alone is common in public policy text (鼓励企业加大技术方案创新), so a cue
only becomes a hit when its sentence also names an enterprise (…有限公司, …集团,
…厂) or, for bid prices and cost breakdowns, carries an amount. The hit spans the
sentence, so the reviewer sees the evidence; one hit per sentence.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from gongkai.pipeline.detect.base import DetectConfig, DetectInput, registry
from gongkai.records import Hit

GROUND = "条例第十五条（商业秘密）"


@dataclass(frozen=True)
class Cue:
    category: str     # becomes the rule id: commercial.<category>
    label: str        # what the cue means, for the explanation
    pattern: str
    amount_ok: bool   # an amount in the sentence is enough (otherwise a named enterprise is needed)


CUES = (
    Cue("bid", "投标报价/标底", r"投标报价|投标总价|报价为|报价是|报价单|报价明细|标底|底价|竞标价", True),
    Cue("cost", "成本构成", r"成本构成|成本明细|成本核算|成本清单", True),
    Cue("margin", "利润率与成本价", r"利润率|毛利率|成本价|进货价|出厂价", False),
    Cue("technical", "技术方案/工艺", r"技术方案|工艺参数|工艺配方|配方(?![乳奶食施肥粉])|核心技术|技术秘密|技术诀窍|源代码|设计图纸", False),
    Cue("customer", "客户名单", r"客户名单|客户信息|客户资料|供应商名单|经销商名单|销售渠道", False),
    Cue("financial", "未公开的经营财务数据", r"营业收入|营业额|纳税额|纳税总额|缴纳税款|利润总额|净利润|销售收入|销售额|资产负债率|财务报表|财务数据|"
        r"资产负债表|利润表|现金流量表|货币资金|应收(?:工程|账)?款|短期借款|银行借款|经营数据", False),
)
_CUE_RE = re.compile("|".join(f"(?P<{c.category}>{c.pattern})" for c in CUES))
_BY_NAME = {c.category: c for c in CUES}

# "该公司提供的……属于商业秘密": an assertion about this content, not the policy phrase
# 加强商业秘密保护 nor the generic 涉及商业秘密、个人隐私的信息.
_ASSERTION = re.compile(
    r"(?:属于|系|构成|为|涉及)(?:其|该公司|该企业|[\u4e00-\u9fff]{2,20}?(?:公司|集团|厂))?的?商业秘密"
    r"(?![的、和及与]|保护)")
_SUBJECT = re.compile(r"该|其|上述|所述|提供的|报送的|申报的|提交的|有限公司|集团|厂")

_FIRM = re.compile(
    r"[\u4e00-\u9fff]{2}(?:(?:集团)?(?:有限责任公司|股份有限公司|有限公司)|集团(?!化)(?:公司)?|公司(?!法)|"
    r"厂(?![房区长家商矿])|合作社|事务所|商行|经营部)")
_GENERIC_BEFORE = frozenset("该各本其某子分母总")
_GENERIC_PAIRS = frozenset("有限 责任 股份 有关 相关 国有 民营 外资 上市 中小 大型 企业 工业 各类 涉事 中标 投标 龙头 骨干 重点 全市 全省 全县".split())
_AMOUNT = re.compile(r"[0-9０-９]+(?:[.,，][0-9０-９]+)*[ \u3000]*(?:万美元|万元|亿元|元|%|％)")

# A sentence about "该公司" in a letter that names the firm elsewhere is about that firm.
_ANAPHOR = re.compile(r"该公司|该企业|该集团|该厂|公司提供的|企业提供的")
# The letter itself asks to keep a firm's business data confidential.
_CONFIDENTIAL = re.compile(r"(?:经营|财务|商业|生产)(?:信息|数据|情况)[^。\n]{0,12}(?:注意保密|予以保密|严格保密|不得(?:对外)?公开|不宜公开)")

_SENTENCE_END = "。！？；;!?\n"
_MAX_SIDE = 120


def _sentence(text: str, start: int, end: int) -> tuple[int, int]:
    """Bounds of the sentence around [start, end), at most _MAX_SIDE characters each side."""
    lo, hi = max(0, start - _MAX_SIDE), min(len(text), end + _MAX_SIDE)
    last = max(text.rfind(c, lo, start) for c in _SENTENCE_END)
    begin = last + 1 if last >= 0 else lo
    stops = [i for i in (text.find(c, end, hi) for c in _SENTENCE_END) if i >= 0]
    finish = min(stops) + 1 if stops else hi
    while begin < finish and text[begin].isspace():
        begin += 1
    while finish > begin and text[finish - 1].isspace():
        finish -= 1
    return begin, finish


def _named_firm(sentence: str) -> str | None:
    """The first enterprise name in a sentence, skipping generic ones (该公司, 有关企业…)."""
    for m in _FIRM.finditer(sentence):
        head = m.group()[:2]
        if head[1] not in _GENERIC_BEFORE and head not in _GENERIC_PAIRS:
            return sentence[max(0, m.start() - 6):m.end()]
    return None


def _evidence(cue: Cue, sentence: str, doc_firm: str | None = None) -> str | None:
    """Why a cue counts in this sentence, or None when it does not."""
    firm = _named_firm(sentence)
    if firm:
        return f"同句有企业名称“…{firm}”"
    if doc_firm and _ANAPHOR.search(sentence):
        return f"同句指称文中的企业“…{doc_firm}”"
    amount = _AMOUNT.search(sentence) if cue.amount_ok else None
    return f"同句有金额“{amount.group()}”" if amount else None


def _cue_hits(text: str, doc_firm: str | None) -> list[Hit]:
    hits, seen = [], set()
    for m in _CUE_RE.finditer(text):
        cue = _BY_NAME[m.lastgroup]
        begin, finish = _sentence(text, m.start(), m.end())
        if (begin, finish) in seen:
            continue
        why = _evidence(cue, text[begin:finish], doc_firm)
        if why:
            seen.add((begin, finish))
            hits.append(_hit(text, begin, finish, f"commercial.{cue.category}",
                             f"{cue.label}“{m.group()}”，{why}，可能属于第三方商业秘密"))
    return hits


def _confidential_hits(text: str, doc_firm: str | None) -> list[Hit]:
    if not doc_firm:
        return []
    hits = []
    for m in _CONFIDENTIAL.finditer(text):
        begin, finish = _sentence(text, m.start(), m.end())
        hits.append(_hit(text, begin, finish, "commercial.confidential",
                         f"文中要求对企业数据保密“{m.group()}”（文中企业“…{doc_firm}”），可能属于第三方商业秘密"))
    return hits


def _assertion_hits(text: str) -> list[Hit]:
    hits = []
    for m in _ASSERTION.finditer(text):
        begin, finish = _sentence(text, m.start(), m.end())
        if m.group().startswith(("属于", "系", "构成", "为")) and not _SUBJECT.search(text[begin:m.start()]):
            continue
        if m.group().startswith("涉及") and not _named_firm(text[begin:finish]):
            continue
        hits.append(_hit(text, begin, finish, "commercial.trade_secret",
                         f"文中认定内容“{m.group()}”，属于第三方商业秘密"))
    return hits


def _hit(text: str, start: int, end: int, rule_id: str, why: str) -> Hit:
    return Hit(kind="commercial_secret", rule_id=rule_id, text=text[start:end], start=start, end=end,
               ground=GROUND, severity="medium", explanation=why)


def detect_commercial(doc: DetectInput) -> list[Hit]:
    """Sentences that disclose a named firm's bids, costs, technology, customers or finances."""
    if not doc.text:
        return []
    doc_firm = _named_firm(doc.text)
    found, claimed = [], set()
    # One hit per sentence: an assertion first, then a request for confidence, then a cue.
    for hit in (*_assertion_hits(doc.text), *_confidential_hits(doc.text, doc_firm), *_cue_hits(doc.text, doc_firm)):
        if (hit.start, hit.end) not in claimed:
            claimed.add((hit.start, hit.end))
            found.append(hit)
    return sorted(found, key=lambda h: (h.start, h.end))


@registry.register("commercial")
def commercial_factory(config: DetectConfig):
    return detect_commercial
