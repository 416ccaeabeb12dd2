"""新建部门: a department under another one (or a root such as the service centre)."""
import sqlalchemy as sa

from engine.commands import Command
from engine.errors import Conflict, InvalidInput
from engine.models import Department

from .base import check_code, check_text, department_named


class CreateDepartment(Command):
    def __init__(self, code, name, parent, actor):
        self.code, self.name, self.parent, self.actor = code, name, parent, actor

    def execute(self, ctx):
        check_code(self.code)
        problems = {}
        check_text(problems, {"name": self.name}, "name", "部门名称", 200, required=True)
        if problems:
            raise InvalidInput("部门信息不正确", details=problems)
        session = ctx.session
        if session.scalar(sa.select(Department.id).where(Department.code == self.code)) is not None:
            raise Conflict("部门编码已存在", code="department_exists", details={"code": self.code})
        parent = department_named(session, self.parent, "parent") if self.parent else None
        dept = Department(code=self.code, name=self.name.strip(), parent=parent)
        session.add(dept)
        session.flush()
        return dept
