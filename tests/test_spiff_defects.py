"""SpiffWorkflow 3.2.0's loop defects: shown on the plain library, gone with engine.spiff_fixes.

Each defect has a test on unpatched SpiffWorkflow (so the fix is not vacuous) and tests on
the fixed pieces, built exactly as the engine builds them, with a JSON round trip through
the serializer between every two steps.
"""
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.exceptions import WorkflowDataException
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.parser import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from engine.spiff import fixes

DIAGRAMS = Path(__file__).resolve().parent / "diagrams" / "defects"


class Parser(SpiffBpmnParser):
    OVERRIDE_PARSER_CLASSES = {**SpiffBpmnParser.OVERRIDE_PARSER_CLASSES, **fixes.PARSER_CLASSES}


SERIALIZER = BpmnWorkflowSerializer(fixes.register_converters(BpmnWorkflowSerializer.configure(SPIFF_CONFIG)))


def raw_workflow(name):
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_file(str(DIAGRAMS / f"{name}.bpmn"))
    wf = BpmnWorkflow(parser.get_spec(name), parser.get_subprocess_specs(name))
    wf.do_engine_steps()
    return wf


def fixed_workflow(name):
    fixes.install()
    parser = Parser(validator=VALIDATOR)
    parser.add_bpmn_file(str(DIAGRAMS / f"{name}.bpmn"))
    wf = fixes.Workflow(parser.get_spec(name), parser.get_subprocess_specs(name))
    wf.do_engine_steps()
    return roundtrip(wf)


def roundtrip(wf):
    return SERIALIZER.from_dict(json.loads(json.dumps(SERIALIZER.to_dict(wf))))


def ready(wf):
    return sorted(t.task_spec.name for t in wf.get_tasks(state=TaskState.READY, manual=True))


def ready_task(wf, name):
    [task] = [t for t in wf.get_tasks(state=TaskState.READY, manual=True) if t.task_spec.name == name]
    return task


def complete(wf, name, **data):
    task = ready_task(wf, name)
    task.set_data(**data)
    task.run()
    wf.do_engine_steps()
    return wf


def step(wf, name, **data):
    """One engine call as the engine makes it: complete, step, save, load."""
    return roundtrip(complete(wf, name, **data))


def test_fixed_classes_are_parsed_and_restored():
    fixes.install()
    fixes.install()  # idempotent
    wf = fixed_workflow("parallel_loop")
    assert type(wf) is fixes.Workflow
    assert type(wf.spec.task_specs["join"]) is fixes.ParallelGateway
    mi = fixed_workflow("mi_loop").spec.task_specs
    assert type(mi["countersign"]) is fixes.ParallelMultiInstanceTask
    assert type(mi["signoff"]) is fixes.SequentialMultiInstanceTask


# --- defect 1 and 2: parallel join in a return loop -----------------------------------------

def test_raw_join_fires_early_when_order_changes():
    wf = raw_workflow("parallel_loop")
    complete(wf, "accept")
    complete(wf, "review_fire", review_fire="r1")
    complete(wf, "review_market", review_market="r1")
    complete(wf, "decide", decision="return")
    complete(wf, "accept")
    complete(wf, "review_market", review_market="r2")  # the other order this round
    assert "decide" in ready(wf)  # the defect: review_fire of round 2 is still open
    assert "review_fire" in ready(wf)


def test_raw_join_keeps_stale_value():
    wf = raw_workflow("parallel_loop")
    for r in (1, 2):
        complete(wf, "accept")
        complete(wf, "review_fire", review_fire=f"r{r}")
        complete(wf, "review_market", review_market=f"r{r}")
        decide = ready_task(wf, "decide")
        if r == 2:  # the defect: the market branch's old copy overwrote the fire review
            assert decide.data["review_fire"] == "r1"
        complete(wf, "decide", decision="return")


ORDERS = [
    ["market", "fire", "fire", "market"],
    ["fire", "market", "market", "fire"],
    ["market", "market", "fire", "fire"],
]


@pytest.mark.parametrize("firsts", ORDERS)
def test_join_waits_for_this_rounds_reviews_and_sees_their_values(firsts):
    wf = fixed_workflow("parallel_loop")
    for r, first in enumerate(firsts, 1):
        second = "fire" if first == "market" else "market"
        wf = step(wf, "accept", round=r)
        wf = step(wf, f"review_{first}", **{f"review_{first}": f"{first}-{r}"})
        assert ready(wf) == [f"review_{second}"]  # decide must wait for both
        wf = step(wf, f"review_{second}", **{f"review_{second}": f"{second}-{r}"})
        assert ready(wf) == ["decide"]
        data = ready_task(wf, "decide").data
        assert (data["round"], data["review_market"], data["review_fire"]) == (r, f"market-{r}", f"fire-{r}")
        wf = step(wf, "decide", decision="return" if r < len(firsts) else "approve")
    assert wf.is_completed()


def test_join_merges_nested_changes_of_both_branches():
    wf = fixed_workflow("parallel_loop")
    for r, first in enumerate(["fire", "market", "fire"], 1):
        wf = step(wf, "accept", note=f"accepted-{r}")
        for dept in (first, "market" if first == "fire" else "fire"):
            task = ready_task(wf, f"review_{dept}")
            task.data.setdefault("opinions", {})[dept] = f"{dept}-{r}"
            wf = step(wf, f"review_{dept}")
        data = ready_task(wf, "decide").data
        assert data["opinions"] == {"market": f"market-{r}", "fire": f"fire-{r}"}
        assert data["note"] == f"accepted-{r}"
        wf = step(wf, "decide", decision="return")


def test_join_keeps_a_deletion_made_in_one_branch():
    wf = fixed_workflow("parallel_loop")
    wf = step(wf, "accept", draft="old")
    del ready_task(wf, "review_market").data["draft"]
    wf = step(wf, "review_market")
    wf = step(wf, "review_fire", review_fire="ok")
    assert "draft" not in ready_task(wf, "decide").data


# --- defect 3: re-entering a multi-instance task ---------------------------------------------

def run_mi_round(wf, r, reviewers, signers):
    wf = step(wf, "accept", reviewers=reviewers, signers=signers)
    for reviewer in reviewers:
        task = next(t for t in wf.get_tasks(state=TaskState.READY, manual=True)
                    if t.data.get("reviewer") == reviewer)
        task.set_data(opinion={"round": r, "by": reviewer})
        task.run()
        wf.do_engine_steps()
        wf = roundtrip(wf)
    for signer in signers:
        [task] = wf.get_tasks(state=TaskState.READY, manual=True)
        assert task.data["signer"] == signer
        task.set_data(signoff_item={"round": r, "by": signer})
        task.run()
        wf.do_engine_steps()
        wf = roundtrip(wf)
    return wf


def test_raw_multi_instance_cannot_be_reentered():
    wf = raw_workflow("mi_loop")
    complete(wf, "accept", reviewers=["李"], signers=["王"])
    for output in ({"opinion": "ok"}, {"signoff_item": "ok"}):
        [task] = wf.get_tasks(state=TaskState.READY, manual=True)
        task.set_data(**output)
        task.run()
        wf.do_engine_steps()
    complete(wf, "decide", decision="return")
    with pytest.raises(WorkflowDataException, match="output must be empty"):
        complete(wf, "accept", reviewers=["李"], signers=["王"])


def test_multi_instance_reentered_with_fresh_outputs():
    wf = fixed_workflow("mi_loop")
    rounds = [(["李", "张"], ["王"]), (["李", "张", "赵"], ["王", "刘"]), (["赵"], ["刘"])]
    for r, (reviewers, signers) in enumerate(rounds, 1):
        wf = run_mi_round(wf, r, reviewers, signers)
        assert ready(wf) == ["decide"]
        data = ready_task(wf, "decide").data
        assert sorted(o["by"] for o in data["opinions"]) == sorted(reviewers)
        assert {o["round"] for o in data["opinions"]} == {r}
        assert data["signoffs"] == [{"round": r, "by": s} for s in signers]
        wf = step(wf, "decide", decision="return" if r < len(rounds) else "approve")
    assert wf.is_completed()


# --- defect 4: long loops ---------------------------------------------------------------------

def test_raw_long_loop_stalls():
    # A fresh interpreter: install() in this process lifts the limit for everyone.
    script = textwrap.dedent(f"""
        import json
        from SpiffWorkflow.bpmn import BpmnWorkflow
        from SpiffWorkflow.spiff.parser import SpiffBpmnParser, VALIDATOR
        from SpiffWorkflow.util.task import TaskState
        parser = SpiffBpmnParser(validator=VALIDATOR)
        parser.add_bpmn_file({str(DIAGRAMS / 'long_loop.bpmn')!r})
        wf = BpmnWorkflow(parser.get_spec('long_loop'))
        wf.do_engine_steps()
        for rounds in range(1, 301):
            for name in ('accept', 'review', 'decide'):
                tasks = wf.get_tasks(state=TaskState.READY, manual=True)
                if not tasks:
                    deep = wf.get_tasks(state=TaskState.READY, max_depth=10**6)
                    print(json.dumps({{'round': rounds, 'hidden': [t.task_spec.name for t in deep]}}))
                    raise SystemExit
                tasks[0].set_data(decision='return')
                tasks[0].run()
                wf.do_engine_steps()
        print(json.dumps({{'round': None}}))
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    result = json.loads(out.stdout)
    assert result["round"] is not None and result["round"] < 300  # the case stalled
    assert result["hidden"]  # although a READY task exists below depth 1000


def test_300_round_loop_completes():
    wf = fixed_workflow("long_loop")
    for r in range(1, 301):
        wf = step(wf, "accept", round=r)
        wf = step(wf, "review", review=f"r{r}")
        assert ready(wf) == ["decide"]
        decide = ready_task(wf, "decide")
        assert decide.data["review"] == f"r{r}"
        wf = step(wf, "decide", decision="return" if r < 300 else "approve")
    assert decide.depth > 1000
    assert wf.is_completed()
    assert len(wf.tasks) > 1000


def test_parallel_loop_past_depth_1000():
    wf = fixed_workflow("parallel_loop")
    for r in range(1, 181):
        first, second = ("market", "fire") if r % 2 else ("fire", "market")
        complete(wf, "accept", round=r)
        complete(wf, f"review_{first}", **{f"review_{first}": r})
        assert ready(wf) == [f"review_{second}"]
        complete(wf, f"review_{second}", **{f"review_{second}": r})
        decide = ready_task(wf, "decide")
        assert (decide.data["review_market"], decide.data["review_fire"]) == (r, r)
        complete(wf, "decide", decision="return")
        if r % 60 == 0:
            wf = roundtrip(wf)
    assert ready_task(wf, "accept").depth > 1000
