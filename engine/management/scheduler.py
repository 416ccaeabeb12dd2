"""The background poller every ``serve`` and ``worker`` process runs."""
import logging

from .jobs import POLL_SECONDS

log = logging.getLogger(__name__)
CARD_SCAN_SECONDS = 30


class _ExpectedSkips(logging.Filter):
    """A poll still draining when its next tick comes is skipped by design (max_instances=1):
    no warning per tick, which under load flooded the log."""

    def filter(self, record):
        return "maximum number of running instances reached" not in record.getMessage()


logging.getLogger("apscheduler.scheduler").addFilter(_ExpectedSkips())


class Scheduler:
    """APScheduler in the background: polls due timers and webhook deliveries
    twice a second and deadline cards every half minute; ``chores`` are extra (function, seconds) housekeeping jobs."""

    def __init__(self, engine, interval=POLL_SECONDS, chores=()):
        from apscheduler.schedulers.background import BackgroundScheduler

        self.engine = engine
        self._scheduler = BackgroundScheduler(timezone="UTC")
        self._scheduler.add_job(self._drain, "interval", args=[engine.management.run_due_jobs], seconds=interval,
                                max_instances=1, coalesce=True, id="tongban-due-jobs")
        self._scheduler.add_job(self._drain, "interval", args=[engine.webhooks.deliver_due], seconds=interval,
                                max_instances=1, coalesce=True, id="tongban-webhooks")
        # Cards are checked once per interval: a case a racing worker holds is looked at next time.
        self._scheduler.add_job(self._drain, "interval", args=[lambda: engine.supervision.scan() and False],
                                seconds=CARD_SCAN_SECONDS, max_instances=1, coalesce=True, id="tongban-cards")
        for i, (chore, seconds) in enumerate(chores):
            self._scheduler.add_job(self._drain, "interval", args=[chore], seconds=seconds, max_instances=1,
                                    coalesce=True, id=f"tongban-chore-{i}")

    @staticmethod
    def _drain(poll):
        """Call ``poll`` until it finds nothing more to do."""
        try:
            while poll():
                pass
        except Exception:  # keep the scheduler alive; the rows keep their errors
            log.exception("background poll %s failed", getattr(poll, "__name__", poll))

    def start(self):
        self._scheduler.start()
        return self

    def stop(self):
        self._scheduler.shutdown(wait=True)
