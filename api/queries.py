"""Read-only helpers the engine has no service method for yet (case lists, case
visibility). They only read; candidates for ``engine`` (see the API report).

Scope rules (who sees which case):
- admin, auditor: every case;
- integrator: the cases they started;
- clerk: cases with a task of their groups, or one they were assigned or completed.
"""
import sqlalchemy as sa

from engine.errors import Forbidden, NotFound
from engine.models import Case, HumanTask

from .auth import ADMIN, AUDITOR, CLERK, INTEGRATOR


def scoped(q, actor):
    if actor.role in (ADMIN, AUDITOR):
        return q
    if actor.role == INTEGRATOR:
        return q.where(Case.started_by == actor.name)
    if actor.role == CLERK:
        mine = sa.or_(HumanTask.lane.is_(None), HumanTask.lane.in_(sorted(actor.groups) or ["\0"]),
                      HumanTask.assignee == actor.name, HumanTask.completed_by == actor.name)
        return q.where(sa.exists(sa.select(HumanTask.id).where(HumanTask.case_id == Case.id, mine)))
    raise Forbidden(f"角色 {actor.role} 无权查看办件", details={"role": actor.role})


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
        body["tasks"] = [{"id": t.id, "name": t.name, "lane": t.lane, "state": t.state, "assignee": t.assignee}
                         for t in tasks]
    return body


def visible_case(engine, actor, case_id):
    """The case row if ``actor`` may see it; NotFound otherwise (existence is not leaked)."""
    with engine.db.read() as session:
        case = session.scalars(scoped(sa.select(Case).where(Case.id == case_id), actor)).first()
        if case is None:
            raise NotFound("办件不存在", details={"case_id": case_id})
        return case


def case_detail(engine, actor, case_id):
    case = visible_case(engine, actor, case_id)
    tasks = engine.tasks.for_case(case.id, states=None)
    return present_case(case, tasks)


def list_cases(engine, actor, page, per_page, status=None, process=None, number=None, applicant_id_number=None):
    q = scoped(sa.select(Case), actor)
    if status:
        q = q.where(Case.status == status)
    if process:
        q = q.where(Case.process_key == process)
    if number:
        q = q.where(Case.number == number)
    if applicant_id_number:
        q = q.where(Case.applicant_id_number == applicant_id_number.upper())
    with engine.db.read() as session:
        total = session.scalar(sa.select(sa.func.count()).select_from(q.subquery()))
        rows = session.scalars(q.order_by(Case.id.desc()).limit(per_page).offset((page - 1) * per_page)).all()
        return [present_case(c) for c in rows], total


def open_tasks(engine, lane=None, case_id=None, limit=20, offset=0):
    """Every READY task, for the auditor's read-only view (the engine's inbox is per worker)."""
    q = sa.select(HumanTask).where(HumanTask.state == "READY")
    if lane:
        q = q.where(HumanTask.lane == lane)
    if case_id:
        q = q.where(HumanTask.case_id == case_id)
    with engine.db.read() as session:
        total = session.scalar(sa.select(sa.func.count()).select_from(q.subquery()))
        rows = session.scalars(q.order_by(HumanTask.created_at, HumanTask.id).limit(limit).offset(offset)).all()
        return rows, total
