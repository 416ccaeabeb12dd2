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
