"""One approval flow, four ways, in one run: how much does Tongban cost over raw SpiffWorkflow?

    .venv/bin/python bench/approval_flow.py [--cases N] [--no-postgres]

1. raw SpiffWorkflow in memory (parse once, run each case start to end);
2. raw SpiffWorkflow with naive persistence: the whole JSON in one SQLite row,
   loaded and saved around every step;
3. Tongban's engine (sandbox, form validation, trail, inbox rows, jobs, version
   check) on SQLite;
4. the same on PostgreSQL (a throwaway database on 127.0.0.1:5432).

The flow is processes/no_criminal_record.bpmn: 受理 → 审查 → 出件, three user tasks.
Prints cases/s and each variant's ratio to raw in-memory.
"""
import argparse
import os
import sqlite3
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from SpiffWorkflow.bpmn import BpmnWorkflow  # noqa: E402
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer  # noqa: E402
from SpiffWorkflow.spiff.parser import SpiffBpmnParser  # noqa: E402
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG  # noqa: E402
from SpiffWorkflow.util.task import TaskState  # noqa: E402

PROCESS = "no_criminal_record"
APPLICANT = {"kind": "person", "id_number": "11010519491231002X", "name": "张三"}
STEPS = [
    ("accept", {"acceptance": "accept", "purpose": "employment"}),
    ("review", {"decision": "approve", "review_opinion": "经核查无犯罪记录"}),
    ("deliver", {"certificate_number": "NCR-0001", "delivery_method": "window"}),
]


def raw_spec():
    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(ROOT / "processes" / f"{PROCESS}.bpmn"))
    return parser.get_spec(PROCESS), parser.get_subprocess_specs(PROCESS)


def complete(wf, element, data):
    task = next(t for t in wf.get_tasks(state=TaskState.READY, manual=True) if t.task_spec.bpmn_id == element)
    task.data.update(data)
    task.run()
    wf.do_engine_steps()


def run_raw_memory(n):
    spec, subs = raw_spec()
    for _ in range(n):
        wf = BpmnWorkflow(spec, subs)
        wf.get_tasks(state=TaskState.READY)[0].data.update({"applicant": APPLICANT})
        wf.do_engine_steps()
        for element, data in STEPS:
            complete(wf, element, data)
        assert wf.is_completed()


def run_raw_json_table(n):
    spec, subs = raw_spec()
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
    with tempfile.TemporaryDirectory() as tmp:
        db = sqlite3.connect(os.path.join(tmp, "raw.sqlite"))
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE wf (id INTEGER PRIMARY KEY, state TEXT)")
        for _ in range(n):
            wf = BpmnWorkflow(spec, subs)
            wf.get_tasks(state=TaskState.READY)[0].data.update({"applicant": APPLICANT})
            wf.do_engine_steps()
            with db:
                case_id = db.execute("INSERT INTO wf (state) VALUES (?)", (serializer.serialize_json(wf),)).lastrowid
            for element, data in STEPS:
                with db:
                    state = db.execute("SELECT state FROM wf WHERE id = ?", (case_id,)).fetchone()[0]
                    wf = serializer.deserialize_json(state)
                    complete(wf, element, data)
                    db.execute("UPDATE wf SET state = ? WHERE id = ?", (serializer.serialize_json(wf), case_id))
        db.close()


def run_tongban(url, n):
    from engine import Actor, Engine

    engine = Engine(url)
    engine.migrate()
    engine.repository.deploy_paths([ROOT / "forms", ROOT / "processes"])
    clerk = Actor("bench", "admin", frozenset())
    timings = []

    def cases():
        for _ in range(n):
            case = engine.runtime.start(PROCESS, APPLICANT, {})
            for element, data in STEPS:
                task = next(t for t in engine.tasks.for_case(case.id) if t.element_id == element)
                engine.tasks.complete(task.id, clerk, data)

    timings.append(timed(cases))
    engine.close()
    return timings[0]


def timed(fn, *args):
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def postgres_url():
    import sqlalchemy as sa

    server = os.environ.get("TONGBAN_TEST_PG", "postgresql://postgres@127.0.0.1:5432")
    name = f"tongban_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    return f"{server}/{name}", lambda: _drop(admin, name)


def _drop(admin, name):
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=200)
    ap.add_argument("--no-postgres", action="store_true")
    args = ap.parse_args()
    n = args.cases

    run_raw_memory(5)  # warm imports and caches
    results = [("raw SpiffWorkflow, in memory", timed(run_raw_memory, n)),
               ("raw SpiffWorkflow, JSON row in SQLite", timed(run_raw_json_table, n))]
    with tempfile.TemporaryDirectory() as tmp:
        results.append(("Tongban engine, SQLite", run_tongban(f"sqlite:///{tmp}/bench.sqlite", n)))
    if not args.no_postgres:
        url, drop = postgres_url()
        try:
            results.append(("Tongban engine, PostgreSQL", run_tongban(url, n)))
        finally:
            drop()

    base = results[0][1]
    print(f"{n} cases of {PROCESS} (start + {len(STEPS)} user tasks each), 1 process, 1 thread")
    print(f"{'variant':42} {'seconds':>8} {'cases/s':>9} {'ms/case':>8} {'x raw':>7}")
    for label, seconds in results:
        print(f"{label:42} {seconds:8.2f} {n / seconds:9.1f} {1000 * seconds / n:8.2f} {seconds / base:7.1f}")


if __name__ == "__main__":
    main()
