"""Supervision service (电子监察): cards from the scheduler, special procedures,
and the figures of the dashboard."""
import sqlalchemy as sa

from engine.errors import Conflict
from engine.models import Case, HumanTask, Matter

from .commands import EndSpecialProcedure, StartSpecialProcedure, UpdateCards
from .clock import LABELS
from .exchange import status_history
from .stats import Statistics


class SupervisionService:
    def __init__(self, engine):
        self.engine = engine

    def start_special_procedure(self, case_id, kind, reason, actor):
        return self.engine.execute(StartSpecialProcedure(case_id, kind, reason, actor))

    def end_special_procedure(self, case_id, reason, actor):
        return self.engine.execute(EndSpecialProcedure(case_id, reason, actor))

    def scan(self, limit=100):
        """Give due cards to up to ``limit`` cases; returns how many cases were looked at.

        Any number of processes may scan at once: each case is changed under its
        version check, and a card already given is not given twice.
        """
        now = self.engine.clock.now()
        with self.engine.db.read() as session:
            ids = set(session.scalars(sa.select(Case.id).where(
                Case.status == "running", Case.next_card_at <= now).limit(limit)))
            ids |= set(session.scalars(sa.select(HumanTask.case_id).where(
                HumanTask.state == "READY", HumanTask.next_card_at <= now).limit(limit)))
        for case_id in sorted(ids):
            try:
                self.engine.execute(UpdateCards(case_id))
            except Conflict:
                pass  # another worker moved the case; its next scan looks again
        return len(ids)

    @staticmethod
    def clock_of(case):
        """The clock as the API shows it."""
        return {"started_at": case.clock_started_at, "legal_due": case.legal_due_at,
                "promised_due": case.promised_due_at, "paused_days": case.paused_days,
                "paused": case.paused_at is not None, "pause_reason": case.pause_reason,
                "card": case.card, "card_label": LABELS.get(case.card, "")}

    def status_history(self, case):
        """The case's 办件过程状态 for exchange tables, from its trail."""
        return status_history(case, self.engine.history.trail(case.id))

    def stats(self, actor, **filters):
        return Statistics(self.engine, actor, **filters).figures()

    def overdue_notice(self, limit=200):
        """Running cases past a deadline, as the public notice shows them (超期公示): no applicant."""
        with self.engine.db.read() as session:
            rows = session.execute(
                sa.select(Case, Matter.name, Matter.department).outerjoin(Matter, Matter.process_key == Case.process_key)
                .where(Case.status == "running", Case.card.in_(("yellow", "red")))
                .order_by(Case.promised_due_at, Case.id).limit(limit)).all()
        return [{"number": c.number, "matter": name or c.process_key, "department": department or "",
                 "card": c.card, "promised_due": c.promised_due_at, "legal_due": c.legal_due_at}
                for c, name, department in rows]
