"""Training and evaluation as library calls (the CLI prints what these return)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from gongkai.pipeline.classify.corpus import Example, load_corpus, load_extra, load_reviewed
from gongkai.pipeline.classify.evaluate import (Metrics, calibrate, cross_fold_proposals, gather_evidence,
                                                propose, score)
from gongkai.pipeline.classify.train import TrainConfig, base_meta, cross_val_probs, fit, save_model


@dataclass
class TrainResult:
    out: Path
    meta: dict
    cv: Metrics | None = None
    thresholds: dict = field(default_factory=dict)


def _relative(path: str) -> str:
    """Held-out files are recorded relative to the repository when they live in it."""
    from gongkai.pipeline.classify.model import MODELS_DIR

    try:
        return str(Path(path).resolve().relative_to(MODELS_DIR.parent))
    except ValueError:
        return str(path)


def rule_resources():
    from gongkai.pipeline.process import Settings, load_resources

    return load_resources(Settings(), with_model=False)


def gather_examples(corpus: Path | None, extra: list[Path], from_db: list[Path]) -> list[Example]:
    examples: list[Example] = load_corpus(corpus) if corpus else []
    for folder in extra:
        examples += load_extra(folder)
    for db in from_db:
        examples += load_reviewed(db)
    if not examples:
        raise ValueError("no training examples: give --corpus, --extra or --from-db")
    return examples


def split_holdout(examples: list[Example], share: float, seed: int) -> tuple[list[Example], list[Example]]:
    """A stratified share of the examples the model never sees, for the shipped-model accuracy test."""
    from gongkai.pipeline.classify.train import folds

    if share <= 0:
        return examples, []
    k = max(2, round(1 / share))
    assignment = folds(examples, k, seed + 1)
    return ([e for e, f in zip(examples, assignment) if f != 0], [e for e, f in zip(examples, assignment) if f == 0])


def train(examples: list[Example], out: Path, cv: int = 5, config: TrainConfig = TrainConfig(),
          progress=None, holdout: float = 0.0) -> TrainResult:
    """Hold out a slice, cross-validate the rest (metrics + thresholds), fit on the rest and save."""
    res = rule_resources()
    examples, held = split_holdout(examples, holdout, config.seed)
    evidence = gather_evidence(examples, res)
    meta = base_meta(out.name, examples, config)
    meta["holdout"] = sorted(_relative(e.path) for e in held)
    cv_metrics, thresholds = None, {}
    if cv and cv > 1:
        probs, assignment = cross_val_probs(examples, cv, config, progress)
        proposals, per_fold = cross_fold_proposals(evidence, probs, assignment, res.negative_list)
        groups = by_source(evidence, proposals)
        cv_metrics = groups.pop("corpus", None) or score(evidence, proposals)
        thresholds = calibrate(evidence, probs, res.negative_list)
        cv_metrics.extra = {"folds": cv, "thresholds_per_fold": per_fold}
        meta["cv"] = cv_metrics.to_dict()
        # Documents added with --extra or --from-db: each scored by a model that never saw it (cross-fitting).
        meta["cross_fitted"] = {name: m.to_dict() for name, m in groups.items()}
    meta["thresholds"] = thresholds
    meta["negative_list_version"] = res.negative_list_version
    nlp = fit(examples, config)
    save_model(nlp, out, meta)
    return TrainResult(out=out, meta=meta, cv=cv_metrics, thresholds=thresholds)


def by_source(evidence: list, proposals: list) -> dict[str, Metrics]:
    """The corpus and each extra folder or database scored apart: their figures mean different things."""
    groups: dict[str, list[int]] = {}
    for i, ev in enumerate(evidence):
        source = ev.example.source
        groups.setdefault("corpus" if not source.startswith(("extra:", "review:")) else source, []).append(i)
    return {name: score([evidence[i] for i in idx], [proposals[i] for i in idx]) for name, idx in groups.items()}


def evaluate(examples: list[Example], model_path: Path | None) -> tuple[Metrics, str]:
    """Score one model (with its own calibrated thresholds) on labelled examples."""
    from gongkai.pipeline.classify.model import load_classifier

    clf = load_classifier(model_path)
    if clf is None:
        raise ValueError("no model installed: train one with `gongkai train` or pass --model")
    res = rule_resources()
    evidence = gather_evidence(examples, res)
    probs = clf.predict_many([e.text if e.status == "ok" else "" for e in examples])
    proposals = [propose(ev, p, clf.thresholds, res.negative_list) for ev, p in zip(evidence, probs)]
    return score(evidence, proposals), clf.version


def record_evaluation(model_path: Path | None, corpus: Path, assume_label: str | None, metrics: dict) -> None:
    """Keep an evaluation in the model's metadata and rewrite its card, so the card stays true."""
    import json

    from gongkai.pipeline.classify.card import write_card
    from gongkai.pipeline.classify.model import META_FILE, default_model_path

    folder = Path(model_path) if model_path else default_model_path()
    meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
    key = corpus.resolve().name + (f" (every document taken as {assume_label})" if assume_label else "")
    meta.setdefault("evaluations", {})[key] = {k: v for k, v in metrics.items() if k != "extra"}
    (folder / META_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    write_card(folder, meta)


def examples_for_evaluation(corpus: Path, assume_label: str | None) -> list[Example]:
    """A labelled folder (labels.csv), or every document of a folder taken as one label."""
    if assume_label:
        return load_extra(corpus, label=assume_label)
    return load_corpus(corpus)


__all__ = ["TrainResult", "evaluate", "examples_for_evaluation", "gather_examples", "train"]
