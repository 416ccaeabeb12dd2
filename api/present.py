"""Case bodies as the API shows them (rows from the engine's queries, shaped for CaseSchema)."""
from engine.supervision import SupervisionService


def present_case(case, tasks=None):
    body = {
        "id": case.id, "number": case.number, "status": case.status, "process": case.process_key,
        "definition": {"key": case.definition.key, "version": case.definition.version},
        "applicant": {"kind": case.applicant_kind, "id_number": case.applicant_id_number,
                      "name": case.applicant_name},
        "data": case.data, "started_by": case.started_by, "created_at": case.created_at,
        "updated_at": case.updated_at, "ended_at": case.ended_at, "outcome": case.outcome,
        "channel": case.channel, "clock": SupervisionService.clock_of(case),
    }
    if tasks is not None:
        body["tasks"] = [{"id": t.id, "name": t.name, "lane": t.lane, "state": t.state, "assignee": t.assignee,
                          "due_at": t.due_at, "card": t.card} for t in tasks]
    return body


def case_detail(engine, actor, case_id):
    case = engine.runtime.get(case_id, actor)
    return present_case(case, engine.tasks.for_case(case.id, states=None))
