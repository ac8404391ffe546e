"""The masking convention of publish (区分处理): each kind, overlaps, and text outside the spans."""
from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongkai.pipeline.detect import DetectConfig, registry
from gongkai.pipeline.masking import (DEFAULT_CONVENTION, Keep, MaskingConvention, load_convention,
                                      mask_text, mask_value, occurrences)
from gongkai.records import Hit

DETECT = registry.build(DetectConfig(), ["personal", "commercial"])


def _hit(text: str, kind: str, part: str, rule: str = "test.rule") -> Hit:
    start = text.index(part)
    return Hit(kind=kind, rule_id=rule, text=part, start=start, end=start + len(part), ground="条例第十五条（个人隐私）")


@pytest.mark.parametrize("kind, value, masked", [
    ("personal_id", "350102196406045600", "35*************600"),
    ("personal_id", "21010220090219315X", "21*************15X"),
    ("mobile", "13856785678", "138****5678"),
    ("mobile", "+86 139 0571 8899", "+86 139 **** 8899"),
    ("bank_card", "6228480402564890018", "622848*********0018"),
    ("bank_card", "6222 0212 3456 7890", "6222 02** **** 7890"),
    ("passport", "E12345678", "E******78"),
    ("email", "zhangwei1988@163.com", "z***********@163.com"),
    ("address", "幸福路18号3栋2单元501室", "***"),
    ("person_name", "张三", "张某某"),
    ("person_name", "王秀英", "王某某"),
    ("person_name", "欧阳娜娜", "欧阳某某"),
])
def test_each_kind_follows_the_default_convention(kind, value, masked):
    assert mask_value(kind, value) == masked


def test_masks_a_penalty_decision_and_reports_the_redactions():
    text = ("当事人：罗建新，男，身份证号码350102196406045600，住临江市江南街道幸福路18号3栋2单元501室，"
            "联系电话13856785678。临江建工集团有限公司投标报价为356.8万元。")
    masked, redactions = mask_text(text, DETECT(text))
    assert masked == ("当事人：罗某某，男，身份证号码35*************600，住临江市江南街道***，"
                      "联系电话138****5678。临江建工集团有限公司投标报价为356.8万元。")
    assert [r["kind"] for r in redactions] == ["person_name", "personal_id", "address", "mobile"]
    for r in redactions:                       # offsets index the original text
        assert set(r) == {"kind", "rule_id", "start", "end"}
        assert r["rule_id"].startswith("personal.") and text[r["start"]:r["end"]]


def test_text_outside_the_masked_spans_is_unchanged():
    text = "序号 姓名 身份证号 联系电话\n1 王秀英 320102198103136664 13805716623\n（联系人：李明，电话：0571-87001234）"
    masked, _ = mask_text(text, DETECT(text))
    assert masked == "序号 姓名 身份证号 联系电话\n1 王某某 32*************664 138****6623\n（联系人：李明，电话：0571-87001234）"


def test_hits_on_one_span_are_masked_once_by_the_rule_that_hides_most():
    text = "账号6228480402564890018备注"
    card = _hit(text, "bank_card", "6228480402564890018")
    twin = Hit("personal_id", "personal.id18", card.text, card.start, card.end, "g")
    masked, redactions = mask_text(text, [card, twin])
    assert masked == "账号62**************018备注"
    assert [r["kind"] for r in redactions] == ["bank_card", "personal_id"]


def test_a_hit_inside_another_is_covered_by_the_outer_rule():
    text = "住幸福路18号3栋501室，电话略"
    outer = _hit(text, "address", "幸福路18号3栋501室")
    inner = _hit(text, "person_name", "幸福")
    assert mask_text(text, [inner, outer])[0] == "住***，电话略"


def test_partly_overlapping_hits_hide_everything_they_touch():
    text = "账号6228480402564890018备注"
    card = _hit(text, "bank_card", "6228480402564890018")
    partial = Hit("person_name", "x", "0018备", card.end - 4, card.end + 1, "g")
    masked, redactions = mask_text(text, [card, partial])
    assert masked == "账号" + "*" * 20 + "注"
    assert len(redactions) == 2


def test_hits_of_other_kinds_and_bad_offsets_are_ignored():
    text = "临江建工集团有限公司投标报价为356.8万元。"
    secret = Hit("commercial_secret", "commercial.bid", text, 0, len(text), "条例第十五条（商业秘密）")
    stray = Hit("mobile", "personal.mobile", "x", 50, 60, "g")
    assert mask_text(text, [secret, stray]) == (text, [])


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["personal_id", "mobile", "bank_card", "passport"]),
                          st.integers(0, 59), st.integers(1, 12)), max_size=6))
def test_characters_outside_every_hit_stay_in_place(spans):
    text = "".join(chr(0x4E00 + i) if i % 3 else str(i % 10) for i in range(60))
    hits = [Hit(kind, "r", text[s:s + n], s, s + n, "g") for kind, s, n in spans if s + n <= 60]
    masked, redactions = mask_text(text, hits)
    covered = {i for h in hits for i in range(h.start, h.end)}
    assert len(masked) == len(text)            # these kinds mask character for character
    assert all(masked[i] == text[i] for i in range(len(text)) if i not in covered)
    assert sorted((r["start"], r["end"]) for r in redactions) == sorted((h.start, h.end) for h in hits)


def test_the_convention_is_configurable_and_loads_from_toml(tmp_path):
    path = tmp_path / "gongkai.toml"
    path.write_text('[masking]\nmask_char = "×"\npersonal_id = { first = 6, last = 3 }\n'
                    'name_replacement = "某"\naddress_replacement = "（略）"\n', encoding="utf-8")
    convention = load_convention(path)
    assert convention.personal_id == Keep(6, 3) and convention.mobile == DEFAULT_CONVENTION.mobile
    assert mask_value("personal_id", "350102196406045600", convention) == "350102×××××××××600"
    assert mask_value("person_name", "张三", convention) == "张某"
    assert mask_value("address", "幸福路18号", convention) == "（略）"



def test_a_file_without_a_masking_table_gives_the_defaults(tmp_path):
    path = tmp_path / "gongkai.toml"
    path.write_text("[other]\nx = 1\n", encoding="utf-8")
    assert load_convention(path) == MaskingConvention()


@pytest.mark.parametrize("table, message", [
    ({"phone": {"first": 3}}, "unknown [masking] key(s): phone"),
    ({"mobile": {"first": -1}}, "[masking] mobile must be a table"),
    ({"mask_char": "**"}, "mask_char must be a single character"),
    ({"email_keep_first": "1"}, "email_keep_first must be a int"),
])
def test_bad_settings_name_the_cause_in_one_line(table, message):
    with pytest.raises(ValueError, match=re.escape(message)) as info:
        MaskingConvention.from_dict(table)
    assert "\n" not in str(info.value)


def test_an_unreadable_file_is_one_readable_error(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[masking\n", encoding="utf-8")
    with pytest.raises(ValueError, match="cannot read masking convention") as info:
        load_convention(path)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("toml, message", [
    ('personal_id = { first = 6, last = 4 }', "leaves 10 of 18 characters visible; at most 9"),
    ('mobile = { first = 4, last = 4 }', "leaves 8 of 11 characters visible; at most 7"),
    ('passport = { first = 3, last = 2 }', "leaves 5 of 9 characters visible"),
    ('email_keep_first = 5', "email_keep_first = 5 shows too much"),
    ('mask_char = " "', "mask_char must be a visible character"),
    ('mask_char = "\u3000"', "mask_char must be a visible character"),
    ('mask_char = "\u200b"', "mask_char must be a visible character"),
    ('mask_char = "0"', "mask_char must be a visible character that is not a digit"),
    ('name_replacement = "  "', "name_replacement must not be blank"),
    ('address_replacement = ""', "address_replacement must not be blank"),
])
def test_a_masking_file_that_shows_too_much_or_masks_with_a_blank_is_refused(tmp_path, toml, message):
    path = tmp_path / "masking.toml"
    path.write_text(f"[masking]\n{toml}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape(message)) as info:
        load_convention(path)
    assert "\n" not in str(info.value)


def test_the_default_convention_passes_its_own_check():
    assert MaskingConvention.from_dict({}) == DEFAULT_CONVENTION


def test_every_occurrence_of_a_flagged_value_is_found_whatever_the_separators():
    text = ("身份证号330522195803120415；复核：3305 2219 5803 1204 15；原件3305\u00a02219-5803.1204\u200b15；"
            "全角３３０５２２１９５８０３１２０４１５；另一号码330522195803120416不是它。吴德厚签字，吴德厚。")
    found = occurrences(text, [("personal_id", "330522195803120415"), ("person_name", "吴德厚")])
    ids = [h.text for h in found if h.kind == "personal_id"]
    assert len(ids) == 4 and "330522195803120416" not in ids
    assert [h.text for h in found if h.kind == "person_name"] == ["吴德厚", "吴德厚"]
    masked, _ = mask_text(text, found)
    assert "0415" not in masked.replace("0416", "") and "吴德厚" not in masked
    assert "33*************415" in masked and "33** **** **** ***4 15" in masked
