"""The modeler keeps and edits what the engine reads that bpmn-js alone would lose or not show (#13a):
会签 collections (loopDataInputRef/loopDataOutputRef name case variables, which bpmn-moddle drops as
unresolved references). Drafts and publish go to the real server; the published diagram runs on the
real engine."""
import re

import pytest
from playwright.sync_api import expect

from engine import Actor

from .conftest import ROOT, login
from .workbench_api import call, draft_sources

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
    login(page, "analyst")
    saved = call(page, "PUT", "/drafts/no_criminal_record", files={"no_criminal_record.bpmn": draft_with_countersign()})
    assert saved["status"] == 200, saved
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
    saved = draft_sources(page, "no_criminal_record")["no_criminal_record.bpmn"]
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


SPIFF = "{http://spiffworkflow.org/bpmn/schema/1.0/core}"


def engine_reads(xml):
    """What the engine reads from a diagram beyond plain BPMN: every spiffworkflow element with its
    owner, attributes and text, every condition and timer, every multi-instance part."""
    from lxml import etree

    root = etree.fromstring(xml.encode("utf-8"))
    read = []
    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        local = etree.QName(node).localname
        if node.tag.startswith(SPIFF) or local in ("conditionExpression", "timeDuration", "timeDate", "timeCycle",
                                                   "loopDataInputRef", "loopDataOutputRef", "inputDataItem",
                                                   "outputDataItem", "completionCondition", "loopCardinality"):
            owner = next((a.get("id") for a in node.iterancestors() if a.get("id")), None)
            attrs = {k: v for k, v in node.attrib.items() if not k.startswith("{http://www.w3.org/2001/XMLSchema-instance}")}
            read.append((owner, local, tuple(sorted(attrs.items())), (node.text or "").strip()))
    return sorted(read)


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "processes").glob("*.bpmn")))
def test_each_sample_matter_round_trips_through_the_modeler(page, people, name):
    key = name[:-len(".bpmn")]
    source = (ROOT / "processes" / name).read_text(encoding="utf-8")
    login(page, "analyst")
    page.goto(f"/workbench/modeler/{key}")
    page.wait_for_function("() => document.querySelectorAll('#canvas .djs-element').length > 1")
    expect(page.locator("#import-losses")).to_be_hidden()
    with page.expect_download() as download:
        page.click("#export")  # the same export the draft gets
    assert download.value.suggested_filename == name
    exported = open(download.value.path(), encoding="utf-8").read()
    assert engine_reads(exported) == engine_reads(source)
