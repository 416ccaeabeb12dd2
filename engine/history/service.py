"""History service: reading and proving the append-only trail of every case (过往可溯)."""
import sqlalchemy as sa

from engine.errors import NotFound
from engine.models import AuditDigest, Case, CaseEvent, Matter

from . import chain


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

    def verify(self, case_id):
        """Recompute a case's hash chain: intact, or the first broken link (``chain.Verification``)."""
        with self.engine.db.read() as session:
            if session.get(Case, case_id) is None:
                raise NotFound("办件不存在", details={"case_id": case_id})
            return chain.verify_case(session, case_id)

    def verify_all(self):
        """The digest chain first, then every case; yields one ``Verification`` each."""
        with self.engine.db.read() as session:
            yield chain.verify_digests(session)
            case_ids = session.scalars(sa.select(Case.id).order_by(Case.id)).all()
        for case_id in case_ids:
            with self.engine.db.read() as session:
                yield chain.verify_case(session, case_id)

    def replay(self, case_id):
        """Re-run the case from its recorded inputs and compare (``replay.ReplayResult``)."""
        from .replay import replay  # replay runs the runtime's step code, which imports history

        with self.engine.db.read() as session:
            if session.get(Case, case_id) is None:
                raise NotFound("办件不存在", details={"case_id": case_id})
        return replay(self.engine, case_id)

    def export(self, case_id, actor=None):
        """The whole trail with its hash chain, as a self-checking JSON document (审计导出)."""
        with self.engine.db.read() as session:
            case = session.get(Case, case_id)
            if case is None:
                raise NotFound("办件不存在", details={"case_id": case_id})
            events = session.scalars(sa.select(CaseEvent).where(CaseEvent.case_id == case_id)
                                     .order_by(CaseEvent.seq)).all()
            verification = chain.verify_case(session, case_id)
            matter = session.get(Matter, case.process_key)
            return {
                "format": "tongban-trail/1",
                "exported_at": chain.format_time(self.engine.clock.now()),
                "exported_by": actor.name if actor else None,
                "case": {"id": case.id, "number": case.number, "process": case.process_key,
                         "matter": matter.name if matter else case.process_key,
                         "version": case.definition.version, "status": case.status,
                         "applicant": {"kind": case.applicant_kind, "id_number": case.applicant_id_number,
                                       "name": case.applicant_name},
                         "created_at": chain.format_time(case.created_at),
                         "ended_at": chain.format_time(case.ended_at) if case.ended_at else None},
                "chain": {"algorithm": "sha256", "genesis": chain.GENESIS, "head": case.chain_head,
                          "hashes": "sha256(prev_hash + '\\n' + canonical JSON of "
                                    + "{" + ", ".join(chain.CONTENT_KEYS) + "})",
                          "canonical": "JSON, keys sorted, separators ',' ':', UTF-8 unescaped; "
                                       "times YYYY-MM-DDTHH:MM:SS.ffffffZ (UTC)"},
                "verification": verification.to_dict(),
                "digest": dict(zip(("day", "hash"), self._digest_head(session))),
                "events": [{**chain.content_of(e), "hash": e.hash} for e in events],
            }

    def write_digests(self):
        """Anchor every finished day not yet anchored (a scheduler chore); returns the days written."""
        with self.engine.db.write() as session:
            return chain.write_digests(session, self.engine.clock.now())

    def digest_head(self):
        """The newest digest (day, hash), to be copied out of the database's reach."""
        with self.engine.db.read() as session:
            return self._digest_head(session)

    @staticmethod
    def _digest_head(session):
        last = session.scalars(sa.select(AuditDigest).order_by(AuditDigest.day.desc()).limit(1)).first()
        return (last.day, last.hash) if last else (None, None)
