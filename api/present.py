"""Bodies as the API shows them: rows from the engine's queries, shaped for the
schemas, with each person's real name and department next to their login name.

Names are looked up when a body is made (one query per response), never stored
with the task or the trail event: the trail keeps the login, which never changes.
"""
from engine.supervision.service import SupervisionService

from .schemas import TaskSchema

TASK_FIELDS = [f for f in TaskSchema().fields if not f.endswith(("_name", "_department"))]


def _name(names, login):
    return (names.get(login) or {}).get("name") if login else None


def _department(names, login):
    return (names.get(login) or {}).get("department") if login else None


def task_body(row, names, fields=TASK_FIELDS):
    body = {f: getattr(row, f, None) for f in fields}
    for who in ("assignee", "completed_by"):
        body[f"{who}_name"] = _name(names, getattr(row, who))
        body[f"{who}_department"] = _department(names, getattr(row, who))
    return body


def task_bodies(engine, rows, fields=TASK_FIELDS):
    names = engine.organisation.names({r.assignee for r in rows} | {r.completed_by for r in rows})
    return [task_body(r, names, fields) for r in rows]


def event_bodies(engine, events):
    names = engine.organisation.names({e.actor for e in events})
    return [{"seq": e.seq, "type": e.type, "at": e.at, "actor": e.actor, "actor_name": _name(names, e.actor),
             "actor_department": _department(names, e.actor), "task_id": e.task_id, "element_id": e.element_id,
             "data": e.data, "hash": e.hash} for e in events]


def present_case(case, tasks=None, names=None):
    names = names or {}
    body = {
        "id": case.id, "number": case.number, "status": case.status, "process": case.process_key,
        "definition": {"key": case.definition.key, "version": case.definition.version},
        "applicant": {"kind": case.applicant_kind, "id_number": case.applicant_id_number,
                      "name": case.applicant_name},
        "data": case.data, "started_by": case.started_by, "started_by_name": _name(names, case.started_by),
        "created_at": case.created_at, "updated_at": case.updated_at, "ended_at": case.ended_at,
        "outcome": case.outcome, "channel": case.channel, "clock": SupervisionService.clock_of(case),
    }
    if tasks is not None:
        body["tasks"] = [{"id": t.id, "element_id": t.element_id, "name": t.name, "lane": t.lane, "state": t.state,
                          "assignee": t.assignee, "assignee_name": _name(names, t.assignee),
                          "assignee_department": _department(names, t.assignee),
                          "due_at": t.due_at, "card": t.card} for t in tasks]
    return body


def case_detail(engine, actor, case_id):
    """The case page's body, read in one read session (one snapshot, one connection checkout)."""
    with engine.db.reading():
        case = engine.runtime.get(case_id, actor)
        tasks = engine.tasks.rows_of_case(case.id)
        names = engine.organisation.names({case.started_by} | {t.assignee for t in tasks})
        body = present_case(case, tasks, names)
        body["correction"] = engine.runtime.correction(case.id)
        body["opinions"] = opinions(tasks, nulls_first=not engine.db.is_postgres)
        body["application"] = engine.applicants.siblings(case)  # #10b: the cases applied for together

        # Front window (#9): what the case waits for, its notices, how the result was delivered.
        body["waiting"] = engine.window.waiting(case)
        body["notices"] = engine.window.notices(case.id)
    body["delivery"] = (case.data or {}).get("delivery")
    body["delivery_text"] = engine.window.delivery_text(case)
    return body


def opinions(tasks, nulls_first):
    """``engine.tasks.opinions`` from the case's task rows already read: those that carry an
    opinion, by completion time then id, a missing time where the database's ORDER BY puts it."""
    def key(t):
        missing = t.completed_at is None
        return (not missing if nulls_first else missing, t.completed_at or 0, t.id)
    return sorted((t for t in tasks if t.opinion is not None), key=key)
