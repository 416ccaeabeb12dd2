"""Identity numbers: our checksums agree with python-stdnum's, and masking hides them in text."""
import logging
import random
import string

import pytest
from stdnum.cn import ric, uscc

from engine.identity import masking
from engine.identity.numbers import USCC_ALPHABET, check_id_number, check_uscc, id_check_char, uscc_check_char

PERSON = "440301199001011234"


def test_mask_keeps_four_and_four():
    assert check_id_number(PERSON) is None
    assert masking.mask_id(PERSON) == "4403**********1234"
    assert masking.mask_id("11010519491231002X") == "1101**********002X"
    # Not an identity number: unchanged.
    assert masking.mask_id("91440300MA5F1234XY") == "91440300MA5F1234XY"
    assert masking.mask_id("TB20261201000001") == "TB20261201000001"


def test_mask_text_finds_numbers_anywhere_but_keeps_the_readers_own():
    text = f'{{"a": "{PERSON}", "b": "身份证11010519491231002x号", "c": "编号0{PERSON}9"}}'
    masked = masking.mask_text(text)
    assert PERSON not in masked.replace(f"0{PERSON}9", "")
    assert "4403**********1234" in masked and "1101**********002x" in masked
    assert f"0{PERSON}9" in masked  # part of a longer code: not a number on its own
    assert masking.mask_text(text, keep=PERSON).count(PERSON) == 2
    assert len(masking.mask_bytes(text.encode())) == len(text.encode())


def test_log_lines_are_masked(caplog):
    masking.install_log_masking()
    with caplog.at_level(logging.INFO):
        logging.getLogger("tongban.test").info("申请人 %s 提交", PERSON)
    assert "4403**********1234" in caplog.text and PERSON not in caplog.text


def _random_ids(rng, n):
    for _ in range(n):
        born = f"{rng.randint(1900, 2024)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        body = f"{rng.randint(110000, 659999)}{born}{rng.randint(0, 999):03d}"
        good = body + id_check_char(body)
        yield good
        yield body + rng.choice([c for c in "0123456789X" if c != good[-1]])


def test_identity_checksum_agrees_with_stdnum():
    rng = random.Random(10)
    seen = {True: 0, False: 0}
    for number in _random_ids(rng, 2000):
        ours = check_id_number(number) is None
        # stdnum's own check character (a different formula: 1 - 2·n in base 13, mod 11) and birth date.
        # Its is_valid also looks the county up in a table of codes per year, which we do not keep.
        theirs = ric.calc_check_digit(number) == number[-1] and ric.get_birth_date(number) is not None
        assert ours == theirs, number
        seen[ours] += 1
    assert seen[True] > 1000 and seen[False] > 1000
    assert ric.is_valid("11010519491231002X") and check_id_number("11010519491231002X") is None


def test_uscc_checksum_agrees_with_stdnum():
    """stdnum checks the format and the mod-31 check character; we check the embedded
    organisation code's own check character too, and allow a letter as registration
    department (GB 32100: e.g. N 农业, Y 其他). Apart from those, the two agree."""
    rng = random.Random(11)
    seen = {True: 0, False: 0}
    for _ in range(3000):
        body = rng.choice("123456789ANY") + rng.choice("123456789") + "".join(rng.choice(string.digits) for _ in range(6)) \
            + "".join(rng.choice(USCC_ALPHABET) for _ in range(9))
        for last in (uscc_check_char(body), rng.choice(USCC_ALPHABET)):
            number = body + last
            ours, reason = check_uscc(number) is None, check_uscc(number)
            theirs = uscc.is_valid(number) if number[0].isdigit() else uscc.calc_check_digit(number) == number[-1]
            assert ours == theirs or (theirs and "组织机构代码" in reason), number
            seen[ours] += 1
    assert seen[True] > 100 and seen[False] > 100
    # Letters where stdnum wants the region code's digits: both refuse.
    assert check_uscc("91ABCDEF" + "0" * 10) is not None and not uscc.is_valid("91ABCDEF" + "0" * 10)


@pytest.mark.parametrize("number", ["91440300MA5F00000X", "11440300MB2C876147", "91110108551385082Q"])
def test_known_codes(number):
    assert (check_uscc(number) is None) == uscc.is_valid(number)


def _mask_bytes_by_expression(body, keep=None):
    """The plain form of ``mask_bytes``: one substitution over the whole body."""
    keep = keep.upper().encode() if isinstance(keep, str) else None
    return masking.ID_BYTES.sub(lambda m: m.group(1) if m.group(1).upper() == keep
                        else masking.mask_id(m.group(1).decode()).encode(), body)


def test_mask_bytes_finds_what_the_expression_over_the_whole_body_finds():
    """``mask_bytes`` skips to runs of 17 digits before it tries the expression: the same answers."""
    rng = random.Random(14)
    pieces = [b"440301199001011236", b"11010519491231002X", b"11010519491231002x", b"110105194912310021",
              b"440301199013011236", b"0440301199001011236", b"4403011990010112361", b"44030119900101123",
              b"91350100M000100Y43", b"12345678901234567890", b"2026-12-07T14:00:00", b"\xe5\xbc\xa0\xe4\xb8\x89",
              b"a", b"Z", b"X", b"0", b"7", b" ", b'"', b",", b":"]
    for _ in range(3000):
        body = b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        for keep in (None, "11010519491231002x", "440301199001011236"):
            assert masking.mask_bytes(body, keep) == _mask_bytes_by_expression(body, keep), (body, keep)
