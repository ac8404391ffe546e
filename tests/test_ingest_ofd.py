"""OFD: pages in order, runs grouped into lines by position, templates, signatures, path quirks."""
from __future__ import annotations

import zipfile

from gongkai.pipeline.ingest import parse
from gongkai.pipeline.ingest.ofd import Run, lines_of
from tests.builders import make_ofd

BODY = "为切实做好春节期间安全生产工作，防范和遏制重特大事故发生，各单位要严格落实涉密人员管理制度。"


def test_pages_in_order_and_counted(tmp_path):
    path = make_ofd(tmp_path / "a.ofd", ["关于做好春节期间安全生产工作的通知\n" + BODY, "抄送：市委办公室。"])
    doc = parse(path.read_bytes(), "a.ofd")
    assert (doc.status, doc.pages) == ("ok", 2)
    assert doc.text == "关于做好春节期间安全生产工作的通知\n" + BODY + "\n\n抄送：市委办公室。"


def test_runs_written_bottom_up_read_top_down(tmp_path):
    path = make_ofd(tmp_path / "a.ofd", ["关于做好春节期间安全生产工作的通知\n各区县人民政府：\n" + BODY], bottom_up=True)
    text = parse(path.read_bytes(), "a.ofd").text
    assert text.index("通知") < text.index("各区县人民政府：") < text.index("涉密人员")


def test_template_page_text_is_included(tmp_path):
    path = make_ofd(tmp_path / "a.ofd", ["关于做好春节期间安全生产工作的通知"], template="机密★1年")
    assert parse(path.read_bytes(), "a.ofd").text.startswith("机密★1年\n关于")


def test_signature_is_flagged_and_counted(tmp_path):
    doc = parse(make_ofd(tmp_path / "s.ofd", ["关于同意设立分局的批复"], signed=True).read_bytes(), "s.ofd")
    assert doc.flags == ["signature"] and doc.meta["signatures"] == 1


def test_paths_resolve_case_insensitively(tmp_path):
    built = make_ofd(tmp_path / "a.ofd", ["关于同意设立分局的批复"], doc_dir="Doc_0")
    renamed = tmp_path / "b.ofd"
    with zipfile.ZipFile(built) as src, zipfile.ZipFile(renamed, "w") as dst:
        for info in src.infolist():
            dst.writestr(info.filename.replace("Doc_0/Pages", "DOC_0/pages"), src.read(info))
    assert parse(renamed.read_bytes(), "b.ofd").text == "关于同意设立分局的批复"


def test_ofd_without_text_is_unreadable(tmp_path):
    doc = parse(make_ofd(tmp_path / "e.ofd", [""]).read_bytes(), "e.ofd")
    assert (doc.status, doc.error) == ("unreadable", "no text layer (image-only or scanned pages)")


def test_zip_without_ofd_xml_is_corrupt(tmp_path):
    path = tmp_path / "x.ofd"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("Doc_0/Document.xml", "<x/>")
    doc = parse(path.read_bytes(), "x.ofd")
    assert doc.status == "error" and "OFD.xml" in doc.error


def test_lines_group_by_baseline_then_x():
    runs = [Run(35, 50.2, 5, "人民政府："), Run(20, 50, 5, "各区县"), Run(20, 40, 5, "通知")]
    assert lines_of(runs) == ["通知", "各区县人民政府："]


def test_a_line_of_three_distant_cells_is_a_table_row_with_tabs():
    runs = [Run(10, 30, 4, "序号"), Run(30, 30, 4, "姓名"), Run(60, 30, 4, "身份证号码"), Run(120, 30, 4, "住址")]
    assert lines_of(runs) == ["序号\t姓名\t身份证号码\t住址"]


def test_a_spaced_out_title_drawn_character_by_character_is_not_a_table():
    runs = [Run(10 + 12 * i, 30, 4, ch) for i, ch in enumerate("通知公告")]
    assert lines_of(runs) == ["通 知 公 告"]


def test_adjacent_number_cells_are_not_glued():
    # A full ID column: the bank card's cell starts one font size after the ID ends.
    runs = [Run(10, 30, 4, "王秀英"), Run(26, 30, 4, "320102198103136664"), Run(66, 30, 4, "6228487971147104975")]
    assert lines_of(runs) == ["王秀英320102198103136664 6228487971147104975"]
    assert lines_of([Run(10, 30, 4, "2023"), Run(18.5, 30, 4, "12")]) == ["202312"]   # kerning, not a gap


def test_distant_runs_on_one_line_get_a_space():
    runs = [Run(10, 30, 4, "名称："), Run(22, 30, 4, "科技有限公司"), Run(150, 30, 4, "密码区")]
    assert lines_of(runs) == ["名称：科技有限公司 密码区"]
