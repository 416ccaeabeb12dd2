"""Drafts, sandbox trials, versions with notes, and migration of running cases (#13b)."""
import pytest
import sqlalchemy as sa

from engine import Actor
from engine.errors import InvalidInput, NotFound, ScriptError
from engine.models import Case, CaseEvent, Definition, HumanTask
from engine.repository.lint import LintFailed

from .conftest import diagram

LINT = diagram("lint")
ANALYST = Actor("analyst", "analyst")
ADMIN = Actor("admin", "admin")
APPLICANT = {"kind": "person", "id_number": "11010519491231002X", "name": "张三"}
FORMS = ["lint_decide.form", "lint_apply.form"]


def files(name, *extra):
    return [(n, (LINT / n).read_bytes()) for n in [name, *FORMS, *extra]]


def counts(engine):
    with engine.db.read() as session:
        return {t.__tablename__: session.scalar(sa.select(sa.func.count()).select_from(t))
                for t in (Case, CaseEvent, HumanTask, Definition)}


def test_draft_saved_with_problems_tried_and_published_with_a_note(engine):
    engine.users.add("analyst", "analyst", display_name="王分析")
    before = counts(engine)
    saved = engine.workbench.save_draft("lint_condition", files("condition_typo_bad.bpmn"), ANALYST)
    assert saved["ok"] is False and saved["updated_by"] == "王分析"
    assert any(p["code"] == "unknown_variable" for p in saved["problems"])
    with pytest.raises(LintFailed):
        engine.workbench.publish("lint_condition", "首版", ANALYST)
    saved = engine.workbench.save_draft("lint_condition", files("condition_typo_good.bpmn"), ANALYST)
    assert saved["ok"] is True and saved["name"] == "条件检查"
    assert [d["key"] for d in engine.workbench.drafts()] == ["lint_condition"]
    assert engine.workbench.draft("lint_condition")["sources"]["condition_typo_good.bpmn"].startswith("<?xml")

    trial = engine.workbench.start_trial("lint_condition", {"applicant_name": "张三"}, ANALYST)
    assert trial["active"] == ["decide"] and trial["finished"] is False and trial["error"] is None
    assert trial["tasks"][0]["form"] == "lint_decide" and trial["completed"][:1] == ["start"]
    task_id = trial["tasks"][0]["id"]
    with pytest.raises(InvalidInput):   # the draft's own form checks the data
        engine.workbench.complete_trial_task(trial["id"], task_id, {"decision": "maybe"}, ANALYST)
    trial = engine.workbench.complete_trial_task(trial["id"], task_id, {"decision": "approve"}, ANALYST)
    assert trial["finished"] is True and trial["completed"][-2:] == ["gw", "end_yes"]
    assert trial["data"]["decision"] == "approve"
    assert engine.workbench.trial(trial["id"]) == trial
    assert counts(engine) == before          # nothing in cases, tasks, trail or definitions

    with pytest.raises(InvalidInput):
        engine.workbench.publish("lint_condition", "  ", ANALYST)
    deployed, _ = engine.workbench.publish("lint_condition", "首版：决定后分流", ANALYST)
    assert any(d.key == "lint_condition" and d.version == 1 for d in deployed)
    (version,) = engine.workbench.versions("lint_condition")
    assert version["note"] == "首版：决定后分流" and version["deployed_by"] == "王分析"
    assert version["running_cases"] == 0
    engine.workbench.delete_draft("lint_condition", ANALYST)
    assert engine.workbench.drafts() == []


def test_a_trial_reports_a_broken_condition_and_stays_where_it_was(engine):
    engine.workbench.save_draft("lint_condition", files("condition_unknown_warning.bpmn"), ANALYST)
    trial = engine.workbench.start_trial("lint_condition", {}, ANALYST)
    after = engine.workbench.complete_trial_task(trial["id"], trial["tasks"][0]["id"], {"decision": "approve"},
                                                 ANALYST)
    assert "urgent" in after["error"] and "NameError" not in after["error"]
    assert after["active"] == ["decide"] and after["completed"] == trial["completed"]


def test_draft_key_must_be_a_process_of_the_draft(engine):
    with pytest.raises(InvalidInput):
        engine.workbench.save_draft("other_key", files("condition_typo_good.bpmn"), ANALYST)


def start(engine, key="lint_condition", data=None):
    return engine.runtime.start(key, APPLICANT, data or {}, ADMIN)


def open_task(engine, case):
    return next(t for t in engine.tasks.for_case(case.id) if t.state == "READY")


def test_a_case_stuck_on_a_broken_version_moves_to_the_fixed_one_and_finishes(engine):
    # v1 was deployed with lint's warning ignored: its condition reads a variable no case has.
    engine.repository.deploy(files("condition_unknown_warning.bpmn"))
    stuck = start(engine)
    with pytest.raises(ScriptError) as caught:
        engine.tasks.complete(open_task(engine, stuck).id, ADMIN, {"decision": "approve"})
    assert "urgent" in caught.value.message
    other = start(engine)
    engine.repository.deploy_checked(files("condition_typo_good.bpmn"), deployed_by="analyst", note="修正条件")
    # v3 renames the decision step: a case waiting there cannot follow.
    source = (LINT / "condition_typo_good.bpmn").read_text().replace('"decide"', '"decide_new"')
    engine.repository.deploy([("v3.bpmn", source), *files("condition_typo_good.bpmn")[1:]])

    assert [v["running_cases"] for v in engine.workbench.versions("lint_condition")] == [0, 0, 2]
    no = engine.workbench.migrate("lint_condition", 3, ANALYST, dry_run=True)
    assert [(i["movable"], i["moved"]) for i in no["items"]] == [(False, False), (False, False)]
    assert "「决定」在目标版本中不存在" in no["items"][0]["reason"]

    dry = engine.workbench.migrate("lint_condition", 2, ANALYST, cases=[stuck.id], dry_run=True)
    (item,) = dry["items"]
    assert item["movable"] and not item["moved"] and item["from_version"] == 1 and item["number"] == stuck.number
    assert item["tasks"] == [{"from": "decide", "from_name": "决定", "to": "decide", "to_name": "决定"}]
    assert [v["running_cases"] for v in engine.workbench.versions("lint_condition")] == [0, 0, 2]  # dry: nothing

    done = engine.workbench.migrate("lint_condition", 2, ANALYST, cases=[stuck.id], dry_run=False)
    assert done["items"][0]["moved"] is True
    assert [v["running_cases"] for v in engine.workbench.versions("lint_condition")] == [0, 1, 1]
    trail = engine.history.trail(stuck.id)
    moved = [e for e in trail if e.type == "definition_migrated"]
    assert len(moved) == 1 and moved[0].actor == "analyst"
    assert moved[0].data["from_version"] == 1 and moved[0].data["to_version"] == 2

    engine.tasks.complete(open_task(engine, stuck).id, ADMIN, {"decision": "approve"})
    with engine.db.read() as session:
        assert session.get(Case, stuck.id).status == "completed"
        assert session.get(Case, other.id).status == "running"    # not chosen: untouched
    assert engine.history.replay(stuck.id).ok, engine.history.replay(stuck.id).describe()


def test_trial_sample_data_passes_the_start_form(engine):
    from engine.errors import FormInvalid

    engine.workbench.save_draft("lint_condition", files("condition_typo_good.bpmn"), ANALYST)
    with pytest.raises(FormInvalid):
        engine.workbench.start_trial("lint_condition", {"not_a_field": 1}, ANALYST)
    assert engine.workbench.start_trial("lint_condition", {"applicant_name": "李四"}, ANALYST)["active"] == ["decide"]


def test_a_trial_shows_what_waits_for_a_message_or_a_timer(engine):
    engine.workbench.save_draft("lint_wait", [("deadline_good.bpmn", (LINT / "deadline_good.bpmn").read_bytes())],
                                ANALYST)
    trial = engine.workbench.start_trial("lint_wait", {}, ANALYST)
    assert trial["waiting"] == ["deadline", "wait_supplement"] and trial["active"] == [] and not trial["finished"]


@pytest.mark.parametrize("arrives, path", [("wait_supplement", ["wait_supplement", "end"]),
                                           ("deadline", ["deadline", "end_overdue"])])
def test_the_analyst_plays_the_message_or_the_deadline_in_a_trial(engine, arrives, path):
    engine.workbench.save_draft("lint_wait", [("deadline_good.bpmn", (LINT / "deadline_good.bpmn").read_bytes())],
                                ANALYST)
    trial = engine.workbench.start_trial("lint_wait", {}, ANALYST)
    assert {w["element_id"]: (w["kind"], w["message"]) for w in trial["waits"]} == {
        "wait_supplement": ("message", "supplement_received"), "deadline": ("timer", None)}
    trial = engine.workbench.arrive_in_trial(trial["id"], arrives, {"supplied": ["健康证明"]}, ANALYST)
    assert trial["finished"] and trial["completed"][-2:] == path and trial["error"] is None
    if arrives == "wait_supplement":
        assert trial["data"]["supplied"] == ["健康证明"]
    with pytest.raises(NotFound):  # nothing waits any more
        engine.workbench.arrive_in_trial(trial["id"], arrives, {}, ANALYST)


SUB = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="Defs_sub"
                  targetNamespace="http://tongban.example/test">
  <bpmn:process id="sub_review" name="子流程审查" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review"/>
    <bpmn:subProcess id="review" name="部门审查">
      <bpmn:startEvent id="sub_start"/>
      <bpmn:sequenceFlow id="s1" sourceRef="sub_start" targetRef="check"/>
      <bpmn:userTask id="check" name="初审"/>
      {inner}
      <bpmn:endEvent id="sub_end"/>
    </bpmn:subProcess>
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="decide"/>
    <bpmn:userTask id="decide" name="决定"/>
    <bpmn:sequenceFlow id="f3" sourceRef="decide" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>"""
V1 = '<bpmn:sequenceFlow id="s2" sourceRef="check" targetRef="sub_end"/>'
V2 = ('<bpmn:sequenceFlow id="s2" sourceRef="check" targetRef="recheck"/><bpmn:userTask id="recheck" name="复核"/>'
      '<bpmn:sequenceFlow id="s3" sourceRef="recheck" targetRef="sub_end"/>')


def test_a_case_inside_a_subprocess_moves_onto_the_new_drawing_of_it(engine):
    engine.repository.deploy([("sub_review.bpmn", SUB.format(inner=V1))])
    waiting = start(engine, "sub_review")
    assert open_task(engine, waiting).element_id == "check"
    engine.repository.deploy([("sub_review.bpmn", SUB.format(inner=V2))])
    dry = engine.workbench.migrate("sub_review", 2, ANALYST, dry_run=True)
    assert [(i["movable"], i["tasks"]) for i in dry["items"]] == [
        (True, [{"from": "review", "from_name": "部门审查", "to": "review", "to_name": "部门审查"},
                {"from": "check", "from_name": "初审", "to": "check", "to_name": "初审"}])]
    assert engine.workbench.migrate("sub_review", 2, ANALYST, dry_run=False)["items"][0]["moved"] is True
    steps = []
    while (task := next((t for t in engine.tasks.for_case(waiting.id) if t.state == "READY"), None)) is not None:
        steps.append(task.element_id)
        engine.tasks.complete(task.id, ADMIN, {})
    assert steps == ["check", "recheck", "decide"]            # the step v2 added inside the subprocess
    assert engine.history.replay(waiting.id).ok, engine.history.replay(waiting.id).describe()

    # A version without the subprocess cannot take a case that is inside it, and says which one.
    engine.repository.deploy([("sub_review.bpmn", SUB.format(inner=V1).replace('id="review"', 'id="review2"')
                               .replace('targetRef="review"', 'targetRef="review2"')
                               .replace('sourceRef="review"', 'sourceRef="review2"'))])
    other = start(engine, "sub_review")
    engine.repository.deploy([("sub_review.bpmn", SUB.format(inner=V1))])
    (item,) = engine.workbench.migrate("sub_review", 4, ANALYST, cases=[other.id], dry_run=True)["items"]
    assert item["movable"] is False and "部门审查" in item["reason"]
