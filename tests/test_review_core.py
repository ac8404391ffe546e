"""Review decisions: confirmations, four eyes, stale decisions, leases, undo, the append-only log."""
from __future__ import annotations

import pytest

from gongkai.pipeline import review, store
from tests.helpers import add_item, mark


@pytest.fixture
def db(tmp_path):
    return store.connect(tmp_path / "w.sqlite")


def test_decision_then_identical_decision_by_another_reviewer_is_a_confirmation(db):
    i = add_item(db, "b", "关于开展消防安全检查的通知")
    assert review.decide(db, i, "proactive", "王敏", reason="普发性通知") == "decided"
    assert review.decide(db, i, "proactive", "李华") == "confirmed"
    actions = [r["action"] for r in review.history(db, i)]
    assert actions == ["decide", "confirm"]
    assert review.state_of(db, i).final_attribute == "proactive"


def test_same_reviewer_deciding_twice_the_same_is_refused(db):
    i = add_item(db, "b", "关于调整办公用房的通知")
    review.decide(db, i, "on_request", "王敏", reason="内部管理")
    with pytest.raises(review.ReviewError, match="already decided"):
        review.decide(db, i, "on_request", "王敏", reason="again")


def test_non_disclosure_needs_ground_and_reason(db):
    i = add_item(db, "b", "关于追加专项资金的请示")
    with pytest.raises(review.ReviewError, match="ground"):
        review.decide(db, i, "non_disclosure", "王敏")
    assert review.decide(db, i, "non_disclosure", "王敏", reason="请示，过程性信息",
                         ground="条例第十六条第二款") == "decided"
    state = review.state_of(db, i)
    assert state.final_attribute == "non_disclosure" and state.final_ground == "条例第十六条第二款"


def test_four_eyes_for_a_secret_marked_document(db):
    text = "机密★5年\n关于民兵编组的通知"
    i = add_item(db, "b", text, proposed="non_disclosure", hits=[mark("secrecy_mark", "机密★5年")])
    assert review.decide(db, i, "on_request", "王敏", reason="已解密") == "awaits second reviewer"
    state = review.state_of(db, i)
    assert state.awaiting_second and state.final_attribute is None and state.label == "awaits second reviewer"
    with pytest.raises(review.ReviewError, match="four eyes need two people"):   # same OS account, another name
        review.decide(db, i, "on_request", "李华", reason="核实已解密")
    assert review.decide(db, i, "on_request", "李华", reason="核实已解密", account="lihua") == "confirmed"
    assert review.state_of(db, i).final_attribute == "on_request"


def test_four_eyes_does_not_apply_to_withholding(db):
    i = add_item(db, "b", "内部资料\n关于某事项的通知", hits=[mark("internal_mark", "内部资料")])
    review.decide(db, i, "non_disclosure", "王敏", reason="内部事务", ground="internal_affairs")
    assert review.state_of(db, i).final_attribute == "non_disclosure"


def test_overriding_flagged_hits_needs_a_reason(db):
    i = add_item(db, "b", "内部资料 注意保存\n通知", hits=[mark("internal_mark", "内部资料")])
    with pytest.raises(review.ReviewError, match="needs a reason"):
        review.decide(db, i, "proactive", "王敏")


def test_stale_decision_is_refused(db):
    i = add_item(db, "b", "关于春节值班安排的通知")
    opened = review.state_of(db, i).version
    review.decide(db, i, "on_request", "李华", reason="内部值班", expected_version=opened)
    with pytest.raises(review.ReviewError, match="changed since you opened it"):
        review.decide(db, i, "proactive", "王敏", reason="x", expected_version=opened)
    assert review.state_of(db, i).final_attribute == "on_request"


def test_contradicting_another_reviewer_needs_override(db):
    i = add_item(db, "b", "关于道路养护的通报")
    review.decide(db, i, "on_request", "李华", reason="特定对象")
    with pytest.raises(review.ReviewError, match="--override"):
        review.decide(db, i, "proactive", "王敏", reason="普发")
    review.decide(db, i, "proactive", "王敏", reason="普发", override=True)
    assert review.state_of(db, i).final_attribute == "proactive"


def test_lease_blocks_other_sessions_until_released(db):
    i = add_item(db, "b", "关于河道清淤的函")
    assert review.acquire_lease(db, i, "王敏", "s1")
    assert not review.acquire_lease(db, i, "李华", "s2")
    with pytest.raises(review.ReviewError, match="open in 王敏's review session"):
        review.decide(db, i, "proactive", "李华", session="s2")
    review.release_lease(db, i, "s1")
    assert review.acquire_lease(db, i, "李华", "s2")


def test_expired_lease_does_not_block(db):
    i = add_item(db, "b", "关于路灯维护的函")
    assert review.acquire_lease(db, i, "王敏", "s1", seconds=-1)
    assert review.acquire_lease(db, i, "李华", "s2")


def test_undo_is_appended_and_restores_pending(db):
    i = add_item(db, "b", "关于公开招聘教师的公告")
    review.decide(db, i, "proactive", "王敏", reason="招聘公告")
    review.undo(db, i, "王敏")
    state = review.state_of(db, i)
    assert state.current is None and state.label == "pending"
    assert [r["action"] for r in review.history(db, i)] == ["decide", "undo"]


def test_frozen_batch_refuses_decisions(db):
    i = add_item(db, "b", "关于秋季防火的通告")
    db.execute("UPDATE batches SET frozen = 1 WHERE name = 'b'")
    with pytest.raises(review.ReviewError, match="frozen"):
        review.decide(db, i, "proactive", "王敏")


def test_item_that_needed_no_review_is_final_with_its_proposal(db):
    i = add_item(db, "b", "关于印发工作要点的通知", needs_review=False)
    assert review.state_of(db, i).final_attribute == "proactive"


def test_audit_rows_carry_versions(db):
    i = add_item(db, "b", "关于发放补贴的通知")
    review.decide(db, i, "proactive", "王敏", reason="x")
    row = review.history(db, i)[0]
    assert (row["model_version"], row["negative_list_version"]) == ("m1", "n1")
    assert row["from_attribute"] == "proactive" and row["to_attribute"] == "proactive"


def test_reviewer_name_falls_back_to_environment_then_os_user(monkeypatch):
    monkeypatch.setenv("GONGKAI_REVIEWER", "赵敏")
    assert review.reviewer_name(None) == "赵敏"
    assert review.reviewer_name("王敏") == "王敏"
    monkeypatch.delenv("GONGKAI_REVIEWER")
    assert review.reviewer_name(None)
