"""Checks for the two numbers an applicant applies with (一证申办).

* 公民身份号码, GB 11643-1999: 17 digits and an ISO 7064 MOD 11-2 check
  character (0-9 or X); digits 7-14 are the birth date.
* 统一社会信用代码, GB 32100-2015: 18 characters from a 31-symbol alphabet
  with a mod-31 check character; characters 9-17 are the GB 11714
  organisation code, which carries its own mod-11 check.

The check functions return ``None`` for a valid number and a Chinese reason
otherwise, so a form can put the reason next to the field.
"""
import datetime

from engine.errors import InvalidInput

# China has no daylight saving time: a fixed offset is exact.
CHINA_TZ = datetime.timezone(datetime.timedelta(hours=8))
EARLIEST_BIRTH = datetime.date(1900, 1, 1)

# GB 11643: weight of position i (1-based) is 2^(18-i) mod 11.
ID_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]
ID_CHECK_CHARS = "10X98765432"  # indexed by (weighted sum mod 11)

# GB 32100: the alphabet leaves out I, O, Z, S and V.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_VALUES = {c: i for i, c in enumerate(USCC_ALPHABET)}
USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]

# GB 11714 organisation code: 8 body characters, then a check character.
ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]

APPLICANT_KINDS = {"person": "身份证号码", "org": "统一社会信用代码"}
MAX_NAME_LENGTH = 200


def id_check_char(first17):
    """The GB 11643 check character of 17 digits."""
    total = sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS))
    return ID_CHECK_CHARS[total % 11]


def check_id_number(value, today=None):
    """None if ``value`` is a valid 18-character 公民身份号码, else the reason.

    Surrounding spaces and a lower-case ``x`` are accepted. ``today`` (a
    date, default: today in China) bounds the birth date.
    """
    if not isinstance(value, str):
        return "身份证号码应为文本"
    value = value.strip().upper()
    if len(value) != 18:
        return "身份证号码长度应为18位"
    if not (value[:17].isascii() and value[:17].isdigit()) or value[17] not in "0123456789X":
        return "身份证号码只能由数字和末位X组成"
    if value[0] == "0":
        return "身份证号码地址码不正确"
    born = _parse_birth(value[6:14])
    today = today or datetime.datetime.now(CHINA_TZ).date()
    if born is None or born < EARLIEST_BIRTH or born > today:
        return "身份证号码中的出生日期不正确"
    if id_check_char(value[:17]) != value[17]:
        return "身份证号码校验码不正确"
    return None


def _parse_birth(digits):
    try:
        return datetime.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None


def uscc_check_char(first17):
    """The GB 32100 check character of 17 characters from the alphabet."""
    total = sum(USCC_VALUES[c] * w for c, w in zip(first17, USCC_WEIGHTS))
    # (31 - 0) mod 31 is 0: a sum divisible by 31 gives check character '0'.
    return USCC_ALPHABET[(31 - total % 31) % 31]


def org_check_char(body8):
    """The GB 11714 check character of an organisation code's 8 characters."""
    total = sum(_org_value(c) * w for c, w in zip(body8, ORG_WEIGHTS))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def _org_value(char):
    # Digits are themselves, letters A=10 ... Z=35.
    return int(char) if char.isdigit() else ord(char) - ord("A") + 10


def check_uscc(value):
    """None if ``value`` is a valid 统一社会信用代码, else the reason."""
    if not isinstance(value, str):
        return "统一社会信用代码应为文本"
    value = value.strip().upper()
    if len(value) != 18:
        return "统一社会信用代码长度应为18位"
    if any(c not in USCC_VALUES for c in value):
        return "统一社会信用代码含有不允许的字符（不使用I、O、Z、S、V）"
    if not value[2:8].isdigit():  # found by testing against python-stdnum: positions 3-8 are a region code
        return "统一社会信用代码第3至8位应为行政区划码（数字）"
    if uscc_check_char(value[:17]) != value[17]:
        return "统一社会信用代码校验码不正确"
    if org_check_char(value[8:16]) != value[16]:
        return "统一社会信用代码中的组织机构代码校验码不正确"
    return None


def normalize_applicant(kind, id_number, name):
    """The case variable ``applicant``: {"kind", "id_number", "name"}.

    ``kind`` is "person" (身份证号码) or "org" (统一社会信用代码). The number
    is stripped and upper-cased. Raises InvalidInput naming every bad part.
    """
    details = {}
    if kind not in APPLICANT_KINDS:
        details["kind"] = "申请人类型应为 person（自然人）或 org（法人）"
    if not isinstance(name, str) or not name.strip():
        details["name"] = "请填写申请人名称"
    elif len(name.strip()) > MAX_NAME_LENGTH:
        details["name"] = f"申请人名称不能超过{MAX_NAME_LENGTH}个字"
    if kind == "person":
        reason = check_id_number(id_number)
    elif kind == "org":
        reason = check_uscc(id_number)
    elif not isinstance(id_number, str) or not id_number.strip():
        reason = "请填写证件号码"
    else:
        reason = None  # cannot check a number whose kind is unknown
    if reason:
        details["id_number"] = reason
    if details:
        raise InvalidInput("申请人信息不正确", details=details)
    return {"kind": kind, "id_number": id_number.strip().upper(), "name": name.strip()}
