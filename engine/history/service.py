"""History service: reading the append-only trail of every case (过往可溯)."""
import sqlalchemy as sa

from engine.errors import NotFound
from engine.models import Case, CaseEvent


class HistoryService:
    def __init__(self, engine):
        self.engine = engine

    def trail(self, case_id, after_seq=0, limit=None):
        with self.engine.db.read() as session:
            if session.get(Case, case_id) is None:
                raise NotFound("办件不存在", details={"case_id": case_id})
            q = (sa.select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.seq > after_seq)
                 .order_by(CaseEvent.seq))
            if limit:
                q = q.limit(limit)
            return session.scalars(q).all()
