"""Small realistic Chinese test files, built in a tmp dir: PDF, DOCX, TXT, OFD and hostile packages.

Shared by the ingest tests and the CLI tests. Every function writes `path` and returns it.
"""
from __future__ import annotations

import copy
import zipfile
from pathlib import Path

from lxml import etree

LINE_CHARS = 28          # GB/T 9704: 28 characters per line of body text
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_NSDECL = (
    'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:v="urn:schemas-microsoft-com:vml"'
)


def _prepare(path) -> Path:
    """Create the parent folder, so callers can build nested batch folders in one call."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


# 禁则: closing punctuation never starts a line; typesetters squeeze it onto the line before.
NO_LINE_START = set("。，、；：？！）」』》〉”’…%")


def wrap(paragraph: str, width: int = LINE_CHARS) -> list[str]:
    """Hard-wrap a paragraph the way a 公文 is typeset: `width` characters per line, no line
    starting with closing punctuation."""
    lines: list[str] = []
    i = 0
    while i < len(paragraph):
        end = i + width
        while end < len(paragraph) and paragraph[end] in NO_LINE_START:
            end += 1
        lines.append(paragraph[i:end])
        i = end
    return lines or [""]


def make_pdf(path: Path, pages: list[str], font_size: float = 16) -> Path:
    """A PDF with one page per string, typeset in STSong-Light; paragraphs wrap at 28 characters."""
    path = _prepare(path)
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    pdf = canvas.Canvas(str(path), pagesize=A4)
    for page in pages:
        y = A4[1] - 72
        for paragraph in page.split("\n"):
            for line in wrap(paragraph):
                pdf.setFont("STSong-Light", font_size)
                pdf.drawString(56, y, line)
                y -= font_size * 1.6
        pdf.showPage()
    pdf.save()
    return Path(path)


def make_docx(path: Path, paragraphs: list[str], header: str | None = None, footer: str | None = None,
              textbox: str | None = None, tracked_insert: str | None = None,
              tracked_delete: str | None = None, comment: str | None = None,
              table: list[list[str]] | None = None) -> Path:
    """A DOCX made by python-docx, with OOXML injected for a text box and tracked changes."""
    path = _prepare(path)
    import docx

    document = docx.Document()
    if header:
        document.sections[0].header.paragraphs[0].text = header
    if footer:
        document.sections[0].footer.paragraphs[0].text = footer
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for row, values in zip(grid.rows, table):
            for cell, value in zip(row.cells, values):
                cell.text = value
    last = document.paragraphs[-1] if document.paragraphs else document.add_paragraph("")
    if textbox:
        last._p.append(_textbox_run(textbox))
    if tracked_insert:
        last._p.append(_tracked("ins", "t", tracked_insert))
    if tracked_delete:
        last._p.append(_tracked("del", "delText", tracked_delete))
    if comment:
        document.add_comment(document.paragraphs[0].runs, text=comment, author="审核人")
    document.save(str(path))
    return Path(path)


def _tracked(kind: str, text_tag: str, text: str):
    xml = (f'<w:{kind} {_NSDECL} w:id="90" w:author="起草人" w:date="2024-05-06T09:00:00Z">'
           f'<w:r><w:{text_tag} xml:space="preserve">{text}</w:{text_tag}></w:r></w:{kind}>')
    return etree.fromstring(xml)


def _textbox_run(text: str):
    """A run holding a text box the way Word writes it: DrawingML choice plus a VML fallback."""
    body = f'<w:txbxContent><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:txbxContent>'
    xml = (f'<w:r {_NSDECL}><mc:AlternateContent>'
           f'<mc:Choice Requires="wps"><w:drawing><wp:anchor><a:graphic><a:graphicData>'
           f'<wps:wsp><wps:txbx>{body}</wps:txbx></wps:wsp>'
           f'</a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>'
           f'<mc:Fallback><w:pict><v:shape><v:textbox>{body}</v:textbox></v:shape></w:pict></mc:Fallback>'
           f'</mc:AlternateContent></w:r>')
    return etree.fromstring(xml)


def make_txt(path: Path, text: str, encoding: str, bom: bool = False) -> Path:
    """Text in `encoding`; `bom=True` prepends the byte-order mark of a UTF-16/UTF-8 encoding."""
    path = _prepare(path)
    boms = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff", "utf-8": b"\xef\xbb\xbf"}
    data = text.encode(encoding)
    Path(path).write_bytes((boms[encoding] if bom else b"") + data)
    return Path(path)


_OFD_NS = 'xmlns:ofd="http://www.ofdspec.org/2016"'


def make_ofd(path: Path, pages: list[str], template: str | None = None, signed: bool = False,
             bottom_up: bool = False, doc_dir: str = "Doc_0", table: list[list[str]] | None = None,
             cell_gap: float = 2.0) -> Path:
    """A minimal OFD: one TextObject per line (written bottom-up when asked), an optional
    template page with text, an optional signature list, and an optional table below the
    last page's text, one TextObject per cell the way WPS exports a table, its columns
    `cell_gap` font sizes apart."""
    path = _prepare(path)
    files = {"OFD.xml": _ofd_root(doc_dir, signed), f"{doc_dir}/Document.xml": _ofd_document(len(pages), template)}
    for number, page in enumerate(pages):
        cells = table if table and number == len(pages) - 1 else None
        files[f"{doc_dir}/Pages/Page_{number}/Content.xml"] = _ofd_page(page, template is not None, bottom_up,
                                                                           table=cells, cell_gap=cell_gap)
    if template:
        files[f"{doc_dir}/Tpls/Tpl_0/Content.xml"] = _ofd_page(template, False, False, top=15.0)
    if signed:
        files[f"{doc_dir}/Signs/Signatures.xml"] = (
            f'<ofd:Signatures {_OFD_NS}><ofd:Signature ID="1" BaseLoc="/{doc_dir}/Signs/Sign_0/Signature.xml"/>'
            f'</ofd:Signatures>')
        files[f"{doc_dir}/Signs/Sign_0/Signature.xml"] = f'<ofd:Signature {_OFD_NS}/>'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, xml in files.items():
            zf.writestr(name, '<?xml version="1.0" encoding="UTF-8"?>' + xml)
    return Path(path)


def _ofd_root(doc_dir: str, signed: bool) -> str:
    signatures = f"<ofd:Signatures>{doc_dir}/Signs/Signatures.xml</ofd:Signatures>" if signed else ""
    return (f'<ofd:OFD {_OFD_NS} DocType="OFD" Version="1.1"><ofd:DocBody><ofd:DocInfo><ofd:DocID>t</ofd:DocID>'
            f'</ofd:DocInfo><ofd:DocRoot>{doc_dir}/Document.xml</ofd:DocRoot>{signatures}</ofd:DocBody></ofd:OFD>')


def _ofd_document(pages: int, template: str | None) -> str:
    tpl = '<ofd:TemplatePage ID="100" BaseLoc="Tpls/Tpl_0/Content.xml"/>' if template else ""
    refs = "".join(f'<ofd:Page ID="{i + 1}" BaseLoc="Pages/Page_{i}/Content.xml"/>' for i in range(pages))
    return (f'<ofd:Document {_OFD_NS}><ofd:CommonData><ofd:PageArea><ofd:PhysicalBox>0 0 210 297'
            f'</ofd:PhysicalBox></ofd:PageArea>{tpl}</ofd:CommonData><ofd:Pages>{refs}</ofd:Pages></ofd:Document>')


def _ofd_text_object(number: int, x: float, y: float, size: float, text: str) -> str:
    return (f'<ofd:TextObject ID="{number}" Font="1" Size="{size}" Boundary="{x} {y} 157 {size * 1.2}">'
            f'<ofd:TextCode X="0" Y="{size}" DeltaX="g {max(len(text) - 1, 0)} {size}">{_xml_escape(text)}'
            f'</ofd:TextCode></ofd:TextObject>')


def _ofd_table(rows: list[list[str]], top: float, first_id: int, gap: float, size: float = 3.5) -> list[str]:
    """One TextObject per non-empty cell; columns as wide as their widest cell plus `gap` characters."""
    widths = [max(len(c) - 0.5 * len(c.encode("latin-1", "ignore")) for c in column) for column in zip(*rows)]
    lefts = [15 + size * (sum(widths[:i]) + gap * i) for i in range(len(widths))]
    return [_ofd_text_object(first_id + r * len(row) + c, lefts[c], top + r * size * 2, size, cell)
            for r, row in enumerate(rows) for c, cell in enumerate(row) if cell]


def _ofd_page(text: str, uses_template: bool, bottom_up: bool, top: float = 37.0,
              table: list[list[str]] | None = None, cell_gap: float = 2.0) -> str:
    size, objects = 5.6, []
    lines = [line for paragraph in text.split("\n") for line in wrap(paragraph)]
    for number, line in enumerate(lines):
        objects.append(_ofd_text_object(number + 10, 27, top + number * size * 1.6, size, line))
    if table:
        objects += _ofd_table(table, top + (len(lines) + 1) * size * 1.6, len(lines) + 10, cell_gap)
    if bottom_up:
        objects.reverse()
    template = '<ofd:Template TemplateID="100" ZOrder="Background"/>' if uses_template else ""
    return (f'<ofd:Page {_OFD_NS}>{template}<ofd:Content><ofd:Layer ID="2">{"".join(objects)}'
            f'</ofd:Layer></ofd:Content></ofd:Page>')


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def make_zip_bomb_docx(path: Path, member_bytes: int = 500 * 2**20) -> Path:
    """A DOCX whose word/document.xml inflates to `member_bytes`; written in 1 MB chunks, never held."""
    path = _prepare(path)
    chunk = b"<w:p/>" * (2**20 // 6)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("word/document.xml", "w", force_zip64=True) as member:
            written = 0
            while written < member_bytes:
                member.write(chunk)
                written += len(chunk)
    return Path(path)


def make_billion_laughs_docx(path: Path, source: Path) -> Path:
    """Copy a real DOCX (`source`, built by make_docx) with an entity-expansion DTD in document.xml."""
    path = _prepare(path)
    dtd = ('<!DOCTYPE w:document [<!ENTITY lol "lol">'
           + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
           + "]>")
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "word/document.xml":
                head, _, rest = data.decode("utf-8").partition("?>")
                data = (head + "?>" + dtd + rest.replace("</w:body>", "<w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body>")).encode()
            dst.writestr(copy.copy(info), data)
    return Path(path)


def make_overlapping_pieces_doc(path: Path, text: str, pieces: int) -> Path:
    """A Word 97-2003 .doc whose piece table lists `pieces` pieces that all point at the same text
    (overlapping pieces): a reader that trusts the table assembles pieces × len(text) characters.
    A minimal OLE compound file (CFB v3, 512-byte sectors, both streams ≥ 4096 bytes, so no
    mini stream) with a `WordDocument` stream (FIB, then the text as UTF-16) and a `1Table`
    stream holding the CLX."""
    import struct

    body = text.encode("utf-16-le")
    word = bytearray(1024)
    struct.pack_into("<H", word, 0, 0xA5EC)                 # wIdent
    struct.pack_into("<H", word, 0x0A, 0x0200)              # fWhichTblStm: 1Table
    struct.pack_into("<H", word, 32, 14)                    # csw
    lw_at = 34 + 14 * 2
    struct.pack_into("<H", word, lw_at, 22)                 # cslw
    struct.pack_into("<i", word, lw_at + 2 + 3 * 4, len(text) * pieces)   # ccpText
    fc_at = lw_at + 2 + 22 * 4 + 2 + 33 * 8                 # fcClx / lcbClx
    cps = struct.pack(f"<{pieces + 1}I", *(i * len(text) for i in range(pieces + 1)))
    pcds = b"".join(struct.pack("<HIH", 0, 1024, 0) for _ in range(pieces))   # every piece: the same bytes
    plc = cps + pcds
    clx = b"\x02" + struct.pack("<I", len(plc)) + plc
    struct.pack_into("<II", word, fc_at, 0, len(clx))
    word += body
    return _write_cfb(_prepare(path), {"WordDocument": bytes(word).ljust(4096, b"\0"),
                                       "1Table": clx.ljust(4096, b"\0")})


def _write_cfb(path: Path, streams: dict[str, bytes]) -> Path:
    """The smallest valid compound file holding `streams` (each ≥ 4096 bytes) under the root."""
    import struct

    sector, end, free, fatsect = 512, 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
    data, fat, starts = bytearray(), [], []
    for content in streams.values():
        n = -(-len(content) // sector)
        starts.append(len(fat))
        fat += [len(fat) + i + 1 for i in range(n - 1)] + [end]
        data += content.ljust(n * sector, b"\0")
    dir_start = len(fat)
    entries = [("Root Entry", 5, 1 if streams else free, free, end, 0)]
    for i, (name, content) in enumerate(streams.items()):
        right = i + 2 if i + 1 < len(streams) else free
        entries.append((name, 2, free, right, starts[i], len(content)))
    directory = b"".join(_cfb_entry(*e) for e in entries).ljust(-(-len(entries) // 4) * sector, b"\0")
    fat += [dir_start + i + 1 for i in range(len(directory) // sector - 1)] + [end]
    data += directory
    fat_sectors = -(-(len(fat) + 1) // 127)                 # the FAT describes its own sectors too
    fat_start = len(fat)
    fat += [fatsect] * fat_sectors
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat).ljust(fat_sectors * sector, b"\xff")
    difat = [fat_start + i for i in range(fat_sectors)] + [free] * (109 - fat_sectors)
    header = (bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 16
              + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
              + struct.pack("<IIIIIIIII", 0, fat_sectors, dir_start, 0, 4096, end, 0, end, 0)
              + struct.pack("<109I", *difat))
    path.write_bytes(header + bytes(data) + fat_bytes)
    return path


def _cfb_entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
    import struct

    raw = (name + "\0").encode("utf-16-le")
    return (raw.ljust(64, b"\0") + struct.pack("<HBB", len(raw), kind, 1)
            + struct.pack("<III", 0xFFFFFFFF, right, child) + b"\0" * 16 + b"\0" * 4 + b"\0" * 16
            + struct.pack("<IQ", start, size))


def make_self_drawing_pdf(path: Path) -> Path:
    """An 861-byte PDF whose page draws form XObject X twice and X draws itself twice, scaled down:
    a reader that expands forms builds 2^depth objects (PDFium reached 17 GB on a file like it)."""
    content = b"q /X Do Q q /X Do Q"
    form = b"BT /F1 12 Tf 10 10 Td (A) Tj ET q 0.5 0 0 0.5 0 0 cm /X Do Q q 0.5 0 0 0.5 50 50 cm /X Do Q"
    resources = b"/Resources << /XObject << /X 5 0 R >> /Font << /F1 6 0 R >> >>"
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] " + resources + b" /Contents 4 0 R >>",
               b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
               b"<< /Type /XObject /Subtype /Form /BBox [0 0 200 200] " + resources
               + b" /Length %d >>\nstream\n%s\nendstream" % (len(form), form),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    _prepare(path).write_bytes(bytes(out))
    return path
