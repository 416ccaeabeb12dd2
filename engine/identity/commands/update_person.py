"""修改人员: edit, move to another department, change role or groups, disable or enable.

Disabling someone ends their sessions and gives each task they had claimed back
to its group (unassigned), with a ``task_unclaimed`` event (reason
``person_disabled``) in that case's trail, every case locked like any other
write: all of it lands together or nothing does."""
import sqlalchemy as sa

from engine import history
from engine.commands import Command
from engine.errors import InvalidInput
from engine.models import HumanTask, WebSession, utcnow
from engine.runtime.executor import lock_case

from .base import apply_person, person_problems, require_department_for_supervisor, user_named

EDITABLE = ("display_name", "role", "department", "groups", "position", "phone", "active",
            "password_change_required")


class UpdatePerson(Command):
    def __init__(self, name, changes, actor):
        self.name, self.changes, self.actor = name, dict(changes), actor

    def execute(self, ctx):
        session, changes = ctx.session, self.changes
        unknown = sorted(set(changes) - set(EDITABLE))
        if unknown:
            raise InvalidInput("不能修改这些字段", details={k: "未知字段" for k in unknown})
        user = user_named(session, self.name)
        if self.actor is not None and self.actor.name == user.name and (
                changes.get("active") is False or changes.get("role", user.role) != user.role):
            raise InvalidInput("不能停用自己或修改自己的角色", code="self_lockout", details={"name": user.name})
        problems, department, groups = person_problems(session, changes, creating=False)
        if not problems:
            apply_person(user, changes, department, groups)
            require_department_for_supervisor(user, problems)
        if problems:
            raise InvalidInput("人员信息不正确", details=problems)
        if "password_change_required" in changes:
            user.password_change_required = bool(changes["password_change_required"])
        if "active" in changes and bool(changes["active"]) != user.active:
            user.active = bool(changes["active"])
            if not user.active:
                user.released = release_claimed_tasks(ctx, user.name, "person_disabled")
                end_sessions(session, user.id)
        session.flush()
        return user


def release_claimed_tasks(ctx, login, reason):
    """Give every open task ``login`` claimed back to its group; returns their ids."""
    session = ctx.session
    rows = session.scalars(sa.select(HumanTask).where(HumanTask.assignee == login, HumanTask.state == "READY")
                           .order_by(HumanTask.case_id, HumanTask.id)).all()
    locked = {}
    for row in rows:
        if row.case_id not in locked:  # the same version check as every case write
            locked[row.case_id] = lock_case(session, row.case_id)
        row.assignee, row.claimed_at = None, None
        history.append(session, locked[row.case_id], history.TASK_UNCLAIMED,
                       actor=ctx.actor.name if ctx.actor else None, task_id=row.id, element_id=row.element_id,
                       data={"name": row.name, "previous_assignee": login, "reason": reason})
    return [row.id for row in rows]


def end_sessions(session, user_id):
    now = utcnow()
    rows = session.scalars(sa.select(WebSession).where(WebSession.user_id == user_id,
                                                       WebSession.revoked_at.is_(None))).all()
    for row in rows:
        row.revoked_at = now
    return len(rows)
