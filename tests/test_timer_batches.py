"""Timers at scale (issue #14): one claim and one release write per batch of due jobs,
several cases per worker cycle, and no warning per skipped scheduler tick."""
import logging
from datetime import timedelta

import sqlalchemy as sa

from engine.management import scheduler  # noqa: F401  (installs the log filter)
from engine.models import Case

from .test_safety import PERSON, timer_on_task


def test_one_cycle_fires_a_batch_with_one_claim_and_one_release(deployed):
    deployed.repository.deploy([("slow.bpmn", timer_on_task("slow", "P5D"))])
    ids = [deployed.runtime.start("slow", PERSON).id for _ in range(5)]
    deployed.clock.travel(timedelta(days=6))
    writes = []
    sa.event.listen(deployed.db.engine, "commit", lambda conn: writes.append(1))
    assert deployed.management.run_due_jobs(limit=20) == 5
    # one claim, five units of work (one per case), one release of the batch
    assert len(writes) == 1 + 5 + 1
    with deployed.db.read() as s:
        assert {s.get(Case, i).status for i in ids} == {"completed"}
    assert deployed.management.run_due_jobs() == 0


def test_skipped_ticks_are_not_logged_as_warnings(caplog):
    log = logging.getLogger("apscheduler.scheduler")
    with caplog.at_level(logging.WARNING, logger="apscheduler.scheduler"):
        log.warning('Execution of job "%s" skipped: maximum number of running instances reached (%d)', "x", 1)
        log.warning("something else")
    assert [r.getMessage() for r in caplog.records] == ["something else"]


def test_the_claim_is_one_statement_and_a_crashed_workers_batch_is_retaken_after_its_lease(deployed):
    from engine.management.jobs import LEASE, ManagementService

    deployed.repository.deploy([("slow.bpmn", timer_on_task("slow", "P5D"))])
    ids = [deployed.runtime.start("slow", PERSON).id for _ in range(4)]
    deployed.clock.travel(timedelta(days=6))
    crashed, survivor = ManagementService(deployed), ManagementService(deployed)
    statements = []
    listen = lambda *a: statements.append(a[2].split()[0].upper())  # noqa: E731
    sa.event.listen(deployed.db.engine, "before_cursor_execute", listen)
    claimed = crashed.claim_due(limit=3)  # ... and the worker dies before it fires them
    sa.event.remove(deployed.db.engine, "before_cursor_execute", listen)
    assert [s for s in statements if s not in ("SET", "BEGIN")] == ["UPDATE"]
    assert [case_id for _, case_id in claimed] == ids[:3]   # earliest due first
    assert survivor.run_due_jobs() == 1                      # only the unclaimed one
    assert survivor.run_due_jobs() == 0                      # the rest wait out the lease
    deployed.clock.travel(LEASE + timedelta(seconds=1))
    assert survivor.run_due_jobs() == 3
    for case_id in ids:
        fired = [e for e in deployed.history.trail(case_id) if e.type == "timer_fired"]
        assert len(fired) == 1
    with deployed.db.read() as s:
        assert {s.get(Case, i).status for i in ids} == {"completed"}


def test_timer_fires_skip_the_flush_wait_on_postgresql_unless_told_otherwise(deployed, monkeypatch):
    deployed.repository.deploy([("slow.bpmn", timer_on_task("slow", "P5D"))])
    for _ in range(2):
        deployed.runtime.start("slow", PERSON)
    deployed.clock.travel(timedelta(days=6))
    settings = []
    listen = lambda *a: settings.append(a[2]) if a[2].startswith("SET LOCAL") else None  # noqa: E731
    sa.event.listen(deployed.db.engine, "before_cursor_execute", listen)
    try:
        monkeypatch.setenv("TONGBAN_TIMER_SYNC_COMMIT", "1")
        assert deployed.management.run_due_jobs(limit=1) == 1
        assert settings == []
        monkeypatch.delenv("TONGBAN_TIMER_SYNC_COMMIT")
        assert deployed.management.run_due_jobs(limit=1) == 1
    finally:
        sa.event.remove(deployed.db.engine, "before_cursor_execute", listen)
    # claim, the fire's unit of work, release: each without the wait; SQLite has no such setting
    assert len(settings) == (3 if deployed.db.is_postgres else 0)
