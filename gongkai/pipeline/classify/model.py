"""The trained text classifier: a spaCy pipeline (blank "zh" + textcat) saved under models/.

The classifier reads the document with whitespace removed, so the char
segmenter yields exactly one token per character. Two fast paths follow, each
giving exactly the tokens, and so the scores, of `nlp(text)`:

- `make_doc` builds the spaCy Doc from the characters directly, skipping the
  tokenizer (the slow part of `nlp.pipe`);
- `predict` skips the Doc too when the textcat is spaCy's TextCatBOW (ours is):
  that model's first layer reads nothing but each token's ORTH id, and the ORTH
  id of a one-character token is a table lookup on its code point (`_BowScorer`).
  The model's own layers compute the rest.
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
        from gongkai.pipeline.classify.linear import NAME as LINEAR

        self.linear = self.nlp.get_pipe(LINEAR) if LINEAR in self.nlp.pipe_names else None
        self.textcat = self.linear or self.nlp.get_pipe("textcat")
        self.labels = tuple(self.textcat.labels)
        self._bow = None if self.linear else _BowScorer.of(self.textcat.model)

    @property
    def version(self) -> str:
        return self.meta.get("version", self.path.name)

    @property
    def scores_without_doc(self) -> bool:
        """True when `predict` computes the textcat's features straight from the characters."""
        return self._bow is not None or self.linear is not None

    @property
    def thresholds(self) -> dict[str, float]:
        return self.meta.get("thresholds", {})

    def make_doc(self, text: str):
        """One token per character, as the char segmenter makes them. Spaces are left at spaCy's
        default because the classifier's features are token n-grams only: building the Doc without
        a spaces list is half again as fast, and the scores are the same (tests/test_train.py)."""
        from spacy.tokens import Doc

        return Doc(self.nlp.vocab, words=list(normalise(text)))

    def predict_docs(self, texts: list[str]) -> list[dict[str, float]]:
        """Scores through Docs built from the characters (`make_doc`), in one textcat batch."""
        if self.linear:
            return [self.linear.scores(normalise(t)) for t in texts]
        docs = [self.make_doc(t) for t in texts]
        live = [d for d in docs if len(d)]
        scores = iter(self.textcat.predict(live) if live else [])
        return [self._as_dict(next(scores)) if len(d) else {} for d in docs]

    def predict(self, text: str) -> dict[str, float]:
        """Scores of one text ({} when it has no characters), as the pipeline asks for them."""
        chars = normalise(text)
        if not chars:
            return {}
        if self.linear:
            return self.linear.scores(chars)
        row = self._bow.score(chars) if self._bow is not None else None
        return self._as_dict(row) if row is not None else self.predict_docs([text])[0]

    def predict_many(self, texts: list[str]) -> list[dict[str, float]]:
        return [self.predict(t) for t in texts]

    def predict_careful(self, texts: list[str]) -> list[dict[str, float]]:
        """The plain way, `nlp.pipe` with the tokenizer: the benchmark peer and the equivalence check."""
        return [dict(d.cats) if len(d) else {} for d in self.nlp.pipe(normalise(t) for t in texts)]

    def _as_dict(self, row) -> dict[str, float]:
        return {label: float(row[i]) for i, label in enumerate(self.labels)}


class _BowScorer:
    """TextCatBOW scores from the characters' ORTH ids, without a Doc.

    `of(model)` returns None unless the model is TextCatBOW reading ORTH (the
    layers `extract_ngrams >> sparse_linear`, then the output layer), so any
    other architecture keeps the Doc path. Code points outside the Basic
    Multilingual Plane, and lone surrogates, also take the Doc path (`score`
    returns None): they are rare, and the table stays 512 KB.
    """

    def __init__(self, ngram_size: int, linear, output) -> None:
        self.ngram_size, self.linear, self.output = ngram_size, linear, output
        self.ops = linear.ops
        self._table = None

    @classmethod
    def of(cls, model) -> _BowScorer | None:
        from spacy.attrs import ORTH

        try:
            first, output = model.layers
            extract, linear = first.layers[0].layers
        except (ValueError, IndexError, AttributeError):
            return None
        if extract.name != "extract_ngrams" or extract.attrs.get("attr") != ORTH:
            return None
        return cls(int(extract.attrs["ngram_size"]), linear, output)

    def table(self):
        """ORTH id of every BMP character, as the vocab gives it (symbols such as "X" have small ids,
        the rest a hash of the string); 0 marks the surrogates, which are not characters."""
        if self._table is None:
            import numpy as np
            from spacy.strings import get_string_id

            table = np.zeros(0x10000, dtype=np.uint64)
            for code in range(0x10000):
                if not 0xD800 <= code <= 0xDFFF:
                    table[code] = get_string_id(chr(code))
            self._table = table
        return self._table

    def score(self, chars: str):
        """The output row for a non-empty text, or None when a character is outside the table."""
        import numpy as np

        try:
            codes = np.frombuffer(chars.encode("utf-32-le"), dtype=np.uint32)
        except UnicodeEncodeError:          # a lone surrogate
            return None
        if int(codes.max()) >= 0x10000:
            return None
        unigrams = self.table()[codes]
        if not unigrams.all():
            return None
        # what extract_ngrams does with one Doc's ORTH array
        grams = [unigrams] + [self.ops.ngrams(n, unigrams) for n in range(2, self.ngram_size + 1)]
        keys, counts = np.unique(np.concatenate(grams), return_counts=True)
        features = (keys, self.ops.asarray(counts, dtype="f"), self.ops.asarray([len(keys)], dtype="int32"))
        return self.output.predict(self.linear.predict(features))[0]


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
    import gongkai.pipeline.classify.linear  # noqa: F401  registers the linear component's factory

    nlp = spacy.load(folder)
    meta_path = folder / META_FILE
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
    return Classifier(nlp=nlp, path=folder, meta=meta)
