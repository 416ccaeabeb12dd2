"""修改部门: rename it, or move it under another department (never under itself)."""
import sqlalchemy as sa

from engine.commands import Command
from engine.errors import InvalidInput, NotFound
from engine.models import Department

from .base import check_text, department_named
from engine.identity.organisation import subtree_ids


class UpdateDepartment(Command):
    def __init__(self, code, changes, actor):
        self.code, self.changes, self.actor = code, changes, actor

    def execute(self, ctx):
        session = ctx.session
        dept = session.scalar(sa.select(Department).where(Department.code == self.code))
        if dept is None:
            raise NotFound("部门不存在", details={"code": self.code})
        problems = {}
        check_text(problems, self.changes, "name", "部门名称", 200, required=True)
        if problems:
            raise InvalidInput("部门信息不正确", details=problems)
        if self.changes.get("name"):
            dept.name = self.changes["name"].strip()
        if "parent" in self.changes:
            code = self.changes["parent"]
            parent = department_named(session, code, "parent") if code else None
            if parent is not None and parent.id in set(session.scalars(subtree_ids(dept.code))):
                raise InvalidInput("不能把部门移到它自己或它的下级部门之下", code="department_cycle",
                                   details={"parent": code})
            dept.parent = parent
        session.flush()
        return dept
