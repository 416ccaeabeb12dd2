"""Give one case and its open tasks the cards their time has come for."""
import sqlalchemy as sa

from engine.commands import CaseCommand
from engine.identity import SYSTEM
from engine.models import HumanTask
from engine.supervision.clock import CaseClock, sync_task_card


class UpdateCards(CaseCommand):
    loads_workflow = False

    def __init__(self, case_id):
        self.id, self.actor = case_id, SYSTEM

    def case_id(self, session):
        return self.id

    def execute(self, ctx):
        clock = CaseClock(ctx)
        case = ctx.case
        if case.next_card_at is not None and case.next_card_at <= clock.now:
            clock.recompute()
        if case.paused_at is not None:
            return case
        rows = ctx.session.scalars(sa.select(HumanTask).where(
            HumanTask.case_id == case.id, HumanTask.state == "READY", HumanTask.next_card_at <= clock.now))
        for row in rows:
            sync_task_card(ctx, row, clock.now)
        return case
