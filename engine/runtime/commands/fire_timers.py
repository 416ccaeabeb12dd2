"""Fire the due timers of a case: the step's advance refreshes them and runs what fired."""
from engine.commands import CaseCommand


class FireDueTimers(CaseCommand):
    def __init__(self, case_id, actor):
        self.id, self.actor = case_id, actor

    def case_id(self, session):
        return self.id

    def execute(self, step):
        return step.case
