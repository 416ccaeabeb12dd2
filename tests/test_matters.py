"""The sample matters of processes/, end to end through the engine on a real database."""
from datetime import datetime, timedelta

import pytest

from engine import Actor
from engine.calendar import BEIJING
from engine.errors import FormInvalid, NothingWaiting
from engine.models import Case, Job

from .conftest import diagram
from tests.window_data import FOOD_COMPLETE, FOOD_TOLERATED, SUPPLEMENT

ADMIN = Actor("admin", "admin")
PERSON = {"kind": "person", "id_number": "11010519491231002X", "name": "张三"}
COMPANY = {"kind": "org", "id_number": "91350100M000100Y43", "name": "福州某某餐饮有限公司"}


def clerk(group):
    return Actor(f"clerk-{group}", "clerk", frozenset({group}))


def ready(engine, case_id):
    return {t.element_id: t for t in engine.tasks.for_case(case_id)}


def work(engine, case_id, element, data):
    task = ready(engine, case_id)[element]
    return engine.tasks.complete(task.id, clerk(task.lane), data)


def case_row(engine, case_id):
    with engine.db.read() as s:
        return s.get(Case, case_id)


def types(engine, case_id):
    return [e.type for e in engine.history.trail(case_id)]


# ---- 食品经营许可: 并联审批 + 容缺后补 ------------------------------------------

FOOD_ACCEPT = FOOD_TOLERATED


def start_food(engine, accept=FOOD_ACCEPT):
    case = engine.runtime.start("food_business_license", COMPANY)
    work(engine, case.id, "accept", accept)
    return case


def review_both(engine, case_id, market="pass", health="pass", market_first=True):
    order = [("review_market", {"market_opinion": market}), ("review_health", {"health_opinion": health})]
    for element, data in (order if market_first else order[::-1]):
        work(engine, case_id, element, data)


def decide(engine, case_id, decision):
    work(engine, case_id, "decide", {"decision": decision, "decision_opinion": f"决定：{decision}"})


def test_food_licence_parallel_review_waits_for_the_supplement_then_issues(deployed):
    case = start_food(deployed)
    assert set(ready(deployed, case.id)) == {"review_market", "review_health"}
    assert ready(deployed, case.id)["review_health"].lane == "卫生健康局"
    with deployed.db.read() as s:
        assert s.query(Job).filter_by(case_id=case.id).count() == 1  # the 容缺 deadline
    review_both(deployed, case.id)
    assert "decide" not in ready(deployed, case.id)  # still waiting for the supplement
    deployed.runtime.send_message(case.id, "supplement_received", SUPPLEMENT)
    work(deployed, case.id, "verify_supplement", {"supplement_opinion": "pass",
                                                  "received_materials": ["health_certificates"]})
    assert set(ready(deployed, case.id)) == {"decide"}
    decide(deployed, case.id, "approve")
    work(deployed, case.id, "deliver", {"licence_number": "JY12345678901234", "delivery_method": "electronic"})
    done = case_row(deployed, case.id)
    assert done.status == "completed"
    assert done.data["supplement"]["supplied_materials"] == ["从业人员健康证明"]
    assert "message_received" in types(deployed, case.id)
    with deployed.db.read() as s:
        assert s.query(Job).filter_by(case_id=case.id).count() == 0


def test_food_licence_supplement_deadline_terminates_and_cancels_open_reviews(deployed):
    # Accepted on Tuesday 2026-12-01: 5 working days (P5WD) end with Tuesday 12-08, not Sunday 12-06.
    deployed.clock.freeze(datetime(2026, 12, 1, 10, 0, tzinfo=BEIJING))
    case = start_food(deployed)
    work(deployed, case.id, "review_market", {"market_opinion": "pass"})
    with deployed.db.read() as s:
        due = s.query(Job).filter_by(case_id=case.id).one().due_at
    assert due == datetime(2026, 12, 8, 23, 59, 59, tzinfo=BEIJING)
    deployed.clock.freeze(datetime(2026, 12, 8, 23, 0, tzinfo=BEIJING))
    deployed.management.run_due_jobs()
    assert case_row(deployed, case.id).status == "running"
    deployed.clock.freeze(datetime(2026, 12, 9, 0, 0, 30, tzinfo=BEIJING))
    assert deployed.management.run_due_jobs() == 1
    done = case_row(deployed, case.id)
    assert done.status == "terminated"
    assert done.data["outcome"] == "rejected_supplement_overdue"
    assert ready(deployed, case.id) == {}
    trail = types(deployed, case.id)
    assert "timer_fired" in trail and trail[-1] == "case_terminated"
    cancelled = [t.element_id for t in deployed.tasks.for_case(case.id, states=("CANCELLED",))]
    assert cancelled == ["review_health"]
    with pytest.raises(NothingWaiting):
        deployed.runtime.send_message(case.id, "supplement_received", SUPPLEMENT)


def test_food_licence_nothing_missing_goes_straight_to_decision(deployed):
    case = start_food(deployed, FOOD_COMPLETE)
    review_both(deployed, case.id, market_first=False)
    assert set(ready(deployed, case.id)) == {"decide"}
    with pytest.raises(NothingWaiting):
        deployed.runtime.send_message(case.id, "supplement_received", SUPPLEMENT)


def test_food_licence_return_loop_sees_each_rounds_own_opinions(deployed):
    """Departments finish in another order each round: the join must wait for both and keep fresh values."""
    case = start_food(deployed, FOOD_COMPLETE)
    rounds = [("fail", "pass", True), ("pass", "fail", False), ("pass", "pass", True)]
    for i, (market, health, market_first) in enumerate(rounds):
        first, second = ("review_market", "review_health") if market_first else ("review_health", "review_market")
        work(deployed, case.id, first, {"market_opinion": market} if first == "review_market" else
             {"health_opinion": health})
        assert "decide" not in ready(deployed, case.id), f"join fired early in round {i + 1}"
        work(deployed, case.id, second, {"market_opinion": market} if second == "review_market" else
             {"health_opinion": health})
        assert set(ready(deployed, case.id)) == {"decide"}
        data = case_row(deployed, case.id).data
        assert (data["market_opinion"], data["health_opinion"]) == (market, health), f"stale data in round {i + 1}"
        if i < len(rounds) - 1:
            decide(deployed, case.id, "return")
            work(deployed, case.id, "correct", {"correction_notes": "请补充布局图", "materials_missing": False})
    decide(deployed, case.id, "approve")
    assert set(ready(deployed, case.id)) == {"deliver"}


# ---- 不动产登记: 交易/税务/登记 in parallel, tax paid by message -----------------

def test_real_estate_parallel_review_with_tax_payment(deployed):
    case = deployed.runtime.start("real_estate_registration", PERSON)
    work(deployed, case.id, "accept", {"acceptance": "accept", "registration_type": "transfer"})
    assert set(ready(deployed, case.id)) == {"review_transaction", "assess_tax", "review_registry"}
    lanes = {t.lane for t in deployed.tasks.for_case(case.id)}
    assert lanes == {"住房建设局", "税务局", "不动产登记中心"}
    work(deployed, case.id, "assess_tax", {"tax_amount": 12800.5, "tax_items": ["deed_tax"]})
    work(deployed, case.id, "review_transaction", {"transaction_opinion": "pass"})
    work(deployed, case.id, "review_registry", {"registry_opinion": "pass"})
    assert "record" not in ready(deployed, case.id)  # tax not paid yet
    deployed.runtime.send_message(case.id, "tax_paid", {"amount": 12800.5, "receipt": "SW-2026-001"})
    work(deployed, case.id, "record", {"decision": "approve", "record_opinion": "准予登记"})
    work(deployed, case.id, "deliver", {"delivery_method": "window"})
    done = case_row(deployed, case.id)
    assert done.status == "completed" and done.data["tax_payment"]["receipt"] == "SW-2026-001"


# ---- 应届毕业生接收: 秒批 by DMN -------------------------------------------------

GRADUATE = {"degree": "本科", "age": 23, "graduation_year": 2026, "school": "深圳大学", "has_employer": True}


def test_graduate_is_approved_instantly_by_the_rule(deployed):
    case = deployed.runtime.start("graduate_settlement", PERSON, GRADUATE)
    done = case_row(deployed, case.id)
    assert done.status == "completed"
    assert done.data["decision"] == "approve" and done.data["decided_by"] == "system"
    assert ready(deployed, case.id) == {}
    events = deployed.history.trail(case.id)
    rule = next(e for e in events if e.type == "rule_evaluated")
    assert rule.data["outputs"]["auto_approve"] is True


def test_graduate_without_employer_goes_to_a_person(deployed):
    case = deployed.runtime.start("graduate_settlement", PERSON, {**GRADUATE, "has_employer": False})
    assert set(ready(deployed, case.id)) == {"manual_review"}
    work(deployed, case.id, "manual_review", {"decision": "reject", "review_opinion": "无接收单位"})
    assert case_row(deployed, case.id).status == "completed"


def test_graduate_application_is_checked_against_the_start_form(deployed):
    with pytest.raises(FormInvalid) as err:
        deployed.runtime.start("graduate_settlement", PERSON, {"degree": "小学", "age": "old"})
    assert {"degree", "age", "graduation_year"} <= set(err.value.details)


# ---- a diagram we did not write ------------------------------------------------

def test_a_foreign_diagram_deploys_and_runs_without_code_changes(engine):
    folder = diagram("unfamiliar")
    results = engine.repository.deploy_paths([folder])
    key = next(r.key for r in results if r.kind == "bpmn")
    case = engine.runtime.start(key, COMPANY)
    first = engine.tasks.for_case(case.id)
    assert len(first) == 1 and first[0].lane == "政务服务中心" and first[0].form_key is None
    engine.tasks.complete(first[0].id, ADMIN, {"occupy_days": 30, "area_m2": 120, "main_road": True})
    lanes = sorted(t.lane for t in engine.tasks.for_case(case.id))
    assert lanes == ["交通运输局", "城市管理局"]  # high risk: parallel review
    for task in engine.tasks.for_case(case.id):
        engine.tasks.complete(task.id, ADMIN, {"opinion": "同意"})
    decision = engine.tasks.for_case(case.id)
    assert len(decision) == 1
    engine.tasks.complete(decision[0].id, ADMIN, {"result": "granted"})
    engine.runtime.send_message(case.id, "road_fee_paid", {"fee_receipt": "F-1"})
    last = engine.tasks.for_case(case.id)
    assert case_row(engine, case.id).data["fee_receipt"] == "F-1"  # payload without messageVariable
    engine.tasks.complete(last[0].id, ADMIN, {"permit_no": "ZD-2026-1"})
    assert case_row(engine, case.id).status == "completed"


def test_a_foreign_diagram_fee_deadline_terminates(engine):
    engine.repository.deploy_paths([diagram("unfamiliar")])
    key = next(d.key for d in engine.repository.list("bpmn"))
    case = engine.runtime.start(key, COMPANY)
    engine.tasks.complete(engine.tasks.for_case(case.id)[0].id, ADMIN,
                          {"occupy_days": 3, "area_m2": 10, "main_road": False})
    engine.tasks.complete(engine.tasks.for_case(case.id)[0].id, ADMIN, {"opinion": "同意"})
    engine.tasks.complete(engine.tasks.for_case(case.id)[0].id, ADMIN, {"result": "granted"})
    engine.clock.travel(timedelta(hours=73))
    engine.management.run_due_jobs()
    assert case_row(engine, case.id).status == "terminated"
