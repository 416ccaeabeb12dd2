"""Management service: due timers are rows in ``job``, claimed by any worker.

A worker claims a batch of due rows in one statement (``UPDATE … WHERE id IN
(SELECT … FOR UPDATE SKIP LOCKED) RETURNING`` on PostgreSQL, the database lock
on SQLite) that marks them with its name and a lease, then fires each in its
own unit of work. Should two workers ever reach one case at once, the case's
version check lets only one through, so a timer never fires twice. A worker
that dies holding a batch leaves it to others once the lease ends.

On PostgreSQL a timer's unit of work commits without waiting for the WAL flush
(``synchronous_commit = off`` for that transaction only): the flush wait was
most of a fire's wall time. Should the database server itself crash within a
fraction of a second after such a commit, the fire is lost whole (state, trail
and the job row's removal together) and the timer, still due, fires again
after restart; any later ordinary commit makes it durable. A deployment that
wants every fire flushed sets ``TONGBAN_TIMER_SYNC_COMMIT=1``.
"""
import logging
import os
import socket
import uuid
from datetime import timedelta

import sqlalchemy as sa

from engine.errors import Conflict, NotFound, TongbanError
from engine.models import Incident, Job

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 5
POLL_SECONDS = 0.5
BATCH = 20
_NO_FLUSH_WAIT = sa.text("SET LOCAL synchronous_commit TO OFF")


def worker_name():
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class ManagementService:
    def __init__(self, engine):
        self.engine = engine
        self.worker = worker_name()

    def claim_due(self, limit=BATCH):
        """Lease up to ``limit`` due jobs to this worker; ``[(job id, case id)]``, earliest due first."""
        now = self.engine.clock.now()
        due = (sa.select(Job.id).where(Job.due_at <= now, Job.attempts < MAX_ATTEMPTS,
                                       sa.or_(Job.locked_until.is_(None), Job.locked_until < now))
               .order_by(Job.due_at).limit(limit))
        if self.engine.db.is_postgres:
            due = due.with_for_update(skip_locked=True)
        claim = (sa.update(Job).where(Job.id.in_(due.scalar_subquery()))
                 .values(locked_by=self.worker, locked_until=now + LEASE)
                 .returning(Job.id, Job.case_id, Job.due_at)
                 .execution_options(synchronize_session=False))
        with self.engine.db.write() as session:
            self._no_flush_wait(session)
            rows = session.execute(claim).all()
        return [(job_id, case_id) for job_id, case_id, _ in sorted(rows, key=lambda r: (r.due_at, r.id))]

    def _no_flush_wait(self, session, _result=None):
        """This transaction commits without waiting for the WAL flush (see the module's notes)."""
        if self.async_commit:
            session.execute(_NO_FLUSH_WAIT)

    @property
    def async_commit(self):
        return self.engine.db.is_postgres and os.environ.get("TONGBAN_TIMER_SYNC_COMMIT", "") in ("", "0")

    def run_due_jobs(self, limit=BATCH):
        """Fire what is due; returns how many jobs were handled."""
        claimed = self.claim_due(limit)
        done = []  # released together, in one write, after the batch
        try:
            for job_id, case_id in claimed:
                try:
                    self.engine.runtime.fire_due_timers(case_id, within=self._no_flush_wait)
                except Conflict:
                    pass  # someone else moved the case; look again soon
                except TongbanError as exc:
                    log.warning("timer job %s of case %s failed: %s", job_id, case_id, exc.message)
                    self._release(job_id, error=f"{exc.code}: {exc.message} {exc.details or ''}")
                    continue
                done.append(job_id)
        finally:
            self._release_all(done)
        return len(claimed)

    def _release_all(self, job_ids):
        """Unlock the jobs this worker still holds (a fired job's row is gone already)."""
        if not job_ids:
            return
        with self.engine.db.write() as session:
            self._no_flush_wait(session)
            session.execute(sa.update(Job).where(Job.id.in_(job_ids), Job.locked_by == self.worker)
                            .values(locked_by=None, locked_until=None))

    def _release(self, job_id, error):
        with self.engine.db.write() as session:
            job = session.get(Job, job_id)
            if job is None or job.locked_by != self.worker:
                return  # fired and removed, or re-leased by another worker
            if error:
                job.attempts += 1
                job.last_error = error
                # Back off: 2, 4, 8 … seconds before the next try.
                job.locked_until = self.engine.clock.now() + timedelta(seconds=2 ** job.attempts)
            else:
                job.locked_until = None
            job.locked_by = None

    def failed_jobs(self):
        with self.engine.db.read() as session:
            return session.scalars(sa.select(Job).where(Job.attempts > 0).order_by(Job.due_at)).all()

    def retry(self, job_id):
        with self.engine.db.write() as session:
            job = session.get(Job, job_id)
            if job is None:
                raise NotFound("作业不存在", details={"job_id": job_id})
            job.attempts, job.last_error, job.locked_until, job.locked_by = 0, None, None, None
            return job

    # ---- incidents: units of work stopped by the step or wall-clock cap ----------

    def record_incident(self, exc, command, case_id=None, process_key=None):
        """Keep a runaway unit of work's reason where admins look; never fails the caller."""
        details = exc.details if isinstance(exc.details, dict) else {}
        try:
            with self.engine.db.write() as session:
                session.add(Incident(
                    kind=exc.code, operation=type(command).__name__, case_id=case_id,
                    process_key=process_key or getattr(command, "process_key", None),
                    element_id=str(details.get("element"))[:200] if details.get("element") else None,
                    actor=getattr(command.actor, "name", None), message=exc.message[:1000], details=details))
        except Exception:  # the database itself may be the problem; the caller still gets its error
            log.exception("could not record incident %s", exc.code)

    def incidents(self, limit=100, offset=0):
        with self.engine.db.read() as session:
            total = session.scalar(sa.select(sa.func.count()).select_from(Incident))
            rows = session.scalars(sa.select(Incident).order_by(Incident.id.desc()).limit(limit).offset(offset)).all()
            return rows, total
