"""Trail events: their types, and appending one inside a unit of work (全程留痕).

Events are appended inside the same unit of work as the change they describe,
numbered per case (``seq``) under the case's version check, so the trail and the
state can never disagree. The schema refuses UPDATE and DELETE on the table, and
each event is chained to the previous one by its hash (``chain``), so that a
change made behind the application's back is found by ``tongban audit verify``.
"""
import json

import sqlalchemy as sa
from sqlalchemy.orm import Session

from engine import webhooks
from engine.db import check_text
from engine.models import CaseEvent, utcnow

from . import chain

# Event types; the API documents them and webhooks subscribe to them.
CASE_STARTED = "case_started"
CASE_COMPLETED = "case_completed"
CASE_TERMINATED = "case_terminated"
TASK_READY = "task_ready"
TASK_CLAIMED = "task_claimed"
TASK_UNCLAIMED = "task_unclaimed"
TASK_COMPLETED = "task_completed"
TASK_CANCELLED = "task_cancelled"
MESSAGE_RECEIVED = "message_received"
MESSAGE_SENT = "message_sent"          # a send task / message throw no task of the case caught
TIMER_FIRED = "timer_fired"
GATEWAY_PASSED = "gateway_passed"
RULE_EVALUATED = "rule_evaluated"
SCRIPT_RUN = "script_run"
EVENT_REACHED = "event_reached"
DEFINITION_MIGRATED = "definition_migrated"
CLOCK_STARTED = "clock_started"
CLOCK_PAUSED = "clock_paused"
CLOCK_RESUMED = "clock_resumed"
CLOCK_UNAVAILABLE = "clock_unavailable"
CARD_CHANGED = "card_changed"
SPECIAL_PROCEDURE_STARTED = "special_procedure_started"
SPECIAL_PROCEDURE_ENDED = "special_procedure_ended"
# Clerk operations (engine/tasks/commands, engine/runtime/commands/correction.py).
TASK_RETURNED = "task_returned"
TASK_TRANSFERRED = "task_transferred"
TASK_DELEGATED = "task_delegated"
TASK_DELEGATION_RESOLVED = "task_delegation_resolved"
TASK_SIGNED = "task_signed"
TASK_UNSIGNED = "task_unsigned"
TASK_CC = "task_cc"
TASK_WITHDRAWN = "task_withdrawn"
TASK_URGED = "task_urged"
CORRECTION_OPENED = "correction_opened"
CORRECTION_ANSWERED = "correction_answered"
ATTACHMENT_ADDED = "attachment_added"

EVENT_TYPES = (CASE_STARTED, CASE_COMPLETED, CASE_TERMINATED, TASK_READY, TASK_CLAIMED, TASK_UNCLAIMED,
               TASK_COMPLETED, TASK_CANCELLED, MESSAGE_RECEIVED, MESSAGE_SENT, TIMER_FIRED, GATEWAY_PASSED,
               RULE_EVALUATED, SCRIPT_RUN, EVENT_REACHED, CLOCK_STARTED, CLOCK_PAUSED, CLOCK_RESUMED,
               CLOCK_UNAVAILABLE, CARD_CHANGED, SPECIAL_PROCEDURE_STARTED, SPECIAL_PROCEDURE_ENDED,
               TASK_RETURNED, TASK_TRANSFERRED, TASK_DELEGATED, TASK_DELEGATION_RESOLVED, TASK_SIGNED,
               TASK_UNSIGNED, TASK_CC, TASK_WITHDRAWN, TASK_URGED, CORRECTION_OPENED, CORRECTION_ANSWERED,
               ATTACHMENT_ADDED)
# Public service (#10a): e-licences issued by a diagram, revoked, reused at start; 好差评.
LICENCE_ISSUED = "licence_issued"
LICENCE_REVOKED = "licence_revoked"
LICENCE_REUSED = "licence_reused"
CASE_RATED = "case_rated"
EVENT_TYPES += (LICENCE_ISSUED, LICENCE_REVOKED, LICENCE_REUSED, CASE_RATED)

# Front window (#9): a numbered written notice (受理通知书, 容缺受理告知书 …) was issued.
NOTICE_ISSUED = "notice_issued"
EVENT_TYPES += (NOTICE_ISSUED,)


def append(session, case, type, actor=None, task_id=None, element_id=None, data=None):
    """Append one event to ``case``'s trail; the caller's unit of work commits it.

    Any event type and data are hashed alike. The data is stored as it was
    hashed (its canonical JSON read back), so what the database returns hashes
    the same; the case row carries the chain's head, locked with the case.
    The event is written with the unit of work's other new events in one INSERT
    at the next full flush (``_write_pending``), not one statement each.
    """
    case.last_event_seq += 1
    if data is not None:
        data = json.loads(chain.canonical(data))
    event = CaseEvent(case_id=case.id, seq=case.last_event_seq, type=type, at=utcnow(), actor=actor,
                      task_id=task_id, element_id=element_id, data=data)
    event.hash = chain.event_hash(event, case.chain_head or chain.GENESIS)
    case.chain_head = event.hash  # the case row is now changed: a full flush is due before commit
    _check_text(event)
    session.info.setdefault(_pending, []).append(event)
    webhooks.enqueue(session, case, event)  # outbox rows commit with the event
    return event


_pending = "trail_pending"
_TABLE = CaseEvent.__table__
_COLUMNS = ("case_id", "seq", "type", "at", "actor", "task_id", "element_id", "data", "hash")
_TEXT = [(c.name, c.type.length) for c in _TABLE.columns if isinstance(c.type, sa.String) and c.type.length]


def _check_text(event):
    """What the flush-time text check (engine.db) says of an ORM row, said of this Core-inserted one."""
    for name, length in _TEXT:
        value = getattr(event, name)
        if isinstance(value, str):
            check_text(f"case_event.{name}", length, value)


def _write_pending(session):
    events = session.info.pop(_pending, None)
    if events:  # one statement: executemany on SQLite, one multi-row INSERT on PostgreSQL
        session.connection().execute(_TABLE.insert(), [{k: getattr(e, k) for k in _COLUMNS} for e in events])


@sa.event.listens_for(Session, "before_flush")
def _write_on_flush(session, _context, instances):
    # A flush of named objects only (the new inbox rows, for their ids) leaves the events for later.
    if instances is None:
        _write_pending(session)


@sa.event.listens_for(Session, "before_commit")
def _write_on_commit(session):
    _write_pending(session)  # just before the commit's own flush (the case row and its version check)


@sa.event.listens_for(Session, "after_rollback")
def _drop_pending(session):
    # A rolled-back savepoint (a case undone alone, engine.workbench.migration) fires this too:
    # beginning it flushed what came before, so what waits now was appended inside it.
    session.info.pop(_pending, None)


def changes_of(before, submitted):
    """The keys a submission changed: {key: {"before": old or None, "after": new}}."""
    return {k: {"before": before.get(k), "after": v} for k, v in submitted.items()
            if not k.startswith("_") and (k not in before or before[k] != v)}

# Applicants (#10b): a signed 告知承诺 at start, and a listing after a false one.
COMMITMENT_SIGNED = "commitment_signed"
CREDIT_LISTED = "credit_listed"
EVENT_TYPES += (COMMITMENT_SIGNED, CREDIT_LISTED)
