"""What every step does for supervision, after the workflow moved: start or pause
the case clock as the diagram marks it, give new tasks their step deadline,
and settle the cards of tasks that closed; ``outcome_of`` names how an ended case ended."""
import sqlalchemy as sa
from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.util.task import TaskState

from engine.calendar import calendar
from engine.errors import CalendarMissing
from engine.models import HumanTask
from engine.tasks import rules
from engine.tasks.rules import LOCKED_CASE, OPEN

from .clock import PAUSE_AT_ELEMENT, CaseClock, card_at, sync_task_card, task_thresholds

ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED


def supervise(step, new_rows):
    from engine.runtime.step import all_tasks

    props = step.engine.repository.properties(step.session, step.case.definition_id)
    clock = CaseClock(step)
    tasks = list(all_tasks(step.wf))
    marked = lambda task, value: props.get(task.task_spec.bpmn_id, {}).get("clock") == value  # noqa: E731

    if step.case.clock_started_at is None:
        has_start_mark = any(p.get("clock") == "start" for p in props.values())
        just_done = [t for t in tasks if t.state == TaskState.COMPLETED
                     and step.before.get(t.id) != TaskState.COMPLETED and marked(t, "start")]
        # A case that ends at its acceptance step was refused there (不予受理): never under the clock.
        if not has_start_mark or (just_done and not step.wf.is_completed()):
            clock.start()

    waiting_marked = any(t.state & ACTIVE and marked(t, "pause") for t in tasks)
    if waiting_marked and step.case.paused_at is None:
        clock.pause(PAUSE_AT_ELEMENT)
    elif not waiting_marked and step.case.pause_reason == PAUSE_AT_ELEMENT:
        clock.resume(PAUSE_AT_ELEMENT)

    for row in new_rows:
        if row.due_at is not None:  # its 环节时限, set before it was inserted (prefill_deadlines)
            if step.case.paused_at is None:
                sync_task_card(step, row, clock.now)
            else:
                row.next_card_at = None  # the steps' clocks stop with the case's (see prefill_deadlines)

    # Tasks that closed keep the card they had when they closed (overdue stays red in the statistics).
    for row in _timed_rows(step):
        if row.state in OPEN:  # filtered here: a row closed in this step is not flushed yet
            continue
        sync_task_card(step, row, row.completed_at or clock.now)
        row.next_card_at = None

    if step.wf.is_completed():
        clock.recompute()  # an ended case keeps the card it ended with


def prefill_deadlines(step, rows):
    """Give new inbox rows their step deadline and next card time before they are inserted,
    so that ``supervise`` finds them set and the rows need no UPDATE afterwards."""
    props = step.engine.repository.properties(step.session, step.case.definition_id)
    now = step.engine.clock.now()
    for row in rows:
        if step_deadline(row, props):
            try:
                _, row.next_card_at = card_at(task_thresholds(row), now)
            except CalendarMissing:
                row.next_card_at = None


def step_deadline(row, props):
    """Set a new row's 环节时限 from its element's ``timeLimit``; False if it has none (or the calendar a gap)."""
    limit = _int(props.get(row.element_id, {}).get("timeLimit"))
    if not limit:
        return False
    try:
        row.limit_days, row.due_at = limit, calendar().deadline(row.created_at, limit)
    except CalendarMissing:
        return False
    return True


def _timed_rows(step):
    """The case's rows with a card still running. Once the step read the case's open rows
    (it always does, ``rules.open_rows``), every such row is in the session: a row that
    closed earlier had its card settled then, in its own step."""
    session, case_id = step.session, step.case.id
    if rules.rows_known(session, case_id):
        return [r for r in rules.case_rows(session, case_id) if r.next_card_at is not None]
    return session.scalars(sa.select(HumanTask).where(
        HumanTask.case_id == case_id, HumanTask.next_card_at.is_not(None)).options(LOCKED_CASE)).all()


def outcome_of(step):
    """The outcome (办结结果) of a case that ended: its last end event's ``outcome`` property, else its name."""
    from engine.runtime.step import all_tasks

    ends = [t for t in all_tasks(step.wf) if t.state == TaskState.COMPLETED and isinstance(t.task_spec, EndEvent)]
    if not ends:
        return None
    last = max(ends, key=lambda t: t.last_state_change).task_spec
    props = step.engine.repository.properties(step.session, step.case.definition_id)
    return props.get(last.bpmn_id, {}).get("outcome") or last.bpmn_name or None


def _int(value):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= 3650 else None
