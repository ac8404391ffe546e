"""DOCX: walk the WordprocessingML tree with lxml, in document order, namespaces not prefixes.

The fast path reads the parts it needs straight from the zip (after the
package checks in `package.py`) and walks each with one `lxml.etree.iterwalk`
filtered to the dozen tags that carry text, so the loop runs in C for
everything else. It reads what python-docx's paragraph API does not: text
boxes (`w:txbxContent`, one branch of `mc:AlternateContent`), tracked
insertions, footnotes and endnotes. Deleted text (`w:del`, `w:moveFrom`) is
left out but flagged, as are comments: that text still travels with the file.
A table becomes one line per row, its cells separated by tabs, so a value keeps
its column header (姓名, 身份证号码, 银行卡号…) for the detectors.
"""
from __future__ import annotations

import posixpath

from lxml import etree

from gongkai.config import Limits
from gongkai.records import ParsedDoc

from .errors import ParseError, Unreadable, check_deadline
from .normalize import clean_text
from .package import Package, resolve

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
NO_TEXT = "no text (the document holds only images, empty paragraphs or nothing)"

P, T, TAB, BR, CR = W + "p", W + "t", W + "tab", W + "br", W + "cr"
HYPHEN, INS, DEL, MOVE_FROM, MOVE_TO = W + "noBreakHyphen", W + "ins", W + "del", W + "moveFrom", W + "moveTo"
FALLBACK, R, TXBX = MC + "Fallback", W + "r", W + "txbxContent"
TBL, TR, TC = W + "tbl", W + "tr", W + "tc"
_WALK_TAGS = (P, T, TAB, BR, CR, HYPHEN, INS, DEL, MOVE_FROM, MOVE_TO, FALLBACK, TXBX, TBL)
_CHARS = {TAB: "\t", BR: "\n", CR: "\n", HYPHEN: "-"}
# Skipped with their whole subtree: deleted text, and the second branch of an alternate content.
_SKIP = frozenset((DEL, MOVE_FROM, FALLBACK))
_TRACKED = frozenset((INS, DEL, MOVE_FROM, MOVE_TO))


class _Story:
    """Lines being collected for the part, or for one text box inside it."""

    __slots__ = ("members", "lines", "pieces", "boxes")

    def __init__(self, members: set | None = None) -> None:
        self.members = members           # the text box's elements; None for the part itself
        self.lines: list[str] = []
        self.pieces: list[str] | None = None
        self.boxes: list[str] = []       # text-box lines waiting for their paragraph to end

    def end_paragraph(self) -> None:
        if self.pieces is not None:
            self.lines.append("".join(self.pieces))
            self.pieces = None
        self.lines.extend(self.boxes)
        self.boxes = []


def part_lines(root: etree._Element, found: set[str]) -> list[str]:
    """The paragraphs of one part as lines; text-box paragraphs follow the paragraph holding them.

    One `iter()` over the text-bearing tags runs in C; regions to leave out (deletions,
    mc:Fallback) and text boxes are tracked as sets of their elements. Adds
    `tracked_changes` to `found` when insertions or deletions are present.
    """
    stories, skipped = [_Story()], set()
    for el in root.iter(*_WALK_TAGS):
        if el in skipped:
            continue
        while stories[-1].members is not None and el not in stories[-1].members:
            _close_box(stories)
        _visit(el, stories, skipped, found)
    while len(stories) > 1:
        _close_box(stories)
    stories[0].end_paragraph()
    return stories[0].lines


def _visit(el, stories: list[_Story], skipped: set, found: set[str]) -> None:
    story, tag = stories[-1], el.tag
    if tag == T:
        if story.pieces is not None and el.text:
            story.pieces.append(el.text)
    elif tag == P:
        story.end_paragraph()
        story.pieces = []
    elif tag in _CHARS:
        if story.pieces is not None and el.getparent().tag == R:  # not a tab stop in w:pPr
            story.pieces.append(_CHARS[tag])
    elif tag == TXBX:
        stories.append(_Story(set(el.iter(*_WALK_TAGS))))
    elif tag == TBL:
        story.end_paragraph()
        story.lines.extend(table_lines(el, found))
        skipped.update(el.iter(*_WALK_TAGS))
    if tag in _TRACKED:
        found.add("tracked_changes")
    if tag in _SKIP:
        skipped.update(el.iter(*_WALK_TAGS))


def table_lines(table: etree._Element, found: set[str]) -> list[str]:
    """One line per row of a table, cells separated by tabs (a merged cell's continuation is an
    empty cell, so columns stay aligned with the header row); nested tables stay in their cell."""
    return [row_line([part_lines(tc, found) for tc in _own(row, TC, TR)]) for row in _own(table, TR, TBL)]


def row_line(cells: list[list[str]]) -> str:
    """A row from the lines of each of its cells: a cell's lines joined by spaces, cells by tabs."""
    return "\t".join(" ".join(line.replace("\t", " ") for line in lines if line.strip()) for lines in cells)


def _own(parent: etree._Element, tag: str, owner: str) -> list:
    """`tag` elements under `parent` whose nearest `owner` ancestor is `parent` itself (rows of this
    table, not of a nested one; also rows and cells wrapped in content controls)."""
    return [el for el in parent.iter(tag) if next(el.iterancestors(owner), None) is parent]


def _close_box(stories: list[_Story]) -> None:
    box = stories.pop()
    box.end_paragraph()
    stories[-1].boxes.extend(box.lines)


def parse_docx(data: bytes, limits: Limits, deadline: float) -> ParsedDoc:
    pkg = Package(data, limits)
    main = _main_part(pkg)
    body = pkg.xml(main)
    rels = _relationships(pkg, main)
    found: set[str] = set()
    check_deadline(deadline, limits.file_timeout_s)
    body_lines = part_lines(body, found)
    headers, footers = _header_footer_lines(pkg, body, rels, found)
    notes = [line for kind in ("footnotes", "endnotes") for line in _notes(pkg, rels.get(kind), found)]
    if _has_comments(pkg, rels):
        found.add("comments")
    text = clean_text("\n".join(headers + body_lines + notes + footers))
    if not text.strip():
        raise Unreadable(NO_TEXT)
    meta = {"header_lines": len(headers), "footer_lines": len(footers)}
    return ParsedDoc(format="docx", text=text, flags=sorted(found), meta=meta)


def _main_part(pkg: Package) -> str:
    if pkg.has("word/document.xml"):  # where every producer puts it; .rels only for the others
        return "word/document.xml"
    for rel in _rels_of(pkg, "_rels/.rels", ""):
        if rel[0].endswith("/officeDocument"):
            return rel[1]
    raise ParseError("corrupt: not a Word document (no word/document.xml part)")


def _rels_of(pkg: Package, rels_path: str, base_dir: str) -> list[tuple[str, str, str]]:
    """(type, resolved target, id) of every internal relationship in one .rels part."""
    root = pkg.xml_or_none(rels_path)
    if root is None:
        return []
    return [(rel.get("Type", ""), resolve(base_dir, rel.get("Target", "")), rel.get("Id", ""))
            for rel in root.iter(REL) if rel.get("TargetMode") != "External"]


def _relationships(pkg: Package, part: str) -> dict:
    """The main part's relationships: by id (`rId7` -> path) and by kind (`comments` -> path)."""
    folder, name = posixpath.split(part)
    rels = _rels_of(pkg, posixpath.join(folder, "_rels", name + ".rels"), folder)
    by_kind = {kind.rsplit("/", 1)[-1]: target for kind, target, _ in rels}
    return {**by_kind, "ids": {rid: target for _, target, rid in rels}}


def _header_footer_lines(pkg: Package, body, rels: dict, found: set[str]) -> tuple[list[str], list[str]]:
    """Headers and footers of every section, each part once, duplicate lines dropped."""
    out: dict[str, list[str]] = {"headerReference": [], "footerReference": []}
    seen_parts: set[str] = set()
    for ref in body.iter(W + "headerReference", W + "footerReference"):
        path = rels["ids"].get(ref.get(R_ID, ""))
        if path and path not in seen_parts and pkg.has(path):
            seen_parts.add(path)
            out[etree.QName(ref).localname].extend(part_lines(pkg.xml(path), found))
    return _dedupe(out["headerReference"]), _dedupe(out["footerReference"])


def _dedupe(lines: list[str]) -> list[str]:
    return list(dict.fromkeys(line for line in lines if line.strip()))


def _notes(pkg: Package, path: str | None, found: set[str]) -> list[str]:
    root = pkg.xml_or_none(path)
    if root is None:
        return []
    lines: list[str] = []
    for note in root:
        if note.get(W + "type") in (None, "normal"):  # skip the separator pseudo-notes
            lines.extend(part_lines(note, found))
    return [line for line in lines if line.strip()]


def _has_comments(pkg: Package, rels: dict) -> bool:
    root = pkg.xml_or_none(rels.get("comments"))
    return root is not None and next(root.iter(W + "comment"), None) is not None


def docx_text_careful(data: bytes) -> str:
    """The careful path: python-docx's paragraph and table API, headers first, footers last."""
    import io

    import docx  # noqa: PLC0415 — heavy; only the peer path needs it

    document = docx.Document(io.BytesIO(data))
    headers, footers = [], []
    for section in document.sections:
        for part in (section.first_page_header, section.header, section.even_page_header):
            if not part.is_linked_to_previous:
                headers.extend(_block_lines(part))
        for part in (section.first_page_footer, section.footer, section.even_page_footer):
            if not part.is_linked_to_previous:
                footers.extend(_block_lines(part))
    lines = _dedupe(headers) + _block_lines(document) + _dedupe(footers)
    return clean_text("\n".join(lines))


def _block_lines(container) -> list[str]:
    lines: list[str] = []
    for block in container.iter_inner_content():
        if hasattr(block, "rows"):
            lines.extend(_table_lines(block))
        else:
            lines.append(block.text)
    return lines


def _table_lines(table) -> list[str]:
    """One line per row, cells separated by tabs, like the fast path."""
    lines, seen = [], set()
    for row in table.rows:
        cells = []
        for cell in row.cells:
            if cell._tc not in seen:  # merged cells repeat in row.cells
                cells.append(_block_lines(cell))
            seen.add(cell._tc)
        lines.append(row_line(cells))
    return lines
