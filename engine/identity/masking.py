"""Masking of citizens' identity numbers (一证申办: the number identifies, it is not shown).

``4403**********1236``: the first four and last four characters stay, so a clerk
can still tell two applicants apart on the phone. Whoever is not the applicant
themself or an auditor sees numbers masked: in API answers and pages, webhook
payloads and log lines. The masking works on text: any 18-character 公民身份号码
(17 digits and a digit or X, with a plausible birth date in digits 7–14), standing
on its own, is masked wherever it appears — also inside form data, where the
engine cannot know which field holds a number. 统一社会信用代码 are public and stay.
"""
import datetime
import json
import logging
import re

MASK = "*" * 10
_ID = r"(?<![0-9A-Za-z])([1-9]\d{16}[\dXx])(?![0-9A-Za-z])"
ID_TEXT = re.compile(_ID)
ID_BYTES = re.compile(_ID.encode())


def _looks_like_id(number):
    try:
        born = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return born.year >= 1900


def mask_id(number):
    """``440301199001011236`` -> ``4403**********1236``; anything else unchanged."""
    if isinstance(number, str) and len(number) == 18 and ID_TEXT.fullmatch(number) and _looks_like_id(number):
        return number[:4] + MASK + number[-4:]
    return number


def mask_text(text, keep=None):
    """``text`` with every identity number but ``keep`` (the reader's own) masked."""
    keep = keep.upper() if isinstance(keep, str) else None

    def one(match):
        number = match.group(1)
        return number if number.upper() == keep else mask_id(number)
    return ID_TEXT.sub(one, text)


# An identity number is a run of at least 17 digits, and a match can only begin where such a run
# begins (no digit may stand before it). Digits turned into "0" let bytes.find, far faster than
# the regular expression, skip to those runs; the expression then decides at each run alone.
_DIGITS_AS_ZERO = bytes.maketrans(b"0123456789", b"0" * 10)
_RUN = b"0" * 17


def mask_bytes(body, keep=None):
    """The same on UTF-8 bytes (a JSON or CSV body): masking keeps the length, so JSON stays valid."""
    digits = body.translate(_DIGITS_AS_ZERO)
    at = digits.find(_RUN)
    if at < 0:
        return body  # most bodies: no run of 17 digits, nothing to look at
    keep = keep.upper().encode() if isinstance(keep, str) else None
    out = None
    while at >= 0:
        match = ID_BYTES.match(body, at, at + 19)  # 18 characters and the one after (the lookbehind sees before)
        if match:
            number = match.group(1)
            masked = number if number.upper() == keep else mask_id(number.decode()).encode()
            if masked != number:
                out = out if out is not None else bytearray(body)
                out[at:at + 18] = masked
        end = at + 17
        while end < len(digits) and digits[end] == 0x30:
            end += 1
        at = digits.find(_RUN, end)
    return bytes(out) if out is not None else body


def mask_data(value):
    """JSON data with every identity number masked (webhook payloads)."""
    text = json.dumps(value, ensure_ascii=False)
    masked = mask_text(text)
    return value if masked == text else json.loads(masked)


_installed = False


def install_log_masking():
    """Every log record's message is masked, whichever logger or handler writes it."""
    global _installed
    if _installed:
        return
    _installed = True
    make = logging.getLogRecordFactory()

    def record(*args, **kwargs):
        rec = make(*args, **kwargs)
        try:
            message = rec.getMessage()
        except Exception:  # a broken format string is logging's own error to report
            return rec
        masked = mask_text(message)
        if masked != message:
            rec.msg, rec.args = masked, None
        return rec
    logging.setLogRecordFactory(record)
