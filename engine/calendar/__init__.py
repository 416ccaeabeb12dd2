"""The Chinese working-day calendar, for deadlines, timers and supervision."""
from .workdays import BEIJING, WorkingCalendar, calendar

__all__ = ["BEIJING", "WorkingCalendar", "calendar"]
