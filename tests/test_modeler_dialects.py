"""Diagrams as Camunda Modeler, Flowable, Activiti and dmn-js draw them (tests/diagrams/conformance)."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from engine import Actor
from engine.clock import clock
from engine.errors import DefinitionInvalid, Forbidden, NotFound, ScriptError
from engine.models import Job
from engine.repository.service import kind_of
from engine.spiff import juel
from tests.conftest import diagram

APPLICANT = {"kind": "person", "id_number": "11010519491231002X", "name": "张三"}
MANAGER = Actor("manager_zhou", "clerk", frozenset({"部门经理"}))
CLERK = Actor("clerk_chen", "clerk", frozenset({"综合受理窗口"}))
DIRECTOR = Actor("director_li", "clerk", frozenset({"分管领导"}))
AUDITOR = Actor("auditor", "auditor")
HR = Actor("hr_sun", "clerk", frozenset({"人事处"}))


def deploy(engine, *names):
    return engine.repository.deploy([(n, diagram("conformance", n).read_bytes()) for n in names])


def ready(engine, case_id):
    return {t.element_id: t for t in engine.tasks.for_case(case_id)}


def ready_all(engine, case_id):
    return [t for t in engine.tasks.for_case(case_id)]


def trail(engine, case_id):
    return engine.history.trail(case_id)


# ---- JUEL ------------------------------------------------------------------

@pytest.mark.parametrize("text, python", [
    ("${approved}", "approved"),
    ("#{day > 3}", "day > 3"),
    ("${a.b eq 'x' && !empty c}", "a['b'] == 'x' and (not c in (None, '', [], {}))"),
    ("${x ne 1 or y lt 2}", "x != 1 or y < 2"),
    ("${nrOfCompletedInstances/nrOfInstances >= 0.5}", "nrOfCompletedInstances / nrOfInstances >= 0.5"),
    ("${not (a ge 3) ? 'low' : 'high'}", "'low' if not a >= 3 else 'high'"),
])
def test_juel_is_parsed_into_python(text, python):
    assert juel.is_juel(text)
    assert juel.to_python(text) == python


@pytest.mark.parametrize("text", ["${execution.getVariable('a')}", "${a +}", "${_secret}", "${bean.run()}"])
def test_juel_outside_the_subset_is_refused(text):
    with pytest.raises(juel.JuelError):
        juel.to_python(text)


def test_file_suffixes_of_other_modelers():
    assert kind_of("leave.bpmn20.xml") == "bpmn"
    assert kind_of("fee.dmn11.xml") == "dmn"


# ---- a Flowable 请假 flow ---------------------------------------------------

def test_flowable_leave_flow_runs_with_candidate_groups_and_juel_conditions(engine):
    deploy(engine, "flowable_leave.bpmn20.xml")
    case = engine.runtime.start("leave_request", APPLICANT, {"days": 5, "hr": {"clerk": "hr_sun"}})
    # The id-less flow from the start event is read: the case waits at the manager, not "completed".
    assert case.status == "running"
    approve = ready(engine, case.id)["managerApprove"]
    assert [(c.kind, c.name) for c in approve.candidates] == [("group", "部门经理")]
    assert engine.tasks.inbox(MANAGER)[1] == 1
    # A clerk outside the drawn group sees nothing and may not complete it.
    assert engine.tasks.inbox(CLERK) == ([], 0)
    with pytest.raises((Forbidden, NotFound)):
        engine.tasks.complete(approve.id, CLERK, {"approved": True})
    engine.tasks.complete(approve.id, MANAGER, {"approved": True})
    director = ready(engine, case.id)["directorApprove"]   # #{approved && days gt 3}
    assert sorted(c.name for c in director.candidates) == ["director_li", "director_wang"]
    assert engine.tasks.inbox(DIRECTOR)[1] == 1
    with pytest.raises((Forbidden, NotFound)):
        engine.tasks.complete(director.id, MANAGER, {})
    engine.tasks.complete(director.id, DIRECTOR, {})
    record = ready(engine, case.id)["hrRecord"]           # flowable:assignee="${hr.clerk}"
    assert record.assignee == "hr_sun"
    assert engine.tasks.inbox(HR)[1] == 1
    engine.tasks.complete(record.id, HR, {})
    assert engine.runtime.get(case.id, HR).status == "completed"


def test_flowable_leave_rejected_by_the_negated_condition(engine):
    deploy(engine, "flowable_leave.bpmn20.xml")
    case = engine.runtime.start("leave_request", APPLICANT, {"days": 1, "hr": {"clerk": "hr_sun"}})
    engine.tasks.complete(ready(engine, case.id)["managerApprove"].id, MANAGER, {"approved": False})
    assert engine.runtime.get(case.id, MANAGER).status == "completed"
    assert "rejectedEnd" in [e.element_id for e in trail(engine, case.id)]


# ---- an Activiti 会签 -------------------------------------------------------

def test_activiti_countersign_collection_assignee_and_completion_condition(engine):
    deploy(engine, "activiti_countersign.bpmn20.xml")
    case = engine.runtime.start("countersign", APPLICANT, {"signers": ["wang", "li", "zhang", "zhao"]})
    tasks = ready_all(engine, case.id)
    assert sorted(t.assignee for t in tasks) == ["li", "wang", "zhang", "zhao"]
    signers = {t.assignee: t for t in tasks}
    with pytest.raises((Forbidden, NotFound)):
        engine.tasks.complete(signers["wang"].id, Actor("li", "clerk"), {})
    engine.tasks.complete(signers["wang"].id, Actor("wang", "clerk"), {})
    assert len(ready_all(engine, case.id)) == 3
    engine.tasks.complete(signers["li"].id, Actor("li", "clerk"), {})
    # 2 of 4 signed: nrOfCompletedInstances/nrOfInstances >= 0.5 ends the countersign.
    [archive] = ready_all(engine, case.id)
    assert archive.element_id == "archive"
    assert sorted((c.kind, c.name) for c in archive.candidates) == [("group", "档案室"), ("user", "zhao")]
    assert engine.tasks.inbox(Actor("zhao", "clerk"))[1] == 1
    assert engine.tasks.inbox(Actor("qian", "clerk", frozenset({"档案室"})))[1] == 1
    assert engine.tasks.inbox(CLERK)[1] == 0


def test_countersign_without_its_collection_is_a_clear_error_naming_the_element(engine):
    deploy(engine, "activiti_countersign.bpmn20.xml")
    with pytest.raises(ScriptError) as err:
        engine.runtime.start("countersign", APPLICANT, {})
    assert "联合会签" in err.value.message


# ---- refused at deploy ------------------------------------------------------

def test_what_cannot_run_is_refused_with_element_and_alternative(engine):
    with pytest.raises(DefinitionInvalid) as err:
        deploy(engine, "camunda_unrunnable.bpmn")
    problems = {p["element"]: p for p in err.value.details["problems"]}
    assert set(problems) == {"Java_Task", "Delegate_Task", "External_Task", "Connector_Task", "Groovy_Task",
                             "Cron_Wait", "Expression_Task", "End_1"}
    assert problems["Java_Task"]["name"] == "调用核心系统" and "Java" in problems["Java_Task"]["reason"]
    assert "groovy" in problems["Groovy_Task"]["reason"] and "Python" in problems["Groovy_Task"]["instead"]
    assert "cron" in problems["Cron_Wait"]["reason"] and "R3/PT24H" in problems["Cron_Wait"]["instead"]
    assert "Error_Undeclared" in problems["End_1"]["reason"]
    assert all(p.get("instead") for p in problems.values())
    assert "Traceback" not in err.value.message and "TypeError" not in err.value.message


def test_undeclared_message_ref_is_named_not_a_type_error(engine):
    source = diagram("conformance", "camunda_event_gateway.bpmn").read_text().replace(
        '<bpmn:message id="Message_Supplement" name="补正材料"/>', "")
    with pytest.raises(DefinitionInvalid) as err:
        engine.repository.deploy([("gw.bpmn", source)])
    assert "Message_Supplement" in err.value.message and "Catch_Supplement" in err.value.message


def test_a_call_activity_calling_its_own_process_is_refused(engine):
    with pytest.raises(DefinitionInvalid) as err:
        deploy(engine, "camunda_recursive.bpmn")
    assert err.value.details["problems"][0]["element"] == "Call_Self"


def test_mixed_text_and_juel_is_refused_not_a_python_syntax_error(engine):
    source = diagram("conformance", "flowable_leave.bpmn20.xml").read_text().replace(
        "${!approved}", "${a} and ${b}")
    with pytest.raises(DefinitionInvalid) as err:
        engine.repository.deploy([("leave.bpmn20.xml", source)])
    assert "单个" in err.value.message


# ---- event-based gateway, send task ----------------------------------------

def test_event_based_gateway_waits_on_its_message_and_its_timer(engine):
    deploy(engine, "camunda_event_gateway.bpmn")
    case = engine.runtime.start("await_supplement", APPLICANT, {"note": "缺身份证复印件"})
    sent = [e for e in trail(engine, case.id) if e.type == "message_sent"]
    assert sent and sent[0].data["name"] == "补正通知" and sent[0].data["payload"]["note"] == "缺身份证复印件"
    with engine.db.read() as s:
        assert s.scalars(sa.select(Job.element_id).where(Job.case_id == case.id)).all() == ["Gateway_Wait"]
    engine.runtime.send_message(case.id, "补正材料", {"supplement": "已补交"})
    review = ready(engine, case.id)["Review"]
    assert review.name == "审查补正材料"
    with engine.db.read() as s:
        assert s.scalars(sa.select(Job).where(Job.case_id == case.id)).all() == []


def test_event_based_gateway_timer_fires(engine):
    deploy(engine, "camunda_event_gateway.bpmn")
    case = engine.runtime.start("await_supplement", APPLICANT, {})
    clock.travel(timedelta(days=6))
    engine.management.run_due_jobs()
    assert engine.runtime.get(case.id, AUDITOR).status == "completed"
    assert "End_Timeout" in [e.element_id for e in trail(engine, case.id)]


# ---- DMN as dmn-js / Camunda draw it ----------------------------------------

def test_camunda_decision_ref_and_dmn11_with_id_less_inputs(engine):
    deploy(engine, "fee_rule.dmn11.xml", "camunda_fee.bpmn")
    big = engine.runtime.start("fee_process", APPLICANT, {"area": 150})
    small = engine.runtime.start("fee_process", APPLICANT, {"area": 20})
    assert big.data["fee"] == 500 and small.data["fee"] == 200
    assert big.data["feeResult"] == 500                 # camunda:resultVariable, mapDecisionResult="singleEntry"


# ---- event sub-processes ----------------------------------------------------

def test_interrupting_event_subprocess_cancels_its_scope_and_a_non_interrupting_one_does_not(engine):
    deploy(engine, "camunda_withdraw.bpmn")
    case = engine.runtime.start("withdrawable", APPLICANT, {})
    engine.runtime.send_message(case.id, "催办", {})
    assert sorted(ready(engine, case.id)) == ["Note_Urge", "Review"]      # non-interrupting: beside
    engine.runtime.send_message(case.id, "撤回", {"reason": "不再需要"})
    assert sorted(ready(engine, case.id)) == ["Record_Withdraw"]          # interrupting: the rest cancelled
    cancelled = [e.element_id for e in trail(engine, case.id) if e.type == "task_cancelled"]
    assert sorted(cancelled) == ["Note_Urge", "Review"]
    engine.tasks.complete(ready(engine, case.id)["Record_Withdraw"].id, Actor("admin", "admin"), {})
    assert engine.runtime.get(case.id, AUDITOR).status == "completed"


def test_fields_named_like_helpers_work_in_juel_and_rules(engine):
    source = diagram("conformance", "flowable_leave.bpmn20.xml").read_text().replace(
        "#{approved && days gt 3}", "${approved && sum > 3}").replace(
        "${approved and days <= 3}", "${approved and sum le 3}")
    engine.repository.deploy([("leave.bpmn20.xml", source)])
    case = engine.runtime.start("leave_request", APPLICANT, {"sum": 5, "type": "年假", "hr": {"clerk": "hr_sun"}})
    engine.tasks.complete(ready(engine, case.id)["managerApprove"].id, MANAGER, {"approved": True})
    assert "directorApprove" in ready(engine, case.id)


# ---- FEEL decision tables as dmn-js writes them --------------------------------

@pytest.mark.parametrize("cell, value, hit", [
    ('"本科","硕士"', "硕士", True), ('"本科","硕士"', "博士", False),
    ("[18..35]", 18, True), ("[18..35]", 35, True), ("(18..35]", 18, False), ("]1..5[", 5, False),
    ("< 18", 17, True), (">= 60", 59, False), ("!= \"A\"", "B", True),
    ('not("A", "B")', "C", True), ('not("A", "B")', "A", False), ("-", "anything", True),
    ('>= date("2024-01-01")', "2024-06-30", True), ('< date("2024-01-01")', "2024-06-30", False),
    ("true", True, True), ("false", True, False), ("null", None, True), ("< 18", "text", False),
    ("limit", 7, True), ("[1..limit]", 8, False),
])
def test_feel_unary_tests(cell, value, hit):
    from engine.spiff import feel
    assert feel.matches(feel.parse_tests(cell), value, {"limit": 7}) is hit


@pytest.mark.parametrize("cell", ["False", "2025 <= ? <= 2026", "x == 1", "'single'", "len(x) > 3"])
def test_python_cells_are_not_read_as_feel(cell):
    from engine.spiff import feel
    with pytest.raises(feel.FeelError):
        feel.parse_tests(cell)


def subsidy(engine, **data):
    case = engine.runtime.start("subsidy_process", APPLICANT, {"base": 1000, "items": "加急", "graduated": "2024-07-01",
                                                               **data})
    return case


def test_dmnjs_table_with_feel_cells_unique_and_collect_sum(engine):
    deploy(engine, "dmnjs_subsidy.dmn", "camunda_subsidy.bpmn")
    doctor = subsidy(engine, degree="博士", age=40)
    assert (doctor.data["amount"], doctor.data["note"]) == (3000, "博士补贴")
    assert doctor.data["fee"] == 75                      # COLLECT SUM: 10 + 50 + 15
    bachelor = subsidy(engine, degree="本科", age=30, items="邮寄")
    assert (bachelor.data["amount"], bachelor.data["fee"]) == (1000, 25)
    other = subsidy(engine, degree="大专", age=30)
    assert other.data["amount"] == 0 and other.data["note"] is None
    rules = [e for e in trail(engine, doctor.id) if e.type == "rule_evaluated"]
    rows = [[m["row"] for m in r.data["matched"]] for r in rules]
    assert rows[0] == [1] and rows[1] == [1, 2, 3]


def test_unique_violation_is_reported_naming_the_rule_task(engine):
    deploy(engine, "dmnjs_subsidy.dmn", "camunda_subsidy.bpmn")
    with pytest.raises(ScriptError) as err:
        subsidy(engine, degree="硕士", age=25)             # rows 2 and 4 both match
    assert "核定补贴" in err.value.message and "UNIQUE" in err.value.message


@pytest.mark.parametrize("policy, expected", [
    ("FIRST", 1000), ("PRIORITY", 1000), ("RULE ORDER", [1000, 1500]), ("OUTPUT ORDER", [1000, 1500]),
    ("COLLECT", [1000, 1500]), ("ANY", None),
])
def test_hit_policies(engine, policy, expected):
    source = diagram("conformance", "dmnjs_subsidy.dmn").read_text().replace(
        'id="DecisionTable_1" hitPolicy="UNIQUE"', f'id="DecisionTable_1" hitPolicy="{policy}"')
    # A 硕士 aged 25 matches rows 2 (base) and 4 (base + 500), whose outputs differ.
    engine.repository.deploy([("subsidy.dmn", source),
                              ("p.bpmn", diagram("conformance", "camunda_subsidy.bpmn").read_bytes())])
    data = {"base": 1000, "items": "-", "graduated": "2024-07-01", "degree": "硕士", "age": 25}
    if expected is None:
        with pytest.raises(ScriptError):
            engine.runtime.start("subsidy_process", APPLICANT, data)
        return
    case = engine.runtime.start("subsidy_process", APPLICANT, data)
    assert case.data["amount"] == expected


def test_unknown_hit_policy_and_bkm_are_refused_clearly(engine):
    source = diagram("conformance", "dmnjs_subsidy.dmn").read_text()
    bkm = source.replace('<decision id="fees" name="各项收费合计">',
                         '<decision id="fees" name="各项收费合计"><knowledgeRequirement id="kr1">'
                         '<requiredKnowledge href="#bkm"/></knowledgeRequirement>')
    with pytest.raises(DefinitionInvalid) as err:
        engine.repository.deploy([("bkm.dmn", bkm)])
    assert err.value.details["problems"][0]["element"] == "fees"
    bad = source.replace('hitPolicy="UNIQUE"', 'hitPolicy="SOMETIMES"')
    with pytest.raises(DefinitionInvalid):
        engine.repository.deploy([("bad.dmn", bad)])


@pytest.mark.parametrize("score, mode", [(90, "秒批"), (60, "人工审查")])
def test_drg_decision_requiring_another_evaluates_it_first(engine, score, mode):
    deploy(engine, "dmnjs_drg.dmn", "camunda_drg.bpmn")
    case = engine.runtime.start("drg_process", APPLICANT, {"score": score})
    assert case.data["mode"] == mode
    assert "level" not in case.data and "风险等级" not in case.data   # required outputs stay inside the rule


def test_drg_cycle_is_refused(engine):
    source = diagram("conformance", "dmnjs_drg.dmn").read_text().replace(
        '<decision id="risk_level" name="风险等级">',
        '<decision id="risk_level" name="风险等级"><informationRequirement id="ir2">'
        '<requiredDecision href="#approval_mode"/></informationRequirement>')
    with pytest.raises(DefinitionInvalid) as err:
        engine.repository.deploy([("drg.dmn", source),
                                  ("p.bpmn", diagram("conformance", "camunda_drg.bpmn").read_bytes())])
    assert "循环" in err.value.message


# ---- messages thrown by one case, caught by another ---------------------------

def test_correlated_message_goes_to_the_waiting_case_it_names_and_nowhere_else(engine):
    deploy(engine, "spiff_consult_correlated.bpmn")
    first = engine.runtime.start("consult", APPLICANT, {"role": "receiver", "application_no": "A-1"})
    second = engine.runtime.start("consult", APPLICANT, {"role": "receiver", "application_no": "A-2"})
    asked = [e for e in trail(engine, second.id) if e.type == "message_sent"]
    assert asked[0].data["name"] == "会商请求" and asked[0].data["payload"] == {"application_no": "A-2"}
    sender = engine.runtime.start("consult", APPLICANT, {"role": "sender", "application_no": "A-2", "opinion": "同意"})
    assert engine.runtime.get(sender.id, AUDITOR).status == "completed"
    assert "message_sent" in [e.type for e in trail(engine, sender.id)]   # webhook subscribers see it too
    assert list(ready(engine, second.id)) == ["Record"]
    got = [e for e in trail(engine, second.id) if e.type == "message_received"]
    assert got[0].data["payload"]["opinion"] == "同意" and got[0].data["from_case"] == sender.number
    assert ready(engine, first.id) == {}                                 # A-1 still waits
    assert engine.runtime.get(second.id, AUDITOR).data["opinion"] == "同意"


def test_an_element_named_like_an_engine_task_is_refused_at_deploy(engine):
    source = diagram("conformance", "camunda_recursive.bpmn").read_text().replace(
        'calledElement="calls_itself"', 'calledElement="elsewhere"').replace("StartEvent_1", "Start")
    with pytest.raises(DefinitionInvalid) as err:
        engine.repository.deploy([("start.bpmn", source)])
    assert err.value.details["problems"][0]["element"] == "Start"


def test_completing_a_multi_instance_task_without_its_output_item_is_a_4xx_naming_it(engine):
    deploy(engine, "bpmnio_opinions.bpmn")
    case = engine.runtime.start("opinions", APPLICANT, {"departments": ["公安局", "民政局"]})
    first = ready_all(engine, case.id)[0]
    admin = Actor("admin", "admin")
    with pytest.raises(ScriptError) as err:
        engine.tasks.complete(first.id, admin, {"note": "没有写 opinion"})
    assert "各部门出具意见" in err.value.message
    assert len(ready_all(engine, case.id)) == 2                       # nothing changed
    engine.tasks.complete(first.id, admin, {"opinion": "同意"})
    assert len(ready_all(engine, case.id)) == 1


def test_camunda8_feel_conditions_after_equals_sign(engine):
    source = diagram("conformance", "flowable_leave.bpmn20.xml").read_text().replace(
        "#{approved && days gt 3}", "=approved and days > 3").replace(
        "${!approved}", "=not(approved)").replace("${approved and days <= 3}", '=approved = true and days <= 3')
    engine.repository.deploy([("leave.bpmn", source)])
    long = engine.runtime.start("leave_request", APPLICANT, {"days": 5, "hr": {"clerk": "hr_sun"}})
    engine.tasks.complete(ready(engine, long.id)["managerApprove"].id, MANAGER, {"approved": True})
    assert "directorApprove" in ready(engine, long.id)
    short = engine.runtime.start("leave_request", APPLICANT, {"days": 2, "hr": {"clerk": "hr_sun"}})
    engine.tasks.complete(ready(engine, short.id)["managerApprove"].id, MANAGER, {"approved": True})
    assert "hrRecord" in ready(engine, short.id)


def test_descriptive_diagrams_are_told_they_are_not_executable(engine):
    source = diagram("conformance", "camunda_unrunnable.bpmn").read_text().replace(
        'isExecutable="true"', 'isExecutable="false"')
    with pytest.raises(DefinitionInvalid) as err:
        engine.repository.deploy([("d.bpmn", source)])
    assert "isExecutable" in err.value.message
