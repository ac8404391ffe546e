"""The trained text classifier: a spaCy pipeline (blank "zh" + textcat) saved under models/.

The classifier reads the document with whitespace removed, so the char
segmenter yields exactly one token per character; that lets `make_doc` build
the spaCy Doc from the characters directly (skipping the tokenizer, the slow
part) while producing exactly the tokens — and scores — of `nlp(text)`.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

LABELS = ("proactive", "on_request", "non_disclosure")
MAX_CHARS = 6000          # the classifier reads at most this much of a document
META_FILE = "gongkai.json"
MODELS_DIR = Path(__file__).resolve().parents[3] / "models"
DEFAULT_MODEL = MODELS_DIR / "default"


def normalise(text: str) -> str:
    """The classifier's view of a text: no whitespace, capped in length."""
    return "".join(text.split())[:MAX_CHARS]


def default_model_path() -> Path:
    return Path(os.environ.get("GONGKAI_MODEL", DEFAULT_MODEL))


@dataclass
class Classifier:
    nlp: object
    path: Path
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.textcat = self.nlp.get_pipe("textcat")
        self.labels = tuple(self.textcat.labels)

    @property
    def version(self) -> str:
        return self.meta.get("version", self.path.name)

    @property
    def thresholds(self) -> dict[str, float]:
        return self.meta.get("thresholds", {})

    def make_doc(self, text: str):
        """One token per character, as the char segmenter makes them. Spaces are left at spaCy's
        default because the classifier's features are token n-grams only: building the Doc without
        a spaces list is half again as fast, and the scores are the same (tests/test_train.py)."""
        from spacy.tokens import Doc

        return Doc(self.nlp.vocab, words=list(normalise(text)))

    def predict_many(self, texts: list[str]) -> list[dict[str, float]]:
        docs = [self.make_doc(t) for t in texts]
        live = [d for d in docs if len(d)]
        scores = iter(self.textcat.predict(live) if live else [])
        return [self._as_dict(next(scores)) if len(d) else {} for d in docs]

    def predict(self, text: str) -> dict[str, float]:
        return self.predict_many([text])[0]

    def predict_careful(self, texts: list[str]) -> list[dict[str, float]]:
        """The plain way, `nlp.pipe` with the tokenizer: the benchmark peer and the equivalence check."""
        return [dict(d.cats) if len(d) else {} for d in self.nlp.pipe(normalise(t) for t in texts)]

    def _as_dict(self, row) -> dict[str, float]:
        return {label: float(row[i]) for i, label in enumerate(self.labels)}


class ModelError(RuntimeError):
    """A model folder that cannot be loaded."""


def load_classifier(path: str | Path | None = None) -> Classifier | None:
    """Load a model folder; None when no path is given and no default model is installed."""
    import spacy

    explicit = path is not None
    folder = Path(path) if explicit else default_model_path()
    if not (folder / "config.cfg").exists():
        if explicit or "GONGKAI_MODEL" in os.environ:
            raise ModelError(f"{folder}: not a gongkai model (no config.cfg); train one with `gongkai train`")
        return None
    nlp = spacy.load(folder)
    meta_path = folder / META_FILE
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
    return Classifier(nlp=nlp, path=folder, meta=meta)
