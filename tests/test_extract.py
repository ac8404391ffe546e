"""extract_fields: the GB/T 9704 header fields, on realistic snippets, the seeds and the real documents."""
from __future__ import annotations

import importlib.util
import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.conftest import REPO, shared_path
from gongkai.pipeline.extract import doc_type_of, extract_fields
from gongkai.pipeline.extract_patterns import DOC_TYPES

SECRET_NOTICE = """000123
机密★5年
特急
青川县人民政府文件
青府发〔2023〕12号
关于加强防汛抗旱物资储备管理工作的通知
各乡镇人民政府，县政府各部门：
为做好2023年防汛抗旱工作，切实保障物资供应，现就有关事项通知如下。
一、加强物资储备。各乡镇要于2023年5月31日前完成物资清点。
— 1 —
二、严格调拨程序。物资调拨须经县防汛抗旱指挥部批准。
附件：1．青川县防汛物资储备目录
2．青川县防汛物资调拨流程
青川县人民政府
2023年6月8日
（此件不予公开）
抄送：县委办公室，县人大常委会办公室，
县政协办公室。
青川县人民政府办公室          2023年6月8日印发
— 2 —
"""

UPWARD_REQUEST = """青川县教育局
青教〔2023〕5号                    签发人：王建国
关于申请追加学校安全设施建设经费的请示
县人民政府：
根据全县校园安全专项整治工作安排，我局拟对12所农村学校的消防设施进行改造，现将有关情况请示如下。
妥否，请批示。
青川县教育局
2023年3月15日
（联系人：李明，电话：0839-7202345）
"""

LETTER = """青川县人民政府办公室
青府办函〔2023〕18号
关于商请协助开展防汛应急演练的函
县应急管理局：
为检验我县防汛应急预案的可操作性，县政府办公室拟于6月中旬组织开展防汛应急演练，请贵局予以协助。
特此函达。
青川县人民政府办公室
2023年5月10日
（此件依申请公开）
"""

MINUTES = """青川县人民政府常务会议纪要
第12期
2023年4月3日，县长张明主持召开县政府第十二次常务会议，研究了城区供水管网改造等事项。现纪要如下：
一、会议原则同意《城区供水管网改造实施方案》。
出席：张明、李华、王芳、赵强
列席：县财政局、县住建局主要负责人
青川县人民政府办公室                2023年4月4日印发
"""

ORDER = """中华人民共和国国务院令
第707号
现公布修订后的《中华人民共和国个人所得税法实施条例》，自2019年1月1日起施行。
总理　李克强
2018年12月18日
"""

DRAFT_WITHOUT_NUMBER = """关于进一步规范
全县行政事业单位
国有资产出租出借管理的通知
（征求意见稿）
县直各部门：
为加强国有资产管理，防止国有资产流失，现就出租出借管理有关事项通知如下。
青川县财政局
二〇二三年十一月二十日
"""

PUBLISHED_PAGE = """索 引 号：11341702486344515H/2021-00013
發布機構：青川縣人民政府辦公室
文號：青府办发[2021]9号
成文日期：2021年10月08日
公开方式：主动公开
关于印发青川县政务公开工作要点的通知
各乡镇人民政府，县政府各部门：
现将《青川县2021年政务公开工作要点》印发给你们，请认真贯彻执行。
"""


# --- whole documents -------------------------------------------------------------------

def test_secret_red_head_notice_reads_every_head_and_tail_element():
    fields = extract_fields(SECRET_NOTICE)
    assert (fields.copy_number, fields.secrecy, fields.urgency) == ("000123", "机密★5年", "特急")
    assert fields.issuer == "青川县人民政府"
    assert fields.doc_number == "青府发〔2023〕12号"
    assert fields.title == "关于加强防汛抗旱物资储备管理工作的通知"
    assert fields.doc_type == "通知"
    assert fields.addressees == ["各乡镇人民政府", "县政府各部门"]
    assert fields.attachments == ["青川县防汛物资储备目录", "青川县防汛物资调拨流程"]
    assert fields.date == "2023-06-08"
    assert (fields.declared_attribute, fields.declared_text) == ("non_disclosure", "（此件不予公开）")
    assert fields.cc == ["县委办公室", "县人大常委会办公室", "县政协办公室"]


def test_upward_request_has_signer_beside_the_doc_number():
    fields = extract_fields(UPWARD_REQUEST)
    assert fields.signer == "王建国"
    assert fields.doc_number == "青教〔2023〕5号"
    assert fields.doc_type == "请示"
    assert fields.addressees == ["县人民政府"]
    assert (fields.issuer, fields.date) == ("青川县教育局", "2023-03-15")
    assert fields.secrecy is None and fields.declared_attribute is None


def test_letter_format_joins_letterhead_and_title_and_reads_on_request_note():
    fields = extract_fields(LETTER)
    assert fields.doc_number == "青府办函〔2023〕18号"
    assert fields.title == "关于商请协助开展防汛应急演练的函"
    assert fields.doc_type == "函"
    assert fields.issuer == "青川县人民政府办公室"
    assert fields.declared_attribute == "on_request"


def test_minutes_attendance_list_is_not_taken_for_addressees():
    fields = extract_fields(MINUTES)
    assert fields.title == "青川县人民政府常务会议纪要"
    assert fields.doc_type == "纪要"
    assert fields.addressees == []
    assert fields.date == "2023-04-04"   # the 印发 date: minutes carry no signature date


def test_order_number_and_person_signature():
    fields = extract_fields(ORDER)
    assert fields.doc_number == "中华人民共和国国务院令第707号"
    assert fields.doc_type == "命令"
    assert fields.issuer == "中华人民共和国国务院"   # not 总理 李克强
    assert fields.date == "2018-12-18"             # not the 施行 date in the sentence


def test_draft_without_doc_number_joins_three_line_title():
    fields = extract_fields(DRAFT_WITHOUT_NUMBER)
    assert fields.doc_number is None
    assert fields.title == "关于进一步规范全县行政事业单位国有资产出租出借管理的通知"
    assert fields.doc_type == "通知"
    assert fields.date == "2023-11-20"
    assert fields.issuer == "青川县财政局"


def test_published_page_metadata_with_spaced_and_traditional_labels():
    fields = extract_fields(PUBLISHED_PAGE)
    assert fields.index_no == "11341702486344515H/2021-00013"
    assert fields.doc_number == "青府办发〔2021〕9号"
    assert fields.date == "2021-10-08"
    assert fields.publish_mode == "主动公开"
    assert fields.issuer == "青川縣人民政府辦公室"


# --- single fields ---------------------------------------------------------------------

@pytest.mark.parametrize("written", [
    "青府发〔2016〕71号", "青府发[2016]71号", "青府发【2016】71号", "青府发(2016)71号",
    "青府发（2016）71号", "青府发［2016］71号", "青府发〔2016〕071号", "青府发〔2016〕第71号",
    "青府发 〔 2016 〕 71 号",
])
def test_doc_number_is_normalised_to_hexagonal_brackets(written):
    text = f"青川县人民政府文件\n{written}\n关于调整城市道路限速标准的通知\n各乡镇人民政府：\n现通知如下。"
    assert extract_fields(text).doc_number == "青府发〔2016〕71号"


def test_doc_number_cited_in_the_body_is_not_the_documents_own():
    text = ("关于做好春季森林防火工作的通知\n各乡镇人民政府：\n"
            "根据《四川省人民政府办公厅关于加强森林防火的通知》（川办发〔2022〕15号）要求，现通知如下。")
    assert extract_fields(text).doc_number is None


@pytest.mark.parametrize(("written", "iso"), [
    ("2016年12月28日", "2016-12-28"),
    ("2016年1月5日", "2016-01-05"),
    ("二〇一六年十二月二十八日", "2016-12-28"),
    ("二○一六年十二月二十八日", "2016-12-28"),
    ("二零二零年一月三十一日", "2020-01-31"),
    ("一九九六年二月五日", "1996-02-05"),
    ("二〇一九年十月一日", "2019-10-01"),
])
def test_signature_date_in_arabic_or_chinese_numerals(written, iso):
    text = f"关于开展安全生产大检查的通知\n各乡镇：\n请认真组织实施。\n青川县安全生产委员会\n{written}\n"
    assert extract_fields(text).date == iso


def test_signature_date_wins_over_dates_inside_the_body():
    text = ("关于调整最低工资标准的通知\n各县区人民政府：\n新标准自2017年1月1日起执行，\n"
            "2016年12月31日前的工资按原标准发放。\n青川县人民政府\n2016年11月20日\n")
    assert extract_fields(text).date == "2016-11-20"


def test_metadata_date_wins_over_the_signature_date():
    text = "成文日期：2019年01月27日\n关于促进就业的意见\n各乡镇：\n现提出如下意见。\n青川县人民政府\n2019年1月28日"
    assert extract_fields(text).date == "2019-01-27"


def test_wrapped_forwarding_title_is_kept_whole():
    text = ("国务院办公厅转发国家地震局\n关于我国地震重点监视防御区的确定和\n加强防震减灾工作意见报告的通知\n"
            "国办发〔1996〕2号\n各省、自治区、直辖市人民政府，国务院各部委、各直属机构：\n")
    fields = extract_fields(text)
    assert fields.title == "国务院办公厅转发国家地震局关于我国地震重点监视防御区的确定和加强防震减灾工作意见报告的通知"
    assert fields.doc_type == "通知"
    assert fields.addressees == ["各省、自治区、直辖市人民政府", "国务院各部委", "各直属机构"]


def test_letter_spaced_title_line_is_joined():
    text = "国务院关于棉粮、糖粮挂钩奖售粮\n几 个 问 题 的 通 知\n国发〔1981〕88号\n各省、市、自治区人民政府：\n"
    assert extract_fields(text).title == "国务院关于棉粮、糖粮挂钩奖售粮几个问题的通知"


def test_addressees_keep_bracketed_county_list_whole():
    text = "关于做好秋季征兵工作的通知\n各县（市、区）人民政府，市政府各部门、各直属机构：\n现通知如下。"
    assert extract_fields(text).addressees == ["各县（市、区）人民政府", "市政府各部门", "各直属机构"]


@pytest.mark.parametrize(("title", "doc_type"), [
    ("国务院关于2018年度国家科学技术奖励的决定", "决定"),
    ("国务院办公厅关于湖北省巴东县地质灾害险情有关问题的复函", "函"),
    ("青川县人民政府第十二次常务会议纪要", "纪要"),
    ("青川县人民政府关于城区供水管网改造的会议纪要", "纪要"),
    ("中华人民共和国主席令嘉奖命令", "命令"),
    ("关于提请审议《青川县城乡规划条例（草案）》的议案", "议案"),
    ("中国共产党第十九届中央委员会第四次全体会议公报", "公报"),
    ("关于同意设立青川县经济开发区的批复", "批复"),
    ("关于加强春运期间道路交通管理的通告", "通告"),
    ("青川县城市供水管理办法", "other"),
    ("国务院办公厅对十届全国人大四次会议第7240号建议的答复", "other"),
])
def test_doc_type_from_title_suffix(title, doc_type):
    assert doc_type_of(title) == doc_type


@pytest.mark.parametrize(("note", "attribute"), [
    ("（此件公开发布）", "proactive"),
    ("（此件主动公开）", "proactive"),
    ("（此件删减后公开）", "proactive"),
    ("（此件依申请公开）", "on_request"),
    ("（此件不予公开）", "non_disclosure"),
    ("(此件不公开)", "non_disclosure"),
    ("（此件免予公开）", "non_disclosure"),
])
def test_declared_attribute_from_the_note(note, attribute):
    fields = extract_fields(f"关于表彰优秀教师的决定\n各学校：\n现决定如下。\n青川县教育局\n2023年9月1日\n{note}\n")
    assert fields.declared_attribute == attribute
    assert fields.declared_text == note


@pytest.mark.parametrize(("line", "secrecy"), [
    ("秘密★1年", "秘密★1年"), ("机密★5年", "机密★5年"), ("绝密★长期", "绝密★长期"),
    ("机密", "机密"), ("秘 密", "秘密"), ("机密*6个月", "机密★6个月"), ("秘密＊1年", "秘密★1年"),
    ("绝密☆长期", "绝密★长期"), ("000321  秘密★2年  加急", "秘密★2年"),
])
def test_secrecy_mark_in_the_top_zone(line, secrecy):
    fields = extract_fields(f"{line}\n青川县人民政府文件\n青府发〔2023〕3号\n关于调整应急指挥机构的通知\n各乡镇：\n")
    assert fields.secrecy == secrecy


def test_secrecy_words_in_the_body_are_not_the_documents_mark():
    text = ("关于加强保密工作的通知\n各部门：\n标注“秘密★1年”的文件一律不得上网，\n机密\n"
            "各单位要保守国家秘密。\n青川县保密委员会\n2023年2月1日\n")
    assert extract_fields(text).secrecy is None


def test_copy_number_only_at_the_very_top():
    body_number = "关于下达2023年度财政预算的通知\n各部门：\n预算编号如下。\n202301\n青川县财政局\n2023年1月5日"
    assert extract_fields(body_number).copy_number is None
    assert extract_fields("000456\n" + body_number).copy_number == "000456"


@pytest.mark.parametrize("urgency", ["特急", "加急", "特提", "平急", "特 急"])
def test_urgency_in_the_top_zone(urgency):
    text = f"{urgency}\n青川县人民政府办公室\n关于做好强降雨防范工作的紧急通知\n各乡镇人民政府：\n"
    assert extract_fields(text).urgency == urgency.replace(" ", "")


@pytest.mark.parametrize("text", ["", "   \n\n", "— 1 —\n— 2 —",
                                  "Minutes of the budget meeting.\nAttendees: Alice, Bob.\n2023-01-01",
                                  "今天天气很好，我们去公园散步。"])
def test_texts_without_a_header_give_empty_fields(text):
    fields = extract_fields(text)
    assert (fields.title, fields.doc_number, fields.issuer, fields.date, fields.doc_type) == (None,) * 5
    assert fields.addressees == [] and fields.attachments == [] and fields.cc == []


_HEADER_CHARS = list("关于的通知〔〕[]2016年月日号：:，、（）()★*密机秘\n 　0123456789文件发签发人抄送附件一二〇十")


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(_HEADER_CHARS), max_size=300))
@example("、 :")          # an addressee line of separators only once crashed split_agencies
def test_arbitrary_text_gives_well_formed_fields(text):
    fields = extract_fields(text)
    assert fields.date is None or re.fullmatch(r"(19|20)\d\d-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])", fields.date)
    assert fields.doc_type in {None, "other", *DOC_TYPES} and fields.doc_type != "令"
    assert fields.doc_number is None or fields.doc_number.endswith("号")


# --- the seeds (../shared/seeds, read in place) -------------------------------------------------

def _seed(prefix: str) -> str:
    folder = shared_path("seeds")
    return next(folder.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


def test_seed_002_tongchuan_notice():
    fields = extract_fields(_seed("002"))
    assert fields.doc_number == "铜政办发〔2016〕71号"
    assert fields.date == "2016-12-28"
    assert fields.issuer == "铜川市人民政府办公室"
    assert fields.title == "铜川市人民政府办公室关于进一步推进政务公开有关工作的通知"
    assert fields.index_no == "TCXXGK-2016-026432"
    assert fields.addressees == ["各区县人民政府", "市新区管委会", "市政府各工作部门", "直属事业单位"]


def test_seed_001_changzhou_notice_below_navigation_noise():
    fields = extract_fields(_seed("001"))
    assert fields.title == "常州市人民政府办公室关于印发《常州市2021年政务公开工作要点》的通知"
    assert (fields.issuer, fields.date, fields.doc_type) == ("常州市人民政府办公室", "2021-06-17", "通知")
    assert fields.addressees[0] == "各辖市、区人民政府"


def test_seed_004_tongzhou_number_in_brackets_before_the_title():
    fields = extract_fields(_seed("004"))
    assert fields.doc_number == "通政办发〔2018〕23号"
    assert fields.title == "北京市通州区人民政府办公室关于印发通州区2018年政务公开工作要点的通知"
    assert fields.issuer == "北京市通州区人民政府办公室"


def test_seed_000_zhengzhou_opinion_without_number():
    fields = extract_fields(_seed("000"))
    assert fields.title == "关于全面推进信息与政务公开工作的实施意见"
    assert (fields.doc_type, fields.doc_number) == ("意见", None)


def test_seed_003_luoyuan_traditional_labels():
    fields = extract_fields(_seed("003"))
    assert fields.title == "罗源县2017年政務公開工作实施方案 及主要任务分解表"
    assert (fields.issuer, fields.doc_type) == ("羅源政府辦", "other")


# --- the 190 real documents against manifest.csv -----------------------------------------------

def _accuracy_tool():
    spec = importlib.util.spec_from_file_location("extract_accuracy", REPO / "tools" / "extract_accuracy.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# Minimum shares actually achieved (see tools/extract_accuracy.py); a regression fails here.
FULL_TEXT_FLOOR = {"title": 0.98, "doc_number": 0.97, "date": 0.97, "doc_type": 0.98, "issuer": 0.85, "core": 0.97}
BODY_ONLY_FLOOR = {"title": 0.97, "doc_number": 0.95, "date": 0.97, "doc_type": 0.97, "issuer": 0.85, "core": 0.95}


@pytest.mark.parametrize(("body_only", "floor"), [(False, FULL_TEXT_FLOOR), (True, BODY_ONLY_FLOOR)],
                         ids=["full-text", "body-only"])
def test_real_documents_meet_the_accuracy_floor(body_only, floor):
    folder = shared_path("real-docs")
    result = _accuracy_tool().measure(folder, body_only=body_only)
    for field, minimum in floor.items():
        known, correct = result["counts"][field]
        assert known >= 80, f"{field}: only {known} documents with a known value"
        assert correct / known >= minimum, f"{field}: {correct}/{known} below {minimum}: {result['misses'].get(field)}"


def test_real_gov_cn_pages_declare_publication():
    folder = shared_path("real-docs")
    declared = [p for p in sorted(folder.glob("govcn_*.txt")) if "（此件公开发布）" in p.read_text(encoding="utf-8")]
    assert len(declared) >= 20
    for path in declared:
        assert extract_fields(path.read_text(encoding="utf-8")).declared_attribute == "proactive", path.name
