"""Personal data of private persons (个人隐私, 条例第十五条): IDs, mobiles, bank cards,
passports, emails, residence addresses and the names next to them.

Every number pattern has no-digit/no-letter lookarounds, so digit runs inside
longer numbers (立案号, waybills) never fire, and a match is only reported when
its validator agrees (GB 11643, Luhn, number segments). Short or ambiguous
patterns also need a context word in the same line or in the column header of
the table they sit in. Landlines are never flagged: an agency's contact number
is public under 条例第二十条第（二）项.

IDs and mobiles are found as clerks type them: grouped by spaces, NBSP, hyphens or
dots, with zero-width spaces inside, in full-width digits; a tab or a line break
inside an ID only counts next to an ID label. Hit spans cover the number as it
stands in the text, separators included.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from itertools import accumulate

from gongkai.pipeline.detect import validators as v
from gongkai.pipeline.detect.base import DetectConfig, DetectInput, registry
from gongkai.records import Hit

GROUND = "条例第十五条（个人隐私）"
HIGH_KINDS = frozenset({"personal_id", "bank_card", "passport"})

_D = "[0-9０-９]"
_EDGE = "0-9０-９A-Za-zＡ-Ｚａ-ｚ*＊"
# Not inside a longer alphanumeric run, not glued to a masked run, not the integer part of a
# decimal. _LB is checked just after the first character (it looks back past it), so every
# pattern starts with a plain character class and the regex engine can skip ahead quickly.
_LB = rf"(?<![{_EDGE}].)(?<!{_D}[.．].)"
_RB = rf"(?![{_EDGE}])(?![.．]{_D})"

# Separators clerks type inside a number. Zero-width characters are invisible and may sit
# anywhere; the visible ones must group the digits consistently (see _groups).
_NUMBER_SEP = re.escape(v.NUMBER_SEPARATORS + v.ZERO_WIDTH)
_ID_SEP = _NUMBER_SEP + "\t\n"
# 18 characters with up to three separator characters between any two of them.
# The first two digits (the province) are never split, and the first is 1–8: most number
# runs of a statistics table fail right there.
_ID18 = re.compile(
    rf"[1-8１-８]{_LB}{_D}(?:[{_ID_SEP}]{{0,3}}{_D}){{15}}[{_ID_SEP}]{{0,3}}[0-9０-９XxＸｘ]{_RB}")
_ID15 = re.compile(rf"{_D}{_LB}{_D}{{14}}{_RB}")
_MOBILE = re.compile(
    rf"(?:(?P<prefix>[+＋][8８][6６]|[0０]{_LB}[0０][8８][6６])[{_NUMBER_SEP}]{{0,3}}[1１]|[1１]{_LB})"
    rf"(?:[{_NUMBER_SEP}]{{0,3}}{_D}){{10}}{_RB}")
_SEP_RUN = re.compile(rf"[{_ID_SEP}]+")
_NO_ZERO_WIDTH = {ord(c): None for c in v.ZERO_WIDTH}
# How a mobile's 11 digits may be grouped: 138 1234 5678, 1381 2345 678, 138 12345678, 1381234 5678.
_MOBILE_GROUPS = frozenset({(11,), (3, 4, 4), (4, 4, 3), (3, 8), (7, 4)})
# An 18-character number whose check digit fails is still a person's ID right after its label.
_ID_LABEL = re.compile(r"(?:身份证|身份号码|证件号)")
_ID_LABEL_BEFORE = re.compile(r"(?:身份证(?:件)?(?:号码|号)?|公民身份号码|身份号码|证件号码?)[为是：:\s]{0,3}$")
_CARD_SEP = "[- \u00a0\u3000\u200b]"
_CARD = re.compile(rf"{_D}{_LB}{_D}{{3}}(?:{_CARD_SEP}?{_D}{{4}}){{3}}(?P<tail>{_CARD_SEP}?{_D}{{1,3}})?{_RB}")
_PASSPORT = re.compile(
    rf"(?:E{_LB}[A-HJ-NP-Z0-9]{_D}{{7}}|G{_LB}{_D}{{8}}|1{_LB}[45]{_D}{{7}}|[PSD]{_LB}E{_D}{{7}}"
    rf"|K{_LB}{_D}{{8}}|M{_LB}A{_D}{{7}}){_RB}")
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]*[@＠][A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
_PUBLIC_EMAIL = re.compile(r"\.gov(?:\.cn)?$", re.IGNORECASE)
_ROLE_MAILBOX = re.compile(
    r"(?:hr|info|service|admin|contact|office|support|webmaster|postmaster|kefu|zhaopin|jubao|tousu|xxgk|zwgk)@",
    re.IGNORECASE)

# A mailbox readers are asked to send to (发送至…邮箱, 反馈意见，电子邮箱：) or one an office is
# named with (…种植业股，邮箱：) is the agency's, even on a public webmail domain.
_AGENCY_MAILBOX = re.compile(
    r"(?:发送|发至|发到|报送|报至|反馈|寄至|寄送|投递|提交|回执|电子版|报名表)[^。；;\n]{0,12}"
    r"(?:邮箱|电子邮件|邮件)[^。；;\n]{0,6}$"
    r"|(?:科|股|处|室|局|中心|办|站|所|委|院|组)[，,、]?(?:电子)?邮箱(?:地址)?[：:]?[ \u3000]*$")

_BANK_CUES = re.compile(r"银行卡|卡号|账号|帐号|开户行|银行账户|开户银行|收款账户|存折")
_BANK_CUES_62 = re.compile(r"银行|社保卡|代发|转入|存入|打卡|发放")   # weaker words, UnionPay 62 only
_PASSPORT_CUES = re.compile(r"护照|证件号|passport", re.IGNORECASE)
_ID15_CUES = re.compile(r"身份证|证件号|身份号码")
_ORG_CUES = re.compile(r"信用代码|社会信用|组织机构代码|纳税人识别号|索引号")

# --- addresses below the 乡镇/街道 level -------------------------------------------

_H = "[\u4e00-\u9fff]"
_NUM = "(?:[0-9０-９]+|[一二三四五六七八九十百零〇]+)"
# Every branch starts at a number, 村 or 门牌, so the engine only tries the pattern at those
# characters (a number only where it starts: trying every digit of a long run is quadratic);
# whether a number belongs to a road, an estate or a building is then decided by looking at
# the word just before it (_address_kind). 村级组织, 村民小组, 村委 are not village groups.
_ADDR = re.compile(
    rf"(?:(?P<village>村(?![民级委])(?:{_NUM}|{_H}{{1,3}}?)(?:小组|组(?!织)|队(?!伍)|社(?!会|区)))"
    rf"|门牌号?[：:]?{_NUM}号?"
    rf"|(?<![0-9０-９一二三四五六七八九十百零〇]){_NUM}(?P<unit>号院|号楼|号|栋|幢|座|单元|(?=[-－]{_D})))"
    rf"(?:[-－]?(?:{_NUM}(?:号楼|栋|幢|座|单元|室|层|号房|号|楼)|门牌{_NUM}号)|[-－]?{_D}+(?=[-－]{_D})|[-－]{_D}+)*")
_ROAD_WORDS = ("路", "街", "巷", "弄", "大道", "胡同")
_ESTATE_WORDS = ("小区", "花园", "公寓", "家园", "新村", "大厦", "公馆", "苑")
_BUILDING_UNITS = frozenset({"号楼", "栋", "幢", "座", "单元", ""})
# Where the named part (road, village, estate) starts: after the last 乡镇/街道-or-higher unit
# and after a residence word, so only the detail below the 街道 level is the hit.
_ADMIN_TAIL = re.compile(r".*(?:省|自治区|市|(?<![社小园])区|县|旗|镇|乡|街道|办事处)")
_LEAD_WORDS = re.compile(r"^(?:家庭住址|户籍地址|户籍地|现住址|住址|家住|现住|现居住?|居住(?:在|于)?|住在|地址|住|在|于|系|为)")
# 住所 is also a company's registered seat, so it only counts on a line with a person on it.
_RESIDENCE = re.compile(
    r"住址|家住|居住|户籍|现住|住在|家庭地址|现居|暂住|租住|住[：:]|[，,、 ]住(?![房宅建院所])|住户")
_MAX_NAME_BACK = 12


# --- lines and table headers -------------------------------------------------

_NEWLINE = re.compile("\n")
_HEADER_LABELS = re.compile(r"序号|姓名|身份证|证件|电话|手机|银行|卡号|账号|帐号|住址|地址|金额|性别|户主|村组|护照|年龄|民族")
_CELL_SPLIT = re.compile(r"[ \t\u3000|｜]+")
_CELL = re.compile(r"[^ \t\u3000|｜]+")
_LONG_DIGITS = re.compile(r"[0-9０-９]{6}")


def _is_header(line: str) -> bool:
    """A table header row: several short whitespace-separated cells, two or more of them labels."""
    if not _HEADER_LABELS.search(line):
        return False
    cells = [c for c in _CELL_SPLIT.split(line.strip()) if c]
    labelled = sum(1 for c in cells if len(c) <= 10 and _HEADER_LABELS.search(c))
    return len(cells) >= 3 and labelled >= 2 and not _LONG_DIGITS.search(line)


class Lines:
    """Line lookup for one text: which line a position is on, and the table header above it."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.breaks = [m.start() for m in _NEWLINE.finditer(text)]
        self._headers: list[str | None] | None = None

    def number(self, pos: int) -> int:
        return bisect_left(self.breaks, pos)

    def bounds(self, number: int) -> tuple[int, int]:
        start = self.breaks[number - 1] + 1 if number else 0
        end = self.breaks[number] if number < len(self.breaks) else len(self.text)
        return start, end

    def header(self, number: int) -> str | None:
        """The header row of the table this line belongs to (a blank line ends a table)."""
        if self._headers is None:
            current, self._headers = None, []
            for line in self.text.split("\n"):
                if not line.strip():
                    current = None
                elif _is_header(line):
                    current = line
                self._headers.append(current)
        return self._headers[number]

    def column(self, pos: int) -> str | None:
        """The header cell above `pos`, when its row and the header split into as many cells."""
        number = self.number(pos)
        header = self.header(number)
        if header is None:
            return None
        line_start, line_end = self.bounds(number)
        line = self.text[line_start:line_end]
        row, heads = _cell_spans(line), _cell_spans(header)
        # Trailing empty cells of a tab-separated row are stripped with the line's trailing blanks.
        if len(row) != len(heads) and not ("\t" in line and "\t" in header and len(row) < len(heads)):
            return None
        offset = pos - line_start
        for (start, end), (head_start, head_end) in zip(row, heads):
            if start <= offset < end:
                return header[head_start:head_end]
        return None

    def near(self, start: int, end: int, cues: re.Pattern, before: int = 20, after: int = 8) -> bool:
        """Whether a cue word is within `before`/`after` characters on the same line, or in the
        header of its table: the header cell of its column when the cells line up, else the row."""
        number = self.number(start)
        line_start, line_end = self.bounds(number)
        window = self.text[max(line_start, start - before):start] + "\n" + self.text[end:min(line_end, end + after)]
        if cues.search(window):
            return True
        header = self.column(start) or self.header(number)
        return header is not None and cues.search(header) is not None


def _cell_spans(line: str) -> list[tuple[int, int]]:
    """Cells of a table row: tab-separated (empty cells count) when it has tabs, else blank-separated."""
    if "\t" not in line:
        return [m.span() for m in _CELL.finditer(line)]
    spans, start = [], 0
    for cell in line.split("\t"):
        spans.append((start, start + len(cell)))
        start += len(cell) + 1
    return spans


def _hit(kind: str, rule: str, text: str, start: int, end: int, why: str, severity: str | None = None) -> Hit:
    severity = severity or ("high" if kind in HIGH_KINDS else "medium")
    return Hit(kind=kind, rule_id=f"personal.{rule}", text=text[start:end], start=start, end=end,
               ground=GROUND, severity=severity, explanation=why)


def _matches(pattern: re.Pattern, text: str) -> Iterator[re.Match]:
    """Every match, overlapping ones too: a candidate that fails its check must not hide the
    real number starting inside it. Callers drop matches overlapping an accepted one."""
    pos = 0
    while (m := pattern.search(text, pos)) is not None:
        yield m
        pos = m.start() + 1


def _groups(number: str) -> tuple[list[int], set[str]]:
    """Lengths of the digit groups of a number as typed, and its distinct visible separators."""
    visible = number.translate(_NO_ZERO_WIDTH)
    return [len(part) for part in _SEP_RUN.split(visible)], set(_SEP_RUN.findall(visible))


def _id_layout_ok(number: str, labelled: bool) -> bool:
    """One kind of separator, groups of two digits or more (6-8-4, 4-4-4-4-2…); a tab or line
    break inside (a wrapped line, a split cell) only next to an ID label."""
    sizes, seps = _groups(number)
    if not seps:
        return True
    if any("\t" in sep or "\n" in sep for sep in seps):
        return labelled
    return len(seps) == 1 and len(sizes) <= 6 and min(sizes) >= 2


def _after_id_label(text: str, lines: Lines, start: int) -> bool:
    """Whether the number follows an ID label on its line (or ending the line above), or sits
    in a column headed by one."""
    before = text[max(0, start - 14):start].rstrip(" \t\u3000\u00a0\n")
    if _ID_LABEL_BEFORE.search(before):
        return True
    column = lines.column(start)
    return column is not None and _ID_LABEL.search(column) is not None


def _id18_hit(text: str, lines: Lines, m: re.Match) -> Hit | None:
    number, start, end = m.group(), m.start(), m.end()
    if not v.looks_like_resident_id(number):
        return None
    valid = v.is_resident_id(number)
    labelled = _after_id_label(text, lines, start)
    if not (valid or labelled):
        return None
    if not _id_layout_ok(number, labelled or lines.near(start, end, _ID_LABEL)) or lines.near(start, end, _ORG_CUES):
        return None
    if valid:
        return _hit("personal_id", "id18", text, start, end, "18位居民身份证号码，出生日期与校验位有效（GB 11643）")
    return _hit("personal_id", "id18_check", text, start, end,
                "“身份证号”标签后的18位号码，校验位不符（多为录入笔误），仍是个人身份证号码", "medium")


def _find_ids(text: str, lines: Lines) -> list[Hit]:
    hits: list[Hit] = []
    for m in _matches(_ID18, text):
        # The century of birth first: the cheapest check, and statistics tables hold many numbers.
        if v.normalize(m.group())[6:8] in ("19", "20") and (not hits or m.start() >= hits[-1].end):
            hit = _id18_hit(text, lines, m)
            hits += [hit] if hit else []
    for m in _ID15.finditer(text):
        if v.is_resident_id(m.group()) and lines.near(m.start(), m.end(), _ID15_CUES):
            hits.append(_hit("personal_id", "id15", text, m.start(), m.end(),
                             "15位旧版居民身份证号码，旁有“身份证”字样"))
    return hits


def _mobile_layout_ok(m: re.Match) -> bool:
    """One kind of separator, grouped as people write mobiles (3-4-4, 4-4-3, 3-8, 7-4)."""
    body = m.group()[len(m.group("prefix") or ""):].lstrip(v.NUMBER_SEPARATORS + v.ZERO_WIDTH)
    sizes, seps = _groups(body)
    return len(seps) <= 1 and tuple(sizes) in _MOBILE_GROUPS


def _find_mobiles(text: str, taken: _Taken) -> list[Hit]:
    hits: list[Hit] = []
    for m in _matches(_MOBILE, text):
        if ((not hits or m.start() >= hits[-1].end) and v.is_mobile(m.group()) and _mobile_layout_ok(m)
                and not taken.overlaps(*m.span())):
            hits.append(_hit("mobile", "mobile", text, m.start(), m.end(), "手机号码（号段有效），属个人联系方式"))
    return hits


def _card_span(m: re.Match) -> tuple[int, int] | None:
    """The Luhn-valid card in a match; a trailing short group may be the next table cell."""
    if v.is_bank_card(m.group()):
        return m.span()
    tail = m.group("tail")
    if tail and not tail[0].isdigit() and v.is_bank_card(m.group()[:-len(tail)]):
        return m.start(), m.end() - len(tail)
    return None


def _find_cards(text: str, lines: Lines, taken: _Taken) -> list[Hit]:
    hits = []
    for m in _CARD.finditer(text):
        span = _card_span(m)
        if span is None or taken.overlaps(*span):
            continue
        digits = v.normalize(text[span[0]:span[1]])
        cued = lines.near(*span, _BANK_CUES) or (digits.startswith("62") and lines.near(*span, _BANK_CUES_62))
        if cued:
            hits.append(_hit("bank_card", "bank_card", text, *span, "银行卡号（Luhn 校验通过），旁有卡号/账号字样"))
    return hits


def _find_passports(text: str, lines: Lines) -> list[Hit]:
    return [_hit("passport", "passport", text, m.start(), m.end(), "护照号码格式，旁有“护照/证件号”字样")
            for m in _PASSPORT.finditer(text) if lines.near(m.start(), m.end(), _PASSPORT_CUES)]


def _find_emails(text: str) -> list[Hit]:
    if "@" not in text and "＠" not in text:
        return []
    # Agency mailboxes (…gov.cn, or one readers are asked to send to) are public contacts under
    # 条例第二十条第（二）项, and role mailboxes (hr@, info@…) belong to an organisation, not a person.
    return [_hit("email", "email", text, m.start(), m.end(), "电子邮箱地址，属个人联系方式")
            for m in _EMAIL.finditer(text)
            if not (_PUBLIC_EMAIL.search(m.group()) or _ROLE_MAILBOX.match(m.group().replace("＠", "@"))
                    or _AGENCY_MAILBOX.search(text, max(0, m.start() - 24), m.start()))]


def _address_kind(text: str, m: re.Match) -> str | None:
    """"named" (road, village or estate: extend back over its name), "plain", or None (not an address)."""
    if m.group("village"):
        return "named"
    unit = m.group("unit")
    if unit is None:
        return "plain"                                   # 门牌…号
    before = text[max(0, m.start() - 2):m.start()]
    if unit in ("号", "号院") and before.endswith(_ROAD_WORDS):
        return "named"
    if unit in _BUILDING_UNITS and before.endswith(_ESTATE_WORDS):
        return "named"
    if unit in ("号楼", "栋", "幢") and not before[-1:].isdigit():
        return "plain"
    return None


def _address_start(text: str, m: re.Match) -> int:
    """Extend a road/village/estate match back over its name, stopping below the 街道 level."""
    begin = m.start()
    while begin > 0 and m.start() - begin < _MAX_NAME_BACK and "\u4e00" <= text[begin - 1] <= "\u9fff":
        begin -= 1
    prefix = text[begin:m.start()]
    admin = _ADMIN_TAIL.match(prefix)
    if admin and admin.end() < len(prefix):
        prefix = prefix[admin.end():]
    lead = _LEAD_WORDS.match(prefix)
    if lead and lead.end() < len(prefix):
        prefix = prefix[lead.end():]
    return m.start() - len(prefix)


def _find_addresses(text: str, lines: Lines, anchor_lines: set[int]) -> list[Hit]:
    hits = []
    for m in _ADDR.finditer(text):
        kind = _address_kind(text, m)
        if kind is None:
            continue
        start = _address_start(text, m) if kind == "named" else m.start()
        if lines.near(start, m.end(), _RESIDENCE, before=30) or lines.number(start) in anchor_lines:
            hits.append(_hit("address", "address", text, start, m.end(),
                             "乡镇/街道以下的详细住址（门牌、楼栋、单元、室或村组），出现在住址语境中"))
    return hits


class _Taken:
    """Spans already claimed by hits, with O(log n) overlap checks (tables hold thousands)."""

    def __init__(self, hits: Iterable[Hit]) -> None:
        spans = sorted((h.start, h.end) for h in hits)
        self.starts = [start for start, _ in spans]
        self.max_end = list(accumulate((end for _, end in spans), max))

    def overlaps(self, start: int, end: int) -> bool:
        i = bisect_left(self.starts, end)
        return i > 0 and self.max_end[i - 1] > start


# --- names of private persons -------------------------------------------------

_NAME_LABEL = re.compile(
    r"(?:姓名|申请人|当事人|被处罚人|户主|投诉人|举报人|受助人|救助对象|监护人|患者|家属|承租人|借款人|"
    r"受害人|被告人|犯罪嫌疑人|收件人|收款人|户名|车主)[：:]?[ \u3000]*(?=[\u4e00-\u9fff])")
_GENDER = re.compile(r"[（(，,][ \u3000]*[男女](?=[，,）)、；;\s0-9])")
_HAN_RUN = re.compile(r"[\u4e00-\u9fff]+")
_NAME_FOLLOWERS = frozenset("，,（(")
_AFTER_BARE_NAME = frozenset("于因现系在")
# Officials acting in office are public (条例第二十条第（二）项): no name right after these.
_OFFICIAL = re.compile(
    r"(?:签发人|联系人|经办人|审核人|审批人|拟稿人|承办人|负责人|责任人|执法人员|局长|主任|书记|市长|县长|区长|"
    r"镇长|乡长|处长|科长|厅长|部长|主席|委员|院长|所长|队长|站长|校长|经理|董事长)[：:]?"
    r"(?:[\u4e00-\u9fff]{2,10}[ \u3000]+)?[ \u3000]*$")          # 联系人：镇水利站　欧阳剑


def _labelled_names(text: str) -> Iterator[tuple[int, int, str, str]]:
    for m in _NAME_LABEL.finditer(text):
        run = _HAN_RUN.match(text, m.end())
        name = v.name_in_run(run.group()) if run else None
        # Without a colon the label may be ordinary prose (患者满意度, 承租人支付…): the name
        # must then end the run or be followed by a typical verb (当事人谢永强于…).
        bare = m.group()[-1] not in "：: \u3000"
        if name and bare and len(run.group()) > len(name) and run.group()[len(name)] not in _AFTER_BARE_NAME:
            continue
        if name:
            label = m.group().rstrip("：: \u3000")
            yield m.end(), m.end() + len(name), "name_label", f"“{label}”后的自然人姓名"


def _gendered_names(text: str) -> Iterator[tuple[int, int, str, str]]:
    for m in _GENDER.finditer(text):
        begin = m.start()
        while begin > 0 and m.start() - begin < 8 and "\u4e00" <= text[begin - 1] <= "\u9fff":
            begin -= 1
        name = v.name_at_end(text[begin:m.start()])
        start = m.start() - len(name or "")
        if name and not _is_unit(text, start):
            yield start, m.start(), "name_gender", "姓名后注明性别，属自然人个人信息"


# Surnames that are also units: right after a number they measure (800米跑（女）, 3万元).
_UNIT_SURNAMES = frozenset("米万")


def _is_unit(text: str, start: int) -> bool:
    return text[start:start + 1] in _UNIT_SURNAMES and text[start - 1:start].isdigit()


# Words that introduce a person in running text (…村民黄志勇，…妻子王秀云（…): only after one of
# them does the end of a longer run count as a name (not …运转成本高， …实施方案（).
_PERSON_WORDS = ("村民", "居民", "农民", "群众", "户主", "职工", "员工", "工人", "学生", "教师", "患者", "病人",
                 "妻子", "丈夫", "配偶", "儿子", "女儿", "之子", "之女", "父亲", "母亲", "老人", "儿童", "对象",
                 "家属", "亲属", "业主", "租户", "住户", "个人", "公民", "同学", "旅客", "乘客", "考生", "司机",
                 "驾驶员", "驾驶人", "幼儿", "孕妇", "孩子")


def _name_after_person_word(run: str) -> str | None:
    name = v.name_at_end(run)
    return name if name and run[:-len(name)].endswith(_PERSON_WORDS) else None


def _row_names(text: str, lines: Lines, anchors: set[int]) -> Iterator[tuple[int, int, str, str]]:
    for number in sorted(anchors):
        line_start, line_end = lines.bounds(number)
        for run in _HAN_RUN.finditer(text, line_start, line_end):
            start, name = run.start(), v.name_in_run(run.group())
            if name is None and text[run.end():run.end() + 1] in _NAME_FOLLOWERS:
                name = _name_after_person_word(run.group())      # …村民黄志勇，身份证号…
                start = run.end() - len(name or "")
            if name and not _is_unit(text, start) and not _OFFICIAL.search(text[max(line_start, start - 20):start]):
                yield start, start + len(name), "name_row", "与身份证号、手机号、银行卡号或住址同行的自然人姓名"


def find_names(text: str, lines: Lines, anchors: set[int], taken: _Taken) -> list[tuple[int, int, str, str]]:
    """Names of private persons: after a label, before a gender, or in a row with an identifier."""
    found: dict[tuple[int, int], tuple[int, int, str, str]] = {}
    for item in (*_labelled_names(text), *_gendered_names(text), *_row_names(text, lines, anchors)):
        if item[:2] not in found and not taken.overlaps(*item[:2]):
            found[item[:2]] = item
    return list(found.values())


def detect_personal(doc: DetectInput, allow: frozenset[str] = frozenset()) -> list[Hit]:
    """All personal-data hits of one document, in text order."""
    text = doc.text
    if not text:
        return []
    lines = Lines(text)
    hits = _find_ids(text, lines)
    hits += _find_mobiles(text, _Taken(hits))
    numbers = _Taken(hits)
    hits += [h for h in _find_passports(text, lines) if not numbers.overlaps(h.start, h.end)]
    hits += _find_cards(text, lines, _Taken(hits))
    hits += _find_emails(text)
    anchors = {lines.number(h.start) for h in hits}
    # An address is private next to an identifier or a labelled person (收件人：方志敏 …地址…).
    people = {lines.number(start) for start, *_ in _labelled_names(text)}
    hits += _find_addresses(text, lines, anchors | people)
    anchors |= {lines.number(h.start) for h in hits}
    for start, end, rule, why in find_names(text, lines, anchors, _Taken(hits)):
        hits.append(_hit("person_name", rule, text, start, end, why))
    kept = {h for h in hits if h.text not in allow}
    return sorted(kept, key=lambda h: (h.start, h.end, h.kind))


@registry.register("personal")
def personal_factory(config: DetectConfig):
    """Options: `personal_allow` — exact strings never reported (e.g. a public hotline mobile)."""
    allow = frozenset(config.options.get("personal_allow", ()))

    def detect(doc: DetectInput) -> list[Hit]:
        return detect_personal(doc, allow)
    return detect
