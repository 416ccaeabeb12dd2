"""Runtime service: start cases, deliver messages, fire timers, find cases.

Each write is one command run by the engine's unit-of-work runner
(``engine.commands``); each read is a query scoped to who asks.
"""
import sqlalchemy as sa

from engine.errors import NotFound
from engine.identity import SYSTEM
from engine.models import Case

from .commands import AnswerCorrection, FireDueTimers, OpenCorrection, SendMessage, StartCase
from .queries import CaseQuery


class RuntimeService:
    def __init__(self, engine):
        self.engine = engine

    def start(self, process_key, applicant, data=None, actor=SYSTEM, within=None, materials=None):
        """``within(session, case)``, if given, runs in the same unit of work before it commits."""
        return self.engine.execute(StartCase(process_key, applicant, data, actor, materials), within=within)

    def start_and_next(self, process_key, applicant, data=None, actor=SYSTEM, within=None, materials=None):
        """(the new case, its READY tasks ``actor`` may work), in one unit of work."""
        command = StartCase(process_key, applicant, data, actor, materials)
        return self.engine.execute(command, within=within), command.next_tasks

    def send_message(self, case_id, name, data=None, actor=SYSTEM, within=None):
        return self.engine.execute(SendMessage(case_id, name, data, actor), within=within)

    def fire_due_timers(self, case_id, actor=SYSTEM, within=None):
        return self.engine.execute(FireDueTimers(case_id, actor), within=within)

    def open_correction(self, case_id, actor, items, reason=None):
        return self.engine.execute(OpenCorrection(case_id, actor, items, reason))

    def answer_correction(self, case_id, actor, data=None, uploads=()):
        return self.engine.execute(AnswerCorrection(case_id, actor, data, uploads))

    def correction(self, case_id):
        """The case's latest 补正告知 (open or answered), or None."""
        from engine.models import Correction

        with self.engine.db.read() as session:
            return session.scalars(sa.select(Correction).where(Correction.case_id == case_id)
                                   .order_by(Correction.id.desc())).first()

    def query(self, actor):
        """Cases ``actor`` may see, narrowed by the query's methods."""
        return CaseQuery(self.engine, actor)

    def get(self, case_id, actor):
        """One case ``actor`` may see; one they may not see does not exist for them."""
        case = self.query(actor).id(case_id).first()
        if case is None:
            raise NotFound("办件不存在", details={"case_id": case_id})
        return case

    def count(self, status=None):
        with self.engine.db.read() as session:
            q = sa.select(sa.func.count()).select_from(Case)
            if status:
                q = q.where(Case.status == status)
            return session.scalar(q)
