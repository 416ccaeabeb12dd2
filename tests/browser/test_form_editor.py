"""The form editor (#13 item 3, browser side): form-js opens a deployed form, a field added in the
editor is saved into the process's draft, and a new form can be started from nothing."""
import json

import pytest
from playwright.sync_api import expect

from .conftest import login
from .workbench_api import draft_sources

pytestmark = pytest.mark.browser


def test_analyst_edits_a_form_into_the_draft(page, people):
    login(page, "analyst")
    page.goto("/workbench/forms/no_criminal_record_review?draft=no_criminal_record")
    expect(page.locator("#source")).to_contain_text("已部署 v1")
    expect(page.locator("#form-editor .fjs-editor-container")).to_be_visible()
    expect(page.locator("#form-editor")).to_contain_text("审查结论")
    # A field as the palette would add it: through the editor's own modeling service.
    page.evaluate("""() => {
      const editor = window.tongbanFormEditor, schema = editor._getState().schema;
      editor.get("modeling").addFormField({ type: "textfield", key: "review_note", label: "审查备注" }, schema,
        schema.components.length);
    }""")
    expect(page.locator("#form-editor")).to_contain_text("审查备注")
    page.click("#save")
    expect(page.locator("#source")).to_contain_text("已保存")
    files = draft_sources(page, "no_criminal_record")
    assert "no_criminal_record.bpmn" in files  # the draft starts from the deployed diagram
    form = json.loads(files["no_criminal_record_review.form"])
    assert form["id"] == "no_criminal_record_review"
    keys = [c.get("key") for c in form["components"]]
    assert "decision" in keys and keys[-1] == "review_note"
    page.screenshot(path="/tmp/workbench-form.png", full_page=True)

    page.goto("/workbench/forms/no_criminal_record_extra?draft=no_criminal_record")
    expect(page.locator("#source")).to_contain_text("新表单")
    page.click("#save")
    expect(page.locator("#source")).to_contain_text("已保存")
    files = draft_sources(page, "no_criminal_record")
    assert json.loads(files["no_criminal_record_extra.form"])["components"] == []
    assert "no_criminal_record_review.form" in files  # kept
