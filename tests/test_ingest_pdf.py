"""PDF: PDFium fast path on PDFs built with reportlab (STSong-Light), normalisation, garble checks."""
from __future__ import annotations

import pytest

from gongkai.config import Limits
from gongkai.pipeline.ingest import parse
from gongkai.pipeline.ingest.garble import CID, NO_UNICODE_MAP, PRIVATE_USE, garbled_reason, page_garble
from gongkai.pipeline.ingest.normalize import layout_text
from gongkai.pipeline.ingest.pdf import pdf_text_careful
from tests.builders import make_pdf
from tests.conftest import shared_files

BODY = ("为切实做好春节期间安全生产工作，防范和遏制重特大事故发生，各单位要严格落实涉密人员管理制度，"
        "加强值班值守，确保人民群众度过一个安定祥和的节日。")


@pytest.fixture(scope="module")
def notice_pdf(tmp_path_factory):
    pages = ["机密★1年\n关于做好春节期间安全生产工作的通知\n各区县人民政府：\n" + BODY,
             "（此件不予公开）\n某某市人民政府办公室2024年1月5日印发"]
    return make_pdf(tmp_path_factory.mktemp("pdf") / "notice.pdf", pages).read_bytes()


def test_pdf_text_pages_and_status(notice_pdf):
    doc = parse(notice_pdf, "notice.pdf")
    assert (doc.status, doc.format, doc.pages) == ("ok", "pdf", 2)
    assert doc.text.startswith("机密★1年\n关于做好春节期间安全生产工作的通知\n各区县人民政府：\n")
    assert "（此件不予公开）" in doc.text and doc.meta["page_starts"][1] > 0


def test_wrapped_body_lines_are_joined_so_phrases_survive(notice_pdf):
    doc = parse(notice_pdf, "notice.pdf")
    assert BODY in doc.text                      # the PDF breaks it every 28 characters
    assert "涉密人员" in doc.text


def test_short_lines_keep_their_breaks(notice_pdf):
    """Title, addressee and 版记 lines are shorter than the column: joining them would merge fields."""
    lines = parse(notice_pdf, "notice.pdf").text.split("\n")
    assert "关于做好春节期间安全生产工作的通知" in lines and "各区县人民政府：" in lines


def test_careful_path_normalises_the_same_way(notice_pdf):
    assert pdf_text_careful(notice_pdf) == parse(notice_pdf, "notice.pdf").text


def test_layout_text_joins_cjk_punctuation_and_removes_spaced_title():
    page = "通  知\n" + "各单位要严格落实涉密人员管理制度，加强值班值守，确保人民群众度过一个安" + "\n定祥和的节日。\n2024 年 1 月 5 日"
    assert layout_text(page) == "通知\n各单位要严格落实涉密人员管理制度，加强值班值守，确保人民群众度过一个安定祥和的节日。\n2024年1月5日"
    line = "根据《中华人民共和国政府信息公开条例》第十四条的规定，现将有关事项通知如下"
    assert layout_text(line + "\n，请遵照执行。") == line + "，请遵照执行。"


def test_layout_text_keeps_latin_breaks():
    assert layout_text("Layout key for official document of Party and\ngovernment organs") == \
        "Layout key for official document of Party and\ngovernment organs"


def test_image_only_pdf_is_unreadable(tmp_path):
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    path = tmp_path / "scan.pdf"
    pdf = canvas.Canvas(str(path))
    image = Image.new("L", (200, 280), 255)
    pdf.drawImage(ImageReader(image), 0, 0, 595, 842)
    pdf.showPage()
    pdf.save()
    doc = parse(path.read_bytes(), "scan.pdf")
    assert (doc.status, doc.error) == ("unreadable", "no text found by OCR (image-only)")
    assert doc.meta["ocr_pages"] == [1]
    # Without OCR (its page budget at 0) the page is a scan nobody read.
    doc = parse(path.read_bytes(), "scan.pdf", Limits(ocr_max_pages=0))
    assert (doc.status, doc.error) == ("unreadable", "no text layer (image-only or scanned pages)")
    assert doc.meta["scanned_pages"] == [1] and doc.meta["ocr_skipped_pages"] == [1]


@pytest.mark.parametrize("text, kind", [
    ("(cid:12)(cid:345)(cid:77) (cid:8)(cid:9)", CID),
    ("\ue001\ue002\ue003\ue004 通知", PRIVATE_USE),
    ("\ufffd\ufffd\ufffd\ufffd关于", PRIVATE_USE),
    ("¹ØÓÚ¼ÓÇ¿°²È«Éú²ú¹¤×÷µÄÍ¨Öª", NO_UNICODE_MAP),   # 关于加强安全生产工作的通知, GBK read as Latin-1
])
def test_garbled_pages_are_recognised(text, kind):
    assert page_garble(text) == kind


@pytest.mark.parametrize("text", [
    "关于加强安全生产工作的通知", "Peněžní prostředky na účtech", "Straße und Café in München",
    "金额：¥1,280.00，温度 25°C ± 2", "平成™—年›月™œ日金曜日官報第›号" + "右す は と は さま 進る ば路以六四三お一に" * 3,
])
def test_real_text_is_not_called_garbled(text):
    assert page_garble(text) is None


def test_garbled_reason_wording():
    assert garbled_reason({1: CID, 3: CID, 4: NO_UNICODE_MAP}, 5) == \
        "text is garbled on 3 of 5 pages: (cid:NNN) glyphs / fonts without a Unicode map"


def test_page_limit_truncates_and_flags(tmp_path):
    data = make_pdf(tmp_path / "long.pdf", [f"第{i}页 关于印发工作要点的通知" for i in range(1, 6)]).read_bytes()
    doc = parse(data, "long.pdf", Limits(max_pages=2))
    assert doc.pages == 5 and doc.meta["pages_read"] == 2 and "truncated" in doc.flags
    assert "第2页" in doc.text and "第3页" not in doc.text


def test_a_full_width_title_and_the_addressee_line_are_not_joined_as_wraps(tmp_path):
    from gongkai.pipeline.extract import extract_fields

    title = "长兴湾市人民政府关于加快发展生态茶产业的意见"        # 23 of 28 characters: looks full
    addressees = "各县（区）人民政府，市政府各部门、各直属单位："
    body = "茶产业是我市山区群众增收的主导产业。为推动生态茶产业提质增效，促进农民持续增收，现提出如下意见。"
    path = make_pdf(tmp_path / "t.pdf", ["\n".join([title, addressees, body])])
    fields = extract_fields(parse(path.read_bytes(), path.name).text)
    assert fields.title == title and fields.doc_type == "意见"
    assert fields.addressees == ["各县（区）人民政府", "市政府各部门", "各直属单位"]


def test_glyphs_pdfium_leaves_out_of_its_text_page_are_recovered(tmp_path):
    # One-glyph lines in a non-embedded CID font: PDFium's text page silently omits them.
    path = make_pdf(tmp_path / "single.pdf", ["第一行文字写满二十八个字符的内容用于测试换行情况到此为止", "。", "报",
                                               "第二段落的文字内容"])
    parsed = parse(path.read_bytes(), path.name)
    assert "。" in parsed.text and "报" in parsed.text
    # Whether PDFium loses them depends on the machine: with a system CJK font to substitute
    # (fontconfig), it can measure the glyphs. Where it loses them, those pages were re-read.
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(path.read_bytes())
    lost = [i + 1 for i in range(len(pdf)) if not pdf[i].get_textpage().get_text_range().strip()]
    assert parsed.meta.get("careful_pages", []) == lost


def test_builders_never_start_a_line_with_closing_punctuation():
    from tests.builders import NO_LINE_START, wrap

    lines = wrap("甲" * 28 + "。" + "乙" * 27 + "，、" + "丙" * 5)
    assert lines[0].endswith("。") and lines[1].endswith("，、")
    assert not any(line[0] in NO_LINE_START for line in lines)


def _latin_pdf(path, font: str | None) -> bytes:
    """A one-line PDF in Helvetica (a standard-14 font, not embedded) or in an embedded TrueType font."""
    import os

    import reportlab
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path))
    if font:
        pdfmetrics.registerFont(TTFont(font, os.path.join(os.path.dirname(reportlab.__file__), "fonts", "Vera.ttf")))
        pdf.setFont(font, 14)
    pdf.drawString(72, 700, "Notice on winter fire prevention")
    pdf.showPage()
    pdf.save()
    return path.read_bytes()


def test_the_lost_glyph_guard_is_skipped_only_where_the_bytes_prove_every_font_embedded(tmp_path):
    from gongkai.pipeline.ingest.pdf import may_lose_glyphs

    cid = make_pdf(tmp_path / "cid.pdf", ["关于做好冬季森林防火工作的通知"]).read_bytes()
    assert may_lose_glyphs(cid)                            # STSong-Light is left to the reader
    standard = _latin_pdf(tmp_path / "helvetica.pdf", None)
    embedded = _latin_pdf(tmp_path / "vera.pdf", "Vera")
    assert not may_lose_glyphs(standard)                   # PDFium ships the standard 14
    assert not may_lose_glyphs(embedded)
    # dictionaries inside a compressed object stream cannot be seen: the guard stays on
    assert may_lose_glyphs(embedded.replace(b"%%EOF", b"5 0 obj << /Type /ObjStm /N 0 /First 0 >>\n%%EOF"))
    assert parse(embedded, "vera.pdf").text == "Notice on winter fire prevention"


@pytest.mark.parametrize("path", shared_files("odd-inputs", pattern="*.pdf") + shared_files("real-files", pattern="*.pdf"),
                         ids=lambda p: p.name)
def test_every_shared_pdf_whose_pages_lose_glyphs_keeps_the_guard(path):
    import pypdfium2 as pdfium

    from gongkai.pipeline.ingest.pdf import _silent_text_objects, may_lose_glyphs

    data = path.read_bytes()
    if not may_lose_glyphs(data):
        try:
            pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError:
            return
        for i in range(min(len(pdf), 50)):
            page = pdf[i]
            assert not _silent_text_objects(page, page.get_textpage()), f"page {i + 1}"
