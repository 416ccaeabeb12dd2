"""Tongban's workflow engine: one facade over five services (after Camunda's).

    engine = Engine()                 # TONGBAN_DATABASE_URL, SQLite by default
    engine.repository.deploy(...)     # definitions: BPMN, DMN, forms, catalogue
    engine.runtime.start(...)         # cases: start, messages, timers
    engine.tasks.complete(...)        # the clerks' inbox
    engine.history.trail(case_id)     # the audit trail
    engine.management.run_due_jobs()  # due timers, for any number of workers
    engine.webhooks.deliver_due()     # the webhook outbox

No Flask here: ``api`` and ``admin`` call this, never the other way round.
"""
from .cases import SYSTEM, Actor, RuntimeService
from .db import Database
from .definitions import RepositoryService
from .history import HistoryService
from .jobs import ManagementService, Scheduler
from .tasks import TaskService
from .timers import clock
from .users import UserService
from .webhooks import WebhookService

__all__ = ["Engine", "Actor", "SYSTEM", "Scheduler"]


class Engine:
    def __init__(self, database_url=None):
        self.db = Database(database_url)
        self.clock = clock
        self.repository = RepositoryService(self)
        self.runtime = RuntimeService(self)
        self.tasks = TaskService(self)
        self.history = HistoryService(self)
        self.management = ManagementService(self)
        self.users = UserService(self)
        self.webhooks = WebhookService(self)

    def migrate(self):
        self.db.migrate()

    def close(self):
        self.db.dispose()
