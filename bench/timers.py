"""Due timers drained by 1 and 2 worker processes on PostgreSQL, next to raw SpiffWorkflow.

    .venv/bin/python bench/timers.py [--timers 10000] [--workers 1,2] [--starters 2]

A diagram drawn here: start → a one-day timer → end. The floor: raw SpiffWorkflow
(no database, no serialisation) runs N such workflows to the timer in memory, then,
its clock two days on, fires them all. Then, on PostgreSQL, for each worker count, N
cases are started (by ``--starters`` processes; not timed) and that many worker
processes (each its own engine, its clock two days on) run ``run_due_jobs`` until
nothing is due. Printed per worker count: seconds from the first fire to the last
(the workers' start-up excluded), fires/s, worker CPU per fire, and the ratio of the
wall time to the raw floor's. Every case is checked: fired exactly once, completed.

``TONGBAN_TIMER_SYNC_COMMIT=1`` in the environment measures fires that wait for
the WAL flush (``engine/management/jobs.py``).
"""
import argparse
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

WAIT = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="Defs_wait"
                  targetNamespace="http://tongban.example/bench">
  <bpmn:process id="bench_wait" name="等待一天" isExecutable="true">
    <bpmn:startEvent id="start" name="申请"><bpmn:outgoing>f0</bpmn:outgoing></bpmn:startEvent>
    <bpmn:intermediateCatchEvent id="wait" name="一天后"><bpmn:incoming>f0</bpmn:incoming>
      <bpmn:outgoing>f1</bpmn:outgoing>
      <bpmn:timerEventDefinition><bpmn:timeDuration>"P1D"</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:endEvent id="end" name="办结"><bpmn:incoming>f1</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="wait"/>
    <bpmn:sequenceFlow id="f1" sourceRef="wait" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
"""
PERSON = {"kind": "person", "id_number": "11010519491231002X", "name": "张三"}
LATER = timedelta(days=2)


# ---- raw SpiffWorkflow: the floor ------------------------------------------------------

def raw_fire_seconds(n):
    """Seconds raw SpiffWorkflow takes to fire ``n`` due timers of WAIT held in memory."""
    import tempfile

    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer
    from SpiffWorkflow.spiff.parser import SpiffBpmnParser

    with tempfile.NamedTemporaryFile("w", suffix=".bpmn", encoding="utf-8") as f:
        f.write(WAIT)
        f.flush()
        parser = SpiffBpmnParser()
        parser.add_bpmn_file(f.name)
    spec, subs = parser.get_spec("bench_wait"), parser.get_subprocess_specs("bench_wait")
    workflows = []
    for _ in range(n):
        wf = BpmnWorkflow(spec, subs)
        wf.do_engine_steps()
        workflows.append(wf)

    class Later(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime.now(tz) + LATER

    real, spiff_timer.datetime = spiff_timer.datetime, Later
    try:
        began = time.perf_counter()
        for wf in workflows:
            wf.refresh_timers()
            wf.do_engine_steps()
        seconds = time.perf_counter() - began
    finally:
        spiff_timer.datetime = real
    assert all(wf.is_completed() for wf in workflows)
    return seconds


# ---- the engine's processes -------------------------------------------------------------

def starter(url, n):
    """Start ``n`` cases (set-up, not measured: their commits need not wait for the disk)."""
    import sqlalchemy as sa

    from engine import Engine

    engine = Engine(url)
    no_wait = sa.text("SET LOCAL synchronous_commit TO OFF")
    for _ in range(n):
        engine.runtime.start("bench_wait", PERSON, within=lambda session, _: session.execute(no_wait))
    engine.close()


def worker(url):
    """One worker process: fire until nothing is due (two empty polls in a row)."""
    from engine import Engine

    engine = Engine(url)
    engine.clock.travel(LATER)
    empty, first, last, fired, cpu = 0, None, None, 0, 0.0
    while empty < 2:
        began, cpu0 = time.time(), time.process_time()
        got = engine.management.run_due_jobs()
        if got:
            first, last, empty, fired = first or began, time.time(), 0, fired + got
            cpu += time.process_time() - cpu0
        else:
            empty += 1
            time.sleep(0.2)
    engine.close()
    print(first or 0, last or 0, fired, cpu, flush=True)  # the span this worker fired in


def run(args, *extra):
    return subprocess.Popen([sys.executable, __file__, *map(str, args), *extra], stdout=subprocess.PIPE, text=True)


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "--worker":
        return worker(sys.argv[2])
    if len(sys.argv) >= 4 and sys.argv[1] == "--start":
        return starter(sys.argv[2], int(sys.argv[3]))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--timers", type=int, default=10_000)
    ap.add_argument("--workers", default="1,2", help="worker counts to run, comma-separated")
    ap.add_argument("--starters", type=int, default=2, help="processes starting the cases (set-up)")
    args = ap.parse_args()
    n = args.timers

    import sqlalchemy as sa

    from engine import Engine
    from engine.models import Case, CaseEvent, Job
    from http_approval import postgres_url

    raw_fire_seconds(50)  # warm imports
    raw = raw_fire_seconds(n)
    mode = "fires wait for the WAL flush" if os.environ.get("TONGBAN_TIMER_SYNC_COMMIT", "") not in ("", "0") \
        else "fires commit without waiting for the WAL flush"
    print(f"{n} due timers (start → P1D timer → end); PostgreSQL worker processes, {mode}")
    print(f"{'':24} {'drain s':>8} {'fires/s':>8} {'CPU ms/fire':>11} {'× raw':>7}")
    print(f"{'raw SpiffWorkflow, memory':24} {raw:8.2f} {n / raw:8.0f} {1000 * raw / n:11.2f} {1:7.0f}", flush=True)
    url, drop = postgres_url()
    try:
        engine = Engine(url)
        engine.migrate()
        engine.repository.deploy([("bench_wait.bpmn", WAIT)])
        for workers in (int(w) for w in args.workers.split(",")):
            share = [n // args.starters + (i < n % args.starters) for i in range(args.starters)]
            for p in [run(["--start", url, k]) for k in share if k]:
                p.communicate()
            procs = [run(["--worker", url]) for _ in range(workers)]
            spans = [tuple(float(x) for x in p.communicate()[0].split()) for p in procs]
            drained = max(s[1] for s in spans) - min(s[0] for s in spans if s[0])
            cpu_ms = 1000 * sum(s[3] for s in spans) / max(1, sum(s[2] for s in spans))
            with engine.db.read() as s:
                left = s.scalar(sa.select(sa.func.count()).select_from(Job))
                running = s.scalar(sa.select(sa.func.count()).select_from(Case).where(Case.status == "running"))
                twice = s.scalar(sa.select(sa.func.count()).select_from(
                    sa.select(CaseEvent.case_id).where(CaseEvent.type == "timer_fired")
                    .group_by(CaseEvent.case_id).having(sa.func.count() > 1).subquery()))
            assert left == 0 and running == 0 and twice == 0, (left, running, twice)
            label = f"engine, {workers} worker{'s' if workers > 1 else ''}"
            print(f"{label:24} {drained:8.2f} {n / drained:8.0f} {cpu_ms:11.2f} {drained / raw:7.0f}", flush=True)
        engine.close()
    finally:
        drop()


if __name__ == "__main__":
    main()
