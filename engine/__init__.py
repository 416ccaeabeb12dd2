"""Tongban's workflow engine: one facade over its services (after Camunda's).

    engine = Engine()                    # TONGBAN_DATABASE_URL, SQLite by default
    engine.repository.deploy(...)        # definitions: BPMN, DMN, forms, catalogue
    engine.runtime.start(...)            # cases: start, messages, timers, case queries
    engine.tasks.complete(...)           # the clerks' inbox and task operations
    engine.history.trail(case_id)        # the audit trail
    engine.management.run_due_jobs()     # due timers, for any number of workers
    engine.users.add(...)                # identity: people, roles, groups, tokens
    engine.webhooks.deliver_due()        # the webhook outbox
    engine.attachments.add(...)          # files on a case, bytes in a pluggable store

Folders follow this map: ``repository/``, ``runtime/``, ``tasks/``,
``history/``, ``management/``, ``identity/``, ``webhooks/``, with SpiffWorkflow
wired in ``spiff/``. Every write is a command (``engine.commands``) run by
``Engine.execute`` in one unit of work. No Flask here: ``api`` and ``admin``
call this, never the other way round.
"""
from .attachments import AttachmentService
from .clock import clock
from .runtime.executor import CommandExecutor
from .db import Database
from .history import HistoryService
from .identity import SYSTEM, Actor, UserService
from .management import ManagementService, Scheduler
from .repository import RepositoryService
from .runtime import RuntimeService
from .tasks import TaskService
from .webhooks import WebhookService

__all__ = ["Engine", "Actor", "SYSTEM", "Scheduler"]


class Engine:
    def __init__(self, database_url=None):
        self.db = Database(database_url)
        self.clock = clock
        self.executor = CommandExecutor(self)
        self.repository = RepositoryService(self)
        self.runtime = RuntimeService(self)
        self.tasks = TaskService(self)
        self.history = HistoryService(self)
        self.management = ManagementService(self)
        self.users = UserService(self)
        self.webhooks = WebhookService(self)
        self.attachments = AttachmentService(self)

    def execute(self, command):
        """Run one command in one unit of work; returns its result."""
        return self.executor.execute(command)

    def migrate(self):
        self.db.migrate()

    def close(self):
        self.db.dispose()
