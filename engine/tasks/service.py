"""Task service: the clerks' inbox and the operations on a human task.

A task belongs to the candidate group named by its lane (a task drawn outside
any lane belongs to every clerk). A clerk may see and work the READY tasks of
their groups, or the ones assigned to them; a claimed task is worked only by
its assignee. Every operation is a command: it locks the task's case (two
clerks racing on one task cannot both win) and appends to the case trail.
"""
from engine.errors import Conflict
from engine.identity import Actor

from .commands import ClaimTask, CompleteTask, UnclaimTask
from .commands.base import visible_row
from .queries import TaskQuery


class TaskService:
    def __init__(self, engine):
        self.engine = engine

    # ---- operations --------------------------------------------------------

    CLAIM_ATTEMPTS = 5

    def claim(self, task_id, actor: Actor):
        for attempt in range(self.CLAIM_ATTEMPTS):
            try:
                return self.engine.execute(ClaimTask(task_id, actor))
            except Conflict as exc:
                # Lost the case's version race (the same person claiming twice at once, on
                # PostgreSQL): look again, since claiming a task one holds is harmless.
                # 已被他人签收, not ready …: real answers, given as they are.
                if type(exc) is not Conflict or (exc.details or {}).get("reason") != "concurrent change" \
                        or attempt == self.CLAIM_ATTEMPTS - 1:
                    raise

    def unclaim(self, task_id, actor: Actor):
        return self.engine.execute(UnclaimTask(task_id, actor))

    def complete(self, task_id, actor: Actor, data=None):
        return self.engine.execute(CompleteTask(task_id, actor, data))

    # ---- queries -------------------------------------------------------------

    def query(self):
        return TaskQuery(self.engine)

    def inbox(self, actor: Actor, lane=None, case_id=None, limit=100, offset=0):
        """READY tasks the actor may work: their groups' and their own."""
        return self.query().ready().workable_by(actor).lane(lane).case(case_id).page(limit, offset)

    def for_case(self, case_id, states=("READY",)):
        return self.query().case(case_id).states(states).list()

    def get(self, task_id, actor: Actor):
        with self.engine.db.read() as session:
            return visible_row(session, task_id, actor)

    def form(self, task_id, actor: Actor):
        """The task's form definition (parsed) or None."""
        row = self.get(task_id, actor)
        if not row.form_key:
            return None
        with self.engine.db.read() as session:
            form, _ = self.engine.repository.form(session, row.form_key, row.form_version)
            return form
