"""Bounded state (#14 item 5): finished loop rounds leave the stored workflow state.

``engine.spiff.prune`` alone on states run in memory (what it keeps must read the same:
open tasks, their data, the steps 退回 may go to), then through the whole engine: sizes
pinned flat over hundreds of rounds, and after pruning a case still returns to any
earlier step, withdraws, fires timers, receives messages, replays and migrates.
"""
import copy
import json
import random
from datetime import timedelta

import pytest
from SpiffWorkflow.util.task import TaskState

from bench.state_growth import LOOP
from engine import Actor, spiff
from engine.errors import Conflict
from engine.models import Case
from engine.spiff.prune import prune
from engine.tasks import paths

from .conftest import diagram

ADMIN = Actor("admin", "admin")
ANALYST = Actor("analyst", "analyst")
PERSON = {"kind": "person", "id_number": "11010519491231002X", "name": "张三"}


# ---- prune alone, on states run in memory ------------------------------------------------------

def in_memory(path=None, source=None, process=None):
    parser = spiff.new_parser()
    if source is not None:
        parser.add_bpmn_str(source.encode())
    else:
        parser.add_bpmn_file(str(path))
    spec = parser.get_spec(process)
    subs = parser.get_subprocess_specs(process)
    wf = spiff.new_workflow(spec, subs)
    wf.do_engine_steps()
    return wf, spec, subs


def ready(wf, element=None):
    return [t for t in wf.get_tasks(state=TaskState.READY)
            if t.task_spec.manual and (element is None or t.task_spec.bpmn_id == element)]


def run(wf, element, **data):
    task = ready(wf, element)[0]
    task.data.update(data)
    task.run()
    wf.do_engine_steps()


def reads_the_same(wf, spec, subs):
    """Prune the workflow's state and check that what is read from it did not change."""
    state = spiff.dump_state(wf)
    before = copy.deepcopy(state)
    pruned = prune(state)
    assert state == before  # a pure function: the input is left alone
    back = spiff.load_state(pruned, spiff.serializer.VERSION, spec, subs)
    assert sorted(str(t.id) for t in ready(back)) == sorted(str(t.id) for t in ready(wf))
    for task in ready(wf):
        again = back.get_task_from_id(task.id)
        assert again.data == task.data
        assert {e: str(t.id) for e, t in paths.earlier_steps(again).items()} == \
               {e: str(t.id) for e, t in paths.earlier_steps(task).items()}
    assert {t.task_spec.name for t in back.tasks.values()} == {t.task_spec.name for t in wf.tasks.values()}
    assert prune(pruned) is pruned  # nothing more to cut
    return pruned, back


def test_nothing_to_cut_returns_the_state_itself():
    wf, spec, subs = in_memory(source=LOOP, process="bench_loop")
    state = spiff.dump_state(wf)
    assert prune(state) is state


def test_a_simple_loop_keeps_one_round_and_reads_the_same():
    wf, spec, subs = in_memory(source=LOOP, process="bench_loop")
    sizes = []
    for n in range(60):
        run(wf, "review", again=True, k=n)
        pruned, back = reads_the_same(wf, spec, subs)
        sizes.append(len(json.dumps(pruned)))
        wf = back  # go on from the pruned state, as the engine does
    assert max(sizes[5:]) <= sizes[2] + 16


def test_a_parallel_loop_with_random_returns_reads_the_same_at_every_step():
    """The 退回 diagram (parallel review, a two-step branch, countersign, decision loop),
    pruned and reloaded after every step, departments finishing in random order."""
    wf, spec, subs = in_memory(diagram("operations", "parallel_review.bpmn"), process="parallel_review")
    rng = random.Random(14)
    sizes = []
    for round_no in range(25):
        for _ in range(40):
            tasks = ready(wf)
            task = rng.choice(tasks)
            element = task.task_spec.bpmn_id
            if element == "decide":
                break
            targets = paths.earlier_steps(paths.unit(task))
            if targets and rng.random() < 0.15:
                paths.reset(wf, paths.restart_points(task, rng.choice(list(targets.values()))))
                wf.do_engine_steps()
            else:
                run(wf, element, round_no=round_no)
            _, wf = reads_the_same(wf, spec, subs)
        if ready(wf, "decide"):
            run(wf, "decide", decision="again")
            pruned, wf = reads_the_same(wf, spec, subs)
            sizes.append(len(json.dumps(pruned)))
    assert len(sizes) >= 15 and max(sizes) <= 3 * min(sizes)


# ---- through the engine ---------------------------------------------------------------------------

def stored(engine, case_id):
    with engine.db.read() as s:
        case = s.get(Case, case_id)
        return len(json.dumps(case.state)), case


def open_rows(engine, case_id, element=None):
    return [t for t in engine.tasks.for_case(case_id) if element is None or t.element_id == element]


def done(engine, case_id, element, **data):
    engine.tasks.complete(open_rows(engine, case_id, element)[0].id, ADMIN, data)


def test_state_after_300_rounds_is_the_state_after_10(engine):
    engine.repository.deploy([("bench_loop.bpmn", LOOP)])
    case = engine.runtime.start("bench_loop", PERSON)
    sizes = {}
    for n in range(1, 301):
        done(engine, case.id, "review", again=True)
        if n in (10, 100, 300):
            sizes[n] = stored(engine, case.id)[0]
    assert sizes[300] <= sizes[10] + 256 and sizes[100] <= sizes[10] + 256
    done(engine, case.id, "review", again=False)
    assert stored(engine, case.id)[1].status == "completed"
    assert engine.history.replay(case.id).ok


@pytest.fixture
def everything(engine):
    engine.repository.deploy_paths([diagram("bounded", "loop_everything.bpmn")])
    return engine


def one_round(engine, case_id, n, overdue=False, last=False):
    """accept; the parallel block (review_a, or its deadline passing, the site subprocess,
    the report message); countersign; decide."""
    done(engine, case_id, "accept", round_no=n)
    if overdue:  # review_a's boundary timer fires and takes the branch on
        engine.clock.travel(timedelta(hours=2))
        assert engine.management.run_due_jobs() >= 1
        assert not open_rows(engine, case_id, "review_a")
        done(engine, case_id, "inspect", site=n)
    elif n % 2:
        done(engine, case_id, "review_a", opinion_a=n)
        done(engine, case_id, "inspect", site=n)
    else:
        done(engine, case_id, "inspect", site=n)
        done(engine, case_id, "review_a", opinion_a=n)
    assert not open_rows(engine, case_id, "countersign")  # the join waits for the report
    engine.runtime.send_message(case_id, "site_report", {"report": n})
    for _ in range(2):
        done(engine, case_id, "countersign", sign=n)
    done(engine, case_id, "decide", decision="approve" if last else "again")


def test_a_loop_with_parallel_timer_subprocess_message_and_countersign_stays_flat(everything):
    eng = everything
    eng.clock.freeze(eng.clock.now())
    case = eng.runtime.start("loop_everything", PERSON)
    done(eng, case.id, "intake", intake=1)
    sizes = []
    for n in range(40):
        one_round(eng, case.id, n, overdue=n % 3 == 0)
        sizes.append(stored(eng, case.id)[0])
    assert max(sizes[10:]) <= max(sizes[1:10]) + 512, sizes  # numbers of two digits, not rounds
    one_round(eng, case.id, 40, last=True)
    size, row = stored(eng, case.id)
    assert row.status == "completed" and row.data["round_no"] == 40 and row.data["report"] == 40
    assert row.data["overdue"] == 39
    result = eng.history.replay(case.id)
    assert result.ok, result.describe()


def test_after_pruning_a_case_returns_to_any_earlier_step_and_completes(everything):
    eng = everything
    case = eng.runtime.start("loop_everything", PERSON)
    done(eng, case.id, "intake", intake="first")
    for n in range(30):
        one_round(eng, case.id, n)
    done(eng, case.id, "accept", round_no=30)
    done(eng, case.id, "review_a", opinion_a=30)
    done(eng, case.id, "inspect", site=30)
    eng.runtime.send_message(case.id, "site_report", {"report": 30})
    for _ in range(2):
        done(eng, case.id, "countersign", sign=30)
    [decide] = open_rows(eng, case.id, "decide")
    targets = [e for e, _ in eng.tasks.return_targets(decide.id, ADMIN)]
    assert targets == ["intake", "accept", "review_a", "countersign"]  # intake ran in round one only

    # Back into one branch of the parallel block: the other branch is done again too.
    eng.tasks.return_to(decide.id, ADMIN, "review_a", "意见不全")
    assert sorted(t.element_id for t in open_rows(eng, case.id)) == ["inspect", "review_a"]
    assert stored(eng, case.id)[1].data["opinion_a"] == 29  # as the step had it in round 30
    done(eng, case.id, "review_a", opinion_a="again")
    done(eng, case.id, "inspect", site="again")
    eng.runtime.send_message(case.id, "site_report", {"report": "again"})
    for _ in range(2):
        done(eng, case.id, "countersign")

    # Back to the step that ran before the loop began, 31 rounds ago.
    [decide] = open_rows(eng, case.id, "decide")
    eng.tasks.return_to(decide.id, ADMIN, "intake", "重新收件")
    assert [t.element_id for t in open_rows(eng, case.id)] == ["intake"]
    assert stored(eng, case.id)[1].data.get("round_no") is None  # the data intake had then
    done(eng, case.id, "intake", intake="second")

    # 撤回 after pruning: the step just done comes back while the next is untouched.
    [accept] = open_rows(eng, case.id, "accept")
    eng.tasks.complete(accept.id, ADMIN, {"round_no": 99})
    eng.tasks.withdraw(accept.id, ADMIN, "填错了")
    assert [t.element_id for t in open_rows(eng, case.id)] == ["accept"]
    one_round(eng, case.id, 100, last=True)
    assert stored(eng, case.id)[1].status == "completed"


def test_withdrawing_a_step_of_a_pruned_round_is_refused_as_before(everything):
    eng = everything
    case = eng.runtime.start("loop_everything", PERSON)
    done(eng, case.id, "intake")
    [first] = open_rows(eng, case.id, "accept")
    for n in range(5):
        one_round(eng, case.id, n)
    with pytest.raises(Conflict) as refused:
        eng.tasks.withdraw(first.id, ADMIN, "x")
    assert refused.value.code == "cannot_withdraw"


def test_a_pruned_case_migrates_and_finishes(engine):
    engine.repository.deploy([("bench_loop.bpmn", LOOP)])
    case = engine.runtime.start("bench_loop", PERSON)
    for _ in range(50):
        done(engine, case.id, "review", again=True)
    engine.repository.deploy([("bench_loop.bpmn", LOOP.replace('name="审查"', 'name="审查（新）"'))])
    moved = engine.workbench.migrate("bench_loop", 2, ANALYST, cases=[case.id], dry_run=False)
    assert moved["items"][0]["moved"] is True, moved
    for _ in range(20):
        done(engine, case.id, "review", again=True)
    [row] = open_rows(engine, case.id)
    assert row.name == "审查（新）"
    done(engine, case.id, "review", again=False)
    assert stored(engine, case.id)[1].status == "completed"
    result = engine.history.replay(case.id)
    assert result.ok, result.describe()


def test_back_past_a_waiting_boundary_timer_and_a_running_subprocess(everything):
    """退回 and 撤回 from inside the parallel block, while review_a's deadline waits and the
    site subprocess runs: the timer is forgotten with its task, the sub-workflow with its
    subprocess task (both failed before, pruned or not)."""
    eng = everything
    eng.clock.freeze(eng.clock.now())
    case = eng.runtime.start("loop_everything", PERSON)
    done(eng, case.id, "intake")
    for n in range(6):
        one_round(eng, case.id, n)
    done(eng, case.id, "accept", round_no=6)
    [review] = open_rows(eng, case.id, "review_a")
    eng.tasks.return_to(review.id, ADMIN, "accept", "材料不全")
    assert [t.element_id for t in open_rows(eng, case.id)] == ["accept"]
    [accept] = open_rows(eng, case.id, "accept")
    eng.tasks.complete(accept.id, ADMIN, {"round_no": 7})
    eng.tasks.withdraw(accept.id, ADMIN, "填错了")
    assert [t.element_id for t in open_rows(eng, case.id)] == ["accept"]
    eng.clock.travel(timedelta(hours=2))
    assert eng.management.run_due_jobs() == 0  # the dropped deadlines are gone, jobs and all
    one_round(eng, case.id, 8, last=True)
    assert stored(eng, case.id)[1].status == "completed"


BRANCH_ENDS = LOOP.replace(
    '<bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="again"/>',
    '<bpmn:parallelGateway id="fork" name="分出登记"><bpmn:incoming>f2</bpmn:incoming>'
    '<bpmn:outgoing>f2b</bpmn:outgoing><bpmn:outgoing>f_note</bpmn:outgoing></bpmn:parallelGateway>'
    '<bpmn:scriptTask id="note" name="登记"><bpmn:incoming>f_note</bpmn:incoming><bpmn:outgoing>f_note2</bpmn:outgoing>'
    '<bpmn:script>noted = {str(k): True}</bpmn:script></bpmn:scriptTask>'
    '<bpmn:endEvent id="note_end" name="登记完"><bpmn:incoming>f_note2</bpmn:incoming></bpmn:endEvent>'
    '<bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="fork"/>'
    '<bpmn:sequenceFlow id="f2b" sourceRef="fork" targetRef="again"/>'
    '<bpmn:sequenceFlow id="f_note" sourceRef="fork" targetRef="note"/>'
    '<bpmn:sequenceFlow id="f_note2" sourceRef="note" targetRef="note_end"/>').replace(
    '<bpmn:incoming>f2</bpmn:incoming>\n      <bpmn:outgoing>back</bpmn:outgoing>',
    '<bpmn:incoming>f2b</bpmn:incoming>\n      <bpmn:outgoing>back</bpmn:outgoing>')


def test_branches_that_ended_inside_the_loop_still_merge_at_the_end():
    """A branch of each round ends at an end event while the loop goes on: the workflow's
    end join merges them all when the case ends, pruned or not."""
    plain, spec, subs = in_memory(source=BRANCH_ENDS, process="bench_loop")
    pruned = in_memory(source=BRANCH_ENDS, process="bench_loop")[0]
    for n in range(12):
        for wf in (plain, pruned):
            run(wf, "review", again=n < 11, k=n, **({"round_%d" % n: n} if n % 4 == 0 else {}))
        pruned = spiff.load_state(prune(spiff.dump_state(pruned)), spiff.serializer.VERSION, spec, subs)
    assert plain.is_completed() and pruned.is_completed()
    assert pruned.data == plain.data and len(plain.data["noted"]) == 12  # each round's branch merged
