"""The engine's tables. Alembic (alembic/versions) owns the schema; this module
mirrors it for the ORM. Every engine call writes through these in one unit of work."""
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from .clock import clock


def utcnow():
    return clock.now()


class UTCDateTime(sa.types.TypeDecorator):
    """Aware UTC datetimes on every database (SQLite keeps no zone)."""
    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime")
            value = value.astimezone(timezone.utc)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), dict: sa.JSON, list: sa.JSON}


class Definition(Base):
    """One deployed version of a BPMN process, DMN decision or form.

    The parsed spec of a BPMN version is stored here once (``spec``); cases
    keep only their runtime state and point at the version they started on.
    """
    __tablename__ = "definition"
    __table_args__ = (sa.UniqueConstraint("kind", "key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(8))  # bpmn | dmn | form
    key: Mapped[str] = mapped_column(sa.String(200), index=True)
    version: Mapped[int]
    name: Mapped[str] = mapped_column(sa.String(300), default="")
    filename: Mapped[str] = mapped_column(sa.String(300), default="")
    source: Mapped[str] = mapped_column(sa.Text, deferred=True)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    spec: Mapped[dict | None] = mapped_column(deferred=True)
    # Definitions this version was built with (e.g. the DMN versions a BPMN calls).
    uses: Mapped[list | None]
    deployed_at: Mapped[datetime] = mapped_column(default=utcnow)
    deployed_by: Mapped[str | None] = mapped_column(sa.String(100))
    note: Mapped[str | None] = mapped_column(sa.String(2000))  # the change note it was published with


class Matter(Base):
    """Catalogue entry (办事指南) of a matter, keyed by its process key."""
    __tablename__ = "matter"

    process_key: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(300))
    department: Mapped[str] = mapped_column(sa.String(200), default="")
    base_code: Mapped[str | None] = mapped_column(sa.String(64))
    implementation_code: Mapped[str | None] = mapped_column(sa.String(64))
    legal_limit_days: Mapped[int | None]
    promised_limit_days: Mapped[int | None]
    guide: Mapped[dict]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Case(Base):
    """One application (办件) of one matter by one applicant."""
    __tablename__ = "case"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    definition_id: Mapped[int] = mapped_column(sa.ForeignKey("definition.id"), index=True)
    process_key: Mapped[str] = mapped_column(sa.String(200), index=True)
    status: Mapped[str] = mapped_column(sa.String(16), index=True)  # running|completed|terminated
    applicant_kind: Mapped[str] = mapped_column(sa.String(8))
    applicant_id_number: Mapped[str] = mapped_column(sa.String(32), index=True)
    applicant_name: Mapped[str] = mapped_column(sa.String(200))
    data: Mapped[dict]
    state: Mapped[dict] = mapped_column(deferred=True)
    serializer_version: Mapped[str] = mapped_column(sa.String(16))
    started_by: Mapped[str | None] = mapped_column(sa.String(100), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    last_event_seq: Mapped[int] = mapped_column(default=0)
    chain_head: Mapped[str | None] = mapped_column(sa.String(64))  # hash of the last trail event
    row_version: Mapped[int] = mapped_column(default=1)
    # Supervision (电子监察): the case clock in working days, its card and the outcome.
    clock_started_at: Mapped[datetime | None]
    legal_due_at: Mapped[datetime | None]
    promised_due_at: Mapped[datetime | None]
    paused_at: Mapped[datetime | None]
    pause_reason: Mapped[str | None] = mapped_column(sa.String(100))
    paused_days: Mapped[int] = mapped_column(default=0)
    card: Mapped[str] = mapped_column(sa.String(8), default="")
    next_card_at: Mapped[datetime | None] = mapped_column(index=True)
    outcome: Mapped[str | None] = mapped_column(sa.String(100))
    channel: Mapped[str | None] = mapped_column(sa.String(16))

    definition: Mapped[Definition] = relationship(lazy="joined", innerjoin=True)

    __mapper_args__ = {"version_id_col": row_version}


class HumanTask(Base):
    """A user task of a case as the inbox sees it; synced after every engine call."""
    __tablename__ = "human_task"
    __table_args__ = (
        sa.Index("ix_human_task_spiff", "case_id", "spiff_task_id"),  # one open row per task (engine-kept)
        sa.Index("ix_human_task_inbox", "state", "lane"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("case.id"), index=True)
    spiff_task_id: Mapped[str] = mapped_column(sa.String(36))
    element_id: Mapped[str] = mapped_column(sa.String(200))
    name: Mapped[str] = mapped_column(sa.String(300))
    lane: Mapped[str | None] = mapped_column(sa.String(200))
    form_key: Mapped[str | None] = mapped_column(sa.String(200))
    form_version: Mapped[int | None]
    state: Mapped[str] = mapped_column(sa.String(16))  # READY|COMPLETED|CANCELLED
    assignee: Mapped[str | None] = mapped_column(sa.String(100), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    completed_by: Mapped[str | None] = mapped_column(sa.String(100))
    due_at: Mapped[datetime | None]
    limit_days: Mapped[int | None]  # the step's own limit (环节时限) in working days
    card: Mapped[str] = mapped_column(sa.String(8), default="")
    next_card_at: Mapped[datetime | None] = mapped_column(index=True)
    # Clerk operations (see the end of this file): 加签 rows sit beside the diagram's task.
    kind: Mapped[str] = mapped_column(sa.String(16), default="task", server_default="task")
    parent_task_id: Mapped[int | None] = mapped_column(index=True)
    sign_position: Mapped[str | None] = mapped_column(sa.String(8))
    owner: Mapped[str | None] = mapped_column(sa.String(100))
    delegation: Mapped[str | None] = mapped_column(sa.String(16))
    pending_data: Mapped[dict | None]
    opinion: Mapped[str | None] = mapped_column(sa.Text)
    urge_count: Mapped[int] = mapped_column(default=0, server_default="0")
    last_urged_at: Mapped[datetime | None]

    # Inbox rows show their case's number and applicant: loaded in the same query.
    case: Mapped[Case] = relationship(lazy="joined", innerjoin=True)


class CaseEvent(Base):
    """Append-only trail of a case (全程留痕). Never updated, never deleted."""
    __tablename__ = "case_event"
    __table_args__ = (sa.UniqueConstraint("case_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("case.id"))
    seq: Mapped[int]
    type: Mapped[str] = mapped_column(sa.String(40))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str | None] = mapped_column(sa.String(100))
    task_id: Mapped[int | None]  # human_task.id when the event concerns one
    element_id: Mapped[str | None] = mapped_column(sa.String(200))
    data: Mapped[dict | None]
    # SHA-256 over this row's content and the previous event's hash (engine.history.chain).
    hash: Mapped[str | None] = mapped_column(sa.String(64))


class Job(Base):
    """Due work (timers) that any worker process may claim."""
    __tablename__ = "job"
    __table_args__ = (sa.Index("ix_job_due", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("case.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16))  # timer
    element_id: Mapped[str] = mapped_column(sa.String(200))
    spiff_task_id: Mapped[str] = mapped_column(sa.String(36))
    due_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    locked_by: Mapped[str | None] = mapped_column(sa.String(100))
    locked_until: Mapped[datetime | None]


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(200), default="")
    role: Mapped[str] = mapped_column(sa.String(16))  # admin|analyst|clerk|auditor|integrator|supervisor|applicant
    password_hash: Mapped[str | None] = mapped_column(sa.String(300))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Organisation (migration 0005): where the person works, and how to reach them.
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("department.id"), index=True)
    position: Mapped[str] = mapped_column(sa.String(100), default="")
    phone: Mapped[str] = mapped_column(sa.String(32), default="")
    # A password somebody else chose (generated, reset, demo) must be replaced at the next login.
    password_change_required: Mapped[bool] = mapped_column(default=False)

    groups: Mapped[list["UserGroup"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="UserGroup.group_name")
    department: Mapped["Department | None"] = relationship(lazy="joined")

    @property
    def group_names(self):
        return [g.group_name for g in self.groups]


class UserGroup(Base):
    __tablename__ = "user_group"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), primary_key=True)
    group_name: Mapped[str] = mapped_column(sa.ForeignKey("org_group.name"), primary_key=True, index=True)


class WebSession(Base):
    """A browser session; the cookie carries its id, only the SHA-256 is stored."""
    __tablename__ = "web_session"

    id_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(lazy="joined")


class ApiToken(Base):
    """Bearer tokens; only the SHA-256 of the token is stored."""
    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(lazy="joined")


class WebhookSubscription(Base):
    __tablename__ = "webhook_subscription"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(sa.String(100), index=True)
    scope: Mapped[str] = mapped_column(sa.String(8))
    url: Mapped[str] = mapped_column(sa.String(2000))
    events: Mapped[list]
    secret: Mapped[str] = mapped_column(sa.String(100))  # HMAC key: must be kept, not hashed
    description: Mapped[str] = mapped_column(sa.String(300), default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookDelivery(Base):
    """One event for one subscription: the outbox row and its delivery record."""
    __tablename__ = "webhook_delivery"
    __table_args__ = (sa.Index("ix_webhook_delivery_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(sa.ForeignKey("webhook_subscription.id"), index=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("case.id"), index=True)
    event_seq: Mapped[int]
    event_type: Mapped[str] = mapped_column(sa.String(40))
    payload: Mapped[dict]
    status: Mapped[str] = mapped_column(sa.String(12), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    locked_by: Mapped[str | None] = mapped_column(sa.String(100))
    locked_until: Mapped[datetime | None]
    last_attempt_at: Mapped[datetime | None]
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(sa.String(1000))
    delivered_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# ---- robustness: incidents ------------------------------------------------------------

class Incident(Base):
    """A unit of work stopped for running away (step or wall-clock cap); it was rolled back.

    Written in its own transaction after the rollback, so admins see what was
    refused even though the case itself shows nothing. No foreign key: the case
    of a refused start never existed.
    """
    __tablename__ = "incident"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    operation: Mapped[str] = mapped_column(sa.String(60))
    case_id: Mapped[int | None]
    process_key: Mapped[str | None] = mapped_column(sa.String(200))
    element_id: Mapped[str | None] = mapped_column(sa.String(200))
    actor: Mapped[str | None] = mapped_column(sa.String(100))
    message: Mapped[str] = mapped_column(sa.String(1000))
    details: Mapped[dict | None]


# ---- organisation: departments, groups (migration 0005) ------------------------------

class Department(Base):
    """A unit of the organisation tree: center → department → section (中心 → 部门 → 科室)."""
    __tablename__ = "department"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("department.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    parent: Mapped["Department | None"] = relationship(remote_side=[id], lazy="joined", join_depth=1)


class OrgGroup(Base):
    """A candidate group: what a lane names, by its exact ``name``. A department, a
    section or a named team; members are ``user_group`` rows holding the same name."""
    __tablename__ = "org_group"

    name: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    display_name: Mapped[str] = mapped_column(sa.String(200), default="")
    kind: Mapped[str] = mapped_column(sa.String(16), default="team")  # department|section|team
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("department.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    department: Mapped[Department | None] = relationship(lazy="joined")


# ---- assignment drawn on the task (camunda:/flowable: candidateGroups, potentialOwner …) ----

class TaskCandidate(Base):
    """One group or person a task's own assignment names; when a task has any, its lane no longer decides."""
    __tablename__ = "human_task_candidate"
    __table_args__ = (sa.Index("ix_human_task_candidate_who", "kind", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("human_task.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(8))   # group | user
    name: Mapped[str] = mapped_column(sa.String(200))


HumanTask.candidates = relationship(TaskCandidate, lazy="selectin", order_by=TaskCandidate.id)


# ---- audit: tamper evidence (engine.history.chain) ------------------------------------

class AuditDigest(Base):
    """One finished day's anchor: the heads of every case chain that grew that day,
    hashed together with the previous day's digest. Append-only like the trail."""
    __tablename__ = "audit_digest"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[str] = mapped_column(sa.String(10), unique=True)  # UTC day, YYYY-MM-DD
    heads: Mapped[dict]  # {case_id: {"seq": n, "hash": h}}
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# ---- clerk operations: attachments, 抄送, 补正告知 ---------------------------------------

class Attachment(Base):
    """A file on a case (or one of its tasks); the bytes live in the attachment store."""
    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("case.id"), index=True)
    task_id: Mapped[int | None]
    name: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    storage_key: Mapped[str] = mapped_column(sa.String(300))
    uploaded_by: Mapped[str] = mapped_column(sa.String(100))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class TaskCc(Base):
    """抄送: a read-only copy of a task's case for one person."""
    __tablename__ = "task_cc"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("case.id"), index=True)
    task_id: Mapped[int]
    from_user: Mapped[str] = mapped_column(sa.String(100))
    to_user: Mapped[str] = mapped_column(sa.String(100), index=True)
    note: Mapped[str] = mapped_column(sa.String(1000), default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]


class Correction(Base):
    """补正告知: one notice listing every defect at once; open until answered."""
    __tablename__ = "correction"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("case.id"), index=True)
    items: Mapped[list]
    reason: Mapped[str] = mapped_column(sa.String(1000), default="")
    opened_by: Mapped[str] = mapped_column(sa.String(100))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_by: Mapped[str | None] = mapped_column(sa.String(100))
    answered_at: Mapped[datetime | None]
    answer: Mapped[dict | None]

    @property
    def open(self):
        return self.answered_at is None


# ---- applicants (#10b): identity number, applications (一件事), drafts, credit --------

# An applicant's account carries the number they apply with (一证申办); staff have none.
User.id_number = sa.Column(sa.String(32), nullable=True, unique=True, index=True)
# The cases of one application (an 一件事 theme starts several) share its id.
Case.application_id = sa.Column(sa.Integer, nullable=True, index=True)


class Theme(Base):
    """一件事: several matters behind one form (``processes/themes/<key>.json``)."""
    __tablename__ = "theme"

    key: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[dict]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Application(Base):
    """One submission: a single matter's case, or every case of an 一件事 theme."""
    __tablename__ = "application"

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_key: Mapped[str | None] = mapped_column(sa.String(200))
    process_key: Mapped[str | None] = mapped_column(sa.String(200))
    applicant_kind: Mapped[str] = mapped_column(sa.String(8))
    applicant_id_number: Mapped[str] = mapped_column(sa.String(32), index=True)
    applicant_name: Mapped[str] = mapped_column(sa.String(200))
    submitted_by: Mapped[str] = mapped_column(sa.String(100))
    channel: Mapped[str] = mapped_column(sa.String(16))
    commitments: Mapped[list | None]  # materials the applicant signed 告知承诺 for instead of proving
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApplicationDraft(Base):
    """An applicant's unsent application to one matter or theme (``target`` = "process:k" | "theme:k")."""
    __tablename__ = "application_draft"
    __table_args__ = (sa.UniqueConstraint("owner", "target", name="uq_application_draft_owner_target"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(sa.String(100))
    target: Mapped[str] = mapped_column(sa.String(210))
    data: Mapped[dict]
    uploads: Mapped[list]       # ids of application_upload rows
    commitments: Mapped[list]   # material names signed 告知承诺
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ApplicationUpload(Base):
    """A material file uploaded before its case needs it; used up when it becomes an attachment."""
    __tablename__ = "application_upload"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(sa.String(100), index=True)
    material: Mapped[str] = mapped_column(sa.String(300))
    name: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    storage_key: Mapped[str] = mapped_column(sa.String(300))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class CreditBlacklist(Base):
    """失信名单: an applicant whose 告知承诺 was found false; open until an admin lifts it."""
    __tablename__ = "credit_blacklist"

    id: Mapped[int] = mapped_column(primary_key=True)
    id_number: Mapped[str] = mapped_column(sa.String(32), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    reason: Mapped[str] = mapped_column(sa.String(1000))
    case_id: Mapped[int | None]
    listed_by: Mapped[str] = mapped_column(sa.String(100))
    listed_at: Mapped[datetime] = mapped_column(default=utcnow)
    lifted_by: Mapped[str | None] = mapped_column(sa.String(100))
    lifted_at: Mapped[datetime | None]
    lift_reason: Mapped[str | None] = mapped_column(sa.String(1000))


class CreditAudit(Base):
    """One listing, lifting or refusal because of the blacklist; append-only."""
    __tablename__ = "credit_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    action: Mapped[str] = mapped_column(sa.String(20))  # listed | lifted | refused
    id_number: Mapped[str] = mapped_column(sa.String(32), index=True)
    actor: Mapped[str | None] = mapped_column(sa.String(100))
    process_key: Mapped[str | None] = mapped_column(sa.String(200))
    case_id: Mapped[int | None]
    message: Mapped[str] = mapped_column(sa.String(1000))

# ---- public service (#10a): e-licences (电子证照), their reuse as materials, ratings (好差评) ----

class Licence(Base):
    """An e-licence a case issued (电子证照库); reusable as a material while valid."""
    __tablename__ = "licence"
    __table_args__ = (sa.Index("ix_licence_holder_type", "holder_id_number", "type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(sa.String(100))
    name: Mapped[str] = mapped_column(sa.String(300))
    number: Mapped[str] = mapped_column(sa.String(100), unique=True)
    holder_kind: Mapped[str] = mapped_column(sa.String(8))
    holder_id_number: Mapped[str] = mapped_column(sa.String(32))
    holder_name: Mapped[str] = mapped_column(sa.String(200))
    valid_from: Mapped[datetime]
    valid_until: Mapped[datetime | None]  # None: 长期有效
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("case.id"), index=True)
    element_id: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[str] = mapped_column(sa.String(16), default="valid")  # valid|revoked
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[str | None] = mapped_column(sa.String(100))
    revoke_reason: Mapped[str | None] = mapped_column(sa.String(1000))


class LicenceSequence(Base):
    """The last {seq} given per licence type and year ("" when the number has no year): one row
    locked by each issuer, so two cases issuing at once get consecutive numbers."""
    __tablename__ = "licence_sequence"

    type: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    period: Mapped[str] = mapped_column(sa.String(4), primary_key=True)
    value: Mapped[int]


class CaseLicence(Base):
    """A material a case did not ask for because the applicant holds a valid e-licence for it."""
    __tablename__ = "case_licence"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("case.id"), index=True)
    licence_id: Mapped[int] = mapped_column(sa.ForeignKey("licence.id"), index=True)
    material: Mapped[str] = mapped_column(sa.String(300))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Rating(Base):
    """好差评: the applicant's rating of a completed case, one per case."""
    __tablename__ = "rating"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("case.id"), unique=True)
    process_key: Mapped[str] = mapped_column(sa.String(200), index=True)
    department: Mapped[str] = mapped_column(sa.String(200), default="", index=True)
    score: Mapped[int]
    comment: Mapped[str] = mapped_column(sa.String(1000), default="")
    rated_by: Mapped[str] = mapped_column(sa.String(100))
    at: Mapped[datetime] = mapped_column(default=utcnow)

# ---- analyst workbench (#13): drafts and their sandbox trials, never the case tables

class Draft(Base):
    """A process an analyst is editing: its files as saved, not deployed."""
    __tablename__ = "draft"

    key: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(300), default="")
    files: Mapped[dict]                      # {filename: text}
    ok: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str] = mapped_column(sa.String(100))


class Trial(Base):
    """A sandbox run of a draft: its own workflow state, apart from every case."""
    __tablename__ = "trial"

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_key: Mapped[str] = mapped_column(sa.String(200), index=True)
    state: Mapped[dict]
    completed: Mapped[list]
    error: Mapped[str | None] = mapped_column(sa.String(2000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(sa.String(100))
