"""Training: a small slice trains, saves and reloads to the same predictions; from-db adds reviewed documents."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from gongkai.pipeline.classify.corpus import Example, load_corpus
from gongkai.pipeline.classify.model import load_classifier
from gongkai.pipeline.classify.session import train
from gongkai.pipeline.classify.train import TrainConfig, fit
from tests.test_cli_batch import run

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


@pytest.fixture(scope="module")
def slice_() -> list[Example]:
    examples = load_corpus(CORPUS)
    by_label: dict[str, list[Example]] = {}
    for e in examples:
        by_label.setdefault(e.label, []).append(e)
    return [e for group in by_label.values() for e in group[:12]]


@pytest.mark.slow
def test_overfit_save_reload_gives_the_same_predictions(slice_, tmp_path):
    result = train(slice_, tmp_path / "small", cv=0, config=TrainConfig(epochs=15))
    clf = load_classifier(tmp_path / "small")
    texts = [e.text for e in slice_]
    reloaded = clf.predict_many(texts)
    right = sum(max(p, key=p.get) == e.label for p, e in zip(reloaded, slice_))
    assert right / len(slice_) >= 0.9                       # it learned its training data
    again = fit(slice_, TrainConfig(epochs=15))             # same seed, same model
    from gongkai.pipeline.classify.model import Classifier
    fresh = Classifier(nlp=again, path=tmp_path).predict_many(texts)
    for a, b in zip(reloaded, fresh):
        assert a == pytest.approx(b, abs=1e-6)
    assert result.meta["examples"] == {"proactive": 12, "on_request": 12, "non_disclosure": 12}


def test_fast_doc_construction_scores_like_nlp_pipe(slice_, tmp_path):
    train(slice_, tmp_path / "m", cv=0, config=TrainConfig(epochs=3))
    clf = load_classifier(tmp_path / "m")
    texts = [e.text for e in slice_[:10]] + ["关于 印发\n\n《工作要点》的通知　各单位："]
    for fast, docs, careful in zip(clf.predict_many(texts), clf.predict_docs(texts), clf.predict_careful(texts)):
        assert fast == pytest.approx(careful, abs=1e-6)
        assert docs == pytest.approx(careful, abs=1e-6)


@pytest.mark.slow
def test_cli_train_writes_model_card_and_from_db_adds_reviewed_documents(tmp_path):
    box = tmp_path / "inbox"
    box.mkdir()
    (box / "a.txt").write_text("临江市教育局\n关于追加校舍改造资金的请示\n市人民政府：\n妥否，请批示。\n2026年3月1日", encoding="utf-8")
    db = tmp_path / "work.sqlite"
    run("classify", str(box), "--db", str(db), "--batch", "b", "--workers", "1")
    item = json.loads(run("export", "--db", str(db)).stdout.splitlines()[0])["id"]
    run("review", "decide", str(item), "--db", str(db), "--attribute", "non_disclosure", "--ground",
        "process_info", "--reason", "请示", "--reviewer", "王敏")
    small = tmp_path / "small_corpus"
    (small / "docs").mkdir(parents=True)
    rows = ["file,label,ground,doc_type,source"]
    for path in sorted((CORPUS / "docs").glob("c1_0[0-4]*.txt"))[:30]:
        (small / "docs" / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
        label = next(l for l in (CORPUS / "labels.csv").read_text(encoding="utf-8").splitlines()
                     if l.startswith(f"docs/{path.name},")).split(",")[1]
        rows.append(f"docs/{path.name},{label},,,test")
    (small / "labels.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "models" / "office"
    run("train", "--corpus", str(small), "--from-db", str(db), "--out", str(out), "--cv", "2", "--epochs", "3",
        "--holdout", "0")
    meta = json.loads((out / "gongkai.json").read_text(encoding="utf-8"))
    assert meta["sources"] == {"test": 30, "review": 1}
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "Cross-validated metrics (2-fold)" in card and meta["version"] in card
    compared = json.loads(run("evaluate", "--corpus", str(small), "--model", str(out), "--compare", str(out),
                              "--json").stdout)
    assert list(compared) == [meta["version"]]  # the same model twice: one entry
    proc = run("classify", str(box), "--db", str(tmp_path / "w2.sqlite"), "--batch", "b", "--model", str(out),
               "--workers", "1")
    assert "files found" in proc.stdout
    exported = json.loads(run("export", "--db", str(tmp_path / "w2.sqlite")).stdout.splitlines()[0])
    assert exported["model_version"] == meta["version"]
