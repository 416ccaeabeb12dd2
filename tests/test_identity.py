import datetime

import pytest
from hypothesis import given, strategies as st

from engine.errors import InvalidInput
from engine.identity.numbers import (
    USCC_ALPHABET, USCC_VALUES, USCC_WEIGHTS, check_id_number, check_uscc,
    id_check_char, normalize_applicant, org_check_char, uscc_check_char,
)

# --- 公民身份号码 (GB 11643-1999) ---------------------------------------------


def test_published_id_number_passes():
    assert check_id_number("11010519491231002X") is None


def test_standard_example_of_1880_has_right_check_but_too_early_birth():
    # The standard's own example (born 1880-01-01): its check digit is right,
    # but we refuse births before 1900 as implausible for a living applicant.
    assert id_check_char("44052418800101001") == "4"
    assert "出生日期" in check_id_number("440524188001010014")


def test_lower_case_x_and_spaces_accepted():
    assert check_id_number(" 11010519491231002x ") is None


@pytest.mark.parametrize("value", ["11010519491231002", "11010519491231002XX", "", "110105491231002"])
def test_id_wrong_length(value):
    assert "长度" in check_id_number(value)


@pytest.mark.parametrize("value", ["1101051949123100X2", "11010519491231A02X", "１１010519491231002X"])
def test_id_bad_characters(value):
    assert check_id_number(value) is not None


@pytest.mark.parametrize("last", "0123456789")
def test_id_wrong_check_char(last):
    assert "校验码" in check_id_number("11010519491231002" + last)


@pytest.mark.parametrize("birth", ["19490230", "19491301", "19490000", "18991231", "99991231"])
def test_id_bad_birth_date(birth):
    first17 = "110105" + birth + "002"
    assert "出生日期" in check_id_number(first17 + id_check_char(first17))


def test_id_birth_date_bounds_use_given_today():
    first17 = "110105" + "20240229" + "002"  # a leap day
    value = first17 + id_check_char(first17)
    assert check_id_number(value, today=datetime.date(2024, 2, 29)) is None
    assert "出生日期" in check_id_number(value, today=datetime.date(2024, 2, 28))


def test_id_not_text():
    assert check_id_number(11010519491231002) is not None
    assert check_id_number(None) is not None


# --- 统一社会信用代码 (GB 32100-2015) ------------------------------------------

USCC_VECTORS = ["91350100M000100Y43", "91310230MA1K314J7C", "91310230MA1K314K57"]


@pytest.mark.parametrize("value", USCC_VECTORS)
def test_published_uscc_passes(value):
    assert check_uscc(value) is None
    assert check_uscc(value.lower()) is None


@pytest.mark.parametrize("value", USCC_VECTORS)
def test_uscc_wrong_check_char(value):
    for char in USCC_ALPHABET:
        if char != value[17]:
            assert "校验码" in check_uscc(value[:17] + char)


@pytest.mark.parametrize("letter", "IOZSV")
def test_uscc_refuses_letters_outside_alphabet(letter):
    value = "91310230MA1K314J7C"
    assert "不允许的字符" in check_uscc(value[:10] + letter + value[11:])


def test_uscc_wrong_length():
    assert "长度" in check_uscc("91310230MA1K314J7")


def test_uscc_embedded_org_code_is_checked():
    # Break the organisation code's own check char (position 17), then fix
    # the USCC check char so that only the embedded check can notice.
    first17 = "91310230" + "MA1K3140" + "7"
    assert org_check_char(first17[8:16]) != "7"
    value = first17 + uscc_check_char(first17)
    assert "组织机构代码" in check_uscc(value)


def test_uscc_zero_remainder_gives_check_char_zero():
    # Choose the first character so that the weighted sum is divisible by 31.
    rest = "1310230MA1K314J7"  # positions 2-17, embedded org code valid
    rest_sum = sum(USCC_VALUES[c] * w for c, w in zip(rest, USCC_WEIGHTS[1:]))
    first = USCC_ALPHABET[-rest_sum % 31]  # weight of position 1 is 1
    first17 = first + rest
    assert sum(USCC_VALUES[c] * w for c, w in zip(first17, USCC_WEIGHTS)) % 31 == 0
    assert uscc_check_char(first17) == "0"
    assert check_uscc(first17 + "0") is None


# --- property: any single substitution is noticed ---------------------------

DIGITS = "0123456789"


@st.composite
def valid_id_numbers(draw):
    born = draw(st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2020, 12, 31)))
    region = draw(st.text(DIGITS, min_size=5, max_size=5))
    sequence = draw(st.text(DIGITS, min_size=3, max_size=3))
    first17 = draw(st.sampled_from("123456789")) + region + born.strftime("%Y%m%d") + sequence
    return first17 + id_check_char(first17)


@st.composite
def valid_usccs(draw):
    # registration department and category, then the six-digit region code (行政区划码)
    head = draw(st.text(USCC_ALPHABET, min_size=2, max_size=2)) + draw(st.text("0123456789", min_size=6, max_size=6))
    org_body = draw(st.text(USCC_ALPHABET, min_size=8, max_size=8))
    first17 = head + org_body + org_check_char(org_body)
    return first17 + uscc_check_char(first17)


def _corrupt(draw, value, alphabet):
    position = draw(st.integers(0, len(value) - 1))
    char = draw(st.sampled_from([c for c in alphabet if c != value[position]]))
    return value[:position] + char + value[position + 1:]


@given(valid_id_numbers(), st.data())
def test_id_single_substitution_is_noticed(value, data):
    assert check_id_number(value) is None
    broken = _corrupt(data.draw, value, DIGITS + "X")
    assert check_id_number(broken) is not None


@given(valid_usccs(), st.data())
def test_uscc_single_substitution_is_noticed(value, data):
    assert check_uscc(value) is None
    broken = _corrupt(data.draw, value, USCC_ALPHABET)
    assert check_uscc(broken) is not None


# --- applicant --------------------------------------------------------------


def test_normalize_person():
    assert normalize_applicant("person", " 11010519491231002x ", " 张三 ") == {
        "kind": "person", "id_number": "11010519491231002X", "name": "张三"}


def test_normalize_org():
    assert normalize_applicant("org", "91310230ma1k314j7c", "某某科技有限公司") == {
        "kind": "org", "id_number": "91310230MA1K314J7C", "name": "某某科技有限公司"}


def test_normalize_reports_every_problem():
    with pytest.raises(InvalidInput) as caught:
        normalize_applicant("person", "91310230MA1K314J7C", "")
    assert set(caught.value.details) == {"id_number", "name"}


def test_normalize_checks_number_by_kind():
    with pytest.raises(InvalidInput) as caught:
        normalize_applicant("org", "11010519491231002X", "某公司")
    assert set(caught.value.details) == {"id_number"}


def test_normalize_unknown_kind():
    with pytest.raises(InvalidInput) as caught:
        normalize_applicant("robot", "11010519491231002X", "张三")
    assert set(caught.value.details) == {"kind"}


@pytest.mark.parametrize("id_number", [None, 123, ["11010519491231002X"]])
def test_normalize_non_text_number(id_number):
    with pytest.raises(InvalidInput) as caught:
        normalize_applicant("person", id_number, "张三")
    assert "id_number" in caught.value.details
