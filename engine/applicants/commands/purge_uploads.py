"""Files uploaded for an application that was never sent: kept while a draft names them,
gone ``days`` after upload otherwise (row now, bytes once no row names them)."""
from datetime import timedelta

import sqlalchemy as sa

from engine.commands import Command
from engine.identity.actor import SYSTEM
from engine.models import ApplicationDraft, ApplicationUpload, Attachment


class PurgeStaleUploads(Command):
    def __init__(self, days):
        self.days, self.actor = days, SYSTEM
        self.cutoff, self.unreferenced = None, set()

    def execute(self, ctx):
        session = ctx.session
        self.cutoff = ctx.engine.clock.now() - timedelta(days=self.days)
        stale = session.scalars(sa.select(ApplicationUpload).where(ApplicationUpload.uploaded_at < self.cutoff)).all()
        if not stale:
            return 0
        drafts = session.scalars(sa.select(ApplicationDraft.uploads).where(
            ApplicationDraft.owner.in_({u.owner for u in stale}))).all()
        kept = {i for ids in drafts for i in ids or ()}
        gone = [u for u in stale if u.id not in kept]
        for upload in gone:
            session.delete(upload)
        session.flush()
        keys = {u.storage_key for u in gone}
        # The store is content-addressed: the same bytes may back an attachment or another upload.
        named = set(session.scalars(sa.select(Attachment.storage_key).where(Attachment.storage_key.in_(keys)))) | \
            set(session.scalars(sa.select(ApplicationUpload.storage_key).where(ApplicationUpload.storage_key.in_(keys))))
        self.unreferenced = keys - named
        return len(gone)
