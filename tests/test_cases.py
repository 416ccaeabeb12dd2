"""Cases through the whole engine on a real database: start, work, trail, errors."""
import threading

import pytest
import sqlalchemy as sa

from engine import Actor
from engine.errors import Forbidden, FormInvalid, InvalidInput, NotFound, TaskNotReady, Conflict
from engine.models import Case, CaseEvent

APPLICANT = {"kind": "person", "id_number": "11010519491231002X", "name": "张三"}
WINDOW = Actor("window", "clerk", frozenset({"综合受理窗口"}))
POLICE = Actor("police", "clerk", frozenset({"公安局"}))


def ready(engine, case_id):
    return {t.element_id: t for t in engine.tasks.for_case(case_id)}


def trail_types(engine, case_id):
    return [e.type for e in engine.history.trail(case_id)]


def snapshot(engine, case_id):
    with engine.db.read() as s:
        case = s.get(Case, case_id)
        events = s.scalar(sa.select(sa.func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case_id))
        return case.row_version, case.status, events


def test_start_creates_the_first_task_in_the_windows_inbox(deployed):
    case = deployed.runtime.start("no_criminal_record", APPLICANT, {"purpose_note": "求职"})
    assert case.status == "running"
    assert case.number.endswith(f"{case.id:06d}")
    tasks = ready(deployed, case.id)
    assert list(tasks) == ["accept"]
    accept = tasks["accept"]
    assert accept.lane == "综合受理窗口" and accept.form_key == "no_criminal_record_accept"
    inbox, total = deployed.tasks.inbox(WINDOW)
    assert total == 1 and inbox[0].id == accept.id
    assert deployed.tasks.inbox(POLICE) == ([], 0)
    assert case.data["applicant"]["name"] == "张三"
    assert case.data["case_number"] == case.number
    assert trail_types(deployed, case.id) == ["case_started", "event_reached", "task_ready"]


def test_happy_path_completes_and_the_trail_tells_the_story(deployed):
    case = deployed.runtime.start("no_criminal_record", APPLICANT)
    accept = ready(deployed, case.id)["accept"]
    deployed.tasks.complete(accept.id, WINDOW, {"acceptance": "accept", "purpose": "employment"})
    review = ready(deployed, case.id)["review"]
    assert review.lane == "公安局"
    deployed.tasks.claim(review.id, POLICE)
    deployed.tasks.complete(review.id, POLICE, {"decision": "approve", "review_opinion": "经核查无犯罪记录"})
    deliver = ready(deployed, case.id)["deliver"]
    deployed.tasks.complete(deliver.id, WINDOW, {"certificate_number": "NCR-0001", "delivery_method": "window"})
    with deployed.db.read() as s:
        done = s.get(Case, case.id)
    assert done.status == "completed" and done.ended_at is not None
    assert done.data["decision"] == "approve" and done.data["certificate_number"] == "NCR-0001"
    events = deployed.history.trail(case.id)
    types = [e.type for e in events]
    assert types[0] == "case_started" and types[-1] == "case_completed"
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    completed = [e for e in events if e.type == "task_completed"]
    assert [(e.element_id, e.actor) for e in completed] == [("accept", "window"), ("review", "police"),
                                                            ("deliver", "window")]
    assert completed[1].data["submitted"]["decision"] == "approve"
    rows = deployed.tasks.for_case(case.id, states=None)
    assert [(t.element_id, t.state, t.completed_by) for t in rows] == [
        ("accept", "COMPLETED", "window"), ("review", "COMPLETED", "police"), ("deliver", "COMPLETED", "window")]
    with deployed.db.read() as s:
        assert "spec" not in s.get(Case, case.id).state  # the spec is stored once per version, not per case
    gateways = [e for e in events if e.type == "gateway_passed"]
    assert gateways and all(g.data["taken"] for g in gateways)
    assert "task_claimed" in types


def test_refusal_path_ends_the_case(deployed):
    case = deployed.runtime.start("no_criminal_record", APPLICANT)
    accept = ready(deployed, case.id)["accept"]
    deployed.tasks.complete(accept.id, WINDOW, {"acceptance": "refuse", "refuse_reason": "材料不齐"})
    with deployed.db.read() as s:
        assert s.get(Case, case.id).status == "completed"
    assert ready(deployed, case.id) == {}


def test_form_errors_are_reported_together_and_change_nothing(deployed):
    case = deployed.runtime.start("no_criminal_record", APPLICANT)
    accept = ready(deployed, case.id)["accept"]
    before = snapshot(deployed, case.id)
    with pytest.raises(FormInvalid) as err:
        deployed.tasks.complete(accept.id, WINDOW, {"acceptance": "maybe", "purpose": "x", "evil": 1})
    assert {"acceptance", "purpose", "evil"} <= set(err.value.details)
    assert snapshot(deployed, case.id) == before


def test_only_the_lane_group_may_work_a_task(deployed):
    case = deployed.runtime.start("no_criminal_record", APPLICANT)
    accept = ready(deployed, case.id)["accept"]
    # Another group's task does not exist for them: not even its lane is told.
    with pytest.raises(NotFound):
        deployed.tasks.complete(accept.id, POLICE, {"acceptance": "accept"})
    with pytest.raises(NotFound):
        deployed.tasks.claim(accept.id, POLICE)
    other_window = Actor("window2", "clerk", frozenset({"综合受理窗口"}))
    deployed.tasks.claim(accept.id, WINDOW)
    with pytest.raises(Conflict):
        deployed.tasks.claim(accept.id, other_window)
    with pytest.raises(Forbidden):
        deployed.tasks.complete(accept.id, other_window, {"acceptance": "accept"})


def test_double_submit_is_refused(deployed):
    case = deployed.runtime.start("no_criminal_record", APPLICANT)
    accept = ready(deployed, case.id)["accept"]
    deployed.tasks.complete(accept.id, WINDOW, {"acceptance": "accept"})
    before = snapshot(deployed, case.id)
    with pytest.raises(TaskNotReady):
        deployed.tasks.complete(accept.id, WINDOW, {"acceptance": "accept"})
    assert snapshot(deployed, case.id) == before


def test_concurrent_completion_of_one_task_has_exactly_one_winner(deployed):
    case = deployed.runtime.start("no_criminal_record", APPLICANT)
    accept = ready(deployed, case.id)["accept"]
    barrier = threading.Barrier(4)
    outcomes = []

    def clerk(i):
        actor = Actor(f"window{i}", "clerk", frozenset({"综合受理窗口"}))
        barrier.wait()
        try:
            deployed.tasks.complete(accept.id, actor, {"acceptance": "accept"})
            outcomes.append("ok")
        except Conflict:  # TaskNotReady is a Conflict too
            outcomes.append("conflict")

    threads = [threading.Thread(target=clerk, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "conflict", "conflict", "ok"]
    assert trail_types(deployed, case.id).count("task_completed") == 1
    assert list(ready(deployed, case.id)) == ["review"]


def test_invalid_applicant_and_unknown_process_are_clear_errors(deployed):
    with pytest.raises(InvalidInput) as err:
        deployed.runtime.start("no_criminal_record", {**APPLICANT, "id_number": "110105194912310021"})
    assert "id_number" in err.value.details
    with pytest.raises(NotFound):
        deployed.runtime.start("no_such_matter", APPLICANT)
    with deployed.db.read() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Case)) == 0


def test_trail_is_append_only_in_the_database(deployed):
    case = deployed.runtime.start("no_criminal_record", APPLICANT)
    with pytest.raises(sa.exc.DatabaseError):
        with deployed.db.write() as s:
            s.execute(sa.update(CaseEvent).where(CaseEvent.case_id == case.id).values(actor="mallory"))
    with pytest.raises(sa.exc.DatabaseError):
        with deployed.db.write() as s:
            s.execute(sa.delete(CaseEvent).where(CaseEvent.case_id == case.id))
    assert trail_types(deployed, case.id) == ["case_started", "event_reached", "task_ready"]


def test_a_task_outside_any_lane_is_in_every_clerks_inbox(engine):
    from .test_definitions import simple

    engine.repository.deploy([("simple.bpmn", simple().replace('<bpmn:laneSet id="ls">', "<!--").replace(
        "</bpmn:laneSet>", "-->"))])
    case = engine.runtime.start("simple", APPLICANT)
    [task] = engine.tasks.for_case(case.id)
    assert task.lane is None
    assert [t.id for t in engine.tasks.inbox(POLICE)[0]] == [task.id]
    engine.tasks.complete(task.id, POLICE, {})
