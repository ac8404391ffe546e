"""The negative list (负面清单): default entries and their examples, loader, check, matcher, detector."""
from __future__ import annotations

import csv
import hashlib
import importlib.util
import pickle
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from tests.conftest import REPO, shared_path
from gongkai.pipeline.detect import DetectConfig, registry
from gongkai.pipeline.detect.negative_list import (
    DEFAULT_LIST_PATH, REASON_CODES, NegativeList, NegativeListError, check_negative_list,
    default_negative_list, explain, format_matches, load_negative_list, reason_code_in)
from gongkai.pipeline.detect.negative_list_check import example_fires
from gongkai.pipeline.detect.negative_list_literals import required_literals
from gongkai.pipeline.detect.negative_list_match import Matcher, cooccur_windows
from gongkai.records import HeaderFields

FULL = default_negative_list()                                       # negative list + evidence list
DEFAULT = load_negative_list([DEFAULT_LIST_PATH], include_default=False)   # the negative list alone
DEFAULT_MATCHER = Matcher(FULL.entries)


def _bench_module():
    spec = importlib.util.spec_from_file_location("neglist_bench", REPO / "benchmarks" / "neglist_bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _example_cases():
    for entry in FULL.entries:
        for k, example in enumerate(entry.match_examples):
            yield pytest.param(entry, example, True, id=f"{entry.id}-match{k}")
        for k, example in enumerate(entry.no_match_examples):
            yield pytest.param(entry, example, False, id=f"{entry.id}-no_match{k}")


@pytest.mark.parametrize(("entry", "example", "expected"), list(_example_cases()))
def test_default_entry_examples(entry, example, expected):
    assert example_fires(DEFAULT_MATCHER, entry, example) is expected


def test_default_list_covers_every_ground():
    entries = DEFAULT.entries
    assert len(entries) >= 45
    assert {e.reason_code for e in entries} == set(REASON_CODES)
    grounds = " ".join(e.ground for e in entries)
    for article in ("条例第十四条", "条例第十五条", "条例第十六条第一款", "条例第十六条第二款", "保守国家秘密法", "条例第三十六条"):
        assert article in grounds
    assert all(e.source and e.match_examples and e.no_match_examples for e in entries)
    assert all(e.severity == "medium" for e in entries if "工作秘密" in e.item)


def test_evidence_list_covers_every_proactive_category_and_narrow_scope():
    """The 主动公开目录 names 第十九条 and the 第二十条 items an office sends most; 第二十七条 has entries too."""
    evidence = [e for e in FULL.entries if e.kind != "negative"]
    grounds = " ".join(e.ground for e in evidence if e.kind == "proactive_category")
    for item in ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三", "十四", "十五"):
        assert f"条例第二十条第（{item}）项" in grounds, item
    assert "条例第十九条" in grounds
    assert any(e.kind == "narrow_scope" and "第二十七条" in e.ground for e in evidence)
    assert all(e.source and e.match_examples and e.no_match_examples for e in evidence)


def test_evidence_hits_carry_their_kind_and_ground():
    title = "关于调整2026年最低生活保障标准的通知"
    text = f"{title}\n你单位《关于延长施工期限的请示》收悉。最低生活保障资金另行下达。"
    hits = FULL.hits(text, HeaderFields(title=title))
    assert not any(h.kind == "proactive_category" and h.start > len(title) for h in hits)   # within = "title"
    kinds = {h.kind: h for h in hits}
    assert kinds["proactive_category"].ground == "条例第二十条第（十二）项"
    assert "主动公开目录" in kinds["proactive_category"].explanation
    assert kinds["narrow_scope"].ground == "条例第二十七条"
    assert all(text[h.start:h.end] == h.text for h in hits)


def test_a_title_on_two_lines_still_counts_for_title_entries():
    """The extracted 标题 joins the 发文机关 line and the 事由 line; a `within = "title"` entry still finds it."""
    text = "清河镇人民政府\n天然气管网接入协调会议纪要\n\n会议商定如下。"
    hits = FULL.hits(text, HeaderFields(title="清河镇人民政府天然气管网接入协调会议纪要"))
    assert [h.rule_id for h in hits if h.kind == "narrow_scope"] == ["NS-05"]


def _ids(text: str, title: str) -> set[str]:
    return {h.rule_id for h in FULL.hits(text, HeaderFields(title=title))}


def test_an_effective_date_is_no_category_in_an_internal_working_rule():
    """国办发〔2018〕37号: internal working rules are not 规范性文件, whatever their 施行 date (title_exclude)."""
    body = "\n\n一、各成员单位按季度报送。\n\n本规则自2025年3月1日起施行。"
    rule = "关于印发《市安委会成员单位联络员工作规则》的通知"
    policy = "关于印发《青江市临时救助实施细则》的通知"
    assert "PL-20-01B" not in _ids(rule + body, rule)
    assert "PL-20-01B" in _ids(policy + body, policy)


def test_explain_shows_which_title_phrase_cancelled_an_entry():
    title = "关于公开征求《青江市物业管理办法（征求意见稿）》意见的通告"
    text = title + "\n\n" + "现向社会各界征求意见。" * 10 + "附件：青江市物业管理办法（征求意见稿）"
    assert "NL-16-2-05" not in _ids(text, title)
    shown = [m for m in explain(FULL, text, HeaderFields(title=title)) if m.entry.id == "NL-16-2-05"]
    assert shown and all(m.excluded_by == "标题：公开征求" for m in shown)


@pytest.mark.parametrize(("addressees", "narrow"), [
    (["各乡镇人力资源和社会保障服务所", "县社会保险中心"], True),    # 社会保险 is an agency, not 社会
    (["西岭大学", "西岭师范大学"], True),
    (["市政府各部门", "各直属机构"], True),
    (["宁溪恒通精密机械有限公司等5家企业"], True),                  # named enterprises
    (["各有关企业"], False),                                        # the public
    (["社会各界"], False),
    (["各位领导"], False),
])
def test_scope_reads_the_addressee_line(addressees, narrow):
    from gongkai.pipeline.detect.base import DetectInput
    from gongkai.pipeline.detect.scope import find_scope
    text = "关于做好有关工作的通知\n\n" + "、".join(addressees) + "：\n\n现将有关事项通知如下。"
    hits = find_scope(DetectInput(text=text, fields=HeaderFields(addressees=addressees)))
    assert bool(hits) is narrow


@pytest.mark.parametrize("sentence", [
    "各单位要严格执行保密规定，严禁泄露国家秘密。",
    "加强个人隐私保护，依法保护个人信息。",
    "对举报人信息严格保密，依法保护举报人合法权益。",
    "现将《××市物业管理办法（征求意见稿）》全文公布，向社会公开征求意见。",
])
def test_ordinary_public_sentences_do_not_fire(sentence):
    assert DEFAULT.match(sentence, HeaderFields(doc_type="通知")) == []


def test_published_real_documents_do_not_fire():
    folder = shared_path("real-docs")
    manifest = {row["file"]: row for row in csv.DictReader((folder / "manifest.csv").open(encoding="utf-8"))}
    fired = []
    for path in sorted(folder.glob("*.txt")):
        row = manifest.get(path.name, {})
        fields = HeaderFields(doc_type=row.get("doc_type") or None, issuer=row.get("issuer") or None)
        text = path.read_text(encoding="utf-8")
        fired += [f"{path.name}: {m.entry.id} {m.context(text)}" for m in DEFAULT.match(text, fields)]
    assert fired == []


def test_doc_type_filter():
    report = "现将我局2025年上半年安全生产工作情况报告如下。"
    assert [m.entry.id for m in DEFAULT.match(report, HeaderFields(doc_type="报告"))] == ["NL-16-2-08"]
    assert DEFAULT.match(report, HeaderFields(doc_type="通知")) == []
    assert DEFAULT.match(report, HeaderFields()) == []      # unknown 文种 does not pass a filter


def test_phrase_broken_by_one_line_break_matches_and_span_covers_it():
    text = "此事关系重大。妥否，请批\n示。\n特此请\n示。"
    matches = DEFAULT.match(text)
    assert [(m.entry.id, m.text) for m in matches] == [("NL-16-2-03", "妥否，请批\n示"), ("NL-16-2-03", "特此请\n示")]
    assert all(text[m.start:m.end] == m.text for m in matches)
    assert DEFAULT.match("特此请\n\n示。") == []              # a blank line is a paragraph break, never joined


def test_overlapping_phrases_of_different_entries_are_all_found():
    text = "附件：局党组会议讨论记录（会后收回）"
    assert {m.entry.id for m in DEFAULT.match(text)} == {"NL-16-2-14", "NL-16-2-06"}


# ───────────── loader, merge, version ─────────────

OFFICE_LIST = """\
[list]
name = "某市审计局负面清单"
agency = "某市审计局"
version = "2025-1"
sources = ["某市审计局政务公开负面清单（2025年修订）"]

[[entry]]
id = "AUD-01"
item = "审计工作底稿"
situation = "审计组在现场审计中形成的工作底稿"
ground = "条例第十六条第二款"
reason_code = "process_info"
severity = "medium"
source = "某市审计局负面清单"
phrases = ["审计工作底稿", "审计取证单"]
examples = { match = ["附件：审计取证单（共5份）"], no_match = ["审计结果向社会公告。"] }

[[entry]]
id = "NL-16-2-03"
item = "请示报告"
situation = "本局报上级机关的请示（本局只认请示结尾语）"
ground = "条例第十六条第二款"
reason_code = "process_info"
severity = "low"
source = "某市审计局负面清单"
phrases = ["特此请示"]
examples = { match = ["特此请示。"], no_match = ["妥否，请批示。"] }
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_office_list_goes_on_top_and_overrides_by_id(tmp_path):
    office = _write(tmp_path, "office.toml", OFFICE_LIST)
    merged = load_negative_list([office])
    assert len(merged.entries) == len(FULL.entries) + 1
    assert merged.entry("AUD-01").item == "审计工作底稿"
    overridden = merged.entry("NL-16-2-03")
    assert overridden.severity == "low" and "本局只认" in overridden.situation
    assert [e.id for e in merged.entries].index("NL-16-2-03") == [e.id for e in FULL.entries].index("NL-16-2-03")
    assert merged.match("妥否，请批示。") == []               # the office's narrower entry replaced the default one
    assert [m.entry.id for m in merged.match("现将审计取证单报送。")] == ["AUD-01"]


def test_include_default_false_uses_only_the_office_lists(tmp_path):
    office = _write(tmp_path, "office.toml", OFFICE_LIST)
    only = load_negative_list([office], include_default=False)
    assert [e.id for e in only.entries] == ["AUD-01", "NL-16-2-03"]
    assert only.name == "某市审计局负面清单"
    with pytest.raises(NegativeListError, match="no negative list given"):
        load_negative_list([], include_default=False)


def test_version_is_the_sha256_of_the_files_used(tmp_path):
    office = _write(tmp_path, "office.toml", OFFICE_LIST)
    data = office.read_bytes()
    expected = hashlib.sha256(len(data).to_bytes(8, "big") + data).hexdigest()
    assert load_negative_list([office], include_default=False).version == expected
    assert load_negative_list([office]).version == load_negative_list([office]).version
    assert load_negative_list([office]).version != DEFAULT.version
    office.write_text(OFFICE_LIST.replace("审计取证单", "审计证据清单"), encoding="utf-8")
    assert load_negative_list([office], include_default=False).version != expected


def test_list_survives_pickling_for_worker_processes():
    clone = pickle.loads(pickle.dumps(DEFAULT))
    text = "附件：2025年度核心涉密人员名单"
    assert [m.entry.id for m in clone.match(text)] == [m.entry.id for m in DEFAULT.match(text)] == ["NL-BM-03"]


# ───────────── check: every problem with its line ─────────────

MALFORMED = """\
[list]
name = "有问题的清单"

[[entry]]
id = "X-01"
item = "拼错键名"
situation = "phrase 少了 s"
ground = "条例第十六条第二款"
reason_code = "process_info"
severity = "medium"
source = "测试"
phrase = ["讨论记录"]
examples = { match = ["讨论记录"], no_match = ["公告"] }

[[entry]]
id = "X-02"
item = "错误的理由和正则"
situation = "理由代码不存在，正则无效"
ground = "条例第十四条"
reason_code = "secret"
severity = "high"
source = "测试"
regex = ["(未闭合"]
examples = { match = ["未闭合"], no_match = ["无关"] }

[[entry]]
id = "X-01"
item = "重复的 id，空短语"
situation = "重复"
ground = "条例第十五条"
reason_code = "third_party"
severity = "high"
source = "测试"
phrases = ["商业秘密", ""]
examples = { match = ["商业秘密"], no_match = ["无关"] }

[[entry]]
id = "X-04"
item = "示例与声明不符"
situation = "match 示例不命中，no_match 示例命中"
ground = "条例第十六条第一款"
reason_code = "internal_affairs"
severity = "low"
source = "测试"
phrases = ["值班表"]
examples = { match = [
  "节假日安排另行通知",
], no_match = [
  "附件：春节值班表",
] }

[[entry]]
id = "X-05"
item = "没有任何匹配条件"
situation = "只有过滤条件"
ground = "条例第十六条第二款"
reason_code = "process_info"
severity = "medium"
source = "测试"
doc_types = ["请示"]
examples = { match = ["任何文字"], no_match = ["无关"] }
"""


def test_check_reports_every_problem_with_its_line(tmp_path):
    problems = check_negative_list(_write(tmp_path, "bad.toml", MALFORMED))
    found = [(p.line, p.message) for p in problems]

    def has(line: int, *words: str) -> bool:
        return any(n == line and all(w in message for w in words) for n, message in found)

    assert has(12, "unknown key 'phrase'", "did you mean 'phrases'"), found
    assert has(5, "X-01", "no match condition"), found
    assert has(20, "unknown reason_code 'secret'"), found
    assert has(23, "invalid regex '(未闭合'"), found
    assert has(27, "duplicate id 'X-01'", "first used on line 5"), found
    assert has(34, "phrases contains an empty string"), found
    assert has(47, "X-04", "does not match"), found
    assert has(49, "X-04", "matches although listed under no_match"), found
    assert has(53, "X-05", "no match condition"), found
    assert len(found) == 9, found
    assert all(p.file.endswith("bad.toml") for p in problems)


def test_check_reports_toml_syntax_errors_with_their_line(tmp_path):
    bad = _write(tmp_path, "syntax.toml", '[list]\nname = "x"\n\n[[entry]]\nid = "A"\nitem = 事项没有引号\n')
    [problem] = check_negative_list(bad)
    assert problem.line == 6 and "TOML syntax" in problem.message


def test_check_accepts_the_default_list_and_reports_unreadable_files(tmp_path):
    assert check_negative_list(DEFAULT_LIST_PATH) == []
    [missing] = check_negative_list(tmp_path / "absent.toml")
    assert "cannot read the list" in missing.message


def test_load_refuses_a_malformed_list_with_all_its_problems(tmp_path):
    bad = _write(tmp_path, "bad.toml", MALFORMED)
    with pytest.raises(NegativeListError) as info:
        load_negative_list([bad])
    assert len(info.value.problems) >= 8
    assert str(info.value).startswith("invalid negative list: ") and str(info.value).endswith("(and 8 more)")
    assert "bad.toml:5: entry X-01: no match condition" in str(info.value)


# ───────────── the one-pass matcher ─────────────

@pytest.mark.slow
def test_combined_automaton_of_1000_entries_equals_entries_one_by_one():
    bench = _bench_module()
    neglist = bench.load_generated_list(1000)
    assert len(neglist.entries) == 1000
    texts = [bench.generated_text(4000, seed) for seed in (1, 2)]
    for text in texts:
        for fields in (HeaderFields(), HeaderFields(doc_type="请示")):
            combined = {(m.entry.id, m.start, m.end, m.via) for m in neglist.match(text, fields)}
            alone = {(m.entry.id, m.start, m.end, m.via)
                     for entry in neglist.entries for m in Matcher([entry]).scan(text, fields.doc_type)}
            assert combined == alone
            assert len(combined) > 50


def test_regex_anchors_never_lose_a_match():
    bench = _bench_module()
    texts = [bench.generated_text(3000, 7)] + [e.text for entry in FULL.entries for e in entry.match_examples]
    plain = Matcher(FULL.entries, anchor_regexes=False)
    for text in texts:
        for doc_type in (None, "请示", "报告", "函", "纪要", "批复"):
            assert DEFAULT_MATCHER.scan(text, doc_type) == plain.scan(text, doc_type)


@pytest.mark.parametrize(("pattern", "anchors"), [
    ("[妥当]否[，,]?\\s*请(?:批示|批复)", ("请批复", "请批示")),
    ("(?:已)?定为(?:秘密|机密)级", ("定为机密级", "定为秘密级")),
    ("密\\s*级[：:]", ("级:", "级：")),
    (".{2,}", None),
    ("(?i)abc", None),
    ("a|", None),
])
def test_required_literals(pattern, anchors):
    assert required_literals(pattern) == anchors


def test_cooccur_terms_must_fall_within_the_window():
    terms = [(2, 0, 0), (35, 30, 1), (202, 200, 0), (405, 400, 1)]     # (end, start, slot)
    assert list(cooccur_windows(terms, 2, 80)) == [(0, 35)]
    entry = DEFAULT.entry("NL-14-12")
    near = "本项目房屋征收社会稳定风险评估报告：风险等级为低风险。"
    far = "本项目房屋征收" + "。" * 150 + "社会稳定风险评估报告：风险等级为低风险。"
    [match] = DEFAULT.match(near)
    assert match.entry is entry and match.text == near[match.start:match.end] and match.text.startswith("征收")
    assert DEFAULT.match(far) == []


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["特此请示", "妥否，请批", "示", "\n", "工作秘密", "严禁泄露", "会议", "。", "本文件属于国家秘密",
                                 "涉密人员名单", "主持人：王某", "记录人：李某", "x", "（讨论稿）"]), max_size=30))
def test_matches_always_index_the_given_text(parts):
    text = "".join(parts)
    for match in DEFAULT.match(text, HeaderFields(doc_type="报告")):
        assert text[match.start:match.end] == match.text and match.start < match.end


# ───────────── detector and explain ─────────────

DRAFT = """\
云州市财政局
关于申请追加预算的请示

市人民政府：
    经局党组会议研究，拟申请追加专项经费300万元，用于……。本材料属于工作秘密。
    妥否，请批示。

云州市财政局
2025年3月5日
"""


def test_detector_reports_hits_with_ground_and_reason():
    detect = registry.build(DetectConfig(), ["negative_list"])
    hits = detect(DRAFT, HeaderFields(doc_type="请示", issuer="云州市财政局"))
    assert [(h.rule_id, h.text) for h in hits] == [("NL-GZ-01", "工作秘密"), ("NL-16-2-03", "妥否，请批示")]
    request = hits[1]
    assert request.kind == "negative_list" and request.ground == "条例第十六条第二款" and request.severity == "medium"
    assert request.explanation == "负面清单 NL-16-2-03「请示报告」: 报上级机关的请示（属于四类过程性信息）"
    assert reason_code_in(request.explanation) == DEFAULT.entry(request.rule_id).reason_code == "process_info"
    assert all(DRAFT[h.start:h.end] == h.text for h in hits)


def test_detector_uses_the_configured_list(tmp_path):
    office = load_negative_list([_write(tmp_path, "office.toml", OFFICE_LIST)], include_default=False)
    detect = registry.build(DetectConfig(negative_list=office), ["negative_list"])
    assert [h.rule_id for h in detect(DRAFT)] == []
    assert [h.rule_id for h in detect("附件：审计取证单")] == ["AUD-01"]
    with pytest.raises(TypeError, match="must be a NegativeList"):
        registry.build(DetectConfig(negative_list="office.toml"), ["negative_list"])


def test_explain_shows_cancelled_matches_and_context():
    text = "各单位要严格保守工作秘密。本材料属于工作秘密，请妥善保管。"
    matches = explain(DEFAULT, text)
    assert [(m.entry.id, m.excluded_by) for m in matches] == [("NL-GZ-01", "保守工作秘密"), ("NL-GZ-01", None)]
    report = format_matches(matches, text)
    assert "NL-GZ-01「工作秘密」" in report and "cancelled by exclude「保守工作秘密」" in report
    assert "…各单位要严格保守【工作秘密】。本材料属于工作秘密，请妥善保管。…" in report
    assert "source: 郴州市审计局负面清单" in report
    assert format_matches([], text) == "no negative-list entry matches"


def test_negative_list_is_a_plain_dataclass_with_lookup():
    assert isinstance(DEFAULT, NegativeList)
    assert DEFAULT.entry("NL-16-2-03").reason == "属于四类过程性信息"
    with pytest.raises(KeyError, match="no entry 'NL-00'"):
        DEFAULT.entry("NL-00")
