"""OCR speed: pages/s with 1 and 2 workers, our wrapping against the bare RapidOCR call, render cost.

    .venv/bin/python -m benchmarks.ocr_bench [--pages 6]

The pages are synthetic scans (tests/scans.py: A4 公文 pages, noise, skew, JPEG, a red seal), each
saved as a one-page image-only PDF, as a scanner delivers them.

* render: PDFium renders a page at OCR_DPI (what pdf.py does before OCR), ms per page;
* bare vs ours: `RapidOCR(...)(image)` — the library's own call, same engine settings — against
  `ocr.read_image` (reading order, orientation, confidences) on the same rendered pages;
* workers: the real worker pool (runner.Pool) parsing the PDFs, 1 and 2 workers; each worker times
  its own files, and the rate is pages over the window from the first start to the last end, so
  the workers' start-up (spaCy, the model) is not counted.
"""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

from benchmarks.report import Figure

REPO = Path(__file__).resolve().parents[1]
RATIO_TARGET = 0.9


def make_pages(folder: Path, n: int) -> list[Path]:
    sys.path.insert(0, str(REPO))
    from tests.scans import DRAFTS, random_condition, scan, scanned_pdf

    folder.mkdir(parents=True, exist_ok=True)
    return [scanned_pdf(folder / f"scan_{i:03d}.pdf", [scan(DRAFTS[i % len(DRAFTS)], random_condition(200, i))])
            for i in range(n)]


def rendered(paths: list[Path]) -> tuple[list, float]:
    """Every page rendered as pdf.py renders it, and the mean seconds per page."""
    import pypdfium2 as pdfium

    from gongkai.pipeline.ingest.pdf import render

    images, seconds = [], 0.0
    for path in paths:
        pdf = pdfium.PdfDocument(path.read_bytes())
        page = pdf[0]
        started = time.perf_counter()
        images.append(render(page))
        seconds += time.perf_counter() - started
        page.close()
        pdf.close()
    return images, seconds / len(paths)


def bare_vs_ours(images: list) -> tuple[float, float]:
    """Seconds per page: the bare library call, then ours, alternating page by page (a neighbour's
    burst of load hits both alike)."""
    import numpy as np

    from gongkai.pipeline.ingest import ocr

    engine = ocr.engine()
    engine(np.ascontiguousarray(np.asarray(images[0])[:, :, ::-1]))        # warm-up: first-run allocations
    bare = ours = 0.0
    for image in images:
        pixels = np.ascontiguousarray(np.asarray(image)[:, :, ::-1])
        started = time.perf_counter()
        engine(pixels)
        bare += time.perf_counter() - started
        started = time.perf_counter()
        ocr.read_image(image)
        ours += time.perf_counter() - started
    return bare / len(images), ours / len(images)


def parse_timed(task, res):
    """Runs in a worker: parse one file and say when it started and ended (wall clock)."""
    from gongkai.pipeline.ingest import parse

    started = time.time()
    with open(task.path, "rb") as fh:
        doc = parse(fh.read(), task.path, res.settings.limits)
    return started, time.time(), len(doc.meta.get("ocr_pages", []))


def pool_rate(paths: list[Path], workers: int) -> float:
    """OCR pages per second through the real worker pool."""
    from gongkai.config import DEFAULT_LIMITS
    from gongkai.pipeline.process import Settings
    from gongkai.pipeline.runner import Pool, Task

    roomy = replace(DEFAULT_LIMITS, file_timeout_s=3600, ocr_time_budget_s=3000, ocr_page_timeout_s=600)
    tasks = iter(Task(i, str(p), None, p.stat().st_size) for i, p in enumerate(paths))
    results = list(Pool(workers, replace(Settings(), limits=roomy), work=parse_timed).run(tasks))
    window = max(end for _, end, _ in results) - min(start for start, _, _ in results)
    return sum(n for _, _, n in results) / window


def ocr_figures(tmp: Path, log, pages: int = 6) -> list[Figure]:
    sys.path.insert(0, str(REPO))
    from gongkai.config import OCR_DPI
    from tests.scans import cjk_font

    if cjk_font() is None:
        return [Figure("OCR", "not measured", note="no CJK font to typeset the scans (make cjk-font)")]
    log(f"OCR: {pages} synthetic scanned pages …")
    paths = make_pages(tmp / "ocr", pages)
    images, render_s = rendered(paths)
    log("OCR: bare RapidOCR vs ours on the same rendered pages …")
    bare, ours = bare_vs_ours(images)
    figures = [Figure("OCR render", f"{render_s * 1000:.0f} ms per page at {OCR_DPI} dpi",
                      note=f"PDFium, A4 → {images[0].width}×{images[0].height} px",
                      data={"render_ms": round(render_s * 1000, 1)}),
               Figure("OCR: ours vs bare RapidOCR", f"{bare / ours:.2f}× ({ours:.2f} vs {bare:.2f} s per page)",
                      f"≥ {RATIO_TARGET}×", bare / ours >= RATIO_TARGET,
                      note="one process, one ONNX thread, same rendered pages",
                      data={"bare_s_per_page": round(bare, 3), "ours_s_per_page": round(ours, 3)})]
    rates = {}
    for workers in (1, 2):
        log(f"OCR: {pages} scanned PDFs through the worker pool, {workers} worker(s) …")
        rates[workers] = pool_rate(paths, workers)
        figures.append(Figure(f"OCR, {workers} worker{'s' * (workers > 1)}", f"{rates[workers]:.3f} pages/s ({1 / rates[workers]:.1f} s per page)",
                              note="image-only PDFs: render + OCR + layout, in the workers",
                              data={"pages_per_s": round(rates[workers], 3)}))
    figures[-1].note += f"; {rates[2] / rates[1]:.2f}× the 1-worker rate"
    return figures


def main() -> None:
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=6)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for figure in ocr_figures(Path(tmp), lambda msg: print("·", msg, flush=True), args.pages):
            print(f"{figure.name}: {figure.value}  {figure.target}  {figure.note}")


if __name__ == "__main__":
    main()
