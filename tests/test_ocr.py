"""OCR of image-only pages: scans made here from known text, the shared image-only OFD, the limits.

Pages are kept few and small (OCR costs seconds per page on CI's two cores); the full accuracy
table by scan condition comes from tools/ocr_accuracy.py (docs/formats.md#ocr).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from gongkai.config import DEFAULT_LIMITS, OCR_MIN_CONFIDENCE
from gongkai.pipeline.classify.policy import FLAG_REASONS, PolicyInput, decide
from gongkai.pipeline.extract import extract_fields
from gongkai.pipeline.ingest import parse
from tests.conftest import REPO, shared_path
from tests.scans import DRAFTS, Condition, Draft, cer, cjk_font, image_bytes, render, scan, scanned_pdf

# Limits that let a slow, loaded machine finish every page: these tests are about what is read.
ROOMY = replace(DEFAULT_LIMITS, file_timeout_s=600, ocr_time_budget_s=500, ocr_page_timeout_s=300)
SECRET = DRAFTS[0]          # 秘密★1年, 特急
# A model sure the document is 主动公开: whatever sends it to review is the parser's flags.
SURE = {"proactive": 0.99, "on_request": 0.005, "non_disclosure": 0.005}
NOTE = Draft("000211", None, None, "长兴湾市水务局", "长水函〔2026〕7号", "关于汛后堤防检查的函", "市应急管理局：",
             ["请于12月15日前完成堤防检查。"], "长兴湾市水务局", "2026年12月1日", "2026-12-01")


@pytest.fixture(scope="module")
def font() -> Path:
    path = cjk_font()
    if path is None:
        pytest.skip("no CJK font installed (make cjk-font installs fonts-arphic-uming): cannot typeset scans")
    return path


def small_page(draft: Draft, cond: Condition = Condition(dpi=150), font_path=None):
    """The upper half of a scanned page (header to 主送): the cheap page most tests need."""
    page = scan(draft, cond, font_path)
    return page.crop((0, 0, page.width, page.height * 45 // 100)) if not cond.turn else page


def test_a_scan_with_noise_skew_jpeg_and_a_seal_reads_within_2_percent_and_gives_the_fields(font):
    for draft, cond in ((SECRET, Condition(dpi=200, noise=12, skew=-3, jpeg=50, seed=2)),
                        (DRAFTS[2], Condition(dpi=200, noise=8, skew=2, jpeg=70, seed=5))):
        doc = parse(image_bytes(scan(draft, cond, font), "JPEG", quality=90), "scan.jpg", ROOMY)
        assert doc.status == "ok" and "ocr" in doc.flags, doc.error
        assert cer(draft.text, doc.text) <= 0.02, (cond.label, doc.text)
        fields = extract_fields(doc.text)
        assert (fields.doc_number, fields.title, fields.date, fields.secrecy) == \
               (draft.doc_number, draft.title, draft.date_iso, draft.secrecy), doc.text
        assert fields.copy_number == draft.copy_number


def test_image_only_pdf_with_a_secrecy_mark_is_read_flagged_and_routed_to_review(font, tmp_path):
    """The mark is found by the same detectors as in digital text, at offsets into the stored text."""
    from gongkai.pipeline.process import Settings, load_resources, process_document

    path = scanned_pdf(tmp_path / "secret_scan.pdf", [small_page(SECRET, Condition(dpi=200, noise=6, seed=3))])
    data = path.read_bytes()
    res = load_resources(replace(Settings(), limits=ROOMY))      # the shipped model: the policy needs it
    result = process_document(data, path.name, "0" * 64, res)
    assert result.parsed.status == "ok" and "ocr" in result.parsed.flags
    assert result.parsed.meta["ocr_pages"] == [1]
    marks = [h for h in result.hits if h.kind == "secrecy_mark"]
    assert marks and all(result.parsed.text[h.start:h.end] == h.text for h in marks)
    assert result.fields.secrecy == "秘密★1年"
    assert result.proposal.proposed_attribute == "non_disclosure" and result.proposal.needs_review
    assert any("密级标志" in r for r in result.proposal.review_reasons)


def test_a_scanned_page_inside_a_digital_pdf_is_read_by_ocr_and_only_that_page(font, tmp_path):
    digital = "长兴湾市水务局\n关于汛后堤防检查情况的报告\n市人民政府：\n现将检查情况报告如下。"
    path = scanned_pdf(tmp_path / "mixed.pdf", [small_page(NOTE)], text_pages={0: digital})
    doc = parse(path.read_bytes(), path.name, ROOMY)
    assert doc.status == "ok" and doc.pages == 2
    assert doc.meta["ocr_pages"] == [2] and "scanned_pages" not in doc.flags
    assert "关于汛后堤防检查情况的报告" in doc.text and "长水函〔2026〕7号" in doc.text
    assert doc.text.index("长水函") >= doc.meta["page_starts"][1]


def test_multi_page_tiff_reads_every_page_in_order(font):
    from PIL import Image  # noqa: F401 — Pillow writes the frames

    pages = [small_page(NOTE), small_page(DRAFTS[1])]
    data = image_bytes(pages[0], "TIFF", save_all=True, append_images=pages[1:], compression="tiff_deflate")
    doc = parse(data, "fax.tif", ROOMY)
    assert doc.status == "ok" and doc.pages == 2 and doc.format == "tif"
    assert doc.meta["ocr_pages"] == [1, 2] and len(doc.meta["page_starts"]) == 2
    assert doc.text.index("长水函〔2026〕7号") < doc.meta["page_starts"][1] <= doc.text.index("长政办发〔2026〕31号")


@pytest.mark.parametrize("turn", [90, 180])
def test_a_turned_page_is_turned_back_before_it_is_read(font, turn):
    page = scan(NOTE, Condition(dpi=150, turn=turn), font)
    doc = parse(image_bytes(page, "PNG"), "turned.png", ROOMY)
    assert doc.status == "ok", doc.error
    assert doc.meta["ocr_turned"] == {1: (360 - turn) % 360}
    assert cer(NOTE.text, doc.text) <= 0.03, doc.text         # 37 characters: one wrong mark is 2.7 %
    fields = extract_fields(doc.text)
    assert (fields.doc_number, fields.title, fields.date) == (NOTE.doc_number, NOTE.title, NOTE.date_iso)


def test_page_budget_reads_the_first_pages_and_marks_the_rest_truncated(font, tmp_path):
    """A long scan cannot stall a batch: past the OCR page budget pages are skipped, and `truncated` says so."""
    blank = render(NOTE, dpi=60, font_path=font)
    path = scanned_pdf(tmp_path / "long_scan.pdf", [small_page(NOTE)] + [blank] * 299)
    doc = parse(path.read_bytes(), path.name, replace(ROOMY, ocr_max_pages=1))
    assert doc.status == "ok" and doc.pages == 300
    assert doc.meta["ocr_pages"] == [1] and doc.meta["ocr_skipped_pages"] == list(range(2, 301))
    assert "truncated" in doc.flags and "长水函〔2026〕7号" in doc.text
    assert FLAG_REASONS["truncated"] in decide(PolicyInput(flags=doc.flags, probabilities=SURE)).review_reasons


def test_time_budget_stops_ocr_in_time_with_truncated_instead_of_a_killed_worker(font):
    pages = [small_page(NOTE)] * 3
    data = image_bytes(pages[0], "TIFF", save_all=True, append_images=pages[1:])
    # No page may start unless 1000 s are left of the budget: nothing is read, the file says why.
    doc = parse(data, "slow.tiff", replace(ROOMY, ocr_page_timeout_s=1000))
    assert doc.status == "unreadable" and doc.meta["ocr_skipped_pages"] == [1, 2, 3]
    # A page slower than the per-page limit stops the OCR of the file after that page.
    doc = parse(data, "slow.tiff", replace(ROOMY, ocr_page_timeout_s=0.001, ocr_time_budget_s=500))
    assert doc.status == "ok" and doc.meta["ocr_pages"] == [1] and doc.meta["ocr_skipped_pages"] == [2, 3]
    assert "truncated" in doc.flags


def test_shared_image_only_ofd_is_read_by_ocr_and_its_low_confidence_sends_it_to_review():
    path = shared_path("real-files", "ofd07_image_only_wps_export.ofd")
    doc = parse(path.read_bytes(), path.name, ROOMY)
    assert doc.status == "ok" and doc.meta["ocr_pages"] == [1, 2]
    assert "祖国" in doc.text                                   # a photo of a projected film title
    assert doc.meta["ocr_confidence"] < OCR_MIN_CONFIDENCE and "ocr_low_confidence" in doc.flags
    proposal = decide(PolicyInput(flags=doc.flags, probabilities=SURE))
    assert proposal.needs_review and FLAG_REASONS["ocr_low_confidence"] in proposal.review_reasons


def test_an_image_with_no_text_is_unreadable_and_a_broken_image_is_an_error():
    from PIL import Image

    doc = parse(image_bytes(Image.new("RGB", (400, 300), "white"), "PNG"), "white.png", ROOMY)
    assert (doc.status, doc.error) == ("unreadable", "no text found by OCR (image-only)")
    doc = parse(image_bytes(Image.new("RGB", (40, 30), "white"), "PNG")[:60], "cut.png")
    assert doc.status == "error" and doc.error.startswith("corrupt:")
    doc = parse(b"%PDF-1.7\n" + b"0" * 100, "photo.jpg")
    assert (doc.status, doc.error) == ("error", "not a JPG although named .jpg (looks like a PDF)")


def test_ocr_never_downloads_it_runs_with_the_network_unavailable(font, tmp_path):
    """The models ship in the wheel: a process without any network reads a scan."""
    image = tmp_path / "scan.png"
    small_page(NOTE).save(image)
    code = ("import sys; from gongkai.pipeline.ingest import parse; "
            "doc = parse(open(sys.argv[1], 'rb').read(), 'scan.png'); print(doc.status, doc.text.splitlines()[2])")
    command = [sys.executable, "-c", code, str(image)]
    env = {**os.environ, "http_proxy": "http://10.255.255.1:9", "https_proxy": "http://10.255.255.1:9",
           "HTTP_PROXY": "http://10.255.255.1:9", "HTTPS_PROXY": "http://10.255.255.1:9", "no_proxy": ""}
    if shutil.which("unshare") and os.geteuid() == 0 and subprocess.run(
            ["unshare", "-n", "true"], capture_output=True).returncode == 0:
        command = ["unshare", "-n", *command]       # no network namespace: nothing can be reached
    proc = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["ok", "长水函〔2026〕7号"]


def test_classify_stores_the_ocr_columns_and_review_and_export_show_them(font, tmp_path):
    """End to end in real processes: OCR runs in the workers, the item carries what it read."""
    inbox = tmp_path / "inbox"
    scanned_pdf(inbox / "secret_scan.pdf", [small_page(SECRET, Condition(dpi=200, noise=6, seed=3))])
    gongkai = str(Path(sys.executable).parent / "gongkai")
    db = str(tmp_path / "work.sqlite")
    env = {**os.environ, "COLUMNS": "250"}

    def run(*args):
        proc = subprocess.run([gongkai, *args], capture_output=True, text=True, env=env, timeout=600)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return proc.stdout

    run("classify", str(inbox), "--db", db, "--batch", "b1", "--workers", "1")
    [row] = json.loads(run("review", "list", "--db", db, "--batch", "b1", "--json"))
    assert row["ocr"] is True and row["proposed"] == "non_disclosure" and row["ocr_confidence"] > 0.5
    shown = run("review", "show", str(row["id"]), "--db", db)
    assert "OCR 识别：第 1 页" in shown and "秘密★1年" in shown
    [record] = [json.loads(line) for line in run("export", "--db", db, "--batch", "b1").splitlines()]
    assert record["ocr"] is True and record["ocr_pages"] == [1]
    assert 0 < record["ocr_min_confidence"] <= record["ocr_confidence"] <= 1
    assert record["secrecy"] == "秘密★1年" and record["needs_review"] is True
