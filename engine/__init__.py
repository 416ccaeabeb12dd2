"""Tongban's workflow engine: one facade over its services (after Camunda's).

    engine = Engine()                    # TONGBAN_DATABASE_URL, SQLite by default
    engine.repository.deploy(...)        # definitions: BPMN, DMN, forms, catalogue
    engine.runtime.start(...)            # cases: start, messages, timers, case queries
    engine.tasks.complete(...)           # the clerks' inbox and task operations
    engine.history.trail(case_id)        # the audit trail
    engine.management.run_due_jobs()     # due timers, for any number of workers
    engine.users.add(...)                # identity: people, roles, groups, tokens
    engine.organisation.people(...)      # departments, groups, people as admins manage them
    engine.webhooks.deliver_due()        # the webhook outbox
    engine.supervision.scan()            # deadline cards (电子监察), statistics
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
from .identity import SYSTEM, Actor
from .identity.service import OrganisationService
from .identity.users import UserService
from .licences.service import LicenceService
from .public.service import PublicService
from .ratings.service import RatingService
from .management.jobs import ManagementService
from .management.scheduler import Scheduler
from .repository.service import RepositoryService
from .runtime.service import RuntimeService
from .supervision.service import SupervisionService
from .tasks.service import TaskService
from .webhooks import WebhookService
from .workbench.service import WorkbenchService  # analyst workbench (#13b)

from .window.service import WindowService

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
        self.organisation = OrganisationService(self)
        self.webhooks = WebhookService(self)
        self.supervision = SupervisionService(self)
        self.attachments = AttachmentService(self)
        self.licences = LicenceService(self)  # 电子证照库 (#10a)
        self.ratings = RatingService(self)    # 好差评 (#10a)
        self.public = PublicService(self)     # 进度查询 (#10a)

        self.workbench = WorkbenchService(self)  # drafts, trials, versions, migration (#13b)

        self.window = WindowService(self)  # front window (#9)

    def execute(self, command, within=None):
        """Run one command in one unit of work; returns its result.

        ``within(session, result)`` runs in that unit of work just before it commits:
        a caller's own bookkeeping (an idempotency key) lands with the change or not at all."""
        return self.executor.execute(command, within)

    def migrate(self):
        self.db.migrate()

    def close(self):
        self.db.dispose()


# ---- applicants (#10b): registration, online applications, 一件事 themes, credit blacklist ----
def _applicants(self):
    from .applicants.service import ApplicantService

    service = self.__dict__.get("_applicant_service")
    if service is None:
        service = self.__dict__["_applicant_service"] = ApplicantService(self)
    return service


Engine.applicants = property(_applicants)
