"""The fast paths give the same answers as the obvious ones.

- The classifier's Doc-from-characters path scores like plain `nlp.pipe` (within 1e-6).
- `classify_batch` writes the same database whether one worker or two did the work.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.corpus import CORPUS, format_of
from benchmarks.model import corpus_examples, train_small
from gongkai.pipeline import store
from gongkai.pipeline.batch import classify_batch
from gongkai.pipeline.classify.model import DEFAULT_MODEL, load_classifier
from gongkai.pipeline.export import records
from gongkai.pipeline.process import Settings
from tests.helpers import derived_drafts

pytestmark = pytest.mark.slow
DOCS = 30


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> Path:
    """models/default when installed, else a tiny model trained on a slice of corpus/docs."""
    if (DEFAULT_MODEL / "config.cfg").exists():
        return DEFAULT_MODEL
    if not any(CORPUS.glob("*.txt")):
        pytest.skip("corpus/docs has no drafts to train a model on")
    from gongkai.pipeline.classify.train import save_model

    out = tmp_path_factory.mktemp("model") / "tiny"
    save_model(train_small(corpus_examples()[::8], epochs=2), out, {"version": "tiny"})
    return out


@pytest.fixture(scope="module")
def built_batch(tmp_path_factory) -> Path:
    """~30 drafts derived from corpus/docs, in PDF, DOCX, UTF-8 and GB18030 TXT."""
    return derived_drafts(tmp_path_factory, "batch", DOCS, format_of)


def test_fast_classifier_scores_equal_nlp_pipe(model_dir):
    classifier = load_classifier(model_dir)
    texts = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))[::60]]
    texts.append("关于做好2025年\n普通高中招生工作的通知\n\n各设区市教育局：\n　　现就有关事项通知如下。")
    texts.append("X光机采购项目的通知 I 类")             # single letters the vocab keeps as symbols (small ids)
    texts.append("关于𠀀字库扩展B区用字的通知")            # outside the BMP: the Doc path
    assert classifier.scores_without_doc                    # so `predict` below is the Doc-free path
    fast = [classifier.predict(t) for t in texts]           # one at a time, as the pipeline calls it
    docs, plain = classifier.predict_docs(texts), classifier.predict_careful(texts)
    assert all(set(f) == {"proactive", "on_request", "non_disclosure"} for f in fast)
    for one, other, doc in zip(fast, plain, docs):
        assert one.keys() == other.keys() == doc.keys()
        assert max(abs(one[k] - other[k]) for k in one) <= 1e-6
        assert max(abs(one[k] - doc[k]) for k in one) <= 1e-6


def test_whitespace_only_text_gives_no_scores_either_way(model_dir):
    classifier = load_classifier(model_dir)
    assert classifier.predict_many([" \n\u3000"]) == classifier.predict_careful([" \n\u3000"]) == [{}]
    assert classifier.predict_docs([" \n\u3000"]) == [{}]


def _exported(db_path: Path) -> list[dict]:
    rows = list(records(store.connect(db_path, create=False), "bench"))
    return [{k: v for k, v in row.items() if not k.endswith("_at")} for row in rows]


def test_one_and_two_workers_write_the_same_database(built_batch, model_dir, tmp_path):
    settings = Settings(model_path=str(model_dir))
    for workers in (1, 2):
        summary = classify_batch([str(built_batch)], tmp_path / f"w{workers}.sqlite", "bench", settings,
                                 workers=workers)
        assert summary.processed == DOCS
    one, two = _exported(tmp_path / "w1.sqlite"), _exported(tmp_path / "w2.sqlite")
    assert {r["format"] for r in one} == {"pdf", "docx", "txt"}
    assert {r["encoding"] for r in one if r["format"] == "txt"} >= {"utf-8", "gb18030"}
    assert all(r["status"] == "ok" and r["proposed_attribute"] for r in one)
    assert sum(len(r["hits"]) for r in one) > 0
    assert one == two
