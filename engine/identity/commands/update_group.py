"""修改办理组: display name, kind, department. The name stays: lanes use it."""
from engine.commands import Command
from engine.errors import InvalidInput

from .base import check_kind, check_text, department_named, group_named


class UpdateGroup(Command):
    def __init__(self, name, changes, actor):
        self.name, self.changes, self.actor = name, changes, actor

    def execute(self, ctx):
        group = group_named(ctx.session, self.name)
        problems = {}
        check_text(problems, self.changes, "display_name", "显示名称", 200, required=True)
        if problems:
            raise InvalidInput("办理组信息不正确", details=problems)
        if "kind" in self.changes:
            check_kind(self.changes["kind"])
            group.kind = self.changes["kind"]
        if self.changes.get("display_name"):
            group.display_name = self.changes["display_name"].strip()
        if "department" in self.changes:
            code = self.changes["department"]
            group.department = department_named(ctx.session, code) if code else None
        ctx.session.flush()
        return group
