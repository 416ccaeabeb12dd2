"""Case bodies as the API shows them (rows from the engine's queries, shaped for CaseSchema)."""


def present_case(case, tasks=None):
    body = {
        "id": case.id, "number": case.number, "status": case.status, "process": case.process_key,
        "definition": {"key": case.definition.key, "version": case.definition.version},
        "applicant": {"kind": case.applicant_kind, "id_number": case.applicant_id_number,
                      "name": case.applicant_name},
        "data": case.data, "started_by": case.started_by, "created_at": case.created_at,
        "updated_at": case.updated_at, "ended_at": case.ended_at,
    }
    if tasks is not None:
        body["tasks"] = [{"id": t.id, "element_id": t.element_id, "name": t.name, "lane": t.lane, "state": t.state,
                          "assignee": t.assignee}
                         for t in tasks]
    return body


def case_detail(engine, actor, case_id):
    case = engine.runtime.get(case_id, actor)
    body = present_case(case, engine.tasks.for_case(case.id, states=None))
    body["correction"] = engine.runtime.correction(case.id)
    body["opinions"] = engine.tasks.opinions(case.id)
    return body
