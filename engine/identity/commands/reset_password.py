"""重置密码: a generated password, shown once, to be changed at the next login; the
person's open sessions end (whoever knew the old password is logged out)."""
from werkzeug.security import generate_password_hash

from engine.commands import Command
from engine.identity import passwords

from .base import user_named
from .update_person import end_sessions


class ResetPassword(Command):
    def __init__(self, name, actor):
        self.name, self.actor = name, actor

    def execute(self, ctx):
        user = user_named(ctx.session, self.name)
        password = passwords.generate()
        user.password_hash = generate_password_hash(password)
        user.password_change_required = True
        end_sessions(ctx.session, user.id)
        return password
