"""Check digits and formats of Chinese identifiers: property tests with hypothesis plus known values."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongkai.pipeline.detect import validators as v

PROVINCES = sorted(v.PROVINCE_CODES)


@st.composite
def id_payloads(draw) -> str:
    """The first 17 digits of a plausible ID: a province prefix, a real birth date, a sequence number."""
    province = draw(st.sampled_from(PROVINCES))
    area = draw(st.integers(0, 9999))
    born = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2020, 12, 31)))
    serial = draw(st.integers(0, 999))
    return f"{province:02d}{area:04d}{born:%Y%m%d}{serial:03d}"


def _full_width(s: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in s)


@settings(max_examples=200)
@given(id_payloads())
def test_every_id_with_its_computed_check_char_validates(payload):
    assert v.is_resident_id(payload + v.id_check_char(payload))


@settings(max_examples=200)
@given(id_payloads(), st.integers(0, 17), st.integers(1, 9))
def test_changing_any_single_character_invalidates_an_id(payload, position, shift):
    valid = payload + v.id_check_char(payload)
    alphabet = "0123456789X" if position == 17 else "0123456789"
    old = alphabet.index(valid[position])
    changed = valid[:position] + alphabet[(old + shift) % len(alphabet)] + valid[position + 1:]
    assert changed != valid
    assert not v.is_resident_id(changed)


@settings(max_examples=50)
@given(id_payloads())
def test_ids_tolerate_full_width_digits_spaces_and_lowercase_x(payload):
    valid = payload + v.id_check_char(payload)
    assert v.is_resident_id(_full_width(valid))
    assert v.is_resident_id(f"{valid[:6]} {valid[6:14]} {valid[14:]}".lower())


@pytest.mark.parametrize("value, ok", [
    ("11010519491231002X", True),        # the GB 11643 standard's own example
    ("11010519491231002x", True),
    ("110105194912310021", False),        # wrong check digit
    ("110105194902300026", False),        # 30 February
    ("160105194912310020", False),        # 16 is no province
    ("010105194912310020", False),        # address codes never start with 0
    ("810000199001010019", True),         # 港澳台 residence permits: 81–83
    ("320102301231001", True),            # legacy 15 digits: 1930-12-31, no check digit
    ("320102801231001", True),            # legacy 15 digits: 1980-12-31
    ("320102801331001", False),           # legacy: month 13
    ("3201021990010112", False),          # 16 digits
    ("", False),
])
def test_resident_id_examples(value, ok):
    assert v.is_resident_id(value) is ok


def test_a_birth_date_in_the_future_is_rejected():
    tomorrow = date.today() + timedelta(days=1)
    payload = f"110105{tomorrow:%Y%m%d}001"
    assert not v.is_resident_id(payload + v.id_check_char(payload))
    assert v.is_resident_id(payload + v.id_check_char(payload), today=tomorrow)


@settings(max_examples=200)
@given(st.text("0123456789", min_size=15, max_size=18))
def test_luhn_check_digit_validates_and_any_single_digit_change_breaks_it(payload):
    number = payload + v.luhn_check_digit(payload)
    assert v.is_luhn_valid(number)
    for i in range(len(number)):
        changed = number[:i] + str((int(number[i]) + 3) % 10) + number[i + 1:]
        assert not v.is_luhn_valid(changed)


@pytest.mark.parametrize("value, ok", [
    ("4111111111111111", True),            # the classic test card
    ("6228480402564890018", True),
    ("6228480402564890011", False),
    ("6228 4804 0256 4890 018", True),     # grouped as printed on cards
    ("６２２８４８０４０２５６４８９００１８", True),
    ("622848040256489", False),            # 15 digits: too short for a card
])
def test_bank_card_examples(value, ok):
    assert v.is_bank_card(value) is ok


@pytest.mark.parametrize("value, ok", [
    ("13812345678", True), ("14012345678", True), ("14912345678", True), ("16212345678", True),
    ("16512345678", True), ("17412345678", True), ("19212345678", True), ("19912345678", True),
    ("15412345678", False), ("16012345678", False), ("16812345678", False), ("17912345678", False),
    ("12345678901", False), ("1381234567", False),
    ("+86 138 1234 5678", True), ("0086-13812345678", True), ("138-1234-5678", True),
    ("１３８１２３４５６７８", True),
    ("0571-87654321", False),              # landline
])
def test_mobile_examples(value, ok):
    assert v.is_mobile(value) is ok


@settings(max_examples=200)
@given(st.text(v.USCC_CHARS, min_size=1, max_size=1), st.text(v.USCC_CHARS, min_size=1, max_size=1),
       st.text("0123456789", min_size=6, max_size=6), st.text(v.USCC_CHARS, min_size=9, max_size=9))
def test_uscc_round_trip(dept, kind, region, subject):
    payload = dept + kind + region + subject
    code = payload + v.uscc_check_char(payload)
    assert v.is_uscc(code)
    wrong = v.USCC_CHARS[(v.USCC_CHARS.index(code[-1]) + 1) % 31]
    assert not v.is_uscc(code[:-1] + wrong)


@pytest.mark.parametrize("value, ok", [
    ("91330106MA2CXXXX7Q", True),
    ("91330106MA2CXXXX7R", False),
    ("9132010276257850XD", True),
    ("11341702486344515H", True),          # embedded in the 索引号 11341702486344515H/202110-00013
    ("91330106MA2CXXXX7", False),
    ("91330106MA2CXXXXIQ", False),         # I is not in the USCC alphabet
])
def test_uscc_examples(value, ok):
    assert v.is_uscc(value) is ok


@settings(max_examples=100)
@given(st.text("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=8, max_size=8))
def test_org_code_round_trip(payload):
    assert v.is_org_code(payload + "-" + v.org_code_check_char(payload))


@pytest.mark.parametrize("value, ok", [
    ("D2143569-X", True), ("48634451-5", True), ("486344515", True), ("48634451-6", False), ("4863445", False),
])
def test_org_code_examples(value, ok):
    assert v.is_org_code(value) is ok


@pytest.mark.parametrize("value, ok", [
    ("E12345678", True), ("EA1234567", True), ("EI1234567", False), ("EO1234567", False),
    ("G12345678", True), ("141234567", True), ("151234567", True), ("161234567", False),
    ("PE1234567", True), ("SE1234567", True), ("DE1234567", True), ("K12345678", True),
    ("MA1234567", True), ("EG12345678", False),    # the 10-character form some toolkits accept is wrong
    ("e12345678", True),
])
def test_passport_examples(value, ok):
    assert v.is_passport(value) is ok


@pytest.mark.parametrize("run, name", [
    ("张三", "张三"), ("张三丰", "张三丰"), ("欧阳娜娜", "欧阳娜娜"), ("李四向本机关申请", "李四"),
    ("韦小宝现住临江市", "韦小宝"), ("王小明同志", "王小明"),
    ("张某某", None), ("王某", None), ("王家村", None), ("高新区", None), ("金额", None),
    ("向本机关申请", None), ("身份证号", None), ("陈述", None), ("王府井大街", None),
])
def test_name_in_run(run, name):
    assert v.name_in_run(run) == name


def test_name_at_end_takes_the_name_that_ends_a_run():
    assert v.name_at_end("兹有石桥村村民黄志勇") == "黄志勇"
    assert v.name_at_end("当事人张三") == "张三"
    assert v.name_at_end("请家属核实") is None
