"""Training and evaluation as library calls (the CLI prints what these return)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from gongkai.pipeline.classify.corpus import Example, load_corpus, load_extra, load_reviewed
from gongkai.pipeline.classify.evaluate import (Evidence, Metrics, calibrate, cross_fold_proposals,
                                                gather_evidence, propose, score)
from gongkai.pipeline.classify.train import TrainConfig, base_meta, cross_val_probs, fit, save_model


@dataclass
class TrainResult:
    out: Path
    meta: dict
    cv: Metrics | None = None
    thresholds: dict = field(default_factory=dict)


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


def train(examples: list[Example], out: Path, cv: int = 5, config: TrainConfig = TrainConfig(),
          progress=None) -> TrainResult:
    """Cross-validate (metrics + calibrated thresholds), then fit on everything and save."""
    res = rule_resources()
    evidence = gather_evidence(examples, res)
    meta = base_meta(out.name, examples, config)
    cv_metrics, thresholds = None, {}
    if cv and cv > 1:
        probs, assignment = cross_val_probs(examples, cv, config, progress)
        proposals, per_fold = cross_fold_proposals(evidence, probs, assignment, res.negative_list)
        cv_metrics = score(evidence, proposals)
        thresholds = calibrate(evidence, probs)
        cv_metrics.extra = {"folds": cv, "thresholds_per_fold": per_fold}
        meta["cv"] = cv_metrics.to_dict()
    meta["thresholds"] = thresholds
    meta["negative_list_version"] = res.negative_list_version
    nlp = fit(examples, config)
    save_model(nlp, out, meta)
    return TrainResult(out=out, meta=meta, cv=cv_metrics, thresholds=thresholds)


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


def examples_for_evaluation(corpus: Path, assume_label: str | None) -> list[Example]:
    """A labelled folder (labels.csv), or every document of a folder taken as one label."""
    if assume_label:
        return load_extra(corpus, label=assume_label)
    return load_corpus(corpus)


__all__ = ["Evidence", "TrainResult", "evaluate", "examples_for_evaluation", "gather_examples", "train"]
