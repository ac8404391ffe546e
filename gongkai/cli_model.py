"""`gongkai train` and `gongkai evaluate`: thin commands over gongkai.pipeline.classify.session."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer


def register(app: typer.Typer) -> None:
    from gongkai.cli import guarded

    app.command()(guarded(train))
    app.command()(guarded(evaluate))


def train(
    corpus: Optional[Path] = typer.Option(None, "--corpus", help="A labelled folder with labels.csv."),
    out: Path = typer.Option(..., "--out", help="Where to write the model, e.g. models/2026-11."),
    cv: int = typer.Option(5, "--cv", help="Folds for cross-validation and threshold calibration (0: none)."),
    seed: int = typer.Option(20261122, "--seed"),
    epochs: int = typer.Option(20, "--epochs"),
    holdout: float = typer.Option(0.1, "--holdout", help="Share of the corpus kept out of training, for a final check (0: none)."),
    extra: list[Path] = typer.Option([], "--extra", help="A folder of published documents, read as extra 主动公开 examples."),
    from_db: list[Path] = typer.Option([], "--from-db", help="A working database: add the documents reviewers decided."),
) -> None:
    """Train the classifier with a fixed seed; cross-validate; write the model and its card.

    --corpus is a folder with labels.csv; --extra adds every readable document of a folder as a
    主动公开 example (published pages); --from-db adds the documents reviewers decided, with their
    final labels. --cv K cross-validates first, reports the metrics and calibrates the review
    thresholds; --holdout keeps a stratified share of the corpus out of everything, for a final
    check. The model's metadata lists the SHA-256 of every training text (see evaluate).
    """
    from gongkai import api
    from gongkai.cli import console
    from gongkai.pipeline.classify.train import TrainConfig

    con = console()

    def started(n: int) -> None:
        con.print(f"training on {n} documents less a {holdout:.0%} hold-out ({cv}-fold cross-validation first)…")

    with con.status("training…"):
        result = api.train(out, corpus, extra, from_db, cv=cv, config=TrainConfig(seed=seed, epochs=epochs),
                           holdout=holdout, on_examples=started)
    if result.cv:
        print_metrics(result.cv.to_dict(), f"{cv}-fold cross-validation")
    con.print(f"model written to {out} (version {result.meta['version']}); thresholds {result.thresholds}")


def evaluate(
    corpus: Path = typer.Option(..., "--corpus", help="A folder with labels.csv (or use --assume-label)."),
    model: Optional[Path] = typer.Option(None, "--model", help="Model folder (default: models/default)."),
    compare: Optional[Path] = typer.Option(None, "--compare", help="A second model to compare on the same folder."),
    assume_label: Optional[str] = typer.Option(None, "--assume-label",
                                               help="Take every document of the folder as this label (e.g. proactive for published pages)."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    record: bool = typer.Option(False, "--record", help="Store the figures in the model's metadata and card."),
) -> None:
    """Per-class precision/recall/F1, macro-F1, confusion, leak count and review rate.

    --compare scores a second model on the same folder; --assume-label proactive takes every
    document of a folder without labels.csv as that label (published pages); --record stores the
    figures in the model's metadata and card. Warns when documents of the folder were used to
    train the model (their texts' SHA-256 against the list in the model's metadata).
    """
    from gongkai import api

    evaluation = api.evaluate(corpus, [model, compare] if compare else [model], assume_label, record)
    for version, n in evaluation.overlaps.items():
        if n:
            typer.echo(f"warning: {n} of the {evaluation.documents} documents in {corpus} were used to train "
                       f"model {version}: its figures on them overstate its accuracy", err=True)
    results = evaluation.results
    if as_json:
        typer.echo(json.dumps(results, ensure_ascii=False, indent=2))
        return
    for version, m in results.items():
        print_metrics(m, f"model {version} on {corpus} ({m['n']} documents)")
    if compare and len(results) == 2:
        (a, ma), (b, mb) = results.items()
        typer.echo(f"macro-F1 {ma['macro_f1']:.3f} → {mb['macro_f1']:.3f}; leaks {ma['leak_count']} → "
                   f"{mb['leak_count']}; review rate {ma['review_rate']:.1%} → {mb['review_rate']:.1%}")


def print_metrics(m: dict, title: str) -> None:
    from rich.table import Table

    from gongkai.cli import console
    from gongkai.pipeline.classify.model import LABELS
    from gongkai.records import ATTRIBUTES

    table = Table(title=title)
    for col in ("class", "precision", "recall", "F1", "support"):
        table.add_column(col, justify="left" if col == "class" else "right")
    for label in LABELS:
        c = m["per_class"][label]
        table.add_row(f"{ATTRIBUTES[label]} {label}", f"{c['precision']:.3f}", f"{c['recall']:.3f}",
                      f"{c['f1']:.3f}", str(c["support"]))
    con = console()
    con.print(table)
    confusion = Table(title="confusion (rows: true, columns: proposed)")
    confusion.add_column("true")
    for p in (*LABELS, "none"):
        confusion.add_column(p, justify="right")
    for t in LABELS:
        confusion.add_row(t, *(str(m["confusion"][t][p]) for p in (*LABELS, "none")))
    con.print(confusion)
    con.print(f"macro-F1 {m['macro_f1']:.3f} · leaks {m['leak_count']} · review rate {m['review_rate']:.1%} "
              f"(no-rule documents: {m['review_rate_no_rules']:.1%} of {m['no_rule_docs']})")
    unrev = m.get("unreviewed", {})
    if unrev:
        con.print("without review: " + " · ".join(f"{ATTRIBUTES[k]} {unrev.get(k, 0)} ({unrev.get(k, 0) / max(m['n'], 1):.1%})"
                                                  for k in LABELS) + f" · calibration error (ECE) {m.get('ece', 0):.3f}")
    bands = Table(title="by length (characters)")
    for col in ("length", "n", "accuracy", "review rate", "主动公开 without review", "leaks"):
        bands.add_column(col, justify="left" if col == "length" else "right")
    for name, b in m.get("bands", {}).items():
        bands.add_row(name, str(b["n"]), f"{b['accuracy']:.3f}", f"{b['review_rate']:.1%}",
                      str(b["proactive_unreviewed"]), str(b["leaks"]))
    if m.get("bands"):
        con.print(bands)
    for path in m["leaks"][:20]:
        con.print(f"  leak: {path}")
