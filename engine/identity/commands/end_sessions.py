"""全部下线: end every browser session of a person now (API tokens are revoked on their own)."""
from engine.commands import Command

from .base import user_named
from .update_person import end_sessions


class EndSessions(Command):
    def __init__(self, name, actor):
        self.name, self.actor = name, actor

    def execute(self, ctx):
        return end_sessions(ctx.session, user_named(ctx.session, self.name).id)
