"""Every file of ../shared/odd-inputs and ../shared/real-files: status, reason and text, decided file by file."""
from __future__ import annotations

import collections
import csv
import re

from dataclasses import replace

import pytest

from tests.conftest import shared_files, shared_path
from gongkai.config import DEFAULT_LIMITS
from gongkai.pipeline.ingest import parse
from gongkai.pipeline.ingest.docx import docx_text_careful
from gongkai.pipeline.ingest.garble import NO_UNICODE_MAP, page_garble
from gongkai.pipeline.ingest.pdf import pdf_text_careful

NO_TEXT_LAYER = "no text layer"
ENCRYPTED = "encrypted: a password is required"

# Scanned PDFs the manifest calls "no text layer": their page images are read by OCR now.
READ_BY_OCR = {"pdfminersix__encrypted_doc_no_id.pdf", "pdfplumber__malformed-from-issue-932.pdf",
               "pdfminersix__pdf-with-jbig2.pdf", "pdfjs__scan-bad.pdf"}
# The text layer alone (no OCR), for comparing the two PDF paths.
TEXT_LAYER_ONLY = replace(DEFAULT_LIMITS, ocr_max_pages=0)

# file -> (status, what the text contains for ok / what the reason says otherwise, why)
ODD_INPUTS = {
    "pdfplumber__empty.pdf": ("error", "empty file", "0 bytes"),
    "pdfplumber__password-example.pdf": ("error", ENCRYPTED, "needs user password 'test'"),
    "pdfminersix__aes-128.pdf": ("error", ENCRYPTED, "needs user password 'foo'"),
    "pdfminersix__aes-256-r6.pdf": ("error", ENCRYPTED, "needs user password"),
    "pdfminersix__rc4-40.pdf": ("error", ENCRYPTED, "needs user password 'foo'"),
    # Manifest: "should fail with clear error". It opens with an empty user password under the
    # standard AES-256 handler (PDFium and pdfminer agree) and its one page has no text: the clear
    # answer is `unreadable: no text layer`, not silence and not a made-up encryption error.
    "pdfjs__secHandler.pdf": ("unreadable", NO_TEXT_LAYER, "empty page behind an owner-only password"),
    # "should parse" in the manifest means "must not fail"; these open fine but hold no text,
    # which is what `unreadable` is for.
    "pdfjs__empty_protected.pdf": ("unreadable", NO_TEXT_LAYER, "owner password only, empty page"),
    # Scans: their pages are read by OCR (the manifest predates it), see READ_BY_OCR.
    "pdfminersix__encrypted_doc_no_id.pdf": ("ok", "WO 2003/036426", "empty-password PDF, scanned pages"),
    "pdfplumber__malformed-from-issue-932.pdf": ("ok", "重庆万州经济技术开发",
                                                 "a full-page image with only the date stamp '2021 3 31'"),
    "pdfplumber__issue-297-example.pdf": ("unreadable", NO_TEXT_LAYER, "no text at all"),
    "pdfminersix__pdf-with-jbig2.pdf": ("ok", "Doesn't", "JBIG2 scan"),
    "pdfjs__scan-bad.pdf": ("ok", "pdf.js", "full-page scan with a 6-character label"),
    "pdfjs__images_1bit_grayscale.pdf": ("unreadable", NO_TEXT_LAYER, "image only"),
    # The manifest expects garbage here because pdfminer decodes the GBK codes as Latin-1.
    # PDFium applies the font's GBK-EUC-H CMap and recovers the real Chinese, so the fast path
    # is `ok`; the careful path's mojibake is still caught (test_xiaobiaosong_careful_text_is_garbled).
    "pdfjs__XiaoBiaoSong.pdf": ("ok", "关于红军作战的原则", "FZXiaoBiaoSong title font, CID font"),
    "pdfjs__TrueType_without_cmap.pdf": ("ok", ">in", "4 glyphs; both extractors agree"),
    "pdfjs__helloworld-bad.pdf": ("ok", "Hello, world!", "bad offsets, repaired"),
    "pdfjs__issue14438.pdf": ("ok", "Trace-based Just-in-Time", "Chinese CMaps, English text"),
    "pdfjs__issue15690.pdf": ("ok", "Ｏｐｔｉｍｉｚａｔｉｏｎ", "full-width Latin in SimSun"),
    "pdfjs__issue20489.pdf": ("ok", "北斗星", "SimSun; pdfminer gives (cid:N)"),
    "pdfjs__issue2128r.pdf": ("ok", "浅谈校长的魅力", "non-embedded font, GBK-EUC-H"),
    "pdfjs__issue8372.pdf": ("ok", "目录", "UniGB-UTF16-H"),
    "pdfjs__noembed-eucjp.pdf": ("ok", "あいうえお", "EUC-JP"),
    "pdfjs__noembed-sjis.pdf": ("ok", "あいうえお", "Shift-JIS"),
    "pdfjs__vertical.pdf": ("ok", "日本語", "vertical writing"),
    "pdfjs__xref_command_missing.pdf": ("ok", "Reduced test-case", "broken xref, repaired"),
    "pdfminersix__issue-1113-evil-xobjects.pdf": ("ok", "Hello world", "recursive XObjects are cut off"),
    "pdfminersix__issue-449-vertical.pdf": ("ok", "Vertical", "vertical layout"),
    "pdfminersix__issue-625-identity-cmap.pdf": ("ok", "Faktura nr FV 1/2021", "Identity-H"),
    # PDFium flags the glyphs as lacking a Unicode map and extracts shifted letters; pdfminer reads
    # the glyph names, so that page is taken from the careful path.
    "pdfminersix__issue-791-non-unicode-cmap.pdf": ("ok", "Peněžní prostředky na účtech", "page re-read by pdfminer"),
    "pdfminersix__issue-886-xref-stream-widths.pdf": ("ok", "Hello", "odd xref widths"),
    # PDFium cannot measure the glyphs of the non-embedded Ryumin-Light and leaves most out of its
    # text page; the page is re-read by pdfminer: every glyph, in pdfminer's row-by-row order.
    "pdfminersix__jo.pdf": ("ok", "塵", "vertical Japanese, page re-read by pdfminer"),
    # PDFium extracts 28 characters, mostly cp1252 junk (™—›); the page is re-read by pdfminer.
    "pdfminersix__kampo.pdf": ("ok", "官報", "page re-read by pdfminer"),
    "pdfminersix__simple1.pdf": ("ok", "Hello World", "minimal PDF"),
    "pdfminersix__zen_of_python_corrupted.pdf": ("ok", "Beautiful is better than ugly.", "damaged stream"),
    "pdfplumber__image_structure.pdf": ("ok", "Here is an image with some attributes:", "tagged PDF"),
    "pdfplumber__issue-71-duplicate-chars.pdf": ("ok", "项目描述：负责四川省甘孜州", "fake bold, de-duplicated"),
    "pdfplumber__nics-background-checks-2015-11-rotated.pdf": ("ok", "Handgun", "rotated table"),
    "python-docx__hdr-header-footer.docx": ("ok", "Header for section-1", "header text comes first"),
    # These four open fine and have no text anywhere (empty tables, images, empty paragraphs).
    "python-docx__sty-having-no-styles-part.docx": ("unreadable", "no text", "no styles part, no text"),
    "python-docx__doc-no-coreprops.docx": ("unreadable", "no text", "no core properties, no text"),
    "python-docx__having-images.docx": ("unreadable", "no text", "inline images only"),
    "python-docx__tbl-having-tables.docx": ("unreadable", "no text", "tables whose cells are all empty"),
}

REAL_FILES = {
    "ofd01_gongwen_pifu_hongtou_signed.ofd": ("ok", "路卫发〔2011〕76号", "关于同意张阿三同志辞职的批复"),
    "ofd02_gongwen_han_suwell.ofd": ("ok", "关于加快南货场铁路涵洞下穿建设的函", "蚌山区政府："),
    "ofd03_shouwen_chuli_jian.ofd": ("ok", "府办专督〔2020〕", "收文登记人"),
    "ofd04_vat_e_invoice_chongqing.ofd": ("ok", "重庆增值税电子普通发票", "科游迈利有限公司"),  # template + data layer
    "ofd05_e_invoice_2024_signed.ofd": ("ok", "电子发票（增值税专用发票）", "海南麒麟云服科技有限公司"),
    "ofd06_customs_journal_multipage.ofd": ("ok", "数字档案室建设", "海关总署"),  # text in composite units
    "ofd07_image_only_wps_export.ofd": ("ok", "祖国", "COUNT"),   # image-only: read by OCR
    "ofd08_redhead_test_notice_wps.ofd": ("ok", "国防部关于放假的通知", "国防部发〔2012〕21号"),
    "docx01_gongwen_template_wps.docx": ("ok", "关于规范公文格式标准的通知", "党政机关公文处理工作条例"),
    "docx02_redhead_master_template.docx": ("ok", "机密★5年", "XXX〔2023〕X号"),
    "docx03_redhead_test_notice.docx": ("ok", "国防部关于放假的通知", "国防部发〔2012〕21号"),
    "docx04_notice_python_docx.docx": ("ok", "关于开展格式检查工作的通知", "附件：格式检查清单"),
    "docx05_comments_revisions.docx": ("ok", "插入的修订文字", "批注和修订样例"),
    # doc01 was re-saved in 2026 with edited content: its text really is 教育部放假 / 〔2023〕33号.
    "doc01_redhead_test_notice.doc": ("ok", "国防部关于教育部放假的通知", "国防部发〔2023〕33号"),
    "doc02_master_template_wps_saved.doc": ("ok", "机密★5年", "XXX〔2023〕X号"),
    "wps01_redhead_test_notice.wps": ("ok", "国防部关于放假的通知", "国防部发〔2012〕21号"),
    "wps02_master_template.wps": ("ok", "机密★5年", "二〇二三年一月一日"),
    "pdf01_gbt9704_2012_acrobat.pdf": ("ok", "党政机关公文格式", "发文字号"),
    "pdf02_gbt9704_2012_chrome_uos.pdf": ("ok", "党政机关公文格式", "中华人民共和国国家标准"),
    "pdf03_gongwen_errors_table_wps.pdf": ("ok", "公文写作常见错误更正对照表", "标点符号"),
    "pdf04_redhead_test_notice_wps.pdf": ("ok", "国防部关于放假的通知", "国防部发〔2012〕21号"),
    "pdf05_redhead_master_template_wps.pdf": ("ok", "机密★5年", "二〇二三年一月一日"),
}


def _manifest(folder: str) -> dict[str, dict]:
    with open(shared_path(folder, "manifest.csv"), encoding="utf-8") as fh:
        return {row["file"]: row for row in csv.DictReader(fh)}


def _data_files(folder: str):
    return [p for p in shared_files(folder) if p.suffix != ".csv" and p.suffix != ".md"]


@pytest.mark.parametrize("path", _data_files("odd-inputs"), ids=lambda p: p.name)
def test_odd_input(path):
    status, expected, why = ODD_INPUTS[path.name]
    doc = parse(path.read_bytes(), path.name)
    assert doc.status == status, f"{path.name} ({why}): {doc.error}"
    if status == "ok":
        assert expected in doc.text, why
    else:
        assert expected in doc.error and "\n" not in doc.error


def test_odd_input_decisions_follow_the_manifest_where_it_is_right():
    """`should fail` → error, `no text layer` → unreadable; the exceptions are commented in the table."""
    manifest = _manifest("odd-inputs")
    assert set(manifest) == set(ODD_INPUTS), "a file was added to or removed from odd-inputs"
    for name, row in manifest.items():
        status = ODD_INPUTS[name][0]
        if row["expected"] == "no text layer":
            assert status == "unreadable" or name in READ_BY_OCR, name
        elif row["expected"] == "should fail with clear error" and name != "pdfjs__secHandler.pdf":
            assert status == "error", name


@pytest.mark.parametrize("path", _data_files("real-files"), ids=lambda p: p.name)
def test_real_file(path):
    status, first, second = REAL_FILES[path.name]
    doc = parse(path.read_bytes(), path.name)
    assert doc.status == status, doc.error
    if status == "ok":
        assert first in doc.text and second in doc.text
        assert doc.format == path.suffix.lstrip(".")
    else:
        assert first in doc.error


def test_real_files_table_is_complete():
    assert set(_manifest("real-files")) == set(REAL_FILES)


def test_signed_ofd_is_flagged_and_counted():
    doc = parse(shared_path("real-files", "ofd01_gongwen_pifu_hongtou_signed.ofd").read_bytes(), "x.ofd")
    assert "signature" in doc.flags and doc.meta["signatures"] == 1 and doc.pages == 2


def test_docx_with_ns0_prefixes_keeps_insertions_drops_deletions_and_flags_both():
    doc = parse(shared_path("real-files", "docx05_comments_revisions.docx").read_bytes(), "x.docx")
    assert "插入的修订文字" in doc.text and "删除的修订文字" not in doc.text
    assert {"tracked_changes", "comments"} <= set(doc.flags)


def test_same_notice_reads_alike_in_every_format():
    """docx03 / ofd08 / pdf04 / wps01 are one 公文 saved by WPS in four formats."""
    names = ["docx03_redhead_test_notice.docx", "ofd08_redhead_test_notice_wps.ofd",
             "pdf04_redhead_test_notice_wps.pdf", "wps01_redhead_test_notice.wps"]
    for name in names:
        text = parse(shared_path("real-files", name).read_bytes(), name).text
        for phrase in ("国防部发〔2012〕21号", "国防部关于放假的通知", "各有关单位：", "2012年12月12日"):
            assert phrase in text, (name, phrase)


# ---- fast vs careful ---------------------------------------------------------------------------

def _chars(text: str) -> collections.Counter:
    return collections.Counter("".join(text.split()))


# Where the two PDF paths legitimately differ, and why the fast path is the better (or known) one.
PDF_DIFFERENCES = {
    "pdfjs__XiaoBiaoSong.pdf": "pdfminer decodes the GBK codes as Latin-1 mojibake; PDFium applies GBK-EUC-H",
    "pdfjs__issue20489.pdf": "pdfminer writes (cid:10) for SimSun-ExtB glyphs PDFium maps",
    "pdfjs__issue14438.pdf": "pdfminer writes (cid:13) for the © glyph PDFium maps",
    "pdfplumber__issue-71-duplicate-chars.pdf": "fake-bold glyphs drawn twice; PDFium drops the overprint",
    "pdfminersix__kampo.pdf": "machine-dependent: with no CJK system font PDFium's text is garbled and the page "
                              "is re-read by pdfminer (same text); with one (fontconfig) PDFium substitutes it "
                              "and misses a few variant kanji (17 of 2,634 seen) that pdfminer reads",
    "pdfminersix__issue-1113-evil-xobjects.pdf": "pdfminer stops at the first self-reference, PDFium draws "
                                                 "the recursion a bounded number of times: same words, repeated",
}


def _both_pdf_paths():
    for path in _data_files("real-files") + _data_files("odd-inputs"):
        if path.suffix == ".pdf":
            yield path


@pytest.mark.parametrize("path", list(_both_pdf_paths()), ids=lambda p: p.name)
def test_pdf_fast_path_matches_careful_path(path):
    data = path.read_bytes()
    doc = parse(data, path.name, TEXT_LAYER_ONLY)       # OCR text has no careful peer
    if doc.status != "ok":
        pytest.skip(f"fast path status {doc.status}: compared only where both succeed")
    careful = pdf_text_careful(data)
    fast_chars, careful_chars = _chars(doc.text), _chars(careful)
    if path.name not in PDF_DIFFERENCES:
        # Same characters; reading order may differ (PDFium follows the content stream).
        assert fast_chars == careful_chars
    elif path.name == "pdfplumber__issue-71-duplicate-chars.pdf":
        assert "项项目目" in careful and "项项目目" not in doc.text
        assert not fast_chars - careful_chars
    elif path.name == "pdfminersix__kampo.pdf":
        rest = _chars(re.sub(r"\(cid:\d+\)", "", careful))
        assert sum((rest - fast_chars).values()) <= 0.02 * sum(rest.values())
    elif path.name == "pdfminersix__issue-1113-evil-xobjects.pdf":
        assert set(fast_chars) == set(careful_chars)
    elif path.name == "pdfjs__XiaoBiaoSong.pdf":
        assert page_garble(careful) is not None and page_garble(doc.text) is None
    else:  # (cid:N) placeholders: everything else is the same text
        assert "(cid:" in careful and "(cid:" not in doc.text
        rest = _chars(re.sub(r"\(cid:\d+\)", "", careful))
        assert sum((rest - fast_chars).values()) <= 10 + 0.02 * sum(rest.values())


def test_xiaobiaosong_careful_text_is_garbled():
    data = shared_path("odd-inputs", "pdfjs__XiaoBiaoSong.pdf").read_bytes()
    assert page_garble(pdf_text_careful(data)) == NO_UNICODE_MAP


def _docx_files():
    return [p for p in _data_files("real-files") + _data_files("odd-inputs") if p.suffix == ".docx"]


def _is_subsequence(needle: str, haystack: str) -> bool:
    it = iter(haystack)
    return all(ch in it for ch in needle)


@pytest.mark.parametrize("path", _docx_files(), ids=lambda p: p.name)
def test_docx_fast_path_contains_careful_text_in_order(path):
    """The fast text may hold more (text boxes, insertions, notes): the careful text must be in it, in order."""
    data = path.read_bytes()
    doc = parse(data, path.name)
    careful = "".join(docx_text_careful(data).split())
    assert _is_subsequence(careful, "".join(doc.text.split()))
    if doc.status == "ok":
        assert len(careful) > 0


