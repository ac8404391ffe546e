"""Check digits and number formats of Chinese identifiers, as pure functions.

Every validator takes the text as written (full-width digits and the separators
clerks type inside a number — spaces, NBSP, zero-width spaces, tabs, line
breaks, hyphens, dots — are tolerated) and returns a bool; none raises.
The personal-data detector uses them so that a digit run only becomes a hit
when it really is an identifier, the way Presidio recognizers validate a
pattern match with a checksum before reporting it.
"""
from __future__ import annotations

import re
from datetime import date

# Full-width digits and letters (as typed in Chinese IMEs) -> ASCII; separators dropped.
_FULLWIDTH = {0xFF10 + i: 0x30 + i for i in range(10)}
_FULLWIDTH.update({0xFF21 + i: 0x41 + i for i in range(26)})
_FULLWIDTH.update({0xFF41 + i: 0x61 + i for i in range(26)})
# What clerks type inside a number: spaces of every width, hyphens, dots; zero-width characters
# are invisible and may sit anywhere. Tabs and line breaks come from layout (cells, wrapped lines).
NUMBER_SEPARATORS = " \u00a0\u202f\u3000-－‐‑.．·" + "".join(map(chr, range(0x2002, 0x200A)))
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
_FULLWIDTH.update({ord(c): None for c in NUMBER_SEPARATORS + ZERO_WIDTH + "\t\n"})


def normalize(value: str) -> str:
    """ASCII digits and letters of `value`, upper-cased, without separators (spaces, hyphens, dots…)."""
    return value.translate(_FULLWIDTH).upper()


# --- 居民身份证号码 (GB 11643-1999) -------------------------------------------

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
# Province-level 地址码 prefixes of GB/T 2260, plus 71 (台湾) and 81–83 (港澳台 居住证).
PROVINCE_CODES = frozenset(
    [11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
     50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83])
_EARLIEST_BIRTH = date(1900, 1, 1)


def id_check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for the first 17 digits of an ID."""
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS))
    return ID_CHECK_CHARS[total % 11]


def _birth_date_ok(year: int, month: int, day: int, today: date | None) -> bool:
    try:
        born = date(year, month, day)
    except ValueError:
        return False
    return _EARLIEST_BIRTH <= born <= (today or date.today())


def _address_ok(code: str) -> bool:
    return code[0] != "0" and int(code[:2]) in PROVINCE_CODES


def is_resident_id(value: str, today: date | None = None) -> bool:
    """A valid 18-character 居民身份证号码, or a 15-digit legacy one (YYMMDD, no check digit)."""
    s = normalize(value)
    if len(s) == 18:
        return (s[:17].isdigit() and s[17] in "0123456789X" and _address_ok(s[:6])
                and _birth_date_ok(int(s[6:10]), int(s[10:12]), int(s[12:14]), today)
                and id_check_char(s[:17]) == s[17])
    if len(s) == 15:
        return (s.isdigit() and _address_ok(s[:6])
                and _birth_date_ok(1900 + int(s[6:8]), int(s[8:10]), int(s[10:12]), today))
    return False


def looks_like_resident_id(value: str, today: date | None = None) -> bool:
    """The shape of an 18-character ID (address code, birth year and month) whatever its check digit:
    what a mistyped ID still has. Only meaningful next to an ID label."""
    s = normalize(value)
    if len(s) != 18 or not s[:17].isdigit() or s[17] not in "0123456789X" or not _address_ok(s[:6]):
        return False
    year, month = int(s[6:10]), int(s[10:12])
    return _EARLIEST_BIRTH.year <= year <= (today or date.today()).year and 1 <= month <= 12


# --- Luhn (bank cards) ---------------------------------------------------------

def luhn_checksum(digits: str) -> int:
    """Luhn sum mod 10 of a digit string that includes its check digit (0 means valid)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10


def luhn_check_digit(payload: str) -> str:
    """The digit to append to `payload` so that the whole number passes Luhn."""
    return str((10 - luhn_checksum(payload + "0")) % 10)


def is_luhn_valid(value: str) -> bool:
    s = normalize(value)
    return len(s) >= 2 and s.isdigit() and luhn_checksum(s) == 0


def is_bank_card(value: str) -> bool:
    """16–19 digits passing Luhn (银行卡号)."""
    s = normalize(value)
    return 16 <= len(s) <= 19 and is_luhn_valid(s)


# --- 手机号码 --------------------------------------------------------------------

# Three-digit segments in use (domain-notes §6.1): 14x data/IoT numbers are still personal.
MOBILE_SEGMENTS = frozenset(
    [*range(130, 150), 150, 151, 152, 153, *range(155, 160), 162, 165, 166, 167,
     *range(170, 179), *range(180, 200)])


def is_mobile(value: str) -> bool:
    """An 11-digit mainland mobile number in an allocated segment; +86 / 0086 prefixes allowed."""
    s = normalize(value).replace("(", "").replace(")", "")
    for prefix in ("+86", "＋86", "0086"):
        if s.startswith(prefix):
            s = s[len(prefix):]
    return len(s) == 11 and s.isdigit() and int(s[:3]) in MOBILE_SEGMENTS


# --- 统一社会信用代码 (GB 32100-2015) and 组织机构代码 (GB 11714) ---------------

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"   # no I O S V Z
USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_USCC_VALUE = {c: i for i, c in enumerate(USCC_CHARS)}


def uscc_check_char(first17: str) -> str:
    total = sum(_USCC_VALUE[c] * w for c, w in zip(first17, USCC_WEIGHTS))
    return USCC_CHARS[(31 - total % 31) % 31]


def is_uscc(value: str) -> bool:
    """A 统一社会信用代码 with a correct check character. Identifies an organisation: not personal."""
    s = normalize(value)
    if len(s) != 18 or any(c not in _USCC_VALUE for c in s) or not s[2:8].isdigit():
        return False
    return uscc_check_char(s[:17]) == s[17]


ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def org_code_check_char(first8: str) -> str:
    total = sum(int(c, 36) * w for c, w in zip(first8, ORG_WEIGHTS))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def is_org_code(value: str) -> bool:
    """The old 9-character 组织机构代码, e.g. 48634451-5 (the hyphen is optional)."""
    s = normalize(value)
    return (len(s) == 9 and s[:8].isalnum() and s[:8].isascii()
            and org_code_check_char(s[:8]) == s[8])


# --- 护照 -------------------------------------------------------------------------

_PASSPORT = re.compile(
    r"E\d{8}|E[A-HJ-NP-Z]\d{7}|G\d{8}|1[45]\d{7}|[PSD]E\d{7}|K\d{8}|MA\d{7}")


def is_passport(value: str) -> bool:
    """A PRC, HKSAR or MSAR passport number format (no checksum exists: callers need context)."""
    return _PASSPORT.fullmatch(normalize(value)) is not None


# --- 姓名 ----------------------------------------------------------------------

# About 300 of the most frequent single surnames (sources: 公安部 户籍 statistics as
# commonly reproduced), minus a few that are mostly function words (和 于 时 由 那 来 都).
SINGLE_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺"
    "顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿"
    "关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华"
    "喻祁蒲房滕屈饶解牟艾尤阳穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿"
    "桂佟臧闵苟邬边卞姬师仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩佘池查麻苑迟邝官封谈匡鞠惠荆乐冀"
    "郁胥南班储栗燕楚鄢劳谌奚皮粟冼蔺楼满闻厉伊仝郜海阚帅屠朴盖练廉禹井祖漆巴丰支卿狄索宣晋"
    "容敬扈晁芮阙浦戈伏鹿薄邸雍辜羊乌母裘亓修邰赫杭况宿鲜逯隆茹诸战慕危玉亢嵇湛宾戎勾茅揭"
    "尉冶檀衣展昝智幸奉衡富尧闭")
COMPOUND_SURNAMES = frozenset(
    "欧阳 上官 司马 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 令狐 端木 独孤 南宫 "
    "西门 万俟 闻人 轩辕 澹台 公冶 宗政 濮阳 淳于 单于 太叔 申屠 钟离 呼延 百里 东郭 拓跋".split())


def surname_of(name: str) -> str | None:
    """The surname a name starts with (compound first), or None when it starts with none."""
    if name[:2] in COMPOUND_SURNAMES:
        return name[:2]
    if name[:1] in SINGLE_SURNAMES:
        return name[:1]
    return None


# Characters that end a name inside running text: function words never used as the first
# given-name character, and (from the second on) words that usually follow a name (家住, 男).
_BREAK_FIRST = frozenset("的了于在是与及等因对将被把从向已称系其所该此各每按即并且也都又还就要须需会请予给提申未不均共经由以为和或同")
_BREAK_LATER = _BREAK_FIRST | frozenset("家住男女户身现自至到之本可")
_MASK_MARKS = frozenset("某×X*＊xＸ○〇")
_NOT_NAME_FINAL = frozenset("村镇乡街路号组区县市省局委办室楼栋院厂店部处科校所站司会队款费元证码址话期岁族门府厅馆库社人长行")
# Ordinary words that start with a surname character and could stand alone in a table row.
_NOT_NAMES = frozenset("""
金额 金融 金属 方式 方面 方案 方法 方向 高新 高速 高级 高中 高度 周岁 周年 周边 周期 常住 常用 常务
江南 安全 安排 安置 文化 文件 文明 程序 项目 管理 单位 解决 成立 成员 成果 马路 石头 林业 林地 田地
田间 黄金 白天 康复 温度 关于 关系 关注 连续 包括 车辆 路口 齐全 任务 任职 余额 母亲 孙子 孙女 陈述
陈列 车主 满意 支付 劳动 贺电 吉祥 计划 章程 季度 曲线 谷物 游客 毛利 利润 盛开 华夏 宁静 海关 海洋 范围 于是 严格 严重
单独 党派 查询 查看 查阅 申请 签字 签名 籍贯 学历 民族 年龄 性别 户籍 房屋 邮箱 电话 手机
""".split())


def name_in_run(run: str) -> str | None:
    """The private person's name that a run of Han characters starts with, if it plausibly is one.

    A surname (compound first) plus one or two given-name characters; the run must end there
    or continue with a word that usually follows a name (张三家住…, 李四向…). Masked forms
    such as 张某某 are not names.
    """
    surname = surname_of(run)
    if surname is None:
        return None
    rest = run[len(surname):]
    size = 0
    while size < len(rest) and size < 2 and rest[size] not in (_BREAK_FIRST if size == 0 else _BREAK_LATER):
        size += 1
    if size == 0 or (size < len(rest) and rest[size] not in _BREAK_LATER):
        return None
    name = surname + rest[:size]
    if _MASK_MARKS.intersection(rest[:size]) or name[-1] in _NOT_NAME_FINAL or name[:2] in _NOT_NAMES:
        return None
    return name


def name_at_end(run: str) -> str | None:
    """The longest plausible name that a run of Han characters ends with (…当事人张三（男…）)."""
    for size in (4, 3, 2):
        if len(run) >= size and name_in_run(run[-size:]) == run[-size:]:
            return run[-size:]
    return None
