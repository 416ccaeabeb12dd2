"""The engine's one source of "now": aware UTC, movable by tests and operators.

:data:`clock` is read by the trail, timers, jobs and scripts' ``datetime.now()``;
``travel``/``freeze`` move it. ``pinned`` holds "now" still for one thread:
every unit of work runs at one instant, so that a replay run at the recorded
instants sees exactly the times the case saw (timer deadlines, scripts).
"""
import threading
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone


class Clock:
    """Aware-UTC "now" that can be frozen or moved; thread-safe."""

    def __init__(self):
        self._lock = threading.Lock()
        self._frozen = None
        self._offset = timedelta(0)
        self._local = threading.local()

    def now(self):
        pinned = getattr(self._local, "pinned", None)
        if pinned is not None:
            return pinned
        with self._lock:
            base = self._frozen or datetime.now(timezone.utc)
            return base + self._offset

    def travel(self, delta):
        with self._lock:
            self._offset += delta

    def freeze(self, dt):
        if dt.tzinfo is None:
            raise ValueError("freeze() needs an aware datetime")
        with self._lock:
            self._frozen = dt.astimezone(timezone.utc)
            self._offset = timedelta(0)

    @contextmanager
    def pinned(self, at=None):
        """Hold this thread's "now" at ``at`` (default: now) inside the block."""
        if at is not None and at.tzinfo is None:
            raise ValueError("pinned() needs an aware datetime")
        previous = getattr(self._local, "pinned", None)
        self._local.pinned = at.astimezone(timezone.utc) if at is not None else self.now()
        try:
            yield self._local.pinned
        finally:
            self._local.pinned = previous

    def reset(self):
        with self._lock:
            self._frozen = None
            self._offset = timedelta(0)


clock = Clock()


class _PlainInstances(type):
    # Instances are plain datetime/date objects, so isinstance must accept them.
    def __instancecheck__(cls, obj):
        return isinstance(obj, cls.__mro__[1])


class ClockDatetime(datetime, metaclass=_PlainInstances):
    """``datetime`` whose ``now()`` asks :data:`clock`.

    Every constructor returns a plain ``datetime`` so that values stay
    serialisable by Spiff's registry (it looks types up exactly).
    """

    def __new__(cls, *args, **kwargs):
        return datetime(*args, **kwargs)

    @classmethod
    def now(cls, tz=None):
        now = clock.now()
        return now.astimezone(tz) if tz else now.astimezone().replace(tzinfo=None)

    @classmethod
    def utcnow(cls):
        return clock.now().replace(tzinfo=None)

    @classmethod
    def today(cls):
        return cls.now()


class ClockDate(date, metaclass=_PlainInstances):
    """``date`` whose ``today()`` asks :data:`clock` (server-local, like ``date.today``)."""

    def __new__(cls, *args, **kwargs):
        return date(*args, **kwargs)

    @classmethod
    def today(cls):
        return clock.now().astimezone().date()
