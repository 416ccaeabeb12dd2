"""The web UI end to end: a clerk works the inbox, an auditor replays a case,
an analyst looks at and uploads definitions. Real app, real database, real Chromium."""
import re

import pytest
from playwright.sync_api import expect

from engine import Actor

from .conftest import SHOTS, choose, login

pytestmark = pytest.mark.browser

APPLICANT = {"kind": "person", "id_number": "11010519491231002X", "name": "张三"}
WINDOW = Actor("window", "clerk", frozenset({"综合受理窗口"}))


def start_case(engine):
    return engine.runtime.start("no_criminal_record", APPLICANT, {"purpose_note": "求职"})


def ready_elements(engine, case_id):
    return sorted(t.element_id for t in engine.tasks.for_case(case_id))


def accept(engine, case_id):
    (task,) = engine.tasks.for_case(case_id)
    engine.tasks.complete(task.id, WINDOW, {"acceptance": "accept", "purpose": "employment"})


def test_login_shows_nav_by_role(page):
    page.goto("/inbox")
    page.wait_for_url(re.compile(r"/login\?next="))
    page.fill("input[name=name]", "window")
    page.fill("input[name=password]", "wrong")
    page.click("button[type=submit]")
    expect(page.locator("#login-error")).to_have_text("用户名或密码错误")

    page.fill("input[name=password]", "window")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/inbox$"))
    expect(page.locator("#nav a")).to_have_text(["待办", "收件", "办件"])
    expect(page.locator("#who")).to_contain_text("window")

    page.click("#who button")
    page.wait_for_url(re.compile(r"/login"))
    page.goto("/cases")
    page.wait_for_url(re.compile(r"/login\?next="))


def test_clerk_works_the_accept_task(page, people):
    case = start_case(people)
    login(page, "window")
    page.goto("/inbox")
    row = page.locator("#inbox tbody tr", has_text="受理")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(case.number)
    expect(row).to_contain_text("综合受理窗口")

    # Claim, then give it back to the group.
    row.locator("button[data-action=claim]").click()
    expect(row.locator("td").nth(3)).to_have_text("我")
    row.locator("button[data-action=unclaim]").click()
    expect(row.locator("td").nth(3)).to_have_text("未签收")
    page.screenshot(path=str(SHOTS / "tongban-inbox.png"), full_page=True)

    row.locator("a", has_text="办理").click()
    page.wait_for_url(re.compile(r"/tasks/\d+$"))
    expect(page.locator("#form .fjs-form")).to_be_visible()
    expect(page.locator("#form")).to_contain_text("受理意见")

    # Nothing chosen: the server's message shows at the field, in Chinese.
    page.click("#submit")
    field_error = page.locator("#form .fjs-form-field-error")
    expect(field_error).to_contain_text("此项为必填项")
    expect(page.locator("#form-errors")).to_contain_text("受理意见")
    assert ready_elements(people, case.id) == ["accept"]
    page.screenshot(path=str(SHOTS / "tongban-task.png"), full_page=True)

    choose(page.get_by_label("受理", exact=True))
    page.locator("#form .fjs-form-field-select .fjs-input-group").click()  # form-js draws its own dropdown
    page.locator("#form .fjs-dropdownlist-item", has_text="就业").click()
    page.click("#submit")
    page.wait_for_url(re.compile(r"/inbox$"))
    expect(page.locator("#flash")).to_contain_text("已提交")
    expect(page.locator("#inbox tbody tr")).to_have_count(0)
    assert ready_elements(people, case.id) == ["review"]
    completed = [e for e in people.history.trail(case.id) if e.type == "task_completed"]
    assert completed[-1].data["submitted"]["acceptance"] == "accept"


def test_submit_is_sent_once(page, people):
    case = start_case(people)
    login(page, "window")
    (task,) = people.tasks.for_case(case.id)
    page.goto(f"/tasks/{task.id}")
    choose(page.get_by_label("受理", exact=True))
    page.locator("#submit").dblclick()
    page.wait_for_url(re.compile(r"/inbox$"))
    completions = [e for e in people.history.trail(case.id) if e.type == "task_completed"]
    assert len(completions) == 1


def test_task_without_form_takes_key_values(page, people):
    people.repository.deploy([("ui_upload_demo.bpmn", SMALL_BPMN.encode())], deployed_by="test")
    case = people.runtime.start("ui_upload_demo", APPLICANT)
    (task,) = people.tasks.for_case(case.id)
    login(page, "window")
    page.goto(f"/tasks/{task.id}")
    expect(page.locator("#free-form")).to_be_visible()
    page.fill("#kv tbody tr:first-child input[name=key]", "approved")
    page.fill("#kv tbody tr:first-child input[name=value]", "true")
    page.click("#kv-add")
    page.fill("#kv tbody tr:nth-child(2) input[name=key]", "note")
    page.fill("#kv tbody tr:nth-child(2) input[name=value]", "材料齐全")
    page.click("#submit")
    page.wait_for_url(re.compile(r"/inbox$"))
    completed = [e for e in people.history.trail(case.id) if e.type == "task_completed"]
    assert completed[0].data["submitted"] == {"approved": True, "note": "材料齐全"}


def test_case_page_shows_diagram_trail_and_replay(page, people):
    case = start_case(people)
    accept(people, case.id)
    events = people.history.trail(case.id)
    login(page, "auditor")
    page.goto(f"/cases/{case.id}")

    expect(page.locator("#case-title")).to_contain_text(case.number)
    expect(page.locator("#diagram svg").first).to_be_visible()
    review = page.locator('#diagram .djs-element[data-element-id="review"]')
    expect(review).to_have_class(re.compile(r"\btb-ready\b"))
    expect(page.locator('#diagram .djs-element[data-element-id="accept"]')).to_have_class(re.compile(r"\btb-done\b"))
    expect(page.locator("#trail tbody tr")).to_have_count(len(events))
    expect(page.locator("#trail")).to_contain_text("办理完成")
    expect(page.locator("#case-data")).to_contain_text("purpose_note")
    page.screenshot(path=str(SHOTS / "tongban-case.png"), full_page=True)

    # Replay from the start: nothing coloured, then step forward to the acceptance.
    page.click("#first")
    expect(page.locator("#diagram .tb-done, #diagram .tb-ready")).to_have_count(0)
    ready_at = next(i for i, e in enumerate(events, 1) if e.type == "task_ready")
    for _ in range(ready_at):
        page.click("#next")
    expect(page.locator('#diagram .djs-element[data-element-id="accept"]')).to_have_class(re.compile(r"\btb-ready\b"))
    expect(review).not_to_have_class(re.compile(r"\btb-ready\b"))
    expect(page.locator("#trail tbody tr.current")).to_have_attribute("data-index", str(ready_at))
    page.click("#last")
    expect(review).to_have_class(re.compile(r"\btb-ready\b"))


def test_case_list_filters_by_status(page, people):
    running = start_case(people)
    refused = start_case(people)
    (task,) = people.tasks.for_case(refused.id)
    people.tasks.complete(task.id, WINDOW, {"acceptance": "refuse", "refuse_reason": "材料不齐"})
    login(page, "auditor")
    page.goto("/cases")
    expect(page.locator("#cases tbody tr")).to_have_count(2)
    expect(page.locator("#cases")).to_contain_text("无犯罪记录证明")
    page.select_option("#filters select[name=status]", "running")
    page.click("#filters button")
    expect(page.locator("#cases tbody tr")).to_have_count(1)
    expect(page.locator("#cases tbody")).to_contain_text(running.number)
    page.screenshot(path=str(SHOTS / "tongban-cases.png"), full_page=True)
    page.locator("#cases tbody a").first.click()
    page.wait_for_url(re.compile(rf"/cases/{running.id}$"))


def test_definitions_list_diagram_and_upload(page, people, tmp_path):
    login(page, "analyst")
    page.goto("/definitions")
    row = page.locator('#definitions tbody tr[data-key="no_criminal_record"]')
    expect(row).to_contain_text("v1")
    row.locator("a").first.click()
    page.wait_for_url(re.compile(r"/definitions/no_criminal_record"))
    expect(page.locator("#diagram svg").first).to_be_visible()
    expect(page.locator('#diagram .djs-element[data-element-id="accept"]')).to_have_count(1)
    page.screenshot(path=str(SHOTS / "tongban-definition.png"), full_page=True)

    page.goto("/definitions")
    broken = tmp_path / "broken.bpmn"
    broken.write_text("<definitions>not bpmn", encoding="utf-8")
    page.set_input_files("#upload input[type=file]", str(broken))
    page.click("#upload button")
    expect(page.locator("#upload-result .error-box")).to_be_visible()

    good = tmp_path / "ui_upload_demo.bpmn"
    good.write_text(SMALL_BPMN, encoding="utf-8")
    page.set_input_files("#upload input[type=file]", str(good))
    page.click("#upload button")
    expect(page.locator("#upload-result")).to_contain_text("ui_upload_demo v1")
    expect(page.locator('#definitions tbody tr[data-key="ui_upload_demo"]')).to_be_visible()
    page.screenshot(path=str(SHOTS / "tongban-definitions.png"), full_page=True)


SMALL_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
    xmlns:di="http://www.omg.org/spec/DD/20100524/DI" id="defs_ui_upload_demo" targetNamespace="http://tongban.example/bpmn">
  <bpmn:process id="ui_upload_demo" name="上传演示" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="check" name="审核"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="check"/>
    <bpmn:sequenceFlow id="f2" sourceRef="check" targetRef="end"/>
  </bpmn:process>
  <bpmndi:BPMNDiagram id="diagram">
    <bpmndi:BPMNPlane id="plane" bpmnElement="ui_upload_demo">
      <bpmndi:BPMNShape id="start_di" bpmnElement="start"><dc:Bounds x="100" y="100" width="36" height="36"/></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="check_di" bpmnElement="check"><dc:Bounds x="190" y="78" width="100" height="80"/></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="end_di" bpmnElement="end"><dc:Bounds x="350" y="100" width="36" height="36"/></bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="f1_di" bpmnElement="f1"><di:waypoint x="136" y="118"/><di:waypoint x="190" y="118"/></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="f2_di" bpmnElement="f2"><di:waypoint x="290" y="118"/><di:waypoint x="350" y="118"/></bpmndi:BPMNEdge>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


def test_a_clerk_sees_the_diagram_of_a_case_in_their_group(page, people):
    case = start_case(people)
    accept(people, case.id)
    login(page, "police")
    page.goto(f"/cases/{case.id}")
    expect(page.locator('#diagram .djs-element[data-element-id="review"]')).to_have_class(re.compile(r"\btb-ready\b"))
