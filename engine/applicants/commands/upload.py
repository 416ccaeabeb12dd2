"""A material file uploaded before its case exists (online application): checked like
an attachment (type by extension, size, not empty), hashed, stored in the attachment store."""
import os

import sqlalchemy as sa

from engine.commands import Command
from engine.errors import InvalidInput
from engine.models import ApplicationUpload, utcnow

MAX_PENDING = 50  # files one person may hold that no application has used yet


class AddUpload(Command):
    def __init__(self, actor, material, name, stream):
        self.actor, self.material, self.name, self.stream = actor, material, name, stream

    def prepare(self, engine):
        from engine.attachments import TYPES, TooLarge, max_bytes

        material = (self.material or "").strip() if isinstance(self.material, str) else ""
        if not material or len(material) > 300:
            raise InvalidInput("请说明上传的是哪一项材料", details={"material": "必填，不超过300字"})
        name = os.path.basename((self.name or "").replace("\\", "/")).strip()
        ext = os.path.splitext(name)[1].lower()
        if not name or len(name) > 255 or ext not in TYPES:
            raise InvalidInput("不支持的材料文件类型", code="attachment_type",
                               details={"name": name[:255], "allowed": sorted(TYPES)})
        with engine.db.read() as session:
            pending = session.scalar(sa.select(sa.func.count()).select_from(ApplicationUpload).where(
                ApplicationUpload.owner == self.actor.name))
        if pending >= MAX_PENDING:
            raise InvalidInput(f"未提交的材料文件已达 {MAX_PENDING} 个，请先提交或删除草稿", code="too_many_uploads")
        self.material, self.name, self.content_type = material, name, TYPES[ext]
        try:
            self.key, self.size, self.sha256 = engine.attachments.store().put(self.stream, max_bytes())
        except TooLarge:
            raise InvalidInput("材料文件过大", code="attachment_too_large", details={"max_bytes": max_bytes()}) from None
        if self.size == 0:
            raise InvalidInput("材料文件为空", code="attachment_empty")

    def execute(self, ctx):
        row = ApplicationUpload(owner=self.actor.name, material=self.material, name=self.name,
                                content_type=self.content_type, size=self.size, sha256=self.sha256,
                                storage_key=self.key, uploaded_at=utcnow())
        ctx.session.add(row)
        ctx.session.flush()
        return row
