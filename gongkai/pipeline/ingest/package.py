"""Safe reading of zip packages (DOCX, OFD): size, member and ratio limits, and hardened XML.

Every check runs on the central directory before a byte is inflated, and the
declared sizes bound what `zipfile` will inflate, so a zip bomb is refused
without being unpacked. XML is parsed by lxml with entity resolution, DTD
loading and network access off, after a cheap byte scan that refuses any
entity declaration outright (billion laughs, external entities).
"""
from __future__ import annotations

import io
import posixpath
import zipfile
import zlib

from lxml import etree

from gongkai.config import Limits

from .errors import ParseError, human_size

ENTITY_REASON = "XML entity declarations are not allowed (possible entity-expansion attack)"
# Members smaller than this are never called bombs: tiny XML parts compress very well.
MIN_BOMB_BYTES = 1 << 20

_PARSER = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True,
                          huge_tree=False, remove_comments=True)
_ENTITY_MARKS = (b"<!ENTITY", b"<\x00!\x00E\x00N\x00T\x00I\x00T\x00Y", b"\x00<\x00!\x00E\x00N\x00T\x00I\x00T\x00Y")


def parse_xml(data: bytes, name: str) -> etree._Element:
    """Parse one XML part, refusing entity declarations; malformed XML is `corrupt`."""
    if any(mark in data for mark in _ENTITY_MARKS):
        raise ParseError(ENTITY_REASON)
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"corrupt: {name} is not well-formed XML ({str(exc).splitlines()[0][:120]})") from None


class Package:
    """A zip package whose members are found case-insensitively (`DOC_0/` vs `Doc_0/`)."""

    def __init__(self, data: bytes, limits: Limits) -> None:
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
            raise ParseError(f"corrupt: not a readable zip package ({exc})") from None
        check_members(infos, limits)
        self._by_name = {info.filename.lstrip("/").lower(): info for info in infos}

    def names(self) -> list[str]:
        return [info.filename for info in self._by_name.values()]

    def find(self, path: str) -> zipfile.ZipInfo | None:
        return self._by_name.get(posixpath.normpath(path.replace("\\", "/")).lstrip("/").lower())

    def has(self, path: str) -> bool:
        return self.find(path) is not None

    def read(self, path: str) -> bytes:
        info = self.find(path)
        if info is None:
            raise ParseError(f"corrupt: the package has no part {path}")
        if info.flag_bits & 0x1:
            raise ParseError("encrypted: a password is required")
        try:
            return self._zip.read(info)
        except (zipfile.BadZipFile, zlib.error, NotImplementedError, EOFError, OSError) as exc:
            raise ParseError(f"corrupt: part {info.filename} cannot be unpacked ({exc})") from None

    def xml(self, path: str) -> etree._Element:
        return parse_xml(self.read(path), path)

    def xml_or_none(self, path: str | None) -> etree._Element | None:
        return self.xml(path) if path and self.has(path) else None


def check_members(infos: list[zipfile.ZipInfo], limits: Limits) -> None:
    """Refuse too many members, a too-large total and any member that inflates like a bomb."""
    if len(infos) > limits.max_members:
        raise ParseError(f"too many parts: {len(infos)} members (limit {limits.max_members})")
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size >= MIN_BOMB_BYTES and ratio > limits.max_member_ratio:
            raise ParseError(f"zip bomb: member {info.filename} expands {ratio:.0f}× "
                             f"(limit {limits.max_member_ratio}×)")
    total = sum(info.file_size for info in infos)
    if total > limits.max_unpacked_bytes:
        raise ParseError(f"zip bomb: members expand to {human_size(total)} "
                         f"(limit {human_size(limits.max_unpacked_bytes)})")


def resolve(base_dir: str, ref: str) -> str:
    """A path from a package part: absolute (`/Doc_0/x.xml`) from the root, else from `base_dir`."""
    ref = ref.strip().replace("\\", "/")
    if ref.startswith("/"):
        return posixpath.normpath(ref.lstrip("/"))
    return posixpath.normpath(posixpath.join(base_dir, ref))
