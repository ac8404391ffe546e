"""The decision policy: one test per routing rule (docs/decision-policy.md)."""
from __future__ import annotations

import pytest

from gongkai.pipeline.classify.policy import DEFAULT_THRESHOLDS, FIFTH, PolicyInput, decide
from gongkai.records import EVIDENCE_KINDS, HeaderFields, Hit

CONFIDENT_PUBLIC = {"proactive": 0.97, "on_request": 0.02, "non_disclosure": 0.01}
LEANS_ON_REQUEST = {"proactive": 0.2, "on_request": 0.75, "non_disclosure": 0.05}
THRESHOLDS = {"non_disclosure": 0.3, "on_request": 0.5}


def hit(kind: str, text: str = "x", severity: str = "high", rule_id: str = "r", ground: str = "条例") -> Hit:
    return Hit(kind=kind, rule_id=rule_id, text=text, start=0, end=len(text), ground=ground, severity=severity)


CATEGORY = hit("proactive_category", "最低生活保障", "low", "PL-20-12", "条例第二十条第（十二）项")
NARROW = hit("narrow_scope", "你公司", "low", "NS-01", "条例第二十七条")


def run(**kwargs):
    kwargs.setdefault("probabilities", CONFIDENT_PUBLIC)
    kwargs.setdefault("thresholds", THRESHOLDS)
    return decide(PolicyInput(**kwargs))


def test_confident_public_document_without_hits_is_not_reviewed():
    p = run(fields=HeaderFields(doc_type="通知"))
    assert p.proposed_attribute == "proactive"
    assert not p.needs_review
    assert p.review_reasons == []
    assert "主动公开" in p.explanation
    assert FIFTH in p.explanation                     # no exception found: openness is the norm


@pytest.mark.parametrize("kind", sorted(k for k, v in EVIDENCE_KINDS.items() if v.review))
def test_every_risk_hit_sends_to_review(kind):
    p = run(hits=[hit(kind, severity="medium")])
    assert p.needs_review
    assert p.review_reasons


def test_secrecy_mark_fixes_the_proposal_to_non_disclosure_with_state_secret_ground():
    p = run(hits=[hit("secrecy_mark", "机密★5年")], fields=HeaderFields(secrecy="机密★5年"))
    assert p.proposed_attribute == "non_disclosure"
    assert p.ground == "state_secret"
    assert p.needs_review
    assert "机密★5年" in p.explanation and "条例第十四条" in p.explanation


def test_secrecy_field_alone_is_enough():
    p = run(fields=HeaderFields(secrecy="秘密★1年"))
    assert p.proposed_attribute == "non_disclosure" and p.needs_review


def test_high_severity_negative_list_hit_proposes_non_disclosure():
    p = run(hits=[hit("negative_list", "稳定风险评估", rule_id="NL-14-05")])
    assert p.proposed_attribute == "non_disclosure"
    assert p.needs_review
    assert "NL-14-05" in p.explanation


def test_medium_negative_list_hit_keeps_model_proposal_but_reviews():
    p = run(hits=[hit("negative_list", "工作秘密", severity="medium")])
    assert p.proposed_attribute == "proactive"
    assert p.needs_review


def test_every_non_disclosure_proposal_is_reviewed():
    p = run(probabilities={"proactive": 0.01, "on_request": 0.01, "non_disclosure": 0.98},
            fields=HeaderFields(doc_type="请示"))
    assert p.proposed_attribute == "non_disclosure"
    assert p.needs_review
    assert p.ground == "process_info"
    assert "理由：属于四类过程性信息（条例第十六条第二款）" in p.explanation


@pytest.mark.parametrize("status,error", [("unreadable", "no text layer (image-only or scanned pages)"),
                                          ("error", "encrypted: a password is required")])
def test_unread_items_are_reviewed_without_a_proposal(status, error):
    p = run(status=status, error=error, probabilities={})
    assert p.proposed_attribute is None
    assert p.needs_review
    assert error in p.review_reasons[0]


def test_a_confident_model_is_not_a_ground_for_withholding_it_only_sends_to_review():
    p = run(probabilities={"proactive": 0.6, "on_request": 0.05, "non_disclosure": 0.35})
    assert p.proposed_attribute == "proactive" and p.needs_review
    assert any("不予公开的概率 0.35" in r for r in p.review_reasons)


def test_without_calibrated_thresholds_the_default_applies():
    p = run(probabilities={"proactive": 0.7, "on_request": 0.0, "non_disclosure": DEFAULT_THRESHOLDS["non_disclosure"]},
            thresholds={})
    assert p.needs_review


def test_on_request_without_narrow_scope_evidence_goes_to_review():
    p = run(probabilities=LEANS_ON_REQUEST)
    assert p.proposed_attribute == "on_request" and p.needs_review
    assert any("条例第二十七条" in r for r in p.review_reasons)


def test_a_weak_on_request_lean_without_evidence_is_proposed_proactive():
    p = run(probabilities={"proactive": 0.35, "on_request": 0.45, "non_disclosure": 0.2})
    assert p.proposed_attribute == "proactive" and not p.needs_review


def test_on_request_with_narrow_scope_evidence_names_article_27():
    p = run(probabilities=LEANS_ON_REQUEST, hits=[NARROW])
    assert p.proposed_attribute == "on_request" and not p.needs_review
    assert "条例第二十七条" in p.explanation and "NS-01" in p.explanation


def test_a_proactive_category_is_never_proposed_on_request_without_review():
    p = run(probabilities=LEANS_ON_REQUEST, hits=[NARROW, CATEGORY])
    assert p.needs_review
    assert any("证据冲突" in r and "PL-20-12" in r for r in p.review_reasons)


def test_a_proactive_category_overrides_a_lean_without_narrow_scope():
    p = run(probabilities=LEANS_ON_REQUEST, hits=[CATEGORY])
    assert p.proposed_attribute == "on_request" and p.needs_review    # the model leans: a reviewer decides
    q = run(hits=[CATEGORY])
    assert q.proposed_attribute == "proactive" and not q.needs_review
    assert "条例第二十条第（十二）项" in q.explanation


@pytest.mark.parametrize("kind", ["internal_affairs", "process_info"])
def test_internal_affairs_and_process_information_always_reach_a_reviewer_with_their_ground(kind):
    """第十六条 says "may withhold": the evidence is reviewed and gives the ground, the reviewer decides."""
    evidence = hit(kind, "本局干部职工", "medium", "IA-02", "条例第十六条第一款")
    for probabilities in (CONFIDENT_PUBLIC, LEANS_ON_REQUEST):
        p = run(hits=[evidence], probabilities=probabilities)
        assert p.needs_review and p.proposed_attribute in ("proactive", "on_request")
        assert "另有可不予公开的证据（条例第十六条第一款）" in p.explanation and FIFTH not in p.explanation
    q = run(hits=[evidence], probabilities={"proactive": 0.1, "on_request": 0.2, "non_disclosure": 0.7})
    assert q.proposed_attribute == "non_disclosure" and q.needs_review and q.ground == kind


def test_a_kind_nobody_declared_fails_safe():
    p = run(hits=[hit("office_watchlist", "某事项", "low")])
    assert p.needs_review
    assert any("未声明的证据类型 office_watchlist" in r for r in p.review_reasons)


def test_no_model_means_review():
    p = run(probabilities={})
    assert p.needs_review and p.proposed_attribute is None


@pytest.mark.parametrize("flag", ["tracked_changes", "comments", "scanned_pages", "garbled_pages", "truncated"])
def test_tracked_changes_and_comments_are_reviewed(flag):
    assert run(flags=[flag]).needs_review


def test_declared_attribute_disagreeing_with_the_proposal_is_reviewed():
    p = run(fields=HeaderFields(declared_attribute="on_request", declared_text="（此件依申请公开）"))
    assert p.needs_review
    assert any("附注声明依申请公开" in r for r in p.review_reasons)


def test_declared_partial_disclosure_is_reviewed():
    p = run(fields=HeaderFields(declared_attribute="proactive", declared_text="（此件删减后公开）"))
    assert p.needs_review


def test_personal_data_reason_names_partial_disclosure():
    p = run(hits=[hit("personal_id"), hit("personal_id"), hit("mobile")])
    assert any("身份证号×2" in r and "条例第三十七条" in r for r in p.review_reasons)


@pytest.mark.parametrize("fields", [HeaderFields(doc_type="请示"), HeaderFields(doc_type="报告", signer="邵光明")])
def test_upward_documents_proposed_public_are_reviewed(fields):
    p = run(fields=fields)
    assert p.proposed_attribute == "proactive" and p.needs_review
    assert any("过程性信息" in r for r in p.review_reasons)


def test_a_reviewer_choosing_non_disclosure_starts_from_the_evidences_ground():
    """The review screen's default ground when the proposal was not 不予公开 (grounds.ground_of_hits)."""
    from gongkai.pipeline.grounds import ground_of_hits

    negative = {"kind": "negative_list", "explanation": "负面清单 NL-16-2-03「请示」: 请示件（属于四类过程性信息）"}
    assert ground_of_hits([{"kind": "narrow_scope"}, {"kind": "internal_affairs"}]) == "internal_affairs"
    assert ground_of_hits([{"kind": "mobile"}, negative]) == "process_info"
    assert ground_of_hits([{"kind": "commercial_secret"}]) == "third_party"
    assert ground_of_hits([{"kind": "narrow_scope"}, {"kind": "proactive_category"}]) is None
