"""A linear text classifier as a spaCy pipeline component: the shipped model's scorer.

Multinomial logistic regression on sublinear, L2-normalised TF-IDF character
n-grams (1–3) of the classifier's view of the text (`model.normalise`). Unlike
TextCatBOW, which sums raw n-gram counts so that its confidence grows with a
document's length, the L2 norm makes a 300-character 通知 and a 3,000-character
one comparable. It is chosen by measurement over TextCatBOW and a mean-pooled
spaCy model (models/default/README.md).

scikit-learn fits it (`fit`); scoring needs only the stored vocabulary, idf and
weights, computed here with numpy, so a worker never imports scikit-learn. The
component saves itself inside the spaCy pipeline folder (`to_disk`), so the
model stays one `spacy.load`-able directory.
"""
from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path

import numpy as np
from spacy.language import Language

NAME = "gongkai_linear_textcat"
NGRAM_MAX = 3
MIN_DF = 2
C = 4.0             # inverse regularisation, chosen by cross-validation (docs/model-selection.md)


def char_ngrams(text: str, n_max: int = NGRAM_MAX) -> list[str]:
    """Every character n-gram of length 1..n_max: the features, at training and at run time alike."""
    return [text[i:i + n] for n in range(1, n_max + 1) for i in range(len(text) - n + 1)]


@Language.factory(NAME, default_config={"labels": [], "ngram_max": NGRAM_MAX})
def make_linear_textcat(nlp: Language, name: str, labels: list[str], ngram_max: int) -> LinearTextcat:
    return LinearTextcat(name, labels, ngram_max)


class LinearTextcat:
    """Scores `doc.cats` from the document's characters; `fit` trains it in place."""

    def __init__(self, name: str = NAME, labels: list[str] | tuple = (), ngram_max: int = NGRAM_MAX) -> None:
        self.name, self.labels, self.ngram_max = name, tuple(labels), ngram_max
        self.vocab: dict[str, int] = {}
        self.idf = np.zeros(0, dtype=np.float32)
        self.coef = np.zeros((len(self.labels), 0), dtype=np.float32)
        self.intercept = np.zeros(len(self.labels), dtype=np.float32)

    def fit(self, texts: list[str], labels: list[str], C: float = C, seed: int = 0) -> LinearTextcat:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        vectorizer = TfidfVectorizer(analyzer=lambda t: char_ngrams(t, self.ngram_max), sublinear_tf=True,
                                     min_df=MIN_DF, lowercase=False, dtype=np.float32)
        X = vectorizer.fit_transform(texts)
        lr = LogisticRegression(C=C, max_iter=5000, class_weight="balanced", random_state=seed).fit(X, labels)
        order = [list(lr.classes_).index(label) for label in self.labels]
        self.vocab = {g: int(i) for g, i in vectorizer.vocabulary_.items()}
        self.idf = vectorizer.idf_.astype(np.float32)
        self.coef = lr.coef_[order].astype(np.float32) if len(self.labels) > 2 else lr.coef_.astype(np.float32)
        self.intercept = lr.intercept_[order].astype(np.float32)
        return self

    def scores(self, chars: str) -> dict[str, float]:
        """Class probabilities of one normalised text ({} when it is empty)."""
        if not chars:
            return {}
        counts = Counter(self.vocab[g] for g in char_ngrams(chars, self.ngram_max) if g in self.vocab)
        logits = self.intercept.astype(np.float64).copy()
        if counts:
            idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            tf = np.fromiter((1.0 + math.log(c) for c in counts.values()), dtype=np.float64, count=len(counts))
            weights = tf * self.idf[idx]
            weights /= np.linalg.norm(weights)
            logits += self.coef[:, idx] @ weights
        probs = np.exp(logits - logits.max())
        probs /= probs.sum()
        return {label: float(p) for label, p in zip(self.labels, probs)}

    def __call__(self, doc):
        doc.cats = self.scores(doc.text.replace(" ", ""))
        return doc

    def to_disk(self, path, exclude=()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        cfg = {"labels": list(self.labels), "ngram_max": self.ngram_max}
        (path / "cfg.json").write_text(json.dumps(cfg, ensure_ascii=False), encoding="utf-8")
        grams = sorted(self.vocab, key=self.vocab.__getitem__)
        (path / "vocab.json").write_text(json.dumps(grams, ensure_ascii=False), encoding="utf-8")
        np.savez_compressed(path / "weights.npz", idf=self.idf, coef=self.coef, intercept=self.intercept)

    def from_disk(self, path, exclude=()) -> LinearTextcat:
        path = Path(path)
        cfg = json.loads((path / "cfg.json").read_text(encoding="utf-8"))
        self.labels, self.ngram_max = tuple(cfg["labels"]), cfg["ngram_max"]
        grams = json.loads((path / "vocab.json").read_text(encoding="utf-8"))
        self.vocab = {g: i for i, g in enumerate(grams)}
        with np.load(path / "weights.npz", allow_pickle=False) as data:
            self.idf, self.coef, self.intercept = data["idf"], data["coef"], data["intercept"]
        return self
