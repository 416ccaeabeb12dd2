"""修改密码: a person replaces their own password, proving the old one."""
from werkzeug.security import check_password_hash, generate_password_hash

from engine.commands import Command
from engine.errors import InvalidInput
from engine.identity import passwords

from .base import user_named


class ChangePassword(Command):
    def __init__(self, name, old, new):
        self.name, self.old, self.new = name, old, new

    def execute(self, ctx):
        user = user_named(ctx.session, self.name)
        if not user.password_hash or not check_password_hash(user.password_hash, self.old or ""):
            raise InvalidInput("原密码不正确", code="wrong_password", details={"old_password": "原密码不正确"})
        if self.new == self.old:
            raise InvalidInput("新密码不能与原密码相同", code="weak_password",
                               details={"new_password": "新密码不能与原密码相同"})
        reason = passwords.problem(self.new, user.name)
        if reason:
            raise InvalidInput(reason, code="weak_password", details={"new_password": reason})
        user.password_hash = generate_password_hash(self.new)
        user.password_change_required = False
        return user
