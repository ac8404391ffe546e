"""One file's bytes → ParsedDoc: the status rules shared by every format.

Checks run cheapest first: empty, too large, unknown extension, magic bytes
that contradict the extension; then the format's parser runs. Parsers report
failure by raising `ParseError` (status `error`) or `Unreadable`; this module
turns both into a record, so every reason reaches the user as one line.
"""
from __future__ import annotations

import importlib
from pathlib import PurePath

from gongkai.config import Limits
from gongkai.records import ERROR, UNREADABLE, ParsedDoc

from .errors import ParseError, Unreadable, check_deadline, human_size

# extension -> (module, function, the magic kind the bytes must have)
PARSERS = {
    "pdf": ("pdf", "parse_pdf", "pdf"),
    "docx": ("docx", "parse_docx", "zip"),
    "ofd": ("ofd", "parse_ofd", "zip"),
    "txt": ("txt", "parse_txt", None),
    "doc": ("legacy", "parse_doc", "ole"),
    "wps": ("legacy", "parse_doc", "ole"),
    # images: read by OCR (ocr.py)
    "jpg": ("image", "parse_image", "jpeg"),
    "jpeg": ("image", "parse_image", "jpeg"),
    "png": ("image", "parse_image", "png"),
    "tif": ("image", "parse_image", "tiff"),
    "tiff": ("image", "parse_image", "tiff"),
    "bmp": ("image", "parse_image", "bmp"),
}
IMAGE_MAGIC = {"jpeg": (b"\xff\xd8\xff",), "png": (b"\x89PNG\r\n\x1a\n",), "tiff": (b"II*\x00", b"MM\x00*")}
SUPPORTED = tuple(PARSERS)
OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
_ENCRYPTED_OOXML = "EncryptedPackage".encode("utf-16-le")
_LOOKS_LIKE = {
    "pdf": "a PDF", "zip": "a ZIP archive", "docx": "a ZIP/DOCX", "ofd": "a ZIP/OFD",
    "ole": "an OLE file (Word 97-2003 .doc/.wps)", "rtf": "an RTF document",
    "text": "plain text", "binary": "binary data",
    "jpeg": "a JPEG image", "png": "a PNG image", "tiff": "a TIFF image", "bmp": "a BMP image",
}


def parse_bytes(data: bytes, name: str, limits: Limits, deadline: float) -> ParsedDoc:
    """Parse one file's bytes; `deadline` is a `time.monotonic()` value checked between pages."""
    ext = PurePath(name).suffix.lstrip(".").lower()
    fmt = ext if ext in PARSERS else "unknown"
    try:
        check_deadline(deadline, limits.file_timeout_s)
        check_input(data, ext, limits)
        module, function, _ = PARSERS[ext]
        parser = getattr(importlib.import_module(f"{__package__}.{module}"), function)
        doc = parser(data, limits, deadline)
        doc.format = fmt
        return doc
    except Unreadable as exc:
        return ParsedDoc(format=fmt, status=UNREADABLE, error=exc.reason, pages=exc.pages, meta=exc.meta)
    except ParseError as exc:
        return ParsedDoc(format=fmt, status=ERROR, error=exc.reason)


def check_input(data: bytes, ext: str, limits: Limits) -> None:
    """The checks that need no parser: raise ParseError naming the first problem found."""
    if not data:
        raise ParseError("empty file")
    if len(data) > limits.max_file_bytes:
        raise ParseError(f"too large: {human_size(len(data))} over the "
                         f"{human_size(limits.max_file_bytes)} limit")
    if ext not in PARSERS:
        shown = f".{ext}" if ext else "(no extension)"
        raise ParseError(f"unsupported format {shown} (supported: {', '.join('.' + e for e in SUPPORTED)})")
    kind = sniff(data)
    if ext in ("docx", "ofd") and kind == "ole" and _ENCRYPTED_OOXML in data:
        raise ParseError("encrypted: a password is required")
    if _mismatch(ext, kind):
        raise ParseError(f"not a {ext.upper()} although named .{ext} (looks like {_LOOKS_LIKE[kind]})")


def _mismatch(ext: str, kind: str) -> bool:
    expected = PARSERS[ext][2]
    if expected is None:  # .txt: any text, but not a known binary container
        return kind in ("pdf", "zip", "docx", "ofd", "ole", *IMAGE_MAGIC, "bmp")
    if expected == "zip":
        return kind not in ("zip", ext)
    return kind != expected


def sniff(data: bytes) -> str:
    """What the bytes are, from magic numbers: pdf, docx, ofd, zip, ole, rtf, jpeg, png, tiff, bmp,
    text or binary."""
    head = data[:4096]
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(data)
    if head.startswith(OLE_MAGIC):
        return "ole"
    if head.startswith(b"{\\rtf"):
        return "rtf"
    for kind, magics in IMAGE_MAGIC.items():
        if head.startswith(magics):
            return kind
    if head.startswith(b"BM") and head[6:10] == b"\x00\x00\x00\x00":  # BMP: reserved bytes are zero
        return "bmp"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" not in head:
        return "text"
    return "binary"


def _zip_kind(data: bytes) -> str:
    # Member names sit in the central directory at the end and in each local header.
    probe = data[:65536] + data[-65536:]
    if b"word/document.xml" in probe or b"word/_rels" in probe:
        return "docx"
    if b"OFD.xml" in probe or b"ofd.xml" in probe:
        return "ofd"
    return "zip"
