"""Train the spaCy text classifier, cross-validate it, calibrate the review thresholds."""
from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from gongkai.pipeline.classify.corpus import Example
from gongkai.pipeline.classify.model import LABELS, META_FILE, Classifier, normalise

SEED = 20261122
EPOCHS = 20
NGRAM_SIZE = 2          # character uni- and bigrams (trigrams overfit this corpus: lower CV accuracy)
TEXTCAT_CONFIG = {
    "@architectures": "spacy.TextCatBOW.v3",
    "exclusive_classes": True,
    "ngram_size": NGRAM_SIZE,
    "no_output_layer": False,
    "length": 262144,
}
# The length-normalised spaCy alternative: mean-pooled character embeddings (docs/model-selection.md).
REDUCE_CONFIG = {
    "@architectures": "spacy.TextCatReduce.v1",
    "exclusive_classes": True,
    "use_reduce_first": False, "use_reduce_last": False, "use_reduce_max": False, "use_reduce_mean": True,
    "tok2vec": {
        "@architectures": "spacy.Tok2Vec.v2",
        "embed": {"@architectures": "spacy.MultiHashEmbed.v2", "width": 64, "attrs": ["ORTH"], "rows": [20000],
                  "include_static_vectors": False},
        "encode": {"@architectures": "spacy.MaxoutWindowEncoder.v2", "width": 64, "window_size": 1,
                   "maxout_pieces": 3, "depth": 2},
    },
}
# linear: the shipped model (classify/linear.py); bow and reduce: spaCy's textcat, compared against it.
ARCHITECTURES = ("linear", "bow", "reduce")


@dataclass
class TrainConfig:
    seed: int = SEED
    epochs: int = EPOCHS
    batch_size: int = 16
    dropout: float = 0.3
    architecture: str = "linear"


def build_nlp(architecture: str = "linear"):
    import spacy

    from gongkai.pipeline.classify.linear import NAME as LINEAR

    nlp = spacy.blank("zh")  # char segmenter: no downloaded data needed
    if architecture == "linear":
        nlp.add_pipe(LINEAR, config={"labels": list(LABELS)})
        return nlp
    model = REDUCE_CONFIG if architecture == "reduce" else TEXTCAT_CONFIG
    textcat = nlp.add_pipe("textcat", config={"model": model})
    for label in LABELS:
        textcat.add_label(label)
    return nlp


def fit(examples: list[Example], config: TrainConfig = TrainConfig(),
        progress: Callable[[int], None] | None = None):
    """Train a fresh pipeline on the examples; deterministic for a given seed."""
    from spacy.training import Example as SpacyExample
    from spacy.util import fix_random_seed, minibatch

    fix_random_seed(config.seed)
    nlp = build_nlp(config.architecture)
    train = [e for e in examples if e.status == "ok" and e.text.strip()]
    if config.architecture == "linear":
        from gongkai.pipeline.classify.linear import NAME as LINEAR

        nlp.get_pipe(LINEAR).fit([normalise(e.text) for e in train], [e.label for e in train], seed=config.seed)
        return nlp
    clf = Classifier(nlp=nlp, path=Path("."))
    data = [SpacyExample.from_dict(clf.make_doc(e.text), {"cats": {l: float(l == e.label) for l in LABELS}})
            for e in train]
    optimizer = nlp.initialize(lambda: data)
    rng = random.Random(config.seed)
    for epoch in range(config.epochs):
        rng.shuffle(data)
        for batch in minibatch(data, size=config.batch_size):
            nlp.update(batch, sgd=optimizer, drop=config.dropout)
        if progress:
            progress(epoch)
    return nlp


def folds(examples: list[Example], k: int, seed: int) -> list[int]:
    """Stratified fold index per example (by label), fixed by the seed."""
    rng = random.Random(seed)
    assignment = [0] * len(examples)
    for label in sorted({e.label for e in examples}):
        idx = [i for i, e in enumerate(examples) if e.label == label]
        rng.shuffle(idx)
        for n, i in enumerate(idx):
            assignment[i] = n % k
    return assignment


def cross_val_probs(examples: list[Example], k: int = 5, config: TrainConfig = TrainConfig(),
                    progress: Callable[[int], None] | None = None) -> tuple[list[dict], list[int]]:
    """Held-out probabilities for every example (each predicted by a model that never saw it)."""
    assignment = folds(examples, k, config.seed)
    probs: list[dict] = [{} for _ in examples]
    for fold in range(k):
        train = [e for e, f in zip(examples, assignment) if f != fold]
        nlp = fit(train, config)
        clf = Classifier(nlp=nlp, path=Path("."))
        held = [i for i, f in enumerate(assignment) if f == fold]
        for i, p in zip(held, clf.predict_many([examples[i].text for i in held])):
            probs[i] = p
        if progress:
            progress(fold)
    return probs, assignment


def corpus_hash(examples: list[Example]) -> str:
    digest = hashlib.sha256()
    for e in sorted(examples, key=lambda e: e.path):
        digest.update(f"{e.label}\t{normalise(e.text)}\n".encode())
    return digest.hexdigest()[:12]


def save_model(nlp, out: str | Path, meta: dict) -> Path:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(out)
    (out / META_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return out


def base_meta(name: str, examples: list[Example], config: TrainConfig) -> dict:
    sources: dict[str, int] = {}
    for e in examples:
        key = e.source.split(":")[0]
        sources[key] = sources.get(key, 0) + 1
    counts = {l: sum(e.label == l for e in examples) for l in LABELS}
    return {"name": name, "version": f"{name}-{corpus_hash(examples)}-s{config.seed}",
            "trained_on": str(date.today()), "labels": list(LABELS), "examples": counts,
            "sources": sources, "seed": config.seed, "epochs": config.epochs,
            "architecture": config.architecture, "tokenizer": "spacy.blank('zh'), char segmenter",
            "textcat": _describe(config.architecture)}


def _describe(architecture: str) -> dict:
    if architecture == "linear":
        from gongkai.pipeline.classify import linear

        return {"@architectures": f"{linear.NAME} (logistic regression, TF-IDF char 1-{linear.NGRAM_MAX}-grams)",
                "C": linear.C, "min_df": linear.MIN_DF, "sublinear_tf": True, "norm": "l2"}
    return dict(REDUCE_CONFIG if architecture == "reduce" else TEXTCAT_CONFIG)
