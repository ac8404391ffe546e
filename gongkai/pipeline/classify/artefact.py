"""The artefact check: can a corpus's labels be predicted from its form alone?

If log length, the 文种 and a *skeleton* (every run of Chinese characters replaced
by one placeholder, keeping punctuation, digits and line breaks) predict the label,
a model learns how the corpus was written instead of the law. A logistic regression
on those features, 5-fold cross-validated, must stay near chance (macro-F1 ≤ 0.50
for three balanced classes; chance is 0.33). `tests/test_corpus.py` asserts it.
"""
from __future__ import annotations

import math
import re
from pathlib import Path

HAN = re.compile(r"[\u3400-\u9fff]+")


def skeleton(text: str) -> str:
    """`关于做好2025年防汛工作的通知` → `文2025文`: the layout without the words."""
    return HAN.sub("文", text)


def form_only_scores(folder: str | Path, folds: int = 5, seed: int = 0) -> dict[str, float]:
    """Cross-validated macro-F1 of form-only classifiers on a labelled folder (labels.csv)."""
    import numpy as np
    from scipy.sparse import csr_matrix, hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.preprocessing import OneHotEncoder

    from gongkai.pipeline.classify.corpus import read_manifest

    folder = Path(folder)
    rows = read_manifest(folder)
    texts = [(folder / r["file"]).read_text(encoding="utf-8") for r in rows]
    labels = [r["label"] for r in rows]
    parts = {
        "log length": csr_matrix(np.array([[math.log(max(len(t), 1))] for t in texts])),
        "文种": OneHotEncoder(handle_unknown="ignore").fit_transform([[r.get("doc_type") or ""] for r in rows]),
        "skeleton": TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
        .fit_transform([skeleton(t) for t in texts]),
    }
    parts["all"] = hstack(list(parts.values())).tocsr()
    cv = StratifiedKFold(folds, shuffle=True, random_state=seed)
    out = {}
    for name, X in parts.items():
        predicted = cross_val_predict(LogisticRegression(max_iter=2000), X, labels, cv=cv)
        out[name] = round(float(f1_score(labels, predicted, average="macro")), 4)
    return out
