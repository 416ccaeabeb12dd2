"""The floor of our stack: Flask + waitress + SpiffWorkflow state as one JSON row, and nothing else.

    .venv/bin/python bench/floor_server.py --port P --database URL --diagrams FOLDER

Answers the three requests `http_approval.py` sends (start, complete, read) the
way any persisted SpiffWorkflow service must at the least: parse each diagram
once, then per write load the case row, restore the workflow, run it, save
the state and commit. No identities, no trail, no inbox rows, no deadlines, no
masking, no optimistic lock. What Tongban costs above this is what its
guarantees cost; what this costs above raw SpiffWorkflow is the stack's own.
"""
import argparse
import json
import sys
from pathlib import Path

from flask import Flask, jsonify, request
from sqlalchemy import Column, Integer, MetaData, String, Table, Text, create_engine, insert, select, update
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.parser import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

metadata = MetaData()
cases = Table("floor_case", metadata, Column("id", Integer, primary_key=True), Column("process", String(64)),
              Column("status", String(16)), Column("state", Text))


def create_app(url, folder):
    db = create_engine(url)
    metadata.drop_all(db)
    metadata.create_all(db)
    if url.startswith("sqlite"):
        with db.connect() as conn:
            conn.exec_driver_sql("PRAGMA journal_mode=WAL")
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
    specs = {}
    for path in Path(folder).glob("*.bpmn"):
        parser = SpiffBpmnParser()
        parser.add_bpmn_file(str(path))
        specs[path.stem] = (parser.get_spec(path.stem), parser.get_subprocess_specs(path.stem))

    def save(wf):
        dct = serializer.to_dict(wf)
        dct.pop("spec"), dct.pop("subprocess_specs")
        return json.dumps(dct)

    def load(row):
        dct = json.loads(row.state)
        # The registry passes spec objects through untouched: parsed once, reused by every load.
        dct["spec"], dct["subprocess_specs"] = specs[row.process]
        return serializer.from_dict(dct)

    def ready(case_id, wf):
        return [{"id": f"{case_id}.{t.id}", "state": "READY"} for t in wf.get_tasks(state=TaskState.READY, manual=True)]

    app = Flask(__name__)

    @app.post("/api/v1/cases")
    def start():
        body = request.get_json()
        wf = BpmnWorkflow(*specs[body["process"]])
        wf.get_tasks(state=TaskState.READY)[0].data.update({"applicant": body["applicant"], **body["data"]})
        wf.do_engine_steps()
        with db.begin() as conn:
            case_id = conn.execute(insert(cases).values(process=body["process"], status="running",
                                                        state=save(wf))).inserted_primary_key[0]
        return jsonify(id=case_id, tasks=ready(case_id, wf)), 201

    @app.post("/api/v1/tasks/<task_id>/complete")
    def complete(task_id):
        case_id, spiff_id = task_id.split(".")
        body = request.get_json()
        with db.begin() as conn:
            row = conn.execute(select(cases).where(cases.c.id == int(case_id))).one()
            wf = load(row)
            task = next(t for t in wf.get_tasks(state=TaskState.READY, manual=True) if str(t.id) == spiff_id)
            task.data.update(body["data"])
            task.run()
            wf.do_engine_steps()
            conn.execute(update(cases).where(cases.c.id == row.id).values(
                state=save(wf), status="completed" if wf.is_completed() else "running"))
        return jsonify(next_tasks=ready(case_id, wf))

    @app.get("/api/v1/cases/<int:case_id>")
    def read(case_id):
        with db.connect() as conn:
            status = conn.execute(select(cases.c.status).where(cases.c.id == case_id)).scalar_one()
        return jsonify(id=case_id, status=status)

    return app


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--database", required=True)
    ap.add_argument("--diagrams", required=True)
    args = ap.parse_args()
    from waitress import serve
    serve(create_app(args.database, args.diagrams), host="127.0.0.1", port=args.port, threads=8, _quiet=True)


if __name__ == "__main__":
    sys.exit(main())
