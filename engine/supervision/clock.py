"""Case and step clocks in working days, and the cards they earn (电子监察).

A case's clock starts when it is accepted: when a task the analyst marked
``clock = start`` completes (the acceptance step), or at the start of the case
if the diagram marks none. Its statutory and promised deadlines (法定时限 /
承诺时限 from the matter's catalogue entry) are counted in working days from
there, moved by every working day the clock was paused (补正, 特别程序, and
waiting at an element marked ``clock = pause`` such as a 容缺 supplement).
A user task with ``timeLimit = N`` has its own step deadline (环节时限); it
stops with the case's clock and moves by the same working days.

Cards, in rising order: 预警 (``warning``: WARNING_DAYS working days or fewer
left before the first deadline, counting the day it falls on as 0; none for
limits that short), 黄牌 (``yellow``: past the promised deadline,
or a step past its limit), 红牌 (``red``: past the statutory deadline, or a
step TASK_RED_DAYS working days past its limit). ``next_card_at`` says when
the next card is due, so the scheduler only looks at rows whose time came.
"""
import os

import sqlalchemy as sa

from engine import generation, history
from engine.calendar import calendar
from engine.errors import CalendarMissing
from engine.models import HumanTask, Matter

NONE, WARNING, YELLOW, RED = "", "warning", "yellow", "red"
LEVELS = (NONE, WARNING, YELLOW, RED)
LABELS = {NONE: "正常", WARNING: "预警", YELLOW: "黄牌", RED: "红牌"}
PAUSE_AT_ELEMENT = "容缺等待"


def warning_days():
    return int(os.environ.get("TONGBAN_WARNING_DAYS", "1"))


def task_red_days():
    return int(os.environ.get("TONGBAN_TASK_RED_DAYS", "2"))


def card_at(thresholds, now):
    """The card earned at ``now`` and when the next one falls due."""
    card, upcoming = NONE, None
    for at, level in thresholds:
        if at is None:
            continue
        if at <= now:
            if LEVELS.index(level) > LEVELS.index(card):
                card = level
        elif upcoming is None or at < upcoming:
            upcoming = at
    return card, upcoming


def case_thresholds(case, legal_days, promised_days):
    cal, extra, start = calendar(), case.paused_days, case.clock_started_at
    case.legal_due_at = cal.deadline(start, legal_days + extra) if legal_days else None
    case.promised_due_at = cal.deadline(start, promised_days + extra) if promised_days else None
    first = promised_days or legal_days
    warn = _warning_at(start, first + extra) if first else None
    return [(warn, WARNING), (case.promised_due_at or case.legal_due_at, YELLOW),
            (case.legal_due_at if promised_days else None, RED)]


def task_thresholds(row):
    if row.due_at is None:
        return []
    cal = calendar()
    # Counted back from the due date, which moves when the case's clock pauses.
    warn = max(row.created_at, cal.end_of(cal.back(row.due_at, warning_days() + 1))) \
        if row.limit_days > warning_days() else None
    return [(warn, WARNING), (row.due_at, YELLOW), (cal.deadline(row.due_at, task_red_days()), RED)]


def _warning_at(start, days):
    """From when WARNING_DAYS or fewer working days are left of ``days`` counted from ``start``
    (None for a limit that short: a warning from the first minute would only be noise)."""
    before = days - warning_days() - 1
    return None if before < 0 else calendar().deadline(start, before)


class CaseClock:
    """The clock of one case inside a unit of work (``ctx`` is a Step or CaseContext)."""

    def __init__(self, ctx):
        self.ctx, self.case, self.now = ctx, ctx.case, ctx.engine.clock.now()

    def _limits(self):
        session, key = self.ctx.session, self.case.process_key

        def look_up():
            matter = session.get(Matter, key)
            return (matter.legal_limit_days, matter.promised_limit_days) if matter else (None, None)
        return generation.cached(session, generation.CONFIGURATION, ("matter limits", key), look_up)

    def start(self):
        if self.case.clock_started_at is not None:
            return
        self.case.clock_started_at = self.now
        if self.recompute():
            self.ctx.event(history.CLOCK_STARTED, actor=None, data=self.summary())

    def recompute(self):
        """Deadlines and card from the clock's start and pauses; False if the calendar has a gap."""
        case = self.case
        if case.clock_started_at is None:
            return False
        legal, promised = self._limits()
        try:
            thresholds = case_thresholds(case, legal, promised)
        except CalendarMissing as exc:
            case.legal_due_at = case.promised_due_at = case.next_card_at = None
            self.ctx.event(history.CLOCK_UNAVAILABLE, actor=None, data={"reason": exc.message, **(exc.details or {})})
            return False
        if case.paused_at is None:
            card, upcoming = card_at(thresholds, self.now)
            self.set_card(card)
            case.next_card_at = None if case.ended_at else upcoming  # an ended case keeps its last card
        else:
            case.next_card_at = None
        return True

    def pause(self, reason):
        case = self.case
        if case.paused_at is not None or case.clock_started_at is None or case.ended_at is not None:
            return False
        case.paused_at, case.pause_reason, case.next_card_at = self.now, reason, None
        for row in self._timed_tasks():
            row.next_card_at = None  # the steps' clocks stop with the case's
        self.ctx.event(history.CLOCK_PAUSED, data={"reason": reason})
        return True

    def _timed_tasks(self):
        # Rows made in this step get their deadline from the clock as it is now (supervise), even
        # though they were inserted with it already (prefill_deadlines): a resume does not move it.
        fresh = getattr(self.ctx, "fresh_rows", ())
        return [r for r in self.ctx.session.scalars(sa.select(HumanTask).where(
            HumanTask.case_id == self.case.id, HumanTask.due_at.is_not(None)))
            if r.state == "READY" and not any(r is f for f in fresh)]

    def resume(self, reason=None):
        case = self.case
        if case.paused_at is None or (reason is not None and case.pause_reason != reason):
            return False
        try:
            used = calendar().count(case.paused_at, self.now)
        except CalendarMissing:
            used = 0
        previous = case.pause_reason
        case.paused_days += used
        case.paused_at = case.pause_reason = None
        self.recompute()
        for row in self._timed_tasks():
            try:
                row.due_at = calendar().deadline(row.due_at, used)
            except CalendarMissing:
                continue
            sync_task_card(self.ctx, row, self.now)
        self.ctx.event(history.CLOCK_RESUMED, data={"reason": previous, "paused_days": used, **self.summary()})
        return True

    def set_card(self, card):
        case = self.case
        if card == case.card:
            return
        self.ctx.event(history.CARD_CHANGED, actor=None,
                       data={"card": card, "label": LABELS[card], "previous": case.card, "scope": "case", **self.summary()})
        case.card = card

    def summary(self):
        case = self.case
        return {"legal_due": _iso(case.legal_due_at), "promised_due": _iso(case.promised_due_at),
                "paused_days": case.paused_days}


def sync_task_card(ctx, row, now):
    """Refresh one task's card; records a transition once."""
    try:
        card, row.next_card_at = card_at(task_thresholds(row), now)
    except CalendarMissing:
        card, row.next_card_at = row.card, None
    if card != row.card:
        ctx.event(history.CARD_CHANGED, actor=None, task_id=row.id, element_id=row.element_id,
                  data={"card": card, "label": LABELS[card], "previous": row.card, "scope": "task",
                        "name": row.name, "due": _iso(row.due_at), "assignee": row.assignee, "lane": row.lane})
        row.card = card


def _iso(value):
    return value.isoformat() if value else None
