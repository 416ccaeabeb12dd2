"""Attachment service: add (one command, one trail event), list, open."""
import os

import sqlalchemy as sa

from engine import history
from engine.commands import CaseCommand
from engine.errors import Forbidden, InvalidInput, NotFound
from engine.models import Attachment, HumanTask, utcnow


class AddAttachment(CaseCommand):
    loads_workflow = False

    def __init__(self, case_id, actor, name, stream, task_id=None):
        self._case_id, self.actor, self.name, self.stream, self.task_id = case_id, actor, name, stream, task_id

    def case_id(self, session):
        return self._case_id

    def prepare(self, engine):
        from engine.tasks.queries import may_see
        from . import TYPES, TooLarge, max_bytes

        engine.runtime.get(self._case_id, self.actor)  # NotFound for a case they may not see
        if self.task_id is not None:
            with engine.db.read() as session:
                row = session.get(HumanTask, self.task_id)
                if row is None or row.case_id != self._case_id or not may_see(self.actor, row):
                    raise NotFound("任务不存在", details={"task_id": self.task_id})
        name = os.path.basename((self.name or "").replace("\\", "/")).strip()
        ext = os.path.splitext(name)[1].lower()
        if not name or len(name) > 255 or ext not in TYPES:
            raise InvalidInput("不支持的附件类型", code="attachment_type",
                               details={"name": name[:255], "allowed": sorted(TYPES)})
        self.name, self.content_type = name, TYPES[ext]
        try:
            self.key, self.size, self.sha256 = engine.attachments.store().put(self.stream, max_bytes())
        except TooLarge:
            raise InvalidInput("附件过大", code="attachment_too_large", details={"max_bytes": max_bytes()}) from None
        if self.size == 0:
            raise InvalidInput("附件为空", code="attachment_empty")

    def execute(self, ctx):
        if ctx.case.status != "running" and not self.actor.is_admin:
            raise Forbidden("办件已办结，不能再上传附件", details={"case_id": ctx.case.id})
        row = Attachment(case_id=ctx.case.id, task_id=self.task_id, name=self.name, content_type=self.content_type,
                         size=self.size, sha256=self.sha256, storage_key=self.key, uploaded_by=self.actor.name,
                         uploaded_at=utcnow())
        ctx.session.add(row)
        ctx.session.flush()
        ctx.event(history.ATTACHMENT_ADDED, task_id=self.task_id, data={
            "attachment_id": row.id, "name": row.name, "size": row.size, "sha256": row.sha256})
        return row


class AttachmentService:
    def __init__(self, engine):
        self.engine = engine
        self._store = None

    def store(self):
        from . import default_store
        return self._store or default_store()

    def use_store(self, store):
        """Plug in another store (object storage, …) with ``put`` and ``open``."""
        self._store = store

    def add(self, case_id, actor, name, stream, task_id=None):
        return self.engine.execute(AddAttachment(case_id, actor, name, stream, task_id))

    def list(self, case_id):
        with self.engine.db.read() as session:
            return session.scalars(sa.select(Attachment).where(Attachment.case_id == case_id)
                                   .order_by(Attachment.id)).all()

    def get(self, case_id, attachment_id):
        with self.engine.db.read() as session:
            row = session.get(Attachment, attachment_id)
            if row is None or row.case_id != case_id:
                raise NotFound("附件不存在", details={"attachment_id": attachment_id})
            return row

    def open(self, row):
        return self.store().open(row.storage_key)
