"""One table of form data for tests/diagrams/forms/conditional_application.form, checked on the
server (tests/test_form_conditions.py) and in form-js itself (tests/browser/test_form_conditions.py):
the keys of the fields that fail, for each case."""
from .conftest import diagram

FORM = diagram("forms", "conditional_application.form")

CASES = [
    # nothing chosen: person_name shown (null = "org" is false), credit_code hidden (null != "org")
    ({}, {"applicant_kind", "person_name", "amount"}),
    ({"applicant_kind": "person", "person_name": "张三", "amount": 10}, set()),
    ({"applicant_kind": "person", "person_name": "张", "amount": 10}, {"person_name"}),
    ({"applicant_kind": "person", "person_name": "张三", "amount": 0}, {"amount"}),
    ({"applicant_kind": "person", "person_name": "张三", "amount": 101}, {"amount"}),
    # credit_code hidden for a person: a bad value sent anyway is ignored
    ({"applicant_kind": "person", "person_name": "张三", "credit_code": "bad", "amount": 5}, set()),
    ({"applicant_kind": "org", "credit_code": "91310230MA1K314J7C", "amount": 10}, set()),
    ({"applicant_kind": "org", "credit_code": "9131", "amount": 10}, {"credit_code"}),
    ({"applicant_kind": "org", "amount": 10}, {"credit_code"}),
    # by post: the group's recipient is required, the postcode checked
    ({"applicant_kind": "org", "credit_code": "91310230MA1K314J7C", "amount": 10, "by_post": True},
     {"recipient"}),
    ({"applicant_kind": "org", "credit_code": "91310230MA1K314J7C", "amount": 10, "by_post": True,
      "recipient": "李四", "postcode": "12345"}, {"postcode"}),
    ({"applicant_kind": "org", "credit_code": "91310230MA1K314J7C", "amount": 10, "by_post": True,
      "recipient": "李四", "postcode": "425000"}, set()),
    # a person by post: amount hidden, its bad value ignored (conditions still read the value sent:
    # urgent shows, but unticked it hides the reason)
    ({"applicant_kind": "person", "person_name": "张三", "by_post": True, "recipient": "张三",
      "amount": 500}, set()),
    # urgent shown from 50 up; its reason then required and limited
    ({"applicant_kind": "org", "credit_code": "91310230MA1K314J7C", "amount": 60, "urgent": True},
     {"reason"}),
    ({"applicant_kind": "org", "credit_code": "91310230MA1K314J7C", "amount": 60, "urgent": True,
      "reason": "急需办理"}, set()),
    ({"applicant_kind": "org", "credit_code": "91310230MA1K314J7C", "amount": 60, "urgent": True,
      "reason": "很" * 21}, {"reason"}),
    ({"applicant_kind": "org", "credit_code": "91310230MA1K314J7C", "amount": 40, "urgent": True,
      "reason": "很" * 21}, set()),
]

# One condition at a time, over data the form does not hold (the context may carry more than the
# form's fields): whether feelin hides the field.
HIDE_CASES = [
    ('=kind = "org"', {}, False),                 # null = "org" is false
    ('=kind != "org"', {}, True),
    ('=kind != "org"', {"kind": ["org"]}, False),  # a one-item list is its item
    ('=n = "1"', {"n": 1}, True),                 # across types: null, which the unary test reads as a match
    ('=n != "1"', {"n": 1}, True),
    ("=n < 5", {}, True),
    ("=n < 5", {"n": 9}, False),
    ("=n < 5 and flag", {"n": 1, "flag": True}, True),
    ("=not(flag)", {"flag": None}, False),        # the negated test: null matches the null input
    ("=not(flag) or false", {"flag": None}, True),   # the function: not(null) or false is null, a match
    ("=not(n > 1)", {"n": 0}, True),
    ("=not(flag)", {"flag": False}, True),
    ("=a or b", {"a": None, "b": True}, True),
    ("=a and b", {"a": None, "b": True}, True),
    ('=kind', {"kind": "x"}, False),
    ('=kind', {}, True),
    ("=count(xs) = 0", {"xs": []}, True),        # count(): hide while a list is empty
    ("=count(xs) = 0", {"xs": ["a"]}, False),
    ("=count(xs) = 0", {}, False),
    ('=address.city = "440300"', {"address": {"city": "440300"}}, True),
    ("=n + 1 > 2", {"n": 2}, True),
]

# Validation limits written as FEEL (form-js evaluates min, max, minLength, maxLength).
LIMITS_FORM = {"type": "default", "id": "limits", "components": [
    {"type": "number", "id": "Field_cap", "key": "cap", "label": "上限"},
    {"type": "number", "id": "Field_amount", "key": "amount", "label": "金额",
     "validate": {"min": "=cap - 10", "max": "=cap"}},
    {"type": "textfield", "id": "Field_code", "key": "code", "label": "编码",
     "validate": {"minLength": "=size", "maxLength": "=size + 2"}},
    {"type": "number", "id": "Field_size", "key": "size", "label": "长度"},
]}

LIMIT_CASES = [
    ({"cap": 100, "amount": 95}, set()),
    ({"cap": 100, "amount": 101}, {"amount"}),
    ({"cap": 100, "amount": 80}, {"amount"}),
    ({"amount": 5}, set()),                 # cap missing: min and max come out null and drop out
    ({}, set()),
    ({"size": 3, "code": "ab"}, {"code"}),
    ({"size": 3, "code": "abcd"}, set()),
    ({"size": 3, "code": "abcdef"}, {"code"}),
    ({"code": "anything"}, set()),           # size missing: the length rules drop out
]
