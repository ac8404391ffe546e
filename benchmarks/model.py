"""Which model the benchmark runs: the shipped `models/default`, or a stand-in trained on corpus/docs.

Throughput does not depend on what a model learned (TextCatBOW's cost is set by
its n-gram hashing, not its weights), so while `models/default` does not exist
the benchmark trains a small stand-in with `train.fit` on corpus/docs, cached
under benchmarks/data/, and says so in its output. Labels come from
corpus/docs/labels.csv when present, else from each draft's 附注 and 文种.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from benchmarks.corpus import CORPUS, DATA, load_source

STAND_IN_EPOCHS = 3
# 文种 → a plausible attribute, only for drafts whose 附注 declares none (stand-in labels).
_TYPE_LABEL = {"请示": "non_disclosure", "报告": "non_disclosure", "纪要": "non_disclosure",
               "函": "on_request", "批复": "on_request"}


@dataclass
class ModelChoice:
    path: Path
    description: str


def choose_model(log=print) -> ModelChoice:
    from gongkai.pipeline.classify.model import DEFAULT_MODEL

    if (DEFAULT_MODEL / "config.cfg").exists():
        return ModelChoice(DEFAULT_MODEL, f"models/default ({_version(DEFAULT_MODEL)})")
    folder = DATA / f"model-standin-{load_source().digest}"
    if not (folder / "config.cfg").exists():
        log("models/default is absent: training a stand-in model on corpus/docs …")
        _train_stand_in(folder)
    return ModelChoice(folder, f"stand-in trained on corpus/docs ({STAND_IN_EPOCHS} epochs; "
                               "models/default absent)")


def _version(folder: Path) -> str:
    try:
        return json.loads((folder / "gongkai.json").read_text(encoding="utf-8")).get("version", "?")
    except (OSError, ValueError):
        return "no gongkai.json"


def corpus_examples(limit: int | None = None) -> list:
    """Labelled examples of corpus/docs: the manifest's labels, or stand-in labels from 附注/文种."""
    from gongkai.pipeline.classify.corpus import Example, load_corpus

    if (CORPUS / "labels.csv").exists():
        return load_corpus(CORPUS)[:limit]
    from gongkai.pipeline.extract import extract_fields

    examples = []
    for path in sorted(CORPUS.glob("*.txt"))[:limit]:
        text = path.read_text(encoding="utf-8")
        fields = extract_fields(text)
        label = fields.declared_attribute or _TYPE_LABEL.get(fields.doc_type or "", "proactive")
        examples.append(Example(path=str(path), text=text, label=label))
    return examples


def train_small(examples: list, epochs: int):
    """`train.fit` with few epochs (see the module docstring for why that is enough here)."""
    from gongkai.pipeline.classify.train import TrainConfig, fit

    return fit(examples, TrainConfig(epochs=epochs))


def _train_stand_in(folder: Path) -> None:
    from gongkai.pipeline.classify.train import save_model

    examples = corpus_examples()
    nlp = train_small(examples, STAND_IN_EPOCHS)
    save_model(nlp, folder, {"name": folder.name, "version": folder.name, "thresholds": {},
                             "note": "benchmark stand-in; labels are not reviewed"})
