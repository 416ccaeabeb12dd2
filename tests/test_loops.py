"""SpiffWorkflow's loop defects, through the whole engine (state saved and loaded at every call).

tests/test_spiff_defects.py shows each defect in the raw library and the fixed
pieces alone; these drive the same diagrams the way clerks do.
"""
from engine import Actor
from engine.models import Case

from .conftest import diagram

ADMIN = Actor("admin", "admin")
PERSON = {"kind": "person", "id_number": "11010519491231002X", "name": "张三"}


def open_tasks(engine, case_id, element=None):
    return [t for t in engine.tasks.for_case(case_id) if element is None or t.element_id == element]


def complete(engine, case_id, element, data):
    engine.tasks.complete(open_tasks(engine, case_id, element)[0].id, ADMIN, data)


def test_multi_instance_tasks_can_be_re_entered_after_a_return(engine):
    engine.repository.deploy_paths([diagram("defects", "mi_loop.bpmn")])
    case = engine.runtime.start("mi_loop", PERSON)
    rounds = [["李审查", "王审查", "赵审查"], ["钱审查"], ["孙审查", "周审查"]]
    for i, reviewers in enumerate(rounds):
        complete(engine, case.id, "accept", {"reviewers": reviewers, "signers": ["科长", "处长"]})
        instances = open_tasks(engine, case.id, "countersign")
        assert len(instances) == len(reviewers), f"round {i + 1}"
        for n, task in enumerate(instances):
            engine.tasks.complete(task.id, ADMIN, {"opinion": {"round": i + 1, "n": n}})
        for _ in range(2):  # 逐级审批: one signer after the other
            [task] = open_tasks(engine, case.id, "signoff")
            engine.tasks.complete(task.id, ADMIN, {"signoff_item": "同意"})
        with engine.db.read() as s:
            data = s.get(Case, case.id).data
        assert sorted(o["n"] for o in data["opinions"]) == list(range(len(reviewers)))
        assert {o["round"] for o in data["opinions"]} == {i + 1}  # fresh outputs, nothing from earlier rounds
        complete(engine, case.id, "decide", {"decision": "return" if i < len(rounds) - 1 else "approve"})
    with engine.db.read() as s:
        assert s.get(Case, case.id).status == "completed"


def test_a_case_keeps_moving_after_hundreds_of_returns(engine):
    """SpiffWorkflow 3.2 stalls near round 167 (its task iterator stops at depth 1000)."""
    engine.repository.deploy_paths([diagram("defects", "long_loop.bpmn")])
    case = engine.runtime.start("long_loop", PERSON)
    for i in range(200):
        complete(engine, case.id, "accept", {"round_no": i})
        complete(engine, case.id, "review", {"ok": True})
        complete(engine, case.id, "decide", {"decision": "return"})
    assert [t.element_id for t in open_tasks(engine, case.id)] == ["accept"]
    complete(engine, case.id, "accept", {"round_no": 200})
    complete(engine, case.id, "review", {"ok": True})
    complete(engine, case.id, "decide", {"decision": "approve"})
    with engine.db.read() as s:
        done = s.get(Case, case.id)
    assert done.status == "completed" and done.data["round_no"] == 200
