"""The form-condition table in form-js itself (from node_modules): the browser's validation
errors and submitted fields must be the server's, case by case, so the two never disagree."""
import json

import pytest

from engine.errors import FormInvalid
from engine.repository.forms import Form

from ..form_condition_cases import CASES, FORM, HIDE_CASES, LIMIT_CASES, LIMITS_FORM
from .conftest import ROOT

VIEWER = ROOT / "node_modules" / "@bpmn-io" / "form-js" / "dist" / "form-viewer.umd.js"

RUN = """async ({schema, data}) => {
  const container = document.getElementById('form');
  container.innerHTML = '';
  const form = new FormViewer.Form({container});
  await form.importSchema(schema, data);
  const errors = form.validate();
  const submitted = form.submit();
  form.destroy();
  const keyOf = {};
  const walk = (components) => (components || []).forEach(c => {
    if (c.key) keyOf[c.id] = c.key;
    walk(c.components);
  });
  walk(schema.components);
  return {errors: Object.keys(errors).map(id => keyOf[id] || id), data: Object.keys(submitted.data)};
}"""


@pytest.fixture(scope="module")
def viewer(chromium):
    if not VIEWER.exists():
        pytest.skip("form-js missing: run `npm ci`")
    page = chromium.new_page()
    page.set_content("<!doctype html><html><body><div id='form'></div></body></html>")
    page.add_script_tag(path=str(VIEWER))
    yield page
    page.close()


def server(form, data):
    try:
        return set(), set(form.validate(data))
    except FormInvalid as error:
        return set(error.details), None


@pytest.mark.parametrize("data,expected", CASES)
def test_form_js_and_the_server_agree(viewer, data, expected):
    schema = json.loads(FORM.read_text())
    browser = viewer.evaluate(RUN, {"schema": schema, "data": data})
    errors, kept = server(Form.load(FORM), data)
    assert set(browser["errors"]) == expected == errors
    if kept is not None:
        # What form-js submits is what the server keeps: hidden fields are gone from both.
        assert set(browser["data"]) == kept


@pytest.mark.parametrize("text,data,hidden", HIDE_CASES)
def test_one_condition_hides_alike(viewer, text, data, hidden):
    schema = {"type": "default", "components": [
        {"type": "textfield", "id": "Field_probe", "key": "probe", "conditional": {"hide": text}}]}
    browser = viewer.evaluate(RUN, {"schema": schema, "data": data})
    assert ("probe" not in browser["data"]) is hidden


@pytest.mark.parametrize("data,expected", LIMIT_CASES)
def test_limits_written_as_feel_agree(viewer, data, expected):
    browser = viewer.evaluate(RUN, {"schema": LIMITS_FORM, "data": data})
    errors, _ = server(Form.parse(json.dumps(LIMITS_FORM), key_hint="limits"), data)
    assert set(browser["errors"]) == expected == errors
