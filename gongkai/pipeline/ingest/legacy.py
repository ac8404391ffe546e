"""DOC and WPS (Word 97-2003 binary, OLE compound file): the piece table, read natively.

Per [MS-DOC]: the FIB at the start of the `WordDocument` stream says which table
stream (`0Table`/`1Table`) holds the CLX and how many characters each story
has; the CLX's piece table maps character positions to byte runs, each either
8-bit "compressed" (cp1252, with a few code points remapped) or UTF-16LE.
WPS 文字 `.wps` files saved by WPS Office 10.8 are the same format. When this
reader cannot handle a file (older WPS formats, damaged tables) and LibreOffice
is installed, it converts the file to text headless, with a timeout.
"""
from __future__ import annotations

import io
import re
import shutil
import struct
import subprocess
import tempfile
from pathlib import Path

from gongkai.config import Limits
from gongkai.records import ParsedDoc

from .errors import ParseError, Unreadable
from .normalize import clean_text

WORD_IDENT = 0xA5EC
F_ENCRYPTED, F_WHICH_TABLE = 0x0100, 0x0200
FC_CLX_INDEX = 33          # FibRgFcLcb97: fcClx/lcbClx is the 34th pair
STORIES = ("text", "footnotes", "headers", "comments", "endnotes", "textboxes", "header_textboxes")
NO_READER = "cannot read .{ext}: install LibreOffice with 'make legacy-formats' (apt-get install libreoffice-writer-nogui)"
NO_TEXT = "no text (the document holds only images, empty paragraphs or nothing)"
CONVERT_TIMEOUT_S = 60

# A field is 0x13 code [0x14 result] 0x15, and fields nest; keep results, drop codes.
_FIELD_MARKS = re.compile("([\x13\x14\x15])")
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x15]")
_CHARMAP = str.maketrans({"\r": "\n", "\x07": "\t", "\x0b": "\n", "\x0c": "\n", "\x1e": "-", "\xa0": " "})
# [MS-DOC] 2.4.1: compressed pieces store these bytes for these code points.
_CP1252_FIXUPS = str.maketrans({0x82: "\u201a", 0x83: "\u0192", 0x84: "\u201e", 0x85: "\u2026", 0x86: "\u2020",
                                0x87: "\u2021", 0x88: "\u02c6", 0x89: "\u2030", 0x8A: "\u0160", 0x8B: "\u2039",
                                0x8C: "\u0152", 0x91: "\u2018", 0x92: "\u2019", 0x93: "\u201c", 0x94: "\u201d",
                                0x95: "\u2022", 0x96: "\u2013", 0x97: "\u2014", 0x98: "\u02dc", 0x99: "\u2122",
                                0x9A: "\u0161", 0x9B: "\u203a", 0x9C: "\u0153", 0x9F: "\u0178"})


def parse_doc(data: bytes, limits: Limits, deadline: float) -> ParsedDoc:
    try:
        stories, flags = read_word_binary(data)
    except ParseError as exc:
        if exc.reason.startswith("encrypted"):
            raise
        return _convert_with_libreoffice(data, exc.reason)
    text = _assemble(stories)
    if not text.strip():
        raise Unreadable(NO_TEXT)
    return ParsedDoc(format="doc", text=text, flags=flags, meta={"reader": "piece table"})


def read_word_binary(data: bytes) -> tuple[dict[str, str], list[str]]:
    """The text of each story (main text, headers…) and flags, straight from the OLE streams."""
    import olefile  # noqa: PLC0415

    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except (OSError, ValueError) as exc:
        raise ParseError(f"corrupt: not a readable OLE compound file ({exc})") from None
    with ole:
        if not ole.exists("WordDocument"):
            raise ParseError("corrupt: no WordDocument stream (not a Word/WPS 文字 binary document)")
        word = ole.openstream("WordDocument").read()
        flags, table_name, counts, fc_clx, lcb_clx = _read_fib(word)
        if not ole.exists(table_name):
            raise ParseError(f"corrupt: the {table_name} stream named by the FIB is missing")
        table = ole.openstream(table_name).read()
    text = _piece_text(word, table[fc_clx: fc_clx + lcb_clx])
    return _split_stories(text, counts), (["comments"] if counts["comments"] else [])


def _read_fib(word: bytes) -> tuple[int, str, dict[str, int], int, int]:
    if len(word) < 0x200 or struct.unpack_from("<H", word, 0)[0] != WORD_IDENT:
        raise ParseError("corrupt: the WordDocument stream has no Word 97-2003 FIB")
    flags = struct.unpack_from("<H", word, 0x0A)[0]
    if flags & F_ENCRYPTED:
        raise ParseError("encrypted: a password is required")
    csw = struct.unpack_from("<H", word, 32)[0]
    lw_at = 34 + csw * 2
    cslw = struct.unpack_from("<H", word, lw_at)[0]
    rglw = struct.unpack_from(f"<{min(cslw, 22)}i", word, lw_at + 2)
    counts = dict(zip(STORIES, (max(n, 0) for n in (rglw[3], rglw[4], rglw[5], rglw[7], rglw[8], rglw[9], rglw[10]))))
    fc_at = lw_at + 2 + cslw * 4 + 2 + FC_CLX_INDEX * 8
    fc_clx, lcb_clx = struct.unpack_from("<II", word, fc_at)
    table = "1Table" if flags & F_WHICH_TABLE else "0Table"
    return flags, table, counts, fc_clx, lcb_clx


def _piece_text(word: bytes, clx: bytes) -> str:
    """Decode every piece of the piece table (PlcPcd inside the CLX), in character order."""
    pos = 0
    while pos < len(clx) and clx[pos] == 0x01:  # skip Prc blocks (property modifiers)
        pos += 3 + struct.unpack_from("<H", clx, pos + 1)[0]
    if pos + 5 > len(clx) or clx[pos] != 0x02:
        raise ParseError("corrupt: the piece table (CLX) is missing or damaged")
    size = struct.unpack_from("<I", clx, pos + 1)[0]
    plc = clx[pos + 5: pos + 5 + size]
    n = (len(plc) - 4) // 12
    if n <= 0:
        raise ParseError("corrupt: the piece table is empty")
    cps = struct.unpack_from(f"<{n + 1}I", plc, 0)
    return "".join(_piece(word, plc, (n + 1) * 4 + i * 8, cps[i + 1] - cps[i]) for i in range(n))


def _piece(word: bytes, plc: bytes, pcd_at: int, length: int) -> str:
    fc = struct.unpack_from("<I", plc, pcd_at + 2)[0]
    if fc & 0x40000000:  # compressed: one byte per character
        start = (fc & 0x3FFFFFFF) // 2
        return word[start: start + length].decode("latin-1").translate(_CP1252_FIXUPS)
    return word[fc: fc + 2 * length].decode("utf-16-le", "replace")


def _split_stories(text: str, counts: dict[str, int]) -> dict[str, str]:
    stories, pos = {}, 0
    for name in STORIES:
        stories[name] = text[pos: pos + counts[name]]
        pos += counts[name]
    return stories


def clean_story(raw: str) -> str:
    """Drop field codes and control characters; paragraph marks become newlines, cells tabs."""
    return clean_text(_CONTROL.sub("", strip_fields(raw).translate(_CHARMAP)))


def strip_fields(raw: str) -> str:
    """Keep text only where every open field is past its separator (in its result)."""
    if "\x13" not in raw:
        return raw
    out, in_result = [], []          # one entry per open field: has its 0x14 been seen?
    for token in _FIELD_MARKS.split(raw):
        if token == "\x13":
            in_result.append(False)
        elif token == "\x14":
            if in_result:
                in_result[-1] = True
        elif token == "\x15":
            if in_result:
                in_result.pop()
        elif all(in_result):
            out.append(token)
    return "".join(out)


def _assemble(stories: dict[str, str]) -> str:
    """Headers first (secrecy marks live there), then the body, notes and text boxes; not comments."""
    headers = list(dict.fromkeys(line for line in clean_story(stories["headers"]).split("\n") if line.strip()))
    rest = [clean_story(stories[name]) for name in ("text", "footnotes", "endnotes", "textboxes", "header_textboxes")]
    return clean_text("\n".join(headers + [part for part in rest if part]))


def _convert_with_libreoffice(data: bytes, native_reason: str) -> ParsedDoc:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        raise ParseError(f"{NO_READER.format(ext='doc')} ({native_reason})")
    with tempfile.TemporaryDirectory(prefix="gongkai-doc-") as tmp:
        source = Path(tmp) / "input.doc"
        source.write_bytes(data)
        try:
            subprocess.run([soffice, "--headless", "--norestore", f"-env:UserInstallation=file://{tmp}/profile",
                            "--convert-to", "txt:Text (encoded):UTF8", "--outdir", tmp, str(source)],
                           capture_output=True, timeout=CONVERT_TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired:
            raise ParseError(f"corrupt: LibreOffice did not convert the file within {CONVERT_TIMEOUT_S} s") from None
        out = Path(tmp) / "input.txt"
        if not out.exists():
            raise ParseError(f"corrupt: LibreOffice could not convert the file ({native_reason})")
        text = clean_text(out.read_text("utf-8-sig", errors="replace"))
    if not text.strip():
        raise Unreadable(NO_TEXT)
    return ParsedDoc(format="doc", text=text, meta={"reader": "libreoffice"})
