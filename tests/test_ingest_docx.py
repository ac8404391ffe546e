"""DOCX: document order, headers/footers, text boxes, tracked changes and comments, on files built here."""
from __future__ import annotations

import pytest

from gongkai.pipeline.ingest import parse
from gongkai.pipeline.ingest.docx import docx_text_careful
from tests.builders import make_docx

TITLE = "关于开展2024年度政府信息公开保密审查工作的通知"
PARAS = [TITLE, "各县（市、区）人民政府，市政府各部门：", "为做好公开前保密审查工作，现将有关事项通知如下。"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("docx")
    full = make_docx(folder / "full.docx", PARAS, header="机密★1年", footer="— 1 —",
                     textbox="内部资料 注意保存", tracked_insert="（此件依申请公开）",
                     tracked_delete="联系人张三，身份证号320102198001011234", comment="请核实是否涉密",
                     table=[["序号", "单位"], ["1", "市财政局"]])
    plain = make_docx(folder / "plain.docx", PARAS)
    return {"full": parse(full.read_bytes(), "full.docx"), "full_bytes": full.read_bytes(),
            "plain": parse(plain.read_bytes(), "plain.docx")}


def test_header_comes_first_and_footer_last(built):
    text = built["full"].text
    assert text.startswith("机密★1年\n" + TITLE)
    assert text.endswith("— 1 —")


def test_text_box_is_read_once(built):
    text = built["full"].text
    assert text.count("内部资料 注意保存") == 1       # Choice and VML Fallback hold the same box


def test_tracked_insertion_is_text_and_deletion_is_not(built):
    doc = built["full"]
    assert "（此件依申请公开）" in doc.text
    assert "320102198001011234" not in doc.text
    assert "tracked_changes" in doc.flags


def test_comment_is_flagged_but_not_text(built):
    assert "comments" in built["full"].flags and "请核实是否涉密" not in built["full"].text


def test_table_cells_in_order(built):
    text = built["full"].text
    assert text.index("序号") < text.index("单位") < text.index("市财政局")


def test_a_table_row_is_one_line_with_tab_separated_cells(built):
    assert "序号\t单位\n1\t市财政局" in built["full"].text
    assert "序号\t单位\n1\t市财政局" in docx_text_careful(built["full_bytes"])


def test_merged_and_multi_paragraph_cells_keep_the_columns(tmp_path):
    import docx

    document = docx.Document()
    grid = document.add_table(rows=3, cols=3)
    for row, values in zip(grid.rows, [["姓名", "身份证号码", "住址"], ["王秀英", "320102198103136664", "石桥村"], ["", "", ""]]):
        for cell, value in zip(row.cells, values):
            cell.text = value
    grid.cell(1, 2).merge(grid.cell(2, 2))             # vertical merge: the continuation is an empty cell
    grid.cell(1, 2).add_paragraph("3组")
    path = tmp_path / "t.docx"
    document.save(str(path))
    lines = parse(path.read_bytes(), "t.docx").text.split("\n")
    assert lines[:2] == ["姓名\t身份证号码\t住址", "王秀英\t320102198103136664\t石桥村 3组"]


def test_plain_document_has_no_flags(built):
    doc = built["plain"]
    assert (doc.status, doc.flags, doc.text) == ("ok", [], "\n".join(PARAS))


def test_careful_path_reads_less_but_in_the_same_order(built):
    careful = docx_text_careful(built["full_bytes"])
    assert careful.startswith("机密★1年\n" + TITLE)
    assert "内部资料" not in careful                  # python-docx's paragraph API skips text boxes
    fast = "".join(built["full"].text.split())
    it = iter(fast)
    assert all(ch in it for ch in "".join(careful.split()))


def test_docx_without_document_part_is_corrupt(tmp_path):
    import zipfile

    path = tmp_path / "empty.docx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
    doc = parse(path.read_bytes(), "empty.docx")
    assert doc.status == "error" and doc.error.startswith("corrupt: ")


def test_empty_document_is_unreadable(tmp_path):
    doc = parse(make_docx(tmp_path / "e.docx", ["", ""]).read_bytes(), "e.docx")
    assert doc.status == "unreadable" and doc.error.startswith("no text")


def test_tab_stops_in_paragraph_properties_are_not_tabs(tmp_path):
    import docx
    from docx.shared import Cm

    document = docx.Document()
    paragraph = document.add_paragraph("各有关单位：")
    paragraph.paragraph_format.tab_stops.add_tab_stop(Cm(4))
    document.add_paragraph("姓名\t张某某").paragraph_format.tab_stops.add_tab_stop(Cm(2))
    document.save(str(tmp_path / "t.docx"))
    assert parse((tmp_path / "t.docx").read_bytes(), "t.docx").text == "各有关单位：\n姓名\t张某某"


def test_text_box_follows_its_paragraph(built):
    lines = built["full"].text.split("\n")
    holder = next(i for i, line in enumerate(lines) if line.endswith("（此件依申请公开）"))
    assert lines[holder + 1] == "内部资料 注意保存"
