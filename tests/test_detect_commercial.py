"""The commercial-secret detector: a cue counts only with a named firm or an amount beside it."""
from __future__ import annotations

from pathlib import Path

import pytest

from gongkai.pipeline.detect import DetectConfig, registry
from gongkai.pipeline.detect.commercial import GROUND
from tests.conftest import shared_path

DETECT = registry.build(DetectConfig(), ["commercial"])

# (text, rule ids expected, one per flagged sentence)
POSITIVES = [
    ("临江建工集团有限公司投标报价为356.8万元，工期180日历天。", ["commercial.bid"]),
    ("本项目标底为1280万元，开标前严格保密。", ["commercial.bid"]),
    ("经评审，华光化工有限公司报价为每吨4350元。", ["commercial.bid"]),
    ("临江钢铁集团有限公司2023年营业收入12.6亿元，纳税额8600万元。", ["commercial.financial"]),
    ("附件3为临江宏达建材有限公司提供的成本构成明细表。", ["commercial.cost"]),
    ("经核查，临江第一水泥厂的产品毛利率为23%。", ["commercial.margin"]),
    ("华光化工有限公司提交的产品配方及工艺参数见附件3。", ["commercial.technical"]),
    ("申报材料中的客户名单由临江海川贸易有限公司提供。", ["commercial.customer"]),
    ("该公司提供的生产工艺资料属于商业秘密，申请公开部分不予提供。", ["commercial.trade_secret"]),
    ("经征求第三方意见，上述技术资料涉及临江海川贸易有限公司的商业秘密。", ["commercial.trade_secret"]),
]

NEGATIVES = [
    "鼓励企业加大技术方案创新，支持核心技术攻关。",
    "各级行政机关要加强商业秘密保护。",
    "涉及商业秘密、个人隐私等公开会对第三方合法权益造成损害的政府信息，行政机关不得公开。",
    "行政机关对企业提供的属于商业秘密的信息应当保密。",
    "全市规模以上工业企业营业收入增长8.5%。",
    "投标报价超过最高投标限价的，按无效投标处理。",
    "临江乳业有限公司生产的婴幼儿配方乳粉抽检合格。",
    "推广测土配方施肥技术，全年完成面积12万亩。",
    "中标供应商：临江建工集团有限公司，中标金额：356万元。",
    "有关企业应当建立客户信息保护制度。",
    "依照《中华人民共和国公司法》，公司营业收入应当如实记账。",
]


@pytest.mark.parametrize("text, rules", POSITIVES)
def test_flags_a_firms_commercial_data(text, rules):
    hits = DETECT(text)
    assert [h.rule_id for h in hits] == rules
    hit = hits[0]
    assert (hit.kind, hit.ground, hit.severity) == ("commercial_secret", GROUND, "medium")
    assert hit.text == text.strip() and hit.explanation


@pytest.mark.parametrize("text", NEGATIVES)
def test_policy_text_and_public_results_are_not_hits(text):
    assert DETECT(text) == []


def test_the_hit_spans_only_its_sentence_and_explains_the_evidence():
    text = ("一、项目概况\n本项目采用公开招标方式。临江建工集团有限公司投标报价为356.8万元；"
            "宏远建设有限公司投标报价为349.2万元。\n二、评审结果")
    hits = DETECT(text)
    assert [h.text for h in hits] == ["临江建工集团有限公司投标报价为356.8万元；", "宏远建设有限公司投标报价为349.2万元。"]
    assert "临江建工集团有限公司" in hits[0].explanation
    assert all(h.text == text[h.start:h.end] for h in hits)


def test_one_hit_per_sentence_even_with_several_cues():
    text = "临江钢铁集团有限公司的成本构成、利润率和客户名单详见附件。"
    assert len(DETECT(text)) == 1


def test_empty_and_odd_input_do_not_raise():
    assert DETECT("") == []
    assert DETECT("报价为" * 1000) == []
    assert DETECT("\x00\ufffd有限公司投标报价为") == []    # no name before 有限公司, no amount


def test_published_government_documents_have_no_commercial_secrets():
    folder = shared_path("real-docs")
    flagged = [(p.name, h.text) for p in sorted(Path(folder).glob("*.txt"))
               for h in DETECT(p.read_text(encoding="utf-8"))]
    assert flagged == []


def test_a_letter_about_one_named_firm_flags_its_finances_and_its_request_for_confidence():
    """A 复函 names the firm in its 标题, then says 该公司/公司提供的: the sentences are about that firm."""
    text = ("关于青溪宏基建设集团有限公司申请缓缴农民工工资保证金有关情况的复函\n\n市人力资源和社会保障局：\n"
            "公司提供的资产负债表显示，货币资金余额仅为2460万元。\n"
            "上述数据系企业提供，涉及企业经营信息，请注意保密。")
    hits = DETECT(text)
    assert [h.rule_id for h in hits] == ["commercial.financial", "commercial.confidential"]
    assert "青溪宏基建设集团有限公司" in hits[0].explanation
    assert [h.text for h in hits] == ["公司提供的资产负债表显示，货币资金余额仅为2460万元。",
                                      "上述数据系企业提供，涉及企业经营信息，请注意保密。"]


def test_without_a_named_firm_the_same_sentences_are_not_hits():
    text = "公司提供的资产负债表显示，货币资金余额仅为2460万元。\n涉及企业经营信息，请注意保密。"
    assert DETECT(text) == []
