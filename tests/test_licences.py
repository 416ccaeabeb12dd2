"""E-licences: a diagram's service task issues one; a later case reuses it as a material;
revocation is audited; the replay of an issuing case still agrees with its trail."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from engine import Actor
from engine.errors import Conflict, DefinitionInvalid, Forbidden, InvalidInput
from engine.models import Licence, LicenceSequence

from .conftest import ROOT

ADMIN = Actor("admin", "admin")
OPERATOR = {"kind": "person", "id_number": "440301198503151232", "name": "陈小餐"}
OTHER = {"kind": "person", "id_number": "11010519491231002X", "name": "张三"}
SHOP = {"business_name": "陈记肠粉店", "organisation_form": "individual", "business_scope": "小型餐饮（热食类）",
        "premises": "深圳市福田区某路1号", "capital": 10}


def clerk(group):
    return Actor(f"clerk-{group}", "clerk", frozenset({group}))


def work(engine, case_id, element, data):
    task = {t.element_id: t for t in engine.tasks.for_case(case_id)}[element]
    return engine.tasks.complete(task.id, clerk(task.lane), data)


def register_shop(engine, who=OPERATOR, decision="approve"):
    case = engine.runtime.start("individual_business_registration", who, SHOP)
    work(engine, case.id, "accept", {"acceptance": "accept"})
    work(engine, case.id, "review", {"decision": decision})
    return case


def test_the_diagram_issues_a_licence_to_the_applicant(deployed):
    case = register_shop(deployed)
    [licence] = deployed.licences.of_case(case.id)["issued"]
    assert licence.type == "营业执照" and licence.name == "营业执照（个体工商户）"
    assert licence.holder_id_number == OPERATOR["id_number"] and licence.holder_name == "陈小餐"
    assert licence.status == "valid" and licence.valid_until is None  # valid_years = 0: 长期
    assert licence.number.startswith("GT4403") and licence.number.endswith("000001")
    trail = deployed.history.trail(case.id)
    issued = [e for e in trail if e.type == "licence_issued"]
    assert len(issued) == 1 and issued[0].data["number"] == licence.number
    assert deployed.runtime.get(case.id, ADMIN).data["licence"]["number"] == licence.number  # the result variable
    # A second registration gets the next number; a rejected one none.
    second = register_shop(deployed, OTHER)
    assert deployed.licences.of_case(second.id)["issued"][0].number.endswith("000002")
    rejected = register_shop(deployed, OTHER, decision="reject")
    assert deployed.licences.of_case(rejected.id)["issued"] == []
    # The replay re-runs the path without issuing again, and agrees with the trail.
    assert deployed.history.replay(case.id).ok
    with deployed.db.read() as s:
        assert s.query(Licence).count() == 2


def test_a_held_licence_is_attached_at_start_and_not_asked_for(deployed):
    before = deployed.runtime.start("food_business_license", OPERATOR)
    assert deployed.licences.of_case(before.id)["reused"] == []
    case = register_shop(deployed)
    [licence] = deployed.licences.of_case(case.id)["issued"]
    food = deployed.runtime.start("food_business_license", OPERATOR)
    [reused] = deployed.licences.of_case(food.id)["reused"]
    assert reused["material"] == "营业执照" and reused["licence"].number == licence.number
    event = next(e for e in deployed.history.trail(food.id) if e.type == "licence_reused")
    assert event.data["materials"][0]["number"] == licence.number
    assert deployed.history.replay(food.id).ok and deployed.history.verify(food.id).intact
    # The window's acceptance checklist names it, so the clerk need not ask for the paper.
    accept = {t.element_id: t for t in deployed.tasks.for_case(food.id)}["accept"]
    assert deployed.window.task_role(accept)["licences"] == {"营业执照": licence.number}
    # Somebody else holds no licence: nothing attached.
    other = deployed.runtime.start("food_business_license", OTHER)
    assert deployed.licences.of_case(other.id)["reused"] == []


def test_revocation_needs_an_admin_and_a_reason_and_is_audited(deployed):
    case = register_shop(deployed)
    [licence] = deployed.licences.of_case(case.id)["issued"]
    with pytest.raises(InvalidInput):
        deployed.licences.revoke(licence.id, "  ", ADMIN)
    with pytest.raises(Forbidden):
        deployed.licences.revoke(licence.id, "吊销", clerk("综合受理窗口"))
    deployed.licences.revoke(licence.id, "提交虚假材料取得登记，依法撤销", ADMIN)
    with pytest.raises(Conflict):
        deployed.licences.revoke(licence.id, "再次撤销", ADMIN)
    revoked = deployed.licences.get(licence.id)
    assert revoked.status == "revoked" and revoked.revoked_by == "admin"
    event = [e for e in deployed.history.trail(case.id) if e.type == "licence_revoked"][-1]
    assert event.actor == "admin" and event.data["reason"] == "提交虚假材料取得登记，依法撤销"
    assert deployed.history.verify(case.id).intact
    assert deployed.history.replay(case.id).ok
    # A revoked licence is no longer reused.
    food = deployed.runtime.start("food_business_license", OPERATOR)
    assert deployed.licences.of_case(food.id)["reused"] == []


def test_an_expired_licence_is_not_reused(deployed, tmp_path):
    source = ROOT.joinpath("processes", "individual_business_registration.bpmn").read_text("utf-8")
    yearly = source.replace('id="valid_years" type="int" value="0"', 'id="valid_years" type="int" value="1"')
    deployed.repository.deploy([("individual_business_registration.bpmn", yearly.encode())], "test")
    case = register_shop(deployed)
    [licence] = deployed.licences.of_case(case.id)["issued"]
    assert licence.valid_until is not None
    deployed.clock.travel(timedelta(days=400))
    food = deployed.runtime.start("food_business_license", OPERATOR)
    assert deployed.licences.of_case(food.id)["reused"] == []


@pytest.mark.parametrize("params, words", [
    ('<spiffworkflow:parameter id="number" type="str" value="\'X{seq}\'" />', "type"),
    ('<spiffworkflow:parameter id="type" type="str" value="\'证\'" /><spiffworkflow:parameter id="colour" type="str" value="1" />',
     "colour"),
    ('<spiffworkflow:parameter id="type" type="str" value="营业 执照" />', "表达式"),
])
def test_a_badly_drawn_issue_task_is_refused_at_deploy(engine, params, words):
    source = ROOT.joinpath("processes", "individual_business_registration.bpmn").read_text("utf-8")
    start = source.index("<spiffworkflow:parameters>") + len("<spiffworkflow:parameters>")
    end = source.index("</spiffworkflow:parameters>")
    bad = source[:start] + params + source[end:]
    with pytest.raises(DefinitionInvalid) as caught:
        engine.repository.deploy([("x.bpmn", bad.encode())], "test")
    assert words in str(caught.value.details) or words in caught.value.message


def test_another_operator_is_still_refused(engine):
    source = ROOT.joinpath("processes", "individual_business_registration.bpmn").read_text("utf-8")
    with pytest.raises(DefinitionInvalid) as caught:
        engine.repository.deploy([("x.bpmn", source.replace('id="issueLicence"', 'id="sendMail"').encode())], "test")
    assert "sendMail" in str(caught.value.details) or "sendMail" in caught.value.message


def test_the_sequence_restarts_only_with_a_year_in_the_number(deployed):
    source = ROOT.joinpath("processes", "individual_business_registration.bpmn").read_text("utf-8")
    plain = source.replace("'GT4403{year}{seq:6}'", "'SP{seq:4}'")
    deployed.repository.deploy([("individual_business_registration.bpmn", plain.encode())], "test")
    numbers = [deployed.licences.of_case(register_shop(deployed).id)["issued"][0].number]
    deployed.clock.travel(timedelta(days=400))
    numbers.append(deployed.licences.of_case(register_shop(deployed, OTHER).id)["issued"][0].number)
    assert numbers == ["SP0001", "SP0002"]


def test_electronic_delivery_names_the_licences_the_case_issued(deployed):
    """出件 by electronic delivery (#9) points at the e-licences the case put in the library."""
    source = (ROOT / "processes" / "individual_business_registration.bpmn").read_text(encoding="utf-8")
    source = source.replace('<bpmn:flowNodeRef>issue</bpmn:flowNodeRef>',
                            '<bpmn:flowNodeRef>issue</bpmn:flowNodeRef><bpmn:flowNodeRef>deliver</bpmn:flowNodeRef>')
    source = source.replace(
        '<bpmn:sequenceFlow id="flow_issued" sourceRef="issue" targetRef="end_done" />',
        '<bpmn:sequenceFlow id="flow_issued" sourceRef="issue" targetRef="deliver" />'
        '<bpmn:userTask id="deliver" name="出件"><bpmn:extensionElements><spiffworkflow:properties>'
        '<spiffworkflow:property name="delivery" value="true" /></spiffworkflow:properties></bpmn:extensionElements>'
        '<bpmn:incoming>flow_issued</bpmn:incoming><bpmn:outgoing>flow_delivered</bpmn:outgoing></bpmn:userTask>'
        '<bpmn:sequenceFlow id="flow_delivered" sourceRef="deliver" targetRef="end_done" />')
    source = source.replace('<bpmn:incoming>flow_issued</bpmn:incoming>\n    </bpmn:endEvent>',
                            '<bpmn:incoming>flow_delivered</bpmn:incoming>\n    </bpmn:endEvent>')
    deployed.repository.deploy([("individual_business_registration.bpmn", source.encode())])
    case = register_shop(deployed)
    [licence] = deployed.licences.of_case(case.id)["issued"]
    work(deployed, case.id, "deliver", {"delivery_method": "electronic"})
    done = deployed.runtime.get(case.id, ADMIN)
    assert done.data["delivery"] == {"method": "electronic", "licences": [licence.number]}
    assert deployed.window.delivery_text(done) == f"电子送达（电子证照 {licence.number}，已存入电子证照库）"


def test_two_issuers_at_once_get_consecutive_numbers(deployed):
    """The {seq} counter row is locked by the first issuer until it commits: the second waits
    and takes the next number (a count of issued licences would give both the same)."""
    import threading

    from datetime import datetime, timezone

    from engine.licences.operator import _next_seq

    local = datetime(2026, 12, 1, tzinfo=timezone.utc)
    got = {}
    with deployed.db.write() as first:
        got["first"] = _next_seq(first, "营业执照", "2026", local)

        def second():
            with deployed.db.write() as session:
                got["second"] = _next_seq(session, "营业执照", "2026", local)
        thread = threading.Thread(target=second)
        thread.start()
        thread.join(0.5)
        assert thread.is_alive() or deployed.db.engine.dialect.name == "sqlite"  # PostgreSQL: it waits on the row
    thread.join(30)
    assert (got["first"], got["second"]) == (1, 2)


def test_the_counter_goes_on_from_licences_issued_before_it(deployed):
    register_shop(deployed)
    with deployed.db.write() as session:
        session.execute(sa.delete(LicenceSequence))           # as before migration 0016
    second = deployed.licences.of_case(register_shop(deployed, OTHER).id)["issued"][0].number
    assert second.endswith("000002")
