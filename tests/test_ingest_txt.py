"""TXT: every encoding an office produces, detected and recorded; garbage is unreadable."""
from __future__ import annotations

import pytest

from gongkai.pipeline.ingest import parse
from tests.builders import make_txt

SIMPLIFIED = ("关于做好2024年春节期间安全生产工作的通知\n各区县人民政府，市政府各部门：\n"
              "为切实做好春节期间安全生产工作，保障人民群众生命财产安全，现将有关事项通知如下。")
TRADITIONAL = ("關於做好春節期間安全生產工作的通知\n各區縣人民政府，市政府各部門：\n"
               "為切實做好春節期間安全生產工作，保障人民群眾生命財產安全，現將有關事項通知如下。")


@pytest.mark.parametrize("encoding, bom, text, recorded", [
    ("utf-8", False, SIMPLIFIED, "utf-8"),
    ("utf-8", True, SIMPLIFIED, "utf-8-sig"),
    ("utf-16-le", True, SIMPLIFIED, "utf-16"),
    ("utf-16-be", True, SIMPLIFIED, "utf-16"),
    ("gb18030", False, SIMPLIFIED, "gb18030"),
    ("gbk", False, SIMPLIFIED, "gb18030"),
    ("big5", False, TRADITIONAL, "big5"),
    ("utf-8", False, TRADITIONAL, "utf-8"),
])
def test_encodings(tmp_path, encoding, bom, text, recorded):
    path = make_txt(tmp_path / "notice.txt", text, encoding, bom=bom)
    doc = parse(path.read_bytes(), path.name)
    assert (doc.status, doc.encoding, doc.text) == ("ok", recorded, text)


def test_crlf_becomes_newline(tmp_path):
    path = make_txt(tmp_path / "a.txt", SIMPLIFIED.replace("\n", "\r\n"), "gb18030")
    assert parse(path.read_bytes(), "a.txt").text == SIMPLIFIED


def test_binary_noise_is_unreadable():
    noise = bytes((i * 7919 + 13) % 256 for i in range(6000))
    doc = parse(noise.replace(b"\x00", b"\x01"), "noise.txt")
    assert doc.status == "unreadable" and doc.error.startswith("text is garbled")


def test_whitespace_only_is_unreadable(tmp_path):
    doc = parse(make_txt(tmp_path / "w.txt", "\r\n   \r\n", "utf-8").read_bytes(), "w.txt")
    assert (doc.status, doc.error) == ("unreadable", "no text (the file holds only whitespace)")


def test_pdf_named_txt_is_refused():
    assert parse(b"%PDF-1.7\n1 0 obj", "a.txt").error == "not a TXT although named .txt (looks like a PDF)"
