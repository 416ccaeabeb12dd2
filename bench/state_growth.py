"""How a looping case's stored state grows with its rounds, and what saving and loading it costs.

    .venv/bin/python bench/state_growth.py [--rounds 10,100,300]

A diagram drawn here: one user task, then a gateway that loops back to it while
``again`` is true (a case sent back again and again, 补正 after 补正). The
case runs through the engine on SQLite; at each checkpoint the stored state's
size and one load + save of it (what every unit of work on the case does) are measured.
"""
import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LOOP = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="Defs_loop"
                  targetNamespace="http://tongban.example/bench">
  <bpmn:process id="bench_loop" name="反复补正" isExecutable="true">
    <bpmn:startEvent id="start" name="申请"><bpmn:outgoing>f0</bpmn:outgoing></bpmn:startEvent>
    <bpmn:exclusiveGateway id="merge" name="汇合"><bpmn:incoming>f0</bpmn:incoming>
      <bpmn:incoming>back</bpmn:incoming><bpmn:outgoing>f1</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:userTask id="review" name="审查"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:exclusiveGateway id="again" name="再来一轮" default="done"><bpmn:incoming>f2</bpmn:incoming>
      <bpmn:outgoing>back</bpmn:outgoing><bpmn:outgoing>done</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:endEvent id="end" name="办结"><bpmn:incoming>done</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="merge"/>
    <bpmn:sequenceFlow id="f1" sourceRef="merge" targetRef="review"/>
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="again"/>
    <bpmn:sequenceFlow id="back" sourceRef="again" targetRef="merge">
      <bpmn:conditionExpression>again == True</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="done" sourceRef="again" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", default="10,100,300")
    args = ap.parse_args()
    checkpoints = sorted(int(x) for x in args.rounds.split(","))

    import json

    import sqlalchemy as sa

    from engine import Actor, Engine, spiff
    from engine.models import Case
    from engine.spiff.prune import prune

    admin = Actor("bench", "admin")
    with tempfile.TemporaryDirectory() as tmp:
        engine = Engine(f"sqlite:///{tmp}/state.sqlite")
        engine.migrate()
        engine.repository.deploy([("bench_loop.bpmn", LOOP)])
        case = engine.runtime.start("bench_loop", {"kind": "person", "id_number": "11010519491231002X",
                                                   "name": "张三"})
        print(f"{'rounds':>6} {'state KB':>9} {'load+save ms':>13} {'complete ms':>12}")
        done = 0
        for target in checkpoints:
            times = []
            while done < target:
                [task] = engine.tasks.for_case(case.id)
                start = time.perf_counter()
                engine.tasks.complete(task.id, admin, {"again": True})
                times.append(1000 * (time.perf_counter() - start))
                done += 1
            with engine.db.read() as s:
                row = s.scalars(sa.select(Case).where(Case.id == case.id).options(sa.orm.undefer(Case.state))).one()
                state, version, definition_id = row.state, row.serializer_version, row.definition_id
                with engine.db.read() as s2:
                    specs = engine.repository.specs(s2, definition_id)
            cost = []
            for _ in range(5):
                start = time.perf_counter()
                wf = spiff.load_state(state, version, *specs)
                prune(spiff.dump_state(wf))  # what a step stores
                cost.append(1000 * (time.perf_counter() - start))
            size = len(json.dumps(state)) / 1024
            print(f"{target:6d} {size:9.1f} {statistics.median(cost):13.1f} {statistics.median(times[-5:]):12.1f}",
                  flush=True)
        engine.close()


if __name__ == "__main__":
    main()
