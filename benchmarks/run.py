"""`make bench`: every stage against its obvious peer in the same run, then the whole-program figures.

    .venv/bin/python -m benchmarks.run [--quick] [--skip-memory]

Prints one table, writes benchmarks/results/<UTC time>.json, latest.json and
latest.md. See benchmarks/README.md for what each row measures.
"""
from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from rich.console import Console

from benchmarks import stages
from benchmarks.cli_reads import read_figures
from benchmarks.corpus import DATA, Batch, build_batch, memory_set
from benchmarks.model import ModelChoice, choose_model
from benchmarks.ocr_bench import ocr_figures
from benchmarks.report import Figure, rich_table, save
from benchmarks.system import parallel_ceiling, run_classify, startup_seconds
from benchmarks.timing import Row

STARTUP_TARGET_S = 0.5
WORKER_TARGET = 1.7
WORKER_PAIRS = 5       # odd: the median is one pair's ratio
MEMORY_GROWTH = 0.20
MEMORY_CEILING_MB = 1024


@dataclass(frozen=True)
class Plan:
    """How many documents each part of the run uses."""

    batch: int            # the benchmark batch (end-to-end runs use all of it)
    pdf: int
    docx: int
    texts: int            # classify, detect and SQLite rows: our results for this many documents
    pipeline: int
    memory: tuple[int, int]
    memory_from_batch: tuple[int, int]


FULL = Plan(batch=3000, pdf=240, docx=400, texts=1000, pipeline=800, memory=(1000, 10000),
            memory_from_batch=(300, 3000))
QUICK = Plan(batch=200, pdf=40, docx=60, texts=200, pipeline=120, memory=(200, 2000),
             memory_from_batch=(60, 200))


def spread(paths: list[Path], n: int) -> list[Path]:
    """n paths taken evenly across the list (the batch's order mixes sources and lengths)."""
    step = max(len(paths) // n, 1) if n else 1
    return paths[::step][:n]


def stage_rows(batch: Batch, plan: Plan, res, model: ModelChoice, tmp: Path, log) -> tuple[list[Row], list]:
    from gongkai.pipeline.process import process_document

    rows: list[Row] = []
    log("PDF stage …")
    rows.append(stages.pdf_row(spread(batch.paths("pdf"), plan.pdf)))
    rows.append(stages.pdf_bare_row(spread(batch.paths("pdf"), plan.pdf)))
    log("DOCX stage …")
    rows.append(stages.docx_row(spread(batch.paths("docx"), plan.docx)))
    log("TXT stage …")
    rows.append(stages.gb18030_row(spread(batch.paths("txt-gb18030"), plan.docx)))
    sample = spread(batch.paths(), plan.texts)
    log(f"processing {len(sample)} documents for the classify, detect and SQLite rows …")
    results = [process_document(p.read_bytes(), str(p), f"{i:064x}", res) for i, p in enumerate(sample)]
    ok = [r for r in results if r.parsed.status == "ok"]
    texts, fields = [r.parsed.text for r in ok], [r.fields for r in ok]
    # The rows below measure a stage as a worker runs it: the worker's long-lived objects (model,
    # list) are frozen out of the garbage collector (runner._worker_main), so freeze ours too (the
    # 1,000 results above) rather than have every collection during a row walk them.
    gc.collect()
    gc.freeze()
    log("classify stage …")
    rows.append(stages.classify_row(texts, res.classifier))
    log("detection stages …")
    rows += _detect_rows(texts, fields, res)
    log("SQLite writes …")
    rows.append(stages.sqlite_row(results, tmp))
    log(f"whole pipeline vs the naive one on {plan.pipeline} documents …")
    rows += stages.pipeline_rows(spread(batch.paths(), plan.pipeline), res.settings, str(model.path),
                                 res.negative_list, tmp)
    gc.unfreeze()
    return rows, results


def _detect_rows(texts: list[str], fields: list, res) -> list[Row]:
    from benchmarks.neglist_bench import load_generated_list

    return [stages.neglist_row("default list", texts, fields, res.negative_list),
            stages.neglist_row("1,000-entry list", texts, fields, load_generated_list()),
            stages.detectors_row(texts, fields, res.detectors, res.negative_list)]


def worker_figures(batch: Batch, model: ModelChoice, tmp: Path, log) -> tuple[list[Figure], Path]:
    """`gongkai classify` with 1 then 2 workers, WORKER_PAIRS times in turn; the speed-up is the median
    of the pairs' ratios, so a neighbour who takes a core for a while spoils one pair, not the figure."""
    n = len(batch.files)
    pairs, before = [], parallel_ceiling()
    for k in range(WORKER_PAIRS):
        pair = []
        for workers in (1, 2):
            log(f"gongkai classify, {n} documents, {workers} worker(s), pair {k + 1} of {WORKER_PAIRS} …")
            pair.append(run_classify(batch.folder, tmp / f"e2e-{workers}.sqlite", workers, model.path, n))
        pairs.append(pair)
    after = parallel_ceiling()
    ratios = [two.docs_per_s / one.docs_per_s for one, two in pairs]
    speedup = statistics.median(ratios)
    middle = pairs[ratios.index(speedup)]              # WORKER_PAIRS is odd
    figures = [Figure(f"end-to-end, {r.workers} worker{'s' * (r.workers > 1)}",
                      f"{r.docs_per_s:,.0f} docs/s ({r.processed} stored in {r.seconds:.1f} s) · "
                      f"peak RSS {r.peak_rss_mb:,.0f} MB", data=r.to_dict()) for r in middle]
    figures.append(Figure("1 → 2 workers", f"{speedup:.2f}×", f"≥ {WORKER_TARGET}×", speedup >= WORKER_TARGET,
                          note=f"{n} documents, {os.cpu_count()} cores; median of "
                               f"{', '.join(f'{r:.2f}' for r in ratios)}",
                          data={"speedup": round(speedup, 3), "pairs": [round(r, 3) for r in ratios],
                                "runs": [[r.to_dict() for r in pair] for pair in pairs]}))
    figures.append(Figure("machine: 2 processes vs 1", f"{before:.2f}× before, {after:.2f}× after",
                          note="a pure-Python loop alone vs twice at once: the ceiling for the line above",
                          data={"parallel_ceiling": [round(before, 3), round(after, 3)]}))
    return figures, tmp / "e2e-1.sqlite"


def fixed_cost_figure(batch: Batch, model: ModelChoice, tmp: Path, log, runs: int = 3) -> Figure:
    """`gongkai classify` on one document: start-up, workers loading the model and lists, shut-down."""
    from benchmarks.stages import _linked_folder

    log("gongkai classify on one document (its fixed cost) …")
    folder = _linked_folder(batch.paths("txt")[:1], tmp / "one-document")
    seconds = statistics.median(run_classify(folder, tmp / "one.sqlite", 2, model.path, 1).seconds
                                for _ in range(runs))
    return Figure("classify fixed cost", f"{seconds:.2f} s (median of {runs})",
                  note="gongkai classify on one document, 2 workers: everything but the documents",
                  data={"seconds": round(seconds, 3)})


def startup_figures(results: list, tmp: Path, log) -> list[Figure]:
    from gongkai.pipeline import store

    log("CLI start-up …")
    db_path = tmp / "startup.sqlite"
    db = store.connect(db_path)
    store.ensure_batch(db, "bench")
    store.write_results(db, "bench", [store.to_record(r) for r in results[:20]])
    out = []
    for args in (["--help"], ["review", "list", "--db", str(db_path)]):
        seconds = startup_seconds(args)
        shown = " ".join(a if a != str(db_path) else "X (20 items)" for a in args)
        out.append(Figure(f"start-up: gongkai {shown}", f"{seconds:.2f} s (median of 7)",
                          f"< {STARTUP_TARGET_S} s", seconds < STARTUP_TARGET_S, data={"seconds": round(seconds, 3)}))
    return out


def memory_figures(batch: Batch, plan: Plan, model: ModelChoice, tmp: Path, log) -> list[Figure]:
    runs = []
    for total, linked in zip(plan.memory, plan.memory_from_batch):
        folder = memory_set(batch, total, linked, log=log)
        log(f"peak RSS of gongkai classify on {total} documents …")
        runs.append(run_classify(folder, tmp / f"memory-{total}.sqlite", 2, model.path, total))
    small, large = runs
    growth = large.peak_rss_mb / small.peak_rss_mb - 1
    met = growth <= MEMORY_GROWTH and large.peak_rss_mb < MEMORY_CEILING_MB
    return [Figure("flat memory", f"peak RSS {small.peak_rss_mb:,.0f} MB ({small.docs:,} docs) → "
                                  f"{large.peak_rss_mb:,.0f} MB ({large.docs:,} docs): {growth:+.0%}",
                   f"≤ +{MEMORY_GROWTH:.0%}, < 1 GB", met, note="gongkai classify, 2 workers",
                   data={"runs": [r.to_dict() for r in runs], "growth": round(growth, 3)})]


def context(batch: Batch, model: ModelChoice, mode: str, started: float) -> dict:
    manifest = {k: v for k, v in batch.manifest.items() if k != "files"}
    return {"mode": mode, "model": model.description, "batch": manifest, "cores": os.cpu_count(),
            "python": platform.python_version(), "machine": platform.platform(),
            "run_s": round(time.perf_counter() - started, 1)}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 documents and smaller samples (~1 minute)")
    parser.add_argument("--skip-memory", action="store_true", help="skip the 1,000 vs 10,000 document memory runs")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    plan, mode = (QUICK, "quick") if args.quick else (FULL, "full")
    console, started = Console(), time.perf_counter()
    if not console.is_terminal:          # a log file or CI: wide enough that rows stay on one line
        console = Console(width=200)
    log = lambda msg: console.print(f"[dim]· {msg}[/dim]", highlight=False)  # noqa: E731
    from gongkai.pipeline.process import Settings, load_resources

    batch = build_batch(plan.batch, log=log)
    model = choose_model(log)
    res = load_resources(Settings(model_path=str(model.path)))
    with stages.scratch_dir(DATA / "tmp") as tmp:
        tmp = Path(tmp)
        rows, results = stage_rows(batch, plan, res, model, tmp, log)
        figures, _ = worker_figures(batch, model, tmp, log)
        figures += startup_figures(results, tmp, log)
        figures += read_figures(results, tmp, log)
        figures.append(fixed_cost_figure(batch, model, tmp, log))
        figures += ocr_figures(tmp, log, pages=3 if args.quick else 6)
        if not args.skip_memory:
            figures += memory_figures(batch, plan, model, tmp, log)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    title = f"gongkai benchmark · {mode} · {len(batch.files):,} documents · {stamp}"
    ctx = {"plan": asdict(plan), **context(batch, model, mode, started)}
    console.print(rich_table(title, rows, figures))
    console.print(f"model: {model.description}; batch seed {batch.manifest['seed']}, formats "
                  f"{batch.manifest['formats']}; run took {ctx['run_s']} s", highlight=False)
    path = save(stamp, title, rows, figures, ctx)
    console.print(f"wrote {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}, "
                  "latest.json and latest.md", highlight=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
