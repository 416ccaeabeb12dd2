"""Bad input loses nothing: hostile scripts, crashes mid-step, timers from several workers."""
import subprocess
import sys
import textwrap
import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from engine import Actor, Engine, Scheduler
from engine.errors import DefinitionInvalid, ScriptError
from engine.models import Case, CaseEvent, HumanTask

from .conftest import ROOT

ADMIN = Actor("admin", "admin")
PERSON = {"kind": "person", "id_number": "11010519491231002X", "name": "张三"}

FLOW = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:process id="{pid}" isExecutable="true">
    <bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="a" name="受理"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    {boundary}
    <bpmn:scriptTask id="x" name="脚本"><bpmn:incoming>{into_script}</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:script>{script}</bpmn:script></bpmn:scriptTask>
    <bpmn:endEvent id="e"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="e2"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="a"/>
    <bpmn:sequenceFlow id="f2" sourceRef="a" targetRef="{after_task}"/>
    {timer_flow}
    <bpmn:sequenceFlow id="f3" sourceRef="x" targetRef="e"/>
  </bpmn:process>
</bpmn:definitions>"""


def script_after_task(pid, script):
    """start → user task → script → end: the script runs when a clerk completes the task."""
    return FLOW.format(pid=pid, script=script, boundary="", into_script="f2", after_task="x", timer_flow="") \
        .replace('<bpmn:endEvent id="e2"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>', "")


def timer_on_task(pid, duration):
    """start → user task with an interrupting boundary timer → script (outcome) → end."""
    boundary = (f'<bpmn:boundaryEvent id="t" name="超时" attachedToRef="a" cancelActivity="true">'
                f'<bpmn:outgoing>ft</bpmn:outgoing><bpmn:timerEventDefinition>'
                f'<bpmn:timeDuration>{duration}</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>')
    return FLOW.format(pid=pid, script='outcome = "expired"', boundary=boundary, into_script="ft",
                       after_task="e2", timer_flow='<bpmn:sequenceFlow id="ft" sourceRef="t" targetRef="x"/>')


def state_of(engine, case_id):
    with engine.db.read() as s:
        case = s.get(Case, case_id)
        events = s.scalar(sa.select(sa.func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case_id))
        tasks = [(t.element_id, t.state) for t in s.scalars(sa.select(HumanTask).where(HumanTask.case_id == case_id))]
        return case.row_version, case.status, events, tasks


# Refused by the sandbox's compiler when the diagram is deployed.
REFUSED_AT_DEPLOY = [
    "import os\nos.system('touch {marker}')",
    "().__class__.__base__.__subclasses__()",
    "__import__('os').system('touch {marker}')",
    "getattr(__builtins__, 'open')('{marker}', 'w')",
]
# Compile fine, so they can only be stopped while running.
STOPPED_AT_RUN = [
    "open('{marker}', 'w').write('x')",
    "x = 0\nwhile True:\n    x += 1",
    "big = 'x' * (10 ** 10)",
    "n = 10 ** 10 ** 10",
]


@pytest.mark.parametrize("script", REFUSED_AT_DEPLOY)
def test_hostile_scripts_are_refused_at_deployment(engine, tmp_path, script):
    source = script_after_task("hostile", script.format(marker=tmp_path / "pwned"))
    with pytest.raises(DefinitionInvalid) as err:
        engine.repository.deploy([("hostile.bpmn", source)])
    assert "x:script" in err.value.details["expressions"]
    assert engine.repository.list() == []


@pytest.mark.parametrize("script", STOPPED_AT_RUN)
def test_hostile_scripts_fail_cleanly_at_run_time_and_touch_nothing(engine, tmp_path, script):
    marker = tmp_path / "pwned"
    engine.repository.deploy([("hostile.bpmn", script_after_task("hostile", script.format(marker=marker)))])
    case = engine.runtime.start("hostile", PERSON)
    task = engine.tasks.for_case(case.id)[0]
    before = state_of(engine, case.id)
    with pytest.raises(ScriptError) as err:
        engine.tasks.complete(task.id, ADMIN, {})
    assert err.value.details["task"] == "x"
    assert state_of(engine, case.id) == before
    assert not marker.exists()


def test_hostile_gateway_condition_is_refused_at_deployment(engine, tmp_path):
    marker = tmp_path / "pwned"
    source = (ROOT / "processes" / "no_criminal_record.bpmn").read_text().replace(
        'acceptance == "accept"', f"__import__('os').system('touch {marker}') == 0")
    engine.repository.deploy_paths([ROOT / "forms"])
    with pytest.raises(DefinitionInvalid) as err:
        engine.repository.deploy([("no_criminal_record.bpmn", source)])
    assert any(k.endswith(":conditionExpression") for k in err.value.details["expressions"])
    assert not marker.exists()


def test_a_script_error_on_start_stores_no_case(engine):
    source = FLOW.format(pid="boom", script="x = 1 / 0", boundary="", into_script="f2", after_task="x",
                         timer_flow="").replace('<bpmn:endEvent id="e2"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>', "")
    source = source.replace('<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="a"/>',
                            '<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="x"/>')
    source = source.replace('<bpmn:userTask id="a" name="受理"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>', "")
    source = source.replace('<bpmn:sequenceFlow id="f2" sourceRef="a" targetRef="x"/>', "")
    source = source.replace("<bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>",
                            "<bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>")
    engine.repository.deploy([("boom.bpmn", source)])
    with pytest.raises(ScriptError) as err:
        engine.runtime.start("boom", PERSON)
    assert err.value.details["task"] == "x" and err.value.details["error"] == "ZeroDivisionError"
    with engine.db.read() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Case)) == 0


CRASH = textwrap.dedent("""
    import os, sys
    sys.path.insert(0, {root!r})
    from engine import Engine, Actor
    from engine.runtime import step

    original = step.Step.finish

    def finish_then_die(self):
        original(self)
        self.session.flush()   # every row of the step is in the database, uncommitted
        os._exit(17)           # the process dies before COMMIT

    step.Step.finish = finish_then_die
    engine = Engine({url!r})
    engine.tasks.complete({task_id}, Actor("admin", "admin"), {{"acceptance": "accept"}})
""")


def test_a_crash_between_steps_leaves_no_half_written_case(deployed, database_url):
    case = deployed.runtime.start("no_criminal_record", PERSON)
    task = deployed.tasks.for_case(case.id)[0]
    before = state_of(deployed, case.id)
    deployed.close()
    script = CRASH.format(root=str(ROOT), url=database_url, task_id=task.id)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 17, proc.stderr
    survivor = Engine(database_url)
    try:
        assert state_of(survivor, case.id) == before
        survivor.tasks.complete(task.id, ADMIN, {"acceptance": "accept"})  # and the case still works
        assert [t.element_id for t in survivor.tasks.for_case(case.id)] == ["review"]
    finally:
        survivor.close()


def test_the_scheduler_fires_a_timer_on_time(engine):
    engine.repository.deploy([("quick.bpmn", timer_on_task("quick", "PT1S"))])
    case = engine.runtime.start("quick", PERSON)
    scheduler = Scheduler(engine).start()
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with engine.db.read() as s:
                if s.get(Case, case.id).status != "running":
                    break
            time.sleep(0.1)
    finally:
        scheduler.stop()
    with engine.db.read() as s:
        done = s.get(Case, case.id)
    assert done.status == "completed" and done.data["outcome"] == "expired"
    fired = [e for e in engine.history.trail(case.id) if e.type == "timer_fired"]
    assert len(fired) == 1
    print(f"timer due {done.created_at + timedelta(seconds=1)}, fired {fired[0].at}")


def test_several_workers_never_fire_one_timer_twice(database_url, deployed):
    deployed.repository.deploy([("slow.bpmn", timer_on_task("slow", "P5D"))])
    ids = [deployed.runtime.start("slow", PERSON).id for _ in range(12)]
    deployed.clock.travel(timedelta(days=6))
    workers = [Engine(database_url) for _ in range(3)]
    barrier = threading.Barrier(len(workers))

    def work(engine):
        barrier.wait()
        for _ in range(10):
            engine.management.run_due_jobs(limit=3)

    threads = [threading.Thread(target=work, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for w in workers:
        w.close()
    for case_id in ids:
        fired = [e for e in deployed.history.trail(case_id) if e.type == "timer_fired"]
        assert len(fired) == 1
        with deployed.db.read() as s:
            assert s.get(Case, case_id).status == "completed"


def test_a_failing_timer_path_is_kept_with_its_reason_and_can_be_retried(engine):
    source = timer_on_task("fragile", "PT1H").replace('outcome = "expired"', "outcome = 1 / 0")
    engine.repository.deploy([("fragile.bpmn", source)])
    case = engine.runtime.start("fragile", PERSON)
    before = state_of(engine, case.id)
    engine.clock.travel(timedelta(hours=2))
    assert engine.management.run_due_jobs() == 1
    [job] = engine.management.failed_jobs()
    assert job.case_id == case.id and job.attempts == 1 and "ZeroDivisionError" in job.last_error
    assert state_of(engine, case.id) == before           # the case is untouched
    assert engine.management.run_due_jobs() == 0          # backing off
    engine.management.retry(job.id)
    assert engine.management.run_due_jobs() == 1
    assert engine.management.failed_jobs()[0].attempts == 1
