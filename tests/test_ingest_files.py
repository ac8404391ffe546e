"""ingest/files.py: what is read at all, without trusting the file system."""
from __future__ import annotations

import os

import pytest

from gongkai.pipeline.ingest import files


def test_a_fifo_named_like_a_document_is_refused_on_open_not_read(tmp_path):
    fifo = tmp_path / "swapped.txt"          # listed as a file, swapped for a FIFO before the read
    os.mkfifo(fifo)
    with pytest.raises(files.NotRegularFile, match=r"FIFO"):
        files.read_file(str(fifo))
    with pytest.raises(files.NotRegularFile):
        files.hash_file(str(fifo))


def test_a_link_is_not_opened_unless_followed(tmp_path):
    (tmp_path / "a.txt").write_text("关于", encoding="utf-8")
    os.symlink(tmp_path / "a.txt", tmp_path / "link.txt")
    with pytest.raises(OSError) as exc:
        files.read_file(str(tmp_path / "link.txt"))
    assert files.reason(exc.value).startswith("symbolic link")
    assert files.read_file(str(tmp_path / "link.txt"), follow_symlinks=True) == "关于".encode()


def test_hashing_stops_at_the_time_limit(tmp_path):
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * (3 * files.BLOCK))
    with pytest.raises(TimeoutError, match="hashing took longer"):
        files.hash_file(str(big), timeout_s=1e-9)      # the deadline has passed after the first block


def test_gbk_names_are_shown_as_chinese_and_identified_by_their_bytes(tmp_path):
    name = os.fsencode(tmp_path) + b"/" + "会议纪要.txt".encode("gbk")
    path = os.fsdecode(name)                           # what os.scandir gives: surrogate escapes
    assert files.display_path(path).endswith("/会议纪要.txt")
    assert files.raw_path(path) == name
    assert files.path_identity(path) == files.path_identity(path) != files.path_identity(str(tmp_path / "x"))
    assert files.display_path(b"/tmp/\xff\xfe.txt") == "/tmp/\\xff\\xfe.txt"
