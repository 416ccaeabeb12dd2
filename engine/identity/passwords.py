"""Password policy: long enough, not a well-known password, not the login name.

Checked wherever a person chooses a password (API, web, CSV import, CLI); a
password the system generates always passes and is shown once.
"""
import secrets

from engine.errors import InvalidInput

MIN_LENGTH = 8
MAX_LENGTH = 200
# The passwords tried first by anyone guessing (the head of public leak lists),
# and the ones a Chinese office picks by habit.
COMMON = frozenset("""
12345678 123456789 1234567890 11111111 00000000 88888888 66666666 12341234 87654321 11223344
password password1 password123 passw0rd p@ssw0rd p@ssword qwertyui qwerty123 qwertyuiop 1q2w3e4r
1qaz2wsx abc12345 abcd1234 a1234567 a12345678 iloveyou admin123 admin1234 administrator welcome1
letmein1 sunshine princess football baseball superman 1234qwer zxcvbnm1 asdfghjk asdf1234 q1w2e3r4
woaini1314 woaini520 5201314520 aa123456 a123456789 qq123456 zhang123 wang1234 tongban1 tongban123
changeme changeme1 default1 test1234 testtest guest123 user1234
""".split())
# No look-alikes (0/O, 1/l/I): the password is read off a screen and typed once.
ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def problem(password, name=""):
    """None if ``password`` may be used by ``name``, else the reason in Chinese."""
    if not isinstance(password, str) or len(password) < MIN_LENGTH:
        return f"密码至少{MIN_LENGTH}位"
    if len(password) > MAX_LENGTH:
        return f"密码不能超过{MAX_LENGTH}位"
    lowered = password.lower()
    if lowered in COMMON or len(set(password)) < 3:
        return "密码过于常见，请换一个"
    if name and name.lower() in lowered:
        return "密码不能包含用户名"
    return None


def check(password, name=""):
    reason = problem(password, name)
    if reason:
        raise InvalidInput(reason, code="weak_password", details={"password": reason})


def generate(length=12):
    """A random password that passes the policy (shown to the admin once)."""
    while True:
        password = "".join(secrets.choice(ALPHABET) for _ in range(length))
        if problem(password) is None and any(c.isdigit() for c in password):
            return password
