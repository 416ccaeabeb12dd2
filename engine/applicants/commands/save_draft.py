"""草稿: an applicant keeps one unsent application per matter or theme on the server.
Not checked against the form (a draft may be half filled), only that it is storable data."""
import sqlalchemy as sa

from engine.commands import Command
from engine.errors import InvalidInput, NotFound
from engine.models import ApplicationDraft, utcnow
from engine.spiff import scripting

from ..service_rules import check_target, json_size

MAX_DRAFT_BYTES = 256 * 1024


class SaveDraft(Command):
    def __init__(self, actor, target, data, uploads=(), commitments=()):
        self.actor, self.target, self.data = actor, target, data
        self.uploads, self.commitments = list(uploads or []), list(commitments or [])

    def execute(self, ctx):
        check_target(ctx.session, self.target)
        if not isinstance(self.data, dict):
            raise InvalidInput("草稿数据应为 JSON 对象", details={"data": "应为对象"})
        problem = scripting.data_problem(self.data)
        if problem or json_size(self.data) > MAX_DRAFT_BYTES:
            raise InvalidInput("草稿数据不能保存", details={"data": problem or f"超过 {MAX_DRAFT_BYTES // 1024} KiB"})
        if not all(type(u) is int for u in self.uploads) or not all(isinstance(c, str) for c in self.commitments) \
                or len(self.uploads) > 100 or len(self.commitments) > 100:
            raise InvalidInput("草稿的材料列表不正确", details={"uploads": "应为文件编号列表", "commitments": "应为材料名称列表"})
        row = ctx.session.scalar(sa.select(ApplicationDraft).where(
            ApplicationDraft.owner == self.actor.name, ApplicationDraft.target == self.target))
        if row is None:
            row = ApplicationDraft(owner=self.actor.name, target=self.target)
            ctx.session.add(row)
        row.data, row.uploads, row.commitments, row.updated_at = self.data, self.uploads, self.commitments, utcnow()
        ctx.session.flush()
        return row


class DeleteDraft(Command):
    def __init__(self, actor, target):
        self.actor, self.target = actor, target

    def execute(self, ctx):
        row = ctx.session.scalar(sa.select(ApplicationDraft).where(
            ApplicationDraft.owner == self.actor.name, ApplicationDraft.target == self.target))
        if row is None:
            raise NotFound("没有草稿", details={"target": self.target})
        ctx.session.delete(row)
