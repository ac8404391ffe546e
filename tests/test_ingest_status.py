"""Status rules shared by every format: empty, too large, unsupported, mismatched, hostile, slow."""
from __future__ import annotations

import random
import time
import zipfile

import pytest

from gongkai.config import Limits
from gongkai.pipeline.ingest import discover, parse, sha256
from gongkai.pipeline.ingest.dispatch import parse_bytes, sniff
from tests.builders import (make_billion_laughs_docx, make_docx, make_ofd, make_pdf, make_txt,
                            make_zip_bomb_docx)

NOISE = random.Random(9704)  # seeded: the same "random" bytes on every run
NOTICE = ["关于做好2024年春节期间安全生产工作的通知", "各区县人民政府，市政府各部门：",
          "为切实做好春节期间安全生产工作，现将有关事项通知如下。"]


@pytest.fixture(scope="module")
def notice_docx(tmp_path_factory):
    return make_docx(tmp_path_factory.mktemp("docx") / "notice.docx", NOTICE)


def test_empty_file_is_an_error():
    doc = parse(b"", "会议纪要.pdf")
    assert (doc.status, doc.error, doc.format) == ("error", "empty file", "pdf")


def test_unsupported_extension_names_it():
    doc = parse("通知".encode(), "通知.xlsx")
    assert doc.status == "error" and doc.error.startswith("unsupported format .xlsx")


def test_too_large_names_size_and_limit(tmp_path):
    data = make_pdf(tmp_path / "big.pdf", ["关于印发工作要点的通知"] * 3).read_bytes()
    doc = parse(data, "big.pdf", Limits(max_file_bytes=1024))
    assert doc.status == "error"
    assert doc.error.startswith("too large: ") and doc.error.endswith("over the 1 KB limit")


def test_pdf_named_docx_says_what_it_looks_like(tmp_path):
    data = make_pdf(tmp_path / "a.pdf", ["关于印发工作要点的通知"]).read_bytes()
    doc = parse(data, "工作要点.docx")
    assert doc.error == "not a DOCX although named .docx (looks like a PDF)"


def test_docx_named_pdf_says_what_it_looks_like(notice_docx):
    doc = parse(notice_docx.read_bytes(), "notice.pdf")
    assert doc.error == "not a PDF although named .pdf (looks like a ZIP/DOCX)"


def test_random_bytes_named_pdf_is_an_error_not_a_traceback():
    doc = parse(NOISE.randbytes(4096), "scan.pdf")
    assert doc.status == "error" and doc.error == "not a PDF although named .pdf (looks like binary data)"


def test_truncated_pdf_is_corrupt(tmp_path):
    data = make_pdf(tmp_path / "a.pdf", ["关于印发工作要点的通知"]).read_bytes()
    doc = parse(data[:200], "a.pdf")
    assert doc.status == "error" and doc.error.startswith("corrupt: ")


@pytest.mark.slow
def test_zip_bomb_member_is_refused_without_unpacking(tmp_path):
    bomb = make_zip_bomb_docx(tmp_path / "bomb.docx")          # 500 MB member, < 1 MB on disk
    started = time.monotonic()
    doc = parse(bomb.read_bytes(), "bomb.docx")
    assert time.monotonic() - started < 2.0  # only the central directory is read
    assert doc.status == "error"
    assert doc.error.startswith("zip bomb: member word/document.xml expands ")
    assert doc.error.endswith("× (limit 100×)")


def test_too_many_members_is_refused(tmp_path, notice_docx):
    doc = parse(notice_docx.read_bytes(), "notice.docx", Limits(max_members=3))
    assert doc.status == "error" and doc.error.startswith("too many parts:")


def test_billion_laughs_is_refused(tmp_path, notice_docx):
    hostile = make_billion_laughs_docx(tmp_path / "lol.docx", notice_docx)
    doc = parse(hostile.read_bytes(), "lol.docx")
    assert doc.status == "error"
    assert doc.error == "XML entity declarations are not allowed (possible entity-expansion attack)"


def test_entity_declaration_in_ofd_is_refused(tmp_path):
    path = make_ofd(tmp_path / "a.ofd", ["关于印发工作要点的通知"])
    hostile = tmp_path / "hostile.ofd"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(hostile, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "OFD.xml":
                data = data.replace(b"?>", b'?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>', 1)
            dst.writestr(info, data)
    assert parse(hostile.read_bytes(), "hostile.ofd").error.startswith("XML entity declarations")


def test_deadline_passed_gives_the_timeout_reason(tmp_path):
    data = make_pdf(tmp_path / "a.pdf", ["关于印发工作要点的通知"] * 3).read_bytes()
    doc = parse_bytes(data, "a.pdf", Limits(), deadline=time.monotonic() - 1)
    assert (doc.status, doc.error) == ("error", "took longer than the per-file time limit (60 s)")


@pytest.mark.parametrize("name", ["a.pdf", "a.docx", "a.ofd", "a.txt", "a.doc", "a.wps"])
def test_garbage_never_raises(name):
    for data in (b"\x00" * 100, b"PK\x03\x04" + NOISE.randbytes(300), bytes.fromhex("D0CF11E0A1B11AE1") + NOISE.randbytes(600),
                 b"%PDF-1.7\n" + NOISE.randbytes(500)):
        doc = parse(data, name)
        assert doc.status in ("error", "unreadable") and doc.error and "\n" not in doc.error


def test_sniff_magic_bytes(tmp_path, notice_docx):
    assert sniff(make_pdf(tmp_path / "a.pdf", ["通知"]).read_bytes()) == "pdf"
    assert sniff(notice_docx.read_bytes()) == "docx"
    assert sniff(make_ofd(tmp_path / "a.ofd", ["通知"]).read_bytes()) == "ofd"
    assert sniff(make_txt(tmp_path / "a.txt", "通知", "gb18030").read_bytes()) == "text"
    assert sniff(bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 8) == "ole"


def test_discover_and_sha256(tmp_path):
    make_txt(tmp_path / "b" / "2.txt", "通知", "utf-8")
    make_txt(tmp_path / "a.txt", "通知", "utf-8")
    (tmp_path / ".hidden.txt").write_text("x")
    assert [p.relative_to(tmp_path).as_posix() for p in discover([tmp_path])] == ["a.txt", "b/2.txt"]
    assert sha256(b"abc").startswith("ba7816bf")
