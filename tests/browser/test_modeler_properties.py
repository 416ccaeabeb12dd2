"""The modeler keeps and edits what the engine reads that bpmn-js alone would lose or not show (#13a):
会签 collections (loopDataInputRef/loopDataOutputRef name case variables, which bpmn-moddle drops as
unresolved references). Drafts and publish are the page.route stand-in (workbench_fake.py); the
published diagram runs on the real engine."""
import re

import pytest
from playwright.sync_api import expect

from engine import Actor

from .conftest import ROOT, login
from .workbench_fake import FakeWorkbenchApi

pytestmark = pytest.mark.browser

COMPANY = {"kind": "org", "id_number": "91350100M000100Y43", "name": "福州某某餐饮有限公司"}
WINDOW = Actor("window", "clerk", frozenset({"综合受理窗口"}))
LOOP = """<bpmn:multiInstanceLoopCharacteristics isSequential="false">
        <bpmn:loopDataInputRef>reviewers</bpmn:loopDataInputRef>
        <bpmn:inputDataItem id="reviewer" name="reviewer"/>
      </bpmn:multiInstanceLoopCharacteristics>
    </bpmn:userTask>"""


def draft_with_countersign():
    source = (ROOT / "processes" / "no_criminal_record.bpmn").read_text(encoding="utf-8")
    head, tail = source.split('<bpmn:userTask id="review"', 1)
    body, rest = tail.split("</bpmn:userTask>", 1)
    return head + '<bpmn:userTask id="review"' + body + LOOP + rest


def test_countersign_collection_survives_and_is_edited_in_the_tongban_panel(page, people):
    fake = FakeWorkbenchApi(people).install(page)
    fake.drafts["no_criminal_record"] = {"files": {"no_criminal_record.bpmn": draft_with_countersign()},
                                         "updated_at": "2026-12-01T01:00:00Z"}
    login(page, "analyst")
    page.goto("/workbench/modeler/no_criminal_record")
    page.wait_for_selector('#canvas .djs-element[data-element-id="review"]')
    expect(page.locator("#import-losses")).to_be_hidden()  # nothing is lost: the collection is kept
    page.evaluate("() => { const m = window.tongbanModeler; m.get('selection').select(m.get('elementRegistry').get('review')); }")
    expect(page.locator("#tongban-props input[name=loopDataInputRef]")).to_have_value("reviewers")
    expect(page.locator("#tongban-props input[name=inputDataItem]")).to_have_value("reviewer")
    page.fill("#tongban-props input[name=loopDataInputRef]", "police_officers")
    page.press("#tongban-props input[name=loopDataInputRef]", "Tab")
    page.fill("#tongban-props input[name=inputDataItem]", "officer")
    page.press("#tongban-props input[name=inputDataItem]", "Tab")
    page.click("#save")
    expect(page.locator("#source")).to_contain_text("已保存")
    saved = fake.drafts["no_criminal_record"]["files"]["no_criminal_record.bpmn"]
    assert re.search(r"<bpmn:loopDataInputRef>police_officers</bpmn:loopDataInputRef>\s*<bpmn:inputDataItem id=\"officer\" name=\"officer\"", saved)

    page.click("#check")
    page.fill("#note", "公安审查改为会签")
    page.click("#publish")
    page.wait_for_url(re.compile(r"/workbench/versions/no_criminal_record$"))
    # The engine runs what was saved: one review per officer.
    case = people.runtime.start("no_criminal_record", COMPANY, {"police_officers": ["王警官", "李警官", "赵警官"]})
    (accept,) = people.tasks.for_case(case.id)
    people.tasks.complete(accept.id, WINDOW, {"acceptance": "accept", "purpose": "employment"})
    reviews = [t for t in people.tasks.for_case(case.id) if t.element_id == "review"]
    assert len(reviews) == 3
