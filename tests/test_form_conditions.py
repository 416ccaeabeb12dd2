"""form-js conditions on the server: hidden fields are ignored and dropped, shown ones enforced.
The same table runs in form-js in the browser (tests/browser/test_form_conditions.py)."""
import json

import pytest

from engine.errors import DefinitionInvalid, FormInvalid
from engine.repository.forms import Form
from engine.spiff import feel

from .form_condition_cases import CASES, FORM, HIDE_CASES, LIMIT_CASES, LIMITS_FORM


@pytest.fixture(scope="module")
def form():
    return Form.load(FORM)


def failing(form, data):
    try:
        form.validate(data)
    except FormInvalid as error:
        return set(error.details)
    return set()


@pytest.mark.parametrize("data,expected", CASES)
def test_server_agrees_with_the_table(form, data, expected):
    assert failing(form, data) == expected


def test_hidden_fields_are_stripped_and_shown_ones_kept(form):
    cleaned = form.validate({"applicant_kind": "person", "person_name": "张三", "credit_code": "bad",
                             "amount": 60, "urgent": True, "reason": "急"})
    assert "credit_code" not in cleaned and "recipient" not in cleaned      # hidden: dropped
    assert cleaned["urgent"] is True and cleaned["reason"] == "急" and cleaned["by_post"] is False


def test_a_condition_the_server_cannot_evaluate_is_refused_at_deployment():
    schema = {"components": [{"type": "textfield", "key": "a", "conditional": {"hide": "=string length(name) > 1"}}]}
    with pytest.raises(DefinitionInvalid) as caught:
        Form.parse(json.dumps(schema), key_hint="k")
    assert "服务器无法计算" in str(caught.value.details)


@pytest.mark.parametrize("text,data,hidden", HIDE_CASES)
def test_feel_like_feelin(text, data, hidden):
    assert feel.hides(feel.parse_condition(text), data) is hidden


@pytest.mark.parametrize("data,expected", LIMIT_CASES)
def test_limits_written_as_feel(data, expected):
    assert failing(Form.parse(json.dumps(LIMITS_FORM), key_hint="limits"), data) == expected
