"""The secrecy detector: 密级 marks and internal marks, positives and negatives side by side."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongkai.pipeline.detect import DetectConfig, registry
from gongkai.pipeline.detect.secrecy import INTERNAL_GROUND, SECRECY_GROUND, WORK_SECRET_GROUND, find_marks
from tests.conftest import shared_files

HEAD = "青川县人民政府文件\n青府发〔2023〕12号\n关于调整县应急指挥机构组成人员的通知\n各乡镇人民政府，县政府各部门：\n"
BODY = "".join(f"第{n}项工作按计划推进，各单位要认真落实责任。\n" for n in range(1, 12))

# (text, expected [(kind, rule_id, marked text)]) — negatives expect [].
CASES = [
    # secrecy marks with ★ and a period: a mark wherever it stands
    ("秘密★1年\n" + HEAD, [("secrecy_mark", "secrecy.level_period", "秘密★1年")]),
    ("机密★5年\n" + HEAD, [("secrecy_mark", "secrecy.level_period", "机密★5年")]),
    ("绝密★长期\n" + HEAD, [("secrecy_mark", "secrecy.level_period", "绝密★长期")]),
    ("机密★6个月\n" + HEAD, [("secrecy_mark", "secrecy.level_period", "机密★6个月")]),
    ("机密*5年\n" + HEAD, [("secrecy_mark", "secrecy.level_period", "机密*5年")]),
    ("秘密☆1年\n" + HEAD, [("secrecy_mark", "secrecy.level_period", "秘密☆1年")]),
    ("秘密＊１年\n" + HEAD, [("secrecy_mark", "secrecy.level_period", "秘密＊１年")]),
    ("机密 ★ 10 年\n" + HEAD, [("secrecy_mark", "secrecy.level_period", "机密 ★ 10 年")]),
    ("机密★\n" + HEAD, [("secrecy_mark", "secrecy.level_period", "机密★")]),
    (HEAD + BODY + "— 3 —\n秘密★2年", [("secrecy_mark", "secrecy.level_period", "秘密★2年")]),
    ("000123\n机密★5年\n特急\n" + HEAD, [("secrecy_mark", "secrecy.level_period", "机密★5年")]),
    # a 密级 form field is a mark wherever it stands; 非密 is not a level
    (HEAD + BODY + "密级：秘密\n", [("secrecy_mark", "secrecy.level_label", "秘密")]),
    (HEAD + "密级:机密★3年\n", [("secrecy_mark", "secrecy.level_period", "机密★3年")]),
    (HEAD + "密级：非密\n", []),
    # a bare level: a mark only alone in the 版头 or in a page header/footer line
    ("机密\n" + HEAD, [("secrecy_mark", "secrecy.level_alone", "机密")]),
    ("秘 密\n" + HEAD, [("secrecy_mark", "secrecy.level_alone", "秘 密")]),
    ("000321　绝密　特急\n" + HEAD, [("secrecy_mark", "secrecy.level_alone", "绝密")]),
    ("青川县人民政府文件　　　　机密\n青府发〔2023〕12号\n", [("secrecy_mark", "secrecy.level_header", "机密")]),
    (HEAD + BODY + "— 2 —\n机密\n" + BODY, [("secrecy_mark", "secrecy.level_alone", "机密")]),
    (HEAD + BODY + "\f秘密\n" + BODY, [("secrecy_mark", "secrecy.level_alone", "秘密")]),
    # secrecy words in prose are not marks
    (HEAD + "各单位要严格遵守《中华人民共和国保守国家秘密法》，严防泄露国家秘密。\n", []),
    (HEAD + "涉及国家秘密的事项，按照有关规定办理。\n", []),
    (HEAD + "加强商业秘密保护，维护公平竞争的市场秩序。\n", []),
    (HEAD + "村民委员会选举实行无记名投票、秘密划票。\n", []),
    (HEAD + "工作人员应当保守秘密，不得泄露。\n", []),
    (HEAD + "对标注“秘密★1年”的文件，不得在互联网上发布。\n", []),
    (HEAD + BODY + "机密\n" + BODY, []),   # a table cell deep in the body, e.g. a 密级 column
    ("关于加强涉密载体和机密文件管理的通知\n各部门：\n", []),
    # internal marks: alone on their line, in brackets, or as a 版头 token
    ("内部资料 注意保存\n" + HEAD, [("internal_mark", "internal.line", "内部资料 注意保存")]),
    ("内部资料　注意保存\n" + HEAD, [("internal_mark", "internal.line", "内部资料　注意保存")]),
    ("内部资料\n" + HEAD, [("internal_mark", "internal.line", "内部资料")]),
    ("内部文件·不得翻印\n" + HEAD, [("internal_mark", "internal.line", "内部文件"),
                                ("internal_mark", "internal.line", "不得翻印")]),
    (HEAD + BODY + "内部材料\n", [("internal_mark", "internal.line", "内部材料")]),
    (HEAD + BODY + "不得外传\n— 2 —", [("internal_mark", "internal.line", "不得外传")]),
    (HEAD + "青川县人民政府\n2023年6月8日\n（此件不公开）\n", [("internal_mark", "internal.bracket", "此件不公开")]),
    (HEAD + "【内部资料，注意保存】\n", [("internal_mark", "internal.bracket", "内部资料，注意保存")]),
    ("青川县审计局文件  内部文件\n" + HEAD, [("internal_mark", "internal.header", "内部文件")]),
    (HEAD + BODY + "禁止外传\n", [("internal_mark", "internal.line", "禁止外传")]),
    ("工作秘密\n" + HEAD, [("internal_mark", "internal.work_secret", "工作秘密")]),
    # internal words in prose are not marks
    (HEAD + "任何单位不得将内部资料对外提供。\n", []),
    (HEAD + "健全内部控制制度，开展内部审计工作。\n", []),
    (HEAD + "本单位内部文件的流转应当登记。\n", []),
    (HEAD + "涉及工作秘密的信息，应按照有关规定管理。\n", []),
    (HEAD + "各部门要注意保存原始凭证。\n", []),
    (HEAD + "严禁将考试试题禁止外传的规定当作摆设。\n", []),
    ("", []),
    ("The meeting minutes are confidential.", []),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[f"case{i:02d}" for i in range(len(CASES))])
def test_marks_and_prose(text, expected):
    hits = find_marks(text)
    assert [(h.kind, h.rule_id, h.text) for h in hits] == expected
    for hit in hits:
        assert text[hit.start:hit.end] == hit.text
        assert hit.explanation and "\n" not in hit.explanation


def test_grounds_and_severities():
    text = "机密★5年\n内部资料\n工作秘密\n" + HEAD
    by_text = {h.text: h for h in find_marks(text)}
    assert (by_text["机密★5年"].ground, by_text["机密★5年"].severity) == (SECRECY_GROUND, "high")
    assert (by_text["内部资料"].ground, by_text["内部资料"].severity) == (INTERNAL_GROUND, "medium")
    assert (by_text["工作秘密"].ground, by_text["工作秘密"].severity) == (WORK_SECRET_GROUND, "medium")


def test_registered_detector_reports_offsets_in_the_stored_text():
    detectors = registry.build(DetectConfig(), ["secrecy"])
    text = "\r\n".join(["青川县财政局文件", "秘密★1年", "关于下达专项资金的通知", "内部资料 注意保存"])
    hits = detectors(text)
    assert [h.kind for h in hits] == ["secrecy_mark", "internal_mark"]
    assert all(text[h.start:h.end] == h.text for h in hits)


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("绝机秘密★*☆ 　\n\f内部资料注意保存不得翻印外传此件公开工作（）【】，1年个月长期— 2")),
               max_size=200))
def test_every_hit_is_the_text_at_its_span(text):
    for hit in find_marks(text):
        assert text[hit.start:hit.end] == hit.text and hit.text.strip() == hit.text
        assert hit.kind in {"secrecy_mark", "internal_mark"}


@pytest.mark.parametrize("path", shared_files("real-docs", pattern="*.txt"), ids=lambda p: p.name)
def test_no_marks_on_published_documents(path):
    # 190 published laws and State Council documents: none carries a secrecy or internal mark.
    assert find_marks(path.read_text(encoding="utf-8")) == []
