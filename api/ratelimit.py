"""Request budgets counted in memory, shared through the database in batches.

Each process counts a caller's requests itself and adds them to the shared
``rate_limit`` row (``store.hit``) when it has gathered ``limit // 50`` of them
or a second has passed, learning the other processes' count in the same
statement. A request is refused once the shared count plus this process's
unsent ones reach the limit. What other processes have not sent yet is unseen:
each of them may let through at most ``limit // 50`` more (2 % of the budget)
and for at most a second. Budgets under 50 requests are counted in the
database on every request, exactly, as before.
"""
import threading
import time

from . import store

FLUSH_SECONDS = 1.0
BATCH_SHARE = 50        # a process sends its count every limit // 50 requests
MAX_BUCKETS = 10_000


class _Bucket:
    __slots__ = ("window", "shared", "unsent", "synced")

    def __init__(self, window):
        self.window, self.shared, self.unsent, self.synced = window, 0, 0, float("-inf")


class Limiter:
    def __init__(self, engine):
        self.engine = engine
        self._buckets = {}
        self._lock = threading.Lock()

    def hit(self, bucket, limit, period):
        """Count one request; seconds to wait if over ``limit`` per ``period``, else 0."""
        batch = limit // BATCH_SHARE
        if batch < 1:
            return store.hit(self.engine, bucket, limit, period)
        now = int(self.engine.clock.now().timestamp())
        window = now - now % period
        wait = window + period - now
        with self._lock:
            b = self._buckets.get(bucket)
            if b is None or b.window != window:
                if len(self._buckets) >= MAX_BUCKETS:
                    self._buckets = {k: v for k, v in self._buckets.items() if v.window == window}
                b = self._buckets[bucket] = _Bucket(window)
            b.unsent += 1
            if b.unsent < batch and time.monotonic() - b.synced < FLUSH_SECONDS:
                return 0 if b.shared + b.unsent <= limit else wait
            sending, b.unsent = b.unsent, 0
        total = store.add_hits(self.engine, bucket, window, sending)
        with self._lock:
            b.shared, b.synced = max(b.shared, total), time.monotonic()
            return 0 if b.shared + b.unsent <= limit else wait
