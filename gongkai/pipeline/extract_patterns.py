"""Patterns and normalisers for the GB/T 9704 elements (党政机关公文格式).

Every regular expression is compiled once, at import. The functions here are
small pure converters used by `extract.py` (and the secrecy detector shares the
secrecy-mark fragments), so they can be tested on their own.
"""
from __future__ import annotations

import re

CJK = "\u4e00-\u9fff"

# The 15 文种 of the 2012 regulations; longest first so 命令 wins over 令.
DOC_TYPES = ("决议", "决定", "命令", "公报", "公告", "通告", "意见", "通知", "通报",
             "报告", "请示", "批复", "议案", "纪要", "函", "令")
_TYPE_ALT = "|".join(DOC_TYPES)
# A title may end in a short parenthesised qualifier: （试行）, （2018—2035年）.
TITLE_SUFFIX = re.compile(rf"({_TYPE_ALT})(?:[（(][^（）()]{{1,14}}[）)])?$")

# --- secrecy marks (密级和保密期限), 紧急程度, 份号 ------------------------------
STAR = "★☆*＊✩✭"
LEVEL = r"(?:绝|机|秘)\s?密"
PERIOD = (r"(?:\d{1,3}\s*(?:年|个月)|长期|(?:19|20)\d{2}年\d{1,2}月\d{1,2}日"
          r"|解密条件[^\s，。；]{0,20})")
SECRECY_MARK = rf"{LEVEL}(?:\s*[{STAR}]\s*{PERIOD}?)?"
URGENCY = r"(?:特\s?急|加\s?急|特\s?提|平\s?急)"
# A 版头 line made only of 份号, 密级/保密期限 and 紧急程度, in that order.
ELEMENT_LINE = re.compile(
    rf"^(?:(?P<copy>\d{{6}})(?:\s+|$))?(?:(?P<secrecy>{SECRECY_MARK})\s*)?(?P<urgency>{URGENCY})?$")

# --- 发文字号 ------------------------------------------------------------------
_OPEN, _CLOSE = r"〔［\[【(（﹝", r"〕］\]】)）﹞"
DOC_NUMBER = re.compile(
    rf"(?P<code>[{CJK}A-Za-z]{{1,14}})\s*[{_OPEN}]\s*(?P<year>(?:19|20)\d{{2}})\s*[{_CLOSE}]"
    r"\s*第?\s*(?P<serial>\d{1,6})\s*号")
# 命令: `第707号` on its own line, or `国务院令第308号公布` in a 题注 line.
ORDER_SERIAL = re.compile(r"^第\s*(\d{1,5})\s*号$")
ORDER_NUMBER = re.compile(rf"([{CJK}]{{1,30}}(?:令|公告))\s*第\s*(\d{{1,5}})\s*号\s*(?:公布|发布)")

# --- dates --------------------------------------------------------------------
ARABIC_DATE = re.compile(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
ISO_DATE = re.compile(r"((?:19|20)\d{2})[-./](\d{1,2})[-./](\d{1,2})")
_CN_DIGITS = "〇○零Ｏ０O0一二三四五六七八九"
CN_DATE = re.compile(
    rf"([{_CN_DIGITS}]{{4}})\s*年\s*([一二三四五六七八九十]{{1,2}})\s*月"
    r"\s*([一二三四五六七八九十]{1,3})\s*日")
_CN_VALUE = {**{c: 0 for c in "〇○零Ｏ０O0"}, **{c: i + 1 for i, c in enumerate("一二三四五六七八九")}}

# --- other lines --------------------------------------------------------------
# A title set with spaces between the characters: `几 个 问 题 的 通 知`.
LETTER_SPACED = re.compile(rf"^(?:[{CJK}][ \u3000]+){{2,}}[{CJK}]$")
PAGE_NUMBER = re.compile(r"^[—–\-－一]{1,2}\s*\d{1,4}\s*[—–\-－一]{1,2}$")
SIGNER = re.compile(r"签\s*发\s*人\s*[：:]\s*(.+)$")
CC = re.compile(r"^抄\s*送\s*[：:]\s*(.*)$")
ATTACHMENT = re.compile(r"^附\s*件\s*[：:]\s*(.*)$")
NUMBERED_ITEM = re.compile(r"^(\d{1,2})\s*[.．、]\s*(\S.*)$")
DECLARED = re.compile(
    r"[（(]\s*此\s*件\s*(公开发布|主动公开|依申请公开|不予公开|不公开|免予公开|删减后公开)\s*[）)]")
DECLARED_ATTRIBUTE = {
    "公开发布": "proactive", "主动公开": "proactive", "删减后公开": "proactive",
    "依申请公开": "on_request",
    "不予公开": "non_disclosure", "不公开": "non_disclosure", "免予公开": "non_disclosure",
}
ADDRESSEE = re.compile(rf"^[{CJK}A-Za-z0-9（）()、，,\s]{{2,200}}[：:]$")
BANNER = re.compile(rf"^(?!.*(?:关于|转发|印发|批转))(?P<issuer>[{CJK}A-Za-z（）()、\s]{{2,60}}?)\s*(?:文件|令)$")
# 题注 of laws: `2017年12月1日 北京市第十四届人民代表大会常务委员会第四十二次会议通过`.
MEETING = re.compile(rf"(?P<org>[{CJK}]{{2,40}}?)第[一二三四五六七八九十百零〇\d]+次(?:全体)?会议")
MEETING_VERB = re.compile(r"通过|修订|修正|批准")
# 审判委员会/检察委员会 adopt a 司法解释 on behalf of their court or procuratorate.
COURT_ORGAN = re.compile(rf"^([{CJK}]*?(?:法院|检察院))(?:第[^\s]{{1,4}}届)?(?:审判|检察)委员会")
# A signature that is a person (总理　李克强) rather than an agency.
PERSON_SIGNATURE = re.compile(r"^(?:总理|副总理|主席|省长|市长|县长|区长|部长|局长|主任|院长|检察长|署长|行长)\s")
NAV_NOISE = re.compile(r"[|>＞]|当前位置|首页|打印|字号|分享")
BODY_HEADING = re.compile(r"^(?:[一二三四五六七八九十]+、|第[一二三四五六七八九十百零〇]+[条章节]|#{2,}\s)")
SENTENCE_END = re.compile(r"[。；;！？!?]$")
TITLE_BREAK = re.compile(r"[。；;：:，,！？!?]$")
DOC_NUMBER_PREFIX = re.compile(r"^[（(]\s*([^（）()]{2,24}[〔\[【][^（）()]{0,14}号)\s*[）)]")
WHITESPACE = re.compile(r"[\s\u3000\u00a0]+")

# --- metadata block of published pages (索引号、发文字号、成文日期、公开方式 …) ---------
# Traditional characters seen in labels, mapped 1:1 so offsets survive.
TRAD_TO_SIMPLE = str.maketrans("號發機構關標題開內類間時來檔屬", "号发机构关标题开内类间时来档属")
META_FIELDS = {
    "索引号": "index_no", "发文字号": "doc_number", "发文文号": "doc_number", "文号": "doc_number",
    "成文日期": "date", "发文日期": "date", "发文机关": "issuer", "发文机构": "issuer_alt",
    "发布机构": "issuer_alt", "标题": "title", "公开方式": "publish_mode",
}
_META_OTHER = ("主题分类", "发布日期", "生成日期", "发布时间", "公文时效", "内容概述", "来源",
               "信息来源", "有效性", "主题词", "体裁分类", "组配分类", "公开范围", "效力状态", "公开时限")
_LABELS = sorted([*META_FIELDS, *_META_OTHER], key=len, reverse=True)
_LABEL_ALT = "|".join(r"\s*".join(label) for label in _LABELS)
META_LABEL = re.compile(rf"(?:^|(?<=\s))(?P<label>{_LABEL_ALT})\s*(?:[：:]|(?=\s)|$)")
META_LINE_START = re.compile(rf"^(?:[•·]\s*)?(?:{_LABEL_ALT})\s*(?:[：:]|\s|$)")


HTML_ENTITY = re.compile(r"&#?[A-Za-z0-9]{2,8};")


def clean_line(line: str) -> str:
    """Trim a line; drop the full-width/no-break spaces and stray HTML entities web pages leave."""
    if "&" in line:
        line = HTML_ENTITY.sub(" ", line)
    line = line.strip().strip("\u3000\u00a0\ufeff").strip()
    return squeeze(line) if LETTER_SPACED.match(line) else line


def squeeze(text: str) -> str:
    """Remove all whitespace (for marks written with spacing, e.g. `秘 密`)."""
    return WHITESPACE.sub("", text)


def normalise_doc_number(text: str) -> str | None:
    """`铜政办发[2016]071号` → `铜政办发〔2016〕71号`; None when no 发文字号 is found."""
    match = DOC_NUMBER.search(text)
    if not match:
        return None
    return f"{match['code']}〔{match['year']}〕{int(match['serial'])}号"


def cn_number(text: str) -> int | None:
    """Chinese numerals up to 99: 十二 → 12, 二十八 → 28, 三十一 → 31."""
    if "十" not in text:
        return _CN_VALUE.get(text) if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    tens_value = _CN_VALUE.get(tens, -1) if tens else 1
    ones_value = _CN_VALUE.get(ones, -1) if ones else 0
    return None if tens_value < 0 or ones_value < 0 else tens_value * 10 + ones_value


def _iso(year: int, month: int | None, day: int | None) -> str | None:
    if month is None or day is None or not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def parse_date(text: str, allow_iso: bool = False) -> str | None:
    """The first date in `text` as ISO `YYYY-MM-DD` (Arabic, Chinese-numeral, or ISO when allowed)."""
    match = ARABIC_DATE.search(text)
    if match:
        return _iso(int(match[1]), int(match[2]), int(match[3]))
    match = CN_DATE.search(text)
    if match:
        year = "".join(str(_CN_VALUE[c]) for c in match[1])
        return _iso(int(year), cn_number(match[2]), cn_number(match[3]))
    match = ISO_DATE.search(text) if allow_iso else None
    return _iso(int(match[1]), int(match[2]), int(match[3])) if match else None


def standalone_date(line: str) -> str | None:
    """The date when the line is nothing but a date (the 成文日期 under a signature)."""
    for pattern in (ARABIC_DATE, CN_DATE):
        match = pattern.fullmatch(line)
        if match:
            return parse_date(line)
    return None


def parse_metadata(line: str) -> dict[str, str]:
    """`发文机构:  发文文号:  铜政办发〔2016〕71号` → {'doc_number': '铜政办发〔2016〕71号'}.

    Several label/value pairs may share a line; empty values are dropped.
    """
    folded = line.translate(TRAD_TO_SIMPLE)
    if not META_LINE_START.match(folded):
        return {}
    found: dict[str, str] = {}
    labels = list(META_LABEL.finditer(folded))
    for label, following in zip(labels, [*labels[1:], None]):
        value = line[label.end():following.start() if following else len(line)].strip(" \t\u3000:：")
        key = META_FIELDS.get(squeeze(label["label"]))
        if key and value and key not in found:
            found[key] = value
    return {"_meta": "1", **found}


def split_agencies(text: str) -> list[str]:
    """主送/抄送 list → agencies. `，` always separates; `、` only between whole names.

    `各省、自治区、直辖市人民政府` and `区政府各委、办、局` share one head noun and stay
    whole; `市政府各工作部门、直属事业单位` is two names; brackets are never split.
    """
    agencies = []
    for group in split_top_level(text, "，,；;"):
        pieces = split_top_level(group, "、")
        if pieces:         # a group of separators only (`、 :`) names nobody
            agencies.extend(pieces if min(map(len, pieces)) >= _MIN_AGENCY_LEN else [group])
    return agencies


_MIN_AGENCY_LEN = 4


def split_top_level(text: str, separators: str = "，、,；;") -> list[str]:
    """Split on separators outside brackets: keeps `各县（市、区）人民政府` whole."""
    parts, depth, current = [], 0, []
    for char in text:
        if char in "（(【[":
            depth += 1
        elif char in "）)】]":
            depth -= 1
        elif char in separators and depth <= 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return [p.strip(" \u3000。.") for p in parts if p.strip(" \u3000。.")]


_ANY_DATE = re.compile(f"{ARABIC_DATE.pattern}|{CN_DATE.pattern}")


_IN_FORCE = re.compile(r"\s*起?\s*施行")


def all_dates(text: str, skip_in_force: bool = False) -> list[str]:
    """Every valid Arabic or Chinese-numeral date in `text`, as ISO (optionally not `…起施行` dates)."""
    found = []
    for match in _ANY_DATE.finditer(text):
        if skip_in_force and _IN_FORCE.match(text, match.end()):
            continue
        found.append(parse_date(match[0]))
    return [d for d in found if d]


def adopting_bodies(text: str) -> list[str]:
    """Bodies whose 会议 adopted the text: `A第1237次会议、B第109次会议通过` → [A, B]; `…批准` is not adoption."""
    bodies = []
    for meeting in MEETING.finditer(text):
        verb = MEETING_VERB.search(text, meeting.end())
        if verb and verb[0] != "批准":
            bodies.append(meeting["org"])
    return bodies
