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


INCLUSIVE_ROUNDS = [  # (need_a, need_b, which review finishes first)
    (True, True, "review_a"), (True, True, "review_b"), (True, True, "review_a"),
    (False, True, "review_b"), (True, True, "review_b"), (True, False, "review_a"),
]


def test_raw_spiffworkflow_fires_an_inclusive_join_early_in_a_loop():
    """The defect the engine's InclusiveGateway fixes, shown on the plain library."""
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.spiff.parser import SpiffBpmnParser
    from SpiffWorkflow.util.task import TaskState

    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(diagram("defects", "inclusive_loop.bpmn")))
    wf = BpmnWorkflow(parser.get_spec("inclusive_loop"))
    wf.do_engine_steps()

    def run(name, **data):
        task = next(t for t in wf.get_tasks(state=TaskState.READY, manual=True) if t.task_spec.bpmn_id == name)
        task.data.update(data)
        task.run()
        wf.do_engine_steps()

    def ready():
        return {t.task_spec.bpmn_id for t in wf.get_tasks(state=TaskState.READY, manual=True)}

    early = False
    for need_a, need_b, first in INCLUSIVE_ROUNDS[:3]:
        run("accept", need_a=need_a, need_b=need_b)
        run(first)
        early = early or "decide" in ready()
        for other in ready() - {"decide"}:
            run(other)
        run("decide", decision="return")
    assert early


def test_inclusive_join_in_a_loop_waits_for_this_rounds_branches_and_keeps_their_values(engine):
    engine.repository.deploy_paths([diagram("defects", "inclusive_loop.bpmn")])
    case = engine.runtime.start("inclusive_loop", PERSON)
    for i, (need_a, need_b, first) in enumerate(INCLUSIVE_ROUNDS, 1):
        complete(engine, case.id, "accept", {"need_a": need_a, "need_b": need_b})
        active = [r for r, needed in (("review_a", need_a), ("review_b", need_b)) if needed]
        assert sorted(t.element_id for t in open_tasks(engine, case.id)) == active, f"round {i}"
        order = sorted(active, key=lambda r: r != first)
        for n, review in enumerate(order):
            assert not open_tasks(engine, case.id, "decide"), f"join fired early in round {i}"
            complete(engine, case.id, review, {f"{review}_round": i})
        assert [t.element_id for t in open_tasks(engine, case.id)] == ["decide"]
        with engine.db.read() as s:
            data = s.get(Case, case.id).data
        for review in active:
            assert data[f"{review}_round"] == i, f"stale {review} in round {i}"
        complete(engine, case.id, "decide", {"decision": "return" if i < len(INCLUSIVE_ROUNDS) else "approve"})
    with engine.db.read() as s:
        assert s.get(Case, case.id).status == "completed"
