"""The dashboard's figures (电子监察统计), for one period, scoped to who asks.

A case counts as on time (按时办结) if it ended without a yellow or red card;
即办 if it ended on the working day it was received; 一次办 if it was never
sent back or asked for corrections; 网上办理 if it came in through the online
channel. Working days use the calendar; a day it has no data for is left out
of the averages rather than guessed.
"""
from collections import Counter, defaultdict
from datetime import datetime, time, timedelta

import sqlalchemy as sa

from engine.calendar import BEIJING, calendar
from engine.errors import CalendarMissing, InvalidInput
from engine.models import Case, CaseEvent, Matter, Rating
from engine.runtime.queries import scope

MAX_PERIOD_DAYS = 366
REPEATED_WORK = ("task_returned", "correction_opened")  # events that make a case not 一次办


class Statistics:
    def __init__(self, engine, actor, start=None, end=None, department=None, process=None):
        self.engine, self.actor = engine, actor
        today = engine.clock.now().astimezone(BEIJING).date()
        self.end = end or today
        self.start = start or self.end - timedelta(days=29)
        if self.start > self.end or (self.end - self.start).days >= MAX_PERIOD_DAYS:
            raise InvalidInput(f"统计区间应在 1–{MAX_PERIOD_DAYS} 天之内，且开始不晚于结束",
                               details={"from": str(self.start), "to": str(self.end)})
        self.department, self.process = department, process

    def _bounds(self):
        lo = datetime.combine(self.start, time.min, BEIJING)
        hi = datetime.combine(self.end + timedelta(days=1), time.min, BEIJING)
        return lo, hi

    def _cases(self, session):
        lo, hi = self._bounds()
        q = scope(sa.select(Case, Matter.department, Matter.name).outerjoin(
            Matter, Matter.process_key == Case.process_key), self.actor)
        q = q.where(sa.or_(sa.and_(Case.created_at >= lo, Case.created_at < hi),
                           sa.and_(Case.ended_at >= lo, Case.ended_at < hi),
                           Case.status == "running"))
        if self.department:
            q = q.where(Matter.department == self.department)
        if self.process:
            q = q.where(Case.process_key == self.process)
        return session.execute(q).all()

    def figures(self):
        lo, hi = self._bounds()
        cal = calendar()
        with self.engine.db.read() as session:
            rows = self._cases(session)
            ids = [r.Case.id for r in rows]
            repeated = set()
            for chunk in range(0, len(ids), 500):
                repeated |= set(session.scalars(sa.select(CaseEvent.case_id).where(
                    CaseEvent.case_id.in_(ids[chunk:chunk + 500]), CaseEvent.type.in_(REPEATED_WORK)).distinct()))
        days = [(self.start + timedelta(days=i)) for i in range((self.end - self.start).days + 1)]
        received, completed = Counter(), Counter()
        ended, on_time, instant, once, online, total_in = 0, 0, 0, 0, 0, 0
        durations = defaultdict(list)  # (department, matter) -> working days
        cards = Counter()
        overdue = []
        for case, department, matter_name in rows:
            department = department or "未归属部门"
            matter_name = matter_name or case.process_key
            if lo <= case.created_at < hi:
                total_in += 1
                received[case.created_at.astimezone(BEIJING).date()] += 1
                online += case.channel == "online"
            if case.ended_at and lo <= case.ended_at < hi:
                ended += 1
                completed[case.ended_at.astimezone(BEIJING).date()] += 1
                on_time += case.card not in ("yellow", "red")
                once += case.id not in repeated
                start_day, end_day = (d.astimezone(BEIJING).date() for d in (case.created_at, case.ended_at))
                instant += start_day == end_day
                try:
                    durations[(department, matter_name)].append(cal.count(start_day, end_day))
                except CalendarMissing:
                    pass
            if case.status == "running" and case.card:
                cards[(department, case.card)] += 1
                if case.card in ("yellow", "red"):
                    overdue.append({"id": case.id, "number": case.number, "matter": matter_name,
                                    "department": department, "card": case.card,
                                    "promised_due": _iso(case.promised_due_at), "legal_due": _iso(case.legal_due_at)})
        rate = lambda part, whole: round(part / whole, 4) if whole else None  # noqa: E731
        departments = sorted({d for d, _ in cards} | {d for d, _ in durations})
        return {
            "period": {"from": self.start.isoformat(), "to": self.end.isoformat()},
            "received": total_in, "ended": ended,
            "per_day": [{"date": d.isoformat(), "received": received[d], "completed": completed[d]} for d in days],
            "rates": {"on_time": rate(on_time, ended), "instant": rate(instant, ended),
                      "once": rate(once, ended), "online": rate(online, total_in)},
            "average_days": [{"department": d, "matter": m, "cases": len(v), "days": round(sum(v) / len(v), 2)}
                             for (d, m), v in sorted(durations.items())],
            "open_cards": [{"department": d, "warning": cards[(d, "warning")], "yellow": cards[(d, "yellow")],
                            "red": cards[(d, "red")]} for d in departments],
            "overdue": sorted(overdue, key=lambda o: (o["card"] != "red", o["promised_due"] or o["legal_due"] or ""))[:200],
            "ratings": self._ratings(ids, lo, hi),
        }

    def _ratings(self, case_ids, lo, hi):
        """好差评 of the cases in scope given in the period, per department and matter."""
        rows = []
        with self.engine.db.read() as session:
            for chunk in range(0, len(case_ids), 500):
                rows += session.execute(sa.select(Rating, Matter.name).outerjoin(
                    Matter, Matter.process_key == Rating.process_key).where(
                    Rating.case_id.in_(case_ids[chunk:chunk + 500]), Rating.at >= lo, Rating.at < hi)).all()
        groups = defaultdict(list)
        for rating, matter_name in rows:
            groups[(rating.department or "未归属部门", matter_name or rating.process_key)].append(rating.score)
        return [{"department": d, "matter": m, "label": f"{m}（{d}）", "count": len(v),
                 "average": round(sum(v) / len(v), 2), "good": sum(s >= 4 for s in v), "bad": sum(s <= 2 for s in v)}
                for (d, m), v in sorted(groups.items())]


def _iso(value):
    return value.isoformat() if value else None
