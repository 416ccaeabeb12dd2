"""Due timers drained by 1 and 2 worker processes, on PostgreSQL.

    .venv/bin/python bench/timers.py [--timers 1000]

A diagram drawn here: start → a one-day timer → end. N cases are started; then
worker processes (each its own engine, its clock moved two days on) run
``run_due_jobs`` until nothing is due. Printed: seconds to drain and fires/s, for
1 worker and for 2 (a fresh set of cases each), from the first fire to the last
(the workers' start-up excluded).
"""
import argparse
import subprocess
import sys
import time
from datetime import timedelta
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


def worker(url):
    """One worker process: fire until nothing is due (two empty polls in a row)."""
    from engine import Engine

    engine = Engine(url)
    engine.clock.travel(timedelta(days=2))
    empty, first, last = 0, None, None
    while empty < 2:
        began = time.time()
        if engine.management.run_due_jobs():
            first, last, empty = first or began, time.time(), 0
        else:
            empty += 1
            time.sleep(0.2)
    engine.close()
    print(first or 0, last or 0, flush=True)  # the span this worker fired in (process start-up excluded)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--worker":
        return worker(sys.argv[2])
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--timers", type=int, default=1000)
    args = ap.parse_args()

    import sqlalchemy as sa

    from engine import Engine
    from engine.models import Case, Job
    from http_approval import postgres_url

    url, drop = postgres_url()
    try:
        engine = Engine(url)
        engine.migrate()
        engine.repository.deploy([("bench_wait.bpmn", WAIT)])
        print(f"{args.timers} due timers (start → P1D timer → end), PostgreSQL, worker processes")
        print(f"{'workers':>7} {'start s':>8} {'drain s':>8} {'fires/s':>8}")
        for workers in (1, 2):
            start = time.perf_counter()
            for _ in range(args.timers):
                engine.runtime.start("bench_wait", PERSON)
            started = time.perf_counter() - start
            procs = [subprocess.Popen([sys.executable, __file__, "--worker", url], stdout=subprocess.PIPE, text=True)
                     for _ in range(workers)]
            spans = [tuple(float(x) for x in p.communicate()[0].split()) for p in procs]
            drained = max(last for _, last in spans) - min(first for first, _ in spans if first)
            with engine.db.read() as s:
                left = s.scalar(sa.select(sa.func.count()).select_from(Job))
                running = s.scalar(sa.select(sa.func.count()).select_from(Case).where(Case.status == "running"))
            assert left == 0 and running == 0, (left, running)
            print(f"{workers:7d} {started:8.1f} {drained:8.1f} {args.timers / drained:8.1f}", flush=True)
        engine.close()
    finally:
        drop()


if __name__ == "__main__":
    main()
