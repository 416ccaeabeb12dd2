"""Trail events: their types, and appending one inside a unit of work (全程留痕).

Events are appended inside the same unit of work as the change they describe,
numbered per case (``seq``) under the case's version check, so the trail and the
state can never disagree. The schema refuses UPDATE and DELETE on the table.
"""
from engine import webhooks
from engine.models import CaseEvent, utcnow

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
TIMER_FIRED = "timer_fired"
GATEWAY_PASSED = "gateway_passed"
RULE_EVALUATED = "rule_evaluated"
SCRIPT_RUN = "script_run"
EVENT_REACHED = "event_reached"
DEFINITION_MIGRATED = "definition_migrated"
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
               TASK_COMPLETED, TASK_CANCELLED, MESSAGE_RECEIVED, TIMER_FIRED, GATEWAY_PASSED,
               RULE_EVALUATED, SCRIPT_RUN, EVENT_REACHED,
               TASK_RETURNED, TASK_TRANSFERRED, TASK_DELEGATED, TASK_DELEGATION_RESOLVED, TASK_SIGNED,
               TASK_UNSIGNED, TASK_CC, TASK_WITHDRAWN, TASK_URGED, CORRECTION_OPENED, CORRECTION_ANSWERED,
               ATTACHMENT_ADDED)


def append(session, case, type, actor=None, task_id=None, element_id=None, data=None):
    """Append one event to ``case``'s trail; the caller's unit of work commits it."""
    case.last_event_seq += 1
    event = CaseEvent(case_id=case.id, seq=case.last_event_seq, type=type, at=utcnow(), actor=actor,
                      task_id=task_id, element_id=element_id, data=data)
    session.add(event)
    webhooks.enqueue(session, case, event)  # outbox rows commit with the event
    return event
