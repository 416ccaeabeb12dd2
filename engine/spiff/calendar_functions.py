"""Working-day helpers a diagram may call (工作日): in timers, conditions and scripts.

Dates go in and out as ISO text, the way case data holds them.
"""
from engine.calendar import BEIJING, calendar
from engine.clock import clock


def working_days_after(days, start=None):
    """End of the ``days``-th working day after today (or after ``start``), as an ISO datetime in Beijing time."""
    return calendar().deadline(start or clock.now(), days).astimezone(BEIJING).isoformat()


def add_workdays(start, days):
    """The date ``days`` working days after ``start`` ("2026-12-01", 5 → "2026-12-08")."""
    return calendar().add(start, days).isoformat()


def is_workday(day):
    return calendar().is_workday(day)


FUNCTIONS = {"working_days_after": working_days_after, "add_workdays": add_workdays, "is_workday": is_workday}
