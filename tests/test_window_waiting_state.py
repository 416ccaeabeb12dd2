"""What a case waits for, read from the stored state without restoring the workflow
(``engine.window.waiting.from_state``), equals what the restored workflow says: on every
sample process in processes/ and on test diagrams with every kind of wait, at each step."""
import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from engine.identity.actor import Actor
from engine.models import Case
from engine.window import waiting

from .conftest import ROOT, diagram
from .waiting_check import waiting_checked  # noqa: F401

ADMIN = Actor("admin", "admin")
PORTAL = Actor("portal", "integrator")
APPLICANT = {"kind": "person", "id_number": "11010519491231002X", "name": "张三"}
DEMO = json.loads((ROOT / "processes" / "demo.json").read_text(encoding="utf-8"))
DIAGRAMS = [("waits", "every_wait.bpmn"), ("conformance", "camunda_event_gateway.bpmn"),
            ("hostile", "boundary_timer.bpmn"),  # its TIMER_TEXT: P5D
            ("bounded", "loop_everything.bpmn")]


def check(engine, case_id, answers):
    """Both readings agree (the checked ``waiting`` asserts it) and the stored state answered."""
    case = engine.runtime.get(case_id, ADMIN)
    before = len(answers)
    waits = engine.window.waiting(case)
    if case.status == "running":
        assert answers[before:] and None not in answers[before:], "the stored state could not tell"
    return case, waits


def walk(engine, case_id, answers, steps=40):
    """Go on as far as the case goes without a person choosing: send what it waits for,
    complete open tasks with no data, let its timers fall due; check after each step."""
    checked = 0
    for _ in range(steps):
        case, waits = check(engine, case_id, answers)
        checked += 1
        if case.status != "running":
            break
        message = next((w["message"] for w in waits if w["kind"] in ("message", "receive")), None)
        ready = [t for t in engine.tasks.for_case(case_id) if t.state == "READY"]
        try:
            if message:
                engine.runtime.send_message(case_id, message, {}, ADMIN)
            elif ready:
                engine.tasks.complete(ready[0].id, ADMIN, {})
            elif any(w["kind"] == "timer" for w in waits):
                engine.clock.travel(timedelta(days=30))
                engine.runtime.fire_due_timers(case_id)
            else:
                break
        except Exception:  # a form or a rule wants data a walk cannot invent: stop here
            break
    return checked


@pytest.mark.parametrize("entry", DEMO["cases"], ids=lambda e: e["process"])
def test_every_sample_process_at_each_step(deployed, waiting_checked, entry):
    case = deployed.runtime.start(entry["process"], entry["applicant"], entry.get("data"), PORTAL)
    check(deployed, case.id, waiting_checked)
    for step in entry["steps"]:
        if "message" in step:
            deployed.runtime.send_message(case.id, step["message"], step.get("data"), PORTAL)
        else:
            task = next(t for t in deployed.tasks.for_case(case.id) if t.element_id == step["task"])
            deployed.tasks.complete(task.id, ADMIN, step["data"])
        check(deployed, case.id, waiting_checked)
    walk(deployed, case.id, waiting_checked)


def test_the_sample_processes_wait_for_messages_and_timers(deployed, waiting_checked):
    """The demo steps reach the samples' waits (else the test above would compare empty lists)."""
    seen = set()
    for entry in DEMO["cases"]:
        case = deployed.runtime.start(entry["process"], entry["applicant"], entry.get("data"), PORTAL)
        for step in entry["steps"]:
            if "message" not in step:
                task = next(t for t in deployed.tasks.for_case(case.id) if t.element_id == step["task"])
                deployed.tasks.complete(task.id, ADMIN, step["data"])
            seen |= {w["kind"] for w in deployed.window.waiting(deployed.runtime.get(case.id, ADMIN))}
    assert {"receive", "timer"} <= seen


@pytest.mark.parametrize("parts", DIAGRAMS, ids=lambda p: p[1])
def test_every_kind_of_wait_at_each_step(engine, waiting_checked, parts):
    source = diagram(*parts).read_text(encoding="utf-8").replace("TIMER_TEXT", "P5D")
    deployed = engine.repository.deploy([(parts[1], source)])
    key = deployed[0].key
    case = engine.runtime.start(key, APPLICANT, {}, PORTAL)
    assert walk(engine, case.id, waiting_checked) >= 2


def test_every_wait_lists_each_kind_with_its_due_dates(engine, waiting_checked):
    engine.repository.deploy([("every_wait.bpmn", diagram("waits", "every_wait.bpmn").read_bytes())])
    case = engine.runtime.start("every_wait", APPLICANT, {}, PORTAL)
    waits = engine.window.waiting(engine.runtime.get(case.id, ADMIN))
    kinds = {(w["element_id"], w["kind"]) for w in waits}
    assert {("Catch_Message", "message"), ("Receive", "receive"), ("Catch_Timer", "timer"),
            ("Catch_Signal", "signal"), ("Review_Timeout", "timer"), ("Review_Urged", "message"),
            ("Inspect_Timeout", "timer"), ("Inspect_Wait", "message"),  # inside the embedded subprocess
            ("Consult_Gate", "message"), ("Consult_Gate", "timer")} <= kinds  # inside the called process
    urged = next(w for w in waits if w["element_id"] == "Review_Urged")
    assert urged["due_at"] == next(w["due_at"] for w in waits if w["element_id"] == "Review_Timeout")


def test_what_the_stored_state_cannot_tell_is_read_from_the_restored_workflow(engine, monkeypatch):
    engine.repository.deploy([("g.bpmn", diagram("conformance", "camunda_event_gateway.bpmn").read_bytes())])
    case = engine.runtime.get(engine.runtime.start("await_supplement", APPLICANT, {}, PORTAL).id, ADMIN)
    expected = engine.window.waiting(case)
    with engine.db.read() as session:
        state = session.scalar(sa.select(Case.state).where(Case.id == case.id))
        table = engine.window._wait_table(session, case.definition_id)
    assert waiting.from_state(state, table) == expected
    # A timer value stored as an object the reading does not know: it cannot tell …
    timer = next(t for t in state["tasks"].values() if (t["internal_data"] or {}).get("event_value"))
    timer["internal_data"]["event_value"] = {"typename": "SomethingNew", "next": "2030-01-01T00:00:00+00:00"}
    assert waiting.from_state(state, table) is None
    # … and then the service restores the workflow.
    monkeypatch.setattr(waiting, "from_state", lambda state, table: None)
    assert engine.window.waiting(case) == expected == engine.window.waiting_restored(case)
