"""Extract the GB/T 9704 header fields (发文字号、成文日期、标题 …) from a document's text.

`extract_fields(text)` is a pure function. It reads the lines once: while it is
still in the 版头 (the top zone, up to the 主送机关 line or the first body
sentence) it records the head elements — 份号, 密级, 紧急程度, 发文机关标志,
发文字号, 签发人, 标题; after that it records the tail elements — signature and
成文日期, 附注, 附件说明, 抄送. A published page's metadata block (索引号,
发文字号, 成文日期, 公开方式 …) is read on the way. The fields are then resolved
from what was recorded, with fixed precedences (see `_resolve_*`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from gongkai.pipeline import extract_lines as L
from gongkai.pipeline import extract_patterns as P
from gongkai.records import HeaderFields

_TOP_ZONE_MAX = 40        # lines: a 版头 longer than this is body text
_META_ZONE_MAX = 60       # lines: where a page's metadata block may stand
_TITLE_LINE_MAX = 80      # characters in one title line
_TITLE_MAX_LINES = 3

_ADOPTION_DATE_LINE = re.compile(r"(通过|修订|修正|修改|公布|发布|批准)")
# A 题注 line of a law: `2021年8月28日 经…会议通过并经…批准` or `（…会议通过）`; may be long.
_HEADER_NOTE = re.compile(rf"^(?:[（(]|{P.ARABIC_DATE.pattern}).*(?:通过|修订|修正|修改|公布|发布|批准)")
_SIGNED_DATE = re.compile(  # signature and date on one line: `青川县人民政府    2023年6月8日`
    rf"^(?P<org>[{P.CJK}、（）()\s]{{2,60}}?)\s+(?P<date>{P.ARABIC_DATE.pattern}|{P.CN_DATE.pattern})$")
_ISSUED_DATE = re.compile(rf"(?P<date>{P.ARABIC_DATE.pattern})\s*印发$")
_STAR_VARIANTS = re.compile(f"[{P.STAR}]")
_ISSUER_PREFIX = re.compile(rf"^([{P.CJK}、]{{2,40}}?)(?:关于|转发|印发|批转)")


@dataclass
class _Scan:
    """What one pass over the lines recorded, by line index."""

    lines: list[str]
    meta: dict[str, str] = field(default_factory=dict)
    heading: str | None = None          # a Markdown `# ` heading on the first line
    body_start: int | None = None       # first line of the 主体 (主送机关 or body text)
    title_at: int | None = None
    title_doc_number: str | None = None  # `(通政办发〔2018〕23号)标题…` on published pages
    doc_number_at: int | None = None
    order_serial: str | None = None     # 命令 `第707号`
    order_number: str | None = None     # `国务院令第308号公布` in a 题注
    banners: list[str] = field(default_factory=list)
    elements: list[tuple[int, re.Match]] = field(default_factory=list)  # 份号/密级/紧急程度 lines
    signer: str | None = None
    addressee_at: int | None = None
    adoption_orgs: list[str] = field(default_factory=list)
    header_dates: list[str] = field(default_factory=list)
    dated_lines: list[int] = field(default_factory=list)   # lines that are only a date
    signed_dates: list[int] = field(default_factory=list)  # `机关名称 2016年12月28日`
    issued_date: str | None = None       # 版记 `2016年12月28日印发`
    cc_at: int | None = None
    attachments_at: int | None = None
    declared: re.Match | None = None


def extract_fields(text: str) -> HeaderFields:
    """Read the GB/T 9704 elements of one document; absent elements stay None / []."""
    lines = _prepare(text if isinstance(text, str) else "")
    if not lines:
        return HeaderFields()
    scan = _scan(lines)
    title = _resolve_title(scan)
    date_at, date = _resolve_date(scan)
    declared = scan.declared
    return HeaderFields(
        title=title,
        doc_number=_resolve_doc_number(scan),
        issuer=_resolve_issuer(scan, title, date_at),
        date=date,
        doc_type=doc_type_of(title) if title else ("命令" if _order_banner(scan) else None),
        **_head_elements(scan),
        signer=scan.signer,
        addressees=P.split_agencies(lines[scan.addressee_at][:-1]) if scan.addressee_at is not None else [],
        cc=_resolve_cc(scan),
        declared_attribute=P.DECLARED_ATTRIBUTE[declared[1]] if declared else None,
        declared_text=declared[0] if declared else None,
        attachments=_resolve_attachments(scan),
        index_no=scan.meta.get("index_no"),
        publish_mode=scan.meta.get("publish_mode"),
    )


def doc_type_of(title: str) -> str:
    """The 文种 from a title's suffix: 复函 → 函, 会议纪要 → 纪要, 令 → 命令; else `other`."""
    match = P.TITLE_SUFFIX.search(title.strip())
    if not match:
        return "other"
    return "命令" if match[1] == "令" else match[1]


# --- the one pass -----------------------------------------------------------------

def _prepare(text: str) -> list[str]:
    """Non-empty trimmed lines, without page numbers (— 1 —)."""
    lines = (P.clean_line(raw) for raw in text.splitlines())
    return [line for line in lines if line and not P.PAGE_NUMBER.match(line)]


def _scan(lines: list[str]) -> _Scan:
    scan = _Scan(lines)
    if lines[0].startswith("# "):
        scan.heading = lines[0][2:].strip()
    for index, line in enumerate(lines):
        if index < _META_ZONE_MAX and _read_metadata(scan, line):
            continue
        if scan.body_start is None and index < _TOP_ZONE_MAX and _read_head_line(scan, index, line):
            continue
        if scan.body_start is None:
            scan.body_start = index
        _read_tail_line(scan, index, line)
    return scan


def _read_metadata(scan: _Scan, line: str) -> bool:
    found = P.parse_metadata(line)
    for key, value in found.items():
        scan.meta.setdefault(key, value)
    return bool(found)


def _read_head_line(scan: _Scan, index: int, line: str) -> bool:
    """Record a 版头 element; False when the line starts the body."""
    if index == 0 and scan.heading is not None:
        return True
    if L.is_addressee(line):
        scan.addressee_at = index
        return False
    if (_HEADER_NOTE.match(line) and not P.SENTENCE_END.search(line)) or L.is_dated_note(line):
        _read_header_note(scan, line)
        return True
    if P.BODY_HEADING.match(line) or P.SENTENCE_END.search(line) or len(line) > _TITLE_LINE_MAX:
        return False
    _read_head_element(scan, index, line)
    return True


def _read_head_element(scan: _Scan, index: int, line: str) -> None:
    before_title = scan.title_at is None
    element = P.ELEMENT_LINE.match(line)
    if element and before_title and any(element.groups()):
        scan.elements.append((index, element))
        return
    signer = P.SIGNER.search(line)
    if signer:
        scan.signer = "、".join(P.WHITESPACE.split(signer[1].strip()))
    if L.is_doc_number_line(line):
        scan.doc_number_at = scan.doc_number_at if scan.doc_number_at is not None else index
        return
    serial = P.ORDER_SERIAL.match(line)
    if serial:
        scan.order_serial = serial[1]
        return
    banner = P.BANNER.match(line)
    if banner and before_title and not L.is_title_line(line):
        scan.banners.append(line)
        return
    if before_title and L.is_title_line(line):
        scan.title_at = index
        prefix = P.DOC_NUMBER_PREFIX.match(line)
        scan.title_doc_number = P.normalise_doc_number(prefix[1]) if prefix else None
        return
    _read_header_note(scan, line)


def _read_header_note(scan: _Scan, line: str) -> None:
    """题注 lines of laws: `2017年12月1日 北京市…第四十二次会议通过`, `国务院令第308号公布`."""
    order = P.ORDER_NUMBER.search(line)
    if order and scan.order_number is None:
        scan.order_number = f"{order[1]}第{int(order[2])}号"
        scan.adoption_orgs.append(order[1][:-1])
    orgs = [_maker(org) for org in P.adopting_bodies(line)]
    if orgs:
        scan.adoption_orgs.append("、".join(dict.fromkeys(orgs)))
    if _ADOPTION_DATE_LINE.search(line) or L.is_dated_note(line):
        scan.header_dates.extend(P.all_dates(line, skip_in_force=True))


def _maker(org: str) -> str:
    """`最高人民法院审判委员会` → 最高人民法院 (the committee adopts for its court)."""
    org = _strip_leading_date(org)
    court = P.COURT_ORGAN.match(org)
    return court[1] if court else org


def _read_tail_line(scan: _Scan, index: int, line: str) -> None:
    """Record a signature date, 附注, 附件说明, 抄送 or 印发 line of the 主体 and 版记."""
    if P.standalone_date(line):
        scan.dated_lines.append(index)
    elif _SIGNED_DATE.match(line):
        scan.signed_dates.append(index)
    elif scan.cc_at is None and P.CC.match(line):
        scan.cc_at = index
    elif scan.attachments_at is None and P.ATTACHMENT.match(line):
        scan.attachments_at = index
    elif scan.declared is None and line[:1] in "（(":
        scan.declared = P.DECLARED.match(line)
    else:
        issued = _ISSUED_DATE.search(line)
        if issued and scan.issued_date is None:
            scan.issued_date = P.parse_date(issued["date"])


def _strip_leading_date(text: str) -> str:
    return P.WHITESPACE.sub("", P.ARABIC_DATE.sub("", text))


# --- resolving the fields ------------------------------------------------------------

def _body_title(scan: _Scan) -> str | None:
    if scan.title_at is None:
        return None
    first = scan.title_at
    while (scan.title_at - first < _TITLE_MAX_LINES - 1 and first > 0
           and L.can_continue_title(scan.lines[first - 1])):
        first -= 1
    title = "".join(scan.lines[first:scan.title_at + 1])
    prefix = P.DOC_NUMBER_PREFIX.match(title)
    return (title[prefix.end():].strip() if prefix else title) or None


def _resolve_title(scan: _Scan) -> str | None:
    """Body title (wrapped lines joined), unless the page's 标题 metadata is a longer form of it."""
    body = _body_title(scan) or scan.heading
    meta = scan.meta.get("title")
    if body and meta and len(meta) > len(body) and P.squeeze(meta).endswith(P.squeeze(body)):
        return meta
    return body or meta


def _resolve_doc_number(scan: _Scan) -> str | None:
    meta = scan.meta.get("doc_number")
    if meta:
        return P.normalise_doc_number(meta.translate(P.TRAD_TO_SIMPLE)) or P.squeeze(meta)
    if scan.doc_number_at is not None:
        return P.normalise_doc_number(scan.lines[scan.doc_number_at])
    if scan.title_doc_number:
        return scan.title_doc_number
    if scan.order_serial:
        return f"{P.squeeze(_order_banner(scan) or '')}第{int(scan.order_serial)}号"
    return scan.order_number


def _order_banner(scan: _Scan) -> str | None:
    """The banner of a 命令 (中华人民共和国国务院令), if the document is one."""
    return next((b for b in scan.banners if b.endswith("令")), None)


def _signature_date_line(scan: _Scan) -> int | None:
    """The 成文日期 line: the first date-only line right under a signature, else the first date-only line."""
    for index in scan.dated_lines:
        if _signature_above(scan, index):
            return index
    candidates = scan.dated_lines + scan.signed_dates
    return min(candidates) if candidates else None


def _resolve_date(scan: _Scan) -> tuple[int | None, str | None]:
    """成文日期: page metadata, else the signature date, else the 题注 date, else the 印发 date."""
    meta = scan.meta.get("date")
    meta_date = P.parse_date(meta, allow_iso=True) if meta else None
    at = _signature_date_line(scan)
    if meta_date:
        return at, meta_date
    if at is not None:
        line = scan.lines[at]
        match = _SIGNED_DATE.match(line)
        return at, P.parse_date(match["date"] if match else line)
    if scan.header_dates:
        return None, max(scan.header_dates)   # the version in force: the latest 题注 date
    return None, scan.issued_date


def _resolve_issuer(scan: _Scan, title: str | None, date_at: int | None) -> str | None:
    """发文机关: the banner (minus 文件), else the signature, else page metadata, else 题注, else the title."""
    banners = [m["issuer"] for m in map(P.BANNER.match, scan.banners) if m]
    if banners:
        return "、".join(P.squeeze(b) for b in banners)
    signature = _signature_issuer(scan, date_at)
    if signature:
        return signature
    meta = scan.meta.get("issuer") or scan.meta.get("issuer_alt")
    if meta:
        return meta
    if scan.adoption_orgs:
        return scan.adoption_orgs[0]   # the maker; later 题注 lines are amendments
    return _title_issuer(title)


def _signature_issuer(scan: _Scan, date_at: int | None) -> str | None:
    if date_at is None:
        return None
    signed = _SIGNED_DATE.match(scan.lines[date_at])
    line = signed["org"] if signed and L.looks_like_signature(signed["org"]) else _signature_above(scan, date_at)
    return "、".join(part for part in P.WHITESPACE.split(line.strip()) if part) if line else None


def _signature_above(scan: _Scan, date_at: int) -> str | None:
    """The signature line above a date, skipping a seal placeholder line such as `（印章）`."""
    for index in (date_at - 1, date_at - 2):
        line = scan.lines[index] if index >= 0 else ""
        if L.looks_like_signature(line):
            return line
        if not line.startswith(("（", "(")):
            return None
    return None


def _title_issuer(title: str | None) -> str | None:
    """`最高人民法院关于…的批复` → 最高人民法院."""
    if not title:
        return None
    match = _ISSUER_PREFIX.match(title)
    return match[1] if match else None


def _head_elements(scan: _Scan) -> dict:
    """份号 (first lines only), 密级和保密期限 and 紧急程度 from the 版头."""
    found: dict = {"copy_number": None, "secrecy": None, "urgency": None}
    for index, element in scan.elements:
        if element["copy"] and index < 3:
            found["copy_number"] = found["copy_number"] or element["copy"]
        if element["secrecy"]:
            mark = _STAR_VARIANTS.sub("★", P.squeeze(element["secrecy"]))
            found["secrecy"] = found["secrecy"] or mark
        if element["urgency"]:
            found["urgency"] = found["urgency"] or P.squeeze(element["urgency"])
    return found


def _resolve_cc(scan: _Scan) -> list[str]:
    """抄送机关, joining a wrapped 抄送 line until its closing 。."""
    if scan.cc_at is None:
        return []
    text = P.CC.match(scan.lines[scan.cc_at])[1]
    following = scan.lines[scan.cc_at + 1:scan.cc_at + 3]
    for line in following:
        if text.endswith("。") or "印发" in line or "：" in line or ":" in line or len(line) > 60:
            break
        text += line
    return P.split_agencies(text)


def _resolve_attachments(scan: _Scan) -> list[str]:
    """附件说明: `附件：1．名称` and the numbered lines that continue it."""
    if scan.attachments_at is None:
        return []
    first = P.ATTACHMENT.match(scan.lines[scan.attachments_at])[1].strip()
    numbered = P.NUMBERED_ITEM.match(first)
    items = [numbered[2] if numbered else first] if first else []
    expected = int(numbered[1]) + 1 if numbered else 1
    for line in scan.lines[scan.attachments_at + 1:scan.attachments_at + 30]:
        item = P.NUMBERED_ITEM.match(line)
        if not item or int(item[1]) != expected:
            break
        items.append(item[2])
        expected += 1
    return [item.strip().rstrip("。；;，,") for item in items]
