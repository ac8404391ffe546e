"""The shipped model meets the figures its card states, on the corpus slice it never saw."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from gongkai.pipeline.classify.corpus import Example, load_corpus
from gongkai.pipeline.classify.model import DEFAULT_MODEL, META_FILE
from gongkai.pipeline.classify.session import evaluate
from tests.conftest import SHARED

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def meta() -> dict:
    return json.loads((DEFAULT_MODEL / META_FILE).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def held_out(meta):
    held = {h for h in meta["holdout"] if h.startswith("corpus/")}
    examples = [e for e in load_corpus(REPO / "corpus") if str(Path(e.path).relative_to(REPO)) in held]
    assert len(examples) == len(held) >= 60
    return examples


@pytest.fixture(scope="module")
def held_out_published(meta):
    """The published documents (../shared) held out of training: read in place, skipped when absent."""
    from gongkai.pipeline.ingest import parse

    paths = [SHARED / h.split("shared/", 1)[1] for h in meta["holdout"] if "shared/" in h]
    if not paths or not paths[0].exists():
        pytest.skip("../shared is not present (a user's clone has no shared data)")
    return [Example(path=str(p), text=parse(p.read_bytes(), p.name).text, label="proactive") for p in paths]


def test_card_states_the_cross_validated_figures(meta):
    cv = meta["cv"]
    assert cv["leak_count"] == 0                     # an honest estimate: each fold judged by the others' thresholds
    assert cv["macro_f1"] >= 0.93                    # issue #11's targets, on the card
    assert cv["review_rate_no_rules"] <= 0.10
    card = (DEFAULT_MODEL / "README.md").read_text(encoding="utf-8")
    assert f"**{cv['macro_f1']:.3f}**" in card and meta["version"] in card
    for figures in meta["cross_fitted"].values():   # published folders, each document scored unseen
        assert figures["unreviewed"]["on_request"] == figures["unreviewed"]["non_disclosure"] == 0
        assert figures["unreviewed"]["proactive"] >= 0.95 * figures["n"]    # the rest: reviewed for a detector hit


def test_published_documents_held_out_are_proposed_proactive(held_out_published):
    metrics, _ = evaluate(held_out_published, None)
    assert metrics.unreviewed["on_request"] == metrics.unreviewed["non_disclosure"] == 0
    assert metrics.unreviewed["proactive"] >= 0.9 * metrics.n


def test_shipped_model_on_the_held_out_slice(held_out, meta):
    metrics, version = evaluate(held_out, None)
    assert version == meta["version"]
    assert metrics.leaks == []                       # the one mistake never allowed
    assert metrics.macro_f1 >= 0.88                  # 0.93 by cross-validation; a 95-document slice is noisier


def test_shipped_model_on_drafts_by_authors_who_never_saw_the_corpus():
    """corpus/unseen: two other authors' drafts, never in training (corpus/README.md says how they were used)."""
    examples = load_corpus(REPO / "corpus" / "unseen")
    assert len(examples) >= 90
    metrics, _ = evaluate(examples, None)
    assert metrics.leaks == []
    assert metrics.macro_f1 >= 0.93
    assert metrics.review_rate_no_rules <= 0.15
