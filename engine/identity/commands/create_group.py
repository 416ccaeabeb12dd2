"""新建办理组: the name a lane uses, a display name, its kind and (optionally) its department."""
from engine.commands import Command
from engine.errors import Conflict, InvalidInput
from engine.models import OrgGroup

from .base import check_kind, check_text, department_named


class CreateGroup(Command):
    def __init__(self, name, display_name, kind, department, actor):
        self.name, self.display_name, self.kind = name, display_name, kind
        self.department, self.actor = department, actor

    def execute(self, ctx):
        problems = {}
        check_text(problems, {"name": self.name}, "name", "组名", 200, required=True)
        check_text(problems, {"display_name": self.display_name}, "display_name", "显示名称", 200)
        if problems:
            raise InvalidInput("办理组信息不正确", details=problems)
        check_kind(self.kind)
        session = ctx.session
        if session.get(OrgGroup, self.name) is not None:
            raise Conflict("办理组已存在", code="group_exists", details={"name": self.name})
        department = department_named(session, self.department) if self.department else None
        group = OrgGroup(name=self.name, display_name=(self.display_name or "").strip() or self.name,
                         kind=self.kind, department=department)
        session.add(group)
        session.flush()
        return group
