"""DOC/WPS: the piece-table reader on the shared Word 97-2003 and WPS files, and field-code clean-up."""
from __future__ import annotations

import shutil

import pytest

from gongkai.pipeline.ingest import parse
from gongkai.pipeline.ingest.legacy import clean_story, read_word_binary
from tests.conftest import shared_path


def test_field_codes_are_dropped_and_results_kept():
    raw = "–– \x13 PAGE  \\* MERGEFORMAT \x144\x15 ––\r联系人：\x13 HYPERLINK \"mailto:a@b.cn\" \x14办公室\x15\r"
    assert clean_story(raw) == "–– 4 ––\n联系人：办公室"


def test_nested_fields_and_control_characters():
    raw = "附件\x13 IF \x13 PAGE \x141\x15 = 1 \"首页\" \x14首页\x15\x07表格\x07\x01\r"
    assert clean_story(raw) == "附件首页\t表格"


def test_wps_file_is_a_word_binary_with_headers_first():
    data = shared_path("real-files", "wps01_redhead_test_notice.wps").read_bytes()
    stories, flags = read_word_binary(data)
    assert "国防部关于放假的通知" in stories["text"] and flags == []
    doc = parse(data, "notice.wps")
    assert (doc.status, doc.format) == ("ok", "wps")
    assert doc.text.index("–– 2 ––") < doc.text.index("国防部关于放假的通知")


def test_doc_saved_by_wps_reads_secrecy_mark():
    doc = parse(shared_path("real-files", "doc02_master_template_wps_saved.doc").read_bytes(), "t.doc")
    assert doc.text.startswith("001012\n机密★5年\n特急")


@pytest.mark.skipif(shutil.which("soffice") or shutil.which("libreoffice"), reason="LibreOffice is installed here")
def test_unreadable_ole_without_libreoffice_says_how_to_install():
    ole_without_word = bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 1000
    doc = parse(ole_without_word, "old.doc")
    assert doc.status == "error"
    assert doc.error.startswith("cannot read .doc: install LibreOffice with 'make legacy-formats'")
