"""The analyst workbench in the browser (#13a) against a stand-in for #13b's endpoints.

The drafts, check, trial, versions and migration endpoints are faked with Playwright's
``page.route`` (tests/browser/workbench_fake.py); publishing deploys through the real engine, and the
case started afterwards runs on the real server. After #13b is merged, drop the ``fake_api`` fixture's
``install`` and these tests drive the real endpoints unchanged.
"""
import json
import re

import pytest
from playwright.sync_api import expect

from engine import Actor

from .conftest import ROOT, SHOTS, login
from .workbench_fake import FakeWorkbenchApi

pytestmark = pytest.mark.browser

COMPANY = {"kind": "org", "id_number": "91350100M000100Y43", "name": "福州某某餐饮有限公司"}
WINDOW = Actor("window", "clerk", frozenset({"综合受理窗口"}))
FIRE = "消防救援支队"


@pytest.fixture
def fake_api(page, people):
    people.users.add("fireman", "clerk", groups=[FIRE], password="fireman", display_name="赵消防")
    people.users.add("boss", "admin", password="boss")
    return FakeWorkbenchApi(people).install(page)


def wait_modeler(page, element="split_review"):
    page.wait_for_selector(f'#canvas .djs-element[data-element-id="{element}"]')


# Drawing by hand in a test is brittle; the same modeling commands the palette and context pad run
# are called through the modeler (undoable, marking the diagram as changed like any edit).
ADD_DEPARTMENT = """([fire]) => {
  const m = window.tongbanModeler, reg = m.get("elementRegistry"), modeling = m.get("modeling");
  const factory = m.get("elementFactory"), moddle = m.get("moddle");
  const lane = modeling.addLane(reg.get("lane_health"), "bottom");
  modeling.updateLabel(lane, fire);
  const y = lane.y + lane.height / 2, participant = lane.parent;
  const wait = modeling.createShape(factory.createShape({ type: "bpmn:ReceiveTask" }), { x: lane.x + 420, y }, participant);
  modeling.updateProperties(wait, { id: "wait_fire", name: "等待补交消防材料" });
  const review = modeling.createShape(factory.createShape({ type: "bpmn:UserTask" }), { x: lane.x + 600, y }, participant);
  modeling.updateProperties(review, { id: "review_fire", name: "消防审查" });
  modeling.connect(reg.get("split_review"), wait);
  modeling.connect(wait, review);
  modeling.connect(review, reg.get("join_review"));
  const definitions = m.getDefinitions();
  const message = moddle.create("bpmn:Message", { id: "message_fire", name: "fire_materials_received" });
  definitions.rootElements.push(message);
  modeling.updateProperties(wait, { messageRef: message });
  return lane.businessObject.flowNodeRef.map((n) => n.id);
}"""

ADD_DEADLINE = """() => {
  const m = window.tongbanModeler, reg = m.get("elementRegistry"), modeling = m.get("modeling");
  const factory = m.get("elementFactory");
  const wait = reg.get("wait_fire");
  const timer = modeling.createShape(factory.createShape({ type: "bpmn:BoundaryEvent",
    eventDefinitionType: "bpmn:TimerEventDefinition" }), { x: wait.x + 50, y: wait.y + wait.height }, wait,
    { attach: true });
  modeling.updateProperties(timer, { id: "fire_deadline", name: "消防材料期限届满" });
  const end = modeling.createShape(factory.createShape({ type: "bpmn:EndEvent" }),
    { x: wait.x + 50, y: wait.y + wait.height + 90 }, wait.parent);
  modeling.updateProperties(end, { id: "fire_late", name: "逾期未补正" });
  modeling.connect(timer, end);
}"""


def select(page, element_id):
    page.evaluate("""(id) => { const m = window.tongbanModeler;
      m.get("selection").select(m.get("elementRegistry").get(id)); }""", element_id)


def open_group(page, group):
    header = page.locator(f'#properties [data-group-id="{group}"] .bio-properties-panel-group-header')
    if "open" not in (header.get_attribute("class") or ""):
        header.click()


def test_analyst_adds_a_department_and_a_wait_saves_checks_tries_and_publishes(page, people, fake_api):
    login(page, "analyst")
    page.goto("/workbench/modeler/food_business_license")
    wait_modeler(page)
    expect(page.locator("#source")).to_contain_text("v1")
    expect(page.locator("#publish")).to_be_disabled()

    in_lane = page.evaluate(ADD_DEPARTMENT, [FIRE])
    assert {"wait_fire", "review_fire"} <= set(in_lane)  # drawn inside the new department's lane
    # The 通办 panel: the wait pauses the case clock, the review gets a step limit.
    select(page, "wait_fire")
    page.select_option('#tongban-props select[name=clock]', "pause")
    page.fill('#tongban-props input[name=messageVariable]', "fire_materials")
    page.press('#tongban-props input[name=messageVariable]', "Tab")
    select(page, "review_fire")
    page.fill('#tongban-props input[name=timeLimit]', "3")
    page.press('#tongban-props input[name=timeLimit]', "Tab")

    page.click("#save")
    # A 容缺 wait without a deadline: an error on the diagram and in the list, publishing blocked.
    problem = page.locator('#problems li.problem[data-element="wait_fire"]')
    expect(problem).to_contain_text("没有期限")
    expect(page.locator('#canvas .djs-element[data-element-id="wait_fire"].tb-lint-error')).to_have_count(1)
    expect(page.locator('.djs-overlay-container .tb-lint-badge.error')).to_have_count(1)
    expect(page.locator("#publish")).to_be_disabled()
    page.screenshot(path=str(SHOTS / "workbench-lint-wait.png"), full_page=True)

    # The deadline: a boundary timer whose value is typed into the properties panel as 5 working days.
    page.evaluate(ADD_DEADLINE)
    select(page, "fire_deadline")
    open_group(page, "group-timer")
    page.select_option("#properties select[name=timerEventDefinitionType]", "timeDuration")
    value = page.locator("#properties [name=timerEventDefinitionValue]")
    value.fill("P5WD")
    value.press("Tab")
    select(page, "fire_late")
    page.fill('#tongban-props input[name=outcome]', "逾期未补正")
    page.press('#tongban-props input[name=outcome]', "Tab")
    expect(page.locator("#publish")).to_be_disabled()  # changed since the last check
    page.click("#check")
    expect(page.locator("#lint-ok")).to_be_visible()
    expect(page.locator(".tb-lint-badge")).to_have_count(0)
    page.click("#save")
    expect(page.locator("#source")).to_contain_text("已保存")
    saved = fake_api.drafts["food_business_license"]["files"]["food_business_license.bpmn"]
    for text in ('name="clock" value="pause"', "P5WD", 'name="timeLimit" value="3"', "fire_materials",
                 f'name="{FIRE}"', 'name="outcome" value="逾期未补正"'):
        assert text in saved, text
    page.screenshot(path=str(SHOTS / "workbench-modeler.png"), full_page=True)

    # Try it: the token moves through the new branch step by step.
    page.click("#trial-link")
    page.wait_for_url(re.compile(r"/workbench/trial/food_business_license$"))
    page.fill("#trial-data", json.dumps({"shop_name": "试运行小店"}, ensure_ascii=False))
    page.click("#trial-start")
    expect(page.locator('#trial-tasks tr[data-element="accept"]')).to_be_visible()
    expect(page.locator('#trial-canvas .djs-element[data-element-id="accept"].tb-ready')).to_have_count(1)
    page.locator('#trial-tasks tr[data-element="accept"] textarea').fill('{"acceptance": "accept"}')
    page.locator('#trial-tasks tr[data-element="accept"] button').click()
    expect(page.locator('#trial-tasks tr[data-element="review_market"]')).to_be_visible()
    expect(page.locator('#trial-canvas .djs-element[data-element-id="wait_fire"].tb-ready')).to_have_count(1)
    expect(page.locator('#trial-canvas .djs-element[data-element-id="accept"].tb-done')).to_have_count(1)
    page.screenshot(path=str(SHOTS / "workbench-trial.png"), full_page=True)

    # Publish with a change note.
    page.goto("/workbench/modeler/food_business_license")
    wait_modeler(page, "review_fire")
    expect(page.locator("#source")).to_have_text("草稿")
    page.click("#check")
    expect(page.locator("#lint-ok")).to_be_visible()
    page.fill("#note", "增加消防救援支队并联审查及容缺补交")
    page.click("#publish")
    page.wait_for_url(re.compile(r"/workbench/versions/food_business_license$"))
    expect(page.locator('#versions tr[data-version="2"]')).to_contain_text("增加消防救援支队并联审查及容缺补交")

    # A case started through the API on the new version reaches the new department's inbox.
    login(page, "boss")
    csrf = page.request.get("/api/v1/session").json()["csrf_token"]
    started = page.request.post("/api/v1/cases", headers={"X-CSRF-Token": csrf},
                                data={"process": "food_business_license", "applicant": COMPANY, "data": {}})
    assert started.status == 201, started.text()
    case_id = started.json()["id"]
    (accept,) = people.tasks.for_case(case_id)
    people.tasks.complete(accept.id, WINDOW, {"acceptance": "accept", "materials_missing": False})
    people.runtime.send_message(case_id, "fire_materials_received", {"files": ["消防验收.pdf"]})
    login(page, "fireman")
    page.goto("/inbox")
    row = page.locator("#inbox tbody tr", has_text="消防审查")
    expect(row).to_be_visible()
    page.screenshot(path=str(SHOTS / "workbench-fire-inbox.png"), full_page=True)


def test_a_task_without_an_outgoing_flow_is_marked_and_cannot_be_published(page, people, fake_api):
    login(page, "analyst")
    page.goto("/workbench/modeler/no_criminal_record")
    wait_modeler(page, "accept")
    page.evaluate("""() => { const m = window.tongbanModeler, reg = m.get("elementRegistry");
      const out = reg.get("accept").outgoing[0]; m.get("modeling").removeConnection(out); }""")
    page.fill("#note", "试图发布断开的流程")
    page.click("#check")
    problem = page.locator('#problems li.problem[data-element="accept"]')
    expect(problem).to_contain_text("没有出口连线")
    expect(page.locator('#canvas .djs-element[data-element-id="accept"].tb-lint-error')).to_have_count(1)
    expect(page.locator("#publish")).to_be_disabled()
    problem.click()  # the list leads to the element
    assert page.evaluate("() => window.tongbanModeler.get('selection').get().map((e) => e.id)") == ["accept"]
    # Even if the button were forced, the server refuses and the problems come back onto the diagram.
    page.click("#save")
    expect(page.locator("#source")).to_contain_text("已保存")
    page.evaluate("() => { document.getElementById('publish').disabled = false; }")
    page.click("#publish")
    expect(page.locator("#flash")).to_contain_text("不能发布")
    assert ("POST", "/drafts/no_criminal_record/publish") not in fake_api.calls  # saved draft had errors: not sent
    versions = [d.version for d in people.repository.list(kind="bpmn", all_versions=True) if d.key == "no_criminal_record"]
    assert versions == [1]


def second_version(engine):
    """v2 of 无犯罪记录证明: 受理 renamed, the police review drawn anew under another id."""
    source = (ROOT / "processes" / "no_criminal_record.bpmn").read_text(encoding="utf-8")
    source = re.sub(r'(["\'>])review(["\'<])', r"\1police_review\2", source)
    source = source.replace('<bpmn:userTask id="accept" name="受理">', '<bpmn:userTask id="accept" name="窗口受理">')
    (made,) = [d for d in engine.repository.deploy([("no_criminal_record.bpmn", source.encode())], deployed_by="analyst")
               if d.kind == "bpmn"]
    assert made.version == 2
    return made


def test_versions_diff_and_migration_dry_run_then_batch(page, people, fake_api):
    waiting_accept = people.runtime.start("no_criminal_record", COMPANY, {"purpose_note": "求职"})
    in_review = people.runtime.start("no_criminal_record", COMPANY, {"purpose_note": "出国"})
    (task,) = people.tasks.for_case(in_review.id)
    people.tasks.complete(task.id, WINDOW, {"acceptance": "accept", "purpose": "employment"})
    second_version(people)
    fake_api.notes[("no_criminal_record", 2)] = "公安审查改由新环节办理"

    login(page, "analyst")
    page.goto("/workbench/versions/no_criminal_record")
    expect(page.locator('#versions tr[data-version="2"]')).to_contain_text("公安审查改由新环节办理")
    expect(page.locator('#versions tr[data-version="1"] td').nth(4)).to_have_text("2")
    expect(page.locator('#versions tr[data-version="2"] td').nth(4)).to_have_text("0")
    # The diff: the renamed task is changed, the review removed on the left and added on the right.
    expect(page.locator('#diff-list li[data-kind="changed"][data-element="accept"]')).to_contain_text("窗口受理")
    expect(page.locator('#diff-list li[data-kind="removed"][data-element="review"]')).to_be_visible()
    expect(page.locator('#diff-list li[data-kind="added"][data-element="police_review"]')).to_be_visible()
    expect(page.locator('#diff-left .djs-element[data-element-id="review"].tb-removed')).to_have_count(1)
    expect(page.locator('#diff-right .djs-element[data-element-id="police_review"].tb-added')).to_have_count(1)
    expect(page.locator('#diff-right .djs-element[data-element-id="accept"].tb-changed')).to_have_count(1)
    page.screenshot(path=str(SHOTS / "workbench-diff.png"), full_page=True)

    # Dry run: case by case, which can move and where its open task goes; nothing is moved yet.
    page.select_option("#mig-to", "2")
    page.click("#dry-run")
    movable = page.locator(f'#migration tr[data-case="{waiting_accept.id}"]')
    stuck = page.locator(f'#migration tr[data-case="{in_review.id}"]')
    expect(movable).to_contain_text("可以")
    expect(movable).to_contain_text("受理 → 窗口受理")
    expect(stuck).to_contain_text("不可以")
    expect(stuck).to_contain_text("新版本没有环节「审查并决定」")
    expect(page.locator("#mig-summary")).to_contain_text("其中 1 件可以迁到 v2")
    assert fake_api.migrations == []
    page.screenshot(path=str(SHOTS / "workbench-migration-dry-run.png"), full_page=True)

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#migrate")
    expect(movable).to_contain_text("已迁移")
    expect(stuck).to_contain_text("未迁移")
    assert fake_api.migrations == [("no_criminal_record", 2, [waiting_accept.id])]
