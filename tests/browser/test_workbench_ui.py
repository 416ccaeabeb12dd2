"""The analyst workbench in the browser (#13) on the real server: modeler with lint on the diagram,
drafts, trial runs, publish with a note, multi-file deploy, versions, visual diff and migration.
What the pages saved is read back through the API.
"""
import json
import re

import pytest
from playwright.sync_api import expect

from engine import Actor
from engine.models import Case

from .conftest import ROOT, SHOTS, login
from .workbench_api import call, draft_sources
from tests.window_data import FOOD_COMPLETE

pytestmark = pytest.mark.browser

COMPANY = {"kind": "org", "id_number": "91350100M000100Y43", "name": "福州某某餐饮有限公司"}
WINDOW = Actor("window", "clerk", frozenset({"综合受理窗口"}))
FIRE = "消防救援支队"


@pytest.fixture
def more_people(people):
    """The fire brigade's clerk (the department the analyst adds) and an admin who starts cases."""
    people.users.add("fireman", "clerk", groups=[FIRE], password="fireman", display_name="赵消防")
    people.users.add("boss", "admin", password="boss")
    return people


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


def test_analyst_adds_a_department_and_a_wait_saves_checks_tries_and_publishes(page, people, more_people):
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
    with page.expect_response(lambda r: "/api/v1/drafts/" in r.url and r.request.method == "PUT"):
        page.click("#save")  # "已保存" is already shown from the first save: wait for this one's answer
    expect(page.locator("#source")).to_contain_text("已保存")
    saved = draft_sources(page, "food_business_license")["food_business_license.bpmn"]
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
    accept_row = page.locator('#trial-tasks tr[data-element="accept"]')
    accept_row.locator("button").click()  # no acceptance decision: refused as for a case
    expect(page.locator("#flash")).to_contain_text("请选择受理")
    accept_row.locator("textarea.trial-extra").fill(json.dumps(FOOD_COMPLETE, ensure_ascii=False))
    accept_row.locator("button").click()
    expect(page.locator('#trial-tasks tr[data-element="review_market"]')).to_be_visible()
    expect(page.locator("#trial-vars")).to_contain_text('"acceptance": "accept"')
    expect(page.locator('#trial-tasks tr[data-element="review_health"]')).to_contain_text("从业人员健康审查意见")
    expect(page.locator("#trial-path")).to_contain_text("并行网关")  # unnamed elements by their kind
    expect(page.locator('#trial-canvas .djs-element[data-element-id="wait_fire"].tb-ready')).to_have_count(1)
    wait_row = page.locator('#trial-waits tr[data-element="wait_fire"]')  # the analyst plays the applicant
    expect(wait_row).to_contain_text("fire_materials_received")
    wait_row.locator("textarea").fill('{"fire_plan": "已补交"}')
    wait_row.locator("button").click()
    expect(page.locator('#trial-canvas .djs-element[data-element-id="wait_fire"].tb-done')).to_have_count(1)
    expect(page.locator('#trial-tasks tr[data-element="review_fire"]')).to_be_visible()
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
    people.tasks.complete(accept.id, WINDOW, FOOD_COMPLETE)
    people.runtime.send_message(case_id, "fire_materials_received", {"files": ["消防验收.pdf"]})
    login(page, "fireman")
    page.goto("/inbox")
    row = page.locator("#inbox tbody tr", has_text="消防审查")
    expect(row).to_be_visible()
    page.screenshot(path=str(SHOTS / "workbench-fire-inbox.png"), full_page=True)


def test_a_task_without_an_outgoing_flow_is_marked_and_cannot_be_published(page, people, more_people):
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
    versions = [d.version for d in people.repository.list(kind="bpmn", all_versions=True) if d.key == "no_criminal_record"]
    assert versions == [1]


def publish_second_version(page):
    """v2 of 无犯罪记录证明 published as the workbench does: 受理 renamed, the police review drawn anew
    under another id."""
    source = (ROOT / "processes" / "no_criminal_record.bpmn").read_text(encoding="utf-8")
    source = re.sub(r'(["\'>])review(["\'<])', r"\1police_review\2", source)
    source = source.replace('<bpmn:userTask id="accept" name="受理">', '<bpmn:userTask id="accept" name="窗口受理">')
    assert call(page, "PUT", "/drafts/no_criminal_record", files={"no_criminal_record.bpmn": source})["status"] == 200
    made = call(page, "POST", "/drafts/no_criminal_record/publish", json={"note": "公安审查改由新环节办理"})
    assert made["status"] == 201 and made["body"]["version"] == 2, made


def test_versions_diff_and_migration_dry_run_then_batch(page, people, more_people):
    waiting_accept = people.runtime.start("no_criminal_record", COMPANY, {"purpose_note": "求职"})
    in_review = people.runtime.start("no_criminal_record", COMPANY, {"purpose_note": "出国"})
    (task,) = people.tasks.for_case(in_review.id)
    people.tasks.complete(task.id, WINDOW, {"acceptance": "accept", "purpose": "employment"})
    login(page, "analyst")
    publish_second_version(page)
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
    expect(stuck).to_contain_text("当前环节「审查并决定」在目标版本中不存在")
    expect(page.locator("#mig-summary")).to_contain_text("其中 1 件可以迁到 v2")
    expect(movable.locator("input[name=move]")).to_be_checked()
    expect(stuck.locator("input[name=move]")).to_have_count(0)  # nothing to tick where a case cannot move
    assert set(running_versions(people, waiting_accept.id, in_review.id)) == {1}  # a dry run moves nothing
    page.screenshot(path=str(SHOTS / "workbench-migration-dry-run.png"), full_page=True)

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#migrate")
    expect(movable).to_contain_text("已迁移")
    expect(stuck).to_have_count(0)  # only the ticked cases were sent
    assert running_versions(people, waiting_accept.id, in_review.id) == [2, 1]


def running_versions(engine, *case_ids):
    from engine.models import Definition

    with engine.db.read() as session:
        return [session.get(Definition, session.get(Case, c).definition_id).version for c in case_ids]


FEE_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
    xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    id="defs_wb_fee" targetNamespace="http://tongban.example/bpmn">
  <bpmn:process id="wb_fee" name="收费核定" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:businessRuleTask id="rule" name="核定收费">
      <bpmn:extensionElements><spiffworkflow:calledDecisionId>wb_fee_rule</spiffworkflow:calledDecisionId></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:businessRuleTask>
    <bpmn:userTask id="confirm" name="确认收费">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="wb_fee_confirm" />
        <spiffworkflow:property name="candidateGroups" value="综合受理窗口" /></spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="rule"/>
    <bpmn:sequenceFlow id="f2" sourceRef="rule" targetRef="confirm"/>
    <bpmn:sequenceFlow id="f3" sourceRef="confirm" targetRef="end"/>
  </bpmn:process>
  <bpmndi:BPMNDiagram id="diagram">
    <bpmndi:BPMNPlane id="plane" bpmnElement="wb_fee">
      <bpmndi:BPMNShape id="start_di" bpmnElement="start"><dc:Bounds x="100" y="100" width="36" height="36"/></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="rule_di" bpmnElement="rule"><dc:Bounds x="190" y="78" width="100" height="80"/></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="confirm_di" bpmnElement="confirm"><dc:Bounds x="340" y="78" width="100" height="80"/></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="end_di" bpmnElement="end"><dc:Bounds x="490" y="100" width="36" height="36"/></bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="f1_di" bpmnElement="f1"><di:waypoint x="136" y="118"/><di:waypoint x="190" y="118"/></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="f2_di" bpmnElement="f2"><di:waypoint x="290" y="118"/><di:waypoint x="340" y="118"/></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="f3_di" bpmnElement="f3"><di:waypoint x="440" y="118"/><di:waypoint x="490" y="118"/></bpmndi:BPMNEdge>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""

FEE_DMN = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="wb_fee_definitions" name="收费规则"
    namespace="http://tongban.example/dmn">
  <decision id="wb_fee_rule" name="收费规则">
    <decisionTable id="wb_fee_table" hitPolicy="FIRST">
      <input id="in_area" label="面积"><inputExpression id="in_area_e" typeRef="number"><text>area</text></inputExpression></input>
      <input id="in_kind" label="类别"><inputExpression id="in_kind_e" typeRef="string"><text>kind</text></inputExpression></input>
      <output id="out_fee" label="收费" name="fee" typeRef="number" />
      <rule id="r_small"><description>小店</description>
        <inputEntry id="r_small_a"><text>&lt; 100</text></inputEntry><inputEntry id="r_small_k"><text>-</text></inputEntry>
        <outputEntry id="r_small_f"><text>50</text></outputEntry></rule>
      <rule id="r_mid"><description>中型餐饮或超市</description>
        <inputEntry id="r_mid_a"><text>[100..500]</text></inputEntry><inputEntry id="r_mid_k"><text>"餐饮","超市"</text></inputEntry>
        <outputEntry id="r_mid_f"><text>200</text></outputEntry></rule>
      <rule id="r_big"><description>其他</description>
        <inputEntry id="r_big_a"><text>-</text></inputEntry><inputEntry id="r_big_k"><text>not("餐饮")</text></inputEntry>
        <outputEntry id="r_big_f"><text>500</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>
"""

FEE_FORM = json.dumps({"type": "default", "id": "wb_fee_confirm", "schemaVersion": 16, "components": [
    {"type": "checkbox", "key": "confirmed", "label": "已确认收费", "id": "Field_confirmed"}]}, ensure_ascii=False)


def fee_files(tmp_path):
    paths = []
    for name, text in [("wb_fee.bpmn", FEE_BPMN), ("wb_fee_rule.dmn", FEE_DMN), ("wb_fee_confirm.form", FEE_FORM)]:
        (tmp_path / name).write_text(text, encoding="utf-8")
        paths.append(str(tmp_path / name))
    return paths


def test_workbench_lists_drafts_and_deploys_a_diagram_with_its_table_and_form_at_once(page, people, more_people, tmp_path):
    login(page, "window")  # a clerk is told, in Chinese, that the workbench is not theirs
    page.goto("/workbench")
    expect(page.locator("#flash")).to_contain_text("工作台只对流程分析员和管理员开放")
    page.goto("/login")
    login(page, "analyst")  # the analyst lands on a page that loads without a refusal
    page.wait_for_url(re.compile(r"/definitions$"))
    page.wait_for_load_state("networkidle")
    expect(page.locator("#definitions tbody tr").first).to_be_visible()
    expect(page.locator("#flash")).to_be_hidden()
    page.click("#nav a:has-text('工作台')")
    expect(page.locator('#processes tr[data-key="food_business_license"]')).to_contain_text("食品经营许可")
    expect(page.locator("#no-drafts")).to_be_visible()
    page.set_input_files("#deploy input[type=file]", fee_files(tmp_path))
    page.click("#deploy-check")
    expect(page.locator("#deploy-result #lint-ok")).to_be_visible()
    page.click("#deploy button[type=submit]")
    deployed = page.locator("#deployed li")
    expect(deployed).to_have_count(3)
    expect(page.locator('#deployed li[data-kind="dmn"]')).to_contain_text("收费规则（wb_fee_rule） v1")
    expect(page.locator('#processes tr[data-key="wb_fee"]')).to_contain_text("v1")
    case = people.runtime.start("wb_fee", COMPANY, {"area": 300, "kind": "餐饮"})
    with people.db.read() as session:
        assert session.get(Case, case.id).data["fee"] == 200  # the table deployed with it decided

    # A new process starts as a draft and opens in the modeler.
    page.fill("#new-process input[name=key]", "wb_new")
    page.fill("#new-process input[name=name]", "新事项")
    page.click("#new-process button")
    page.wait_for_url(re.compile(r"/workbench/modeler/wb_new$"))
    wait_modeler(page, "start")
    page.goto("/workbench")
    expect(page.locator('#drafts tr[data-key="wb_new"]')).to_contain_text("wb_new.bpmn")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator('#drafts tr[data-key="wb_new"] button').click()
    expect(page.locator("#no-drafts")).to_be_visible()
    assert call(page, "GET", "/drafts/wb_new")["status"] == 404
